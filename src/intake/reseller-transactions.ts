// Applies a reseller transaction: the reseller API's bulk-enroll-devices call. One
// database transaction per reseller transaction: the outcome is committed whole, or
// nothing is. A transaction id reused with the same body answers the first result
// and applies nothing again; with a different body it is refused (GW-TX-3010).
import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { applyTransaction } from '../domain/enrollment.js';
import type { Supplier } from '../model/state.js';
import { organisationKeys } from '../domain/matching.js';
import { withRetry } from '../store/db.js';
import { loadWorld, persistChanges } from '../store/enrollment-store.js';
import { findTransactionByClientId, insertTransaction, completeTransaction } from '../store/transactions.js';
import type { TransactionOutcome } from '../model/enrollment.js';
import type { OrderInput } from '../model/commands.js';

export interface ResellerTransaction {
  transactionId: string;
  orders: OrderInput[];
}

export type SubmitResult =
  /** devicesEnrolled: devices this transaction enrolled (0 when repeated), for metrics. */
  | { kind: 'applied' | 'repeated'; enrollmentId: string; outcome: TransactionOutcome; devicesEnrolled: number }
  | { kind: 'conflict'; enrollmentId: string };

/** Canonical JSON (keys sorted) so that key order and spacing do not make a body "different". */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function bodyDigest(tx: ResellerTransaction): string {
  return createHash('sha256').update(canonicalJson({ transactionId: tx.transactionId, orders: tx.orders })).digest('hex');
}

/** The protocol's enrollment transaction id: a UUID, an underscore, epoch milliseconds. */
export function newEnrollmentId(nowMs: number): string {
  return `${randomUUID()}_${nowMs}`;
}

export async function submitTransaction(
  db: Knex,
  supplier: Supplier,
  tx: ResellerTransaction,
  actor: string,
): Promise<SubmitResult> {
  const digest = bodyDigest(tx);
  return withRetry(() =>
    db.transaction(async (trx) => {
      const previous = await findTransactionByClientId(trx, supplier.pk, tx.transactionId);
      if (previous) {
        if (previous.bodySha256 !== digest) return { kind: 'conflict', enrollmentId: previous.enrollmentId };
        return { kind: 'repeated', enrollmentId: previous.enrollmentId, outcome: previous.outcome, devicesEnrolled: 0 };
      }
      const nowMs = Date.now();
      const now = new Date(nowMs).toISOString();
      const enrollmentId = newEnrollmentId(nowMs);
      // The transaction row comes first so that orders and device events can name it.
      const transactionPk = await insertTransaction(trx, {
        supplierPk: supplier.pk,
        transactionId: tx.transactionId,
        enrollmentId,
        bodySha256: digest,
        requestJson: JSON.stringify(tx),
        receivedAt: now,
      });
      const customerIds = tx.orders.map((o) => o.customerId).filter((c): c is string => typeof c === 'string');
      const world = await loadWorld(trx, supplier, tx.orders, organisationKeys(supplier, customerIds));
      const { outcome, changes } = applyTransaction(world, supplier, tx.orders);
      await persistChanges(trx, supplier, world, changes, {
        transactionPk,
        document: `transaction ${enrollmentId}`,
        actor,
        now,
      });
      await completeTransaction(trx, transactionPk, outcome, new Date().toISOString());
      return { kind: 'applied', enrollmentId, outcome, devicesEnrolled: changes.events.filter((e) => e.kind === 'enrolled').length };
    }),
  );
}
