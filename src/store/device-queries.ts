// Devices as their readers see them (src/query/devices.ts, the operator's lookups, the
// metrics): a search by serial and by what a device is in, one device in a reader's
// scope, its release, its history (each change with the document or transaction behind
// it) and counts by state.
import type { Knex } from 'knex';
import type { Scope } from '../model/reads.js';
import type { DeviceState } from '../model/state.js';
import { chunks } from './chunks.js';
import { whereInScope } from './scope.js';
import { isPostgres } from './db.js';

/**
 * The devices the (org_pk, state) index holds (migration 021), in the words it was made
 * with: a read of devices that are not enrolled says it too, because SQLite uses a
 * partial index only for a query whose WHERE holds the index's own terms (it does not
 * reason that `state = 'pending'` excludes 'enrolled'). A column name, never input.
 */
export function notEnrolled(column: 'state' | 'd.state'): string {
  return `${column} <> 'enrolled'`;
}

export interface DeviceFilter {
  serial?: string;
  /** Upper-case letters and digits only (as serials are): no LIKE wildcard can reach the query. */
  serialPrefix?: string;
  state?: DeviceState;
  family?: string;
  server?: string;
  supplierId?: string;
  orderNumber?: string;
  orgId?: string;
}

/** A device with the ids of its organisation, supplier and order. */
export interface DeviceRecord {
  serial: string;
  state: DeviceState;
  orgId: string | null;
  supplierId: string | null;
  orderNumber: string | null;
  /** The order that holds the device (or last held it). */
  orderPk: number | null;
  family: string | null;
  assetTag: string | null;
  server: string | null;
  updatedAt: string;
}

export interface ReleaseRecord {
  orgId: string;
  reason: string;
  releasedAt: string;
}

export interface DeviceEventRecord {
  /** The keyset key of the history. */
  id: number;
  at: string;
  event: string;
  fromState: string | null;
  toState: string;
  orgId: string | null;
  supplierId: string | null;
  orderNumber: string | null;
  /** What made the change: "transaction <enrollment id>", "document <id>", "release", "link 19827+16FCE4A0", ... */
  document: string;
  /** The reseller-API transaction behind the change, when one was. */
  transaction: { supplierId: string; transactionId: string; enrollmentId: string } | null;
  actor: string;
  detail: string | null;
}

interface DeviceRow {
  serial: string;
  state: DeviceState;
  org_id: string | null;
  supplier_id: string | null;
  order_number: string | null;
  order_pk: number | null;
  family: string | null;
  asset_tag: string | null;
  server: string | null;
  updated_at: string;
}

function deviceSelect(q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q
    .leftJoin('organisations as g', 'g.id', 'd.org_pk')
    .leftJoin('suppliers as s', 's.id', 'd.supplier_pk')
    .leftJoin('orders as o', 'o.id', 'd.order_pk')
    .select('d.serial', 'd.state', 'g.org_id', 's.supplier_id', 'o.order_number', 'd.order_pk', 'd.family', 'd.asset_tag', 'd.server', 'd.updated_at');
}

function toDeviceRecord(r: DeviceRow): DeviceRecord {
  return {
    serial: r.serial,
    state: r.state,
    orgId: r.org_id,
    supplierId: r.supplier_id,
    orderNumber: r.order_number,
    orderPk: r.order_pk === null ? null : Number(r.order_pk),
    family: r.family,
    assetTag: r.asset_tag,
    server: r.server,
    updatedAt: r.updated_at,
  };
}

