// What the enrollment rules read and what they answer: the world a request can touch,
// the outcome per order, delivery and device (in the reseller protocol's statuses), and
// everything that changed, for storage to write back.
import type { CodedError, ErrorCode } from './error-codes.js';
import type { Device, DeviceEvent, Order, OrderLine, Organisation, Released } from './state.js';

/** What the rules may read. Storage loads every entity the request can touch. */
export interface World {
  organisations: Organisation[];
  /** The supplier's orders named by the request, and the sale orders of its devices. */
  orders: Map<string, Order>;
  devices: Map<string, Device>;
  released: Map<string, Released>;
}

export type PostStatus = 'COMPLETE' | 'ERROR' | 'POSTED_WITH_ERRORS' | ErrorCode;

export interface DeviceOutcome {
  deviceId: string;
  status: 'COMPLETE' | ErrorCode;
  error?: CodedError;
}
export interface DeliveryOutcome {
  deliveryNumber: string;
  status: PostStatus;
  error?: CodedError;
  devices: DeviceOutcome[];
}
export interface OrderOutcome {
  orderNumber: string;
  status: PostStatus;
  error?: CodedError;
  deliveries: DeliveryOutcome[];
}
export type TransactionStatus = 'COMPLETE' | 'COMPLETE_WITH_ERRORS' | 'ERROR';
export interface TransactionOutcome {
  statusCode: TransactionStatus;
  orders: OrderOutcome[];
}

export interface Changes {
  orders: Order[];
  /** Lines changed per order number (the order itself may be unchanged otherwise). */
  lines: { orderNumber: string; line: OrderLine }[];
  devices: Device[];
  events: DeviceEvent[];
}

export interface EnrollmentResult {
  outcome: TransactionOutcome;
  changes: Changes;
}
