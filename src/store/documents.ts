// Received documents: raw bytes (content-addressed, in chunks, never changed), the
// document record and its items, purchase-order headers on file, X12 interchanges seen.
import { promisify } from 'node:util';
import { constants as zlibConstants, gunzip, gzip } from 'node:zlib';
import type { Knex } from 'knex';
import { chunks } from './chunks.js';
import { insertReturningId } from './db.js';
import { insertBehind } from './write-behind.js';
import { INTAKE_LIMITS, STORE_LIMITS } from '../model/limits.js';
import type { OrderHeaderOnFile } from '../model/commands.js';
import type { DocumentStatus, DocumentSummary, ShipNotice } from '../model/documents.js';
import type { PostStatus } from '../model/enrollment.js';
import { deleteDeviceOutcomes } from './outcomes.js';


export interface DocumentRow {
  id: number;
  document_id: string;
  supplier_pk: number;
  channel: string;
  file_name: string;
  format: string;
  mapping_id: string | null;
  sha256: string;
  size_bytes: number | string;
  actor: string;
  received_at: string;
  status: DocumentStatus | 'processing';
  summary_json: string;
  errors_json: string;
  x12_json: string | null;
  processed_at: string | null;
  replays: number;
  mapping_sha256: string | null;
  duplicate_of_pk: number | null;
  /** The mapping's `acks` when the document was read (JSON); null before migration 016 or without a mapping. */
  acks_json: string | null;
}

export interface ItemRow {
  id: number;
  document_pk: number;
  seq: number;
  unit: string | null;
  kind: ItemKind;
  supplier_pk: number;
  order_number: string;
  delivery_number: string | null;
  at: string;
  status: ItemStatus;
  device_count: number;
  refused_count: number;
  outcome_json: string | null;
  notice_json: string | null;
  applied_by_document_pk: number | null;
  updated_at: string;
  /** The item's refusal or pending reason, if any. */
  code: string | null;
  params_json: string | null;
}

/**
 * A file's items are purchase orders and ship notices; a reseller-API transaction's are
 * its orders and their deliveries.
 */
export type ItemKind = 'purchaseOrder' | 'shipNotice' | 'order' | 'delivery';

/**
 * Files' items: open: a purchase order on file, waiting for its ship notices;
 * applied / applied_with_errors: through the enrollment rules (some devices refused);
 * awaiting_order: a ship notice whose order has not arrived;
 * rejected: refused (its unit or its whole document was not applied).
 */
export type ItemStatus = 'open' | 'applied' | 'applied_with_errors' | 'awaiting_order' | 'rejected' | PostStatus;

/**
 * Stores a document's bytes under their hash, unless they are stored already. `chunks`
 * are the bytes in order, each at most INTAKE_LIMITS.contentChunkBytes long (one row each).
 */
export async function storeContent(trx: Knex, sha256: string, chunks: AsyncIterable<Buffer>): Promise<void> {
  const existing = await trx('document_content').where({ sha256, seq: 0 }).first('seq');
  if (existing) return;
  // Kept gzipped (level 1: a ship-notice CSV of serials shrinks about fivefold, at some
  // 250 MB/s), which is fewer bytes through the database's journal and on its disk; the
  // CRC of each chunk proves on reading that the bytes are the ones received. Compressed
  // off this thread, a few chunks ahead of their insert.
  const compressing: Promise<Buffer>[] = [];
  let seq = 0;
  const insertNext = async () => {
    const bytes = await compressing.shift()!;
    await trx('document_content').insert({ sha256, seq: seq++, bytes, encoding: 'gzip' });
  };
  for await (const chunk of chunks) {
    if (chunk.length > INTAKE_LIMITS.contentChunkBytes) throw new Error(`invariant: a content chunk of ${chunk.length} bytes`);
    compressing.push(gzipAsync(chunk, { level: zlibConstants.Z_BEST_SPEED }));
    if (compressing.length >= INTAKE_LIMITS.contentCompressionAhead) await insertNext();
  }
  while (compressing.length > 0) await insertNext();
  if (seq === 0) await trx('document_content').insert({ sha256, seq: 0, bytes: Buffer.alloc(0), encoding: 'identity' });
}

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** The raw bytes, chunk by chunk, in order (as received, whichever way a chunk is kept). */
export async function* readContent(db: Knex, sha256: string): AsyncIterable<Buffer> {
  for (let seq = 0; ; seq++) {
    const row = (await db('document_content').where({ sha256, seq }).first('bytes', 'encoding')) as { bytes: Buffer; encoding: string } | undefined;
    if (!row) return;
    if (row.encoding !== 'gzip' && row.encoding !== 'identity') throw new Error(`invariant: content ${sha256} chunk ${seq} is kept as ${row.encoding}`);
    const bytes = row.encoding === 'gzip' ? await gunzipAsync(row.bytes) : Buffer.from(row.bytes);
    if (bytes.length > 0) yield bytes;
  }
}

