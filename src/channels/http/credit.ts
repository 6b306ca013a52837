// Volume (VPP) credit over HTTP, for organisation admins (their own organisation), and the
// reconciliation report for finance (every organisation, or the set its key covers),
// operators (every organisation) and organisation admins (their own). Routes on /v1,
// declared as data (api/route.ts), so /openapi.json documents them and ajv checks them:
//   GET  /credit/accounts                      balances per location and currency
//   GET  /credit/codes                         the organisation's codes (?order, state, format=json|csv, limit)
//   POST /credit/codes/{codeId}/reissue        a new code for an unredeemed unit
//   POST /credit/redemptions                   {code, location, currency}            + Idempotency-Key
//   POST /credit/spends                        {location, currency, date, itemId, quantity, unitPrice} + Idempotency-Key
//   POST /credit/spends/{entryId}/reversal     a refunded content purchase            + Idempotency-Key
//   POST /credit/purchases?location=L          a purchase-history CSV, all rows or none
//   GET  /reports/credit                       the reconciliation report (?from, to, currency, org, format, section)
// The rules are the ledger's (src/credit/ledger.ts): this file declares the requests,
// and maps coded results to HTTP statuses. A request that fails its schema is the credit
// API's own GW-CR-7006 (naming the field, never echoing a body value: a redemption's body
// holds a code), 400 for a body that is not the expected object, 422 for a field. Amounts
// travel as decimal strings; the schemas let a JSON number through where an amount
// belongs, so that it meets the ledger's own refusal, GW-CR-7002.
//
// A code is bearer value: request bodies of redemptions and code listings are never
// logged, and answers that hold codes are marked Cache-Control: no-store.
import { rmSync } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { createSpoolFile } from './spool.js';
import {
  listAccounts,
  listCodes,
  recordSpend,
  redeemCode,
  reissueCode,
  reverseSpend,
  type EntryResult,
  type OrgRef,
} from '../../credit/ledger.js';
import { importPurchases } from '../../credit/purchases-csv.js';
import { checkLocation, type Checked } from '../../domain/credit.js';
import type { CodedError, ErrorCode } from '../../model/error-codes.js';
import { renderMessage } from '../../model/messages.js';
import { creditReport } from '../../reports/credit.js';
import { creditMismatchesCsv, creditReportCsv, ledgerEntriesCsv, ReportRefused } from '../../reports/credit-csv.js';
import { creditReportXlsx, ledgerEntriesXlsx, XLSX_CONTENT_TYPE } from '../../reports/credit-xlsx.js';
import { csvConventionOf } from '../../formats/csv/write.js';
import { CODE_COLUMNS, codesCsv } from '../../credit/codes-csv.js';
import type { ApiRouter, JsonSchema, RouteSpec } from './api/route.js';
import { ERROR_SCHEMA } from './api/route.js';
import type { ApiDeps } from './api/deps.js';
import { actorOf, sendHttpError, type ErrorDetail, type Principal } from './principal.js';
import { CREDIT_API_LIMITS, CREDIT_LIMITS, REPORT_LIMITS } from '../../model/limits.js';
import { CODE_STATES } from '../../model/credit.js';

/** The HTTP status of each ledger refusal; any other coded refusal is a validation error (422). */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  'GW-CR-7020': 404,
  'GW-CR-7033': 404,
  'GW-CR-7022': 403,
  'GW-CR-7021': 409,
  'GW-CR-7024': 409,
  'GW-CR-7025': 409,
  'GW-CR-7027': 409,
  'GW-CR-7031': 409,
  'GW-CR-7032': 409,
  'GW-CR-7028': 422,
  'GW-CR-7030': 400,
};

export function creditStatusFor(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 422;
}

function sendCoded(res: Response, status: number, error: CodedError): void {
  sendHttpError(res, status, error.code, renderMessage(error));
}

function sendRefusal(res: Response, error: CodedError): void {
  sendCoded(res, creditStatusFor(error.code), error);
}

/** A request-shape problem: GW-CR-7006 names the field and what was expected. */
function invalid(field: string, value: string, detail: string): CodedError {
  return { code: 'GW-CR-7006', params: { field: field.slice(0, 60), value: value.slice(0, 80), detail } };
}

/** Sends a ledger write's result: 201 the first time, 200 with the same body on a replay. */
function sendEntry(res: Response, result: Checked<EntryResult>): void {
  if (!result.ok) return sendRefusal(res, result.error);
  const { replayed, ...body } = result.value;
  if (replayed) res.setHeader('Idempotent-Replayed', 'true');
  res.status(replayed ? 200 : 201).json(body);
}

const SAFE_FILE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

class BodyTooLarge extends Error {
  constructor(readonly received: number) {
    super('body too large');
  }
}

// ---------------------------------------------------------------------------------------
// Schemas: requests

