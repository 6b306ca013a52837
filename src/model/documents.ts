// The canonical documents every format is mapped into, and their JSON Schemas. A
// PurchaseOrder may arrive alone (an open order, nothing shipped yet); a ShipNotice
// registers devices against its order, and waits ("awaiting order") when the order has
// not arrived. Dates are the protocol's `YYYY-MM-DDThh:mm:ssZ`; amounts are decimal
// strings with their ISO 4217 currency, never JavaScript numbers.
import type { ValidateFunction } from 'ajv';
import { DEVICE_FAMILIES, type DeviceFamily } from './device-family.js';
import { ORDER_TYPES, type OrderType } from './state.js';
import { DOCUMENT_LIMITS, FIELD_LIMITS } from './limits.js';
import { loadValidators, type SchemaSet } from './validators.js';

export interface DeviceLine {
  type: 'device';
  lineNumber: string;
  partNumber: string;
  deviceFamily?: DeviceFamily;
  quantity: number;
}

export interface CreditLine {
  type: 'credit';
  lineNumber: string;
  partNumber: string;
  /** Exact decimal, e.g. "1500.00"; its currency's minor unit is checked by the credit rules. */
  amount: string;
  currency: string;
  quantity: number;
}

export type PurchaseOrderLine = DeviceLine | CreditLine;

export interface PurchaseOrder {
  orderNumber: string;
  orderType: OrderType;
  orderDate: string;
  /** Organisation id (resellers) or Apple customer number (Apple's own documents). */
  customerId: string;
  poNumber?: string;
  lines: PurchaseOrderLine[];
}

export interface ShippedDevice {
  serial: string;
  assetTag?: string;
  deviceFamily?: DeviceFamily;
  partNumber?: string;
  /** Where the device came from in the file ("line 12", "segment 57"): for errors. */
  at: string;
}

export interface ShipNotice {
  deliveryNumber: string;
  shipDate: string;
  orderNumber: string;
  devices: ShippedDevice[];
}

const L = FIELD_LIMITS;
const D = DOCUMENT_LIMITS;
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const timestamp = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' } as const;
const family = { enum: [...DEVICE_FAMILIES] } as const;

export const PURCHASE_ORDER_SCHEMA = {
  $id: 'https://abm-edi-gateway/schemas/purchase-order.json',
  type: 'object',
  additionalProperties: false,
  required: ['orderNumber', 'orderType', 'orderDate', 'customerId', 'lines'],
  properties: {
    orderNumber: text(L.orderNumberChars),
    orderType: { enum: [...ORDER_TYPES] },
    orderDate: timestamp,
    customerId: text(L.customerIdChars),
    poNumber: text(L.poNumberChars),
    lines: {
      type: 'array',
      maxItems: D.linesPerPurchaseOrder,
      items: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'lineNumber', 'partNumber', 'quantity'],
            properties: {
              type: { const: 'device' },
              lineNumber: text(D.lineNumberChars),
              partNumber: text(D.partNumberChars),
              deviceFamily: family,
              quantity: { type: 'integer', minimum: 1, maximum: D.quantityPerLine },
            },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'lineNumber', 'partNumber', 'amount', 'currency', 'quantity'],
            properties: {
              type: { const: 'credit' },
              lineNumber: text(D.lineNumberChars),
              partNumber: text(D.partNumberChars),
              amount: { type: 'string', pattern: '^\\d{1,15}(\\.\\d{1,6})?$' },
              currency: { type: 'string', pattern: '^[A-Z]{3}$' },
              quantity: { type: 'integer', minimum: 1, maximum: D.quantityPerLine },
            },
          },
        ],
      },
    },
  },
} as const;

export const SHIP_NOTICE_SCHEMA = {
  $id: 'https://abm-edi-gateway/schemas/ship-notice.json',
  type: 'object',
  additionalProperties: false,
  required: ['deliveryNumber', 'shipDate', 'orderNumber', 'devices'],
  properties: {
    deliveryNumber: text(L.deliveryNumberChars),
    shipDate: timestamp,
    orderNumber: text(L.orderNumberChars),
    devices: {
      type: 'array',
      minItems: 1,
      maxItems: D.devicesPerShipNotice,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['serial', 'at'],
        properties: {
          // Serial format is the enrollment rules' business (DEP-ERR-DE-4301, per device);
          // the schema only bounds the size.
          serial: text(L.deviceIdChars),
          assetTag: text(L.assetTagChars),
          deviceFamily: family,
          partNumber: text(D.partNumberChars),
          at: text(200),
        },
      },
    },
  },
} as const;

/** The canonical documents' schemas, whose validators `npm run build` generates (validators.ts). */
export const DOCUMENT_SCHEMAS: SchemaSet = {
  file: 'documents-validators.cjs',
  schemas: { purchaseOrder: PURCHASE_ORDER_SCHEMA, shipNotice: SHIP_NOTICE_SCHEMA },
  options: { allErrors: false },
};
const validators = loadValidators(import.meta.url, DOCUMENT_SCHEMAS);
export const validatePurchaseOrder = validators.purchaseOrder as ValidateFunction<PurchaseOrder>;
export const validateShipNotice = validators.shipNotice as ValidateFunction<ShipNotice>;

/** The first schema problem, in words: "/lines/2/quantity must be <= 1000000". */
export function describeSchemaError(validate: ValidateFunction): string {
  const e = validate.errors?.[0];
  if (!e) return 'invalid';
  // The field as a reader's user knows it (orderType, devices 3 serial), and what it must
  // be in words: a partner cannot act on a regular expression.
  const field = e.instancePath.split('/').filter(Boolean).map((part) => (/^\d+$/.test(part) ? String(Number(part) + 1) : part)).join(' ') || 'the document';
  switch (e.keyword) {
    case 'enum':
      return `${field} must be one of ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'required':
      return `${field === 'the document' ? '' : `${field} `}lacks ${String(e.params.missingProperty)}`.trim();
    case 'pattern':
    case 'format':
      return `${field} is not in the form the protocol requires`;
    case 'maxLength':
    case 'minLength':
      return `${field} ${e.keyword === 'maxLength' ? 'is longer than' : 'is shorter than'} ${String(e.params.limit)} characters`;
    default:
      return `${field} ${e.message ?? 'is invalid'}`;
  }
}

/**
 * applied: everything in it applied (devices may still carry enrollment refusals);
 * applied_with_errors: applied, with refused devices, lines or X12 sets;
 * awaiting_order: ship notices wait for their orders (the rest applied);
 * rejected: nothing applied (format, mapping or validation errors);
 * duplicate: the same bytes (or X12 interchange) were received before; nothing applied.
 */
export type DocumentStatus = 'applied' | 'applied_with_errors' | 'awaiting_order' | 'rejected' | 'duplicate';

export interface DocumentSummary {
  purchaseOrders: number;
  shipNotices: number;
  devices: number;
  devicesEnrolled: number;
  devicesRefused: number;
  devicesAwaiting: number;
}

/**
 * What became of one device a document named: enrolled or pending (held until the
 * organisation adds the reseller), refused by a rule (with its code), waiting for its
 * order, or not applied because its item or unit was rejected.
 */
export const DEVICE_OUTCOME_STATUSES = ['ENROLLED', 'PENDING', 'REFUSED', 'AWAITING_ORDER', 'REJECTED'] as const;
export type DeviceOutcomeStatus = (typeof DEVICE_OUTCOME_STATUSES)[number];
