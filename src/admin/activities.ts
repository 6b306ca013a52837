// Device activities of Apple's business API (spec/abm-org-api.md): an organisation's
// client asks to assign, unassign or release devices; the request is checked and recorded
// (IN_PROGRESS, SUBMITTED), then run through the same rules as the gateway's own
// assignment and release (src/domain/assignment.ts, src/domain/release.ts), each device
// on its own: what can move moves, what cannot is named with its reason. All of one
// activity's changes and results are one database transaction, so an activity taken
// over after its process died is never half applied.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { planEachDevice, planUnassignment, type AssignmentRefusal } from '../domain/assignment.js';
import { activityCompletion, checkActivityType, type ActivityRefusal, type ActivityType } from '../domain/business-api.js';
import { renderMessage } from '../model/messages.js';
import { ACTIVITY_LIMITS } from '../model/limits.js';
import type { Organisation } from '../model/state.js';
import { activitySerials, claimActivity, completeActivity, findActivityByPk, insertActivity, serialsKnownToOrg, type ActivityRecord, type DeviceResult } from '../store/activities.js';
import { audit } from '../store/audit.js';
import { chunks } from '../store/chunks.js';
import { ConcurrentChange, withRetry } from '../store/db.js';
import { clearServerOfEnrolled, setServerOfEnrolled } from '../store/device-changes.js';
import { loadDevices, writeEvents } from '../store/enrollment-store.js';
import { findMdmServer, findMdmServerByPk } from '../store/mdm-servers.js';
import { idsAndNamesByPk } from '../store/organisation-queries.js';
import { loadOrganisationsByPk } from '../store/organisations.js';
import { releaseInTransaction, type Actor } from './operations.js';

export interface ActivityRequest {
  activityType: ActivityType;
  /** The mdmServers id named, if any. */
  serverId?: string;
  serials: string[];
}

/**
 * Checks and records an activity; answers it (IN_PROGRESS, SUBMITTED) or why it is
 * refused: 422 for what the gateway cannot carry out, 409 for a server or serial the
 * organisation does not have (another organisation's look the same as unknown ones).
 */
export async function submitActivity(
  db: Knex,
  actor: Actor,
  account: { pk: number; org: { pk: number; orgId: string } },
  req: ActivityRequest,
): Promise<{ ok: true; activity: ActivityRecord } | { ok: false; refusal: ActivityRefusal }> {
  const typeRefusal = checkActivityType(req.activityType, req.serverId !== undefined);
  if (typeRefusal) return { ok: false, refusal: typeRefusal };
  if (req.serials.length > ACTIVITY_LIMITS.maxDevices) throw new Error('invariant: the request is within ACTIVITY_LIMITS, checked by the caller');
  const serials = [...new Set(req.serials)];
  return db.transaction(async (trx) => {
    let serverPk: number | null = null;
    if (req.serverId !== undefined) {
      const server = await findMdmServer(trx, account.org.pk, req.serverId);
      if (!server) return { ok: false as const, refusal: { status: 409 as const, message: `There is no server ${req.serverId} in this organisation.` } };
      serverPk = server.pk;
    }
    const known = await serialsKnownToOrg(trx, account.org.pk, serials);
    const unknown = serials.filter((s) => !known.has(s));
    if (unknown.length > 0) {
      const listed = unknown.slice(0, 20).join(', ') + (unknown.length > 20 ? ` and ${unknown.length - 20} more` : '');
      return { ok: false as const, refusal: { status: 409 as const, message: `No device of this organisation has serial number ${listed}.` } };
    }
    const createdAt = new Date().toISOString();
    const activityId = randomUUID();
    const pk = await insertActivity(
      trx,
      { activityId, orgPk: account.org.pk, accountPk: account.pk, activityType: req.activityType, serverPk, status: 'IN_PROGRESS', subStatus: 'SUBMITTED', createdAt },
      serials,
    );
    await audit(
      trx,
      {
        actor: actor.name,
        origin: actor.origin,
        requestId: actor.requestId,
        action: 'business-api.activity.submit',
        detail: { activityId, orgId: account.org.orgId, activityType: req.activityType, serverId: req.serverId ?? null, devices: serials.length },
      },
      createdAt,
    );
    return { ok: true as const, activity: (await findActivityByPk(trx, pk))! };
  });
}

