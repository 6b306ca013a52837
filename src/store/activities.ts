// Device activities of Apple's business API (table org_device_activities, migration 012):
// the request, its status and each device's result, written by src/admin/activities.ts.
import type { Knex } from 'knex';
import { insertReturningId } from './db.js';

export interface ActivityRecord {
  pk: number;
  activityId: string;
  orgPk: number;
  accountPk: number;
  activityType: string;
  serverPk: number | null;
  status: string;
  subStatus: string;
  createdAt: string;
  claimedAt: string | null;
  completedAt: string | null;
  succeeded: number;
  failed: number;
}

interface ActivityRow {
  id: number;
  activity_id: string;
  org_pk: number;
  account_pk: number;
  activity_type: string;
  server_pk: number | null;
  status: string;
  sub_status: string;
  created_at: string;
  claimed_at: string | null;
  completed_at: string | null;
  succeeded: number;
  failed: number;
}

function activityOf(r: ActivityRow): ActivityRecord {
  return {
    pk: Number(r.id),
    activityId: r.activity_id,
    orgPk: Number(r.org_pk),
    accountPk: Number(r.account_pk),
    activityType: r.activity_type,
    serverPk: r.server_pk === null ? null : Number(r.server_pk),
    status: r.status,
    subStatus: r.sub_status,
    createdAt: r.created_at,
    claimedAt: r.claimed_at,
    completedAt: r.completed_at,
    succeeded: Number(r.succeeded),
    failed: Number(r.failed),
  };
}

/** The activity and its devices (in request order), submitted. */
export async function insertActivity(
  trx: Knex,
  a: { activityId: string; orgPk: number; accountPk: number; activityType: string; serverPk: number | null; status: string; subStatus: string; createdAt: string },
  serials: string[],
): Promise<number> {
  const pk = await insertReturningId(trx, 'org_device_activities', {
    activity_id: a.activityId,
    org_pk: a.orgPk,
    account_pk: a.accountPk,
    activity_type: a.activityType,
    server_pk: a.serverPk,
    status: a.status,
    sub_status: a.subStatus,
    created_at: a.createdAt,
  });
  const rows = serials.map((serial, i) => ({ activity_pk: pk, seq: i + 1, serial }));
  for (let i = 0; i < rows.length; i += 500) await trx('org_device_activity_devices').insert(rows.slice(i, i + 500));
  return pk;
}

/** The organisation's activity, by its id; undefined for another organisation's. */
export async function findActivity(db: Knex, orgPk: number, activityId: string): Promise<ActivityRecord | undefined> {
  const row = (await db('org_device_activities').where({ org_pk: orgPk, activity_id: activityId }).first()) as ActivityRow | undefined;
  return row && activityOf(row);
}

export async function findActivityByPk(db: Knex, pk: number): Promise<ActivityRecord | undefined> {
  const row = (await db('org_device_activities').where({ id: pk }).first()) as ActivityRow | undefined;
  return row && activityOf(row);
}

/**
 * Takes the activity to run it: only while it is in progress and nobody holds it, or its
 * holder's claim is older than `staleBefore` (that process died). True when this caller has it.
 */
export async function claimActivity(trx: Knex, pk: number, subStatus: string, now: string, staleBefore: string): Promise<boolean> {
  const updated = await trx('org_device_activities')
    .where({ id: pk, status: 'IN_PROGRESS' })
    .where((q) => q.whereNull('claimed_at').orWhere('claimed_at', '<', staleBefore))
    .update({ claimed_at: now, sub_status: subStatus });
  return updated === 1;
}

export async function activitySerials(db: Knex, pk: number): Promise<string[]> {
  return ((await db('org_device_activity_devices').where({ activity_pk: pk }).orderBy('seq').select('serial')) as { serial: string }[]).map((r) => r.serial);
}

export interface DeviceResult {
  serial: string;
  result: 'SUCCESS' | 'FAILED';
  code: string | null;
  message: string | null;
}

/** Each device's result and the activity's final status, in the caller's transaction. */
export async function completeActivity(
  trx: Knex,
  pk: number,
  results: DeviceResult[],
  final: { status: string; subStatus: string; completedAt: string },
): Promise<void> {
  for (const r of results) {
    await trx('org_device_activity_devices')
      .where({ activity_pk: pk, serial: r.serial })
      .update({ result: r.result, code: r.code, message: r.message === null ? null : r.message.slice(0, 400) });
  }
  await trx('org_device_activities')
    .where({ id: pk })
    .update({
      status: final.status,
      sub_status: final.subStatus,
      completed_at: final.completedAt,
      succeeded: results.filter((r) => r.result === 'SUCCESS').length,
      failed: results.filter((r) => r.result === 'FAILED').length,
    });
}

/** Every device's result, in request order. */
export async function activityResults(db: Knex, pk: number): Promise<DeviceResult[]> {
  const rows = (await db('org_device_activity_devices').where({ activity_pk: pk }).orderBy('seq').select('serial', 'result', 'code', 'message')) as DeviceResult[];
  return rows;
}

/** Which of `serials` the organisation has or had: its devices (any state) and those it released. */
export async function serialsKnownToOrg(db: Knex, orgPk: number, serials: string[]): Promise<Set<string>> {
  const known = new Set<string>();
  for (let i = 0; i < serials.length; i += 500) {
    const part = serials.slice(i, i + 500);
    for (const r of (await db('devices').whereIn('serial', part).where('org_pk', orgPk).select('serial')) as { serial: string }[]) known.add(r.serial);
    for (const r of (await db('released_devices').whereIn('serial', part).where('org_pk', orgPk).select('serial')) as { serial: string }[]) known.add(r.serial);
  }
  return known;
}
