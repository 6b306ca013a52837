// Field rules of the reseller protocol: presence, lengths and formats of every field
// of a transaction, order, delivery and device. Each rule answers with the protocol's
// code; the first failing rule of a field wins.
import type { CodedError } from '../model/error-codes.js';
import { isDeviceFamily, type DeviceFamily } from '../model/device-family.js';
import { ORDER_TYPES, type OrderType } from '../model/state.js';
import { FIELD_LIMITS } from '../model/limits.js';
import type { DeliveryInput, DeviceInput, OrderHeader, OrderInput } from '../model/commands.js';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** Parses the protocol's `YYYY-MM-DDThh:mm:ssZ`; undefined when it is not a real instant. */
export function parseProtocolTimestamp(value: string): Date | undefined {
  const m = TIMESTAMP.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 2024-02-30 over into March: a round trip catches impossible dates.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return date;
}

function missing(value: string | undefined): boolean {
  return value === undefined || value.trim() === '';
}

/**
 * Header rules of one order (its number was checked at transaction level). A purchase
 * order received as a document comes before its ship notices, so it is checked with
 * `requireDeliveries` false: its deliveries come later, each checked when it applies.
 */
export function checkOrderHeader(order: OrderInput, requireDeliveries = true): CodedError | OrderHeader {
  const L = FIELD_LIMITS;
  if (missing(order.customerId)) return { code: 'DEP-ERR-OR-4101' };
  if (order.customerId!.length > L.customerIdChars) return { code: 'DEP-ERR-OR-4103', params: { max: L.customerIdChars } };
  if (missing(order.orderDate)) return { code: 'DEP-ERR-OR-4104' };
  if (!parseProtocolTimestamp(order.orderDate!)) return { code: 'DEP-ERR-OR-4105', params: { value: order.orderDate } };
  if (missing(order.orderType)) return { code: 'DEP-ERR-OR-4106' };
  if (!(ORDER_TYPES as readonly string[]).includes(order.orderType!)) {
    return { code: 'DEP-ERR-OR-4107', params: { value: order.orderType } };
  }
  if (order.poNumber !== undefined && order.poNumber.length > L.poNumberChars) {
    return { code: 'DEP-ERR-OR-4108', params: { max: L.poNumberChars } };
  }
  const orderType = order.orderType as OrderType;
  const deliveries = order.deliveries ?? [];
  if (orderType === 'VD' && deliveries.length > 0) return { code: 'DEP-ERR-OR-4113' };
  if (requireDeliveries && orderType !== 'VD' && deliveries.length === 0) {
    return { code: 'DEP-ERR-OR-4114', params: { detail: `an ${orderType} order needs at least one delivery` } };
  }
  for (const delivery of deliveries) {
    if (missing(delivery.deliveryNumber)) return { code: 'DEP-ERR-OR-4111' };
    if (delivery.deliveryNumber!.length > L.deliveryNumberChars) {
      return { code: 'DEP-ERR-OR-4112', params: { max: L.deliveryNumberChars, deliveryNumber: delivery.deliveryNumber } };
    }
  }
  return {
    orderNumber: order.orderNumber!,
    orderType,
    orderDate: order.orderDate!,
    customerId: order.customerId!,
    poNumber: missing(order.poNumber) ? null : order.poNumber!,
  };
}

/** Delivery rules; devices' own rules are checked one by one by checkDevice. */
export function checkDelivery(delivery: DeliveryInput, orderDate: string): CodedError | undefined {
  const L = FIELD_LIMITS;
  if (missing(delivery.shipDate)) return { code: 'DEP-ERR-DL-4201' };
  const shipped = parseProtocolTimestamp(delivery.shipDate!);
  if (!shipped) return { code: 'DEP-ERR-DL-4202', params: { value: delivery.shipDate } };
  if (shipped < parseProtocolTimestamp(orderDate)!) {
    return { code: 'DEP-ERR-DL-4203', params: { shipDate: delivery.shipDate, orderDate } };
  }
  const devices = delivery.devices ?? [];
  if (devices.length === 0) return { code: 'DEP-ERR-DL-4207', params: { detail: 'a delivery carries at least one device' } };
  for (const [index, device] of devices.entries()) {
    if (missing(device.deviceId)) {
      return { code: 'DEP-ERR-DL-4205', params: { index: index + 1, deliveryNumber: delivery.deliveryNumber } };
    }
    if (device.deviceId!.length > L.deviceIdChars) {
      return { code: 'DEP-ERR-DL-4206', params: { max: L.deviceIdChars, deviceId: device.deviceId } };
    }
  }
  return undefined;
}

