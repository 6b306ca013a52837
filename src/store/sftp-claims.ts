// The SFTP channel's bookkeeping in the database (tables of migration 003-sftp): what the
// polls saw, and who holds which file. Every state change is one conditional statement,
// so that of several gateways polling one mailbox exactly one wins, on SQLite (one
// writer at a time) and on PostgreSQL (the row lock makes a racing UPDATE re-check its
// WHERE clause against the winner's row, and find it no longer matches).
import type { Knex } from 'knex';
import { isPostgres } from './db.js';
import type { RemoteFile } from '../model/sftp.js';

export type ClaimState = 'pending' | 'done' | 'finished' | 'set_aside';

export interface Claim {
  id: number;
  mailbox: string;
  remoteName: string;
  size: number;
  mtimeMs: number;
  state: ClaimState;
  holder: string | null;
  leaseExpiresMs: number;
  attempts: number;
  documentId: string | null;
  status: string | null;
  acksWritten: number;
  movedTo: string | null;
  lastError: string | null;
}

interface ClaimRow {
  id: number | string;
  mailbox: string;
  remote_name: string;
  size: number | string;
  mtime_ms: number | string;
  state: string;
  holder: string | null;
  lease_expires_ms: number | string;
  attempts: number | string;
  document_id: string | null;
  status: string | null;
  acks_written: number | string;
  moved_to: string | null;
  last_error: string | null;
}

/** The holder's transaction found the claim taken over by another gateway: roll back. */
export class ClaimLostError extends Error {
  constructor(claimId: number, holder: string) {
    super(`claim ${claimId} is no longer held by ${holder} (its lease ran out and another gateway took it)`);
  }
}

/** Rows of a multi-row statement per round trip: 6 bindings each stays far below the
 * bind-parameter limits of SQLite (32766) and PostgreSQL (65535). */
const SEEN_CHUNK_ROWS = 500;
/** Longest error text kept on a claim. */
const MAX_ERROR_CHARS = 2000;

const nowIso = (): string => new Date().toISOString();

/** Milliseconds since the epoch on the database server's clock. */
function dbNowMs(db: Knex): Knex.Raw {
  return isPostgres(db)
    ? db.raw('(extract(epoch from clock_timestamp()) * 1000)::bigint')
    : db.raw("CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)");
}

function leaseFromNow(db: Knex, ms: number): Knex.Raw {
  return isPostgres(db)
    ? db.raw('(extract(epoch from clock_timestamp()) * 1000)::bigint + ?', [ms])
    : db.raw("CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) + ?", [ms]);
}

function toClaim(r: ClaimRow): Claim {
  return {
    id: Number(r.id),
    mailbox: r.mailbox,
    remoteName: r.remote_name,
    size: Number(r.size),
    mtimeMs: Number(r.mtime_ms),
    state: r.state as ClaimState,
    holder: r.holder,
    leaseExpiresMs: Number(r.lease_expires_ms),
    attempts: Number(r.attempts),
    documentId: r.document_id,
    status: r.status,
    acksWritten: Number(r.acks_written),
    movedTo: r.moved_to,
    lastError: r.last_error,
  };
}

/**
 * Records one poll's listing: each file's consecutive-unchanged count goes up by one when
 * size and mtime are what the previous poll saw, and back to 1 otherwise (one atomic
 * upsert per file, so concurrent pollers never lose a change). Rows of files no longer
 * listed are dropped. Returns the count per file name.
 */
export async function recordSeen(db: Knex, mailbox: string, files: RemoteFile[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const at = nowIso();
  // One order for every poller: concurrent multi-row upserts then lock rows in the same
  // order and cannot deadlock on PostgreSQL.
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 0; i < sorted.length; i += SEEN_CHUNK_ROWS) {
    const chunk = sorted.slice(i, i + SEEN_CHUNK_ROWS);
    const rows = (await db('sftp_seen')
      .insert(
        chunk.map((f) => ({
          mailbox,
          remote_name: f.name,
          size: f.size,
          mtime_ms: f.mtimeMs,
          stable_polls: 1,
          first_seen_at: at,
          last_seen_at: at,
        })),
      )
      .onConflict(['mailbox', 'remote_name'])
      .merge({
        stable_polls: db.raw(
          'CASE WHEN sftp_seen.size = excluded.size AND sftp_seen.mtime_ms = excluded.mtime_ms THEN sftp_seen.stable_polls + 1 ELSE 1 END',
        ),
        first_seen_at: db.raw(
          'CASE WHEN sftp_seen.size = excluded.size AND sftp_seen.mtime_ms = excluded.mtime_ms THEN sftp_seen.first_seen_at ELSE excluded.first_seen_at END',
        ),
        size: db.raw('excluded.size'),
        mtime_ms: db.raw('excluded.mtime_ms'),
        last_seen_at: db.raw('excluded.last_seen_at'),
      })
      .returning(['remote_name', 'stable_polls'])) as { remote_name: string; stable_polls: number | string }[];
    for (const r of rows) counts.set(r.remote_name, Number(r.stable_polls));
  }
  const present = new Set(files.map((f) => f.name));
  const known = (await db('sftp_seen').where({ mailbox }).select('remote_name')) as { remote_name: string }[];
  const gone = known.map((r) => r.remote_name).filter((n) => !present.has(n));
  for (let i = 0; i < gone.length; i += SEEN_CHUNK_ROWS) {
    await db('sftp_seen').where({ mailbox }).whereIn('remote_name', gone.slice(i, i + SEEN_CHUNK_ROWS)).delete();
  }
  return counts;
}

