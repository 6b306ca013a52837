// Reseller-API transactions: the protocol's index over received documents (the
// reseller's transaction id, the enrollment id answered, the digest of the body it acted
// on, the status) and the outcome, rebuilt from the document's outcome rows: its items
// (an order, then each of its deliveries) and its devices.
import type { Knex } from 'knex';
import { insertReturningId } from './db.js';
import type { DeviceOutcome, OrderOutcome, PostStatus, TransactionOutcome, TransactionStatus } from '../model/enrollment.js';
import type { CodedError, MessageParams } from '../model/error-codes.js';
import { deviceOutcomesOf } from './outcomes.js';

export interface TransactionRecord {
  pk: number;
  supplierPk: number;
  transactionId: string;
  enrollmentId: string;
  bodySha256: string;
  /** The received document the transaction was applied from. */
  documentPk: number;
  statusCode: TransactionStatus;
  receivedAt: string;
  completedAt: string;
}

export interface StoredTransaction extends TransactionRecord {
  outcome: TransactionOutcome;
}

interface TransactionRow {
  id: number;
  supplier_pk: number;
  transaction_id: string;
  enrollment_id: string;
  body_sha256: string;
  document_pk: number;
  status_code: string;
  received_at: string;
  completed_at: string;
}

function rowToRecord(r: TransactionRow): TransactionRecord {
  return {
    pk: r.id,
    supplierPk: r.supplier_pk,
    transactionId: r.transaction_id,
    enrollmentId: r.enrollment_id,
    bodySha256: r.body_sha256,
    documentPk: r.document_pk,
    statusCode: r.status_code as TransactionStatus,
    receivedAt: r.received_at,
    completedAt: r.completed_at,
  };
}

export async function findTransactionRecord(db: Knex, supplierPk: number, transactionId: string): Promise<TransactionRecord | undefined> {
  const row = (await db('transactions').where({ supplier_pk: supplierPk, transaction_id: transactionId }).first()) as TransactionRow | undefined;
  return row && rowToRecord(row);
}

export async function findTransactionOfDocument(db: Knex, documentPk: number): Promise<TransactionRecord | undefined> {
  const row = (await db('transactions').where({ document_pk: documentPk }).first()) as TransactionRow | undefined;
  return row && rowToRecord(row);
}

async function withOutcome(db: Knex, record: TransactionRecord | undefined): Promise<StoredTransaction | undefined> {
  return record && { ...record, outcome: await transactionOutcome(db, record.documentPk, record.statusCode) };
}

export async function findTransactionByClientId(db: Knex, supplierPk: number, transactionId: string): Promise<StoredTransaction | undefined> {
  return withOutcome(db, await findTransactionRecord(db, supplierPk, transactionId));
}

export async function findTransactionByEnrollmentId(db: Knex, enrollmentId: string): Promise<StoredTransaction | undefined> {
  const row = (await db('transactions').where({ enrollment_id: enrollmentId }).first()) as TransactionRow | undefined;
  return withOutcome(db, row && rowToRecord(row));
}

/** Starts the record of a transaction about to apply: orders and device events name it. */
export async function insertTransaction(
  db: Knex,
  t: { supplierPk: number; transactionId: string; enrollmentId: string; bodySha256: string; documentPk: number; receivedAt: string },
): Promise<number> {
  return insertReturningId(db, 'transactions', {
    supplier_pk: t.supplierPk,
    transaction_id: t.transactionId,
    enrollment_id: t.enrollmentId,
    body_sha256: t.bodySha256,
    document_pk: t.documentPk,
    status_code: 'PROCESSING',
    received_at: t.receivedAt,
    completed_at: t.receivedAt,
  });
}

export async function completeTransaction(db: Knex, pk: number, statusCode: TransactionStatus, completedAt: string): Promise<void> {
  await db('transactions').where({ id: pk }).update({ status_code: statusCode, completed_at: completedAt });
}

interface ItemOutcomeRow {
  seq: number;
  kind: string;
  order_number: string;
  delivery_number: string | null;
  status: string;
  code: string | null;
  params_json: string | null;
}

function errorOf(code: string | null, paramsJson: string | null): CodedError | undefined {
  if (!code) return undefined;
  return { code, ...(paramsJson ? { params: JSON.parse(paramsJson) as MessageParams } : {}) } as CodedError;
}

/**
 * A transaction's outcome as the protocol reports it, from its document's rows: each
 * order item followed by its delivery items, each delivery's devices in order. A device
 * with a code was refused with it; one without was accepted (COMPLETE).
 */
export async function transactionOutcome(db: Knex, documentPk: number, statusCode: TransactionStatus): Promise<TransactionOutcome> {
  const items = (await db('document_items')
    .where({ document_pk: documentPk })
    .whereIn('kind', ['order', 'delivery'])
    .orderBy('seq')
    .select('seq', 'kind', 'order_number', 'delivery_number', 'status', 'code', 'params_json')) as ItemOutcomeRow[];
  const byItem = new Map<number, DeviceOutcome[]>();
  for await (const d of deviceOutcomesOf(db, documentPk)) {
    let list = byItem.get(d.item_seq);
    if (!list) byItem.set(d.item_seq, (list = []));
    const error = errorOf(d.code, d.params_json);
    list.push(error ? { deviceId: d.serial, status: error.code, error } : { deviceId: d.serial, status: 'COMPLETE' });
  }
  const orders: OrderOutcome[] = [];
  for (const item of items) {
    const error = errorOf(item.code, item.params_json);
    if (item.kind === 'order') {
      orders.push({ orderNumber: item.order_number, status: item.status as PostStatus, ...(error ? { error } : {}), deliveries: [] });
      continue;
    }
    const order = orders[orders.length - 1];
    if (!order) throw new Error(`invariant: document ${documentPk} has a delivery item before any order item`);
    order.deliveries.push({
      deliveryNumber: item.delivery_number ?? '',
      status: item.status as PostStatus,
      ...(error ? { error } : {}),
      devices: byItem.get(item.seq) ?? [],
    });
  }
  return { statusCode, orders };
}
