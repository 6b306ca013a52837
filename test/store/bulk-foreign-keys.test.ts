// The bulk tables' parent keys: their foreign keys are gone (a trigger per row on
// PostgreSQL, migration 009; a probe per row and key on SQLite, migration 020) and the
// store asserts each set's keys instead: a row naming an organisation, supplier or order
// the unit did not load or write is refused before anything is written.
import { expect } from 'chai';
import { loadWorld, persistChanges, type WriteContext } from '../../src/store/enrollment-store.js';
import { findSupplier } from '../../src/store/suppliers.js';
import type { Changes, World } from '../../src/model/enrollment.js';
import type { Device, Supplier } from '../../src/model/state.js';
import { sampleDatabase, type TestDb } from '../support/db.js';

// A device's history: its events' serials (migration 018); the sets themselves are a few rows a unit, and keep their keys.
const BULK_TABLES = ['devices', 'order_lines', 'device_event_serials'];

describe(`bulk tables' parent keys (${process.env.DATABASE_URL ? 'postgres' : 'sqlite'})`, () => {
  let t: TestDb;
  let supplier: Supplier;
  const ctx: WriteContext = { transactionPk: null, document: 'test', actor: 'test', now: '2026-12-01T10:00:00.000Z', mode: 'sets' };
  const newDevice = (serial: string, orgPk: number, supplierPk: number): Device => ({
    serial,
    state: 'enrolled',
    orgPk,
    supplierPk,
    orderNumber: null,
    family: 'iPad',
    assetTag: null,
    server: null,
    version: 0,
  });
  const changesOf = (devices: Device[]): Changes => ({ orders: [], lines: [], devices, events: [], enrolledSets: [] });
  /** The error a write fails with (undefined when it succeeds). */
  const failure = (work: Promise<unknown>) => work.then(() => undefined, (err: Error) => err);

  before(async () => {
    t = await sampleDatabase();
    supplier = (await findSupplier(t.db, '16FCE4A0'))!;
  });
  after(async () => t.close());

  it('no foreign keys on the bulk tables, on either database', async () => {
    if (t.kind === 'postgres') {
      const rows = (await t.db.raw(
        `SELECT tc.table_name FROM information_schema.table_constraints tc
          WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() AND tc.table_name = ANY(?)`,
        [BULK_TABLES],
      )) as { rows: { table_name: string }[] };
      expect(rows.rows).to.deep.equal([]);
    } else {
      for (const table of BULK_TABLES) {
        const keys = (await t.db.raw(`PRAGMA foreign_key_list(${table})`)) as unknown[];
        expect(keys, table).to.deep.equal([]);
      }
    }
  });

  it('a new device naming an organisation the unit did not load is refused, and nothing is written', async () => {
    const world = await loadWorld(t.db, supplier, [], { orgIds: ['19827'], appleCustomerNumbers: [] });
    const known = world.organisations[0]!.pk;
    const unknown = known + 1000;
    const error = await failure(
      t.db.transaction((trx) => persistChanges(trx, supplier, world, changesOf([newDevice('FKTEST00001', known, supplier.pk), newDevice('FKTEST00002', unknown, supplier.pk)]), ctx)),
    );
    expect(error?.message).to.match(/^invariant: device FKTEST00002 names organisation \d+, which this unit did not load/);
    expect(await t.db('devices').whereIn('serial', ['FKTEST00001', 'FKTEST00002']).select('serial')).to.deep.equal([]);
  });

  it('a new device of another supplier, or an order line of an order the unit does not hold, is refused', async () => {
    const world: World = await loadWorld(t.db, supplier, [], { orgIds: ['19827'], appleCustomerNumbers: [] });
    const org = world.organisations[0]!.pk;
    const other = (await findSupplier(t.db, '2B7D9C10'))!;
    const otherSupplier = await failure(t.db.transaction((trx) => persistChanges(trx, supplier, world, changesOf([newDevice('FKTEST00003', org, other.pk)]), ctx)));
    expect(otherSupplier?.message).to.match(/^invariant: new device FKTEST00003 names supplier/);
    const line = { serial: 'FKTEST00004', deliveryNumber: 'D1', assetTag: null, status: 'live' as const, sourceOrderNumber: null };
    const orphanLine = await failure(t.db.transaction((trx) => persistChanges(trx, supplier, world, { orders: [], lines: [{ orderNumber: 'NO-SUCH-ORDER', line }], devices: [], events: [], enrolledSets: [] }, ctx)));
    expect(orphanLine?.message).to.match(/^invariant: order line FKTEST00004 names order NO-SUCH-ORDER/);
  });

  it('a device of a loaded organisation is written', async () => {
    const world = await loadWorld(t.db, supplier, [], { orgIds: ['19827'], appleCustomerNumbers: [] });
    await t.db.transaction((trx) => persistChanges(trx, supplier, world, changesOf([newDevice('FKTEST00005', world.organisations[0]!.pk, supplier.pk)]), ctx));
    expect(await t.db('devices').where({ serial: 'FKTEST00005' }).first('org_pk')).to.deep.equal({ org_pk: world.organisations[0]!.pk });
  });
});
