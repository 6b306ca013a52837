// Loads the part of the world an enrollment can touch, and writes back what the rules
// changed. Writes are guarded: orders and devices carry a version that must still be
// the one read (else ConcurrentChange, and the caller retries on fresh data), and a new
// device's insert fails on its serial if another writer inserted it first. A line is
// added, or goes live, only with a write of its device (assertGuardedLines), so that
// guard keeps one serial from two live enrollments, or from one order twice.
import type { Knex } from 'knex';
import type { Device, DeviceEvent, Order, OrderLine, Organisation, Released, Supplier } from '../model/state.js';
import type { DeviceFamily } from '../model/device-family.js';
import { chunks } from './chunks.js';
import { ConcurrentChange, insertReturningIds, takeIds } from './db.js';
import { insertRows, whereInSet, type HeldSets, type SetColumns, type SetValue, type WriteMode } from './sets.js';
import { loadOrganisations, type OrganisationQuery } from './organisations.js';
import type { Changes, EnrolledSet, World } from '../model/enrollment.js';
import type { OrderInput } from '../model/commands.js';


interface OrderRow {
  id: number;
  supplier_pk: number;
  order_number: string;
  kind: 'sale' | 'return';
  last_type: Order['lastType'];
  org_pk: number;
  customer_id: string;
  order_date: string;
  po_number: string | null;
  status: 'open' | 'voided';
  version: number;
}

interface LineRow {
  order_pk: number;
  serial: string;
  delivery_number: string;
  asset_tag: string | null;
  status: OrderLine['status'];
  source_order_number: string | null;
}

interface DeviceRow {
  serial: string;
  state: Device['state'];
  org_pk: number | null;
  supplier_pk: number | null;
  order_number: string | null;
  family: string | null;
  asset_tag: string | null;
  server: string | null;
  version: number;
}

/**
 * Orders and their deliveries and lines. `onlySerials`: load only the lines of these
 * serials, and count the order's other live lines (Order.liveLinesNotLoaded).
 */
async function loadOrdersWhere(trx: Knex, where: (q: Knex.QueryBuilder) => void, onlySerials?: string[], held?: HeldSets): Promise<Order[]> {
  const rows = (await trx('orders').where(where).select('*')) as OrderRow[];
  if (rows.length === 0) return [];
  await held?.writeIfNames(trx, { orderPks: rows.map((r) => r.id) });
  const byPk = new Map<number, Order>();
  for (const r of rows) {
    byPk.set(r.id, {
      pk: r.id,
      supplierPk: r.supplier_pk,
      orderNumber: r.order_number,
      kind: r.kind,
      lastType: r.last_type,
      orgPk: r.org_pk,
      customerId: r.customer_id,
      orderDate: r.order_date,
      poNumber: r.po_number,
      status: r.status,
      deliveries: [],
      lines: new Map(),
      version: r.version,
    });
  }
  for (const pks of chunks([...byPk.keys()])) {
    const deliveries = (await trx('deliveries').whereIn('order_pk', pks).orderBy('id')) as {
      order_pk: number;
      delivery_number: string;
      ship_date: string;
    }[];
    for (const d of deliveries) byPk.get(d.order_pk)!.deliveries.push({ deliveryNumber: d.delivery_number, shipDate: d.ship_date });
    const lineQuery = trx('order_lines as l').leftJoin('orders as s', 's.id', 'l.source_order_pk').whereIn('l.order_pk', pks);
    const lines = (await (onlySerials ? whereInSet(lineQuery, trx, 'l.serial', onlySerials) : lineQuery)
      .orderBy('l.id')
      .select('l.order_pk', 'l.serial', 'l.delivery_number', 'l.asset_tag', 'l.status', 's.order_number as source_order_number')) as LineRow[];
    if (onlySerials) {
      const live = (await trx('order_lines').whereIn('order_pk', pks).where('status', 'live').groupBy('order_pk').select('order_pk').count({ n: '*' })) as { order_pk: number; n: number | string }[];
      for (const order of byPk.values()) order.liveLinesNotLoaded = 0;
      for (const r of live) byPk.get(r.order_pk)!.liveLinesNotLoaded = Number(r.n);
      for (const l of lines) if (l.status === 'live') byPk.get(l.order_pk)!.liveLinesNotLoaded! -= 1;
    }
    for (const l of lines) {
      byPk.get(l.order_pk)!.lines.set(l.serial, {
        serial: l.serial,
        deliveryNumber: l.delivery_number,
        assetTag: l.asset_tag,
        status: l.status,
        sourceOrderNumber: l.source_order_number,
      });
    }
  }
  return [...byPk.values()];
}

