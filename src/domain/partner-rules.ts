// Rules about the partner a request comes from, applied wherever the request carries
// what they check: the reseller protocol's context (the reseller it says it is, its
// Ship-To, time zone and language) and its transaction limits (orders and devices per
// transaction). A request that fails one applies nothing.
import type { ResellerTransactionCommand } from '../model/commands.js';
import type { CodedError } from '../model/error-codes.js';
import type { Supplier } from '../model/state.js';
import { createHash } from 'node:crypto';
import { checkTransaction, type TransactionLimits } from './order-fields.js';

/** A Ship-To account as registered: whose it is and whether it is active. */
export interface ShipToOnFile {
  supplierPk: number;
  active: boolean;
}

/** The protocol's time zone: minutes from UTC ("420", "-60") or an IANA id ("Europe/Vilnius"). */
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

/**
 * The context every reseller call carries, checked in the protocol's order: the reseller
 * id is the caller's own, the Ship-To is one of the caller's active accounts, the time
 * zone and language are there. `shipTo` is the account the request names, as on file.
 */
export function checkResellerContext(
  request: Pick<ResellerTransactionCommand, 'depResellerId' | 'requestContext'>,
  supplier: Supplier,
  shipTo: ShipToOnFile | undefined,
): CodedError | undefined {
  const resellerId = request.depResellerId;
  if (!resellerId || resellerId.trim() === '') return { code: 'GRX-1056' };
  if (resellerId !== supplier.supplierId) return { code: 'GRX-90004', params: { depResellerId: resellerId } };
  const ctx = request.requestContext;
  if (!ctx.shipTo) return { code: 'GRX-50020' };
  if (!/^\d{10}$/.test(ctx.shipTo)) return { code: 'GRX-50025' };
  if (!shipTo || shipTo.supplierPk !== supplier.pk) return { code: 'GRX-50025' };
  if (!shipTo.active) return { code: 'GRX-50026', params: { shipTo: ctx.shipTo } };
  if (!ctx.timeZone || !isValidTimeZone(ctx.timeZone)) return { code: 'GRX-50022', params: { value: ctx.timeZone ?? '' } };
  if (!ctx.langCode) return { code: 'GRX-50031' };
  return undefined;
}

/** The Ship-To a request names, when it is worth looking up (ten digits). */
export function shipToToLookUp(request: Pick<ResellerTransactionCommand, 'requestContext'>): string | undefined {
  const shipTo = request.requestContext.shipTo;
  return shipTo && /^\d{10}$/.test(shipTo) ? shipTo : undefined;
}

/**
 * Every rule a reseller transaction must pass before any of it applies: the context,
 * then the transaction's own (its id, orders and devices within the limits). Context
 * errors come alone, as the protocol answers them; transaction errors all together.
 */
export function checkResellerTransaction(
  request: ResellerTransactionCommand,
  supplier: Supplier,
  shipTo: ShipToOnFile | undefined,
  limits: TransactionLimits,
): { context?: CodedError; transaction: CodedError[] } {
  const context = checkResellerContext(request, supplier, shipTo);
  if (context) return { context, transaction: [] };
  return { transaction: checkTransaction(request.transactionId, request.orders, limits) };
}

/** The language the protocol's messages are rendered in: the request's two-letter langCode, else English. */
export function languageOf(request: { requestContext?: { langCode?: unknown } } | undefined): string {
  const code = request?.requestContext?.langCode;
  return typeof code === 'string' && /^[a-zA-Z]{2}$/.test(code) ? code.toLowerCase() : 'en';
}

/** Canonical JSON (keys sorted) so that key order and spacing do not make a body "different". */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What makes two requests with one transaction id the same transaction: the transaction
 * id and the orders, compared as canonical JSON. The same answers the first result and
 * applies nothing again; another is refused (GW-TX-3010).
 */
export function transactionDigest(request: Pick<ResellerTransactionCommand, 'transactionId' | 'orders'>): string {
  return createHash('sha256').update(canonicalJson({ transactionId: request.transactionId, orders: request.orders })).digest('hex');
}
