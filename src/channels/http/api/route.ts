// Routes declared once, as data: path, roles, parameter and body schemas, answers. The
// same declaration registers the express handler, validates the request with ajv before
// the handler runs, and becomes the route's entry in /openapi.json, so the document cannot
// drift from the code.
//
// Order of checks on every request: who is calling (401), may they (403), path and query
// parameters (400), the JSON body (content type 415, size 413, syntax and schema 400),
// then the handler. A stranger learns nothing about a route's parameters.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Logger } from '../../../log/logger.js';
import type { AuthSettings } from '../auth.js';
import { checkRole, authenticatePrincipal, principalName, sendHttpError, type ErrorDetail, type Principal, type Role } from '../principal.js';
import { API_LIMITS } from '../../../model/limits.js';

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1). */
export type JsonSchema = Record<string, unknown>;

export interface ResponseSpec {
  description: string;
  /** Default application/json. */
  contentType?: string;
  schema?: JsonSchema;
  /** Other forms of the same answer (?format=csv): their content types and schemas. */
  alternatives?: { contentType: string; schema?: JsonSchema }[];
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

/** A JSON body, read (up to maxBytes) and validated before the handler runs. */
export interface JsonBodySpec {
  kind: 'json';
  schema: JsonSchema;
  /** Default API_LIMITS.maxJsonBodyBytes. */
  maxBytes?: number;
  /** An empty body stands for {} (routes whose body is optional). */
  optional?: boolean;
}

/** A body the handler streams itself (a file upload): documented, not read here. */
export interface StreamBodySpec {
  kind: 'stream';
  contentTypes: string[];
  description: string;
  maxBytes: number;
}

export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI form, relative to the mount point: /orders/{supplierId}/{orderNumber}. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  /** The group in the document: Orders, Devices, Exports, Resellers, Finance, Operator, ... */
  tag: string;
  /** Who may call it; 'public' needs no key. */
  roles: readonly Role[] | 'public';
  /** Path parameters (all required). */
  params?: Record<string, JsonSchema>;
  /** Query parameters; unknown ones are refused. */
  query?: Record<string, JsonSchema>;
  requiredQuery?: readonly string[];
  /** Request headers the route reads (documented; Idempotency-Key, X-File-Name, ...). */
  headers?: Record<string, { description: string; schema: JsonSchema; required?: boolean }>;
  body?: JsonBodySpec | StreamBodySpec;
  /** Successful answers by status; every other status answers the error schema. */
  responses: Record<number, ResponseSpec>;
  /**
   * The route's own coded error for a request that fails its schemas (the credit routes
   * keep GW-CR-7006); default GW-API-4001 with the details.
   */
  invalid?: (detail: ErrorDetail) => { status: number; code: string; message: string };
  /**
   * How this route answers a refusal (401, 403, 400 ...): default the /v1 error schema;
   * Apple's business API routes answer in that API's own error shape.
   */
  renderError?: ErrorRenderer;
  /** The schema of what renderError answers, for the document (default: its mount's). */
  errorSchema?: JsonSchema;
}

export type ErrorRenderer = (res: Response, status: number, code: string, message: string, details?: ErrorDetail[]) => void;

