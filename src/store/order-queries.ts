// Orders as their readers see them (src/query/orders.ts): a search newest first, one
// order in a reader's scope with its deliveries, and its lines with their devices; and
// what a server assignment by order reads of an order (its owner and live serials).
import type { Knex } from 'knex';
import type { Scope } from '../model/reads.js';
import type { LineStatus } from '../model/state.js';
import { whereInScope } from './scope.js';

/** The filters of an order search, as the columns hold them. */
export interface OrderFilter {
  orderNumber?: string;
  poNumber?: string;
  supplierId?: string;
  orgId?: string;
  /** Order dates are ISO-8601 text (YYYY-MM-DDThh:mm:ssZ): a day compares as its prefix. */
  orderDateAtLeast?: string;
  /** Exclusive upper bound of the order date, as text. */
  orderDateBefore?: string;
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

/** An order line with the device it names, as it is now. */
export interface OrderLineWithDevice {
  serial: string;
  deliveryNumber: string;
  assetTag: string | null;
  lineStatus: LineStatus;
  deviceState: string | null;
  family: string | null;
  server: string | null;
  /** The order that holds the device now (or last held it). */
  deviceOrderPk: number | null;
}

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

/** Orders in scope matching every filter, newest first, `limit + 1` after the order `afterPk` (the extra one says more follow). */
export async function ordersNewestFirst(db: Knex, scope: Scope, f: OrderFilter, page: { afterPk?: number; limit: number }): Promise<OrderSummary[]> {
  const q = whereInScope(summarySelect(db, db('orders as o')), scope, 'o.org_pk', 'o.supplier_pk');
  if (f.orderNumber !== undefined) q.where('o.order_number', f.orderNumber);
  if (f.poNumber !== undefined) q.where('o.po_number', f.poNumber);
  if (f.supplierId !== undefined) q.where('s.supplier_id', f.supplierId);
  if (f.orgId !== undefined) q.where('g.org_id', f.orgId);
  if (f.orderDateAtLeast !== undefined) q.where('o.order_date', '>=', f.orderDateAtLeast);
  if (f.orderDateBefore !== undefined) q.where('o.order_date', '<', f.orderDateBefore);
  if (f.status !== undefined) q.where('o.status', f.status);
  if (f.kind !== undefined) q.where('o.kind', f.kind);
  if (page.afterPk !== undefined) q.where('o.id', '<', page.afterPk);
  return ((await q.orderBy('o.id', 'desc').limit(page.limit + 1)) as SummaryRow[]).map(toSummary);
}

/** One order of a supplier, if the scope may see it. */
export async function findOrderInScope(db: Knex, scope: Scope, supplierId: string, orderNumber: string): Promise<OrderSummary | undefined> {
  const q = whereInScope(summarySelect(db, db('orders as o')).where({ 's.supplier_id': supplierId, 'o.order_number': orderNumber }), scope, 'o.org_pk', 'o.supplier_pk');
  const row = (await q.first()) as SummaryRow | undefined;
  return row && toSummary(row);
}

/** The first `limit` deliveries of an order, in the order they were recorded. */
export async function deliveriesOfOrder(db: Knex, orderPk: number, limit: number): Promise<{ deliveryNumber: string; shipDate: string }[]> {
  const rows = (await db('deliveries').where('order_pk', orderPk).orderBy('id').limit(limit).select('delivery_number', 'ship_date')) as { delivery_number: string; ship_date: string }[];
  return rows.map((d) => ({ deliveryNumber: d.delivery_number, shipDate: d.ship_date }));
}

/** An order's lines by serial with their devices, `limit + 1` after `afterSerial`. */
export async function orderLinesWithDevices(db: Knex, orderPk: number, page: { afterSerial?: string; limit: number }): Promise<OrderLineWithDevice[]> {
  const q = db('order_lines as l')
    .leftJoin('devices as d', 'd.serial', 'l.serial')
    .where('l.order_pk', orderPk)
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
  return rows.map((r) => ({
    serial: r.serial,
    deliveryNumber: r.delivery_number,
    assetTag: r.asset_tag,
    lineStatus: r.line_status,
    deviceState: r.state,
    family: r.family,
    server: r.server,
    deviceOrderPk: r.order_pk === null ? null : Number(r.order_pk),
  }));
}

/** Devices an order holds as pending (its live lines, whose devices wait for a link). */
export async function countPendingDevicesOfOrder(db: Knex, orderPk: number): Promise<number> {
  const row = (await db('order_lines as l')
    .join('devices as d', 'd.serial', 'l.serial')
    .where({ 'l.order_pk': orderPk, 'l.status': 'live', 'd.state': 'pending' })
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** The order of a supplier with this number: its row id and its organisation. */
export async function findOrderOwner(db: Knex, supplierId: string, orderNumber: string): Promise<{ pk: number; orgPk: number } | undefined> {
  const row = (await db('orders as o')
    .join('suppliers as s', 's.id', 'o.supplier_pk')
    .where({ 's.supplier_id': supplierId, 'o.order_number': orderNumber })
    .first('o.id', 'o.org_pk')) as { id: number; org_pk: number } | undefined;
  return row && { pk: row.id, orgPk: row.org_pk };
}

/** How many devices an order holds live (its live lines). */
export async function countLiveLinesOfOrder(db: Knex, orderPk: number): Promise<number> {
  const counted = (await db('order_lines').where({ order_pk: orderPk, status: 'live' }).count({ n: '*' }).first()) as { n: number | string };
  return Number(counted.n);
}

/** The serials an order holds live, in order. */
export async function liveSerialsOfOrder(db: Knex, orderPk: number): Promise<string[]> {
  return (await db('order_lines').where({ order_pk: orderPk, status: 'live' }).orderBy('serial').pluck('serial')) as string[];
}
