// CSV exports of devices: the devices of some orders, or every available device of one
// organisation (what the Apple Business Manager portal lists). An export may be millions
// of rows, so it is written as it is read, with memory that does not grow with the export:
//
// - keyset batches (`... AND serial > last ORDER BY serial LIMIT n`) over indexes that
//   hold the walk's order: devices(org_pk, serial) for the available devices,
//   order_lines unique(order_pk, serial) for an order. Each batch is one short statement,
//   so batch N costs what batch 1 does, and no transaction is held between batches: on
//   SQLite a long read would keep the single connection and stall every other request.
//   (knex's .stream() is not used: the sqlite3 driver buffers the whole result, and pg
//   needs pg-query-stream.)
// - a batch is encoded and handed to the sink while the next one is read (so the
//   database and the encoding overlap), and the one after is not read until the sink has
//   taken it (the HTTP sink waits for 'drain'): at most two batches are held, and a slow
//   client slows the export rather than filling the memory.
// - the caller's AbortSignal (the client went away) ends the loop: no query is started
//   after it, and the one in flight, if any, is dropped.
//
// Without a transaction an export is not a snapshot: a device that changes while the
// export runs appears as it was when its batch was read, and never twice (the keyset
// only moves forward). The scope of the caller is applied when the orders or the
// organisation are resolved, in SQL, before anything is written.
import type { Knex } from 'knex';
import { pendingReason } from '../domain/pending.js';
import type { Scope } from '../query/scope.js';
import { csvLine } from '../formats/csv/write.js';
import { EXPORT_LIMITS } from '../model/limits.js';

export const DEVICE_EXPORT_COLUMNS = [
  'serial',
  'state',
  'pending_reason',
  'family',
  'asset_tag',
  'server',
  'organisation',
  'supplier',
  'order_number',
  'po_number',
  'order_date',
  'delivery_number',
  'ship_date',
] as const;

/** The devices an organisation holds: what "available" means in the portal. */
const AVAILABLE_STATES = ['enrolled', 'pending'] as const;

/** An order resolved, in the caller's scope, with the header fields every row repeats. */
export interface ExportOrder {
  pk: number;
  supplierId: string;
  orderNumber: string;
  orgId: string;
  poNumber: string | null;
  orderDate: string;
  /**
   * Whether rows show the device-management server: the organisation's own setting, so
   * not to a reseller exporting the order it sold.
   */
  showServer: boolean;
}

export interface ExportOrg {
  pk: number;
  orgId: string;
}

export type DeviceExportSelection = { kind: 'available'; org: ExportOrg } | { kind: 'orders'; orders: ExportOrder[] };

export interface OrderRef {
  supplierId: string;
  orderNumber: string;
}

/** Where the CSV goes. write() resolves when the receiver can take more (backpressure). */
export interface ExportSink {
  write(text: string): Promise<void> | void;
}

export interface ExportOptions {
  /** Aborted when the receiver is gone: no further query is made. */
  signal?: AbortSignal;
  batchRows?: number;
  maxRows?: number;
  /** Filled as the export goes (and returned): what was sent, also when it fails. */
  progress?: ExportResult;
}

export interface ExportResult {
  rows: number;
  /** UTF-8 bytes handed to the sink, header included. */
  bytes: number;
  /** Keyset queries made. */
  batches: number;
  /** The signal ended the export before its last row. */
  stopped: boolean;
}

/** Thrown when the rows outgrow maxRows while streaming (they grew after the count). */
export class ExportLimitError extends Error {
  constructor(readonly maxRows: number) {
    super(`the export passed its limit of ${maxRows} rows while streaming`);
  }
}

/** Why a pending device waits: the same words as the device lookup's (src/domain/pending.ts). */
export { pendingReason };

/**
 * The orders of `refs` that `scope` may see, in the order asked, each once; or the first
 * ref that is missing or out of scope (the caller answers both alike, so that existence
 * does not leak).
 */