export interface RouteContext<P extends Principal | undefined = Principal> {
  req: Request;
  res: Response;
  principal: P;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

export type Handler = (ctx: RouteContext) => Promise<void> | void;

/** The shared error answer, in the document's components and in every route's default answer. */
export const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', description: 'A stable code, such as GW-AUTH-403 or GW-API-4001.' },
        message: { type: 'string', description: 'What is wrong, in words.' },
        requestId: { type: 'string', description: 'The X-Request-Id of this answer, as in the request log.' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            required: ['in', 'path', 'message'],
            additionalProperties: false,
            properties: {
              in: { enum: ['path', 'query', 'body', 'header'] },
              path: { type: 'string' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
};

/** Parameters arrive as text: integers and arrays are coerced, then checked. */
const paramAjv = new Ajv2020({ strict: true, allErrors: false, coerceTypes: 'array', useDefaults: true });
/** Bodies are JSON: no coercion, a number is not a string. */
const bodyAjv = new Ajv2020({ strict: true, allErrors: false });

function objectSchema(props: Record<string, JsonSchema>, required: readonly string[]): JsonSchema {
  return { type: 'object', properties: props, required: [...required], additionalProperties: false };
}

function firstDetail(where: ErrorDetail['in'], errors: ErrorObject[] | null | undefined): ErrorDetail {
  const e = errors?.[0];
  if (!e) return { in: where, path: '', message: 'is invalid' };
  if (e.keyword === 'additionalProperties') {
    const name = String((e.params as { additionalProperty?: string }).additionalProperty ?? '');
    return { in: where, path: name.slice(0, 60), message: `is not a known ${where === 'body' ? 'field' : 'parameter'}` };
  }
  if (e.keyword === 'required') {
    const name = String((e.params as { missingProperty?: string }).missingProperty ?? '');
    const prefix = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    return { in: where, path: prefix ? `${prefix}.${name}` : name, message: 'is required' };
  }
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  return { in: where, path, message: e.message ?? 'is invalid' };
}

interface Compiled {
  spec: RouteSpec;
  params?: ValidateFunction;
  query?: ValidateFunction;
  body?: ValidateFunction;
}

/** Express wants :name where OpenAPI writes {name}. */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

/** A router whose routes are declared with RouteSpec; its specs make the OpenAPI document. */
export class ApiRouter {
  readonly router = express.Router();
  readonly routes: RouteSpec[] = [];

  constructor(
    private readonly db: Knex,
    private readonly auth: AuthSettings,
    private readonly logger: Logger,
  ) {}

  route(spec: RouteSpec, handler: Handler): void {
    const compiled: Compiled = { spec };
    if (spec.params) compiled.params = paramAjv.compile(objectSchema(spec.params, Object.keys(spec.params)));
    compiled.query = paramAjv.compile(objectSchema(spec.query ?? {}, spec.requiredQuery ?? []));
    if (spec.body?.kind === 'json') compiled.body = bodyAjv.compile(spec.body.schema);
    this.routes.push(spec);
    const jsonBody = spec.body?.kind === 'json' ? express.raw({ type: () => true, limit: spec.body.maxBytes ?? API_LIMITS.maxJsonBodyBytes }) : undefined;
    this.router[spec.method](expressPath(spec.path), async (req: Request, res: Response, next: NextFunction) => {
      try {
        await this.run(compiled, handler, jsonBody, req, res);
      } catch (err) {
        next(err);
      }
    });
  }

  private refuse(res: Response, spec: RouteSpec, status: number, detail: ErrorDetail): void {
    const sendError = spec.renderError ?? sendHttpError;
    if (spec.invalid) {
      const mapped = spec.invalid(detail);
      return sendError(res, mapped.status, mapped.code, mapped.message);
    }
    sendError(res, status, 'GW-API-4001', `The request is invalid: ${detail.in} ${detail.path ? `"${detail.path}" ` : ''}${detail.message}.`, [detail]);
  }

  private async run(c: Compiled, handler: Handler, jsonBody: express.RequestHandler | undefined, req: Request, res: Response): Promise<void> {
    const spec = c.spec;
    const sendError = spec.renderError ?? sendHttpError;
    let principal: Principal | undefined;
    if (spec.roles !== 'public') {
      const found = await authenticatePrincipal(this.db, req, this.auth);
      if ('error' in found) return sendError(res, found.error.status, found.error.code, found.error.message);
      principal = found;
      res.locals.principal = principalName(found);
      if (found.role === 'reseller') res.locals.reseller = found.supplier.supplierId;
      const refusal = checkRole(found, spec.roles, spec.summary);
      if (refusal) return sendError(res, refusal.status, refusal.code, refusal.message);
    }
    const params: Record<string, string> = { ...(req.params as Record<string, string>) };
    const badParam = controlCharacterIn(params, PARAM_CONTROL);
    if (badParam !== undefined) return this.refuse(res, spec, 400, { in: 'path', path: badParam, message: 'holds a control character' });
    if (c.params && !c.params(params)) return this.refuse(res, spec, 400, firstDetail('path', c.params.errors));
    // A copy: express 5's req.query is a getter, and ajv coerces in place.
    const query: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
    const badQuery = controlCharacterIn(query, PARAM_CONTROL);
    if (badQuery !== undefined) return this.refuse(res, spec, 400, { in: 'query', path: badQuery, message: 'holds a control character' });
    if (c.query && !c.query(query)) return this.refuse(res, spec, 400, firstDetail('query', c.query.errors));
    let body: unknown;
    if (jsonBody && spec.body?.kind === 'json') {
      const max = spec.body.maxBytes ?? API_LIMITS.maxJsonBodyBytes;
      const declared = Number(req.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > max) {
        return sendError(res, 413, 'GW-API-4130', `The request body is too large: ${declared} bytes, at most ${max}.`);
      }
      let raw: Buffer | undefined;
      try {
        raw = await new Promise<Buffer | undefined>((resolve, reject) =>
          jsonBody(req, res, (err?: unknown) => (err ? reject(err) : resolve(Buffer.isBuffer(req.body) ? req.body : undefined))),
        );
      } catch (err) {
        if ((err as { type?: string }).type === 'entity.too.large') {
          return sendError(res, 413, 'GW-API-4130', `The request body is too large: at most ${max} bytes.`);
        }
        return this.refuse(res, spec, 400, { in: 'body', path: '', message: 'could not be read' });
      }
      const parsed = parseJson(req, raw, spec.body.optional === true);
      if ('status' in parsed) {
        if (parsed.status === 415) return sendError(res, 415, 'GW-API-4150', parsed.detail.message);
        return this.refuse(res, spec, parsed.status, parsed.detail);
      }
      body = parsed.value;
      const badBody = controlCharacterIn(body, BODY_CONTROL);
      if (badBody !== undefined) return this.refuse(res, spec, 400, { in: 'body', path: badBody, message: 'holds a NUL character' });
      if (c.body && !c.body(body)) return this.refuse(res, spec, 400, firstDetail('body', c.body.errors));
    }
    await handler({ req, res, principal: principal as Principal, params, query, body });
  }

  /** Logs what a handler wants on record, with the request id. */
  log(res: Response, msg: string, fields: Record<string, unknown>): void {
    this.logger.log('info', msg, { requestId: res.locals.requestId, ...fields });
  }
}

/**
 * Identifiers and filters never hold control characters; free text in a body may hold a
 * newline or a tab, but never NUL, which PostgreSQL refuses to store (and SQLite would
 * keep, so the two databases would disagree).
 */
const PARAM_CONTROL = /[\u0000-\u001f\u007f]/;
const BODY_CONTROL = /\u0000/;

/** The path (a.b.0) of the first string, or key, in `value` that matches `pattern`. */
function controlCharacterIn(value: unknown, pattern: RegExp, at = '', depth = 0): string | undefined {
  if (typeof value === 'string') return pattern.test(value) ? at : undefined;
  if (value === null || typeof value !== 'object' || depth > API_LIMITS.maxBodyWalkDepth) return undefined;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const path = at === '' ? k : `${at}.${k}`;
    if (pattern.test(k)) return path;
    const found = controlCharacterIn(v, pattern, path, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function parseJson(req: Request, raw: Buffer | undefined, optional: boolean): { value: unknown } | { status: number; detail: ErrorDetail } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw ?? Buffer.alloc(0));
  } catch {
    return { status: 400, detail: { in: 'body', path: '', message: 'is not valid UTF-8' } };
  }
  if (text.trim() === '') {
    if (optional) return { value: {} };
    return { status: 400, detail: { in: 'body', path: '', message: 'is empty: a JSON object is expected' } };
  }
  const type = req.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return { status: 415, detail: { in: 'header', path: 'Content-Type', message: `The body must be application/json, not ${type === '' ? '(none)' : JSON.stringify(type.slice(0, 80))}.` } };
  }
  try {
    return { value: JSON.parse(text) };
  } catch {
    // The parser's message may quote the body: not echoed.
    return { status: 400, detail: { in: 'body', path: '', message: 'is not valid JSON' } };
  }
}
