// Answers to "where is my order / device": current state and full history, with the
// documents and actors behind every change.
import type { Knex } from 'knex';
import { pendingReason } from '../domain/pending.js';
import { deviceStatesOf, findDeviceInScope, findReleaseInScope, latestDeviceEvents } from '../store/device-queries.js';
import { findOrders } from '../store/enrollment-store.js';
import { findSupplier } from '../store/suppliers.js';
import { AdminError } from './admin-error.js';
import { API_LIMITS } from '../model/limits.js';

export interface DeviceReport {
  serial: string;
  state: string;
  /** Why a pending device waits, in words. */
  pendingReason?: string;
  organisation: string | null;
  supplier: string | null;
  orderNumber: string | null;
  family: string | null;
  assetTag: string | null;
  server: string | null;
  released?: { by: string; reason: string; at: string };
  history: { at: string; event: string; from: string | null; to: string; organisation: string | null; supplier: string | null; orderNumber: string | null; document: string; actor: string; detail: string | null }[];
}

/** Bounds a history answer: a device with more changes than this shows the latest. */

export async function deviceReport(db: Knex, serial: string): Promise<DeviceReport | undefined> {
  const everyone = { kind: 'all' } as const;
  const row = await findDeviceInScope(db, everyone, serial);
  const released = await findReleaseInScope(db, everyone, serial);
  if (!row && !released) return undefined;
  const events = await latestDeviceEvents(db, serial, API_LIMITS.historyEvents);
  return {
    serial,
    state: row?.state ?? 'released',
    ...(row?.state === 'pending' ? { pendingReason: pendingReason(row.orgId, row.supplierId) } : {}),
    organisation: row?.orgId ?? null,
    supplier: row?.supplierId ?? null,
    orderNumber: row?.orderNumber ?? null,
    family: row?.family ?? null,
    assetTag: row?.assetTag ?? null,
    server: row?.server ?? null,
    ...(released ? { released: { by: released.orgId, reason: released.reason, at: released.releasedAt } } : {}),
    history: events.reverse().map((e) => ({
      at: e.at,
      event: e.event,
      from: e.fromState,
      to: e.toState,
      organisation: e.orgId,
      supplier: e.supplierId,
      orderNumber: e.orderNumber,
      document: e.document,
      actor: e.actor,
      detail: e.detail,
    })),
  };
}

export interface OrderReport {
  supplier: string;
  orderNumber: string;
  kind: string;
  lastType: string;
  status: string;
  customerId: string;
  orderDate: string;
  poNumber: string | null;
  deliveries: { deliveryNumber: string; shipDate: string }[];
  devices: { serial: string; deliveryNumber: string; line: string; deviceState: string | null }[];
}

export async function orderReport(db: Knex, supplierId: string, orderNumber: string): Promise<OrderReport | undefined> {
  const supplier = await findSupplier(db, supplierId);
  if (!supplier) throw new AdminError('GW-ADM-NOT-FOUND', `no supplier ${supplierId}`);
  const order = (await findOrders(db, supplier.pk, [orderNumber])).get(orderNumber);
  if (!order) return undefined;
  const states = await deviceStatesOf(db, [...order.lines.keys()]);
  return {
    supplier: supplierId,
    orderNumber,
    kind: order.kind,
    lastType: order.lastType,
    status: order.status,
    customerId: order.customerId,
    orderDate: order.orderDate,
    poNumber: order.poNumber,
    deliveries: order.deliveries,
    devices: [...order.lines.values()].map((l) => ({
      serial: l.serial,
      deliveryNumber: l.deliveryNumber,
      line: l.status,
      deviceState: states.get(l.serial) ?? null,
    })),
  };
}
