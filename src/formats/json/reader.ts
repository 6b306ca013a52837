// JSON documents in the reseller API's bulk-enroll-devices shape: orders, each with its
// deliveries and devices. Each order becomes a PurchaseOrder (header only: the API
// carries no order lines) and each delivery a ShipNotice. JSON is parsed whole, so the
// pipeline bounds its size (intake.maxJsonDocumentBytes) before it gets here.
import { validatePurchaseOrder, validateShipNotice, describeSchemaError } from '../../model/documents.js';
import type { PurchaseOrder, ShipNotice, ShippedDevice } from '../../model/documents.js';
import { isDeviceFamily } from '../../model/device-family.js';
import { familyForPart, parseDate } from '../../mapping/values.js';
import type { DocumentError, DocumentReader, ReadItem } from '../types.js';
import { decodeUtf8, UndecodableText } from '../utf8.js';
import { forbiddenCharacter, isForbiddenControl, lineAndColumn } from '../forbidden-chars.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

export const readJson: DocumentReader = async function* (input, ctx) {
  let text = '';
  try {
    for await (const part of decodeUtf8(input, ctx.fileName)) text += part;
  } catch (e) {
    if (e instanceof UndecodableText) {
      yield { type: 'error', error: e.error };
      return;
    }
    throw e;
  }
  if (text.trim() === '') {
    yield { type: 'error', error: { code: 'GW-DOC-6007' } };
    return;
  }
  const control = forbiddenControl(text);
  if (control) {
    const { line, column } = lineAndColumn(text, control.offset);
    yield { type: 'error', error: forbiddenCharacter(control.codePoint, `${ctx.fileName}, line ${line}, column ${column}`) };
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    yield { type: 'error', error: { code: 'GW-DOC-6006', params: { at: ctx.fileName, detail: `not valid JSON: ${(e as Error).message}` } } };
    return;
  }
  const errors: DocumentError[] = [];
  const items: ReadItem[] = [];
  const fail = (error: DocumentError) => {
    if (errors.length < ctx.limits.maxErrors) errors.push(error);
  };
  const orders = isObject(body) ? body.orders : undefined;
  if (!Array.isArray(orders) || orders.length === 0) {
    yield { type: 'error', error: { code: 'GW-MAP-6201', params: { field: 'orders', at: `${ctx.fileName}, /orders` } } };
    return;
  }
  const date = (value: unknown, field: string, at: string): string | undefined => {
    const v = str(value);
    if (!v) {
      fail({ code: 'GW-MAP-6201', params: { field, at } });
      return undefined;
    }
    const parsed = parseDate(v, ctx.mapping.dateFormats);
    if (!parsed) fail({ code: 'GW-MAP-6202', params: { field, value: v, formats: ctx.mapping.dateFormats.join(' or '), at } });
    return parsed;
  };
  for (const [oi, order] of orders.entries()) {
    const at = `${ctx.fileName}, /orders/${oi}`;
    if (!isObject(order)) {
      fail({ code: 'GW-MAP-6205', params: { field: 'order', value: '', at, detail: 'not an object' } });
      continue;
    }
    const orderNumber = str(order.orderNumber);
    if (!orderNumber) fail({ code: 'GW-MAP-6201', params: { field: 'orderNumber', at } });
    const orderDate = date(order.orderDate, 'orderDate', `${at}/orderDate`);
    const po = {
      orderNumber: orderNumber ?? '',
      orderType: str(order.orderType) ?? '',
      orderDate: orderDate ?? '',
      customerId: str(order.customerId) ?? '',
      lines: [],
      ...(str(order.poNumber) ? { poNumber: str(order.poNumber) } : {}),
    } as PurchaseOrder;
    if (orderNumber && orderDate) {
      if (validatePurchaseOrder(po)) items.push({ type: 'purchaseOrder', at, doc: po });
      else fail({ code: 'GW-MAP-6205', params: { field: `order ${orderNumber}`, value: '', at, detail: describeSchemaError(validatePurchaseOrder) } });
    }
    const deliveries = Array.isArray(order.deliveries) ? order.deliveries : [];
    for (const [di, delivery] of deliveries.entries()) {
      const dat = `${at}/deliveries/${di}`;
      if (!isObject(delivery)) {
        fail({ code: 'GW-MAP-6205', params: { field: 'delivery', value: '', at: dat, detail: 'not an object' } });
        continue;
      }
      const shipDate = date(delivery.shipDate, 'shipDate', `${dat}/shipDate`);
      const devices: ShippedDevice[] = [];
      const list = Array.isArray(delivery.devices) ? delivery.devices : [];
      for (const [vi, device] of list.entries()) {
        const vat = `${dat}/devices/${vi}`;
        const serial = isObject(device) ? str(device.deviceId) : undefined;
        if (!serial) {
          fail({ code: 'GW-MAP-6201', params: { field: 'deviceId', at: vat } });
          continue;
        }
        const d: ShippedDevice = { serial, at: `/orders/${oi}/deliveries/${di}/devices/${vi}` };
        const assetTag = str((device as Json).assetTag);
        if (assetTag) d.assetTag = assetTag;
        const family = str((device as Json).deviceFamily);
        const partNumber = str((device as Json).partNumber);
        if (partNumber) d.partNumber = partNumber;
        const resolved = family ?? familyForPart(ctx.mapping, partNumber);
        if (resolved !== undefined) {
          if (isDeviceFamily(resolved)) d.deviceFamily = resolved;
          else fail({ code: 'GW-MAP-6205', params: { field: 'deviceFamily', value: resolved, at: vat, detail: 'not a device family' } });
        }
        devices.push(d);
      }
      const deliveryNumber = str(delivery.deliveryNumber) ?? '';
      const notice: ShipNotice = { orderNumber: orderNumber ?? '', deliveryNumber, shipDate: shipDate ?? '', devices };
      if (!orderNumber || !shipDate) continue;
      if (validateShipNotice(notice)) items.push({ type: 'shipNotice', at: dat, doc: notice });
      else fail({ code: 'GW-MAP-6205', params: { field: `delivery ${deliveryNumber}`, value: '', at: dat, detail: describeSchemaError(validateShipNotice) } });
    }
  }
  if (errors.length > 0) {
    for (const error of errors) yield { type: 'error', error };
    return;
  }
  yield* items;
};

/**
 * A control character, as written or as an escape: JSON.parse refuses one written in a
 * string, but turns "\u0000" (or "\b", "\f") into the character itself. Escapes are
 * matched whole, left to right, so the "\u0000" in "\\u0000" (an escaped backslash,
 * then text) is not one.
 */
const CONTROL_OR_ESCAPE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]|\\(?:u([0-9A-Fa-f]{4})|[\s\S])/;
const SHORT_ESCAPES: Record<string, number> = { b: 0x08, f: 0x0c };

/** The first control character other than TAB, LF and CR in a JSON text, written or escaped. */
function forbiddenControl(text: string): { offset: number; codePoint: number } | undefined {
  const pattern = new RegExp(CONTROL_OR_ESCAPE.source, 'g'); // a fresh one: a global regex keeps its place
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const written = m[0];
    const codePoint =
      written.length === 1 ? written.charCodeAt(0) : m[1] !== undefined ? parseInt(m[1], 16) : (SHORT_ESCAPES[written[1]!] ?? -1);
    if (codePoint >= 0 && isForbiddenControl(codePoint)) return { offset: m.index, codePoint };
  }
  return undefined;
}
