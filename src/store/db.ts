// The database connection: the embedded SQLite file by default, PostgreSQL when a
// postgres:// URL is given. Both run the same migrations.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { STORE_LIMITS } from '../model/limits.js';
import { isPostgres } from './dialect.js';
import { insertBehind } from './write-behind.js';

export type Db = Knex;

export interface DatabaseSettings {
  databaseUrl: string | null;
  sqlitePath: string;
  /** PostgreSQL only: the schema to use (tests give each run a fresh one). */
  pgSchema?: string | null;
}

type Migration = { up(k: Knex): Promise<void>; down(k: Knex): Promise<void> };

// Each migration's module, loaded when it is to run: a command on an up-to-date database
// (most of them) starts without loading them all.
const MIGRATIONS: Record<string, () => Promise<Migration>> = {
  '001-core': () => import('./migrations/001-core.js'),
  '002-intake': () => import('./migrations/002-intake.js'),
  '003-sftp': () => import('./migrations/003-sftp.js'),
  '004-credit': () => import('./migrations/004-credit.js'),
  '005-principal-keys': () => import('./migrations/005-principal-keys.js'),
  '006-roles-and-queries': () => import('./migrations/006-roles-and-queries.js'),
  '007-outcomes': () => import('./migrations/007-outcomes.js'),
  '008-bulk-indexes': () => import('./migrations/008-bulk-indexes.js'),
  '009-bulk-foreign-keys': () => import('./migrations/009-bulk-foreign-keys.js'),
  '010-redact-audit': () => import('./migrations/010-redact-audit.js'),
  '011-business-api': () => import('./migrations/011-business-api.js'),
  '012-org-device-activities': () => import('./migrations/012-org-device-activities.js'),
  '013-audit-action-names': () => import('./migrations/013-audit-action-names.js'),
  '014-console-sessions': () => import('./migrations/014-console-sessions.js'),
  '015-content-encoding': () => import('./migrations/015-content-encoding.js'),
  '016-document-acks': () => import('./migrations/016-document-acks.js'),
  '017-item-device-outcomes': () => import('./migrations/017-item-device-outcomes.js'),
  '018-device-event-sets': () => import('./migrations/018-device-event-sets.js'),
  '019-order-lines-unkeyed': () => import('./migrations/019-order-lines-unkeyed.js'),
  '020-sqlite-bulk-foreign-keys': () => import('./migrations/020-sqlite-bulk-foreign-keys.js'),
  '021-devices-unenrolled-state-index': () => import('./migrations/021-devices-unenrolled-state-index.js'),
  '022-outcomes-lz4': () => import('./migrations/022-outcomes-lz4.js'),
  '023-first-event-on-device': () => import('./migrations/023-first-event-on-device.js'),
};

// Migrations are compiled into the program, so they are listed here rather than read
// from a folder: the same list runs from source, from dist/ and from an installed bin.
const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name]!(),
};

export { isPostgres } from './dialect.js';

/**
 * SQLite's two drivers, chosen by measurement. sqlite3 runs each statement on libuv's
 * thread pool, so the thread that serves HTTP never waits on the database (a write
 * waiting for another writer's lock waits there, not on the event loop). better-sqlite3
 * runs statements in the calling thread, with far less cost per statement: 1,000,000
 * serials ingested in 17.6 s against 24.7 s with sqlite3 in the same run.
 *
 * Each driver carries its own copy of the SQLite library, and two copies in one process
 * must never open the same file: POSIX locks belong to the process, and each copy's
 * bookkeeping of them is its own, so one copy releases the other's locks (seen here as
 * "locking protocol" errors and stalls; sqlite.org/howtocorrupt.html, 2.2.1). So a
 * process uses one driver: `serve`'s own process sqlite3 (its waits for the write lock
 * happen off its HTTP loop), and the processes that only write, better-sqlite3: the
 * intake process `serve` starts (intake/worker.ts) and the command line's ingest.
 */
export type SqliteDriver = 'sqlite3' | 'better-sqlite3';

/** Every SQLite connection: foreign keys enforced, WAL (readers never wait on the writer), a writer waits for the lock rather than failing at once. */
const SQLITE_PRAGMAS = [
  // A new database's pages are 16 KiB (SQLite's default is 4): a bulk ingest writes each
  // serial into seven b-trees, and larger pages split less and cost less per row written
  // (a million-serial CSV 9.0 s against 10.2 s, alternating). Set before anything writes
  // the file, since the page size is fixed then; an existing database keeps its own.
  'page_size = 16384',
  'foreign_keys = ON',
  'journal_mode = WAL',
  // A long ingest holds the write lock for seconds: another writer waits for it this long.
  'busy_timeout = 60000',
  // 32 MiB of page cache (the default is 2 MiB): a ship notice of many serials touches
  // index pages all over the devices and lines tables.
  'cache_size = -32768',
];