export async function findDocumentByHash(db: Knex, supplierPk: number, sha256: string): Promise<DocumentRow | undefined> {
  return (await db('documents').where({ supplier_pk: supplierPk, sha256 }).first()) as DocumentRow | undefined;
}

export async function findDocument(db: Knex, documentId: string): Promise<DocumentRow | undefined> {
  return (await db('documents').where({ document_id: documentId }).first()) as DocumentRow | undefined;
}

export async function findDocumentByPk(db: Knex, pk: number): Promise<DocumentRow | undefined> {
  return (await db('documents').where({ id: pk }).first()) as DocumentRow | undefined;
}

export async function insertDocument(trx: Knex, row: Omit<DocumentRow, 'id' | 'replays' | 'duplicate_of_pk'>): Promise<number> {
  return insertReturningId(trx, 'documents', row);
}

export async function updateDocument(trx: Knex, pk: number, fields: Partial<Omit<DocumentRow, 'id'>>): Promise<void> {
  await trx('documents').where({ id: pk }).update(fields);
}

export async function insertItem(trx: Knex, row: Omit<ItemRow, 'id'>): Promise<void> {
  await trx('document_items').insert(row);
}

/** Items in multi-row inserts: a transaction's orders and deliveries, a few hundred rows a statement. */
export async function insertItems(trx: Knex, rows: Omit<ItemRow, 'id'>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += STORE_LIMITS.writeBatchRows / 4) await insertBehind(trx, trx('document_items').insert(rows.slice(i, i + STORE_LIMITS.writeBatchRows / 4)));
}

export async function updateItem(trx: Knex, pk: number, fields: Partial<Omit<ItemRow, 'id'>>): Promise<void> {
  await trx('document_items').where({ id: pk }).update(fields);
}

/** A document's items counted per kind and status, with their devices and refused devices. */
export async function itemTallies(db: Knex, documentPk: number): Promise<{ kind: ItemKind; status: string; items: number; devices: number; refused: number }[]> {
  const rows = (await db('document_items')
    .where({ document_pk: documentPk })
    .select('kind', 'status')
    .count({ n: '*' })
    .sum({ devices: 'device_count', refused: 'refused_count' })
    .groupBy('kind', 'status')) as { kind: ItemKind; status: string; n: number | string; devices: number | string | null; refused: number | string | null }[];
  return rows.map((r) => ({ kind: r.kind, status: r.status, items: Number(r.n), devices: Number(r.devices ?? 0), refused: Number(r.refused ?? 0) }));
}

export async function itemsOf(db: Knex, documentPk: number): Promise<ItemRow[]> {
  return (await db('document_items').where({ document_pk: documentPk }).orderBy('seq')) as ItemRow[];
}

/** Ship notices of one order that wait for it, oldest first. */
export async function awaitingNotices(trx: Knex, supplierPk: number, orderNumber: string): Promise<(ItemRow & { notice: ShipNotice })[]> {
  const rows = (await trx('document_items')
    .where({ supplier_pk: supplierPk, order_number: orderNumber, status: 'awaiting_order', kind: 'shipNotice' })
    .orderBy('id')) as ItemRow[];
  return rows.map((r) => ({ ...r, notice: JSON.parse(r.notice_json!) as ShipNotice }));
}

export async function findOrderHeaderOnFile(trx: Knex, supplierPk: number, orderNumber: string): Promise<OrderHeaderOnFile | undefined> {
  return (await findOrderHeadersOnFile(trx, supplierPk, [orderNumber])).get(orderNumber);
}

/**
 * The headers on file of these order numbers: each one's purchase order when there is one;
 * else an order that came through the reseller API (or applied earlier) has its header in
 * orders. One statement for both (a UNION ALL), for one order number or a batch of them.
 */
