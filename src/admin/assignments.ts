// Assigning an organisation's devices to a device-management server, by serial or by
// order: one database transaction that reads the devices, asks the rule
// (src/domain/assignment.ts) and either refuses the whole request or writes every
// device's server, one device_events row per changed device and one audit entry.
import type { Knex } from 'knex';
import {
  allOrNothing,
  candidatesOfOrders,
  checkDeviceCount,
  checkOrders,
  planAssignment,
  type AssignmentCandidate,
  type AssignmentError,
  type AssignmentRefusal,
  type OrderForAssignment,
} from '../domain/assignment.js';
import { audit } from '../store/audit.js';
import { chunks } from '../store/chunks.js';
import { ConcurrentChange, withRetry } from '../store/db.js';
import { setServerOfEnrolled } from '../store/device-changes.js';
import { loadDevices, writeEvents } from '../store/enrollment-store.js';
import { countLiveLinesOfOrder, findOrderOwner, liveSerialsOfOrder } from '../store/order-queries.js';
import { idsAndNamesByPk } from '../store/organisation-queries.js';
import { requireOrganisation, type Actor } from './operations.js';
import { API_LIMITS, ASSIGNMENT_LIMITS } from '../model/limits.js';

export interface AssignmentRequest {
  orgId: string;
  server: string;
  /** Exactly one of serials and orders. */
  serials?: string[];
  orders?: { supplierId: string; orderNumber: string }[];
}

export type AssignmentResult =
  | { ok: true; assigned: number; unchanged: number; server: string }
  /** Nothing changed: `error` is the request's refusal, `refusals` each entry's (or none). */
  | { ok: false; error: AssignmentError; refusals: AssignmentRefusal[] };

/** Serials listed in the audit entry; beyond this the device_events rows name them. */

export async function assignDevicesToServer(db: Knex, actor: Actor, req: AssignmentRequest, requestId?: string): Promise<AssignmentResult> {
  const bySerials = req.serials !== undefined;
  if (bySerials === (req.orders !== undefined)) throw new Error('invariant: an assignment names serials or orders, exactly one of them');
  if ((req.serials?.length ?? 0) > ASSIGNMENT_LIMITS.maxDevices || (req.orders?.length ?? 0) > ASSIGNMENT_LIMITS.maxOrders) {
    throw new Error('invariant: the request is within ASSIGNMENT_LIMITS, checked by the caller');
  }
  return withRetry(() =>
    db.transaction(async (trx) => {
      const org = await requireOrganisation(trx, req.orgId);
      const refusals: AssignmentRefusal[] = [];
      let candidates: { serial: string; at: string }[];
      if (req.serials) {
        candidates = req.serials.map((serial, i) => ({ serial, at: `serials.${i}` }));
      } else {
        const { orders, liveTotal } = await ordersOf(trx, org.pk, req.orders!);
        const tooMany = checkDeviceCount(liveTotal);
        if (tooMany) return { ok: false as const, error: tooMany, refusals: [] };
        refusals.push(...checkOrders(org, orders));
        candidates = candidatesOfOrders(org, orders);
      }
      const tooMany = checkDeviceCount(candidates.length);
      if (tooMany) return { ok: false as const, error: tooMany, refusals: [] };

      const devices = await loadDevices(trx, candidates.map((c) => c.serial));
      const resellerOf = await supplierIds(trx, [...devices.values()].filter((d) => d.state === 'pending').map((d) => d.supplierPk));
      const planned = planAssignment(
        org,
        req.server,
        candidates.map((c): AssignmentCandidate => ({ ...c, device: devices.get(c.serial) })),
        resellerOf,
      );
      const decided = allOrNothing(refusals, planned, req.serials?.length ?? req.orders!.length, req.server);
      if (!('plan' in decided)) return { ok: false as const, ...decided };
      const { plan } = decided;

      const at = new Date().toISOString();
      for (const part of chunks(plan.changed)) {
        // The rule's premises, checked again by the write: still this organisation's,
        // still enrolled, not on this server yet. A device changed since it was read
        // fails them, and the whole assignment runs again on fresh data.
        const updated = await setServerOfEnrolled(trx, org.pk, part.map((d) => d.serial), req.server, at);
        if (updated !== part.length) throw new ConcurrentChange(`devices assigned to ${req.server}`);
      }
      await writeEvents(trx, plan.events, {
        transactionPk: null,
        document: requestId ? `server assignment ${requestId}` : 'server assignment',
        actor: actor.name,
        now: at,
      });
      const serials = candidates.length <= API_LIMITS.auditSerialsListed ? { serials: [...new Set(candidates.map((c) => c.serial))] } : {};
      await audit(
        trx,
        {
          actor: actor.name,
          origin: actor.origin,
          action: 'device.server.assign',
          detail: {
            orgId: org.orgId,
            server: req.server,
            assigned: plan.changed.length,
            unchanged: plan.unchanged.length,
            ...(req.orders ? { orders: req.orders } : {}),
            ...serials,
          },
          ...(requestId ? { requestId } : {}),
        },
        at,
      );
      return { ok: true as const, assigned: plan.changed.length, unchanged: plan.unchanged.length, server: req.server };
    }),
  );
}

/**
 * Each named order with its organisation and the serials it holds live now. The live
 * lines of the organisation's orders are counted before they are read: orders holding
 * more devices than one assignment may reach are refused by their count (`liveTotal`),
 * not after loading every serial.
 */
async function ordersOf(trx: Knex, orgPk: number, refs: { supplierId: string; orderNumber: string }[]): Promise<{ orders: OrderForAssignment[]; liveTotal: number }> {
  const orders: OrderForAssignment[] = [];
  let liveTotal = 0;
  for (const [i, ref] of refs.entries()) {
    const order = await findOrderOwner(trx, ref.supplierId, ref.orderNumber);
    const at = `orders.${i}`;
    if (!order || order.orgPk !== orgPk) {
      // Another organisation's order is not looked into: refused like a missing one.
      orders.push({ ...ref, at, found: order ? { orgPk: order.orgPk, liveSerials: [] } : undefined });
      continue;
    }
    liveTotal += await countLiveLinesOfOrder(trx, order.pk);
    const liveSerials = liveTotal > ASSIGNMENT_LIMITS.maxDevices ? [] : await liveSerialsOfOrder(trx, order.pk);
    orders.push({ ...ref, at, found: { orgPk: order.orgPk, liveSerials } });
  }
  return { orders, liveTotal };
}

async function supplierIds(trx: Knex, pks: (number | null)[]): Promise<Map<number, string>> {
  const wanted = [...new Set(pks.filter((p): p is number => p !== null))];
  const named = await idsAndNamesByPk(trx, 'suppliers', wanted);
  return new Map([...named].map(([pk, s]) => [pk, s.id]));
}