/** The devices among `serials` that exist, looked up as one set (a ship notice's serials are mostly new). */
export async function loadDevices(trx: Knex, serials: string[], held?: HeldSets): Promise<Map<string, Device>> {
  const out = new Map<string, Device>();
  if (serials.length === 0) return out;
  await held?.writeIfNames(trx, { serials });
  const rows = (await whereInSet(trx('devices as d').leftJoin('orders as o', 'o.id', 'd.order_pk'), trx, 'd.serial', serials).select('d.*', 'o.order_number')) as DeviceRow[];
  for (const r of rows) out.set(r.serial, rowToDevice(r));
  return out;
}

function rowToDevice(r: DeviceRow): Device {
  return {
    serial: r.serial,
    state: r.state,
    orgPk: r.org_pk,
    supplierPk: r.supplier_pk,
    orderNumber: r.order_number,
    family: r.family as DeviceFamily | null,
    assetTag: r.asset_tag,
    server: r.server,
    version: r.version,
  };
}

/** The released devices among `serials`, looked up as one set. */
export async function loadReleased(trx: Knex, serials: string[]): Promise<Map<string, Released>> {
  const out = new Map<string, Released>();
  if (serials.length === 0) return out;
  const rows = (await whereInSet(trx('released_devices as r'), trx, 'r.serial', serials).select('r.*')) as {
    serial: string;
    org_pk: number;
    reason: string;
    released_at: string;
  }[];
  for (const r of rows) out.set(r.serial, { serial: r.serial, orgPk: r.org_pk, reason: r.reason, releasedAt: r.released_at });
  return out;
}

/** One supplier's orders by number, as they stand now (after returns, voids, overrides). */
export async function findOrders(db: Knex, supplierPk: number, numbers: string[]): Promise<Map<string, Order>> {
  const out = new Map<string, Order>();
  for (const part of chunks(numbers)) {
    for (const o of await loadOrdersWhere(db, (q) => q.where('supplier_pk', supplierPk).whereIn('order_number', part))) {
      out.set(o.orderNumber, o);
    }
  }
  return out;
}

/** Everything the orders of one transaction can read or change. */
export async function loadWorld(
  trx: Knex,
  supplier: Supplier,
  orders: OrderInput[],
  /** The organisations the orders' customer ids can name (domain/matching.ts organisationKeys). */
  organisationKeys: { orgIds: string[]; appleCustomerNumbers: string[] },
  /** How organisations are loaded: a document that loads the same ones order after order answers from what it loaded. */
  organisationsOf: (query: OrganisationQuery) => Promise<Organisation[]> = (query) => loadOrganisations(trx, query),
  /** The rows the document holds unwritten: written first when the unit reads a serial or order they name. */
  held?: HeldSets,
): Promise<World> {
  const numbers = [...new Set(orders.map((o) => o.orderNumber).filter((n): n is string => typeof n === 'string'))];
  const serials = new Set<string>();
  for (const o of orders) for (const d of o.deliveries ?? []) for (const dev of d.devices ?? []) {
    if (typeof dev.deviceId === 'string' && dev.deviceId.length <= 20) serials.add(dev.deviceId);
  }
  // Sales that add deliveries (OR) read only the lines of the serials they name: a delivery
  // added to an order of 600,000 devices must not load them all. Overrides, voids and
  // returns work on the whole order, and load it.
  const onlySerials = orders.every((o) => o.orderType === 'OR') ? [...serials] : undefined;
  const worldOrders = new Map<string, Order>();
  for (const part of chunks(numbers)) {
    for (const o of await loadOrdersWhere(trx, (q) => q.where('supplier_pk', supplier.pk).whereIn('order_number', part), onlySerials, held)) {
      worldOrders.set(o.orderNumber, o);
    }
  }
  for (const o of worldOrders.values()) for (const serial of o.lines.keys()) serials.add(serial);
  const devices = await loadDevices(trx, [...serials], held);
  assertNotTorn(supplier, worldOrders, devices);
  // The sale orders a request can reach beyond those it names: the orders its devices
  // are in (for RE) and the orders named returns came from (for VD of an RE).
  const more = new Set<string>();
  for (const d of devices.values()) if (d.supplierPk === supplier.pk && d.orderNumber) more.add(d.orderNumber);
  for (const o of worldOrders.values()) for (const l of o.lines.values()) if (l.sourceOrderNumber) more.add(l.sourceOrderNumber);
  for (const n of worldOrders.keys()) more.delete(n);
  for (const part of chunks([...more])) {
    for (const o of await loadOrdersWhere(trx, (q) => q.where('supplier_pk', supplier.pk).whereIn('order_number', part), onlySerials, held)) {
      worldOrders.set(o.orderNumber, o);
    }
  }
  // Only a device on file is released (domain/release.ts: an enrolled device of the
  // organisation, its row written with the release), and no device row is ever deleted: a
  // serial not on file was never released, and a ship notice of new serials asks nothing.
  const released = await loadReleased(trx, [...devices.keys()]);
  const orgPks = new Set<number>();
  for (const o of worldOrders.values()) orgPks.add(o.orgPk);
  const organisations = await organisationsOf({ ...organisationKeys, pks: [...orgPks] });
  return { organisations, orders: worldOrders, devices, released };
}

