// Answers to "where is my order / device": current state and full history, with the
// documents and actors behind every change.
import type { Knex } from 'knex';
import { pendingReason } from '../domain/pending.js';
import { findOrders } from '../store/enrollment-store.js';
import { requireSupplier } from './operations.js';
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
  const row = (await db('devices as d')
    .leftJoin('organisations as g', 'g.id', 'd.org_pk')
    .leftJoin('suppliers as s', 's.id', 'd.supplier_pk')
    .leftJoin('orders as o', 'o.id', 'd.order_pk')
    .where('d.serial', serial)
    .first('d.*', 'g.org_id', 's.supplier_id', 'o.order_number')) as
    | { serial: string; state: string; org_id: string | null; supplier_id: string | null; order_number: string | null; family: string | null; asset_tag: string | null; server: string | null }
    | undefined;
  const released = (await db('released_devices as r').join('organisations as g', 'g.id', 'r.org_pk').where('r.serial', serial).first('g.org_id', 'r.reason', 'r.released_at')) as
    | { org_id: string; reason: string; released_at: string }
    | undefined;
  if (!row && !released) return undefined;
  const events = (await db('device_events as e')
    .leftJoin('organisations as g', 'g.id', 'e.org_pk')
    .leftJoin('suppliers as s', 's.id', 'e.supplier_pk')
    .where('e.serial', serial)
    .orderBy('e.id', 'desc')
    .limit(API_LIMITS.historyEvents)
    .select('e.*', 'g.org_id', 's.supplier_id')) as {
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
  }[];
  return {
    serial,
    state: row?.state ?? 'released',
    ...(row?.state === 'pending' ? { pendingReason: pendingReason(row.org_id, row.supplier_id) } : {}),
    organisation: row?.org_id ?? null,
    supplier: row?.supplier_id ?? null,
    orderNumber: row?.order_number ?? null,
    family: row?.family ?? null,
    assetTag: row?.asset_tag ?? null,
    server: row?.server ?? null,
    ...(released ? { released: { by: released.org_id, reason: released.reason, at: released.released_at } } : {}),
    history: events.reverse().map((e) => ({
      at: e.at,
      event: e.kind,
      from: e.from_state,
      to: e.to_state,
      organisation: e.org_id,
      supplier: e.supplier_id,
      orderNumber: e.order_number,
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
  const supplier = await requireSupplier(db, supplierId);
  const order = (await findOrders(db, supplier.pk, [orderNumber])).get(orderNumber);
  if (!order) return undefined;
  const serials = [...order.lines.keys()];
  const states = new Map<string, string>();
  for (let i = 0; i < serials.length; i += 500) {
    const rows = (await db('devices').whereIn('serial', serials.slice(i, i + 500)).select('serial', 'state')) as { serial: string; state: string }[];
    for (const r of rows) states.set(r.serial, r.state);
  }
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