export function openDatabase(settings: DatabaseSettings, sqliteDriver: SqliteDriver = 'sqlite3'): Db {
  if (settings.databaseUrl) {
    return knexFactory({
      client: 'pg',
      connection: settings.databaseUrl,
      searchPath: settings.pgSchema ? [settings.pgSchema] : undefined,
      pool: { min: 0, max: 10 },
    });
  }
  if (settings.sqlitePath !== ':memory:') mkdirSync(dirname(settings.sqlitePath), { recursive: true });
  return beginImmediate(openSqlite(settings, sqliteDriver));
}

/**
 * SQLite transactions take the write lock when they begin (BEGIN IMMEDIATE). A deferred
 * transaction reads first and asks for the lock at its first write; if another
 * connection (the intake worker, another process) committed meanwhile, its snapshot is
 * stale and the write fails at once, without waiting: under steady writes it could fail
 * every retry. Taking the lock first makes it wait its turn (busy_timeout) instead.
 * Savepoints (nested transactions) are unchanged.
 */
function beginImmediate(db: Db): Db {
  interface SqliteTransaction {
    begin(conn: unknown): Promise<unknown>;
    query(conn: unknown, sql: string): Promise<unknown>;
  }
  const client = db.client as { transaction(...args: unknown[]): SqliteTransaction };
  const make = client.transaction.bind(client);
  client.transaction = (...args: unknown[]) => {
    const trx = make(...args);
    trx.begin = (conn) => trx.query(conn, 'BEGIN IMMEDIATE;');
    return trx;
  };
  return db;
}

/** The part of a better-sqlite3 connection this module touches. */
interface BetterSqliteConnection {
  pragma(sql: string): unknown;
  prepare(sql: string): unknown;
}

/**
 * knex prepares every query again; a better-sqlite3 statement can be run again with new
 * bindings once its run or all has returned (knex uses nothing else), so the
 * connection keeps the latest statements by SQL text. No query sets safeIntegers, the
 * one setting knex changes on a statement.
 */
function cacheStatements(conn: BetterSqliteConnection): void {
  const cache = new Map<string, unknown>();
  const prepare = conn.prepare.bind(conn);
  conn.prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      if (cache.size >= STORE_LIMITS.cachedStatements) cache.delete(cache.keys().next().value!);
    } else cache.delete(sql); // kept as the latest used
    cache.set(sql, statement);
    return statement;
  };
}

function openSqlite(settings: DatabaseSettings, sqliteDriver: SqliteDriver): Db {
  // One connection: SQLite has one writer, and knex queues transactions on it.
  const pool = { min: 1, max: 1 };
  if (sqliteDriver === 'better-sqlite3') {
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: settings.sqlitePath },
      useNullAsDefault: true,
      pool: {
        ...pool,
        afterCreate: (conn: BetterSqliteConnection, done: (err: Error | null, c: unknown) => void) => {
          try {
            for (const p of SQLITE_PRAGMAS) conn.pragma(p);
            cacheStatements(conn);
            done(null, conn);
          } catch (err) {
            done(err as Error, conn);
          }
        },
      },
    });
  }
  return knexFactory({
    client: 'sqlite3',
    connection: { filename: settings.sqlitePath },
    useNullAsDefault: true,
    pool: {
      ...pool,
      afterCreate: (conn: { exec(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, c: unknown) => void) => {
        conn.exec(SQLITE_PRAGMAS.map((p) => `PRAGMA ${p};`).join(' '), (err) => done(err, conn));
      },
    },
  });
}

export async function migrate(db: Db, pgSchema?: string | null): Promise<string[]> {
  if (pgSchema && isPostgres(db)) await db.raw('CREATE SCHEMA IF NOT EXISTS ??', [pgSchema]);
  // Every command opens the database this way: one query says there is nothing to do,
  // where knex's migrator takes its lock table and lists the migrations first.
  if (await upToDate(db, pgSchema)) return [];
  const [, applied] = (await db.migrate.latest({ migrationSource, schemaName: pgSchema ?? undefined })) as [number, string[]];
  return applied;
}

/** Whether every migration is applied already (no migrations table: not). */
async function upToDate(db: Db, pgSchema?: string | null): Promise<boolean> {
  const query = pgSchema && isPostgres(db) ? db.withSchema(pgSchema).select('name').from('knex_migrations') : db.select('name').from('knex_migrations');
  let done: Set<string>;
  try {
    done = new Set(((await query) as { name: string }[]).map((r) => r.name));
  } catch {
    return false;
  }
  return Object.keys(MIGRATIONS).every((name) => done.has(name));
}

/** Runs the migrations up to and including `last` (a database as an older version left it, for upgrade tests). */
export async function migrateUpTo(db: Db, last: string, pgSchema?: string | null): Promise<void> {
  if (!(last in MIGRATIONS)) throw new Error(`no migration ${last}`);
  if (pgSchema && isPostgres(db)) await db.raw('CREATE SCHEMA IF NOT EXISTS ??', [pgSchema]);
  for (const name of Object.keys(MIGRATIONS).sort()) {
    if (name > last) return;
    await db.migrate.up({ migrationSource, name, schemaName: pgSchema ?? undefined });
  }
}

