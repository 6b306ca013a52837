// Reseller transactions: the request as received and the outcome it had.
import type { Knex } from 'knex';
import type { TransactionOutcome } from '../model/enrollment.js';

export interface StoredTransaction {
  pk: number;
  supplierPk: number;
  transactionId: string;
  enrollmentId: string;
  bodySha256: string;
  outcome: TransactionOutcome;
  receivedAt: string;
  completedAt: string;
}

interface TransactionRow {
  id: number;
  supplier_pk: number;
  transaction_id: string;
  enrollment_id: string;
  body_sha256: string;
  outcome_json: string;
  status_code: string;
  received_at: string;
  completed_at: string;
}

function rowToTransaction(r: TransactionRow): StoredTransaction {
  return {
    pk: r.id,
    supplierPk: r.supplier_pk,
    transactionId: r.transaction_id,
    enrollmentId: r.enrollment_id,
    bodySha256: r.body_sha256,
    outcome: JSON.parse(r.outcome_json) as TransactionOutcome,
    receivedAt: r.received_at,
    completedAt: r.completed_at,
  };
}

export async function findTransactionByClientId(db: Knex, supplierPk: number, transactionId: string): Promise<StoredTransaction | undefined> {
  const row = (await db('transactions').where({ supplier_pk: supplierPk, transaction_id: transactionId }).first()) as TransactionRow | undefined;
  return row && rowToTransaction(row);
}

export async function findTransactionByEnrollmentId(db: Knex, enrollmentId: string): Promise<StoredTransaction | undefined> {
  const row = (await db('transactions').where({ enrollment_id: enrollmentId }).first()) as TransactionRow | undefined;
  return row && rowToTransaction(row);
}

export async function insertTransaction(
  db: Knex,
  t: { supplierPk: number; transactionId: string; enrollmentId: string; bodySha256: string; requestJson: string; receivedAt: string },
): Promise<number> {
  await db('transactions').insert({
    supplier_pk: t.supplierPk,
    transaction_id: t.transactionId,
    enrollment_id: t.enrollmentId,
    body_sha256: t.bodySha256,
    request_json: t.requestJson,
    outcome_json: '{}',
    status_code: 'PROCESSING',
    received_at: t.receivedAt,
    completed_at: t.receivedAt,
  });
  const row = (await db('transactions').where({ enrollment_id: t.enrollmentId }).first('id')) as { id: number };
  return row.id;
}

export async function completeTransaction(db: Knex, pk: number, outcome: TransactionOutcome, completedAt: string): Promise<void> {
  await db('transactions').where({ id: pk }).update({
    outcome_json: JSON.stringify(outcome),
    status_code: outcome.statusCode,
    completed_at: completedAt,
  });
}
