// Orders as their readers see them: a list searched by number, PO number, supplier,
// organisation, date, status and kind (newest first), and one order with its deliveries
// and, a page at a time, its devices and what became of each.
//
// The caller's Scope is a WHERE clause of every query here: an order outside it is not
// found, exactly as a missing one is not.
import type { Knex } from 'knex';
import { endOfDayBound } from './days.js';
import { pendingReason } from '../domain/pending.js';
import type { LineStatus } from '../model/state.js';
import type { Scope } from './scope.js';
import { API_LIMITS } from '../model/limits.js';

export interface OrderFilters {
  orderNumber?: string;
  poNumber?: string;
  supplierId?: string;
  orgId?: string;
  /** Order date from this day on (YYYY-MM-DD). */
  fromDate?: string;
  /** Order date up to and including this day (YYYY-MM-DD). */
  toDate?: string;
  status?: 'open' | 'voided';
  kind?: 'sale' | 'return';
}

export interface OrderSummary {
  /** The keyset key; not shown to callers. */
  pk: number;
  supplierId: string;
  orderNumber: string;
  orgId: string;
  kind: 'sale' | 'return';
  lastType: string;
  status: 'open' | 'voided';
  orderDate: string;
  poNumber: string | null;
  customerId: string;
  deviceCount: number;
  deliveryCount: number;
}

/** What a device is in an order, as the order's reader asks it. */
export type OrderDeviceStatus = 'enrolled' | 'pending' | 'returned' | 'voided' | 'released' | 'removed';
export const ORDER_DEVICE_STATUSES: readonly OrderDeviceStatus[] = ['enrolled', 'pending', 'returned', 'voided', 'released', 'removed'];

export interface OrderDevice {
  serial: string;
  deliveryNumber: string;
  assetTag: string | null;
  family: string | null;
  /** The server of a device the order holds now; null once it left the order. */
  server: string | null;
  status: OrderDeviceStatus;
  pendingReason?: string;
}

export interface OrderDetail extends OrderSummary {
  deliveries: { deliveryNumber: string; shipDate: string }[];
}

export interface Page<T> {
  items: T[];
  /** More rows follow the last item. */
  more: boolean;
}

/** Restricts `orders as o` to the scope. */
function scopeOrders(q: Knex.QueryBuilder, scope: Scope): void {
  if (scope.kind === 'orgs') q.whereIn('o.org_pk', scope.orgPks);
  else if (scope.kind === 'supplier') q.where('o.supplier_pk', scope.supplierPk);
}

/** The day after an ISO day, as text: an order date sorts before it when it is on or before `day`. */
function summarySelect(db: Knex, q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q
    .join('suppliers as s', 's.id', 'o.supplier_pk')
    .join('organisations as g', 'g.id', 'o.org_pk')
    .select(
      'o.id',
      's.supplier_id',
      'o.order_number',
      'g.org_id',
      'o.kind',
      'o.last_type',
      'o.status',
      'o.order_date',
      'o.po_number',
      'o.customer_id',
      db.raw('(select count(*) from order_lines l where l.order_pk = o.id) as device_count'),
      db.raw('(select count(*) from deliveries dl where dl.order_pk = o.id) as delivery_count'),
    );
}

interface SummaryRow {
  id: number;
  supplier_id: string;
  order_number: string;
  org_id: string;
  kind: 'sale' | 'return';
  last_type: string;
  status: 'open' | 'voided';
  order_date: string;
  po_number: string | null;
  customer_id: string;
  device_count: number | string;
  delivery_count: number | string;
}

function toSummary(r: SummaryRow): OrderSummary {
  return {
    pk: Number(r.id),
    supplierId: r.supplier_id,
    orderNumber: r.order_number,
    orgId: r.org_id,
    kind: r.kind,
    lastType: r.last_type,
    status: r.status,
    orderDate: r.order_date,
    poNumber: r.po_number,
    customerId: r.customer_id,
    // PostgreSQL answers count(*) as text (bigint).
    deviceCount: Number(r.device_count),
    deliveryCount: Number(r.delivery_count),
  };
}