const LOCATION: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: CREDIT_LIMITS.locationChars,
  description: `The location (content purchaser) of the account: 1 to ${CREDIT_LIMITS.locationChars} letters, digits, spaces or . _ @ -, starting with a letter or digit.`,
};
const CURRENCY: JsonSchema = {
  type: 'string',
  maxLength: 10,
  description: 'An ISO 4217 code of a credit currency (JPY, USD, EUR, ...); another is 422 GW-CR-7001.',
};
/** An amount: a decimal string. A JSON number passes the schema on purpose and is the ledger's GW-CR-7002. */
const AMOUNT_IN: JsonSchema = {
  anyOf: [{ type: 'string' }, { type: 'number' }],
  description: 'A decimal string of the currency, such as "300" or "12.50"; a JSON number is refused with 422 GW-CR-7002.',
  examples: ['300'],
};
const IDEMPOTENCY_KEY = {
  description: `Required: 1 to ${CREDIT_LIMITS.idempotencyKeyChars} printable ASCII characters (else 400 GW-CR-7030). The same key and body again answers the first result (200, Idempotent-Replayed: true); another body is 409 GW-CR-7031.`,
  schema: { type: 'string', minLength: 1, maxLength: CREDIT_LIMITS.idempotencyKeyChars, pattern: '^[\\x21-\\x7e]+$' },
  required: true,
};

const REDEMPTION_BODY: JsonSchema = {
  type: 'object',
  required: ['code', 'location', 'currency'],
  additionalProperties: false,
  properties: {
    code: { type: 'string', description: 'The redemption code as delivered (XXXXX-XXXXX-XXXXX-XXXXX); case, spaces and dashes are forgiven.' },
    location: LOCATION,
    currency: CURRENCY,
  },
};

const SPEND_BODY: JsonSchema = {
  type: 'object',
  required: ['location', 'currency', 'date', 'itemId', 'quantity', 'unitPrice'],
  additionalProperties: false,
  properties: {
    location: LOCATION,
    currency: CURRENCY,
    date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'The purchase date, a calendar date YYYY-MM-DD.' },
    itemId: { type: 'string', minLength: 1, maxLength: CREDIT_LIMITS.itemIdChars, description: `The content item bought: 1 to ${CREDIT_LIMITS.itemIdChars} printable characters.` },
    quantity: {
      anyOf: [{ type: 'number' }, { type: 'string' }],
      description: `Units bought: a whole number from 1 to ${CREDIT_LIMITS.maxPurchaseQuantity} (a JSON integer or its digits); anything else is 422 GW-CR-7005.`,
    },
    unitPrice: AMOUNT_IN,
  },
};

/** No body, or an empty object: the entry id in the path says it all. */
const EMPTY_BODY: JsonSchema = { type: 'object', additionalProperties: false, properties: {}, description: 'Nothing, or {}.' };

const ID_PARAM = (what: string, prefix: string): JsonSchema => ({
  type: 'string',
  minLength: 1,
  maxLength: CREDIT_API_LIMITS.idChars,
  description: `The ${what} id (${prefix}...).`,
});

// ---------------------------------------------------------------------------------------
// Schemas: answers

const str: JsonSchema = { type: 'string' };
const nullableStr: JsonSchema = { type: ['string', 'null'] };
const AMOUNT: JsonSchema = { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', description: 'A decimal string with the currency\'s decimals; never a JSON number.' };
const count: JsonSchema = { type: 'integer', minimum: 0 };

const ENTRY: JsonSchema = {
  type: 'object',
  required: ['entryId', 'kind', 'orgId', 'location', 'currency', 'amount', 'balance', 'at'],
  additionalProperties: false,
  properties: {
    entryId: { type: 'string', description: 'The ledger entry (cre_...).' },
    kind: { enum: ['redeemed', 'spent'] },
    orgId: str,
    location: str,
    currency: str,
    amount: { ...AMOUNT, description: 'What the entry moved; negative for a reversal.' },
    balance: { ...AMOUNT, description: "The account's balance just after this entry." },
    at: str,
    codeId: { type: 'string', description: 'Redemptions: the code redeemed (its id, never the code).' },
    reverses: { type: 'string', description: 'Reversals: the purchase reversed.' },
    itemId: str,
    quantity: { type: 'integer', minimum: 1 },
    unitPrice: AMOUNT,
    date: str,
  },
};

const ENTRY_RESPONSES: RouteSpec['responses'] = {
  201: { description: 'Recorded.', schema: ENTRY },
  200: {
    description: 'The same Idempotency-Key and body again: the first result, unchanged.',
    schema: ENTRY,
    headers: { 'Idempotent-Replayed': { description: 'true: this answer is a replay of the first.', schema: { const: 'true' } } },
  },
};

