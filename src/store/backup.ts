// A consistent copy of a live database. SQLite: `VACUUM INTO` reads one snapshot (a read
// transaction: writers go on, in WAL mode nobody waits) and writes a compact, complete
// database file, WAL included. PostgreSQL: pg_dump's custom format, which also reads one
// snapshot; restored with pg_restore (docs/operations.md says how).
import { chmodSync, existsSync } from 'node:fs';
import type { Knex } from 'knex';
import { isPostgres } from './dialect.js';

/** The tables a restore is checked by: what the gateway must never lose. */
export const BACKUP_CHECKED_TABLES = ['devices', 'documents', 'credit_entries', 'audit_log'] as const;

export async function rowCounts(db: Knex): Promise<Record<(typeof BACKUP_CHECKED_TABLES)[number], number>> {
  const counts = {} as Record<(typeof BACKUP_CHECKED_TABLES)[number], number>;
  for (const table of BACKUP_CHECKED_TABLES) counts[table] = Number(((await db(table).count({ n: '*' }).first()) as { n: number | string }).n);
  return counts;
}

/**
 * Writes a consistent copy of the SQLite database to `path` (a new file: an existing one is
 * refused, never overwritten), readable by the gateway's user only: it holds partners'
 * documents and the hashes of every key.
 */
export async function backupSqliteInto(db: Knex, path: string): Promise<void> {
  if (isPostgres(db)) throw new Error('invariant: VACUUM INTO is SQLite; PostgreSQL is backed up with pg_dump');
  if (existsSync(path)) throw new Error(`${path} exists already: a backup never overwrites a file`);
  await db.raw('VACUUM INTO ?', [path]);
  chmodSync(path, 0o600);
}
