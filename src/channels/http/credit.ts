// Volume (VPP) credit over HTTP, for organisation admins (their own organisation) and
// finance (reports on every organisation). Mounted on /v1:
//   GET  /credit/accounts                      balances per location and currency
//   GET  /credit/codes                         the organisation's codes (?order, state, format=json|csv, limit)
//   POST /credit/codes/:codeId/reissue         a new code for an unredeemed unit
//   POST /credit/redemptions                   {code, location, currency}            + Idempotency-Key
//   POST /credit/spends                        {location, currency, date, itemId, quantity, unitPrice} + Idempotency-Key
//   POST /credit/spends/:entryId/reversal      a refunded content purchase            + Idempotency-Key
//   POST /credit/purchases?location=L          a purchase-history CSV, all rows or none
//   GET  /reports/credit                       the reconciliation report (?from, to, currency, org, format, section)
// The rules are the ledger's (src/credit/ledger.ts): this file only reads requests,
// authenticates, and maps coded results to HTTP statuses. Amounts travel as decimal
// strings; a JSON number where an amount belongs is the ledger's refusal (GW-CR-7002),
// so the body checks here look at the envelope (an object, known keys) and never at types.
//
// A code is bearer value: request bodies of redemptions and code listings are never
// logged, and answers that hold codes are marked Cache-Control: no-store.
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import {
  listAccounts,
  listCodes,
  recordSpend,
  redeemCode,
  reissueCode,
  reverseSpend,
  type CodeListing,
  type CreditSettings,
  type EntryResult,
} from '../../credit/ledger.js';
import { importPurchases } from '../../credit/purchases-csv.js';
import { CODE_STATES, checkLocation, type Checked } from '../../domain/credit.js';
import type { Logger } from '../../log/logger.js';
import type { CodedError, ErrorCode } from '../../model/error-codes.js';
import { renderMessage } from '../../model/messages.js';
import { creditReport } from '../../reports/credit.js';
import { creditMismatchesCsv, creditReportCsv } from '../../reports/credit-csv.js';
import { toCsv } from '../../reports/csv.js';
import type { AuthSettings } from './auth.js';
import { actorOf, requirePrincipal, sendHttpError, type Principal, type Role } from './principal.js';

export interface CreditApiDeps {
  db: Knex;
  credit: CreditSettings;
  /** Where uploaded purchase histories are spooled while they are read; each is deleted after. */
  spoolDir: string;
  /** Rows one purchase-history CSV may hold (config.credit.maxPurchaseRows). */
  maxPurchaseRows: number;
}

export const CREDIT_API_LIMITS = {
  /** A JSON request here is a handful of short fields. */
  maxJsonBodyBytes: 64 * 1024,
  /** A purchase history: about 100,000 rows of ~150 bytes. */
  maxPurchaseCsvBytes: 16 * 1024 * 1024,
  defaultCodesListed: 1000,
  maxCodesListed: 10_000,
  orderNumberChars: 32,
  idChars: 60,
} as const;

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
  return { code: 'GW-CR-7006', params: { field, value: value.slice(0, 80), detail } };
}

/** Known keys of each JSON body, and which must be present. */
const REDEMPTION_KEYS = ['code', 'location', 'currency'] as const;
const SPEND_KEYS = ['location', 'currency', 'date', 'itemId', 'quantity', 'unitPrice'] as const;

type Envelope<K extends string> = { ok: true; body: Record<K, unknown> } | { ok: false; status: number; error: CodedError };

/**
 * A JSON body's envelope: JSON, an object, no unknown keys (400), every required key
 * present (422). What each value is (a string amount, a date) is the ledger's to say.
 */