/** Orders in scope matching every filter, newest first, `limit` after the order `afterPk`. */
export async function listOrders(db: Knex, scope: Scope, f: OrderFilters, page: { afterPk?: number; limit: number }): Promise<Page<OrderSummary>> {
  const q = summarySelect(db, db('orders as o'));
  scopeOrders(q, scope);
  if (f.orderNumber !== undefined) q.where('o.order_number', f.orderNumber);
  if (f.poNumber !== undefined) q.where('o.po_number', f.poNumber);
  if (f.supplierId !== undefined) q.where('s.supplier_id', f.supplierId);
  if (f.orgId !== undefined) q.where('g.org_id', f.orgId);
  // Order dates are ISO-8601 text (YYYY-MM-DDThh:mm:ssZ): a day compares as its prefix.
  if (f.fromDate !== undefined) q.where('o.order_date', '>=', f.fromDate);
  if (f.toDate !== undefined) q.where('o.order_date', '<', endOfDayBound(f.toDate));
  if (f.status !== undefined) q.where('o.status', f.status);
  if (f.kind !== undefined) q.where('o.kind', f.kind);
  if (page.afterPk !== undefined) q.where('o.id', '<', page.afterPk);
  const rows = (await q.orderBy('o.id', 'desc').limit(page.limit + 1)) as SummaryRow[];
  return { items: rows.slice(0, page.limit).map(toSummary), more: rows.length > page.limit };
}

/** One order in scope, with its deliveries; undefined when missing or out of scope alike. */
export async function findOrder(db: Knex, scope: Scope, supplierId: string, orderNumber: string): Promise<OrderDetail | undefined> {
  const q = summarySelect(db, db('orders as o')).where({ 's.supplier_id': supplierId, 'o.order_number': orderNumber });
  scopeOrders(q, scope);
  const row = (await q.first()) as SummaryRow | undefined;
  if (!row) return undefined;
  const deliveries = (await db('deliveries')
    .where('order_pk', row.id)
    .orderBy('id')
    .limit(API_LIMITS.deliveriesListed)
    .select('delivery_number', 'ship_date')) as { delivery_number: string; ship_date: string }[];
  return { ...toSummary(row), deliveries: deliveries.map((d) => ({ deliveryNumber: d.delivery_number, shipDate: d.ship_date })) };
}

/** What a line and its device say the device is in the order. */
export function orderDeviceStatus(line: LineStatus, deviceState: string | null, heldHere: boolean): OrderDeviceStatus {
  if (line !== 'live') return line;
  // A live line holds its device: the device's state says enrolled or pending.
  if (heldHere && (deviceState === 'enrolled' || deviceState === 'pending')) return deviceState;
  throw new Error(`invariant: a live order line holds its device live (device state ${deviceState ?? 'missing'})`);
}

/** Devices of the order a page at a time, by serial; the order was found in scope first. */
export async function orderDevices(db: Knex, order: OrderDetail, page: { afterSerial?: string; limit: number }): Promise<Page<OrderDevice>> {
  const q = db('order_lines as l')
    .leftJoin('devices as d', 'd.serial', 'l.serial')
    .where('l.order_pk', order.pk)
    .select('l.serial', 'l.delivery_number', 'l.asset_tag', 'l.status as line_status', 'd.state', 'd.family', 'd.server', 'd.order_pk');
  if (page.afterSerial !== undefined) q.where('l.serial', '>', page.afterSerial);
  const rows = (await q.orderBy('l.serial').limit(page.limit + 1)) as {
    serial: string;
    delivery_number: string;
    asset_tag: string | null;
    line_status: LineStatus;
    state: string | null;
    family: string | null;
    server: string | null;
    order_pk: number | null;
  }[];
  const shown = rows.slice(0, page.limit);
  // One count for the page, only when the page shows a pending device.
  const reason = shown.some((r) => r.line_status === 'live' && r.state === 'pending')
    ? pendingReason(order.orgId, order.supplierId, await pendingCount(db, order.pk))
    : undefined;
  const items = shown.map((r): OrderDevice => {
    const heldHere = r.order_pk !== null && Number(r.order_pk) === order.pk && r.line_status === 'live';
    const status = orderDeviceStatus(r.line_status, r.state, heldHere);
    return {
      serial: r.serial,
      deliveryNumber: r.delivery_number,
      assetTag: r.asset_tag,
      family: r.family,
      // A device that left the order may be another organisation's now: its server is not this order's to show.
      server: heldHere ? r.server : null,
      status,
      ...(status === 'pending' && reason !== undefined ? { pendingReason: reason } : {}),
    };
  });
  return { items, more: rows.length > page.limit };
}

/** Devices an order holds as pending (its live lines, whose devices wait for a link). */
export async function pendingCount(db: Knex, orderPk: number): Promise<number> {
  const row = (await db('order_lines as l')
    .join('devices as d', 'd.serial', 'l.serial')
    .where({ 'l.order_pk': orderPk, 'l.status': 'live', 'd.state': 'pending' })
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}
