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
import type { PageRequest, Scope } from '../model/reads.js';
import { documentsNewestFirst, transactionsNewestFirst, type DocumentListing, type TransactionListing } from '../store/reseller-data-queries.js';
import { findTransactionByClientId, type StoredTransaction } from '../store/transactions.js';
import type { TransactionOutcome } from '../model/enrollment.js';

export type { DocumentListing, PageRequest, TransactionListing };

/** The supplier a scope limits rows to, or undefined for every supplier. */
function supplierOfScope(scope: Scope): number | undefined {
  if (scope.kind === 'supplier') return scope.supplierPk;
  if (scope.kind === 'all') return undefined;
  throw new Error('documents and transactions are read by suppliers and operators only, not with an organisation scope');
}

/** A day range as the bounds of the received_at column, or the refusal of a bad day. */
function receivedBounds(range: DayRange): { receivedAtLeast?: string; receivedBefore?: string } | FilterRefusal {
  const bounds = dayBounds(range);
  if (isRefusal(bounds)) return bounds;
  return { ...(bounds.atLeast !== undefined ? { receivedAtLeast: bounds.atLeast } : {}), ...(bounds.before !== undefined ? { receivedBefore: bounds.before } : {}) };
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

/**
 * Documents newest first (by their row id: the order they were received in). Fetches
 * limit + 1 rows so the caller knows whether another page follows.
 */
export async function listDocuments(db: Knex, scope: Scope, filter: DocumentFilter, page: PageRequest): Promise<DocumentListing[] | FilterRefusal> {
  const bounds = receivedBounds(filter);
  if (isRefusal(bounds)) return bounds;
  const { supplierPk, status, format, channel } = filter;
  return documentsNewestFirst(db, supplierOfScope(scope), { supplierPk, status, format, channel, ...bounds }, page);
}

// ---------------------------------------------------------------------------------------
// Reseller-API transactions

export interface TransactionFilter extends DayRange {
  supplierPk?: number;
  statusCode?: string;
}

/** Reseller-API transactions newest first; limit + 1 rows, as listDocuments. */
export async function listTransactions(db: Knex, scope: Scope, filter: TransactionFilter, page: PageRequest): Promise<TransactionListing[] | FilterRefusal> {
  const bounds = receivedBounds(filter);
  if (isRefusal(bounds)) return bounds;
  const { supplierPk, statusCode } = filter;
  return transactionsNewestFirst(db, supplierOfScope(scope), { supplierPk, statusCode, ...bounds }, page);
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
