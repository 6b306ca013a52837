// The canonical commands: a reseller transaction's orders as they arrive (every field
// may still be missing: the field rules say which is wrong), an order header once
// checked, and the header of an order on file that a ship notice is applied under.
import type { OrderType } from './state.js';

/** The wire shapes after JSON type checks: every field may still be missing. */
export interface DeviceInput {
  deviceId?: string;
  assetTag?: string;
  /** Gateway extension (optional): lets a reseller say which family a device is. */
  deviceFamily?: string;
}
export interface DeliveryInput {
  deliveryNumber?: string;
  shipDate?: string;
  devices?: DeviceInput[];
}
export interface OrderInput {
  orderNumber?: string;
  orderDate?: string;
  orderType?: string;
  customerId?: string;
  poNumber?: string;
  deliveries?: DeliveryInput[];
}

/** An order header that passed the field rules. */
export interface OrderHeader {
  orderNumber: string;
  orderType: OrderType;
  orderDate: string;
  customerId: string;
  poNumber: string | null;
}

/** What a ship notice needs from its order: the header the order arrived with. */
export interface OrderHeaderOnFile {
  orderNumber: string;
  orderType: OrderType;
  orderDate: string;
  customerId: string;
  poNumber: string | null;
}

/**
 * A reseller-API bulk-enroll-devices request as the gateway acts on it: the protocol's
 * fields only (extras that clients send are tolerated on the wire but not kept here, so
 * that a resubmission is compared on what the gateway acts on), every one possibly
 * missing: the context and transaction rules say which is wrong.
 */
export interface ResellerTransactionCommand {
  transactionId?: string;
  depResellerId?: string;
  requestContext: { shipTo?: string; timeZone?: string; langCode?: string };
  orders?: OrderInput[];
}