export async function resolveExportOrders(db: Knex, scope: Scope, refs: OrderRef[]): Promise<{ orders: ExportOrder[] } | { missing: OrderRef }> {
  if (refs.length < 1 || refs.length > EXPORT_LIMITS.maxOrders) throw new Error(`1..${EXPORT_LIMITS.maxOrders} orders expected, got ${refs.length}`);
  const unique = new Map<string, OrderRef>();
  for (const r of refs) unique.set(`${r.supplierId}\u0000${r.orderNumber}`, r);
  const q = db('orders as o')
    .join('suppliers as s', 's.id', 'o.supplier_pk')
    .join('organisations as g', 'g.id', 'o.org_pk')
    .whereIn(
      ['s.supplier_id', 'o.order_number'],
      [...unique.values()].map((r) => [r.supplierId, r.orderNumber]),
    )
    .select('o.id', 's.supplier_id', 'o.order_number', 'g.org_id', 'o.po_number', 'o.order_date');
  if (scope.kind === 'supplier') q.where('o.supplier_pk', scope.supplierPk);
  if (scope.kind === 'orgs') q.whereIn('o.org_pk', scope.orgPks);
  const rows = (await q) as { id: number; supplier_id: string; order_number: string; org_id: string; po_number: string | null; order_date: string }[];
  const found = new Map(rows.map((r) => [`${r.supplier_id}\u0000${r.order_number}`, r]));
  const orders: ExportOrder[] = [];
  for (const [key, ref] of unique) {
    const r = found.get(key);
    if (!r) return { missing: ref };
    orders.push({
      pk: Number(r.id),
      supplierId: r.supplier_id,
      orderNumber: r.order_number,
      orgId: r.org_id,
      poNumber: r.po_number,
      orderDate: r.order_date,
      showServer: scope.kind !== 'supplier',
    });
  }
  return { orders };
}

/** The organisation `orgId` if `scope` may see it (an organisation admin: only its own). */
export async function resolveExportOrg(db: Knex, scope: Scope, orgId: string): Promise<ExportOrg | undefined> {
  // A reseller has no organisation's device list: no organisation is in its scope.
  if (scope.kind === 'supplier') return undefined;
  const q = db('organisations').where('org_id', orgId).first('id', 'org_id');
  if (scope.kind === 'orgs') q.whereIn('id', scope.orgPks);
  const row = (await q) as { id: number; org_id: string } | undefined;
  return row ? { pk: Number(row.id), orgId: row.org_id } : undefined;
}

/**
 * How many rows the selection would export, counted up to `cap + 1` (so that an
 * enormous selection costs no more to refuse than one just over the limit).
 */
