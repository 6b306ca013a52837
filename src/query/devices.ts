// Devices as their readers see them: a search by serial (exact or prefix), state, family,
// server, supplier, order and organisation, walked in serial order; and one device with
// its current state and its history, each change with the document or transaction behind it.
//
// The caller's Scope is a WHERE clause of every query here. An organisation sees a device
// that is in it now or that it released; of the history, only its own events, so a device
// that came from another organisation does not show that organisation's past.
import type { Knex } from 'knex';
import type { DeviceState } from '../model/state.js';
import { pendingReason } from '../domain/pending.js';
import { pendingCount, type Page } from './orders.js';
import type { Scope } from './scope.js';

export interface DeviceFilters {
  serial?: string;
  /** Upper-case letters and digits only (as serials are): no LIKE wildcard can reach the query. */
  serialPrefix?: string;
  state?: DeviceState;
  family?: string;
  server?: string;
  supplierId?: string;
  orderNumber?: string;
  orgId?: string;
}

export interface DeviceSummary {
  serial: string;
  state: DeviceState;
  orgId: string | null;
  supplierId: string | null;
  orderNumber: string | null;
  family: string | null;
  assetTag: string | null;
  server: string | null;
  updatedAt: string;
}

export interface DeviceDetail extends DeviceSummary {
  pendingReason?: string;
  released: { orgId: string; reason: string; releasedAt: string } | null;
}

export interface DeviceEventView {
  /** The keyset key of the history; not shown to callers. */
  id: number;
  at: string;
  event: string;
  fromState: string | null;
  toState: string;
  orgId: string | null;
  supplierId: string | null;
  orderNumber: string | null;
  /** What made the change: "transaction <enrollment id>", "document <id>", "release", "link 19827+16FCE4A0", ... */
  document: string;
  /** The reseller-API transaction behind the change, when one was. */
  transaction: { supplierId: string; transactionId: string; enrollmentId: string } | null;
  actor: string;
  detail: string | null;
}

/** Restricts `devices as d` to the devices in the scope's organisations (or supplier's sales). */
function scopeDevices(q: Knex.QueryBuilder, scope: Scope): void {
  if (scope.kind === 'orgs') q.whereIn('d.org_pk', scope.orgPks);
  else if (scope.kind === 'supplier') q.where('d.supplier_pk', scope.supplierPk);
}

function deviceSelect(q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q
    .leftJoin('organisations as g', 'g.id', 'd.org_pk')
    .leftJoin('suppliers as s', 's.id', 'd.supplier_pk')
    .leftJoin('orders as o', 'o.id', 'd.order_pk')
    .select('d.serial', 'd.state', 'g.org_id', 's.supplier_id', 'o.order_number', 'd.order_pk', 'd.family', 'd.asset_tag', 'd.server', 'd.updated_at');
}

interface DeviceRow {
  serial: string;
  state: DeviceState;
  org_id: string | null;
  supplier_id: string | null;
  order_number: string | null;
  order_pk: number | null;
  family: string | null;
  asset_tag: string | null;
  server: string | null;
  updated_at: string;
}

function toSummary(r: DeviceRow): DeviceSummary {
  return {
    serial: r.serial,
    state: r.state,
    orgId: r.org_id,
    supplierId: r.supplier_id,
    orderNumber: r.order_number,
    family: r.family,
    assetTag: r.asset_tag,
    server: r.server,
    updatedAt: r.updated_at,
  };
}

/** Devices in scope matching every filter, by serial, `limit` after `afterSerial`. */
export async function listDevices(db: Knex, scope: Scope, f: DeviceFilters, page: { afterSerial?: string; limit: number }): Promise<Page<DeviceSummary>> {
  if (f.serialPrefix !== undefined && !/^[A-Z0-9]{1,20}$/.test(f.serialPrefix)) {
    throw new Error('invariant: a serial prefix is upper-case letters and digits, checked by the caller');
  }
  const q = deviceSelect(db('devices as d'));
  scopeDevices(q, scope);
  if (f.serial !== undefined) q.where('d.serial', f.serial);
  if (f.serialPrefix !== undefined) q.where('d.serial', 'like', `${f.serialPrefix}%`);
  if (f.state !== undefined) q.where('d.state', f.state);
  if (f.family !== undefined) q.where('d.family', f.family);
  if (f.server !== undefined) q.where('d.server', f.server);
  if (f.supplierId !== undefined) q.where('s.supplier_id', f.supplierId);
  if (f.orderNumber !== undefined) q.where('o.order_number', f.orderNumber);
  if (f.orgId !== undefined) q.where('g.org_id', f.orgId);
  if (page.afterSerial !== undefined) q.where('d.serial', '>', page.afterSerial);
  const rows = (await q.orderBy('d.serial').limit(page.limit + 1)) as DeviceRow[];
  return { items: rows.slice(0, page.limit).map(toSummary), more: rows.length > page.limit };
}

