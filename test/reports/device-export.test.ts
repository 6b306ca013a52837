// The device export's query loop and CSV writer, on a real database (SQLite, or PostgreSQL
// with DATABASE_URL): rows inserted directly (5,001 lines in one order), then exported with
// small batches, so that every batch boundary is crossed: each row exactly once, in serial
// order. Also: a row as its order shows it (returned, removed, pending and why, a formula-like
// asset tag defused), the caller's scope when orders and organisations are resolved, the
// stop signal (no query after the receiver is gone), backpressure (no batch is read ahead
// of a receiver that has not taken the last one), and the row limit.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { parse } from 'csv-parse/sync';
import {
  DEVICE_EXPORT_COLUMNS,
  ExportLimitError,
  countExportRows,
  pendingReason,
  resolveExportOrders,
  resolveExportOrg,
  writeDeviceExport,
  type DeviceExportSelection,
  type ExportOrder,
  type ExportSink,
} from '../../src/reports/device-export.js';
import { databaseKind, freshDatabase, type TestDb } from '../support/db.js';

const NOW = '2026-11-01T00:00:00.000Z';
const BIG_ORDER_LINES = 5001;
const serialA = (i: number) => `A${String(i).padStart(5, '0')}`;
const MOVED = serialA(10); // returned from O1, now live in ORGB's O3
const REMOVED = serialA(11); // removed from O1 by an OV
const FORMULA = serialA(1); // a tag a spreadsheet would run
const FORMULA_TAG = '@SUM(1,2)';
const PENDING = ['P00001', 'P00002', 'P00003'];
const B_SERIALS = ['B00001', 'B00002'];
/** ORGA's available devices: O1's live lines and O2's pending ones. */
const AVAILABLE_A = BIG_ORDER_LINES - 2 + PENDING.length;

interface Seeded {
  orgA: number;
  orgB: number;
  resA: number;
  resB: number;
  o1: number;
  o2: number;
  o3: number;
}

async function pkOf(db: Knex, table: string, where: Record<string, string>): Promise<number> {
  const row = (await db(table).where(where).first('id')) as { id: number };
  return Number(row.id);
}

/**
 * ORGA has added reseller RESA, not RESB. O1 (RESA, ORGA): 5,001 lines, one returned (its
 * device now live in O3 for ORGB), one removed. O2 (RESB, ORGA): three pending devices.
 * O3 (RESA, ORGB): the moved device and two more.
 */
async function seed(db: Knex): Promise<Seeded> {
  await db('organisations').insert([
    { org_id: 'ORGA', name: 'A', country: 'US', created_at: NOW },
    { org_id: 'ORGB', name: 'B', country: 'US', created_at: NOW },
  ]);
  await db('suppliers').insert([
    { supplier_id: 'RESA', kind: 'reseller', name: 'Reseller A', created_at: NOW },
    { supplier_id: 'RESB', kind: 'reseller', name: 'Reseller B', created_at: NOW },
  ]);
  const s: Seeded = {
    orgA: await pkOf(db, 'organisations', { org_id: 'ORGA' }),
    orgB: await pkOf(db, 'organisations', { org_id: 'ORGB' }),
    resA: await pkOf(db, 'suppliers', { supplier_id: 'RESA' }),
    resB: await pkOf(db, 'suppliers', { supplier_id: 'RESB' }),
    o1: 0,
    o2: 0,
    o3: 0,
  };
  await db('org_supplier_links').insert([
    { org_pk: s.orgA, supplier_pk: s.resA, created_at: NOW },
    { org_pk: s.orgB, supplier_pk: s.resA, created_at: NOW },
  ]);
  const order = (supplierPk: number, orderNumber: string, orgPk: number, customerId: string) => ({
    supplier_pk: supplierPk,
    order_number: orderNumber,
    kind: 'sale',
    last_type: 'OR',
    org_pk: orgPk,
    customer_id: customerId,
    order_date: '2026-10-01T09:00:00Z',
    po_number: `PO-${orderNumber}`,
    status: 'open',
    version: 1,
    created_at: NOW,
    updated_at: NOW,
  });
  await db('orders').insert([order(s.resA, 'O1', s.orgA, 'ORGA'), order(s.resB, 'O2', s.orgA, 'ORGA'), order(s.resA, 'O3', s.orgB, 'ORGB')]);
  s.o1 = await pkOf(db, 'orders', { order_number: 'O1' });
  s.o2 = await pkOf(db, 'orders', { order_number: 'O2' });
  s.o3 = await pkOf(db, 'orders', { order_number: 'O3' });
  await db('deliveries').insert([
    { order_pk: s.o1, delivery_number: 'D1', ship_date: '2026-10-02T09:00:00Z' },
    { order_pk: s.o2, delivery_number: 'D2', ship_date: '2026-10-03T09:00:00Z' },
    { order_pk: s.o3, delivery_number: 'D3', ship_date: '2026-10-04T09:00:00Z' },
  ]);

  const lines: Record<string, unknown>[] = [];
  const devices: Record<string, unknown>[] = [];
  const device = (serial: string, state: string, orgPk: number, supplierPk: number, orderPk: number, assetTag: string | null, server: string | null) => ({
    serial,
    state,
    org_pk: orgPk,
    supplier_pk: supplierPk,
    order_pk: orderPk,
    family: 'iPad',
    asset_tag: assetTag,
    server,
    version: 1,
    updated_at: NOW,
  });
  for (let i = 0; i < BIG_ORDER_LINES; i++) {
    const serial = serialA(i);
    const tag = serial === FORMULA ? FORMULA_TAG : i % 3 === 0 ? `T-${i}` : null;
    const status = serial === MOVED ? 'returned' : serial === REMOVED ? 'removed' : 'live';
    lines.push({ order_pk: s.o1, serial, delivery_number: 'D1', asset_tag: tag, status });
    if (serial === MOVED) continue;
    devices.push(device(serial, status === 'live' ? 'enrolled' : 'returned', s.orgA, s.resA, s.o1, tag, 'A MDM'));
  }
  for (const serial of PENDING) {
    lines.push({ order_pk: s.o2, serial, delivery_number: 'D2', asset_tag: null, status: 'live' });
    devices.push(device(serial, 'pending', s.orgA, s.resB, s.o2, null, null));
  }
  for (const serial of [MOVED, ...B_SERIALS]) {
    lines.push({ order_pk: s.o3, serial, delivery_number: 'D3', asset_tag: 'B-TAG', status: 'live' });
    devices.push(device(serial, 'enrolled', s.orgB, s.resA, s.o3, 'B-TAG', 'B MDM'));
  }
  // Small chunks: SQLite builds older than 3.32 allow 999 bound values per statement.
  await db.batchInsert('order_lines', lines, 90);
  await db.batchInsert('devices', devices, 90);
  return s;
}

