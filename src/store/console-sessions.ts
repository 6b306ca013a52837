// The console's sessions (migration 014): a session token's digest and the digest of the
// key that opened it. The token and the key themselves are never stored.
import type { Knex } from 'knex';

export interface ConsoleSession {
  pk: number;
  keyDigest: string;
  lastSeenAt: string;
  expiresAt: string;
}

interface SessionRow {
  id: number;
  session_digest: string;
  key_digest: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export async function insertConsoleSession(db: Knex, s: { sessionDigest: string; keyDigest: string; now: string; expiresAt: string }): Promise<void> {
  await db('console_sessions').insert({ session_digest: s.sessionDigest, key_digest: s.keyDigest, created_at: s.now, last_seen_at: s.now, expires_at: s.expiresAt });
}

export async function findConsoleSession(db: Knex, sessionDigest: string): Promise<ConsoleSession | undefined> {
  const row = (await db('console_sessions').where({ session_digest: sessionDigest }).first()) as SessionRow | undefined;
  if (!row) return undefined;
  return { pk: row.id, keyDigest: row.key_digest, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at };
}

export async function touchConsoleSession(db: Knex, pk: number, now: string): Promise<void> {
  await db('console_sessions').where({ id: pk }).update({ last_seen_at: now });
}

export async function deleteConsoleSession(db: Knex, sessionDigest: string): Promise<void> {
  await db('console_sessions').where({ session_digest: sessionDigest }).delete();
}

/** Sessions past their end, whichever end came first; called at sign-in, so the table stays small. */
export async function deleteEndedConsoleSessions(db: Knex, now: string, idleSince: string): Promise<number> {
  return db('console_sessions').where('expires_at', '<=', now).orWhere('last_seen_at', '<=', idleSince).delete();
}
