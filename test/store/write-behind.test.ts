// Writes handed to the connection without waiting (src/store/write-behind.ts) and COPY
// trains (src/store/sets.ts CopyTrain), on PostgreSQL: a write handed over comes before
// every later statement of its transaction; a write that fails is reported as itself, not
// as the "transaction is aborted" of the statement after it; a train writes every table's
// rows or none, and leaves its connection answering; held rows wait for the unit's reads
// (HeldSets.handOver); and a document whose write fails behind fails with that write's
// error, or is retried whole when the error is a racing insert's. On SQLite nothing is
// written behind.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { receive, type IntakeDeps } from '../../src/intake/receive.js';
import { loadMappings } from '../../src/mapping/mapping.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { retryStats } from '../../src/store/db.js';
import { CopyTrain, HeldSets, type SetValue } from '../../src/store/sets.js';
import { insertBehind, openWriteBehind, writeBehindOf, type WriteBehind } from '../../src/store/write-behind.js';
import { databaseKind, freshDatabase, sampleDatabase, type TestDb } from '../support/db.js';
import { testCreditSettings } from '../support/credit.js';

const A = 'behind_a';
const B = 'behind_b';
const COLUMNS = ['serial', 'note'] as const;

async function serialsOf(db: Knex, table: string): Promise<string[]> {
  return ((await db(table).orderBy('serial').select('serial')) as { serial: string }[]).map((r) => r.serial);
}

function rows(prefix: string, count: number): SetValue[][] {
  return Array.from({ length: count }, (_, i) => [`${prefix}${String(i).padStart(5, '0')}`, i % 3 === 0 ? null : `tab\there ${i}`]);
}

/** The error a promise rejects with (fails the test if it fulfils). */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

const postgres = databaseKind() === 'postgres';

/** Runs `work` in a transaction that writes behind, as a document's does: settled, then closed, before it ends. */
async function writingBehind(db: Knex, work: (trx: Knex.Transaction, behind: WriteBehind) => Promise<void>): Promise<void> {
  await db.transaction(async (trx) => {
    const behind = (await openWriteBehind(trx))!;
    try {
      await work(trx, behind);
      await behind.settle();
    } finally {
      await behind.answered();
      behind.close();
    }
  });
}

