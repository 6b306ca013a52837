// Devices as their readers see them: a search by serial (exact or prefix), state, family,
// server, supplier, order and organisation, walked in serial order; and one device with
// its current state and its history, each change with the document or transaction behind it.
//
// The caller's Scope is a WHERE clause of every query here. An organisation sees a device
// that is in it now or that it released; of the history, only its own events, so a device
// that came from another organisation does not show that organisation's past.
import type { Knex } from 'knex';
import type { DeviceState } from '../model/state.js';
import type { Scope } from '../model/reads.js';
import { pendingReason } from '../domain/pending.js';
import { defaultServersOf } from '../store/organisation-queries.js';
import {
  deviceEventsOldestFirst,
  devicesBySerial,
  findDeviceInScope,
  findReleaseInScope,
  type DeviceEventRecord,
  type DeviceFilter,
  type DeviceRecord,
  type ReleaseRecord,
} from '../store/device-queries.js';
import { countPendingDevicesOfOrder } from '../store/order-queries.js';
import { pageOf, type Page } from './pages.js';

export type DeviceFilters = DeviceFilter;

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
  released: ReleaseRecord | null;
}

export type DeviceEventView = DeviceEventRecord;

/** A device as its readers see it: which order holds it is the query's business only. */
function toSummary({ orderPk: _orderPk, ...summary }: DeviceRecord): DeviceSummary {
  return summary;
}

/** Devices in scope matching every filter, by serial, `limit` after `afterSerial`. */
export async function listDevices(db: Knex, scope: Scope, f: DeviceFilters, page: { afterSerial?: string; limit: number }): Promise<Page<DeviceSummary>> {
  return pageOf((await devicesBySerial(db, scope, f, page)).map(toSummary), page.limit);
}

/**
 * One device in scope: in one of the scope's organisations now, or released by one of
 * them. undefined when missing or out of scope alike.
 */
export async function findDevice(db: Knex, scope: Scope, serial: string): Promise<DeviceDetail | undefined> {
  const row = await findDeviceInScope(db, scope, serial);
  const release = (await findReleaseInScope(db, scope, serial)) ?? null;
  if (row) {
    const pending =
      row.state === 'pending' && row.orderPk !== null && row.orgId !== null && row.supplierId !== null
        ? { pendingReason: pendingReason(row.orgId, row.supplierId, await countPendingDevicesOfOrder(db, row.orderPk)) }
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
  return pageOf(await deviceEventsOldestFirst(db, scope, serial, page), page.limit);
}

/** An organisation's release of a device. */
export async function findRelease(db: Knex, serial: string): Promise<ReleaseRecord | undefined> {
  return findReleaseInScope(db, { kind: 'all' }, serial);
}

/** The default server of each device family of an organisation (only families that have one). */
export async function defaultServers(db: Knex, orgPk: number): Promise<Map<string, string>> {
  return new Map((await defaultServersOf(db, orgPk)).map((r) => [r.family, r.server]));
}