/**
 * The orders' lines were read before the devices, each in a statement of its own: a sale
 * that commits between the two reads shows its device on an order and not the line that
 * put it there. No device on file names an order without a line of it (a device takes an
 * order with its line, and lines are never deleted), so such a world was read across a
 * concurrent commit: the unit is read again (ConcurrentChange is retried whole).
 */
function assertNotTorn(supplier: Supplier, orders: ReadonlyMap<string, Order>, devices: ReadonlyMap<string, Device>): void {
  for (const d of devices.values()) {
    if (d.supplierPk !== supplier.pk || d.orderNumber === null) continue;
    const order = orders.get(d.orderNumber);
    if (order && !order.lines.has(d.serial)) throw new ConcurrentChange(`device ${d.serial} read on order ${d.orderNumber} before its line was`);
  }
}

export interface WriteContext {
  transactionPk: number | null;
  document: string;
  actor: string;
  now: string;
  /** How the new rows are written: as sets, or as multi-row INSERTs (small units; the tests compare both). */
  mode: WriteMode;
  /** Where a document holds its new devices, lines and history serials to write them as large sets (else written now). */
  held?: HeldSets;
}

const DELIVERY_COLUMNS = ['order_pk', 'delivery_number', 'ship_date'] as const;
const LINE_COLUMNS = ['order_pk', 'serial', 'delivery_number', 'asset_tag', 'status', 'source_order_pk'] as const;
const DEVICE_COLUMNS = ['serial', 'state', 'org_pk', 'supplier_pk', 'order_pk', 'family', 'asset_tag', 'server', 'version', 'updated_at', 'first_event_set_id'] as const;
const EVENT_SERIAL_COLUMNS = ['serial', 'set_id'] as const;

/**
 * Writes the rules' changes; the caller runs it inside the same transaction as loadWorld.
 * What is new (lines, devices, events) is inserted as sets; what changed (lines and
 * devices on file) is updated row by row, each update guarded by the version read.
 */
