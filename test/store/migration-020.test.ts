// Upgrading a SQLite database whose bulk tables (devices, order lines, history pairs) hold
// foreign keys: every row is carried over, the keys go, the indexes and the history view
// stay, and order line ids keep counting from where they were. Going back makes the keys
// again. On PostgreSQL those tables have had no foreign keys since migration 009, and
// this migration leaves them as they are.
import { expect } from 'chai';
import type { Db } from '../../src/store/db.js';
import { down, up } from '../../src/store/migrations/020-sqlite-bulk-foreign-keys.js';
import { databaseAtMigration, databaseKind } from '../support/db.js';

const BULK_TABLES = ['devices', 'order_lines', 'device_event_serials'];

describe(`migration 020: SQLite's bulk tables without foreign keys (${databaseKind()})`, function () {
  this.timeout(120_000);
  let db: Db;
  let upgraded: Awaited<ReturnType<typeof databaseAtMigration>>;
  const at = '2026-11-01T10:00:00.000Z';
  const sqlite = databaseKind() === 'sqlite';

  const snapshot = async () => ({
    devices: await db('devices').orderBy('serial').select('*'),
    lines: ((await db('order_lines').orderBy('id').select('*')) as Record<string, unknown>[]).map((r) => ({ ...r, id: Number(r.id) })),
    history: ((await db('device_events').orderBy(['serial', 'id']).select('serial', 'kind', 'to_state')) as Record<string, unknown>[]),
  });
  const foreignKeys = async (table: string) =>
    sqlite
      ? ((await db.raw('SELECT "table" AS parent, "from" AS "column" FROM pragma_foreign_key_list(?)', [table])) as { parent: string; column: string }[])
      : ((await db.raw(
          "SELECT confrelid::regclass::text AS parent FROM pg_constraint WHERE contype = 'f' AND conrelid = to_regclass(?)",
          [table],
        )) as { rows: { parent: string }[] }).rows;
  const indexNames = async (table: string) =>
    sqlite
      ? ((await db.raw("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name", [table])) as { name: string }[]).map((r) => r.name)
      : ((await db.raw('SELECT indexname AS name FROM pg_indexes WHERE tablename = ? AND schemaname = current_schema() ORDER BY indexname', [table])) as { rows: { name: string }[] }).rows.map((r) => r.name);

  before(async () => {
    upgraded = await databaseAtMigration('019-order-lines-unkeyed');
    db = upgraded.db;
  });
  after(async () => upgraded.close());

  it('keeps every row, index and the history view, drops the keys on SQLite, and going back makes them again', async () => {
    await db('suppliers').insert({ supplier_id: 'R1', kind: 'reseller', name: 'R', created_at: at });
    await db('organisations').insert({ org_id: 'ORG1', name: 'Org', country: 'US', created_at: at });
    const supplierPk = Number(((await db('suppliers').first('id')) as { id: number }).id);
    const orgPk = Number(((await db('organisations').first('id')) as { id: number }).id);
    await db('orders').insert({ supplier_pk: supplierPk, order_number: 'S1', kind: 'sale', last_type: 'OR', org_pk: orgPk, customer_id: 'ORG1', order_date: at, status: 'open', version: 1, created_at: at, updated_at: at });
    const orderPk = Number(((await db('orders').first('id')) as { id: number }).id);
    const device = (serial: string) => ({ serial, state: 'enrolled', org_pk: orgPk, supplier_pk: supplierPk, order_pk: orderPk, family: 'iPhone', asset_tag: null, server: null, version: 1, updated_at: at });
    await db('devices').insert([device('M20A'), device('M20B'), device('M20C')]);
    const line = (serial: string) => ({ order_pk: orderPk, serial, delivery_number: 'D1', asset_tag: null, status: 'live', source_order_pk: null });
    await db('order_lines').insert([line('M20A'), line('M20B'), line('M20C')]);
    // The last line goes: its id is not given again after the upgrade.
    const lastLineId = Number(((await db('order_lines').max('id as id').first()) as { id: number }).id);
    await db('order_lines').where({ serial: 'M20C' }).delete();
    const [set] = (await db('device_event_sets')
      .insert({ at, kind: 'enrolled', from_state: null, to_state: 'enrolled', org_pk: orgPk, supplier_pk: supplierPk, order_number: 'S1', transaction_pk: null, document: 'doc', actor: 'test' })
      .returning('id')) as ({ id: number } | number)[];
    const setId = Number(typeof set === 'object' ? set.id : set);
    await db('device_event_serials').insert([{ serial: 'M20A', set_id: setId }, { serial: 'M20B', set_id: setId }]);
    const before = await snapshot();
    const indexesBefore = Object.fromEntries(await Promise.all(BULK_TABLES.map(async (t) => [t, await indexNames(t)] as const)));
    if (sqlite) for (const table of BULK_TABLES) expect(await foreignKeys(table), table).to.not.be.empty;

    await db.transaction((trx) => up(trx));

    expect(await snapshot()).to.deep.equal(before);
    expect(before.history).to.have.length(2);
    for (const table of BULK_TABLES) {
      expect(await foreignKeys(table), table).to.deep.equal([]);
      expect(await indexNames(table), table).to.deep.equal(indexesBefore[table]);
    }
    await db('order_lines').insert(line('M20D'));
    const newLineId = Number(((await db('order_lines').where({ serial: 'M20D' }).first('id')) as { id: number }).id);
    expect(newLineId).to.be.greaterThan(lastLineId);
    // A key no parent has is not refused by the table any more: the store asserts parents per set.
    await db('devices').insert({ ...device('M20E'), org_pk: 999_999 });
    await db('devices').where({ serial: 'M20E' }).delete();
    // The primary keys stay.
    let duplicate: unknown;
    try {
      await db('devices').insert(device('M20A'));
    } catch (err) {
      duplicate = err;
    }
    expect(String(duplicate)).to.match(/unique|duplicate/i);

    if (!sqlite) return;
    await db.transaction((trx) => down(trx));
    expect((await snapshot()).devices).to.deep.equal(before.devices);
    expect((await foreignKeys('devices')).map((k) => k.parent).sort()).to.deep.equal(['orders', 'organisations', 'suppliers']);
    expect((await foreignKeys('order_lines')).map((k) => k.parent)).to.deep.equal(['orders', 'orders']);
    expect((await foreignKeys('device_event_serials')).map((k) => k.parent)).to.deep.equal(['device_event_sets']);
    let refused: unknown;
    try {
      await db('devices').insert({ ...device('M20F'), org_pk: 999_999 });
    } catch (err) {
      refused = err;
    }
    expect(String(refused)).to.match(/FOREIGN KEY/);
  });
});
