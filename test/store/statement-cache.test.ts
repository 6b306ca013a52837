// A better-sqlite3 connection keeps its latest prepared statements by SQL text (knex
// would prepare every query again): the same text gives the same statement, run again
// with new bindings it answers for them, and the cache stays within its bound.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { openDatabase, type Db } from '../../src/store/db.js';
import { STORE_LIMITS } from '../../src/model/limits.js';

describe('better-sqlite3 statement cache', () => {
  let dir: string;
  let db: Db;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-stmt-'));
    db = openDatabase({ databaseUrl: null, sqlitePath: join(dir, 'g.sqlite3') }, 'better-sqlite3');
  });
  after(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the same SQL text is prepared once and answers each run with its own bindings', async () => {
    const conn = (await db.client.acquireConnection()) as { prepare(sql: string): unknown };
    try {
      expect(conn.prepare('SELECT ? AS v')).to.equal(conn.prepare('SELECT ? AS v'));
    } finally {
      await db.client.releaseConnection(conn);
    }
    expect(await db.raw('SELECT ? AS v', [1])).to.deep.equal([{ v: 1 }]);
    expect(await db.raw('SELECT ? AS v', ['two'])).to.deep.equal([{ v: 'two' }]);
    await db.schema.createTable('t', (t) => t.integer('n'));
    for (let n = 0; n < 5; n++) await db('t').insert({ n });
    expect((await db('t').select('n')).map((r: { n: number }) => r.n)).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('keeps at most its bound, the least recently used leaving first', async () => {
    const conn = (await db.client.acquireConnection()) as { prepare(sql: string): unknown };
    try {
      const first = conn.prepare('SELECT 0 AS kept');
      const evicted = conn.prepare('SELECT 0 AS evicted');
      for (let i = 1; i < STORE_LIMITS.cachedStatements; i++) {
        conn.prepare(`SELECT ${i} AS filler`);
        if (i % 50 === 0) conn.prepare('SELECT 0 AS kept'); // used again: stays
      }
      expect(conn.prepare('SELECT 0 AS kept')).to.equal(first);
      expect(conn.prepare('SELECT 0 AS evicted')).to.not.equal(evicted);
    } finally {
      await db.client.releaseConnection(conn);
    }
  });
});
