// Orders as their readers see them: a list searched by number, PO number, supplier,
// organisation, date, status and kind (newest first), and one order with its deliveries
// and, a page at a time, its devices and what became of each.
//
// The caller's Scope is a WHERE clause of every query here: an order outside it is not
// found, exactly as a missing one is not.
import type { Knex } from 'knex';
import { endOfDayBound } from './days.js';
import { pendingReason } from '../domain/pending.js';
import { orderDeviceStatus, type OrderDeviceStatus } from '../domain/order-lines.js';
import type { Scope } from '../model/reads.js';
import { API_LIMITS } from '../model/limits.js';
import { countPendingDevicesOfOrder, deliveriesOfOrder, findOrderInScope, orderLinesWithDevices, ordersNewestFirst, type OrderSummary } from '../store/order-queries.js';
import { pageOf, type Page } from './pages.js';

export type { OrderDeviceStatus, OrderSummary, Page };

export interface OrderFilters {
  orderNumber?: string;
  poNumber?: string;
  supplierId?: string;
  orgId?: string;
  /** Order date from this day on (YYYY-MM-DD). */
  fromDate?: string;
  /** Order date up to and including this day (YYYY-MM-DD). */
  toDate?: string;
  status?: 'open' | 'voided';
  kind?: 'sale' | 'return';
}

export const ORDER_DEVICE_STATUSES: readonly OrderDeviceStatus[] = ['enrolled', 'pending', 'returned', 'voided', 'released', 'removed'];

export interface OrderDevice {
  serial: string;
  deliveryNumber: string;
  assetTag: string | null;
  family: string | null;
  /** The server of a device the order holds now; null once it left the order. */
  server: string | null;
  status: OrderDeviceStatus;
  pendingReason?: string;
}

export interface OrderDetail extends OrderSummary {
  deliveries: { deliveryNumber: string; shipDate: string }[];
}

/** Orders in scope matching every filter, newest first, `limit` after the order `afterPk`. */
export async function listOrders(db: Knex, scope: Scope, f: OrderFilters, page: { afterPk?: number; limit: number }): Promise<Page<OrderSummary>> {
  const { fromDate, toDate, ...rest } = f;
  const filter = {
    ...rest,
    ...(fromDate !== undefined ? { orderDateAtLeast: fromDate } : {}),
    ...(toDate !== undefined ? { orderDateBefore: endOfDayBound(toDate) } : {}),
  };
  return pageOf(await ordersNewestFirst(db, scope, filter, page), page.limit);
}

/** One order in scope, with its deliveries; undefined when missing or out of scope alike. */
export async function findOrder(db: Knex, scope: Scope, supplierId: string, orderNumber: string): Promise<OrderDetail | undefined> {
  const order = await findOrderInScope(db, scope, supplierId, orderNumber);
  if (!order) return undefined;
  return { ...order, deliveries: await deliveriesOfOrder(db, order.pk, API_LIMITS.deliveriesListed) };
}

/** Devices of the order a page at a time, by serial; the order was found in scope first. */
export async function orderDevices(db: Knex, order: OrderDetail, page: { afterSerial?: string; limit: number }): Promise<Page<OrderDevice>> {
  const rows = await orderLinesWithDevices(db, order.pk, page);
  const shown = rows.slice(0, page.limit);
  // One count for the page, only when the page shows a pending device.
  const reason = shown.some((r) => r.lineStatus === 'live' && r.deviceState === 'pending')
    ? pendingReason(order.orgId, order.supplierId, await countPendingDevicesOfOrder(db, order.pk))
    : undefined;
  const items = shown.map((r): OrderDevice => {
    const heldHere = r.deviceOrderPk === order.pk && r.lineStatus === 'live';
    const status = orderDeviceStatus(r.lineStatus, r.deviceState, heldHere);
    if (status === undefined) throw new Error(`invariant: a live order line holds its device live (device state ${r.deviceState ?? 'missing'})`);
    return {
      serial: r.serial,
      deliveryNumber: r.deliveryNumber,
      assetTag: r.assetTag,
      family: r.family,
      // A device that left the order may be another organisation's now: its server is not this order's to show.
      server: heldHere ? r.server : null,
      status,
      ...(status === 'pending' && reason !== undefined ? { pendingReason: reason } : {}),
    };
  });
  return { items, more: rows.length > page.limit };
}