export async function persistChanges(trx: Knex, supplier: Supplier, world: World, changes: Changes, ctx: WriteContext): Promise<void> {
  const orderPks = new Map<string, number>();
  for (const o of world.orders.values()) if (o.pk !== null) orderPks.set(o.orderNumber, o.pk);
  const historyPlan = planEventSets(changes.events, ctx, changes.enrolledSets);
  // The unit's new ids in one read, its last: then the rows earlier units held may go
  // (HeldSets.handOver), behind everything this unit read, while it writes.
  const ids = await takeIds(trx, [
    { table: 'orders', count: changes.orders.filter((o) => o.pk === null).length },
    { table: 'device_event_sets', count: historyPlan.rows.length },
  ]);
  ctx.held?.handOver(trx);
  await writeOrders(trx, changes.orders, orderPks, ctx, ids?.[0]);
  assertKnownParents(world, supplier, orderPks, changes);

  assertGuardedLines(world, changes);

  const newLines: SetValue[][] = [];
  for (const { orderNumber, line } of changes.lines) {
    const orderPk = orderPks.get(orderNumber)!; // assertKnownParents: present
    const sourceOrderPk = line.sourceOrderNumber ? orderPks.get(line.sourceOrderNumber)! : null;
    if (world.orders.get(orderNumber)?.lines.has(line.serial)) {
      await trx('order_lines').where({ order_pk: orderPk, serial: line.serial }).update({
        delivery_number: line.deliveryNumber,
        asset_tag: line.assetTag,
        status: line.status,
        source_order_pk: sourceOrderPk,
      });
    } else {
      // In LINE_COLUMNS order.
      newLines.push([orderPk, line.serial, line.deliveryNumber, line.assetTag, line.status, sourceOrderPk]);
    }
  }
  for (const set of changes.enrolledSets) {
    const orderPk = orderPks.get(set.orderNumber)!; // assertKnownParents: present
    for (let i = 0; i < set.serials.length; i++) newLines.push([orderPk, set.serials[i]!, set.deliveryNumber, set.assetTags[i]!, 'live', null]);
  }
  await insertNew(trx, ctx, 'order_lines', LINE_COLUMNS, newLines, { orderPk: 'order_pk', serial: 'serial', runColumn: 'order_pk' });

  // The unit's history sets first: a new device's row names the set of its first event
  // (migration 023), which then has no pair.
  const history = await insertEventSets(trx, historyPlan, ids?.[1]);
  const orderPkOf = (device: Device) => (device.orderNumber && device.supplierPk === supplier.pk ? orderPks.get(device.orderNumber) ?? null : null);
  const firstSetOf = firstSetsOf(history, new Set(changes.devices.filter((d) => d.version === 0).map((d) => d.serial)));
  // New devices go in as a set; a racing insert of the same serial fails on the primary
  // key and the caller retries on fresh data.
  const fresh: SetValue[][] = [];
  for (const d of changes.devices) {
    // In DEVICE_COLUMNS order; a new device's version is 1.
    if (d.version === 0) fresh.push([d.serial, d.state, d.orgPk, d.supplierPk, orderPkOf(d), d.family, d.assetTag, d.server, 1, ctx.now, firstSetOf.get(d.serial) ?? null]);
  }
  changes.enrolledSets.forEach((set, k) => {
    const orderPk = orderPks.get(set.orderNumber)!;
    const setId = history.enrolledSetIds[k]!;
    for (let i = 0; i < set.serials.length; i++) {
      fresh.push([set.serials[i]!, set.state, set.orgPk, set.supplierPk, orderPk, set.families[i]!, set.assetTags[i]!, set.servers[i]!, 1, ctx.now, setId]);
    }
  });
  await insertNew(trx, ctx, 'devices', DEVICE_COLUMNS, fresh, { serial: 'serial', runColumn: 'order_pk' });
  for (const device of changes.devices) if (device.version !== 0) await writeDevice(trx, device, orderPkOf(device), ctx.now);
  await writeEventSerials(trx, history, ctx, firstSetOf);
}

/** New rows of a bulk table: held with the document's (as sets), or written now as the mode says. */
async function insertNew(trx: Knex, ctx: Pick<WriteContext, 'held'> & { mode?: WriteMode }, table: string, columns: readonly string[], rows: SetValue[][], keys: SetColumns): Promise<void> {
  if (ctx.held && ctx.mode !== 'rows') await ctx.held.hold(trx, table, columns, rows, keys);
  else await insertRows(trx, table, columns, rows, ctx.mode ?? 'auto', keys.runColumn);
}

/**
 * Every organisation, supplier and order a unit's rows name is one it loaded or wrote in
 * this transaction (and those are never deleted). On PostgreSQL the bulk tables hold no
 * foreign keys (migration 009): this check, once per set, stands in for a trigger per row.
 */
