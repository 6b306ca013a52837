// The plain data the domain rules read and return: organisations, suppliers, orders and
// their lines, devices and their events. Storage loads it, the rules change a copy of it,
// storage writes the result back. Nothing here knows about a database or a rule.
import type { DeviceFamily } from './device-family.js';

export const ORDER_TYPES = ['OR', 'RE', 'VD', 'OV'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

/** enrolled and pending are "live": the device is held by exactly one sale order. */
export type DeviceState = 'enrolled' | 'pending' | 'returned' | 'voided' | 'released';
export const LIVE_STATES: readonly DeviceState[] = ['enrolled', 'pending'];

export interface Device {
  serial: string;
  state: DeviceState;
  orgPk: number | null;
  supplierPk: number | null;
  /** The sale order (of supplierPk) that holds the device, or last held it. */
  orderNumber: string | null;
  family: DeviceFamily | null;
  assetTag: string | null;
  server: string | null;
  /** Optimistic-concurrency version; 0 means not stored yet. */
  version: number;
}

export interface Supplier {
  pk: number;
  supplierId: string;
  kind: 'apple' | 'reseller';
  name: string;
}

export interface Organisation {
  pk: number;
  orgId: string;
  name: string;
  country: string;
  appleCustomerNumbers: string[];
  linkedSupplierPks: number[];
  defaultServers: Partial<Record<DeviceFamily, string>>;
}

/**
 * A device's membership in an order. In a sale order: live, returned (by an RE),
 * removed (by an OV), voided (by a VD) or released (by its organisation).
 * In a return order: returned (the return is in effect) or voided (the RE was voided).
 */
export type LineStatus = 'live' | 'returned' | 'removed' | 'voided' | 'released';

export interface OrderLine {
  serial: string;
  deliveryNumber: string;
  assetTag: string | null;
  status: LineStatus;
  /** Return orders only: the sale order the device was returned from. */
  sourceOrderNumber: string | null;
}

export interface Delivery {
  deliveryNumber: string;
  shipDate: string;
}

export interface Order {
  pk: number | null;
  supplierPk: number;
  orderNumber: string;
  kind: 'sale' | 'return';
  /** The type of the last order applied to this order number (OR, RE, OV or VD). */
  lastType: OrderType;
  orgPk: number;
  customerId: string;
  orderDate: string;
  poNumber: string | null;
  status: 'open' | 'voided';
  deliveries: Delivery[];
  /**
   * The order's lines: all of them, or, when `liveLinesNotLoaded` is set, only those of
   * the serials the transaction names (a delivery added to a large order does not load
   * the order's other devices).
   */
  lines: Map<string, OrderLine>;
  /** Live lines on file that `lines` does not hold: set when only the named serials' lines were loaded. */
  liveLinesNotLoaded?: number;
  version: number;
}

export interface Released {
  serial: string;
  orgPk: number;
  reason: string;
  releasedAt: string;
}

export type DeviceEventKind =
  | 'enrolled'
  | 'pending'
  | 'enrolled-on-link'
  | 'returned'
  | 'voided'
  | 'removed'
  | 'restored'
  | 'reassigned'
  | 'released'
  | 'server-assigned'
  /** A later order named a device its organisation had released, and was refused (GW-DE-4310). */
  | 'refused';

export interface DeviceEvent {
  serial: string;
  kind: DeviceEventKind;
  fromState: DeviceState | null;
  toState: DeviceState;
  orgPk: number | null;
  supplierPk: number | null;
  orderNumber: string | null;
  detail: string | null;
}