/**
 * Runs `work` inside a savepoint of the transaction `trx`, whose statements it runs on
 * `trx` itself: released when `work` ends, rolled back to (and released) when it throws.
 * A knex nested transaction did the same with a new transactor per call and a savepoint
 * name never seen before, which SQLite prepared anew each time: an X12 856 of a thousand
 * sets took 5.62 to 5.69 s this way against 5.85 to 6.04 s (alternating runs).
 */
export async function inSavepoint<T>(trx: Knex, work: () => Promise<T>): Promise<T> {
  if (!trx.isTransaction) throw new Error('invariant: a savepoint is taken inside a transaction');
  await trx.raw('SAVEPOINT unit');
  let result: T;
  try {
    result = await work();
  } catch (err) {
    try {
      await trx.raw('ROLLBACK TO SAVEPOINT unit');
      await trx.raw('RELEASE SAVEPOINT unit');
    } catch {
      // The transaction itself is failing (a lost connection): the error to report is the work's.
    }
    throw err;
  }
  await trx.raw('RELEASE SAVEPOINT unit');
  return result;
}

/** How often a unit of work lost a race and ran again (for logs and metrics). */
export const retryStats = { retries: 0 };

/** Retries a unit of work when a concurrent writer got there first. */
export async function withRetry<T>(work: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      retryStats.retries++;
      const backoffMs = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, backoffMs));
    }
  }
}

export class ConcurrentChange extends Error {
  constructor(what: string) {
    super(`concurrent change: ${what}`);
  }
}

function isRetryable(err: unknown): boolean {
  if (err instanceof ConcurrentChange) return true;
  const e = err as { code?: string; errno?: number };
  // PostgreSQL: serialization failure, deadlock, unique violation (a racing insert).
  if (e.code === '40001' || e.code === '40P01' || e.code === '23505') return true;
  // SQLite: busy/locked from another process, or a racing unique insert.
  if (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED') return true;
  if (e.code === 'SQLITE_CONSTRAINT' && /UNIQUE/.test(String((err as Error).message))) return true;
  return false;
}

/**
 * Inserts rows and answers their ids, in the rows' order (ids that count up in it: a
 * history set's id orders a device's events). On PostgreSQL the ids are taken from the
 * table's sequence first (takeIds), in one statement, and the rows inserted with them in
 * a second, however many rows: a unit of five ship notices wrote its five orders and five
 * history sets in ten statements, a round trip each. On SQLite a statement costs next to
 * nothing, and each row is inserted as insertReturningId does.
 */
export async function insertReturningIds(trx: Knex, table: string, rows: Record<string, unknown>[], taken?: readonly number[]): Promise<number[]> {
  if (!isPostgres(trx) || (rows.length < 2 && taken === undefined)) {
    const ids: number[] = [];
    for (const row of rows) ids.push(await insertReturningId(trx, table, row));
    return ids;
  }
  const ids = taken ? [...taken] : (await takeIds(trx, [{ table, count: rows.length }]))![0]!;
  if (ids.length !== rows.length) throw new Error(`invariant: ${ids.length} ids taken for ${rows.length} rows of ${table}`);
  for (let i = 0; i < rows.length; i += STORE_LIMITS.writeBatchRows) {
    await insertBehind(trx, trx(table).insert(rows.slice(i, i + STORE_LIMITS.writeBatchRows).map((row, k) => ({ ...row, id: ids[i + k] }))));
  }
  return ids;
}

/**
 * On PostgreSQL, ids for rows of several tables, taken from their sequences in one
 * statement: for each table, `count` ids counting up. Answers undefined on SQLite, where
 * a row's id is given by its insert.
 */
export async function takeIds(trx: Knex, wanted: readonly { table: string; count: number }[]): Promise<number[][] | undefined> {
  if (!isPostgres(trx)) return undefined;
  const asked = wanted.map((w, k) => ({ ...w, k })).filter((w) => w.count > 0);
  const out = wanted.map((): number[] => []);
  if (asked.length === 0) return out;
  const select = 'SELECT ? AS k, nextval(pg_get_serial_sequence(?, ?)) AS id FROM generate_series(1, ?)';
  const taken = (await trx.raw(
    asked.map(() => select).join(' UNION ALL '),
    asked.flatMap(({ k, table, count }) => [k, table, 'id', count]),
  )) as { rows: { k: number | string; id: string }[] };
  for (const r of taken.rows) out[Number(r.k)]!.push(Number(r.id));
  // One session's nextval answers count up: sorted, they follow the rows.
  for (const [k, ids] of out.entries()) {
    ids.sort((a, b) => a - b);
    if (ids.length !== wanted[k]!.count) throw new Error(`invariant: ${ids.length} ids taken for ${wanted[k]!.count} rows of ${wanted[k]!.table}`);
  }
  return out;
}

/** Inserts one row and answers its id, in one statement on both databases (no read back by key). */
export async function insertReturningId(trx: Knex, table: string, row: Record<string, unknown>): Promise<number> {
  if (isPostgres(trx)) {
    // A bigint id (device_event_sets) comes back as text from the pg driver.
    const [r] = (await trx(table).insert(row).returning('id')) as { id: number | string }[];
    return Number(r!.id);
  }
  // SQLite answers an insert with the row id it gave.
  const [id] = (await trx(table).insert(row)) as number[];
  return id!;
}