/**
 * Runs a submitted activity, unless another process holds it: every device's change and
 * result, and the final status, in one transaction. Safe to call again: a completed
 * activity is left alone.
 */
export async function runActivity(db: Knex, actor: Actor, activityPk: number): Promise<void> {
  const now = new Date();
  const staleBefore = new Date(now.getTime() - ACTIVITY_LIMITS.staleClaimMs).toISOString();
  if (!(await db.transaction((trx) => claimActivity(trx, activityPk, 'PROCESSING', now.toISOString(), staleBefore)))) return;
  await withRetry(() =>
    db.transaction(async (trx) => {
      const activity = (await findActivityByPk(trx, activityPk))!;
      if (activity.status !== 'IN_PROGRESS') return;
      const [org] = await loadOrganisationsByPk(trx, [activity.orgPk]);
      if (!org) throw new Error(`invariant: the organisation of activity ${activity.activityId} is on file`);
      const serials = await activitySerials(trx, activity.pk);
      const results = await carryOut(trx, actor, org, activity, serials);
      const succeeded = results.filter((r) => r.result === 'SUCCESS').length;
      const final = { ...activityCompletion(succeeded, results.length - succeeded), completedAt: new Date().toISOString() };
      await completeActivity(trx, activity.pk, results, final);
      await audit(
        trx,
        {
          actor: actor.name,
          origin: actor.origin,
          requestId: actor.requestId,
          action: 'business-api.activity.complete',
          detail: { activityId: activity.activityId, orgId: org.orgId, activityType: activity.activityType, succeeded, failed: results.length - succeeded, subStatus: final.subStatus },
        },
        final.completedAt,
      );
    }),
  );
}

async function carryOut(trx: Knex, actor: Actor, org: Organisation, activity: ActivityRecord, serials: string[]): Promise<DeviceResult[]> {
  const type = activity.activityType as ActivityType;
  if (type === 'RELEASE_DEVICES') {
    const results: DeviceResult[] = [];
    for (const serial of serials) {
      const released = await releaseInTransaction(trx, actor, org, serial, `released by business API activity ${activity.activityId}`);
      results.push('code' in released ? { serial, result: 'FAILED', code: released.code, message: renderMessage(released) } : { serial, result: 'SUCCESS', code: null, message: null });
    }
    return results;
  }
  const server = (await findMdmServerByPk(trx, activity.serverPk!))!;
  const devices = await loadDevices(trx, serials);
  const pendingSuppliers = [...devices.values()].filter((d) => d.state === 'pending' && d.supplierPk !== null).map((d) => d.supplierPk!);
  const resellerOf = new Map([...(await idsAndNamesByPk(trx, 'suppliers', [...new Set(pendingSuppliers)]))].map(([pk, s]) => [pk, s.id]));
  const candidates = serials.map((serial, i) => ({ serial, at: `devices.${i}`, device: devices.get(serial) }));
  const assign = type === 'ASSIGN_DEVICES';
  const { plan, refusals } = assign ? planEachDevice(org, server.name, candidates, resellerOf) : planUnassignment(org, server.name, candidates, resellerOf);
  const at = new Date().toISOString();
  for (const part of chunks(plan.changed)) {
    const write = assign ? setServerOfEnrolled : clearServerOfEnrolled;
    const updated = await write(trx, org.pk, part.map((d) => d.serial), server.name, at);
    // Read in this transaction: a change since is another writer's, and the activity runs again.
    if (updated !== part.length) throw new ConcurrentChange(`devices of activity ${activity.activityId}`);
  }
  await writeEvents(trx, plan.events, { transactionPk: null, document: `business API activity ${activity.activityId}`, actor: actor.name, now: at });
  const refused = new Map<string, AssignmentRefusal>(refusals.map((r) => [r.serial!, r]));
  return serials.map((serial) => {
    const r = refused.get(serial);
    return r ? { serial, result: 'FAILED' as const, code: r.error.code, message: renderMessage(r.error) } : { serial, result: 'SUCCESS' as const, code: null, message: null };
  });
}