/**
 * One device in scope: in one of the scope's organisations now, or released by one of
 * them. undefined when missing or out of scope alike.
 */
export async function findDevice(db: Knex, scope: Scope, serial: string): Promise<DeviceDetail | undefined> {
  const q = deviceSelect(db('devices as d')).where('d.serial', serial);
  scopeDevices(q, scope);
  const row = (await q.first()) as DeviceRow | undefined;
  const rq = db('released_devices as r').join('organisations as g', 'g.id', 'r.org_pk').where('r.serial', serial);
  if (scope.kind === 'orgs') rq.whereIn('r.org_pk', scope.orgPks);
  // A supplier never released anything: a release is an organisation's.
  else if (scope.kind === 'supplier') rq.whereRaw('1 = 0');
  const released = (await rq.first('g.org_id', 'r.reason', 'r.released_at')) as { org_id: string; reason: string; released_at: string } | undefined;
  const release = released ? { orgId: released.org_id, reason: released.reason, releasedAt: released.released_at } : null;
  if (row) {
    const pending =
      row.state === 'pending' && row.order_pk !== null && row.org_id !== null && row.supplier_id !== null
        ? { pendingReason: pendingReason(row.org_id, row.supplier_id, await pendingCount(db, Number(row.order_pk))) }
        : {};
    return { ...toSummary(row), ...pending, released: release };
  }
  if (!release) return undefined;
  // Released by the caller's organisation, and in none of its organisations now.
  return {
    serial,
    state: 'released',
    orgId: release.orgId,
    supplierId: null,
    orderNumber: null,
    family: null,
    assetTag: null,
    server: null,
    updatedAt: release.releasedAt,
    released: release,
  };
}

/** The device's events in scope, oldest first, `limit` after the event `afterId`. */
export async function deviceHistory(db: Knex, scope: Scope, serial: string, page: { afterId?: number; limit: number }): Promise<Page<DeviceEventView>> {
  const q = db('device_events as e')
    .leftJoin('organisations as g', 'g.id', 'e.org_pk')
    .leftJoin('suppliers as s', 's.id', 'e.supplier_pk')
    .leftJoin('transactions as t', 't.id', 'e.transaction_pk')
    .leftJoin('suppliers as ts', 'ts.id', 't.supplier_pk')
    .where('e.serial', serial)
    .select(
      'e.id',
      'e.at',
      'e.kind',
      'e.from_state',
      'e.to_state',
      'g.org_id',
      's.supplier_id',
      'e.order_number',
      'e.document',
      'e.actor',
      'e.detail',
      'ts.supplier_id as tx_supplier_id',
      't.transaction_id',
      't.enrollment_id',
    );
  if (scope.kind === 'orgs') q.whereIn('e.org_pk', scope.orgPks);
  else if (scope.kind === 'supplier') q.where('e.supplier_pk', scope.supplierPk);
  if (page.afterId !== undefined) q.where('e.id', '>', page.afterId);
  const rows = (await q.orderBy('e.id').limit(page.limit + 1)) as {
    id: number | string;
    at: string;
    kind: string;
    from_state: string | null;
    to_state: string;
    org_id: string | null;
    supplier_id: string | null;
    order_number: string | null;
    document: string;
    actor: string;
    detail: string | null;
    tx_supplier_id: string | null;
    transaction_id: string | null;
    enrollment_id: string | null;
  }[];
  const items = rows.slice(0, page.limit).map(
    (r): DeviceEventView => ({
      // bigint on PostgreSQL, answered as text; event ids stay far below 2^53.
      id: Number(r.id),
      at: r.at,
      event: r.kind,
      fromState: r.from_state,
      toState: r.to_state,
      orgId: r.org_id,
      supplierId: r.supplier_id,
      orderNumber: r.order_number,
      document: r.document,
      transaction:
        r.transaction_id !== null && r.enrollment_id !== null && r.tx_supplier_id !== null
          ? { supplierId: r.tx_supplier_id, transactionId: r.transaction_id, enrollmentId: r.enrollment_id }
          : null,
      actor: r.actor,
      detail: r.detail,
    }),
  );
  return { items, more: rows.length > page.limit };
}

/** An organisation's release of a device. */
export async function findRelease(db: Knex, serial: string): Promise<{ orgId: string; reason: string; releasedAt: string } | undefined> {
  const r = (await db('released_devices as r').join('organisations as g', 'g.id', 'r.org_pk').where('r.serial', serial).first('g.org_id', 'r.reason', 'r.released_at')) as
    | { org_id: string; reason: string; released_at: string }
    | undefined;
  return r ? { orgId: r.org_id, reason: r.reason, releasedAt: r.released_at } : undefined;
}

/** The default server of each device family of an organisation (only families that have one). */
export async function defaultServers(db: Knex, orgPk: number): Promise<Map<string, string>> {
  const rows = (await db('org_default_servers').where('org_pk', orgPk).select('family', 'server')) as { family: string; server: string }[];
  return new Map(rows.map((r) => [r.family, r.server]));
}
