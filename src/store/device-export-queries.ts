// The reads of a device CSV export (src/reports/device-export.ts): the orders or the
// organisation it covers, resolved in the reader's scope; how many rows it would have; and
// its rows in keyset batches (`... AND serial > last ORDER BY serial LIMIT n`) over
// indexes that hold the walk's order: devices(org_pk, serial) for an organisation's
// devices, order_lines unique(order_pk, serial) for an order. Each batch is one short
// statement, so batch N costs what batch 1 does. Rows leave as the database answers them
// (typed, not copied): an export may be millions of rows.
import type { Knex } from 'knex';
import type { Scope } from '../model/reads.js';
import type { DeviceState, LineStatus } from '../model/state.js';
import { whereInScope } from './scope.js';
import { notEnrolled } from './device-queries.js';

export interface ExportOrderRow {
  id: number;
  supplier_id: string;
  order_number: string;
  org_id: string;
  po_number: string | null;
  order_date: string;
}

/** A device an organisation holds, with its order and delivery. */
export interface HeldDeviceRow {
  serial: string;
  state: string;
  family: string | null;
  asset_tag: string | null;
  server: string | null;
  supplier_id: string | null;
  order_number: string | null;
  po_number: string | null;
  order_date: string | null;
  delivery_number: string | null;
  ship_date: string | null;
}

/** An order line with its delivery and the device it names, as the device is now. */
export interface ExportLineRow {
  serial: string;
  line_status: LineStatus;
  line_asset_tag: string | null;
  delivery_number: string;
  ship_date: string | null;
  device_state: string | null;
  device_order_pk: number | null;
  family: string | null;
  asset_tag: string | null;
  server: string | null;
}

/** The orders named by (supplier id, order number) that the scope may see. */
export async function ordersByRefInScope(db: Knex, scope: Scope, refs: { supplierId: string; orderNumber: string }[]): Promise<ExportOrderRow[]> {
  const q = db('orders as o')
    .join('suppliers as s', 's.id', 'o.supplier_pk')
    .join('organisations as g', 'g.id', 'o.org_pk')
    .whereIn(
      ['s.supplier_id', 'o.order_number'],
      refs.map((r) => [r.supplierId, r.orderNumber]),
    )
    .select('o.id', 's.supplier_id', 'o.order_number', 'g.org_id', 'o.po_number', 'o.order_date');
  return (await whereInScope(q, scope, 'o.org_pk', 'o.supplier_pk')) as ExportOrderRow[];
}

/** How many rows `inner` has, counted up to `cap + 1` (an enormous count costs no more than one just over the cap). */
async function countCapped(db: Knex, inner: Knex.QueryBuilder, cap: number): Promise<number> {
  const row = (await db.from(inner.select(db.raw('1')).limit(cap + 1).as('capped')).count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/**
 * The organisation's devices in these states, counted up to `cap + 1`, from the indexes
 * alone: with 'enrolled' among them, as the organisation's devices (org_pk, serial) less
 * those not enrolled and in none of the states (the partial (org_pk, state) index).
 */
export async function countDevicesInStates(db: Knex, orgPk: number, states: readonly DeviceState[], cap: number): Promise<number> {
  if (!states.includes('enrolled')) return countCapped(db, db('devices').where('org_pk', orgPk).whereIn('state', states).whereRaw(notEnrolled('state')), cap);
  // Two statements: a count checked against a limit before an export, not a figure shown.
  const excludedRow = (await db('devices').where('org_pk', orgPk).whereRaw(notEnrolled('state')).whereNotIn('state', states).count({ n: '*' }).first()) as { n: number | string } | undefined;
  const excluded = Number(excludedRow?.n ?? 0);
  // All of them counted up to cap + 1 beyond the excluded: more than that means more than cap in the states.
  const all = await countCapped(db, db('devices').where('org_pk', orgPk), cap + excluded);
  return Math.max(0, all - excluded);
}

/** The lines of these orders, counted up to `cap + 1`. */
export function countLinesOfOrders(db: Knex, orderPks: number[], cap: number): Promise<number> {
  return countCapped(db, db('order_lines').whereIn('order_pk', orderPks), cap);
}

/**
 * One batch of an organisation's devices in these states after `after`, in serial order.
 * The query starts at once (then()), so that the caller reads the next batch ahead.
 *
 * The batch's keys are chosen first, in a subquery of their own whose LIMIT stops either
 * database from merging it into the joins: it walks devices(org_pk, serial) and stops after
 * `limit` rows, and only those rows are then joined, by primary or unique key. Written as
 * one flat join, PostgreSQL may instead plan a merge join that reads order_lines from its
 * first serial on every batch, which makes a long export quadratic.
 */
export function heldDevicesBatch(db: Knex, orgPk: number, states: readonly DeviceState[], after: string, limit: number): Promise<HeldDeviceRow[]> {
  const keys = db('devices')
    .where('org_pk', orgPk)
    .whereIn('state', states)
    .where('serial', '>', after)
    .orderBy('serial')
    .limit(limit)
    .select('serial', 'state', 'family', 'asset_tag', 'server', 'supplier_pk', 'order_pk');
  return db
    .from(keys.as('d'))
    .leftJoin('suppliers as s', 's.id', 'd.supplier_pk')
    .leftJoin('orders as o', 'o.id', 'd.order_pk')
    .leftJoin('order_lines as l', function () {
      this.on('l.order_pk', '=', 'd.order_pk').andOn('l.serial', '=', 'd.serial');
    })
    .leftJoin('deliveries as dl', function () {
      this.on('dl.order_pk', '=', 'l.order_pk').andOn('dl.delivery_number', '=', 'l.delivery_number');
    })
    .orderBy('d.serial')
    .select(
      'd.serial',
      'd.state',
      'd.family',
      'd.asset_tag',
      'd.server',
      's.supplier_id',
      'o.order_number',
      'o.po_number',
      'o.order_date',
      'l.delivery_number',
      'dl.ship_date',
    )
    // A query builder runs when it is awaited; then() starts it now (the read-ahead).
    .then((rows) => rows as HeldDeviceRow[]);
}

/** One batch of an order's lines after `after`, in serial order, with their devices (keys first, as above). */
export function orderLinesBatch(db: Knex, orderPk: number, after: string, limit: number): Promise<ExportLineRow[]> {
  const keys = db('order_lines')
    .where('order_pk', orderPk)
    .where('serial', '>', after)
    .orderBy('serial')
    .limit(limit)
    .select('order_pk', 'serial', 'status', 'asset_tag', 'delivery_number');
  return db
    .from(keys.as('l'))
    .leftJoin('devices as d', 'd.serial', 'l.serial')
    .leftJoin('deliveries as dl', function () {
      this.on('dl.order_pk', '=', 'l.order_pk').andOn('dl.delivery_number', '=', 'l.delivery_number');
    })
    .orderBy('l.serial')
    .select(
      'l.serial',
      'l.status as line_status',
      'l.asset_tag as line_asset_tag',
      'l.delivery_number',
      'dl.ship_date',
      'd.state as device_state',
      'd.order_pk as device_order_pk',
      'd.family',
      'd.asset_tag',
      'd.server',
    )
    .then((rows) => rows as ExportLineRow[]);
}
