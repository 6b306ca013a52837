// Parameters several routes share (identifiers and day filters, with their schemas) and
// the 400 that names a parameter a handler refused after the schema check.
import type { Response } from 'express';
import type { FilterRefusal } from '../../../query/days.js';
import { sendHttpError, type ErrorDetail } from '../principal.js';
import type { JsonSchema } from './route.js';

/** A supplier id as src/admin/operations.ts allows it: a reseller number, or APPLE. */
export const SUPPLIER_ID_SCHEMA: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9]{1,32}$', description: 'A supplier id: a reseller number, or APPLE.', examples: ['16FCE4A0'] };
export const ORG_ID_SCHEMA: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$', description: 'An organisation id.' };
/** As orders.order_number holds it. */
export const ORDER_NUMBER_SCHEMA: JsonSchema = { type: 'string', minLength: 1, maxLength: 32 };

/** A day filter; the handler also checks it is a calendar date and that from <= to (src/query/days.ts). */
export const DAY_SCHEMA: JsonSchema = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', examples: ['2026-01-31'] };

export const DAY_PARAMS: Record<string, JsonSchema> = {
  from: { ...DAY_SCHEMA, description: 'First day (YYYY-MM-DD, UTC), included.' },
  to: { ...DAY_SCHEMA, description: 'Last day (YYYY-MM-DD, UTC), included.' },
};

/** 400 GW-API-4001 naming the parameter, as the route's schema check answers. */
export function refuseParam(res: Response, detail: ErrorDetail): void {
  sendHttpError(res, 400, 'GW-API-4001', `The request is invalid: ${detail.in} "${detail.path}" ${detail.message}.`, [detail]);
}

/** The same, for a day-range refusal of src/query/days.ts. */
export function refuseFilter(res: Response, refusal: FilterRefusal): void {
  refuseParam(res, { in: 'query', path: refusal.field, message: refusal.message });
}