/** Forgets what was seen of a file (it was moved away): a new upload under its name
 * starts its stability count again. */
export async function forgetSeen(db: Knex, mailbox: string, remoteName: string): Promise<void> {
  await db('sftp_seen').where({ mailbox, remote_name: remoteName }).delete();
}

/** The claim row of one version of a file, created (open, held by nobody) if missing. */
export async function ensureClaim(db: Knex, mailbox: string, file: RemoteFile): Promise<Claim> {
  const key = { mailbox, remote_name: file.name, size: file.size, mtime_ms: file.mtimeMs };
  const at = nowIso();
  await db('sftp_claims')
    .insert({ ...key, state: 'pending', holder: null, lease_expires_ms: 0, attempts: 0, acks_written: 0, created_at: at, updated_at: at })
    .onConflict(['mailbox', 'remote_name', 'size', 'mtime_ms'])
    .ignore();
  const row = (await db('sftp_claims').where(key).first()) as ClaimRow | undefined;
  if (!row) throw new Error(`claim row for ${mailbox}/${file.name} vanished after insert`);
  return toClaim(row);
}

export async function getClaim(db: Knex, id: number): Promise<Claim | null> {
  const row = (await db('sftp_claims').where({ id }).first()) as ClaimRow | undefined;
  return row ? toClaim(row) : null;
}

/**
 * Takes a pending claim whose lease has run out (or was never given): true for exactly
 * one of any number of concurrent callers. A claim taken maxAttempts times already is
 * not taken again (see setAsideExhausted).
 */
export async function takePending(db: Knex, id: number, holder: string, leaseMs: number, maxAttempts: number): Promise<boolean> {
  const n = await db('sftp_claims')
    .where({ id, state: 'pending' })
    .andWhere('lease_expires_ms', '<', dbNowMs(db))
    .andWhere('attempts', '<', maxAttempts)
    .update({ holder, lease_expires_ms: leaseFromNow(db, leaseMs), attempts: db.raw('attempts + 1'), updated_at: nowIso() });
  return Number(n) === 1;
}

/**
 * Takes a pending claim that has used up its attempts, to set its file aside: true for
 * exactly one caller. The claim stays pending (held, leased) until the file is moved.
 */
export async function takeExhausted(db: Knex, id: number, holder: string, leaseMs: number, maxAttempts: number): Promise<boolean> {
  const n = await db('sftp_claims')
    .where({ id, state: 'pending' })
    .andWhere('lease_expires_ms', '<', dbNowMs(db))
    .andWhere('attempts', '>=', maxAttempts)
    .update({ holder, lease_expires_ms: leaseFromNow(db, leaseMs), updated_at: nowIso() });
  return Number(n) === 1;
}

/** Done claims of a mailbox whose post-commit work (move, acks) nobody is doing. */
export async function orphanedDone(db: Knex, mailbox: string, limit: number): Promise<Claim[]> {
  const rows = (await db('sftp_claims')
    .where({ mailbox, state: 'done' })
    .andWhere('lease_expires_ms', '<', dbNowMs(db))
    .orderBy('id')
    .limit(limit)) as ClaimRow[];
  return rows.map(toClaim);
}

/** Takes a done claim to finish its move and acks: true for exactly one caller. */
export async function takeDone(db: Knex, id: number, holder: string, leaseMs: number): Promise<boolean> {
  const n = await db('sftp_claims')
    .where({ id, state: 'done' })
    .andWhere('lease_expires_ms', '<', dbNowMs(db))
    .update({ holder, lease_expires_ms: leaseFromNow(db, leaseMs), updated_at: nowIso() });
  return Number(n) === 1;
}

/** Extends the holder's lease while it works; false when the claim is no longer its own. */
export async function renewLease(db: Knex, id: number, holder: string, leaseMs: number): Promise<boolean> {
  const n = await db('sftp_claims')
    .where({ id, holder })
    .whereIn('state', ['pending', 'done'])
    .update({ lease_expires_ms: leaseFromNow(db, leaseMs) });
  return Number(n) === 1;
}