function assertKnownParents(world: World, supplier: Supplier, orderPks: Map<string, number>, changes: Changes): void {
  const orgPks = new Set(world.organisations.map((o) => o.pk));
  for (const { orderNumber, line } of changes.lines) {
    if (!orderPks.has(orderNumber)) throw new Error(`invariant: order line ${line.serial} names order ${orderNumber}, which this unit neither loaded nor wrote`);
    if (line.sourceOrderNumber && !orderPks.has(line.sourceOrderNumber)) throw new Error(`invariant: order line ${line.serial} names source order ${line.sourceOrderNumber}, which this unit neither loaded nor wrote`);
  }
  for (const d of changes.devices) {
    const orgBefore = world.devices.get(d.serial)?.orgPk;
    if (d.orgPk !== null && d.orgPk !== orgBefore && !orgPks.has(d.orgPk)) throw new Error(`invariant: device ${d.serial} names organisation ${d.orgPk}, which this unit did not load`);
    if (d.version === 0 && d.supplierPk !== supplier.pk) throw new Error(`invariant: new device ${d.serial} names supplier ${d.supplierPk}, not ${supplier.pk}`);
  }
  for (const set of changes.enrolledSets) {
    if (!orderPks.has(set.orderNumber)) throw new Error(`invariant: a set of devices names order ${set.orderNumber}, which this unit neither loaded nor wrote`);
    if (!orgPks.has(set.orgPk)) throw new Error(`invariant: a set of devices names organisation ${set.orgPk}, which this unit did not load`);
    if (set.supplierPk !== supplier.pk) throw new Error(`invariant: a set of devices names supplier ${set.supplierPk}, not ${supplier.pk}`);
  }
}

/**
 * The order lines hold no unique key (migration 019): what keeps a serial from being
 * live in two sales, or in one order twice, is that a line is added, or goes live, only
 * with a write of its device (its insert, keyed by serial, or an update checked against
 * the version read). A racing writer fails on that write and retries on fresh data.
 */
function assertGuardedLines(world: World, changes: Changes): void {
  const devicesWritten = new Set(changes.devices.map((d) => d.serial));
  for (const { orderNumber, line } of changes.lines) {
    const before = world.orders.get(orderNumber)?.lines.get(line.serial);
    const guarded = (before && (before.status === 'live' || line.status !== 'live')) || devicesWritten.has(line.serial);
    if (!guarded) throw new Error(`invariant: order line ${line.serial} in order ${orderNumber} is added or goes live without a write of its device`);
  }
  // A set's lines are guarded by its devices' inserts, keyed by serial: none may be on file.
  if (changes.enrolledSets.length > 0 && (changes.lines.length > 0 || changes.devices.length > 0 || changes.events.length > 0)) {
    throw new Error('invariant: devices enrolled as sets in a unit that changes devices one by one too');
  }
  for (const set of changes.enrolledSets) {
    const width = set.serials.length;
    if (set.assetTags.length !== width || set.families.length !== width || set.servers.length !== width) throw new Error(`invariant: a set of ${width} devices of order ${set.orderNumber} with columns of other lengths`);
    for (const serial of set.serials) if (world.devices.has(serial)) throw new Error(`invariant: device ${serial}, on file, enrolled as a new one in a set`);
  }
}

function deviceRow(device: Device, orderPk: number | null, now: string) {
  return {
    state: device.state,
    org_pk: device.orgPk,
    supplier_pk: device.supplierPk,
    order_pk: orderPk,
    family: device.family,
    asset_tag: device.assetTag,
    server: device.server,
    updated_at: now,
  };
}

/**
 * Writes the unit's new and changed orders, and their deliveries anew; sets each order's
 * key in `orderPks`. New orders go in as one set (insertReturningIds); a changed one is
 * updated only if its version is still the one read.
 */
