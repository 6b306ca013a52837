// JSON documents in the reseller API's bulk-enroll-devices shape: orders, each with its
// deliveries and devices. Each order becomes a PurchaseOrder (header only: the API
// carries no order lines) and each delivery a ShipNotice. The text is read as a stream
// (tokenizer.ts): only the fields below are built, one order at a time, and the order's
// items are yielded when it ends (its header may come after its deliveries). A JSON null
// is an absent field, as in reseller-API requests. A key twice in one object is refused
// (GW-DOC-6006), and so is nesting past INTAKE_LIMITS.jsonDepth (GW-DOC-6009), each
// naming its line and column.
import { validatePurchaseOrder, validateShipNotice, describeSchemaError } from '../../model/documents.js';
import type { PurchaseOrder, ShipNotice, ShippedDevice } from '../../model/documents.js';
import { isDeviceFamily } from '../../model/device-family.js';
import { DOCUMENT_LIMITS, INTAKE_LIMITS } from '../../model/limits.js';
import { familyForPart, parseDate } from '../../mapping/values.js';
import type { DocumentError, DocumentReader, ReadContext, ReadItem } from '../types.js';
import { decodeUtf8, UndecodableText } from '../utf8.js';
import { forbiddenCharacter, isForbiddenControl } from '../forbidden-chars.js';
import { PackedDevices } from './packed-devices.js';
import { ShapedBuilder, type JsonObject, type Shape } from './shaped.js';
import { JsonTextError, JsonTokenizer, positionOf } from './tokenizer.js';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const SCALAR: Shape = { kind: 'scalar' };

/** A delivery as read, held until its order ends (which gives its order number) and then until it is yielded. */
interface HeldDelivery {
  at: string;
  pointer: string;
  orderNumber: string;
  deliveryNumber: string;
  shipDate: string | undefined;
  devices: PackedDevices;
}

/** Reads one document: turns each completed device, delivery and order into items or errors. */
class JsonDocument {
  readonly errors: DocumentError[] = [];
  /** Items of completed orders, not yet yielded: a ship notice is built only when its turn comes. */
  readonly ready: (ReadItem | HeldDelivery)[] = [];
  orders = 0;
  readonly builder: ShapedBuilder;

  constructor(private readonly ctx: ReadContext) {
    const device: Shape = {
      kind: 'object',
      fields: { deviceId: SCALAR, assetTag: SCALAR, deviceFamily: SCALAR, partNumber: SCALAR },
    };
    const delivery: Shape = {
      kind: 'object',
      fields: {
        deliveryNumber: SCALAR,
        shipDate: SCALAR,
        // Packed as they come (device), not kept in the array.
        devices: { kind: 'array', of: device, each: (d, p) => this.device(d, p) },
      },
    };
    const order: Shape = {
      kind: 'object',
      fields: {
        orderNumber: SCALAR,
        orderDate: SCALAR,
        orderType: SCALAR,
        customerId: SCALAR,
        poNumber: SCALAR,
        deliveries: { kind: 'array', of: delivery, each: (d, p) => this.delivery(d, p) },
      },
    };
    this.builder = new ShapedBuilder({
      kind: 'object',
      fields: { orders: { kind: 'array', of: order, each: (o, p) => this.order(o, p) } },
    });
  }

  private fail(error: DocumentError): void {
    if (this.errors.length < this.ctx.limits.maxErrors) this.errors.push(error);
  }

  private date(value: unknown, field: string, at: string): string | undefined {
    const v = str(value);
    if (!v) {
      this.fail({ code: 'GW-MAP-6201', params: { field, at } });
      return undefined;
    }
    const parsed = parseDate(v, this.ctx.mapping.dateFormats);
    if (!parsed) this.fail({ code: 'GW-MAP-6202', params: { field, value: v, formats: this.ctx.mapping.dateFormats.join(' or '), at } });
    return parsed;
  }

  /** The devices of the delivery being read, as they are read. */
  private packing = new PackedDevices();

  private device(device: unknown, pointer: string): undefined {
    const serial = isObject(device) ? str(device.deviceId) : undefined;
    if (!serial || !isObject(device)) {
      this.fail({ code: 'GW-MAP-6201', params: { field: 'deviceId', at: `${this.ctx.fileName}, ${pointer}` } });
      return undefined;
    }
    const d: Omit<ShippedDevice, 'at'> = { serial };
    const assetTag = str(device.assetTag);
    if (assetTag) d.assetTag = assetTag;
    const family = str(device.deviceFamily);
    const partNumber = str(device.partNumber);
    if (partNumber) d.partNumber = partNumber;
    const resolved = family ?? familyForPart(this.ctx.mapping, partNumber);
    if (resolved !== undefined) {
      if (isDeviceFamily(resolved)) d.deviceFamily = resolved;
      else this.fail({ code: 'GW-MAP-6205', params: { field: 'deviceFamily', value: resolved, at: `${this.ctx.fileName}, ${pointer}`, detail: 'not a device family' } });
    }
    // One more than a ship notice may hold, so that its schema refuses it; the rest are checked but not kept.
    if (this.packing.count <= DOCUMENT_LIMITS.devicesPerShipNotice) this.packing.add(d);
    return undefined;
  }