const CODE_LISTING: JsonSchema = {
  type: 'object',
  required: ['codeId', 'code', 'hint', 'supplierId', 'orderNumber', 'line', 'unit', 'amount', 'currency', 'state', 'issuedAt', 'downloadUntil', 'settledAt'],
  additionalProperties: false,
  properties: {
    codeId: str,
    code: { type: ['string', 'null'], description: 'The code itself while it is unredeemed and its download window is open; null otherwise.' },
    hint: { type: 'string', description: 'The last characters of the code, to tell codes apart.' },
    supplierId: str,
    orderNumber: str,
    line: str,
    unit: { type: 'integer', minimum: 0 },
    amount: AMOUNT,
    currency: str,
    state: { enum: [...CODE_STATES] },
    issuedAt: str,
    downloadUntil: str,
    settledAt: nullableStr,
  },
};

const PURCHASE_RESULT: JsonSchema = {
  type: 'object',
  required: ['importId', 'status', 'fileName', 'sha256', 'rows', 'recorded', 'alreadyRecorded', 'totals', 'errors', 'entries'],
  additionalProperties: false,
  properties: {
    importId: str,
    status: { enum: ['applied', 'rejected'] },
    fileName: str,
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    rows: count,
    recorded: count,
    alreadyRecorded: count,
    totals: { type: 'object', additionalProperties: AMOUNT, description: 'Per currency, what this import recorded.' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: { code: str, message: str, params: { type: 'object' } },
      },
    },
    entries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['line', 'entryId', 'replayed'],
        additionalProperties: false,
        properties: { line: { type: 'integer', minimum: 1 }, entryId: str, replayed: { type: 'boolean' } },
      },
    },
  },
};

const SUPPLIER_FIGURES = ['ordered', 'issued', 'redeemed', 'refunded', 'voided', 'outstanding'] as const;
const ALL_FIGURES = ['ordered', 'issued', 'redeemed', 'spent', 'refunded', 'voided', 'outstanding', 'balance'] as const;
const figures = (names: readonly string[]): Record<string, JsonSchema> => Object.fromEntries(names.map((n) => [n, AMOUNT]));

const SUPPLIER_ROW: JsonSchema = {
  type: 'object',
  required: ['supplierId', 'name', ...SUPPLIER_FIGURES],
  additionalProperties: false,
  properties: { supplierId: str, name: str, ...figures(SUPPLIER_FIGURES) },
};

const MISMATCH_MESSAGE = { type: 'string', description: 'What disagrees, in words.' };
const MISMATCH: JsonSchema = {
  oneOf: [
    {
      type: 'object',
      required: ['kind', 'supplierId', 'orderNumber', 'line', 'orgId', 'currency', 'quantity', 'issuedUnits', 'ordered', 'issued', 'message'],
      additionalProperties: false,
      properties: {
        kind: { const: 'ordered_not_issued' },
        supplierId: str,
        orderNumber: str,
        line: str,
        orgId: str,
        currency: str,
        quantity: count,
        issuedUnits: count,
        ordered: AMOUNT,
        issued: AMOUNT,
        message: MISMATCH_MESSAGE,
      },
    },
    {
      type: 'object',
      required: ['kind', 'codeId', 'orgId', 'supplierId', 'orderNumber', 'line', 'amount', 'currency', 'downloadUntil', 'message'],
      additionalProperties: false,
      properties: {
        kind: { const: 'code_unredeemed_past_window' },
        codeId: str,
        orgId: str,
        supplierId: str,
        orderNumber: str,
        line: str,
        amount: AMOUNT,
        currency: str,
        downloadUntil: str,
        message: MISMATCH_MESSAGE,
      },
    },
    {
      type: 'object',
      required: ['kind', 'accountId', 'orgId', 'location', 'currency', 'balance', 'entries', 'message'],
      additionalProperties: false,
      properties: {
        kind: { const: 'balance_mismatch' },
        accountId: str,
        orgId: str,
        location: str,
        currency: str,
        balance: AMOUNT,
        entries: AMOUNT,
        message: MISMATCH_MESSAGE,
      },
    },
  ],
};

const CREDIT_REPORT: JsonSchema = {
  type: 'object',
  required: ['period', 'filters', 'generatedAt', 'currencies', 'mismatches', 'mismatchCounts'],
  additionalProperties: false,
  properties: {
    period: { type: 'object', required: ['from', 'to'], additionalProperties: false, properties: { from: str, to: str } },
    filters: {
      type: 'object',
      required: ['currency', 'orgId', 'orgIds'],
      additionalProperties: false,
      properties: {
        currency: nullableStr,
        orgId: nullableStr,
        orgIds: { type: ['array', 'null'], items: str, description: 'The organisations a limited finance key covers; null: no such limit.' },
      },
    },
    generatedAt: str,
    currencies: {
      type: 'array',
      description: 'One section per currency: amounts in different currencies are never added together.',
      items: {
        type: 'object',
        required: ['currency', 'minorUnit', 'totals', 'suppliers', 'organisations'],
        additionalProperties: false,
        properties: {
          currency: str,
          minorUnit: { type: 'integer', minimum: 0 },
          totals: { type: 'object', required: [...ALL_FIGURES], additionalProperties: false, properties: figures(ALL_FIGURES) },
          suppliers: { type: 'array', items: SUPPLIER_ROW },
          organisations: {
            type: 'array',
            items: {
              type: 'object',
              required: ['orgId', 'name', ...ALL_FIGURES, 'suppliers'],
              additionalProperties: false,
              properties: { orgId: str, name: str, ...figures(ALL_FIGURES), suppliers: { type: 'array', items: SUPPLIER_ROW } },
            },
          },
        },
      },
    },
    mismatches: { type: 'array', items: MISMATCH, description: `At most ${REPORT_LIMITS.maxMismatchesListed} of each kind.` },
    mismatchCounts: {
      type: 'object',
      required: ['ordered_not_issued', 'code_unredeemed_past_window', 'balance_mismatch'],
      additionalProperties: false,
      properties: { ordered_not_issued: count, code_unredeemed_past_window: count, balance_mismatch: count },
    },
  },
};