function readEnvelope<K extends string>(req: Request, raw: Buffer | undefined, keys: readonly K[], required: readonly K[]): Envelope<K> {
  const text = decodeUtf8(raw);
  if (text === undefined) return { ok: false, status: 400, error: invalid('body', 'not UTF-8', 'a JSON object in UTF-8') };
  if (text.trim() === '' && required.length === 0) return { ok: true, body: {} as Record<K, unknown> };
  const type = req.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return { ok: false, status: 415, error: invalid('Content-Type', type === '' ? '(none)' : type, 'application/json') };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the body, and a redemption's body holds a code: not echoed.
    return { ok: false, status: 400, error: invalid('body', 'not valid JSON', 'a JSON object') };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, status: 400, error: invalid('body', Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`, 'a JSON object') };
  }
  const body = parsed as Record<string, unknown>;
  const unknown = Object.keys(body).filter((k) => !(keys as readonly string[]).includes(k));
  if (unknown.length > 0) {
    return { ok: false, status: 400, error: invalid('body', `unknown key ${JSON.stringify(unknown[0]!.slice(0, 40))}`, keys.length ? `only ${keys.join(', ')}` : 'no keys') };
  }
  const missing = required.find((k) => body[k] === undefined);
  if (missing !== undefined) return { ok: false, status: 422, error: invalid(missing, 'missing', 'a value: it is required') };
  return { ok: true, body: body as Record<K, unknown> };
}

function decodeUtf8(raw: Buffer | undefined): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw ?? Buffer.alloc(0));
  } catch {
    return undefined;
  }
}

/** One query parameter: a single string, or undefined; repeated is refused. */
function queryParam(req: Request, name: string): { ok: true; value: string | undefined } | { ok: false; error: CodedError } {
  const v: unknown = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return { ok: true, value: undefined };
  if (typeof v !== 'string') return { ok: false, error: invalid(name, 'given more than once', 'one value') };
  return { ok: true, value: v };
}

/** Sends a ledger write's result: 201 the first time, 200 with the same body on a replay. */
function sendEntry(res: Response, result: Checked<EntryResult>): void {
  if (!result.ok) return sendRefusal(res, result.error);
  const { replayed, ...body } = result.value;
  if (replayed) res.setHeader('Idempotent-Replayed', 'true');
  res.status(replayed ? 200 : 201).json(body);
}

const CODE_COLUMNS = ['code_id', 'code', 'hint', 'supplier_id', 'order_number', 'line', 'unit', 'amount', 'currency', 'state', 'issued_at', 'download_until', 'settled_at'];

function codesCsv(codes: CodeListing[]): string {
  return toCsv(
    CODE_COLUMNS,
    codes.map((c) => [c.codeId, c.code ?? '', c.hint, c.supplierId, c.orderNumber, c.line, String(c.unit), c.amount, c.currency, c.state, c.issuedAt, c.downloadUntil, c.settledAt ?? '']),
  );
}

const SAFE_FILE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

class BodyTooLarge extends Error {
  constructor(readonly received: number) {
    super('body too large');
  }
}

export function creditApi(deps: CreditApiDeps, settings: AuthSettings, logger: Logger): express.Router {
  const router = express.Router();
  const { db } = deps;
  const rawJson = express.raw({ type: () => true, limit: CREDIT_API_LIMITS.maxJsonBodyBytes });

  /** Reads the body only after the caller is known: a stranger's 64 KiB is not read. */
  function readRaw(req: Request, res: Response): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
      rawJson(req, res, (err?: unknown) => (err ? reject(err) : resolve(Buffer.isBuffer(req.body) ? req.body : undefined)));
    });
  }

  const who = (req: Request, res: Response, roles: readonly Role[], what: string) => requirePrincipal(db, req, res, settings, roles, what);

  async function orgAdmin(req: Request, res: Response, what: string): Promise<Extract<Principal, { role: 'org_admin' }> | undefined> {
    const p = await who(req, res, ['org_admin'], what);
    return p?.role === 'org_admin' ? p : undefined;
  }

  router.get('/credit/accounts', async (req, res) => {
    const p = await orgAdmin(req, res, 'Reading credit accounts');
    if (!p) return;
    res.json({ orgId: p.org.orgId, accounts: await listAccounts(db, p.org) });
  });

  router.get('/credit/codes', async (req, res) => {
    const p = await orgAdmin(req, res, 'Listing credit codes');
    if (!p) return;
    const order = queryParam(req, 'order');
    const state = queryParam(req, 'state');
    const format = queryParam(req, 'format');
    const limitText = queryParam(req, 'limit');
    for (const q of [order, state, format, limitText]) if (!q.ok) return sendCoded(res, 422, q.error);
    const orderNumber = order.ok ? order.value : undefined;
    const stateValue = state.ok ? state.value : undefined;
    const formatValue = (format.ok ? format.value : undefined) ?? 'json';
    const limitValue = limitText.ok ? limitText.value : undefined;
    if (orderNumber !== undefined && (orderNumber === '' || orderNumber.length > CREDIT_API_LIMITS.orderNumberChars)) {
      return sendCoded(res, 422, invalid('order', orderNumber, `an order number of 1 to ${CREDIT_API_LIMITS.orderNumberChars} characters`));
    }
    if (stateValue !== undefined && !(CODE_STATES as readonly string[]).includes(stateValue)) {
      return sendCoded(res, 422, invalid('state', stateValue, CODE_STATES.join(', ')));
    }
    if (formatValue !== 'json' && formatValue !== 'csv') return sendCoded(res, 422, invalid('format', formatValue, 'json or csv'));
    const limit = limitValue === undefined ? CREDIT_API_LIMITS.defaultCodesListed : /^\d{1,6}$/.test(limitValue) ? Number(limitValue) : NaN;
    if (!Number.isInteger(limit) || limit < 1 || limit > CREDIT_API_LIMITS.maxCodesListed) {
      return sendCoded(res, 422, invalid('limit', String(limitValue), `a whole number from 1 to ${CREDIT_API_LIMITS.maxCodesListed}`));
    }
    const codes = await listCodes(db, deps.credit, {
      org: p.org,
      ...(orderNumber !== undefined ? { orderNumber } : {}),
      ...(stateValue !== undefined ? { state: stateValue } : {}),
      actor: actorOf(p, req),
      limit,
    });
    // The answer holds codes: no cache, no proxy, no browser keeps it.
    res.setHeader('Cache-Control', 'no-store');
    if (formatValue === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="credit-codes-${p.org.orgId.replace(/[^A-Za-z0-9_-]/g, '')}.csv"`);
      res.send(codesCsv(codes));
      return;
    }
    res.json({ orgId: p.org.orgId, count: codes.length, limit, codes });
  });

  router.post('/credit/codes/:codeId/reissue', async (req, res) => {
    const p = await orgAdmin(req, res, 'Re-issuing a credit code');
    if (!p) return;
    const codeId = String(req.params.codeId ?? '').slice(0, CREDIT_API_LIMITS.idChars);
    const result = await reissueCode(db, deps.credit, { org: p.org, codeId, actor: actorOf(p, req) });
    if (!result.ok) return sendRefusal(res, result.error);
    logger.log('info', 'credit code re-issued', { requestId: res.locals.requestId, orgId: p.org.orgId, codeId: result.value.codeId });
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(result.value);
  });

  router.post('/credit/redemptions', async (req, res) => {
    const p = await orgAdmin(req, res, 'Redeeming a credit code');
    if (!p) return;
    const envelope = readEnvelope(req, await readRaw(req, res), REDEMPTION_KEYS, REDEMPTION_KEYS);
    if (!envelope.ok) return sendCoded(res, envelope.status, envelope.error);
    const { code, location, currency } = envelope.body;
    const result = await redeemCode(db, { org: p.org, code, location, currency, idempotencyKey: req.get('idempotency-key'), actor: actorOf(p, req) });
    // The entry, never the code.
    if (result.ok) logger.log('info', 'credit redeemed', { requestId: res.locals.requestId, orgId: p.org.orgId, entryId: result.value.entryId, replayed: result.value.replayed });
    sendEntry(res, result);
  });

  router.post('/credit/spends', async (req, res) => {
    const p = await orgAdmin(req, res, 'Recording a content purchase');
    if (!p) return;
    const envelope = readEnvelope(req, await readRaw(req, res), SPEND_KEYS, SPEND_KEYS);
    if (!envelope.ok) return sendCoded(res, envelope.status, envelope.error);
    const b = envelope.body;
    const result = await recordSpend(db, {
      org: p.org,
      location: b.location,
      currency: b.currency,
      date: b.date,
      itemId: b.itemId,
      quantity: b.quantity,
      unitPrice: b.unitPrice,
      idempotencyKey: req.get('idempotency-key'),
      actor: actorOf(p, req),
    });
    if (result.ok) logger.log('info', 'credit spent', { requestId: res.locals.requestId, orgId: p.org.orgId, entryId: result.value.entryId, replayed: result.value.replayed });
    sendEntry(res, result);
  });

  router.post('/credit/spends/:entryId/reversal', async (req, res) => {
    const p = await orgAdmin(req, res, 'Reversing a content purchase');
    if (!p) return;
    // No body, or an empty object: the entry id in the path says it all.
    const envelope = readEnvelope(req, await readRaw(req, res), [], []);
    if (!envelope.ok) return sendCoded(res, envelope.status, envelope.error);
    const entryId = String(req.params.entryId ?? '').slice(0, CREDIT_API_LIMITS.idChars);
    const result = await reverseSpend(db, { org: p.org, entryId, idempotencyKey: req.get('idempotency-key'), actor: actorOf(p, req) });
    if (result.ok) logger.log('info', 'credit spend reversed', { requestId: res.locals.requestId, orgId: p.org.orgId, entryId: result.value.entryId, reverses: result.value.reverses, replayed: result.value.replayed });
    sendEntry(res, result);
  });

  router.post('/credit/purchases', async (req, res) => {
    const p = await orgAdmin(req, res, 'Importing a purchase history');
    if (!p) return;
    const locationParam = queryParam(req, 'location');
    if (!locationParam.ok) return sendCoded(res, 422, locationParam.error);
    const location = checkLocation(locationParam.value);
    if (!location.ok) return sendCoded(res, 422, location.error);
    const type = req.get('content-type') ?? '';
    if (!/^text\/csv\s*(;|$)/i.test(type)) return sendCoded(res, 415, invalid('Content-Type', type === '' ? '(none)' : type, 'text/csv'));
    const fileName = req.get('x-file-name') ?? `purchases-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`;
    if (!SAFE_FILE_NAME.test(fileName)) return sendCoded(res, 400, invalid('X-File-Name', fileName, 'letters, digits, dot, dash and underscore only, at most 200'));
    const limit = CREDIT_API_LIMITS.maxPurchaseCsvBytes;
    const declared = Number(req.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit) return sendCoded(res, 413, { code: 'GW-CR-7034', params: { at: 'body', detail: `${declared} bytes, at most ${limit}` } });
    mkdirSync(deps.spoolDir, { recursive: true });
    const path = join(deps.spoolDir, `credit-purchases-${randomUUID()}.csv`);
    try {
      // Spooled with a running size check: memory stays flat whatever is sent.
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > limit) req.destroy(new BodyTooLarge(received));
      });
      try {
        await pipeline(req, createWriteStream(path));
      } catch (err) {
        if (received > limit) return sendCoded(res, 413, { code: 'GW-CR-7034', params: { at: 'body', detail: `more than ${limit} bytes` } });
        throw err;
      }
      const result = await importPurchases(db, { org: p.org, location: location.value, path, fileName, actor: actorOf(p, req), maxRows: deps.maxPurchaseRows });
      logger.log('info', 'purchase history received', { requestId: res.locals.requestId, orgId: p.org.orgId, location: location.value, status: result.status });
      res.status(result.status === 'applied' ? 201 : 422).json(result);
    } finally {
      rmSync(path, { force: true });
    }
  });

  router.get('/reports/credit', async (req, res) => {
    const p = await who(req, res, ['finance', 'org_admin'], 'The credit report');
    if (!p) return;
    const params = Object.fromEntries(['from', 'to', 'currency', 'org', 'format', 'section'].map((n) => [n, queryParam(req, n)]));
    for (const q of Object.values(params)) if (!q!.ok) return sendCoded(res, 422, q!.error);
    const value = (n: string): string | undefined => {
      const q = params[n]!;
      return q.ok ? q.value : undefined;
    };
    const format = value('format') ?? 'json';
    const section = value('section') ?? 'totals';
    if (format !== 'json' && format !== 'csv') return sendCoded(res, 422, invalid('format', format, 'json or csv'));
    if (section !== 'totals' && section !== 'mismatches') return sendCoded(res, 422, invalid('section', section, 'totals or mismatches'));
    const from = value('from');
    const to = value('to');
    if (from === undefined || to === undefined) {
      return sendCoded(res, 422, { code: 'GW-CR-7035', params: { detail: 'from and to are required (YYYY-MM-DD)' } });
    }
    let orgId = value('org');
    if (p.role === 'org_admin') {
      // An organisation admin sees its own organisation, whether it names it or not.
      if (orgId !== undefined && orgId !== p.org.orgId) {
        return sendHttpError(res, 403, 'GW-AUTH-403', `An organisation admin key reads the report of its own organisation (${p.org.orgId}) only; a finance key reads any.`);
      }
      orgId = p.org.orgId;
    }
    const currency = value('currency');
    const result = await creditReport(db, { from, to, ...(currency !== undefined ? { currency } : {}), ...(orgId !== undefined ? { orgId } : {}) });
    if (!result.ok) return sendRefusal(res, result.error);
    if (format === 'json') return void res.json(result.report);
    const name = `credit-${section}-${from}-${to}${orgId ? `-${orgId}` : ''}`.replace(/[^A-Za-z0-9_-]/g, '');
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
    res.send(section === 'mismatches' ? creditMismatchesCsv(result.report) : creditReportCsv(result.report));
  });

  // Errors of this router's own body reading; anything else is the application's last resort.
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const e = err as { type?: string; status?: number };
    if (res.headersSent) return next(err);
    if (e.type === 'entity.too.large') {
      return sendCoded(res, 413, invalid('body', 'too large', `a JSON object of at most ${CREDIT_API_LIMITS.maxJsonBodyBytes} bytes`));
    }
    if (e.type === 'request.aborted' || e.type === 'entity.verify.failed' || e.type === 'encoding.unsupported' || e.status === 400) {
      return sendCoded(res, 400, invalid('body', 'unreadable', 'a complete request body'));
    }
    next(err);
  });

  return router;
}
