// The reseller API (/enroll-service/1.0/...): wire-compatible with the protocol that
// resellers' existing clients speak (../shared/spec/dep-reseller-api.md). It is a
// channel: it authenticates the caller, hands a bulk-enroll-devices request's bytes to
// intake (receive(), with the built-in reseller-api mapping: the context, limits and
// enrollment rules are applied there, and the request is kept like any document), and
// renders the answer in the protocol's envelopes.
import express, { type Request, type Response, type Router } from 'express';
import type { Knex } from 'knex';
import { Ajv, type ValidateFunction } from 'ajv';
import { checkResellerContext, languageOf, shipToToLookUp } from '../../domain/partner-rules.js';
import type { Supplier } from '../../model/state.js';
import type { CodedError } from '../../model/error-codes.js';
import { renderMessage, toWire } from '../../model/messages.js';
import { RESELLER_API_MAPPING } from '../../intake/receive.js';
import type { Intake } from '../../intake/service.js';
import type { IngestResult } from '../../intake/types.js';
import { findOrders } from '../../store/enrollment-store.js';
import { findShipTo } from '../../store/suppliers.js';
import { findTransactionByEnrollmentId, type StoredTransaction } from '../../store/transactions.js';
import { CHECK_STATUS_SCHEMA, SHOW_ORDER_SCHEMA } from '../../model/reseller-schemas.js';
import { authenticate, type AuthSettings } from './auth.js';
import { contentTypeError, httpStatusFor, readJsonBody, sendFlatError } from './errors.js';
import { FIELD_LIMITS } from '../../model/limits.js';
import type { DeliveryOutcome, DeviceOutcome, OrderOutcome, PostStatus } from '../../model/enrollment.js';

export interface ResellerApiSettings extends AuthSettings {
  maxBodyBytes: number;
  maxOrderNumbersPerShowRequest: number;
}

type Body = Record<string, unknown>;
interface Caller {
  supplier: Supplier;
  langCode: string;
  body: Body;
}

const ajv = new Ajv({ allErrors: false });
const validators = {
  status: ajv.compile(CHECK_STATUS_SCHEMA),
  show: ajv.compile(SHOW_ORDER_SCHEMA),
};

/** Answers an error list in a call's own envelope: one object, or an array of several. */
function sendEnvelope(res: Response, envelope: string, errors: CodedError[], langCode: string, status?: number): void {
  const wire = errors.map((e) => toWire(e, langCode));
  res.status(status ?? httpStatusFor(errors[0]!.code)).json({ [envelope]: wire.length === 1 ? wire[0] : wire });
}

/**
 * The answer to a bulk-enroll-devices request, from what intake made of it: the
 * enrollment id of the transaction it applied (or of the same transaction applied
 * before), or its refusal. Platform and context refusals (GRX) come flat at top level;
 * transaction refusals in the call's envelope, as the protocol answers them.
 */
function sendBulkAnswer(res: Response, result: IngestResult): void {
  const langCode = result.request?.langCode ?? 'en';
  if (result.transaction) {
    res.locals.enrollmentId = result.transaction.enrollmentId;
    res.status(200).json({
      deviceEnrollmentTransactionId: result.transaction.enrollmentId,
      enrollDevicesResponse: { statusCode: 'SUCCESS', statusMessage: 'Transaction posted successfully in DEP' },
    });
    return;
  }
  const errors: CodedError[] = result.errors.map((e) => ({ code: e.code, ...(e.params ? { params: e.params } : {}) }) as CodedError);
  if (errors.length === 0) throw new Error(`invariant: document ${result.documentId} is ${result.status} with neither a transaction nor an error`);
  if (errors[0]!.code.startsWith('GRX-')) return sendFlatError(res, errors[0]!, langCode, result.request?.transactionId);
  sendEnvelope(res, 'enrollDeviceErrorResponse', errors, langCode);
}