describe(`write-behind: writes handed to the connection without waiting (${databaseKind()})`, function () {
  this.timeout(60_000);
  let t: TestDb;

  before(async () => {
    t = await freshDatabase();
  });
  after(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    for (const table of [A, B]) {
      await t.db.schema.dropTableIfExists(table);
      await t.db.schema.createTable(table, (c) => {
        c.string('serial', 20).primary();
        c.text('note');
      });
    }
  });

  if (!postgres) {
    it('SQLite writes nothing behind: an insert is done when it returns', async () => {
      await t.db.transaction(async (trx) => {
        expect(await openWriteBehind(trx)).to.equal(undefined);
        await insertBehind(trx, trx(A).insert({ serial: 'S1', note: null }));
        expect(writeBehindOf(trx)).to.equal(undefined);
        expect(await serialsOf(trx, A)).to.deep.equal(['S1']);
      });
    });
    return;
  }

  it('a write handed over is not waited for, and comes before every later statement', async () => {
    await writingBehind(t.db, async (trx, behind) => {
      expect(writeBehindOf(trx)).to.equal(behind);
      await insertBehind(trx, trx(A).insert([{ serial: 'S1' }, { serial: 'S2' }]));
      await insertBehind(trx, trx(A).insert({ serial: 'S3' }));
      expect(behind.statements).to.equal(2);
      expect(await serialsOf(trx, A)).to.deep.equal(['S1', 'S2', 'S3']);
      await insertBehind(trx, trx(A).insert({ serial: 'S4' }));
      await trx(A).where({ serial: 'S1' }).delete();
      expect(await serialsOf(trx, A)).to.deep.equal(['S2', 'S3', 'S4']);
    });
    expect(await serialsOf(t.db, A)).to.deep.equal(['S2', 'S3', 'S4']);
  });

  it('ends with the connection as it was: its own query, nothing written behind', async () => {
    let connection: { query: unknown } | undefined;
    let own: unknown;
    await t.db.transaction(async (trx) => {
      connection = (await trx.client.acquireConnection()) as { query: unknown };
      own = connection.query;
      const behind = (await openWriteBehind(trx))!;
      expect(connection.query).not.to.equal(own);
      await insertBehind(trx, trx(A).insert({ serial: 'S1' }));
      await behind.settle();
      behind.close();
      expect(connection.query).to.equal(own);
      expect(writeBehindOf(trx)).to.equal(undefined);
      expect(() => behind.send({ text: 'SELECT 1', values: [] })).to.throw(/after writing behind ended/);
      await trx(A).insert({ serial: 'S2' });
    });
    expect(await serialsOf(t.db, A)).to.deep.equal(['S1', 'S2']);
  });

  it('a write that fails is reported as itself, not as the aborted transaction of the statement after it', async () => {
    const err = await rejection(
      writingBehind(t.db, async (trx, behind) => {
        await insertBehind(trx, trx(A).insert({ serial: 'S1' }));
        await insertBehind(trx, trx(A).insert({ serial: 'S1' })); // the primary key refuses it
        await insertBehind(trx, trx(A).insert({ serial: 'S2' }));
        const next = await rejection(serialsOf(trx, A));
        expect(next.code, 'the read after it').to.equal('25P02');
        const first = behind.failureOr(next) as { code?: string };
        expect(first.code).to.equal('23505');
        expect(await rejection(behind.settle())).to.equal(first);
        throw first;
      }),
    );
    expect(err.code).to.equal('23505');
    expect(await serialsOf(t.db, A)).to.deep.equal([]);
  });

  it('a COPY train writes every table it carries, escapes and NULLs as given', async () => {
    const a = rows('A', 1500);
    const b = rows('B', 700);
    await writingBehind(t.db, async (_trx, behind) => {
      const train = new CopyTrain([
        { table: A, columns: COLUMNS, rows: a },
        { table: B, columns: COLUMNS, rows: b },
      ]);
      expect(train.text).to.equal('COPY "behind_a" ("serial", "note") FROM STDIN; COPY "behind_b" ("serial", "note") FROM STDIN');
      behind.send(train);
    });
    const back = async (table: string) => ((await t.db(table).orderBy('serial')) as { serial: string; note: string | null }[]).map((r) => [r.serial, r.note]);
    expect(await back(A)).to.deep.equal(a);
    expect(await back(B)).to.deep.equal(b);
  });

  it('a COPY train that fails in its last table writes none of its rows, and its connection answers after it', async () => {
    await writingBehind(t.db, async (trx, behind) => {
      await trx.raw('SAVEPOINT train');
      // B's rows hold one serial twice: its COPY fails after A's has succeeded.
      behind.send(
        new CopyTrain([
          { table: A, columns: COLUMNS, rows: rows('A', 300) },
          { table: B, columns: COLUMNS, rows: [...rows('B', 200), ['B00007', 'again']] },
        ]),
      );
      const err = await rejection(behind.settle());
      expect(err.code).to.equal('23505');
      expect(err.message).to.match(/behind_b_pkey/);
      // The rows sent after the failed COPY were dropped by the server; the same connection
      // goes on, and a good train after it applies.
      await trx.raw('ROLLBACK TO SAVEPOINT train');
      expect(await serialsOf(trx, A)).to.deep.equal([]);
      expect(await serialsOf(trx, B)).to.deep.equal([]);
      behind.send(new CopyTrain([{ table: B, columns: COLUMNS, rows: rows('B', 3) }]));
      expect(await serialsOf(trx, B)).to.deep.equal(['B00000', 'B00001', 'B00002']);
      await behind.answered();
    }).catch((err: { code?: string }) => {
      // settle() at the end reports the train that failed: the one failure kept.
      expect(err.code).to.equal('23505');
    });
    expect(await serialsOf(t.db, B)).to.deep.equal([]);
  });

  it('held rows, once a table holds enough, wait for handOver: after the unit has read, before anything later', async () => {
    await writingBehind(t.db, async (trx) => {
      const held = new HeldSets(100);
      const keys = { serial: 'serial' };
      await held.hold(trx, A, COLUMNS, rows('A', 150), keys);
      expect(await serialsOf(trx, A), 'held enough, not handed over').to.have.lengthOf(0);
      held.handOver(trx);
      expect(await serialsOf(trx, A), 'handed over').to.have.lengthOf(150);
      // Under the threshold, handOver hands over nothing.
      await held.hold(trx, A, COLUMNS, [['Z00001', null]], keys);
      held.handOver(trx);
      expect(await serialsOf(trx, A)).to.have.lengthOf(150);
      await held.write(trx);
      expect(await serialsOf(trx, A)).to.have.lengthOf(151);
    });
  });

  describe('a document whose write fails behind', () => {
    let s: TestDb;
    const csv = (tag: string) =>
      [
        'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number',
        `WB-${tag}-1,OR,2026-11-02,19827,PO-1,D1,2026-11-03,WB${tag}0001,,MW6F3LL/A`,
        `WB-${tag}-1,OR,2026-11-02,19827,PO-1,D1,2026-11-03,WB${tag}0002,,MW6F3LL/A`,
        `WB-${tag}-2,OR,2026-11-02,19827,PO-2,D2,2026-11-03,WB${tag}0003,,MW6F3LL/A`,
        `WB-${tag}-3,OR,2026-11-02,19827,PO-3,D3,2026-11-03,WB${tag}0004,,MW6F3LL/A`,
      ].join('\n') + '\n';
    const deps = (): IntakeDeps => ({ db: s.db, mappings: loadMappings(), limits: DEFAULT_CONFIG.intake, credit: testCreditSettings(), transactions: DEFAULT_CONFIG.limits });
    const ingest = (tag: string) => receive(deps(), { partnerId: '16FCE4A0', channel: 'cli', fileName: `${tag}.csv`, bytes: Buffer.from(csv(tag)), actor: 'test' });

    before(async () => {
      s = await sampleDatabase();
      // Refuses a document item of order WB-FAIL-2 (items are written behind), and the first
      // item of order WB-ONCE-2 as a racing insert would be refused.
      await s.db.raw('CREATE SEQUENCE behind_once');
      await s.db.raw(`CREATE FUNCTION behind_refuse() RETURNS trigger AS $$
        BEGIN
          IF NEW.order_number = 'WB-FAIL-2' THEN RAISE EXCEPTION 'refused by the test trigger: %', NEW.order_number; END IF;
          IF NEW.order_number = 'WB-ONCE-2' AND nextval('behind_once') = 1 THEN
            RAISE EXCEPTION 'refused once, as a racing insert: %', NEW.order_number USING ERRCODE = 'unique_violation';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql`);
      await s.db.raw('CREATE TRIGGER behind_refuse BEFORE INSERT ON document_items FOR EACH ROW EXECUTE FUNCTION behind_refuse()');
    });
    after(async () => {
      await s?.close();
    });

    it('fails with that write\'s error, and leaves nothing of the document', async () => {
      const err = await rejection(ingest('FAIL'));
      expect(err.message).to.match(/refused by the test trigger: WB-FAIL-2/);
      expect(await s.db('orders').where('order_number', 'like', 'WB-FAIL-%').count({ n: '*' })).to.deep.equal([{ n: '0' }]);
      expect(await s.db('devices').where('serial', 'like', 'WBFAIL%').count({ n: '*' })).to.deep.equal([{ n: '0' }]);
    });

    it('is retried whole when the error is a racing insert\'s, and then applies', async () => {
      const retriesBefore = retryStats.retries;
      const result = await ingest('ONCE');
      expect(result.status).to.equal('applied');
      expect(result.summary.devicesEnrolled).to.equal(4);
      expect(retryStats.retries).to.equal(retriesBefore + 1);
      expect(await s.db('devices').where('serial', 'like', 'WBONCE%').count({ n: '*' })).to.deep.equal([{ n: '4' }]);
    });
  });
});