async function writeOrders(trx: Knex, orders: Order[], orderPks: Map<string, number>, ctx: WriteContext, freshIds?: readonly number[]): Promise<void> {
  const row = (order: Order) => ({
    kind: order.kind,
    last_type: order.lastType,
    org_pk: order.orgPk,
    customer_id: order.customerId,
    order_date: order.orderDate,
    po_number: order.poNumber,
    status: order.status,
    last_transaction_pk: ctx.transactionPk,
    updated_at: ctx.now,
  });
  const fresh = orders.filter((o) => o.pk === null);
  const freshPks = await insertReturningIds(
    trx,
    'orders',
    fresh.map((order) => ({ ...row(order), supplier_pk: order.supplierPk, order_number: order.orderNumber, version: 1, created_at: ctx.now })),
    freshIds,
  );
  fresh.forEach((order, i) => orderPks.set(order.orderNumber, freshPks[i]!));
  for (const order of orders) {
    if (order.pk === null) continue;
    const updated = await trx('orders')
      .where({ id: order.pk, version: order.version })
      .update({ ...row(order), version: order.version + 1 });
    if (updated !== 1) throw new ConcurrentChange(`order ${order.orderNumber}`);
    orderPks.set(order.orderNumber, order.pk);
    await trx('deliveries').where({ order_pk: order.pk }).delete();
  }
  // Not knex's batchInsert: it waits for a 1 ms timer before its first statement, which
  // left a million-serial ingest (a thousand orders) idle for 1.2 s.
  await insertRows(
    trx,
    'deliveries',
    DELIVERY_COLUMNS,
    orders.flatMap((order) => order.deliveries.map((d) => [orderPks.get(order.orderNumber)!, d.deliveryNumber, d.shipDate])),
    ctx.mode,
  );
}

export async function writeDevice(trx: Knex, device: Device, orderPk: number | null, now: string): Promise<void> {
  const row = deviceRow(device, orderPk, now);
  if (device.version === 0) {
    // A racing insert of the same serial fails on the primary key; the caller retries.
    await trx('devices').insert({ ...row, serial: device.serial, version: 1 });
    return;
  }
  const updated = await trx('devices').where({ serial: device.serial, version: device.version }).update({ ...row, version: device.version + 1 });
  if (updated !== 1) throw new ConcurrentChange(`device ${device.serial}`);
}

/** What an event says, whichever device it is of, as one text (a history set's key). */
function eventKey(e: DeviceEvent): string {
  return JSON.stringify([e.kind, e.fromState, e.toState, e.orgPk, e.supplierPk, e.orderNumber, e.detail]);
}

/** Whether two events say the same, whichever devices they are of. */
function sameEvent(a: DeviceEvent, b: DeviceEvent): boolean {
  return (
    a.kind === b.kind &&
    a.fromState === b.fromState &&
    a.toState === b.toState &&
    a.orgPk === b.orgPk &&
    a.supplierPk === b.supplierPk &&
    a.orderNumber === b.orderNumber &&
    a.detail === b.detail
  );
}

/**
 * Writes a device's history as sets (migration 018): the events that say the same thing
 * (kind, states, organisation, reseller, order, detail; the transaction, document, actor
 * and time are the call's) are one row of device_event_sets, and their serials one pair
 * each. A set's id orders a device's events, so an event goes into a set made after the
 * set of the same device's previous event, and a device is in a set once: for a ship
 * notice, one set; for a unit whose events alternate, a set for each change. (A unit's
 * new devices name the set of their first event on their own rows instead: persistChanges.)
 */
export async function writeEvents(trx: Knex, events: DeviceEvent[], ctx: Omit<WriteContext, 'mode'> & { mode?: WriteMode }): Promise<void> {
  await writeEventSerials(trx, await insertEventSets(trx, planEventSets(events, ctx)), ctx);
}

/** A unit's history sets as written: each one's id and the serials of its events (devices enrolled as sets not among them), and the history set of each set of devices. */
interface WrittenSets {
  sets: { id: number; serials: string[] }[];
  /** For each EnrolledSet, in order: the history set its devices' one event is in. */
  enrolledSetIds: number[];
}

/** A unit's history sets as planned: each one's event and serials, the set of each EnrolledSet, and the rows to insert. */
interface EventSetsPlan {
  sets: { event: DeviceEvent; serials: string[] }[];
  enrolledSetIndexes: number[];
  rows: Record<string, unknown>[];
}