export function resellerApi(db: Knex, intake: Intake, settings: ResellerApiSettings): Router {
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: settings.maxBodyBytes });

  /**
   * Everything before a query call's own logic: the caller, the content type, the JSON,
   * its types and the request context. Errors here are flat, at top level, as the
   * protocol answers them. Returns undefined when an answer was already sent.
   */
  async function admit(req: Request, res: Response, validate: ValidateFunction): Promise<Caller | undefined> {
    const auth = await authenticate(db, req, settings);
    if ('error' in auth) {
      sendFlatError(res, auth.error, 'en');
      return undefined;
    }
    const parsed = readJsonBody(req);
    if ('error' in parsed) {
      sendFlatError(res, parsed.error, 'en');
      return undefined;
    }
    const body = parsed.body as Body;
    const langCode = languageOf(body as { requestContext?: { langCode?: unknown } });
    const transactionId = typeof body.transactionId === 'string' ? body.transactionId : undefined;
    if (!validate(body)) {
      const e = validate.errors![0]!;
      sendFlatError(res, { code: 'GRX-5004', params: { path: e.instancePath || '/', detail: e.message ?? 'wrong type' } }, langCode, transactionId);
      return undefined;
    }
    const request = { depResellerId: body.depResellerId as string | undefined, requestContext: (body.requestContext ?? {}) as { shipTo?: string; timeZone?: string; langCode?: string } };
    const shipToCode = shipToToLookUp(request);
    const contextError = checkResellerContext(request, auth.supplier, shipToCode ? await findShipTo(db, shipToCode) : undefined);
    if (contextError) {
      sendFlatError(res, contextError, langCode, transactionId);
      return undefined;
    }
    res.locals.reseller = auth.supplier.supplierId;
    return { supplier: auth.supplier, langCode, body };
  }

  router.post('/bulk-enroll-devices', raw, async (req, res) => {
    const auth = await authenticate(db, req, settings);
    if ('error' in auth) return sendFlatError(res, auth.error, 'en');
    const typeError = contentTypeError(req);
    if (typeError) return sendFlatError(res, typeError, 'en');
    res.locals.reseller = auth.supplier.supplierId;
    const result = await intake.receive({
      partnerId: auth.supplier.supplierId,
      channel: 'reseller-api',
      fileName: 'bulk-enroll-devices',
      bytes: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      mappingId: RESELLER_API_MAPPING,
      actor: `reseller:${auth.supplier.supplierId}`,
    });
    res.locals.documentId = result.documentId;
    sendBulkAnswer(res, result);
  });

  router.post('/check-transaction-status', raw, async (req, res) => {
    const caller = await admit(req, res, validators.status);
    if (!caller) return;
    const id = caller.body.deviceEnrollmentTransactionId as string | undefined;
    const envelope = 'checkTransactionErrorResponse';
    if (!id || id.trim() === '') return sendEnvelope(res, envelope, [{ code: 'DEP-ERR-4001' }], caller.langCode);
    if (id.length > FIELD_LIMITS.enrollmentTransactionIdChars) {
      return sendEnvelope(res, envelope, [{ code: 'DEP-ERR-4002', params: { max: FIELD_LIMITS.enrollmentTransactionIdChars } }], caller.langCode);
    }
    const stored = await findTransactionByEnrollmentId(db, id);
    // Another reseller's transaction is answered exactly like one that does not exist.
    if (!stored || stored.supplierPk !== caller.supplier.pk) {
      return sendEnvelope(res, envelope, [{ code: 'DEP-ERR-4004', params: { id } }], caller.langCode);
    }
    res.json(transactionStatusAnswer(stored, caller.langCode));
  });

  router.post('/show-order-details', raw, async (req, res) => {
    const caller = await admit(req, res, validators.show);
    if (!caller) return;
    const envelope = 'showOrderErrorResponse';
    const numbers = ((caller.body.orderNumbers as string[] | undefined) ?? []).filter((n) => n.trim() !== '');
    if (numbers.length === 0) return sendEnvelope(res, envelope, [{ code: 'DEP-ERR-5001' }], caller.langCode);
    if (numbers.length > settings.maxOrderNumbersPerShowRequest) {
      return sendEnvelope(res, envelope, [{ code: 'GW-TX-3012', params: { count: numbers.length, max: settings.maxOrderNumbersPerShowRequest } }], caller.langCode);
    }
    const orders = await findOrders(db, caller.supplier.pk, numbers);
    let found = 0;
    const shown = numbers.map((orderNumber) => {
      const order = orders.get(orderNumber);
      if (!order) {
        const error: CodedError = { code: 'DEP-ERR-5002', params: { orderNumber } };
        return { orderNumber, showOrderStatusCode: error.code, showOrderStatusMessage: renderMessage(error, caller.langCode) };
      }
      found++;
      // The current device list: live devices of a sale, returns in effect of a return;
      // a voided order has none. Grouped by delivery in one pass over the lines.
      const current = order.kind === 'sale' ? 'live' : 'returned';
      const byDelivery = new Map<string, { deviceId: string; assetTag?: string }[]>();
      for (const l of order.status === 'open' ? order.lines.values() : []) {
        if (l.status !== current) continue;
        let list = byDelivery.get(l.deliveryNumber);
        if (!list) byDelivery.set(l.deliveryNumber, (list = []));
        list.push({ deviceId: l.serial, ...(l.assetTag ? { assetTag: l.assetTag } : {}) });
      }
      return {
        orderNumber,
        orderDate: order.orderDate,
        orderType: order.lastType,
        customerId: order.customerId,
        ...(order.poNumber ? { poNumber: order.poNumber } : {}),
        deliveries: order.deliveries.map((d) => ({
          deliveryNumber: d.deliveryNumber,
          shipDate: d.shipDate,
          devices: byDelivery.get(d.deliveryNumber) ?? [],
        })),
      };
    });
    res.json({
      statusCode: found === numbers.length ? 'COMPLETE' : found === 0 ? 'ERROR' : 'COMPLETE_WITH_ERRORS',
      respondedOn: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      orders: shown,
    });
  });

  return router;
}

