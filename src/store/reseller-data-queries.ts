// What resellers sent, as their readers list it (src/query/reseller-data.ts): documents
// from every channel and reseller-API transactions, newest first (by row id: the order
// they were received in), with counts the database works out so that no document's
// errors or transaction's outcome is shipped to be parsed.
import type { Knex } from 'knex';
import type { PageRequest } from '../model/reads.js';
import { isPostgres } from './db.js';

/** Whose rows and which, as the columns hold them; bounds are ISO-8601 text. */
interface ReceivedFilter {
  /** Only this supplier's rows. */
  supplierPk?: number;
  receivedAtLeast?: string;
  receivedBefore?: string;
}

export interface DocumentFilter extends ReceivedFilter {
  status?: string;
  format?: string;
  channel?: string;
}

export interface TransactionFilter extends ReceivedFilter {
  statusCode?: string;
}

export interface DocumentListing {
  pk: number;
  documentId: string;
  supplierId: string;
  channel: string;
  fileName: string;
  format: string;
  mappingId: string | null;
  status: string;
  receivedAt: string;
  processedAt: string | null;
  /** Orders, ship notices and devices the document held (its summary as recorded). */
  summary: Record<string, number>;
  /** Document-level errors recorded (bounded by intake's maxErrorsPerDocument). */
  errorCount: number;
}

export interface TransactionListing {
  pk: number;
  transactionId: string;
  enrollmentId: string;
  supplierId: string;
  statusCode: string;
  receivedAt: string;
  completedAt: string;
  orderCount: number;
  errorCount: number;
}

interface DocumentListRow {
  id: number;
  document_id: string;
  supplier_id: string;
  channel: string;
  file_name: string;
  format: string;
  mapping_id: string | null;
  status: string;
  received_at: string;
  processed_at: string | null;
  summary_json: string;
  error_count: number | string | null;
}

interface TransactionListRow {
  id: number;
  transaction_id: string;
  enrollment_id: string;
  supplier_id: string;
  status_code: string;
  received_at: string;
  completed_at: string;
  order_count: number | string | null;
  error_count: number | string | null;
}

/** Each supplier condition a list applies: its scope's supplier and the operator's filter (both when given). */
function whereReceived(q: Knex.QueryBuilder, table: 'd' | 't', suppliers: (number | undefined)[], f: ReceivedFilter, page: PageRequest): void {
  for (const pk of suppliers) if (pk !== undefined) q.where(`${table}.supplier_pk`, pk);
  if (f.receivedAtLeast !== undefined) q.where(`${table}.received_at`, '>=', f.receivedAtLeast);
  if (f.receivedBefore !== undefined) q.where(`${table}.received_at`, '<', f.receivedBefore);
  if (page.beforePk !== undefined) q.where(`${table}.id`, '<', page.beforePk);
}

/**
 * Documents newest first, `limit + 1` of them (the extra one says another page follows);
 * only `ownSupplierPk`'s when given. The error count is the JSON array's length.
 */
export async function documentsNewestFirst(db: Knex, ownSupplierPk: number | undefined, f: DocumentFilter, page: PageRequest): Promise<DocumentListing[]> {
  const errorCount = isPostgres(db) ? db.raw('json_array_length(d.errors_json::json) as error_count') : db.raw('json_array_length(d.errors_json) as error_count');
  const q = db('documents as d')
    .join('suppliers as s', 's.id', 'd.supplier_pk')
    .select('d.id', 'd.document_id', 's.supplier_id', 'd.channel', 'd.file_name', 'd.format', 'd.mapping_id', 'd.status', 'd.received_at', 'd.processed_at', 'd.summary_json', errorCount)
    .orderBy('d.id', 'desc')
    .limit(page.limit + 1);
  if (f.status !== undefined) q.where('d.status', f.status);
  if (f.format !== undefined) q.where('d.format', f.format);
  if (f.channel !== undefined) q.where('d.channel', f.channel);
  whereReceived(q, 'd', [ownSupplierPk, f.supplierPk], f, page);
  const rows = (await q) as DocumentListRow[];
  return rows.map((r) => ({
    pk: Number(r.id),
    documentId: r.document_id,
    supplierId: r.supplier_id,
    channel: r.channel,
    fileName: r.file_name,
    format: r.format,
    mappingId: r.mapping_id,
    status: r.status,
    receivedAt: r.received_at,
    processedAt: r.processed_at,
    summary: JSON.parse(r.summary_json) as Record<string, number>,
    errorCount: Number(r.error_count ?? 0),
  }));
}

/** Reseller-API transactions newest first, `limit + 1` of them, as documentsNewestFirst. */
export async function transactionsNewestFirst(db: Knex, ownSupplierPk: number | undefined, f: TransactionFilter, page: PageRequest): Promise<TransactionListing[]> {
  // From the transaction's outcome rows: its order items, and every coded order, delivery and device.
  const orderCount = db.raw(`(select count(*) from document_items i where i.document_pk = t.document_pk and i.kind = 'order') as order_count`);
  const errorCount = db.raw(
    `((select count(*) from document_items i where i.document_pk = t.document_pk and i.code is not null)
      + (select coalesce(sum(d.coded_count), 0) from document_item_devices d where d.document_pk = t.document_pk)) as error_count`,
  );
  const q = db('transactions as t')
    .join('suppliers as s', 's.id', 't.supplier_pk')
    .select('t.id', 't.transaction_id', 't.enrollment_id', 's.supplier_id', 't.status_code', 't.received_at', 't.completed_at', orderCount, errorCount)
    .orderBy('t.id', 'desc')
    .limit(page.limit + 1);
  if (f.statusCode !== undefined) q.where('t.status_code', f.statusCode);
  whereReceived(q, 't', [ownSupplierPk, f.supplierPk], f, page);
  const rows = (await q) as TransactionListRow[];
  return rows.map((r) => ({
    pk: Number(r.id),
    transactionId: r.transaction_id,
    enrollmentId: r.enrollment_id,
    supplierId: r.supplier_id,
    statusCode: r.status_code,
    receivedAt: r.received_at,
    completedAt: r.completed_at,
    orderCount: Number(r.order_count ?? 0),
    errorCount: Number(r.error_count ?? 0),
  }));
}
