// The reseller API (/enroll-service/1.0/...): wire-compatible with the protocol that
// resellers' existing clients speak (../shared/spec/dep-reseller-api.md). It is a
// channel: it checks the envelope and the caller, then hands the transaction to intake.
import express, { type Request, type Response, type Router } from 'express';
import type { Knex } from 'knex';
import { Ajv, type ValidateFunction } from 'ajv';
import { checkTransaction } from '../../domain/order-fields.js';
import type { Supplier } from '../../model/state.js';
import type { CodedError } from '../../model/error-codes.js';
import { renderMessage, toWire } from '../../model/messages.js';
import { submitTransaction } from '../../intake/reseller-transactions.js';
import { findOrders } from '../../store/enrollment-store.js';
import { findShipTo } from '../../store/suppliers.js';
import { findTransactionByEnrollmentId, type StoredTransaction } from '../../store/transactions.js';
import { BULK_ENROLL_SCHEMA, CHECK_STATUS_SCHEMA, SHOW_ORDER_SCHEMA } from './reseller-schemas.js';
import { authenticate, type AuthSettings } from './auth.js';
import { httpStatusFor, readJsonBody, sendFlatError } from './errors.js';
import { gatewayMetrics } from '../../metrics/metrics.js';
import { FIELD_LIMITS } from '../../model/limits.js';
import type { DeliveryOutcome, DeviceOutcome, OrderOutcome, PostStatus } from '../../model/enrollment.js';
import type { OrderInput } from '../../model/commands.js';

export interface ResellerApiSettings extends AuthSettings {
  maxBodyBytes: number;
  maxOrdersPerTransaction: number;
  maxDevicesPerTransaction: number;
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
  bulk: ajv.compile(BULK_ENROLL_SCHEMA),
  status: ajv.compile(CHECK_STATUS_SCHEMA),
  show: ajv.compile(SHOW_ORDER_SCHEMA),
};

/** Answers an error list in a call's own envelope: one object, or an array of several. */
function sendEnvelope(res: Response, envelope: string, errors: CodedError[], langCode: string, status?: number): void {
  const wire = errors.map((e) => toWire(e, langCode));
  res.status(status ?? httpStatusFor(errors[0]!.code)).json({ [envelope]: wire.length === 1 ? wire[0] : wire });
}

function langOf(body: Body | undefined): string {
  const ctx = body?.requestContext as { langCode?: unknown } | undefined;
  return typeof ctx?.langCode === 'string' && /^[a-zA-Z]{2}$/.test(ctx.langCode) ? ctx.langCode.toLowerCase() : 'en';
}

export function isValidTimeZone(value: string): boolean {
  if (/^[+-]?\d{1,4}$/.test(value)) return Math.abs(Number(value)) <= 840;
  if (value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The context every call carries: who acts, from which Ship-To, in which language. */
async function checkContext(db: Knex, body: Body, supplier: Supplier): Promise<CodedError | undefined> {
  const resellerId = body.depResellerId as string | undefined;
  if (!resellerId || resellerId.trim() === '') return { code: 'GRX-1056' };
  if (resellerId !== supplier.supplierId) return { code: 'GRX-90004', params: { depResellerId: resellerId } };
  const ctx = (body.requestContext ?? {}) as { shipTo?: string; timeZone?: string; langCode?: string };
  if (!ctx.shipTo) return { code: 'GRX-50020' };
  if (!/^\d{10}$/.test(ctx.shipTo)) return { code: 'GRX-50025' };
  const shipTo = await findShipTo(db, ctx.shipTo);
  if (!shipTo || shipTo.supplierPk !== supplier.pk) return { code: 'GRX-50025' };
  if (!shipTo.active) return { code: 'GRX-50026', params: { shipTo: ctx.shipTo } };
  if (!ctx.timeZone || !isValidTimeZone(ctx.timeZone)) return { code: 'GRX-50022', params: { value: ctx.timeZone ?? '' } };
  if (!ctx.langCode) return { code: 'GRX-50031' };
  return undefined;
}

export function resellerApi(db: Knex, settings: ResellerApiSettings): Router {
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: settings.maxBodyBytes });

  /**
   * Everything before a call's own logic: the caller, the content type, the JSON, its
   * types and the request context. Errors here are flat, at top level, as the protocol
   * answers them. Returns undefined when an answer was already sent.
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
    const langCode = langOf(body);
    const transactionId = typeof body.transactionId === 'string' ? body.transactionId : undefined;
    if (!validate(body)) {
      const e = validate.errors![0]!;
      sendFlatError(res, { code: 'GRX-5004', params: { path: e.instancePath || '/', detail: e.message ?? 'wrong type' } }, langCode, transactionId);
      return undefined;
    }
    const contextError = await checkContext(db, body, auth.supplier);
    if (contextError) {
      sendFlatError(res, contextError, langCode, transactionId);
      return undefined;
    }
    res.locals.reseller = auth.supplier.supplierId;
    return { supplier: auth.supplier, langCode, body };
  }

  router.post('/bulk-enroll-devices', raw, async (req, res) => {
    const caller = await admit(req, res, validators.bulk);
    if (!caller) return;
    const transactionId = caller.body.transactionId as string | undefined;
    const orders = protocolFields(caller.body.orders as OrderInput[] | undefined);
    const errors = checkTransaction(transactionId, orders, settings);
    if (errors.length > 0) {
      gatewayMetrics.documentReceived('reseller-api', 'json', 'rejected');
      return sendEnvelope(res, 'enrollDeviceErrorResponse', errors, caller.langCode);
    }
    const result = await submitTransaction(db, caller.supplier, { transactionId: transactionId!, orders: orders! }, `reseller:${caller.supplier.supplierId}`);
    // A reused id with another body is refused; with the same body it is a duplicate that
    // applies nothing again; a committed one is counted by its outcome.
    gatewayMetrics.documentReceived(
      'reseller-api',
      'json',
      result.kind === 'conflict'
        ? 'rejected'
        : result.kind === 'repeated'
          ? 'duplicate'
          : result.outcome.statusCode === 'COMPLETE'
            ? 'applied'
            : result.outcome.statusCode === 'COMPLETE_WITH_ERRORS'
              ? 'applied_with_errors'
              : 'rejected',
    );
    if (result.kind === 'conflict') {
      return sendEnvelope(res, 'enrollDeviceErrorResponse', [{ code: 'GW-TX-3010', params: { transactionId } }], caller.langCode);
    }
    gatewayMetrics.devicesEnrolled('reseller-api', result.devicesEnrolled);
    res.locals.enrollmentId = result.enrollmentId;
    res.status(200).json({
      deviceEnrollmentTransactionId: result.enrollmentId,
      enrollDevicesResponse: { statusCode: 'SUCCESS', statusMessage: 'Transaction posted successfully in DEP' },
    });
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

/**
 * Keeps only the protocol's fields (and the deviceFamily extension). Extras that clients
 * send are tolerated on the wire but not stored, hashed or passed on: the resubmission
 * check compares what the gateway acts on, and no unbounded structure reaches intake.
 */
function protocolFields(orders: OrderInput[] | undefined): OrderInput[] | undefined {
  return orders?.map((o) => ({
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
  }));
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
