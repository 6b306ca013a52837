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
import { orderDeviceStatus } from '../domain/order-lines.js';
import { pendingReason } from '../domain/pending.js';
import type { Scope } from '../model/reads.js';
import type { DeviceState } from '../model/state.js';
import {
  countDevicesInStates,
  countLinesOfOrders,
  heldDevicesBatch,
  orderLinesBatch,
  ordersByRefInScope,
  type ExportLineRow,
  type HeldDeviceRow,
} from '../store/device-export-queries.js';
import { findOrganisationInScope } from '../store/organisation-queries.js';
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
const AVAILABLE_STATES: readonly DeviceState[] = ['enrolled', 'pending'];

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
  const rows = await ordersByRefInScope(db, scope, [...unique.values()]);
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
  const row = await findOrganisationInScope(db, scope, orgId);
  return row ? { pk: row.pk, orgId: row.orgId } : undefined;
}

/**
 * How many rows the selection would export, counted up to `cap + 1` (so that an
 * enormous selection costs no more to refuse than one just over the limit).
 */
export async function countExportRows(db: Knex, selection: DeviceExportSelection, cap: number = EXPORT_LIMITS.maxRows): Promise<number> {
  return selection.kind === 'available'
    ? countDevicesInStates(db, selection.org.pk, AVAILABLE_STATES, cap)
    : countLinesOfOrders(db, selection.orders.map((o) => o.pk), cap);
}

const text = (v: string | null | undefined): string => v ?? '';

function availableLine(org: ExportOrg, r: HeldDeviceRow): string {
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
function orderLine(order: ExportOrder, r: ExportLineRow): string {
  const live = r.line_status === 'live';
  const state = orderDeviceStatus(r.line_status, r.device_state, r.device_order_pk !== null && Number(r.device_order_pk) === order.pk);
  if (state === undefined) {
    // One statement reads the line and its device, and enrollment writes both in one
    // transaction: a live line whose device is not held by its order is corruption.
    throw new Error(`order ${order.supplierId}:${order.orderNumber}: line ${r.serial} is live but its device is ${r.device_state ?? 'missing'}`);
  }
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
    return [{ fetch: (after, limit) => heldDevicesBatch(db, org.pk, AVAILABLE_STATES, after, limit), encode: (r) => availableLine(org, r as HeldDeviceRow) }];
  }
  return selection.orders.map((order) => ({
    fetch: (after, limit) => orderLinesBatch(db, order.pk, after, limit),
    encode: (r) => orderLine(order, r as ExportLineRow),
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