// ---------------------------------------------------------------------------------------
// Refusals of a request's shape

/** What each field or parameter expects, in the words of GW-CR-7006 ("expected ..."). */
const EXPECTED = {
  code: 'the code as a string',
  location: `1 to ${CREDIT_LIMITS.locationChars} letters, digits, spaces or . _ @ -`,
  currency: 'an ISO 4217 code as a string',
  date: 'a calendar date YYYY-MM-DD',
  itemId: `1 to ${CREDIT_LIMITS.itemIdChars} printable characters`,
  quantity: `a whole number from 1 to ${CREDIT_LIMITS.maxPurchaseQuantity}`,
  unitPrice: 'a decimal string',
  order: `an order number of 1 to ${CREDIT_API_LIMITS.orderNumberChars} characters`,
  state: CODE_STATES.join(', '),
  format: 'json or csv',
  limit: `a whole number from 1 to ${CREDIT_API_LIMITS.maxCodesListed}`,
  codeId: `a code id of 1 to ${CREDIT_API_LIMITS.idChars} characters`,
  entryId: `an entry id of 1 to ${CREDIT_API_LIMITS.idChars} characters`,
  org: `an organisation id of 1 to ${CREDIT_API_LIMITS.orgIdChars} characters`,
  section: 'totals or mismatches',
  from: 'a calendar date YYYY-MM-DD',
  to: 'a calendar date YYYY-MM-DD',
} as const;

/**
 * The credit API's answer to a request that fails its schemas: GW-CR-7006 naming the field
 * and what it expects, never the value sent (a redemption's body holds a code). A body
 * that is not the expected object (not JSON, not an object, an unknown key) is 400; a
 * field or parameter that is missing or wrong is 422, as the ledger answers a wrong value.
 * `names` are the route's fields or parameters (its schema's keys).
 */
function creditInvalid(names: readonly string[]) {
  const only = names.length > 0 ? `only ${names.join(', ')}` : 'none';
  return (d: ErrorDetail): { status: number; code: string; message: string } => {
    const unknownKey = d.message.startsWith('is not a known');
    const status = d.in === 'body' && (d.path === '' || unknownKey) ? 400 : 422;
    let error: CodedError;
    if (unknownKey && d.in === 'body') error = invalid('body', `unknown key ${JSON.stringify(d.path.slice(0, 40))}`, only);
    else if (unknownKey) error = invalid(d.path, 'not a parameter of this route', only);
    else if (d.message === 'is required') error = invalid(d.path, 'missing', 'a value: it is required');
    else if (d.path === '') error = invalid(d.in, d.message, d.in === 'body' ? 'a JSON object' : 'a valid value');
    else error = invalid(d.path, d.message, (EXPECTED as Record<string, string | undefined>)[d.path] ?? 'a valid value');
    return { status, code: error.code, message: renderMessage(error) };
  };
}

// ---------------------------------------------------------------------------------------
// Routes

