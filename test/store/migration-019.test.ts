// Upgrading a database whose order lines hold unique keys (live_serial, (order_pk, serial)):
// every line is carried over with its id and values, live_serial goes, and going back
// fills live_serial again from the lines live in sale orders, unique as before.
import { expect } from 'chai';
import type { Db } from '../../src/store/db.js';
import { down } from '../../src/store/migrations/019-order-lines-unkeyed.js';
import { databaseAtMigration, databaseKind } from '../support/db.js';

describe(`migration 019: order lines without unique keys (${databaseKind()})`, function () {
  this.timeout(120_000);
  let db: Db;
  let upgraded: Awaited<ReturnType<typeof databaseAtMigration>>;
  const at = '2026-11-01T10:00:00.000Z';
  const columns = ['id', 'order_pk', 'serial', 'delivery_number', 'asset_tag', 'status', 'source_order_pk'];
  const lines = async () => ((await db('order_lines').orderBy('id').select(columns)) as Record<string, unknown>[]).map((r) => ({ ...r, id: Number(r.id) }));

  before(async () => {
    upgraded = await databaseAtMigration('018-device-event-sets');
    db = upgraded.db;
  });
  after(async () => upgraded.close());

  it('keeps every line with its id, drops live_serial, and going back fills it from the live sale lines', async () => {
    await db('suppliers').insert({ supplier_id: 'R1', kind: 'reseller', name: 'R', created_at: at });
    await db('organisations').insert({ org_id: 'ORG1', name: 'Org', country: 'US', created_at: at });
    const supplierPk = Number(((await db('suppliers').first('id')) as { id: number }).id);
    const orgPk = Number(((await db('organisations').first('id')) as { id: number }).id);
    const order = (number: string, kind: string) => ({ supplier_pk: supplierPk, order_number: number, kind, last_type: kind === 'sale' ? 'OR' : 'RE', org_pk: orgPk, customer_id: 'ORG1', order_date: at, status: 'open', version: 1, created_at: at, updated_at: at });
    await db('orders').insert([order('S1', 'sale'), order('R1', 'return')]);
    const [sale, ret] = ((await db('orders').orderBy('id').select('id')) as { id: number }[]).map((r) => Number(r.id));
    await db('order_lines').insert([
      { order_pk: sale, serial: 'M19A', delivery_number: 'D1', asset_tag: 'TAG-A', status: 'live', source_order_pk: null, live_serial: 'M19A' },
      { order_pk: sale, serial: 'M19B', delivery_number: 'D1', asset_tag: null, status: 'returned', source_order_pk: null, live_serial: null },
      { order_pk: ret, serial: 'M19B', delivery_number: 'R1', asset_tag: null, status: 'live', source_order_pk: sale, live_serial: null },
    ]);
    const before = await lines();

    await upgraded.upgrade();

    expect(await lines()).to.deep.equal(before);
    expect(Object.keys(await db('order_lines').columnInfo())).to.not.include('live_serial');
    // The same line twice is no longer refused by the table: the writes of its order and device guard it.
    await db('order_lines').insert({ order_pk: sale, serial: 'M19C', delivery_number: 'D2', asset_tag: null, status: 'live', source_order_pk: null });
    await db('order_lines').where({ serial: 'M19C' }).delete();

    await db.transaction((trx) => down(trx));
    expect(((await db('order_lines').orderBy('id').select('serial', 'live_serial')) as { serial: string; live_serial: string | null }[]).map((r) => [r.serial, r.live_serial])).to.deep.equal([
      ['M19A', 'M19A'],
      ['M19B', null],
      ['M19B', null],
    ]);
    let refused: unknown;
    try {
      await db('order_lines').insert({ order_pk: ret, serial: 'M19A', delivery_number: 'R2', asset_tag: null, status: 'live', source_order_pk: sale, live_serial: 'M19A' });
    } catch (err) {
      refused = err;
    }
    expect(String(refused)).to.match(/unique/i);
  });
});
