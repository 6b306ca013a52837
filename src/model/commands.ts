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