export function creditRoutes(api: ApiRouter, deps: ApiDeps): void {
  const { db } = deps;
  const spoolDir = deps.config.intake.spoolDir;
  const maxPurchaseRows = deps.config.credit.maxPurchaseRows;

  /** The organisation of an org-admin route: its roles admit org admins only. */
  function orgOf(p: Principal): OrgRef {
    if (p.role !== 'org_admin') throw new Error(`an organisation admin route reached its handler with a ${p.role} key`);
    return p.org;
  }

  api.route(
    {
      method: 'get',
      path: '/credit/accounts',
      operationId: 'listCreditAccounts',
      summary: 'Reading credit accounts',
      description: "The organisation's credit accounts: one per location and currency, with its balance.",
      tag: 'Credit',
      roles: ['org_admin'],
      responses: {
        200: {
          description: 'The accounts, by currency then location.',
          schema: {
            type: 'object',
            required: ['orgId', 'accounts'],
            additionalProperties: false,
            properties: {
              orgId: str,
              accounts: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['accountId', 'location', 'currency', 'balance', 'updatedAt'],
                  additionalProperties: false,
                  properties: { accountId: str, location: str, currency: str, balance: AMOUNT, updatedAt: str },
                },
              },
            },
          },
        },
      },
    },
    async ({ res, principal }) => {
      const org = orgOf(principal);
      res.json({ orgId: org.orgId, accounts: await listAccounts(db, org) });
    },
  );

  const codesQuery: Record<string, JsonSchema> = {
    order: { type: 'string', minLength: 1, maxLength: CREDIT_API_LIMITS.orderNumberChars, description: `Only this order's codes: an order number of 1 to ${CREDIT_API_LIMITS.orderNumberChars} characters.` },
    state: { enum: [...CODE_STATES], description: `Only codes in this state: ${CODE_STATES.join(', ')}.` },
    format: { enum: ['json', 'csv'], default: 'json', description: 'json (default) or csv (text/csv). Codes have no XLSX form.' },
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: CREDIT_API_LIMITS.maxCodesListed,
      default: CREDIT_API_LIMITS.defaultCodesListed,
      description: `How many codes to list, 1 to ${CREDIT_API_LIMITS.maxCodesListed} (default ${CREDIT_API_LIMITS.defaultCodesListed}).`,
    },
  };
  api.route(
    {
      method: 'get',
      path: '/credit/codes',
      operationId: 'listCreditCodes',
      summary: 'Listing credit codes',
      description:
        "The organisation's redemption codes, oldest first. A code is shown while it is unredeemed and its download window is open (null otherwise); " +
        'every listing is audited. With format=csv the answer is text/csv with the columns ' +
        `${CODE_COLUMNS.join(', ')}. Answers are Cache-Control: no-store.`,
      tag: 'Credit',
      roles: ['org_admin'],
      query: codesQuery,
      invalid: creditInvalid(Object.keys(codesQuery)),
      responses: {
        200: {
          description: 'The codes (JSON; text/csv with format=csv).',
          schema: {
            type: 'object',
            required: ['orgId', 'count', 'limit', 'codes'],
            additionalProperties: false,
            properties: { orgId: str, count, limit: { type: 'integer', minimum: 1 }, codes: { type: 'array', items: CODE_LISTING } },
          },
          alternatives: [{ contentType: 'text/csv', schema: { type: 'string' } }],
          headers: { 'Cache-Control': { description: 'no-store: the answer holds codes.', schema: { const: 'no-store' } } },
        },
      },
    },
    async ({ req, res, principal, query }) => {
      const org = orgOf(principal);
      const orderNumber = query.order as string | undefined;
      const state = query.state as string | undefined;
      const limit = query.limit as number;
      const codes = await listCodes(db, deps.credit, {
        org,
        ...(orderNumber !== undefined ? { orderNumber } : {}),
        ...(state !== undefined ? { state } : {}),
        actor: actorOf(principal, req),
        limit,
      });
      // The answer holds codes: no cache, no proxy, no browser keeps it.
      res.setHeader('Cache-Control', 'no-store');
      if (query.format === 'csv') {
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="credit-codes-${org.orgId.replace(/[^A-Za-z0-9_-]/g, '')}.csv"`);
        res.send(codesCsv(codes));
        return;
      }
      res.json({ orgId: org.orgId, count: codes.length, limit, codes });
    },
  );

  const codeIdParam = { codeId: ID_PARAM('code', 'crc_') };
  api.route(
    {
      method: 'post',
      path: '/credit/codes/{codeId}/reissue',
      operationId: 'reissueCreditCode',
      summary: 'Re-issuing a credit code',
      description: 'A new code for an unredeemed unit (a lost code, or one whose download window closed); the old code is refused from then on (GW-CR-7025). A code that is not issued: 409 GW-CR-7032.',
      tag: 'Credit',
      roles: ['org_admin'],
      params: codeIdParam,
      invalid: creditInvalid(Object.keys(codeIdParam)),
      responses: {
        201: {
          description: 'The new code.',
          schema: CODE_LISTING,
          headers: { 'Cache-Control': { description: 'no-store: the answer holds a code.', schema: { const: 'no-store' } } },
        },
      },
    },
    async ({ req, res, principal, params }) => {
      const org = orgOf(principal);
      const result = await reissueCode(db, deps.credit, { org, codeId: params.codeId!, actor: actorOf(principal, req) });
      if (!result.ok) return sendRefusal(res, result.error);
      api.log(res, 'credit code re-issued', { orgId: org.orgId, codeId: result.value.codeId });
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json(result.value);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/credit/redemptions',
      operationId: 'redeemCreditCode',
      summary: 'Redeeming a credit code',
      description:
        "A code redeemed into the location's account of its currency (made on first use). Unknown code 404 GW-CR-7020, another organisation's 403 GW-CR-7022, " +
        'redeemed already 409 GW-CR-7021, replaced by a re-issue 409 GW-CR-7025, another currency 422 GW-CR-7023.',
      tag: 'Credit',
      roles: ['org_admin'],
      headers: { 'Idempotency-Key': IDEMPOTENCY_KEY },
      body: { kind: 'json', schema: REDEMPTION_BODY, maxBytes: CREDIT_API_LIMITS.maxJsonBodyBytes },
      invalid: creditInvalid(Object.keys(REDEMPTION_BODY.properties as object)),
      responses: ENTRY_RESPONSES,
    },
    async ({ req, res, principal, body }) => {
      const org = orgOf(principal);
      const { code, location, currency } = body as { code: string; location: string; currency: string };
      const result = await redeemCode(db, { org, code, location, currency, idempotencyKey: req.get('idempotency-key'), actor: actorOf(principal, req) });
      // The entry, never the code.
      if (result.ok) api.log(res, 'credit redeemed', { orgId: org.orgId, entryId: result.value.entryId, replayed: result.value.replayed });
      sendEntry(res, result);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/credit/spends',
      operationId: 'recordCreditSpend',
      summary: 'Recording a content purchase',
      description: "A content purchase paid from the location's account: unitPrice x quantity, exactly. More than the balance: 422 GW-CR-7028; no such account: 422 GW-CR-7029.",
      tag: 'Credit',
      roles: ['org_admin'],
      headers: { 'Idempotency-Key': IDEMPOTENCY_KEY },
      body: { kind: 'json', schema: SPEND_BODY, maxBytes: CREDIT_API_LIMITS.maxJsonBodyBytes },
      invalid: creditInvalid(Object.keys(SPEND_BODY.properties as object)),
      responses: ENTRY_RESPONSES,
    },
    async ({ req, res, principal, body }) => {
      const org = orgOf(principal);
      const b = body as Record<string, unknown>;
      const result = await recordSpend(db, {
        org,
        location: b.location,
        currency: b.currency,
        date: b.date,
        itemId: b.itemId,
        quantity: b.quantity,
        unitPrice: b.unitPrice,
        idempotencyKey: req.get('idempotency-key'),
        actor: actorOf(principal, req),
      });
      if (result.ok) api.log(res, 'credit spent', { orgId: org.orgId, entryId: result.value.entryId, replayed: result.value.replayed });
      sendEntry(res, result);
    },
  );

  const entryIdParam = { entryId: ID_PARAM('purchase entry', 'cre_') };
  api.route(
    {
      method: 'post',
      path: '/credit/spends/{entryId}/reversal',
      operationId: 'reverseCreditSpend',
      summary: 'Reversing a content purchase',
      description: 'A refunded purchase: a spent entry of the opposite sign, the balance restored. Not a purchase 422 GW-CR-7026; reversed already 409 GW-CR-7027; unknown 404 GW-CR-7033.',
      tag: 'Credit',
      roles: ['org_admin'],
      params: entryIdParam,
      headers: { 'Idempotency-Key': IDEMPOTENCY_KEY },
      body: { kind: 'json', schema: EMPTY_BODY, maxBytes: CREDIT_API_LIMITS.maxJsonBodyBytes, optional: true },
      invalid: creditInvalid(Object.keys(entryIdParam)),
      responses: ENTRY_RESPONSES,
    },
    async ({ req, res, principal, params }) => {
      const org = orgOf(principal);
      const result = await reverseSpend(db, { org, entryId: params.entryId!, idempotencyKey: req.get('idempotency-key'), actor: actorOf(principal, req) });
      if (result.ok) api.log(res, 'credit spend reversed', { orgId: org.orgId, entryId: result.value.entryId, reverses: result.value.reverses, replayed: result.value.replayed });
      sendEntry(res, result);
    },
  );

  const purchasesQuery: Record<string, JsonSchema> = { location: LOCATION };
  api.route(
    {
      method: 'post',
      path: '/credit/purchases',
      operationId: 'importCreditPurchases',
      summary: 'Importing a purchase history',
      description:
        `A purchase-history CSV (date,item_id,quantity,unit_price,currency,purchase_id; at most ${maxPurchaseRows} rows): each row a keyed spend from the location's account, ` +
        'the whole file one transaction, all rows or none. A row on file already (same purchase id) is not spent twice. ' +
        `Not text/csv: 415 GW-CR-7006; larger than ${CREDIT_API_LIMITS.maxPurchaseCsvBytes} bytes: 413 GW-CR-7034.`,
      tag: 'Credit',
      roles: ['org_admin'],
      query: purchasesQuery,
      requiredQuery: ['location'],
      invalid: creditInvalid(Object.keys(purchasesQuery)),
      headers: {
        'X-File-Name': {
          description: 'The name the file is known by: letters, digits, dot, dash and underscore, at most 200 (else 400 GW-CR-7006). Default purchases-<time>.csv.',
          schema: { type: 'string', pattern: SAFE_FILE_NAME.source },
        },
      },
      body: { kind: 'stream', contentTypes: ['text/csv'], description: 'The purchase history as CSV with a header row.', maxBytes: CREDIT_API_LIMITS.maxPurchaseCsvBytes },
      responses: {
        201: { description: 'Applied: every row recorded (or on file already).', schema: PURCHASE_RESULT },
        422: {
          description: 'Rejected: nothing spent, errors name the rows (the import result); or a coded refusal of the request (GW-CR-7006, the error schema).',
          schema: { oneOf: [PURCHASE_RESULT, ERROR_SCHEMA] },
        },
      },
    },
    async ({ req, res, principal, query }) => {
      const org = orgOf(principal);
      // The schema checked its length; the ledger's own rule says what a location is.
      const location = checkLocation(query.location);
      if (!location.ok) return sendCoded(res, 422, location.error);
      const type = req.get('content-type') ?? '';
      if (!/^text\/csv\s*(;|$)/i.test(type)) return sendCoded(res, 415, invalid('Content-Type', type === '' ? '(none)' : type, 'text/csv'));
      const fileName = req.get('x-file-name') ?? `purchases-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`;
      if (!SAFE_FILE_NAME.test(fileName)) return sendCoded(res, 400, invalid('X-File-Name', fileName, 'letters, digits, dot, dash and underscore only, at most 200'));
      const limit = CREDIT_API_LIMITS.maxPurchaseCsvBytes;
      const declared = Number(req.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > limit) return sendCoded(res, 413, { code: 'GW-CR-7034', params: { at: 'body', detail: `${declared} bytes, at most ${limit}` } });
      const { path, stream } = createSpoolFile(spoolDir, 'credit-purchases');
      try {
        // Spooled with a running size check: memory stays flat whatever is sent.
        let received = 0;
        req.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > limit) req.destroy(new BodyTooLarge(received));
        });
        try {
          await pipeline(req, stream);
        } catch (err) {
          if (received > limit) return sendCoded(res, 413, { code: 'GW-CR-7034', params: { at: 'body', detail: `more than ${limit} bytes` } });
          throw err;
        }
        const result = await importPurchases(db, { org, location: location.value, path, fileName, actor: actorOf(principal, req), maxRows: maxPurchaseRows });
        api.log(res, 'purchase history received', { orgId: org.orgId, location: location.value, status: result.status });
        res.status(result.status === 'applied' ? 201 : 422).json(result);
      } finally {
        rmSync(path, { force: true });
      }
    },
  );

  const reportQuery: Record<string, JsonSchema> = {
    from: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'First day of the period, YYYY-MM-DD (UTC), included.' },
    to: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: `Last day of the period, YYYY-MM-DD (UTC), included; at most ${REPORT_LIMITS.maxPeriodDays} days after from.` },
    currency: { ...CURRENCY, description: 'Only this currency (ISO 4217); one that is not a credit currency is 422 GW-CR-7001.' },
    org: {
      type: 'string',
      minLength: 1,
      maxLength: CREDIT_API_LIMITS.orgIdChars,
      description:
        'Only this organisation. An organisation admin key reads its own only, a limited finance key those it covers (another: 403 GW-AUTH-403); an unknown organisation is 404 GW-CR-7033.',
    },
    format: { enum: ['json', 'csv', 'xlsx'], default: 'json', description: 'json (default), csv, or xlsx (a workbook: the figures, the mismatches and the period on sheets of their own).' },
    section: { enum: ['totals', 'mismatches', 'entries'], default: 'totals', description: 'With format=csv: the figures (totals, default), the mismatches, or the ledger entries of the period (streamed, oldest first). With format=xlsx and section=entries: the ledger entries as a workbook (up to 100,000; more: 422 GW-CR-7036, ask for the CSV).' },
    delimiter: { enum: [',', ';', 'tab'], default: ',', description: 'With format=csv: between fields. A Dutch or German spreadsheet wants ;.' },
    decimal: { enum: ['.', ','], default: '.', description: 'With format=csv: the decimal mark of amounts (with , the delimiter must be ; or tab).' },
  };
  const reportInvalid = creditInvalid(Object.keys(reportQuery));
  api.route(
    {
      method: 'get',
      path: '/reports/credit',
      operationId: 'creditReport',
      summary: 'The credit report',
      description:
        'The reconciliation of volume credit over a period, per currency, organisation and supplier: flows in the period, positions at its end, and the mismatches of the ledger. ' +
        'Finance reads every organisation, or the set its key covers; an operator every organisation; an organisation admin its own. ' +
        'With format=csv the answer is text/csv (section totals, mismatches or entries); with format=xlsx a workbook (of the report, or with section=entries of the ledger entries). A bad period: 422 GW-CR-7035.',
      tag: 'Finance',
      roles: ['finance', 'operator', 'org_admin'],
      query: reportQuery,
      requiredQuery: ['from', 'to'],
      invalid: (d) => {
        if (d.in === 'query' && (d.path === 'from' || d.path === 'to')) {
          const detail = d.message === 'is required' ? 'from and to are required (YYYY-MM-DD)' : `${d.path} is not a calendar date YYYY-MM-DD`;
          return { status: 422, code: 'GW-CR-7035', message: renderMessage({ code: 'GW-CR-7035', params: { detail } }) };
        }
        return reportInvalid(d);
      },
      responses: {
        200: {
          description: 'The report (JSON; text/csv with format=csv; a workbook with format=xlsx).',
          schema: CREDIT_REPORT,
          alternatives: [
            { contentType: 'text/csv', schema: { type: 'string' } },
            { contentType: XLSX_CONTENT_TYPE, schema: { type: 'string', contentEncoding: 'binary' } },
          ],
        },
      },
    },
    async ({ res, principal, query }) => {
      const from = query.from as string;
      const to = query.to as string;
      const currency = query.currency as string | undefined;
      const scope = reportScope(principal, query.org as string | undefined);
      if ('refusal' in scope) return sendHttpError(res, 403, 'GW-AUTH-403', scope.refusal);
      const request = {
        from,
        to,
        ...(currency !== undefined ? { currency } : {}),
        ...(scope.orgId !== undefined ? { orgId: scope.orgId } : {}),
        ...(scope.orgIds !== undefined ? { orgIds: scope.orgIds } : {}),
      };
      const section = query.section as 'totals' | 'mismatches' | 'entries';
      const convention = csvConventionOf(query.delimiter as string, query.decimal as string);
      if (typeof convention === 'string') return sendHttpError(res, 400, 'GW-API-4001', `The request is invalid: ${convention}.`, [{ in: 'query', path: 'decimal', message: convention }]);
      const name = `credit-${section}-${from}-${to}${scope.orgId ? `-${scope.orgId}` : ''}`.replace(/[^A-Za-z0-9_-]/g, '');
      if (section === 'entries') {
        if (query.format === 'json') return sendHttpError(res, 400, 'GW-API-4001', 'The request is invalid: section=entries is a file (format=csv or xlsx).', [{ in: 'query', path: 'format', message: 'must be csv or xlsx with section=entries' }]);
        if (query.format === 'xlsx') {
          let workbook: Buffer;
          try {
            workbook = await ledgerEntriesXlsx(db, request);
          } catch (err) {
            if (err instanceof ReportRefused) return sendRefusal(res, err.error);
            throw err;
          }
          res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
          res.setHeader('Content-Disposition', `attachment; filename="${name}.xlsx"`);
          return void res.send(workbook);
        }
        const entries = ledgerEntriesCsv(db, request, convention);
        let first: IteratorResult<string>;
        try {
          first = await entries.next(); // the header, once the period and scope are checked
        } catch (err) {
          if (err instanceof ReportRefused) return sendRefusal(res, err.error);
          throw err;
        }
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
        if (!first.done) res.write(first.value);
        for await (const chunk of entries) if (!res.write(chunk)) await once(res, 'drain');
        return void res.end();
      }
      const result = await creditReport(db, request);
      if (!result.ok) return sendRefusal(res, result.error);
      if (query.format === 'xlsx') {
        res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
        res.setHeader('Content-Disposition', `attachment; filename="${name.replace(`-${section}-`, '-')}.xlsx"`);
        return void res.send(await creditReportXlsx(result.report));
      }
      if (query.format !== 'csv') return void res.json(result.report);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
      res.send(section === 'mismatches' ? creditMismatchesCsv(result.report, convention) : creditReportCsv(result.report, convention));
    },
  );
}

