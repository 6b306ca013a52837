// Changes to devices that an organisation makes itself, outside an enrollment (which
// src/store/enrollment-store.ts writes): releasing a device for good, and pointing devices
// at a device-management server. The rules (src/domain/release.ts, src/domain/assignment.ts)
// decide; these write what they decided.
import type { Knex } from 'knex';
import { noteServerUsed } from './mdm-servers.js';
import type { LineStatus, Released } from '../model/state.js';

/** Gives an order line a status that is not live. */
export async function setOrderLineStatus(trx: Knex, orderPk: number, serial: string, status: Exclude<LineStatus, 'live'>): Promise<void> {
  await trx('order_lines').where({ order_pk: orderPk, serial }).update({ status });
}

/** Records an organisation's release of a device: later orders naming it are refused. */
export async function insertRelease(trx: Knex, released: Released, actor: string): Promise<void> {
  await trx('released_devices').insert({
    serial: released.serial,
    org_pk: released.orgPk,
    reason: released.reason,
    released_at: released.releasedAt,
    actor,
  });
}

/**
 * Points the organisation's enrolled devices among `serials` at `server`, in one statement
 * (at most IN_LIST_CHUNK serials: the caller chunks). The rule's premises are checked again
 * by the write: still this organisation's, still enrolled, not on this server yet. Answers
 * how many changed: fewer than asked means a device changed since it was read.
 */
export async function setServerOfEnrolled(trx: Knex, orgPk: number, serials: string[], server: string, now: string): Promise<number> {
  await noteServerUsed(trx, orgPk, server, now);
  return trx('devices')
    .whereIn('serial', serials)
    .where({ org_pk: orgPk, state: 'enrolled' })
    .where((q) => q.whereNull('server').orWhereNot('server', server))
    .update({ server, updated_at: now, version: trx.raw('version + 1') });
}

/**
 * Takes the organisation's enrolled devices among `serials` off `server`, in one statement
 * (the caller chunks), with the rule's premises checked again by the write: still this
 * organisation's, still enrolled, still on that server. Answers how many changed.
 */
export async function clearServerOfEnrolled(trx: Knex, orgPk: number, serials: string[], server: string, now: string): Promise<number> {
  await noteServerUsed(trx, orgPk, server, now);
  return trx('devices').whereIn('serial', serials).where({ org_pk: orgPk, state: 'enrolled', server }).update({ server: null, updated_at: now, version: trx.raw('version + 1') });
}