/**
 * The check-transaction-status answer of a stored transaction, in the caller's language:
 * what the reseller API answers, and what GET /v1/transactions/{id} shows as its ack.
 */
export function transactionStatusAnswer(stored: StoredTransaction, langCode: string) {
  return {
    deviceEnrollmentTransactionID: stored.enrollmentId,
    transactionId: stored.transactionId,
    completedOn: stored.completedAt.replace(/\.\d{3}Z$/, 'Z'),
    statusCode: stored.outcome.statusCode,
    orders: stored.outcome.orders.map((o) => wireOrder(o, langCode)),
  };
}

function statusFields(prefix: string, status: PostStatus, error: CodedError | undefined, langCode: string): Record<string, string> {
  const out: Record<string, string> = { [`${prefix}PostStatus`]: status };
  if (error) out[`${prefix}PostStatusMessage`] = renderMessage(error, langCode);
  return out;
}

function wireDevice(d: DeviceOutcome, langCode: string): Record<string, string> {
  return { deviceId: d.deviceId, ...statusFields('device', d.status, d.error, langCode) };
}

function wireDelivery(d: DeliveryOutcome, langCode: string): Record<string, unknown> {
  return {
    deliveryNumber: d.deliveryNumber,
    ...statusFields('delivery', d.status, d.error, langCode),
    devices: d.devices.map((x) => wireDevice(x, langCode)),
  };
}

function wireOrder(o: OrderOutcome, langCode: string): Record<string, unknown> {
  return {
    orderNumber: o.orderNumber,
    ...statusFields('order', o.status, o.error, langCode),
    deliveries: o.deliveries.map((d) => wireDelivery(d, langCode)),
  };
}
