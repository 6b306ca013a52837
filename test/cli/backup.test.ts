// `backup` while the gateway writes: the copy is one consistent moment (a document is in
// it with every device it enrolled, or not at all), every row it holds equals the live
// one, and it restores into a fresh database that the gateway opens. SQLite: the copy is
// a database file; PostgreSQL: a pg_dump archive restored with pg_restore, as docs/operations.md
// says.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { openDatabase } from '../../src/store/db.js';
import { BACKUP_CHECKED_TABLES } from '../../src/store/backup.js';
import { databaseKind } from '../support/db.js';

const CLI = process.env.GW_CLI_PATH ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli.js');
const HEADER = 'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number';
const KEYS: Record<(typeof BACKUP_CHECKED_TABLES)[number], string> = { devices: 'serial', documents: 'id', credit_entries: 'id', audit_log: 'id' };

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function shipNotices(dir: string, name: string, count: number): string {
  const path = join(dir, `${name}.csv`);
  const rows = Array.from({ length: count }, (_, i) => `${name},OR,2026-11-02,19827,PO-${name},D-${name},2026-11-03,${name}${String(i).padStart(7, '0')},,MW6F3LL/A`);
  writeFileSync(path, `${HEADER}\n${rows.join('\n')}\n`);
  return path;
}

/** Every row of `table` by its key, as the database answers it (numbers as numbers). */
async function rowsOf(db: Knex, table: (typeof BACKUP_CHECKED_TABLES)[number]): Promise<Map<string, Record<string, unknown>>> {
  const rows = (await db(table).select('*')) as Record<string, unknown>[];
  const norm = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' || (typeof v === 'string' && /^\d+$/.test(v) && k.endsWith('id')) ? Number(v) : v]));
  return new Map(rows.map((r) => [String(r[KEYS[table]]), norm(r)]));
}

/** The backup is one moment of the live database: each of its rows equals the live one, and no document is in it without its devices. */
async function expectConsistentCopy(live: Knex, copy: Knex): Promise<void> {
  for (const table of BACKUP_CHECKED_TABLES) {
    const [l, c] = [await rowsOf(live, table), await rowsOf(copy, table)];
    // This run writes no ledger entries; the other tables must not be compared empty.
    if (table !== 'credit_entries') expect(c.size, table).to.be.greaterThan(0);
    for (const [key, row] of c) expect(row, `${table} ${key}`).to.deep.equal(l.get(key));
  }
  const docs = (await copy('documents').select('summary_json', 'status')) as { summary_json: string; status: string }[];
  const enrolled = docs.filter((d) => d.status === 'applied').reduce((n, d) => n + (JSON.parse(d.summary_json) as { devicesEnrolled: number }).devicesEnrolled, 0);
  expect(Number(((await copy('devices').count({ n: '*' }).first()) as { n: unknown }).n)).to.equal(enrolled);
}

describe(`backup while the gateway writes, and restore (${databaseKind()})`, function () {
  this.timeout(120_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const schema = `gw_cli_backup_${randomBytes(4).toString('hex')}`;
  const restoredDb = `gw_restore_${randomBytes(4).toString('hex')}`;
  const pgUrl = process.env.DATABASE_URL;

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'gw-cli-backup-'));
    env = { ...process.env, GATEWAY_SQLITE_PATH: join(dir, 'live', 'g.sqlite3'), GATEWAY_SPOOL_DIR: join(dir, 'spool') };
    if (pgUrl) env.GATEWAY_PG_SCHEMA = schema;
    expect(cli(env, 'seed').code).to.equal(0);
    expect(cli(env, 'ingest', shipNotices(dir, 'BKA', 50), '--partner', '16FCE4A0').code).to.equal(0);
  });
  after(async function () {
    rmSync(dir, { recursive: true, force: true });
    if (pgUrl) {
      const admin = knexFactory({ client: 'pg', connection: pgUrl });
      await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
      await admin.raw(`DROP DATABASE IF EXISTS "${restoredDb}"`);
      await admin.destroy();
    }
  });

  it('copies one consistent moment while a large ship notice is applied, and the copy restores', async function () {
    // A ship notice of 30,000 devices, applied while the backup runs.
    const big = shipNotices(dir, 'BKB', 30_000);
    const ingest = spawn(process.execPath, [CLI, 'ingest', big, '--partner', '16FCE4A0'], { env, stdio: 'ignore' });
    const ingested = new Promise<number | null>((resolve) => ingest.once('exit', resolve));
    await new Promise((r) => setTimeout(r, 300));
    const out = join(dir, pgUrl ? 'gateway.dump' : 'gateway-backup.sqlite3');
    const backup = cli(env, 'backup', '--out', out);
    expect(backup.code, backup.stderr).to.equal(0);
    expect(JSON.parse(backup.stdout)).to.include({ backup: out });
    expect(statSync(out).mode & 0o777).to.equal(0o600);
    expect(await ingested).to.equal(0);
    expect(cli(env, 'backup', '--out', out).code, 'an existing file is never overwritten').to.equal(2);

    if (!pgUrl) {
      const restoredPath = join(dir, 'restored', 'g.sqlite3');
      mkdirSync(dirname(restoredPath));
      copyFileSync(out, restoredPath);
      const restoredEnv = { ...env, GATEWAY_SQLITE_PATH: restoredPath };
      expect(cli(restoredEnv, 'migrate').code).to.equal(0);
      expect(cli(restoredEnv, 'device', 'show', '--serial', 'BKA0000007').code).to.equal(0);
      const live = openDatabase({ databaseUrl: null, sqlitePath: env.GATEWAY_SQLITE_PATH! });
      const restored = openDatabase({ databaseUrl: null, sqlitePath: restoredPath });
      try {
        expect(((await restored.raw('PRAGMA integrity_check')) as { integrity_check: string }[])[0]!.integrity_check).to.equal('ok');
        await expectConsistentCopy(live, restored);
      } finally {
        await live.destroy();
        await restored.destroy();
      }
      return;
    }
    // PostgreSQL, as docs/operations.md says: a fresh database, pg_restore, the gateway on it.
    const admin = knexFactory({ client: 'pg', connection: pgUrl });
    await admin.raw(`CREATE DATABASE "${restoredDb}"`);
    await admin.destroy();
    const restoredUrl = new URL(pgUrl);
    restoredUrl.pathname = `/${restoredDb}`;
    const restore = spawnSync('pg_restore', ['--no-owner', `--dbname=${restoredUrl.toString()}`, out], { encoding: 'utf8' });
    expect(restore.status, restore.stderr).to.equal(0);
    const restoredEnv = { ...env, DATABASE_URL: restoredUrl.toString() };
    expect(cli(restoredEnv, 'migrate').code).to.equal(0);
    expect(cli(restoredEnv, 'device', 'show', '--serial', 'BKA0000007').code).to.equal(0);
    const live = openDatabase({ databaseUrl: pgUrl, sqlitePath: '', pgSchema: schema });
    const restored = openDatabase({ databaseUrl: restoredUrl.toString(), sqlitePath: '', pgSchema: schema });
    try {
      await expectConsistentCopy(live, restored);
    } finally {
      await live.destroy();
      await restored.destroy();
    }
  });
});