/** Devices in scope matching every filter, by serial, `limit + 1` after `afterSerial` (the extra one says more follow). */
export async function devicesBySerial(db: Knex, scope: Scope, f: DeviceFilter, page: { afterSerial?: string; limit: number }): Promise<DeviceRecord[]> {
  if (f.serialPrefix !== undefined && !/^[A-Z0-9]{1,20}$/.test(f.serialPrefix)) {
    throw new Error('invariant: a serial prefix is upper-case letters and digits, checked by the caller');
  }
  const q = whereInScope(deviceSelect(db('devices as d')), scope, 'd.org_pk', 'd.supplier_pk');
  if (f.serial !== undefined) q.where('d.serial', f.serial);
  if (f.serialPrefix !== undefined) {
    q.where('d.serial', 'like', `${f.serialPrefix}%`);
    // SQLite's LIKE ignores case, so it cannot walk the serial index: the same prefix as a
    // range of the binary-ordered serials can ('~' sorts after every letter and digit).
    // PostgreSQL's LIKE on a C-collated column uses the index itself, and a range under
    // another collation would not mean "starts with".
    if (!isPostgres(db)) q.where('d.serial', '>=', f.serialPrefix).where('d.serial', '<', `${f.serialPrefix}~`);
  }
  if (f.state !== undefined) q.where('d.state', f.state);
  if (f.state !== undefined && f.state !== 'enrolled') q.whereRaw(notEnrolled('d.state'));
  if (f.family !== undefined) q.where('d.family', f.family);
  if (f.server !== undefined) q.where('d.server', f.server);
  if (f.supplierId !== undefined) q.where('s.supplier_id', f.supplierId);
  if (f.orderNumber !== undefined) q.where('o.order_number', f.orderNumber);
  if (f.orgId !== undefined) q.where('g.org_id', f.orgId);
  if (page.afterSerial !== undefined) q.where('d.serial', '>', page.afterSerial);
  return ((await q.orderBy('d.serial').limit(page.limit + 1)) as DeviceRow[]).map(toDeviceRecord);
}

/** The device with this serial, if it is in one of the scope's organisations (or the supplier's sales) now. */
export async function findDeviceInScope(db: Knex, scope: Scope, serial: string): Promise<DeviceRecord | undefined> {
  const row = (await whereInScope(deviceSelect(db('devices as d')).where('d.serial', serial), scope, 'd.org_pk', 'd.supplier_pk').first()) as DeviceRow | undefined;
  return row && toDeviceRecord(row);
}

/** An organisation's release of the device, if the scope may see it: a supplier never released anything. */
export async function findReleaseInScope(db: Knex, scope: Scope, serial: string): Promise<ReleaseRecord | undefined> {
  const rq = whereInScope(db('released_devices as r').join('organisations as g', 'g.id', 'r.org_pk').where('r.serial', serial), scope, 'r.org_pk', null);
  const r = (await rq.first('g.org_id', 'r.reason', 'r.released_at')) as { org_id: string; reason: string; released_at: string } | undefined;
  return r ? { orgId: r.org_id, reason: r.reason, releasedAt: r.released_at } : undefined;
}

interface EventRow {
  id: number | string;
  at: string;
  kind: string;
  from_state: string | null;
  to_state: string;
  org_id: string | null;
  supplier_id: string | null;
  order_number: string | null;
  document: string;
  actor: string;
  detail: string | null;
  tx_supplier_id: string | null;
  transaction_id: string | null;
  enrollment_id: string | null;
}

function eventsOf(db: Knex, serial: string): Knex.QueryBuilder {
  return db('device_events as e')
    .leftJoin('organisations as g', 'g.id', 'e.org_pk')
    .leftJoin('suppliers as s', 's.id', 'e.supplier_pk')
    .leftJoin('transactions as t', 't.id', 'e.transaction_pk')
    .leftJoin('suppliers as ts', 'ts.id', 't.supplier_pk')
    .where('e.serial', serial)
    .select(
      'e.id',
      'e.at',
      'e.kind',
      'e.from_state',
      'e.to_state',
      'g.org_id',
      's.supplier_id',
      'e.order_number',
      'e.document',
      'e.actor',
      'e.detail',
      'ts.supplier_id as tx_supplier_id',
      't.transaction_id',
      't.enrollment_id',
    );
}