export async function findOrderHeadersOnFile(trx: Knex, supplierPk: number, orderNumbers: readonly string[]): Promise<Map<string, OrderHeaderOnFile>> {
  const out = new Map<string, OrderHeaderOnFile>();
  for (const part of chunks([...new Set(orderNumbers)])) {
    const rows = (await trx
      .select(trx.raw('1 as source'), 'order_number', 'order_type', trx.raw('cast(null as varchar) as kind'), 'order_date', 'customer_id', 'po_number')
      .from('purchase_orders')
      .where({ supplier_pk: supplierPk })
      .whereIn('order_number', part)
      .unionAll((q) => {
        q.select(trx.raw('2 as source'), 'order_number', trx.raw('cast(null as varchar) as order_type'), 'kind', 'order_date', 'customer_id', 'po_number')
          .from('orders')
          .where({ supplier_pk: supplierPk })
          .whereIn('order_number', part);
      })) as {
      source: number | string;
      order_number: string;
      order_type: OrderHeaderOnFile['orderType'] | null;
      kind: 'sale' | 'return' | null;
      order_date: string;
      customer_id: string;
      po_number: string | null;
    }[];
    // The purchase order's header over the order's.
    rows.sort((a, b) => Number(a.source) - Number(b.source));
    for (const found of rows) {
      if (out.has(found.order_number)) continue;
      out.set(found.order_number, {
        orderNumber: found.order_number,
        orderType: found.order_type ?? (found.kind === 'return' ? 'RE' : 'OR'),
        orderDate: found.order_date,
        customerId: found.customer_id,
        poNumber: found.po_number,
      });
    }
  }
  return out;
}

/** Which of these order numbers have ship notices waiting for them. */
export async function ordersAwaited(trx: Knex, supplierPk: number, orderNumbers: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks([...new Set(orderNumbers)])) {
    const rows = (await trx('document_items')
      .where({ supplier_pk: supplierPk, status: 'awaiting_order', kind: 'shipNotice' })
      .whereIn('order_number', part)
      .distinct('order_number')) as { order_number: string }[];
    for (const r of rows) out.add(r.order_number);
  }
  return out;
}

export interface PurchaseOrderRow {
  supplier_pk: number;
  order_number: string;
  order_type: string;
  order_date: string;
  customer_id: string;
  po_number: string | null;
  org_pk: number;
  lines_json: string;
  document_pk: number;
  updated_at: string;
}

/** Files purchase orders: new ones inserted, those on file (by reseller and number) replaced. */
export async function upsertPurchaseOrders(trx: Knex, rows: PurchaseOrderRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += STORE_LIMITS.writeBatchRows / 4) {
    await insertBehind(
      trx,
      trx('purchase_orders')
        .insert(rows.slice(i, i + STORE_LIMITS.writeBatchRows / 4))
        .onConflict(['supplier_pk', 'order_number'])
        .merge(['order_type', 'order_date', 'customer_id', 'po_number', 'org_pk', 'lines_json', 'document_pk', 'updated_at']),
    );
  }
}

export async function findInterchange(db: Knex, supplierPk: number, controlNumber: string): Promise<{ document_pk: number } | undefined> {
  return (await db('x12_interchanges').where({ supplier_pk: supplierPk, control_number: controlNumber }).first('document_pk')) as
    | { document_pk: number }
    | undefined;
}

export async function insertInterchange(trx: Knex, supplierPk: number, controlNumber: string, documentPk: number): Promise<void> {
  await trx('x12_interchanges').insert({ supplier_pk: supplierPk, control_number: controlNumber, document_pk: documentPk });
}

export function emptySummary(): DocumentSummary {
  return { purchaseOrders: 0, shipNotices: 0, devices: 0, devicesEnrolled: 0, devicesRefused: 0, devicesAwaiting: 0 };
}

export interface DocumentListFilter {
  supplierPk?: number;
  status?: string;
  limit: number;
  beforePk?: number;
}

export async function listDocuments(db: Knex, filter: DocumentListFilter): Promise<DocumentRow[]> {
  const q = db('documents').orderBy('id', 'desc').limit(filter.limit);
  if (filter.supplierPk !== undefined) q.where('supplier_pk', filter.supplierPk);
  if (filter.status) q.where('status', filter.status);
  if (filter.beforePk !== undefined) q.where('id', '<', filter.beforePk);
  return (await q) as DocumentRow[];
}

/** Whether the supplier's order number has volume credit lines on file. */
export async function creditOrderOnFile(db: Knex, supplierPk: number, orderNumber: string): Promise<boolean> {
  return (await db('credit_order_lines').where({ supplier_pk: supplierPk, order_number: orderNumber }).first('id')) !== undefined;
}

/** Whether the supplier's order number is an enrollment order (devices shipped under it). */
export async function enrollmentOrderOnFile(db: Knex, supplierPk: number, orderNumber: string): Promise<boolean> {
  return (await db('orders').where({ supplier_pk: supplierPk, order_number: orderNumber }).first('id')) !== undefined;
}

/** A document's items and device outcomes, removed before it is applied again (a replay). */
export async function clearDocumentOutcome(trx: Knex, documentPk: number): Promise<void> {
  await deleteDeviceOutcomes(trx, documentPk);
  await trx('document_items').where({ document_pk: documentPk }).delete();
}
