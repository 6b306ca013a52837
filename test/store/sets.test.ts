// Writing rows as sets (src/store/sets.ts): a set and a multi-row INSERT store the same
// values, whatever they hold (COPY's text format escapes tabs, line ends, backslashes);
// runs of a column are written as sets of their own on SQLite; and a document's held rows
// are written when a table holds enough, when a read names one, and again after a
// savepoint that wrote them is rolled back.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { HeldSets, insertRows, type SetValue } from '../../src/store/sets.js';
import { databaseKind, freshDatabase, type TestDb } from '../support/db.js';

const TABLE = 'sets_probe';
const COLUMNS = ['run', 'serial', 'note'] as const;

/** Values COPY's text format must escape, and one that only looks like its NULL. */
const AWKWARD = ['tab\there', 'line\nend', 'carriage\rreturn', 'back\\slash', '\\N', 'plain', ''];

async function rowsOf(db: Knex): Promise<SetValue[][]> {
  const rows = (await db(TABLE).orderBy('serial')) as { run: number; serial: string; note: string | null }[];
  return rows.map((r) => [Number(r.run), r.serial, r.note]);
}

describe(`sets: writing rows as sets (${databaseKind()})`, function () {
  this.timeout(30_000);
  let t: TestDb;

  before(async () => {
    t = await freshDatabase();
  });
  after(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.db.schema.dropTableIfExists(TABLE);
    await t.db.schema.createTable(TABLE, (table) => {
      table.integer('run').notNullable();
      table.string('serial', 40).primary();
      table.text('note');
    });
  });

  function rows(count: number, runs: number): SetValue[][] {
    return Array.from({ length: count }, (_, i) => [Math.floor((i * runs) / count), `S${String(i).padStart(6, '0')}`, i % 9 === 8 ? null : AWKWARD[i % AWKWARD.length]!]);
  }

  for (const mode of ['sets', 'rows'] as const) {
    it(`${mode}: every value comes back as written, nulls and escapes included, in runs of a column`, async () => {
      const written = rows(300, 3);
      await t.db.transaction((trx) => insertRows(trx, TABLE, COLUMNS, written, mode, 'run'));
      expect(await rowsOf(t.db)).to.deep.equal(written);
    });
  }

  it('a row with a value too few is refused before anything is written', async () => {
    const bad = [...rows(100, 1), ['0', 'SHORT']];
    let error: Error | undefined;
    await t.db.transaction((trx) => insertRows(trx, TABLE, COLUMNS, bad, 'sets')).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/invariant: a row of 2 values for 3 columns/);
    expect(await rowsOf(t.db)).to.deep.equal([]);
  });

  describe('held sets', () => {
    const keys = { serial: 'serial', orderPk: 'run', runColumn: 'run' };

    it('are written when a table holds enough, when a read names a serial or a run they hold, and at the end', async () => {
      await t.db.transaction(async (trx) => {
        const held = new HeldSets(250);
        await held.hold(trx, TABLE, COLUMNS, rows(200, 2), keys);
        expect(await rowsOf(trx), 'held').to.have.lengthOf(0);
        await held.writeIfNames(trx, { serials: ['S999999'], orderPks: [7] });
        expect(await rowsOf(trx), 'named nothing held').to.have.lengthOf(0);
        await held.writeIfNames(trx, { serials: ['S000150'] });
        expect(await rowsOf(trx), 'named a held serial').to.have.lengthOf(200);
        const more = rows(600, 6).slice(200);
        await held.hold(trx, TABLE, COLUMNS, more.slice(0, 100), keys);
        await held.writeIfNames(trx, { orderPks: [2] });
        expect(await rowsOf(trx), 'named a held run').to.have.lengthOf(300);
        await held.hold(trx, TABLE, COLUMNS, more.slice(100), keys);
        expect(await rowsOf(trx), 'held enough').to.have.lengthOf(600);
        await held.hold(trx, TABLE, COLUMNS, [[9, 'S999999', 'last']], keys);
        await held.write(trx);
      });
      expect(await rowsOf(t.db)).to.deep.equal([...rows(600, 6), [9, 'S999999', 'last']]);
    });

    it('rows a rolled-back savepoint wrote are held again; the unit that rolled back keeps none of its own', async () => {
      const earlier = rows(40, 1);
      const unitRows: SetValue[][] = [[5, 'U000001', 'rolled back'], [5, 'U000002', null]];
      await t.db.transaction(async (trx) => {
        const held = new HeldSets(1000);
        await held.hold(trx, TABLE, COLUMNS, earlier, keys);
        held.beginUnit();
        await trx
          .transaction(async (sp) => {
            await held.hold(sp, TABLE, COLUMNS, unitRows, keys);
            await held.writeIfNames(sp, { serials: ['S000003'] });
            expect(await rowsOf(sp), 'written inside the savepoint').to.have.lengthOf(42);
            throw new Error('refused');
          })
          .catch((e: Error) => expect(e.message).to.equal('refused'));
        held.unitRolledBack();
        expect(await rowsOf(trx), 'rolled back with the savepoint').to.have.lengthOf(0);
        held.beginUnit();
        await trx.transaction((sp) => held.hold(sp, TABLE, COLUMNS, [[6, 'V000001', 'applied']], keys));
        held.unitApplied();
        await held.write(trx);
      });
      expect(await rowsOf(t.db)).to.deep.equal([...earlier, [6, 'V000001', 'applied']]);
    });

    it('a unit that wrote nothing of what was held before it, rolled back, leaves that held as it was', async () => {
      await t.db.transaction(async (trx) => {
        const held = new HeldSets(1000);
        await held.hold(trx, TABLE, COLUMNS, rows(10, 1), keys);
        held.beginUnit();
        await held.hold(trx, TABLE, COLUMNS, [[3, 'W000001', 'gone']], keys);
        held.unitRolledBack();
        await held.writeIfNames(trx, { serials: ['W000001'] });
        expect(await rowsOf(trx), "the unit's own serial is no longer held").to.have.lengthOf(0);
        await held.write(trx);
      });
      expect(await rowsOf(t.db)).to.deep.equal(rows(10, 1));
    });
  });
});
