// What the enrollment rules read and what they answer: the world a request can touch,
// the outcome per order, delivery and device (in the reseller protocol's statuses), and
// everything that changed, for storage to write back.
import type { CodedError, ErrorCode } from './error-codes.js';
import type { Device, DeviceEvent, DeviceState, Order, OrderLine, Organisation, Released } from './state.js';
import type { DeviceFamily } from './device-family.js';

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
  /**
   * New devices enrolled as sets, when every device of the transaction is one
   * (applyTransaction's `asSets`); then lines, devices and events above are empty.
   */
  enrolledSets: EnrolledSet[];
}

/**
 * The new devices of one delivery, enrolled into a sale: serials not on file, never
 * released, named once in their transaction. Each gets a live line in the order, a device
 * in the organisation and an event that differ only in serial, tag, family and the server
 * its family defaults to: held as columns, not as an OrderLine, a Device and a
 * DeviceEvent per serial (a million-serial ship notice made three million objects).
 */
export interface EnrolledSet {
  orderNumber: string;
  deliveryNumber: string;
  /** enrolled, or pending (the organisation has not added the reseller); the event's kind is the same word. */
  state: Extract<DeviceState, 'enrolled' | 'pending'>;
  orgPk: number;
  supplierPk: number;
  serials: string[];
  assetTags: (string | null)[];
  families: (DeviceFamily | null)[];
  servers: (string | null)[];
}

export interface EnrollmentResult {
  outcome: TransactionOutcome;
  changes: Changes;
}