// Serial numbers, IMEIs and MEIDs: upper-case letters and digits.
const DEVICE_ID = /^[A-Z0-9]{8,20}$/;

export interface CheckedDevice {
  serial: string;
  assetTag: string | null;
  family: DeviceFamily | null;
}

export function checkDevice(device: DeviceInput): CodedError | CheckedDevice {
  const deviceId = device.deviceId!;
  if (!DEVICE_ID.test(deviceId)) {
    const detail =
      deviceId.toUpperCase() !== deviceId
        ? 'it must be upper case'
        : 'expected 8 to 20 letters and digits (serial number, IMEI or MEID)';
    return { code: 'DEP-ERR-DE-4301', params: { deviceId, detail } };
  }
  if (device.assetTag !== undefined && device.assetTag.length > FIELD_LIMITS.assetTagChars) {
    return { code: 'DEP-ERR-DE-4302', params: { deviceId, max: FIELD_LIMITS.assetTagChars } };
  }
  if (device.deviceFamily !== undefined && !isDeviceFamily(device.deviceFamily)) {
    return { code: 'DEP-ERR-DE-4301', params: { deviceId, detail: `unknown deviceFamily ${device.deviceFamily}` } };
  }
  return {
    serial: deviceId,
    assetTag: missing(device.assetTag) ? null : device.assetTag!,
    family: (device.deviceFamily as DeviceFamily | undefined) ?? null,
  };
}

export interface TransactionLimits {
  maxOrdersPerTransaction: number;
  maxDevicesPerTransaction: number;
}

/** Transaction-level rules: any failure refuses the whole transaction, nothing applied. */
export function checkTransaction(
  transactionId: string | undefined,
  orders: OrderInput[] | undefined,
  limits: TransactionLimits,
): CodedError[] {
  const L = FIELD_LIMITS;
  const errors: CodedError[] = [];
  if (missing(transactionId)) errors.push({ code: 'DEP-ERR-3001' });
  else if (transactionId!.length > L.transactionIdChars) {
    errors.push({ code: 'DEP-ERR-3002', params: { max: L.transactionIdChars } });
  }
  if (!orders || orders.length === 0) {
    errors.push({ code: 'DEP-ERR-3003' });
    return errors;
  }
  if (orders.length > limits.maxOrdersPerTransaction) {
    errors.push({ code: 'DEP-ERR-3007', params: { count: orders.length, max: limits.maxOrdersPerTransaction } });
  }
  let devices = 0;
  for (const order of orders) for (const d of order.deliveries ?? []) devices += d.devices?.length ?? 0;
  if (devices > limits.maxDevicesPerTransaction) {
    errors.push({ code: 'DEP-ERR-3005', params: { count: devices, max: limits.maxDevicesPerTransaction } });
  }
  for (const [index, order] of orders.entries()) {
    if (missing(order.orderNumber)) errors.push({ code: 'DEP-ERR-3004', params: { index: index + 1 } });
    else if (order.orderNumber!.length > L.orderNumberChars) {
      errors.push({ code: 'DEP-ERR-3006', params: { max: L.orderNumberChars, orderNumber: order.orderNumber } });
    }
  }
  return errors;
}

export function isCodedError(value: unknown): value is CodedError {
  return typeof value === 'object' && value !== null && 'code' in value && typeof (value as CodedError).code === 'string';
}
