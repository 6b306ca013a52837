// A new SQLite database gets 16 KiB pages, with either driver (the page size is fixed when
// the file is first written, so it must be set before WAL is); a database made with
// SQLite's default 4 KiB pages keeps them and works as before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { openDatabase, type SqliteDriver } from '../../src/store/db.js';

describe('SQLite page size', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-pages-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const pageSize = async (path: string, driver: SqliteDriver): Promise<{ size: number; journal: string; rows: number }> => {
    const db = openDatabase({ databaseUrl: null, sqlitePath: path }, driver);
    try {
      if (!(await db.schema.hasTable('t'))) await db.schema.createTable('t', (t) => t.integer('n'));
      await db('t').insert({ n: 1 });
      const rows = Number(((await db('t').count({ n: '*' }).first()) as { n: number }).n);
      const [size] = (await db.raw('PRAGMA page_size')) as { page_size: number }[];
      const [journal] = (await db.raw('PRAGMA journal_mode')) as { journal_mode: string }[];
      return { size: size!.page_size, journal: journal!.journal_mode, rows };
    } finally {
      await db.destroy();
    }
  };

  for (const driver of ['sqlite3', 'better-sqlite3'] as const) {
    it(`a new database has 16 KiB pages and WAL (${driver})`, async () => {
      expect(await pageSize(join(dir, `new-${driver}.sqlite3`), driver)).to.deep.equal({ size: 16384, journal: 'wal', rows: 1 });
    });
  }

  it('a database made with 4 KiB pages keeps them, and is read and written as before', async () => {
    const path = join(dir, 'old.sqlite3');
    // Made by the driver alone, without the gateway's settings: SQLite's default page size.
    const { default: sqlite3 } = await import('sqlite3');
    const run = (sql: string) => new Promise<void>((resolve, reject) => old.exec(sql, (err) => (err ? reject(err) : resolve())));
    const old = new sqlite3.Database(path);
    await run('CREATE TABLE t (n integer); INSERT INTO t VALUES (0);');
    const size = await new Promise<number>((resolve, reject) => old.get('PRAGMA page_size', (err, row: { page_size: number }) => (err ? reject(err) : resolve(row.page_size))));
    expect(size).to.equal(4096);
    await new Promise<void>((resolve, reject) => old.close((err) => (err ? reject(err) : resolve())));
    expect(await pageSize(path, 'sqlite3')).to.deep.equal({ size: 4096, journal: 'wal', rows: 2 });
  });
});