/** Makes the unit's history sets (writeEvents): planned here, their rows inserted by insertEventSets, their serials after (writeEventSerials). */
function planEventSets(
  events: DeviceEvent[],
  ctx: Omit<WriteContext, 'mode'>,
  /** Devices enrolled as sets (after `events`): each serial's one event, the set's own. */
  enrolledSets: readonly EnrolledSet[] = [],
): EventSetsPlan {
  if (events.length === 0 && enrolledSets.length === 0) return { sets: [], enrolledSetIndexes: [], rows: [] };
  const document = ctx.document.slice(0, 120);
  // A device is never added twice to one set (a later event of it makes a new set), so its serials are a list.
  const sets: { event: DeviceEvent; serials: string[] }[] = [];
  /** The latest set made for each kind of event (by what the event says, as JSON). */
  const latestFor = new Map<string, number>();
  /** The set of each device's latest event. */
  const setOfDevice = new Map<string, number>();
  let previousEvent: DeviceEvent | undefined;
  let previousKey = '';
  for (const e of events) {
    // Events in a row mostly say the same: compared field by field before any JSON is made.
    const key = previousEvent && sameEvent(previousEvent, e) ? previousKey : eventKey(e);
    previousEvent = e;
    previousKey = key;
    let index = latestFor.get(key);
    const previousSet = setOfDevice.get(e.serial);
    if (index === undefined || (previousSet !== undefined && previousSet >= index)) {
      index = sets.push({ event: e, serials: [] }) - 1;
      latestFor.set(key, index);
    }
    sets[index]!.serials.push(e.serial);
    setOfDevice.set(e.serial, index);
  }
  // Serials named once in their unit (onlyNewSerials): no earlier event of theirs to follow.
  // Their one event is on their own row (persistChanges), so only the set is noted.
  const enrolledSetIndexes = enrolledSets.map((enrolled) => {
    const e: DeviceEvent = {
      serial: enrolled.serials[0]!,
      kind: enrolled.state,
      fromState: null,
      toState: enrolled.state,
      orgPk: enrolled.orgPk,
      supplierPk: enrolled.supplierPk,
      orderNumber: enrolled.orderNumber,
      detail: null,
    };
    const key = eventKey(e);
    let index = latestFor.get(key);
    if (index === undefined) {
      index = sets.push({ event: e, serials: [] }) - 1;
      latestFor.set(key, index);
    }
    return index;
  });
  const rows = sets.map(({ event: e }) => ({
      at: ctx.now,
      kind: e.kind,
      from_state: e.fromState,
      to_state: e.toState,
      org_pk: e.orgPk,
      supplier_pk: e.supplierPk,
      order_number: e.orderNumber,
      transaction_pk: ctx.transactionPk,
      document,
      actor: ctx.actor,
      detail: e.detail ? e.detail.slice(0, 400) : null,
  }));
  return { sets, enrolledSetIndexes, rows };
}

/** Inserts the planned history sets, with the ids taken for them if given (takeIds). */
async function insertEventSets(trx: Knex, plan: EventSetsPlan, taken?: readonly number[]): Promise<WrittenSets> {
  if (plan.rows.length === 0) return { sets: [], enrolledSetIds: [] };
  // The sets' ids count up in the order the sets were made: a device's events keep their order.
  const setIds = await insertReturningIds(trx, 'device_event_sets', plan.rows, taken);
  return { sets: plan.sets.map(({ serials }, i) => ({ id: setIds[i]!, serials })), enrolledSetIds: plan.enrolledSetIndexes.map((index) => setIds[index]!) };
}

/** The set of each new device's first event: the first set, in the order they were made, that names it. */
function firstSetsOf(history: WrittenSets, newSerials: ReadonlySet<string>): Map<string, number> {
  const first = new Map<string, number>();
  if (newSerials.size === 0) return first;
  for (const set of history.sets) for (const serial of set.serials) if (newSerials.has(serial) && !first.has(serial)) first.set(serial, set.id);
  return first;
}

/** The sets' serials, a pair each, but for the events named on a new device's row (`onDeviceRow`). */
async function writeEventSerials(trx: Knex, history: WrittenSets, ctx: Pick<WriteContext, 'held'> & { mode?: WriteMode }, onDeviceRow: ReadonlyMap<string, number> = new Map()): Promise<void> {
  const pairs: SetValue[][] = [];
  for (const { id, serials } of history.sets) for (const serial of serials) if (onDeviceRow.get(serial) !== id) pairs.push([serial, id]);
  await insertNew(trx, ctx, 'device_event_serials', EVENT_SERIAL_COLUMNS, pairs, { serial: 'serial', runColumn: 'set_id' });
}
