// A reseller-API bulk-enroll-devices request, read as a document: the built-in mapping
// `reseller-api` names this reader. The bytes are the request body as received (kept
// like any other document's); what comes out is one ResellerTransactionCommand with the
// protocol's fields only, or the protocol's own codes for a body it cannot act on:
// GRX-1000 for a body that is not JSON (request.ts says how it is read), GRX-5004 for a
// value of the wrong JSON type or with a control character that no protocol field may hold.
import { Ajv } from 'ajv';
import type { OrderInput, ResellerTransactionCommand } from '../../model/commands.js';
import { BULK_ENROLL_SCHEMA } from '../../model/reseller-schemas.js';
import type { DocumentError, DocumentReader } from '../types.js';
import { readRequestBody } from './request.js';

type Json = Record<string, unknown>;

const validate = new Ajv({ allErrors: false }).compile(BULK_ENROLL_SCHEMA);

/** C0 controls and DEL: no protocol field holds one, and NUL must never reach the database. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The first string in `value` holding a control character, as a JSON pointer. */
function controlCharacterAt(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return CONTROL.test(value) ? path || '/' : undefined;
  if (depth > 16 || value === null || typeof value !== 'object') return undefined;
  for (const [key, v] of Object.entries(value as Json)) {
    const found = controlCharacterAt(v, `${path}/${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export const readResellerTransaction: DocumentReader = async function* (input, ctx) {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(chunk);
  const read = readRequestBody(Buffer.concat(chunks));
  if ('error' in read) {
    yield { type: 'error', error: { ...read.error, params: { ...read.error.params, at: ctx.fileName } } as DocumentError };
    return;
  }
  const body = read.body;
  if (!validate(body)) {
    const e = validate.errors![0]!;
    yield { type: 'error', error: { code: 'GRX-5004', params: { path: e.instancePath || '/', detail: e.message ?? 'wrong type', at: ctx.fileName } } };
    return;
  }
  const command = protocolFields(body as Json);
  const control = controlCharacterAt(command, '');
  if (control) {
    yield { type: 'error', error: { code: 'GRX-5004', params: { path: control, detail: 'holds a control character', at: ctx.fileName } } };
    return;
  }
  yield { type: 'transaction', at: ctx.fileName, doc: command };
};

/**
 * Keeps only the protocol's fields (and the deviceFamily extension). Extras that clients
 * send are tolerated but not acted on, compared or passed on: the resubmission check
 * compares what the gateway acts on, and no unbounded structure reaches the rules.
 */
function protocolFields(body: Json): ResellerTransactionCommand {
  const ctx = (body.requestContext ?? {}) as ResellerTransactionCommand['requestContext'];
  const orders = body.orders as OrderInput[] | undefined;
  return {
    ...(body.transactionId !== undefined ? { transactionId: body.transactionId as string } : {}),
    ...(body.depResellerId !== undefined ? { depResellerId: body.depResellerId as string } : {}),
    requestContext: { shipTo: ctx.shipTo, timeZone: ctx.timeZone, langCode: ctx.langCode },
    ...(orders !== undefined
      ? {
          orders: orders.map((o) => ({
            orderNumber: o.orderNumber,
            orderDate: o.orderDate,
            orderType: o.orderType,
            customerId: o.customerId,
            poNumber: o.poNumber,
            deliveries: o.deliveries?.map((d) => ({
              deliveryNumber: d.deliveryNumber,
              shipDate: d.shipDate,
              devices: d.devices?.map((x) => ({ deviceId: x.deviceId, assetTag: x.assetTag, deviceFamily: x.deviceFamily })),
            })),
          })),
        }
      : {}),
  };
}