  private delivery(delivery: unknown, pointer: string): HeldDelivery | undefined {
    const at = `${this.ctx.fileName}, ${pointer}`;
    // The devices read since the last delivery are this one's: a device is read only inside a delivery's devices array.
    const devices = this.packing;
    this.packing = new PackedDevices();
    if (!isObject(delivery)) {
      this.fail({ code: 'GW-MAP-6205', params: { field: 'delivery', value: '', at, detail: 'not an object' } });
      return undefined;
    }
    return {
      at,
      pointer,
      orderNumber: '',
      deliveryNumber: str(delivery.deliveryNumber) ?? '',
      shipDate: this.date(delivery.shipDate, 'shipDate', `${at}/shipDate`),
      devices,
    };
  }

  /** An order is complete: its PurchaseOrder and ShipNotices are ready, unless the document has errors. */
  private order(order: unknown, pointer: string): undefined {
    this.orders++;
    const at = `${this.ctx.fileName}, ${pointer}`;
    if (!isObject(order)) {
      this.fail({ code: 'GW-MAP-6205', params: { field: 'order', value: '', at, detail: 'not an object' } });
      return undefined;
    }
    const orderNumber = str(order.orderNumber);
    if (!orderNumber) this.fail({ code: 'GW-MAP-6201', params: { field: 'orderNumber', at } });
    const orderDate = this.date(order.orderDate, 'orderDate', `${at}/orderDate`);
    const items: (ReadItem | HeldDelivery)[] = [];
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
      else this.fail({ code: 'GW-MAP-6205', params: { field: `order ${orderNumber}`, value: '', at, detail: describeSchemaError(validatePurchaseOrder) } });
    }
    const deliveries = Array.isArray(order.deliveries) ? (order.deliveries as HeldDelivery[]) : [];
    for (const d of deliveries) {
      if (!orderNumber || !d.shipDate) continue;
      d.orderNumber = orderNumber;
      items.push(d);
    }
    // Once the document has an error nothing of it applies: its later items are not kept.
    if (this.errors.length === 0) this.ready.push(...items);
    return undefined;
  }

  /** The items ready so far, each ship notice built (and checked) as its turn comes. */
  *take(): Iterable<ReadItem> {
    while (this.ready.length > 0 && this.errors.length === 0) {
      const next = this.ready.shift()!;
      if (!('pointer' in next)) {
        yield next;
        continue;
      }
      const notice: ShipNotice = {
        orderNumber: next.orderNumber,
        deliveryNumber: next.deliveryNumber,
        shipDate: next.shipDate!,
        devices: [...next.devices.devices((i) => `${next.pointer}/devices/${i}`)],
      };
      if (validateShipNotice(notice)) yield { type: 'shipNotice', at: next.at, doc: notice };
      else this.fail({ code: 'GW-MAP-6205', params: { field: `delivery ${next.deliveryNumber}`, value: '', at: next.at, detail: describeSchemaError(validateShipNotice) } });
    }
  }
}

/** The coded error for text the tokenizer refused. */
function refusal(err: JsonTextError, fileName: string): DocumentError {
  const at = `${fileName}, ${positionOf(err)}`;
  switch (err.problem) {
    case 'control':
      return forbiddenCharacter(err.detail.codePoint!, at);
    case 'depth':
    case 'members':
      return { code: 'GW-DOC-6009', params: { at, detail: err.message } };
    default:
      return { code: 'GW-DOC-6006', params: { at, detail: `not valid JSON: ${err.message}` } };
  }
}

export const readJson: DocumentReader = async function* (input, ctx) {
  const doc = new JsonDocument(ctx);
  const tokenizer = new JsonTokenizer(doc.builder, {
    maxDepth: INTAKE_LIMITS.jsonDepth,
    maxMembers: INTAKE_LIMITS.jsonMembersPerObject,
    refuseEscaped: isForbiddenControl,
  });
  try {
    for await (const part of decodeUtf8(input, ctx.fileName)) {
      tokenizer.push(part);
      yield* doc.take();
    }
    if (!tokenizer.started) {
      yield { type: 'error', error: { code: 'GW-DOC-6007' } };
      return;
    }
    tokenizer.end();
  } catch (e) {
    if (e instanceof UndecodableText) {
      yield { type: 'error', error: e.error };
      return;
    }
    if (e instanceof JsonTextError) {
      yield { type: 'error', error: refusal(e, ctx.fileName) };
      return;
    }
    throw e;
  }
  if (!Array.isArray(doc.builder.root?.orders) || doc.orders === 0) {
    yield { type: 'error', error: { code: 'GW-MAP-6201', params: { field: 'orders', at: `${ctx.fileName}, /orders` } } };
    return;
  }
  yield* doc.take();
  for (const error of doc.errors) yield { type: 'error', error };
};
