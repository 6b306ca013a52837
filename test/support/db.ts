// A fresh database per test suite: a temporary SQLite file, or, when DATABASE_URL is set,
// a fresh PostgreSQL schema that is dropped afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { migrate, migrateUpTo, openDatabase, type Db } from '../../src/store/db.js';
import { seedFromFolder } from '../../src/admin/seed.js';
import type { Actor } from '../../src/admin/operations.js';

export const TEST_ACTOR: Actor = { name: 'test', origin: 'mocha' };

export interface TestDb {
  db: Db;
  kind: 'sqlite' | 'postgres';
  /** Opens another connection pool on the same database (a second gateway process). */
  openAnother(): Db;
  close(): Promise<void>;
}

export const databaseKind = (): 'sqlite' | 'postgres' => (process.env.DATABASE_URL ? 'postgres' : 'sqlite');

/**
 * A fresh database migrated up to `last` only, as a database made by an earlier release
 * would be; `upgrade()` runs the rest of the migrations on it.
 */
export async function databaseAtMigration(last: string): Promise<{ db: Db; upgrade(): Promise<void>; close(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  const schema = url ? `gw_mig_${process.pid}_${randomBytes(4).toString('hex')}` : undefined;
  const dir = url ? undefined : mkdtempSync(join(tmpdir(), 'gw-mig-'));
  const db = openDatabase(url ? { databaseUrl: url, sqlitePath: '', pgSchema: schema } : { databaseUrl: null, sqlitePath: join(dir!, 'gateway.sqlite3') });
  await migrateUpTo(db, last, schema);
  return {
    db,
    upgrade: async () => {
      await migrate(db, schema);
    },
    async close() {
      if (schema) await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
      await db.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function freshDatabase(): Promise<TestDb> {
  const url = process.env.DATABASE_URL;
  const schema = `gw_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const dir = url ? undefined : mkdtempSync(join(tmpdir(), 'gw-test-'));
  const settings = url
    ? { databaseUrl: url, sqlitePath: '', pgSchema: schema }
    : { databaseUrl: null, sqlitePath: join(dir!, 'gateway.sqlite3') };
  const db = openDatabase(settings);
  await migrate(db, url ? schema : undefined);
  const others: Db[] = [];
  return {
    db,
    kind: url ? 'postgres' : 'sqlite',
    openAnother() {
      const other = openDatabase(settings);
      others.push(other);
      return other;
    },
    async close() {
      for (const o of others) await o.destroy();
      if (url) await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
      await db.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh database loaded with samples/: organisations 19827 (has added 16FCE4A0),
 * 55120 (has added no reseller), 30411 (has added 16FCE4A0 and 2B7D9C10); resellers
 * 16FCE4A0 (Ship-To 0000052010) and 2B7D9C10 (Ship-To 0000061200); and APPLE. */
export async function sampleDatabase(): Promise<TestDb> {
  const t = await freshDatabase();
  await seedFromFolder(t.db, 'samples', TEST_ACTOR);
  return t;
}