function toEventRecord(r: EventRow): DeviceEventRecord {
  return {
    // bigint on PostgreSQL, answered as text; event ids stay far below 2^53.
    id: Number(r.id),
    at: r.at,
    event: r.kind,
    fromState: r.from_state,
    toState: r.to_state,
    orgId: r.org_id,
    supplierId: r.supplier_id,
    orderNumber: r.order_number,
    document: r.document,
    transaction:
      r.transaction_id !== null && r.enrollment_id !== null && r.tx_supplier_id !== null
        ? { supplierId: r.tx_supplier_id, transactionId: r.transaction_id, enrollmentId: r.enrollment_id }
        : null,
    actor: r.actor,
    detail: r.detail,
  };
}

/** The device's events in scope, oldest first, `limit + 1` after the event `afterId`. */
export async function deviceEventsOldestFirst(db: Knex, scope: Scope, serial: string, page: { afterId?: number; limit: number }): Promise<DeviceEventRecord[]> {
  const q = whereInScope(eventsOf(db, serial), scope, 'e.org_pk', 'e.supplier_pk');
  if (page.afterId !== undefined) q.where('e.id', '>', page.afterId);
  return ((await q.orderBy('e.id').limit(page.limit + 1)) as EventRow[]).map(toEventRecord);
}

/** The device's latest `limit` events, newest first. */
export async function latestDeviceEvents(db: Knex, serial: string, limit: number): Promise<DeviceEventRecord[]> {
  return ((await eventsOf(db, serial).orderBy('e.id', 'desc').limit(limit)) as EventRow[]).map(toEventRecord);
}

/** The state of each device on file among `serials`. */
export async function deviceStatesOf(db: Knex, serials: string[]): Promise<Map<string, DeviceState>> {
  const states = new Map<string, DeviceState>();
  for (const part of chunks(serials)) {
    const rows = (await db('devices').whereIn('serial', part).select('serial', 'state')) as { serial: string; state: DeviceState }[];
    for (const r of rows) states.set(r.serial, r.state);
  }
  return states;
}

/**
 * Devices on file by state: of one organisation, or of every one. The enrolled are
 * counted as all the devices less the others: all of them from the (org_pk, serial)
 * index, the others from the partial (org_pk, state) index, both without reading a row,
 * in one statement (one snapshot, so the difference is exact).
 */
export async function deviceCountsByState(db: Knex, orgPk?: number): Promise<Map<string, number>> {
  const all = db('devices').select(db.raw('cast(null as varchar(10)) as state')).count({ n: '*' });
  const others = db('devices').whereRaw(notEnrolled('state')).select('state').count({ n: '*' }).groupBy('state');
  if (orgPk !== undefined) {
    all.where('org_pk', orgPk);
    others.where('org_pk', orgPk);
  }
  const rows = (await all.unionAll(others)) as { state: string | null; n: number | string }[];
  // PostgreSQL answers count(*) as text (bigint).
  const total = Number(rows.find((r) => r.state === null)?.n ?? 0);
  const counts = rows.filter((r) => r.state !== null).map((r) => [r.state!, Number(r.n)] as const);
  const enrolled = total - counts.reduce((sum, [, n]) => sum + n, 0);
  if (enrolled < 0) throw new Error(`invariant: ${total} devices on file, fewer than those not enrolled`);
  return new Map([...(enrolled > 0 ? [['enrolled', enrolled] as const] : []), ...counts.sort(([a], [b]) => (a < b ? -1 : 1))]);
}

/** The pending devices an organisation holds from one supplier, with the order that holds each. */
export async function pendingDevicesFrom(db: Knex, orgPk: number, supplierPk: number): Promise<{ serial: string; orderPk: number | null }[]> {
  const rows = (await db('devices').where({ org_pk: orgPk, supplier_pk: supplierPk, state: 'pending' }).whereRaw(notEnrolled('state')).select('serial', 'order_pk')) as { serial: string; order_pk: number | null }[];
  return rows.map((r) => ({ serial: r.serial, orderPk: r.order_pk }));
}

/** The order that holds (or last held) the device, or null; undefined when there is no such device. */
export async function orderPkOfDevice(db: Knex, serial: string): Promise<number | null | undefined> {
  const row = (await db('devices').where({ serial }).first('order_pk')) as { order_pk: number | null } | undefined;
  return row && row.order_pk;
}