/**
 * Marks the claim done with its document, inside the transaction that commits the
 * document: the file counts as processed exactly when the document exists. Throws (so the
 * document rolls back) when another gateway took the claim meanwhile.
 */
export async function markDone(trx: Knex, id: number, holder: string, documentId: string, status: string | null): Promise<void> {
  const n = await trx('sftp_claims')
    .where({ id, holder, state: 'pending' })
    .update({ state: 'done', document_id: documentId, status, last_error: null, updated_at: nowIso() });
  if (Number(n) !== 1) throw new ClaimLostError(id, holder);
}

export async function recordStatus(db: Knex, id: number, status: string): Promise<void> {
  await db('sftp_claims').where({ id }).update({ status, updated_at: nowIso() });
}

export async function recordMoved(db: Knex, id: number, holder: string, movedTo: string): Promise<void> {
  await db('sftp_claims').where({ id, holder }).update({ moved_to: movedTo, updated_at: nowIso() });
}

export async function recordAcksWritten(db: Knex, id: number, holder: string, acksWritten: number): Promise<void> {
  await db('sftp_claims').where({ id, holder }).update({ acks_written: acksWritten, updated_at: nowIso() });
}

/** Move and acks are done: nothing is left to do for this file. */
export async function markFinished(db: Knex, id: number, holder: string): Promise<boolean> {
  const n = await db('sftp_claims')
    .where({ id, holder, state: 'done' })
    .update({ state: 'finished', lease_expires_ms: 0, updated_at: nowIso() });
  return Number(n) === 1;
}

/** The file was moved to errorDir without a document (too large, too many attempts). */
export async function markSetAside(db: Knex, id: number, holder: string, reason: string, movedTo: string | null): Promise<void> {
  await db('sftp_claims')
    .where({ id, holder, state: 'pending' })
    .update({ state: 'set_aside', moved_to: movedTo, last_error: reason.slice(0, MAX_ERROR_CHARS), lease_expires_ms: 0, updated_at: nowIso() });
}

/**
 * Gives a claim back after a failure (before the commit: pending; after it: done); it may
 * be taken again once `retryInMs` has passed, by this gateway or another.
 */
export async function release(db: Knex, id: number, holder: string, state: 'pending' | 'done', error: string, retryInMs: number): Promise<void> {
  await db('sftp_claims')
    .where({ id, holder, state })
    .update({ lease_expires_ms: leaseFromNow(db, retryInMs), last_error: error.slice(0, MAX_ERROR_CHARS), updated_at: nowIso() });
}

/** Records a failure of post-commit work (the claim stays done and is retried). */
export async function recordError(db: Knex, id: number, error: string): Promise<void> {
  await db('sftp_claims').where({ id }).update({ last_error: error.slice(0, MAX_ERROR_CHARS), updated_at: nowIso() });
}

/**
 * A file finished (or set aside) earlier is in inboundDir again with the same name, size
 * and mtime: the partner uploaded it again. The caller has checked, after reading the
 * claim's final state, that the file is really there (the move always happens before the
 * state is written, so a listing made before the move cannot get here). Reopens the claim
 * for one caller; the pipeline then decides (an identical file is a duplicate).
 */
export async function reopen(db: Knex, id: number): Promise<boolean> {
  const n = await db('sftp_claims')
    .where({ id })
    .whereIn('state', ['finished', 'set_aside'])
    .update({
      state: 'pending',
      holder: null,
      lease_expires_ms: 0,
      attempts: 0,
      document_id: null,
      status: null,
      acks_written: 0,
      moved_to: null,
      last_error: null,
      updated_at: nowIso(),
    });
  return Number(n) === 1;
}

/**
 * Deletes claims last changed before `beforeIso` that nobody needs: finished and set-aside
 * ones, and pending ones nobody holds (their file changed or vanished long ago).
 */
export async function pruneClaims(db: Knex, mailbox: string, beforeIso: string): Promise<number> {
  const n = await db('sftp_claims')
    .where({ mailbox })
    .andWhere('updated_at', '<', beforeIso)
    .andWhere((q) => q.whereIn('state', ['finished', 'set_aside']).orWhere((p) => p.where('state', 'pending').andWhere('lease_expires_ms', '<', dbNowMs(db))))
    .delete();
  return Number(n);
}

/** All claims of a mailbox (tests and the admin's inspection). */
export async function listClaims(db: Knex, mailbox: string): Promise<Claim[]> {
  const rows = (await db('sftp_claims').where({ mailbox }).orderBy('id')) as ClaimRow[];
  return rows.map(toClaim);
}