/**
 * Which organisations the caller's report covers: an organisation admin its own, whether
 * it names it or not; a limited finance key the set it covers (or one of them, named);
 * an unlimited finance key and an operator every organisation (or the one named). Naming
 * one outside the caller's reach is refused before the database is asked, so the answer
 * is the same whether that organisation exists or not.
 */
export function reportScope(p: Principal, named: string | undefined): { orgId?: string; orgIds?: string[] } | { refusal: string } {
  if (p.role === 'org_admin') {
    if (named !== undefined && named !== p.org.orgId) {
      return { refusal: `An organisation admin key reads the report of its own organisation (${p.org.orgId}) only; a finance key reads any.` };
    }
    return { orgId: p.org.orgId };
  }
  if (p.role === 'finance' && p.orgs !== null) {
    const covered = p.orgs.map((o) => o.orgId);
    if (named === undefined) return { orgIds: covered };
    if (!covered.includes(named)) {
      return { refusal: `This finance key covers organisations ${listed(covered)} only, not ${named}.` };
    }
    return { orgId: named };
  }
  return named === undefined ? {} : { orgId: named };
}

/** A key's organisations in a message: the first few, and how many more. */
function listed(ids: string[], shown = 20): string {
  const sorted = [...ids].sort();
  return sorted.length <= shown ? sorted.join(', ') : `${sorted.slice(0, shown).join(', ')} and ${sorted.length - shown} more`;
}