/** A sink that keeps everything (the tests' exports are small). */
function collector(): ExportSink & { text(): string; writes: number } {
  const parts: string[] = [];
  return {
    writes: 0,
    write(t: string) {
      this.writes++;
      parts.push(t);
    },
    text: () => parts.join(''),
  };
}

/** Counts the queries the database is asked, from now on. */
function queryCounter(db: Knex): { started: number; answered: number; stop(): void } {
  const c = { started: 0, answered: 0, stop: () => {} };
  const onQuery = () => c.started++;
  const onResponse = () => c.answered++;
  db.on('query', onQuery);
  db.on('query-response', onResponse);
  c.stop = () => {
    db.removeListener('query', onQuery);
    db.removeListener('query-response', onResponse);
  };
  return c;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setImmediate(r));
}

describe(`device export: query loop and CSV (${databaseKind()})`, function () {
  this.timeout(60000);
  let t: TestDb;
  let s: Seeded;
  let orders: Map<string, ExportOrder>;

  const available = (): DeviceExportSelection => ({ kind: 'available', org: { pk: s.orgA, orgId: 'ORGA' } });
  const ofOrders = (...numbers: string[]): DeviceExportSelection => ({ kind: 'orders', orders: numbers.map((n) => orders.get(n)!) });

  before(async () => {
    t = await freshDatabase();
    s = await seed(t.db);
    const found = await resolveExportOrders(t.db, { kind: 'all' }, ['O1', 'O2', 'O3'].map((orderNumber) => ({ supplierId: orderNumber === 'O2' ? 'RESB' : 'RESA', orderNumber })));
    if ('missing' in found) throw new Error('seeded orders not found');
    orders = new Map(found.orders.map((o) => [o.orderNumber, o]));
  });
  after(async () => {
    await t?.close();
  });

  async function exportRows(selection: DeviceExportSelection, batchRows: number): Promise<{ rows: string[][]; batches: number; bytes: number; text: string }> {
    const sink = collector();
    const r = await writeDeviceExport(t.db, selection, sink, { batchRows });
    const text = sink.text();
    expect(r.bytes).to.equal(Buffer.byteLength(text));
    const parsed = parse(text) as string[][];
    expect(parsed[0]).to.deep.equal([...DEVICE_EXPORT_COLUMNS]);
    expect(r.rows).to.equal(parsed.length - 1);
    return { rows: parsed.slice(1), batches: r.batches, bytes: r.bytes, text };
  }

  for (const batchRows of [1000, 7, 5002, 5003, 2000]) {
    it(`available devices in batches of ${batchRows}: every row exactly once, in serial order, only the organisation's`, async () => {
      const { rows, batches } = await exportRows(available(), batchRows);
      const serials = rows.map((r) => r[0]!);
      expect(serials).to.have.lengthOf(AVAILABLE_A);
      expect(new Set(serials).size).to.equal(AVAILABLE_A);
      expect(serials).to.deep.equal([...serials].sort());
      expect(serials).to.not.include.members([MOVED, REMOVED, ...B_SERIALS]);
      expect(serials).to.include.members(PENDING);
      expect(rows.every((r) => r[6] === 'ORGA')).to.equal(true);
      // A full last batch costs one more (empty) query to learn that it was the last.
      expect(batches).to.equal(Math.floor(AVAILABLE_A / batchRows) + 1);
    });
  }

  it("an order's 5,001 lines in batches of 1,000, returned and removed lines included", async () => {
    const { rows, batches } = await exportRows(ofOrders('O1'), 1000);
    expect(rows.map((r) => r[0])).to.deep.equal(Array.from({ length: BIG_ORDER_LINES }, (_, i) => serialA(i)));
    expect(batches).to.equal(6);
    const states = new Map(rows.map((r) => [r[0], r[1]]));
    expect(states.get(MOVED)).to.equal('returned');
    expect(states.get(REMOVED)).to.equal('removed');
    expect(rows.filter((r) => r[1] === 'enrolled')).to.have.lengthOf(BIG_ORDER_LINES - 2);
  });

  it('several orders: each order in turn, each line once, repeated orders once', async () => {
    const found = await resolveExportOrders(t.db, { kind: 'all' }, [
      { supplierId: 'RESA', orderNumber: 'O3' },
      { supplierId: 'RESB', orderNumber: 'O2' },
      { supplierId: 'RESA', orderNumber: 'O3' },
    ]);
    if ('missing' in found) throw new Error('not found');
    expect(found.orders.map((o) => o.orderNumber)).to.deep.equal(['O3', 'O2']);
    const { rows } = await exportRows({ kind: 'orders', orders: found.orders }, 2);
    expect(rows.map((r) => `${r[8]}:${r[0]}`)).to.deep.equal([...[MOVED, ...B_SERIALS].map((x) => `O3:${x}`), ...PENDING.map((x) => `O2:${x}`)]);
  });

  it('rows: every column, a pending device says why, history never shows the current holder, a formula-like tag is defused', async () => {
    const a = await exportRows(available(), 2000);
    const lines = a.text.split('\r\n');
    expect(lines[0]).to.equal('serial,state,pending_reason,family,asset_tag,server,organisation,supplier,order_number,po_number,order_date,delivery_number,ship_date');
    expect(a.text.endsWith('\r\n')).to.equal(true);
    // The tag starts with @ and holds a comma: a leading quote mark, then RFC 4180 quoting.
    expect(lines).to.include(`${FORMULA},enrolled,,iPad,"'@SUM(1,2)",A MDM,ORGA,RESA,O1,PO-O1,2026-10-01T09:00:00Z,D1,2026-10-02T09:00:00Z`);
    const reason = pendingReason('ORGA', 'RESB');
    expect(reason).to.equal('GW-OR-4120: organisation ORGA has not added reseller RESB');
    expect(lines).to.include(`P00002,pending,${reason},iPad,,,ORGA,RESB,O2,PO-O2,2026-10-01T09:00:00Z,D2,2026-10-03T09:00:00Z`);

    const o1 = await exportRows(ofOrders('O1'), 2000);
    // Returned from O1: the tag O1 gave it (none), no server: B's tag and server are B's.
    expect(o1.text.split('\r\n')).to.include(`${MOVED},returned,,iPad,,,ORGA,RESA,O1,PO-O1,2026-10-01T09:00:00Z,D1,2026-10-02T09:00:00Z`);
    const o3 = await exportRows(ofOrders('O3'), 2000);
    expect(o3.text.split('\r\n')).to.include(`${MOVED},enrolled,,iPad,B-TAG,B MDM,ORGB,RESA,O3,PO-O3,2026-10-01T09:00:00Z,D3,2026-10-04T09:00:00Z`);
  });

  it('an empty selection is its header row', async () => {
    const found = await resolveExportOrg(t.db, { kind: 'all' }, 'ORGB');
    await t.db('devices').where('org_pk', s.orgB).update({ state: 'returned' });
    try {
      const sink = collector();
      const r = await writeDeviceExport(t.db, { kind: 'available', org: found! }, sink);
      expect(sink.text()).to.equal(DEVICE_EXPORT_COLUMNS.join(',') + '\r\n');
      expect(r.rows).to.equal(0);
    } finally {
      await t.db('devices').where('org_pk', s.orgB).update({ state: 'enrolled' });
    }
  });

  it('scope: a reseller resolves only its own orders, an organisation admin only its organisation\'s; missing and out of scope look alike', async () => {
    const o2 = { supplierId: 'RESB', orderNumber: 'O2' };
    const o3 = { supplierId: 'RESA', orderNumber: 'O3' };
    expect(await resolveExportOrders(t.db, { kind: 'supplier', supplierPk: s.resA }, [o3, o2])).to.deep.equal({ missing: o2 });
    expect(await resolveExportOrders(t.db, { kind: 'supplier', supplierPk: s.resB }, [o2])).to.have.property('orders').with.lengthOf(1);
    expect(await resolveExportOrders(t.db, { kind: 'orgs', orgPks: [s.orgA] }, [o2, o3])).to.deep.equal({ missing: o3 });
    const nowhere = { supplierId: 'RESA', orderNumber: 'NOPE' };
    expect(await resolveExportOrders(t.db, { kind: 'all' }, [nowhere])).to.deep.equal({ missing: nowhere });
    // The supplier is part of the order's name: RESB has no O3.
    expect(await resolveExportOrders(t.db, { kind: 'all' }, [{ supplierId: 'RESB', orderNumber: 'O3' }])).to.have.property('missing');

    expect(await resolveExportOrg(t.db, { kind: 'orgs', orgPks: [s.orgA] }, 'ORGB')).to.equal(undefined);
    expect(await resolveExportOrg(t.db, { kind: 'orgs', orgPks: [s.orgA] }, 'ORGA')).to.deep.equal({ pk: s.orgA, orgId: 'ORGA' });
    expect(await resolveExportOrg(t.db, { kind: 'supplier', supplierPk: s.resA }, 'ORGA')).to.equal(undefined);
    expect(await resolveExportOrg(t.db, { kind: 'all' }, 'ORGB')).to.deep.equal({ pk: s.orgB, orgId: 'ORGB' });
  });

  it('the stop signal ends the loop: no query after the receiver is gone', async () => {
    const full = queryCounter(t.db);
    const all = await writeDeviceExport(t.db, available(), collector(), { batchRows: 500 });
    full.stop();
    expect(all.batches).to.equal(11);
    expect(full.started).to.equal(11);

    const gone = new AbortController();
    const sink = collector();
    const stopping: ExportSink = {
      write(text: string) {
        sink.write(text);
        gone.abort(); // the client closed the connection while this was being sent
      },
    };
    const counted = queryCounter(t.db);
    const r = await writeDeviceExport(t.db, available(), stopping, { batchRows: 500, signal: gone.signal });
    // The batch already in flight when the first one was sent is the only other query.
    await until(() => counted.answered === counted.started);
    counted.stop();
    expect(r.stopped).to.equal(true);
    expect(sink.writes).to.equal(1);
    expect(r.rows).to.equal(500);
    expect(counted.started).to.be.at.most(2);
    expect(r.batches).to.equal(counted.started);

    const before = queryCounter(t.db);
    const early = await writeDeviceExport(t.db, available(), collector(), { signal: AbortSignal.abort() });
    before.stop();
    expect(early).to.deep.equal({ rows: 0, bytes: 0, batches: 0, stopped: true });
    expect(before.started).to.equal(0);
  });

  it('backpressure: while the receiver has not taken a batch, no further batch is read beyond the one in flight', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let writes = 0;
    const sink: ExportSink = {
      write() {
        writes++;
        return writes === 1 ? held : undefined;
      },
    };
    const counted = queryCounter(t.db);
    const done = writeDeviceExport(t.db, available(), sink, { batchRows: 500 });
    await until(() => counted.answered >= 2);
    // Room to run ahead, were the writer to ignore the pending write.
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(writes).to.equal(1);
    expect(counted.started).to.equal(2);
    release();
    const r = await done;
    counted.stop();
    expect(r.rows).to.equal(AVAILABLE_A);
    expect(writes).to.equal(Math.ceil(AVAILABLE_A / 500));
  });

  it('the row limit: counted before (up to the cap), enforced while streaming', async () => {
    expect(await countExportRows(t.db, available())).to.equal(AVAILABLE_A);
    expect(await countExportRows(t.db, available(), 100)).to.equal(101);
    expect(await countExportRows(t.db, ofOrders('O1', 'O3'))).to.equal(BIG_ORDER_LINES + 3);
    let error: unknown;
    try {
      await writeDeviceExport(t.db, available(), collector(), { batchRows: 1000, maxRows: 2500 });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ExportLimitError);
  });
});
