// What resellers sent and what became of it: their documents (from every channel) and
// their reseller-API transactions, listed newest first and read one at a time.
//
// The scope is a WHERE clause in each query, never a check afterwards: a reseller's list
// holds only its own rows, and its read of another reseller's transaction finds nothing,
// exactly like a transaction that does not exist. Documents and transactions belong to
// suppliers, not organisations: an organisation-scoped principal is never given these
// queries (asserted below), so a route that lets one through fails loudly, not open.
import type { Knex } from 'knex';
import { dayBounds, isRefusal, type DayRange, type FilterRefusal } from './days.js';
import type { CodedError } from '../model/error-codes.js';
import { isPostgres } from '../store/db.js';
import { findTransactionByClientId, type StoredTransaction } from '../store/transactions.js';
import type { Scope } from './scope.js';
import type { TransactionOutcome } from '../model/enrollment.js';

/** The supplier a scope limits rows to, or undefined for every supplier. */
function supplierOfScope(scope: Scope): number | undefined {
  if (scope.kind === 'supplier') return scope.supplierPk;
  if (scope.kind === 'all') return undefined;
  throw new Error('documents and transactions are read by suppliers and operators only, not with an organisation scope');
}

// ---------------------------------------------------------------------------------------
// Documents

export interface DocumentFilter extends DayRange {
  /** The operator's `supplier` filter; a reseller is limited by its scope. */
  supplierPk?: number;
  status?: string;
  format?: string;
  channel?: string;
}

/** A page: at most `limit` rows, strictly older than the row `beforePk` (the cursor). */
export interface PageRequest {
  limit: number;
  beforePk?: number;
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

/**
 * Documents newest first (by their row id: the order they were received in). Fetches
 * limit + 1 rows so the caller knows whether another page follows. The error count is
 * computed by the database (JSON array length), so the errors are not shipped or parsed.
 */
export async function listDocuments(db: Knex, scope: Scope, filter: DocumentFilter, page: PageRequest): Promise<DocumentListing[] | FilterRefusal> {
  const bounds = dayBounds(filter);
  if (isRefusal(bounds)) return bounds;
  const errorCount = isPostgres(db) ? db.raw('json_array_length(d.errors_json::json) as error_count') : db.raw('json_array_length(d.errors_json) as error_count');
  const q = db('documents as d')
    .join('suppliers as s', 's.id', 'd.supplier_pk')
    .select('d.id', 'd.document_id', 's.supplier_id', 'd.channel', 'd.file_name', 'd.format', 'd.mapping_id', 'd.status', 'd.received_at', 'd.processed_at', 'd.summary_json', errorCount)
    .orderBy('d.id', 'desc')
    .limit(page.limit + 1);
  const own = supplierOfScope(scope);
  if (own !== undefined) q.where('d.supplier_pk', own);
  if (filter.supplierPk !== undefined) q.where('d.supplier_pk', filter.supplierPk);
  if (filter.status !== undefined) q.where('d.status', filter.status);
  if (filter.format !== undefined) q.where('d.format', filter.format);
  if (filter.channel !== undefined) q.where('d.channel', filter.channel);
  if (bounds.atLeast !== undefined) q.where('d.received_at', '>=', bounds.atLeast);
  if (bounds.before !== undefined) q.where('d.received_at', '<', bounds.before);
  if (page.beforePk !== undefined) q.where('d.id', '<', page.beforePk);
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

// ---------------------------------------------------------------------------------------
// Reseller-API transactions

export interface TransactionFilter extends DayRange {
  supplierPk?: number;
  statusCode?: string;
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

/** Reseller-API transactions newest first; limit + 1 rows, as listDocuments. */
export async function listTransactions(db: Knex, scope: Scope, filter: TransactionFilter, page: PageRequest): Promise<TransactionListing[] | FilterRefusal> {
  const bounds = dayBounds(filter);
  if (isRefusal(bounds)) return bounds;
  // From the transaction's outcome rows: its order items, and every coded order, delivery and device.
  const orderCount = db.raw(`(select count(*) from document_items i where i.document_pk = t.document_pk and i.kind = 'order') as order_count`);
  const errorCount = db.raw(
    `((select count(*) from document_items i where i.document_pk = t.document_pk and i.code is not null)
      + (select count(*) from document_devices d where d.document_pk = t.document_pk and d.code is not null)) as error_count`,
  );
  const q = db('transactions as t')
    .join('suppliers as s', 's.id', 't.supplier_pk')
    .select('t.id', 't.transaction_id', 't.enrollment_id', 's.supplier_id', 't.status_code', 't.received_at', 't.completed_at', orderCount, errorCount)
    .orderBy('t.id', 'desc')
    .limit(page.limit + 1);
  const own = supplierOfScope(scope);
  if (own !== undefined) q.where('t.supplier_pk', own);
  if (filter.supplierPk !== undefined) q.where('t.supplier_pk', filter.supplierPk);
  if (filter.statusCode !== undefined) q.where('t.status_code', filter.statusCode);
  if (bounds.atLeast !== undefined) q.where('t.received_at', '>=', bounds.atLeast);
  if (bounds.before !== undefined) q.where('t.received_at', '<', bounds.before);
  if (page.beforePk !== undefined) q.where('t.id', '<', page.beforePk);
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

/**
 * One transaction of `supplierPk`, within the scope: a reseller asking for another
 * supplier's transaction gets undefined, as for one that does not exist.
 */
export async function findTransaction(db: Knex, scope: Scope, supplierPk: number, transactionId: string): Promise<StoredTransaction | undefined> {
  const own = supplierOfScope(scope);
  if (own !== undefined && own !== supplierPk) return undefined;
  return findTransactionByClientId(db, supplierPk, transactionId);
}

/** One coded error of an outcome, with where it sits: order, delivery, device. */
export interface OutcomeError {
  orderNumber: string;
  deliveryNumber: string | null;
  deviceId: string | null;
  error: CodedError;
}

/** Every error of an outcome, in order: each order's, then its deliveries' and their devices'. */
export function outcomeErrors(outcome: TransactionOutcome): OutcomeError[] {
  const out: OutcomeError[] = [];
  for (const o of outcome.orders ?? []) {
    if (o.error) out.push({ orderNumber: o.orderNumber, deliveryNumber: null, deviceId: null, error: o.error });
    for (const d of o.deliveries) {
      if (d.error) out.push({ orderNumber: o.orderNumber, deliveryNumber: d.deliveryNumber, deviceId: null, error: d.error });
      for (const x of d.devices) {
        if (x.error) out.push({ orderNumber: o.orderNumber, deliveryNumber: d.deliveryNumber, deviceId: x.deviceId, error: x.error });
      }
    }
  }
  return out;
}

/** Per order: its status, deliveries, devices and refused devices. */
export function outcomeOrders(outcome: TransactionOutcome): { orderNumber: string; status: string; deliveries: number; devices: number; devicesRefused: number }[] {
  return (outcome.orders ?? []).map((o) => {
    let devices = 0;
    let refused = 0;
    for (const d of o.deliveries) {
      devices += d.devices.length;
      for (const x of d.devices) if (x.status !== 'COMPLETE') refused++;
    }
    return { orderNumber: o.orderNumber, status: o.status, deliveries: o.deliveries.length, devices, devicesRefused: refused };
  });
}