export async function countExportRows(db: Knex, selection: DeviceExportSelection, cap: number = EXPORT_LIMITS.maxRows): Promise<number> {
  const inner =
    selection.kind === 'available'
      ? db('devices').where('org_pk', selection.org.pk).whereIn('state', AVAILABLE_STATES).select(db.raw('1')).limit(cap + 1)
      : db('order_lines').whereIn('order_pk', selection.orders.map((o) => o.pk)).select(db.raw('1')).limit(cap + 1);
  const row = (await db.from(inner.as('capped')).count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

interface AvailableRow {
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

interface OrderLineRow {
  serial: string;
  line_status: string;
  line_asset_tag: string | null;
  delivery_number: string;
  ship_date: string | null;
  device_state: string | null;
  device_order_pk: number | null;
  family: string | null;
  asset_tag: string | null;
  server: string | null;
}

const text = (v: string | null | undefined): string => v ?? '';

/**
 * One batch of an organisation's available devices after `after`, in serial order.
 *
 * The batch's keys are chosen first, in a subquery of their own whose LIMIT stops either
 * database from merging it into the joins: it walks devices(org_pk, serial) and stops after
 * `limit` rows, and only those rows are then joined, by primary or unique key. Written as
 * one flat join, PostgreSQL may instead plan a merge join that reads order_lines from its
 * first serial on every batch, which makes a long export quadratic.
 */
function availableBatch(db: Knex, orgPk: number, after: string, limit: number): Promise<AvailableRow[]> {
  const keys = db('devices')
    .where('org_pk', orgPk)
    .whereIn('state', AVAILABLE_STATES)
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
    .then((rows) => rows as AvailableRow[]);
}

/** One batch of an order's lines after `after`, in serial order, with their devices (keys first, as above). */
function orderBatch(db: Knex, orderPk: number, after: string, limit: number): Promise<OrderLineRow[]> {
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
    .then((rows) => rows as OrderLineRow[]);
}

function availableLine(org: ExportOrg, r: AvailableRow): string {
  return csvLine([
    r.serial,
    r.state,
    r.state === 'pending' ? pendingReason(org.orgId, r.supplier_id) : '',
    text(r.family),
    text(r.asset_tag),
    text(r.server),
    org.orgId,
    text(r.supplier_id),
    text(r.order_number),
    text(r.po_number),
    text(r.order_date),
    text(r.delivery_number),
    text(r.ship_date),
  ]);
}

/**
 * A device as its order shows it. A live line is the device now (enrolled or pending,
 * its current tag and server). Any other line is history: the line's status (returned,
 * removed, voided, released) and the tag the order gave it, never the current holder's
 * tag or server, which may be another organisation's.
 */
function orderLine(order: ExportOrder, r: OrderLineRow): string {
  const live = r.line_status === 'live';
  if (live && (r.device_state === null || Number(r.device_order_pk) !== order.pk || (r.device_state !== 'enrolled' && r.device_state !== 'pending'))) {
    // One statement reads the line and its device, and enrollment writes both in one
    // transaction: a live line whose device is not held by its order is corruption.
    throw new Error(`order ${order.supplierId}:${order.orderNumber}: line ${r.serial} is live but its device is ${r.device_state ?? 'missing'}`);
  }
  const state = live ? r.device_state! : r.line_status;
  return csvLine([
    r.serial,
    state,
    state === 'pending' ? pendingReason(order.orgId, order.supplierId) : '',
    text(r.family),
    text(live ? r.asset_tag : r.line_asset_tag),
    live && order.showServer ? text(r.server) : '',
    order.orgId,
    order.supplierId,
    order.orderNumber,
    text(order.poNumber),
    order.orderDate,
    r.delivery_number,
    text(r.ship_date),
  ]);
}

/** One keyset walk: fetches batches after `after` until a short one, encoding each. */
interface Walk {
  fetch(after: string, limit: number): Promise<{ serial: string }[]>;
  encode(row: { serial: string }): string;
}

function walksOf(db: Knex, selection: DeviceExportSelection): Walk[] {
  if (selection.kind === 'available') {
    const org = selection.org;
    return [{ fetch: (after, limit) => availableBatch(db, org.pk, after, limit), encode: (r) => availableLine(org, r as AvailableRow) }];
  }
  return selection.orders.map((order) => ({
    fetch: (after, limit) => orderBatch(db, order.pk, after, limit),
    encode: (r) => orderLine(order, r as OrderLineRow),
  }));
}

/**
 * Writes the header and every row of `selection` to `sink`, batch by batch. Resolves when
 * done or when `signal` is aborted (stopped: true); rejects on a database error or
 * when the rows pass maxRows.
 */
export async function writeDeviceExport(db: Knex, selection: DeviceExportSelection, sink: ExportSink, opts: ExportOptions = {}): Promise<ExportResult> {
  const batchRows = opts.batchRows ?? EXPORT_LIMITS.batchRows;
  const maxRows = opts.maxRows ?? EXPORT_LIMITS.maxRows;
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new Error(`batchRows must be a positive integer, not ${batchRows}`);
  const result: ExportResult = Object.assign(opts.progress ?? {}, { rows: 0, bytes: 0, batches: 0, stopped: false });
  const stopped = (): boolean => {
    result.stopped = opts.signal?.aborted === true;
    return result.stopped;
  };
  // The header goes out with the first batch, so that a failure of the first query still
  // happens before the first byte (and can be answered as an error, not a cut transfer).
  let header = csvLine([...DEVICE_EXPORT_COLUMNS]) + '\r\n';
  const put = async (chunk: string): Promise<void> => {
    const out = header + chunk;
    header = '';
    result.bytes += Buffer.byteLength(out, 'utf8');
    await sink.write(out);
  };

  for (const walk of walksOf(db, selection)) {
    if (stopped()) return result;
    let after = '';
    let next: Promise<{ serial: string }[]> | undefined = walk.fetch(after, batchRows);
    result.batches++;
    try {
      while (next) {
        const rows = await next;
        next = undefined;
        if (stopped()) return result;
        if (rows.length === 0) break;
        if (result.rows + rows.length > maxRows) throw new ExportLimitError(maxRows);
        // The order is the database's (its collation), so the next key is simply the last
        // one read; a key equal to the previous batch's would walk forever.
        const last = rows[rows.length - 1]!.serial;
        if (last === after) throw new Error(`export keyset did not advance at serial ${last}`);
        after = last;
        // The next batch is read while this one is encoded and sent, so the database and
        // the encoding overlap; at most two batches are held at once.
        if (rows.length === batchRows && !stopped()) {
          next = walk.fetch(after, batchRows);
          result.batches++;
        }
        let chunk = '';
        for (const r of rows) chunk += walk.encode(r) + '\r\n';
        await put(chunk);
        result.rows += rows.length;
      }
    } finally {
      // Ended early (stopped, or failed): the batch in flight, if any, is dropped.
      next?.catch(() => undefined);
    }
  }
  if (stopped()) return result;
  // An export of no rows is its header.
  if (header !== '') await put('');
  return result;
}
