// Apple's business API for organisations (spec/abm-org-api.md), served under the same
// paths as Apple's so that an organisation admin's existing client works by changing only
// its base URL and token URL:
//   POST /auth/oauth2/token, /auth/oauth2/v2/token     client-credentials grant (ES256 client assertion)
//   GET  /v1/orgDevices[/{id}[/assignedServer | /relationships/assignedServer]]
//   GET  /v1/mdmServers[/{id}/relationships/devices]
//   POST /v1/orgDeviceActivities, GET /v1/orgDeviceActivities/{id}[/results]
// Declared in the same route registry as the gateway's own routes (so in /openapi.json),
// with that API's error shape: {errors: [{id, status, code, title, detail, source?}]}.
import type { Request, Response } from 'express';
import { grantBusinessToken } from '../../admin/business-api.js';
import { runActivity, submitActivity } from '../../admin/activities.js';
import { ACTIVITY_TYPES, APPLE_TOKEN_AUDIENCE, type ActivityType } from '../../domain/business-api.js';
import { ACTIVITY_LIMITS, BUSINESS_API_LIMITS } from '../../model/limits.js';
import { activityResults, findActivity, type ActivityRecord } from '../../store/activities.js';
import {
  assignedServerOf,
  mdmServer,
  mdmServerAttributes,
  mdmServersPage,
  MDM_SERVER_ATTRIBUTES,
  MDM_SERVER_RELATIONSHIPS,
  orgDevice,
  orgDeviceAttributes,
  orgDevicesPage,
  ORG_DEVICE_ATTRIBUTES,
  ORG_DEVICE_RELATIONSHIPS,
  serverDevicesPage,
} from '../../query/org-api.js';
import type { OrgDeviceRecord } from '../../store/business-api.js';
import type { MdmServerRecord } from '../../store/mdm-servers.js';
import type { Page } from '../../query/pages.js';
import { decodeCursor, encodeCursor } from './api/cursor.js';
import type { ApiDeps } from './api/deps.js';
import type { ApiRouter, Handler, JsonSchema, RouteSpec } from './api/route.js';
import { actorOf, type ErrorDetail, type Principal } from './principal.js';

export const TOKEN_PATHS = ['/auth/oauth2/token', '/auth/oauth2/v2/token'] as const;

/** The API's machine-read code for each HTTP status it answers. */
const APPLE_CODES: Record<number, string> = {
  400: 'PARAMETER_ERROR.INVALID',
  401: 'NOT_AUTHORIZED',
  403: 'FORBIDDEN_ERROR',
  404: 'NOT_FOUND',
  409: 'ENTITY_ERROR',
  413: 'PARAMETER_ERROR.INVALID',
  415: 'PARAMETER_ERROR.INVALID',
  422: 'ENTITY_ERROR.ATTRIBUTE.INVALID',
  429: 'RATE_LIMIT_EXCEEDED',
  500: 'UNEXPECTED_ERROR',
};
const TITLES: Record<number, string> = {
  400: 'A parameter has an invalid value',
  401: 'Authentication credentials are missing or invalid',
  403: 'This request is forbidden',
  404: 'The specified resource does not exist',
  409: 'The request entity is in conflict',
  422: 'The request entity is invalid',
  429: 'Too many requests',
  500: 'An unexpected error occurred',
};

export const BUSINESS_ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['errors'],
  properties: {
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['status', 'code', 'title', 'detail'],
        properties: {
          id: { type: 'string', description: "The answer's X-Request-Id." },
          status: { type: 'string', description: 'The HTTP status, as a string.' },
          code: { type: 'string', description: 'NOT_FOUND, NOT_AUTHORIZED, FORBIDDEN_ERROR, PARAMETER_ERROR.INVALID, ENTITY_ERROR..., RATE_LIMIT_EXCEEDED.' },
          title: { type: 'string' },
          detail: { type: 'string' },
          source: { type: 'object', description: '{parameter} or {pointer}: what was wrong.' },
        },
      },
    },
  },
};

/** Answers a refusal in the API's error shape; the gateway's own code goes in meta. */
export function sendBusinessError(res: Response, status: number, code: string, message: string, details?: ErrorDetail[]): void {
  const requestId = typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined;
  const d = details?.[0];
  const source = d ? (d.in === 'body' ? { pointer: `/${d.path.replace(/\./g, '/')}` } : { parameter: d.path }) : undefined;
  res.status(status).json({
    errors: [
      {
        ...(requestId ? { id: requestId } : {}),
        status: String(status),
        code: APPLE_CODES[status] ?? (status >= 500 ? 'UNEXPECTED_ERROR' : 'PARAMETER_ERROR.INVALID'),
        title: TITLES[status] ?? 'The request was refused',
        detail: message,
        ...(source ? { source } : {}),
        meta: { gatewayCode: code },
      },
    ],
  });
}

/** The gateway's public base, as the client reached it: links are absolute URLs on it. */
function baseUrlOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/** This request's URL with `cursor` set (or removed): every other parameter kept as sent. */
function withCursor(req: Request, cursor: string | undefined): string {
  const raw = req.originalUrl.split('?')[1] ?? '';
  const params = new URLSearchParams(raw);
  params.delete('cursor');
  if (cursor !== undefined) params.set('cursor', cursor);
  const query = params.toString();
  return `${baseUrlOf(req)}${req.baseUrl}${req.path}${query ? `?${query}` : ''}`;
}

function pageLinks(req: Request, limit: number, next: string | undefined) {
  return {
    links: { self: withCursor(req, (req.query.cursor as string | undefined) ?? undefined), first: withCursor(req, undefined), ...(next ? { next: withCursor(req, next) } : {}) },
    meta: { paging: { limit, ...(next ? { nextCursor: next } : {}) } },
  };
}

/** `fields[type]`: the names asked for, or every one; an unknown name is a 400. */
function fieldsOf(query: Record<string, unknown>, type: string, known: readonly string[]): { names: Set<string> } | { unknown: string } {
  const raw = query[`fields[${type}]`];
  if (raw === undefined) return { names: new Set(known) };
  const names = String(raw)
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const unknown = names.find((n) => !known.includes(n));
  return unknown !== undefined ? { unknown } : { names: new Set(names) };
}

function pick(attributes: Record<string, unknown>, names: Set<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).filter(([k]) => names.has(k)));
}

function deviceResource(base: string, d: OrgDeviceRecord, names: Set<string>) {
  const self = `${base}/v1/orgDevices/${encodeURIComponent(d.serial)}`;
  const relationships = {
    assignedServer: { links: { self: `${self}/relationships/assignedServer`, related: `${self}/assignedServer` } },
    appleCareCoverage: { links: { related: `${self}/appleCareCoverage` } },
  };
  return {
    type: 'orgDevices',
    id: d.serial,
    attributes: pick(orgDeviceAttributes(d), names),
    relationships: pick(relationships, names),
    links: { self },
  };
}

function serverResource(base: string, s: MdmServerRecord, names: Set<string>) {
  const self = `${base}/v1/mdmServers/${s.serverId}`;
  return {
    type: 'mdmServers',
    id: s.serverId,
    attributes: pick(mdmServerAttributes(s), names),
    relationships: pick({ devices: { links: { self: `${self}/relationships/devices` } } }, names),
    links: { self },
  };
}

const LIMIT: JsonSchema = {
  type: 'integer',
  minimum: 1,
  maximum: BUSINESS_API_LIMITS.maxPageSize,
  default: BUSINESS_API_LIMITS.defaultPageSize,
  description: `Resources per page, 1 to ${BUSINESS_API_LIMITS.maxPageSize} (default ${BUSINESS_API_LIMITS.defaultPageSize}).`,
};
const CURSOR: JsonSchema = { type: 'string', maxLength: 1000, description: 'meta.paging.nextCursor of the previous page (or follow links.next).' };
const fieldsParam = (type: string, names: readonly string[]): JsonSchema => ({
  type: 'string',
  maxLength: 2000,
  description: `Comma-separated names of the ${type} attributes (and relationships) to answer: ${names.join(', ')}. Another name: 400.`,
});
const SERIAL: JsonSchema = { type: 'string', minLength: 1, maxLength: 40, description: "The device's serial number (its id)." };
const SERVER_ID: JsonSchema = { type: 'string', minLength: 1, maxLength: 64, description: "The server's id." };
const RESOURCE: JsonSchema = { type: 'object', description: 'A JSON:API resource: type, id, attributes, relationships, links.' };
const LIST: JsonSchema = { type: 'object', required: ['data', 'links', 'meta'], properties: { data: { type: 'array', items: RESOURCE }, links: { type: 'object' }, meta: { type: 'object' } } };
const SINGLE: JsonSchema = { type: 'object', required: ['data', 'links'], properties: { data: { oneOf: [RESOURCE, { type: 'null' }] }, links: { type: 'object' } } };

/** What every resource route shares: the API's tag, its token, its error shape. */
function resourceRoute(spec: Omit<RouteSpec, 'tag' | 'roles' | 'renderError'>): RouteSpec {
  return { ...spec, tag: 'Business API', roles: ['api_client'], renderError: sendBusinessError };
}

function clientOf(p: Principal): Extract<Principal, { role: 'api_client' }> {
  if (p.role !== 'api_client') throw new Error('invariant: business API routes are for business API tokens only');
  return p;
}

function orgOf(p: Principal) {
  return clientOf(p).org;
}

export const ACTIVITY_ATTRIBUTES = ['activityType', 'status', 'subStatus', 'createdDateTime', 'completedDateTime', 'downloadUrl'] as const;

function activityResource(base: string, a: ActivityRecord, names: Set<string>) {
  const self = `${base}/v1/orgDeviceActivities/${a.activityId}`;
  const attributes: Record<string, unknown> = { activityType: a.activityType, status: a.status, subStatus: a.subStatus, createdDateTime: a.createdAt };
  if (a.completedAt !== null) {
    attributes.completedDateTime = a.completedAt;
    attributes.downloadUrl = `${self}/results`;
  }
  return { type: 'orgDeviceActivities', id: a.activityId, attributes: pick(attributes, names), links: { self } };
}

/** The per-device results as CSV: one row per device named, in request order. */
function resultsCsv(rows: { serial: string; result: string; code: string | null; message: string | null }[]): string {
  const field = (v: string | null) => (v === null ? '' : /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return ['serialNumber,result,errorCode,errorMessage', ...rows.map((r) => [r.serial, r.result, r.code, r.message].map(field).join(','))].join('\r\n') + '\r\n';
}

const ACTIVITY_BODY: JsonSchema = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['type', 'attributes', 'relationships'],
      properties: {
        type: { const: 'orgDeviceActivities' },
        attributes: {
          type: 'object',
          required: ['activityType'],
          properties: { activityType: { enum: [...ACTIVITY_TYPES] }, activityTypeMetadata: { type: 'object' } },
        },
        relationships: {
          type: 'object',
          required: ['devices'],
          properties: {
            mdmServer: {
              type: 'object',
              required: ['data'],
              properties: { data: { type: 'object', required: ['type', 'id'], properties: { type: { const: 'mdmServers' }, id: { type: 'string', minLength: 1, maxLength: 64 } } } },
            },
            devices: {
              type: 'object',
              required: ['data'],
              properties: {
                data: {
                  type: 'array',
                  minItems: 1,
                  maxItems: ACTIVITY_LIMITS.maxDevices,
                  items: { type: 'object', required: ['type', 'id'], properties: { type: { const: 'orgDevices' }, id: { type: 'string', minLength: 1, maxLength: 20 } } },
                },
              },
            },
          },
        },
      },
    },
  },
};

/** A refusal of a page request: an unknown field name or a cursor not of this list. */
function badParameter(res: Response, parameter: string, message: string): void {
  sendBusinessError(res, 400, 'GW-API-4001', message, [{ in: 'query', path: parameter, message }]);
}

/**
 * Answers one page of a list: the cursor (of this list and `filters` only) decoded, the
 * page loaded after its key, and the next cursor from the last item's key.
 */
async function sendPage<T>(
  req: Request,
  res: Response,
  query: Record<string, unknown>,
  list: { kind: string; filters: Record<string, unknown>; load(after: string | undefined, limit: number): Promise<Page<T>>; keyOf(item: T): string; render(item: T): unknown },
): Promise<void> {
  const after = decodeCursor(list.kind, list.filters, query.cursor, 1);
  if (after === 'invalid') return badParameter(res, 'cursor', 'the cursor is not one of this list');
  const limit = query.limit as number;
  const page = await list.load(after === undefined ? undefined : String(after[0]), limit);
  const last = page.items[page.items.length - 1];
  const next = page.more && last ? encodeCursor(list.kind, list.filters, [list.keyOf(last)]) : undefined;
  res.json({ data: page.items.map((item) => list.render(item)), ...pageLinks(req, limit, next) });
}

export function businessApiRoutes(api: ApiRouter, deps: ApiDeps): void {
  const { db } = deps;
  const limiter = new WindowRateLimiter(BUSINESS_API_LIMITS.resourceRequestsPerWindow);
  // Every resource route is declared through this: the client's rate is checked first.
  const route = (spec: Omit<RouteSpec, 'tag' | 'roles' | 'renderError'>, handler: Handler) =>
    api.route(resourceRoute(spec), async (ctx) => {
      const wait = limiter.retryAfter(clientOf(ctx.principal).clientId, Date.now());
      if (wait > 0) {
        ctx.res.setHeader('Retry-After', String(wait));
        return sendBusinessError(ctx.res, 429, 'GW-API-4290', `Too many requests from this client: at most ${BUSINESS_API_LIMITS.resourceRequestsPerWindow} a minute; try again in ${wait} s.`);
      }
      await handler(ctx);
    });

  route(
    {
      method: 'get',
      path: '/orgDevices',
      operationId: 'listOrgDevices',
      summary: "The organisation's devices",
      description: 'Every device enrolled to the organisation of the token, by serial number. Pending and released devices are not listed (a released one answers its own read).',
      query: { 'fields[orgDevices]': fieldsParam('orgDevices', [...ORG_DEVICE_ATTRIBUTES, ...ORG_DEVICE_RELATIONSHIPS]), limit: LIMIT, cursor: CURSOR },
      responses: { 200: { description: 'One page of orgDevices.', schema: LIST } },
    },
    async ({ req, res, principal, query }) => {
      const org = orgOf(principal);
      const fields = fieldsOf(query, 'orgDevices', [...ORG_DEVICE_ATTRIBUTES, ...ORG_DEVICE_RELATIONSHIPS]);
      if ('unknown' in fields) return badParameter(res, 'fields[orgDevices]', `${fields.unknown} is not an orgDevices attribute or relationship`);
      const base = baseUrlOf(req);
      await sendPage(req, res, query, {
        kind: 'orgDevices',
        filters: {},
        load: (afterSerial, limit) => orgDevicesPage(db, org.pk, { limit, ...(afterSerial !== undefined ? { afterSerial } : {}) }),
        keyOf: (d) => d.serial,
        render: (d) => deviceResource(base, d, fields.names),
      });
    },
  );

  route(
    {
      method: 'get',
      path: '/orgDevices/{id}',
      operationId: 'getOrgDevice',
      summary: 'One device',
      description: "A device enrolled to the token's organisation, or released by it (then with releasedFromOrgDateTime). Another organisation's device: 404.",
      params: { id: SERIAL },
      query: { 'fields[orgDevices]': fieldsParam('orgDevices', [...ORG_DEVICE_ATTRIBUTES, ...ORG_DEVICE_RELATIONSHIPS]) },
      responses: { 200: { description: 'The device.', schema: SINGLE } },
    },
    async ({ req, res, principal, params, query }) => {
      const org = orgOf(principal);
      const fields = fieldsOf(query, 'orgDevices', [...ORG_DEVICE_ATTRIBUTES, ...ORG_DEVICE_RELATIONSHIPS]);
      if ('unknown' in fields) return badParameter(res, 'fields[orgDevices]', `${fields.unknown} is not an orgDevices attribute or relationship`);
      const device = await orgDevice(db, org.pk, params.id!);
      if (!device) return sendBusinessError(res, 404, 'GW-API-4040', `There is no device with serial number ${params.id} in this organisation.`);
      const resource = deviceResource(baseUrlOf(req), device, fields.names);
      res.json({ data: resource, links: { self: resource.links.self } });
    },
  );

  route(
    {
      method: 'get',
      path: '/orgDevices/{id}/relationships/assignedServer',
      operationId: 'getOrgDeviceAssignedServerLinkage',
      summary: "The id of a device's server",
      description: 'data is {type: "mdmServers", id}, or null for a device on no server.',
      params: { id: SERIAL },
      responses: { 200: { description: "The server's linkage.", schema: SINGLE } },
    },
    async ({ req, res, principal, params }) => {
      const org = orgOf(principal);
      const device = await orgDevice(db, org.pk, params.id!);
      if (!device) return sendBusinessError(res, 404, 'GW-API-4040', `There is no device with serial number ${params.id} in this organisation.`);
      const server = await assignedServerOf(db, org.pk, device);
      const self = `${baseUrlOf(req)}/v1/orgDevices/${encodeURIComponent(device.serial)}`;
      res.json({ data: server ? { type: 'mdmServers', id: server.serverId } : null, links: { self: `${self}/relationships/assignedServer`, related: `${self}/assignedServer` } });
    },
  );

  route(
    {
      method: 'get',
      path: '/orgDevices/{id}/assignedServer',
      operationId: 'getOrgDeviceAssignedServer',
      summary: "A device's server",
      description: 'The mdmServers resource the device is assigned to, or data null for a device on no server.',
      params: { id: SERIAL },
      query: { 'fields[mdmServers]': fieldsParam('mdmServers', [...MDM_SERVER_ATTRIBUTES, ...MDM_SERVER_RELATIONSHIPS]) },
      responses: { 200: { description: 'The server.', schema: SINGLE } },
    },
    async ({ req, res, principal, params, query }) => {
      const org = orgOf(principal);
      const fields = fieldsOf(query, 'mdmServers', [...MDM_SERVER_ATTRIBUTES, ...MDM_SERVER_RELATIONSHIPS]);
      if ('unknown' in fields) return badParameter(res, 'fields[mdmServers]', `${fields.unknown} is not an mdmServers attribute or relationship`);
      const device = await orgDevice(db, org.pk, params.id!);
      if (!device) return sendBusinessError(res, 404, 'GW-API-4040', `There is no device with serial number ${params.id} in this organisation.`);
      const server = await assignedServerOf(db, org.pk, device);
      const base = baseUrlOf(req);
      res.json({ data: server ? serverResource(base, server, fields.names) : null, links: { self: `${base}/v1/orgDevices/${encodeURIComponent(device.serial)}/assignedServer` } });
    },
  );

  route(
    {
      method: 'get',
      path: '/mdmServers',
      operationId: 'listMdmServers',
      summary: "The organisation's device-management servers",
      description: 'Every server the organisation has named (by assignment or as a default server), by id.',
      query: { 'fields[mdmServers]': fieldsParam('mdmServers', [...MDM_SERVER_ATTRIBUTES, ...MDM_SERVER_RELATIONSHIPS]), limit: LIMIT, cursor: CURSOR },
      responses: { 200: { description: 'One page of mdmServers.', schema: LIST } },
    },
    async ({ req, res, principal, query }) => {
      const org = orgOf(principal);
      const fields = fieldsOf(query, 'mdmServers', [...MDM_SERVER_ATTRIBUTES, ...MDM_SERVER_RELATIONSHIPS]);
      if ('unknown' in fields) return badParameter(res, 'fields[mdmServers]', `${fields.unknown} is not an mdmServers attribute or relationship`);
      const base = baseUrlOf(req);
      await sendPage(req, res, query, {
        kind: 'mdmServers',
        filters: {},
        load: (afterId, limit) => mdmServersPage(db, org.pk, { limit, ...(afterId !== undefined ? { afterId } : {}) }),
        keyOf: (s) => s.serverId,
        render: (s) => serverResource(base, s, fields.names),
      });
    },
  );

  route(
    {
      method: 'get',
      path: '/mdmServers/{id}/relationships/devices',
      operationId: 'listMdmServerDeviceLinkages',
      summary: "The ids of a server's devices",
      description: "The serial numbers of the organisation's devices on the server, by serial. Another organisation's server: 404.",
      params: { id: SERVER_ID },
      query: { limit: LIMIT, cursor: CURSOR },
      responses: { 200: { description: 'One page of {type: "orgDevices", id}.', schema: LIST } },
    },
    async ({ req, res, principal, params, query }) => {
      const org = orgOf(principal);
      const server = await mdmServer(db, org.pk, params.id!);
      if (!server) return sendBusinessError(res, 404, 'GW-API-4040', `There is no server ${params.id} in this organisation.`);
      await sendPage(req, res, query, {
        kind: 'mdmServerDevices',
        filters: { server: server.serverId },
        load: (afterSerial, limit) => serverDevicesPage(db, org.pk, server, { limit, ...(afterSerial !== undefined ? { afterSerial } : {}) }),
        keyOf: (serial) => serial,
        render: (serial) => ({ type: 'orgDevices', id: serial }),
      });
    },
  );

  route(
    {
      method: 'post',
      path: '/orgDeviceActivities',
      operationId: 'createOrgDeviceActivity',
      summary: 'Assign, unassign or release devices',
      description:
        'ASSIGN_DEVICES and UNASSIGN_DEVICES name the server (relationships.mdmServer); RELEASE_DEVICES names none. Answered IN_PROGRESS (SUBMITTED); poll the activity until it is COMPLETED. ' +
        'A device that cannot move (not enrolled, on another server) ends it COMPLETED_WITH_ERROR and is named, with its reason, in the CSV at downloadUrl. ' +
        `A server or serial the organisation does not have: 409; a malformed body: 400; MDM migration activities, which the gateway does not keep: 422. At most ${ACTIVITY_LIMITS.maxDevices} devices.`,
      body: { kind: 'json', schema: ACTIVITY_BODY },
      responses: { 201: { description: 'The activity, in progress.', schema: SINGLE } },
    },
    async ({ req, res, principal, body }) => {
      const client = clientOf(principal);
      const data = (body as { data: { attributes: { activityType: ActivityType }; relationships: { mdmServer?: { data: { id: string } }; devices: { data: { id: string }[] } } } }).data;
      const actor = actorOf(principal, req);
      const submitted = await submitActivity(deps.db, actor, { pk: client.accountPk, org: client.org }, {
        activityType: data.attributes.activityType,
        ...(data.relationships.mdmServer ? { serverId: data.relationships.mdmServer.data.id } : {}),
        serials: data.relationships.devices.data.map((d) => d.id),
      });
      if (!submitted.ok) return sendBusinessError(res, submitted.refusal.status, submitted.refusal.status === 409 ? 'GW-API-4090' : 'GW-API-4220', submitted.refusal.message);
      const resource = activityResource(baseUrlOf(req), submitted.activity, new Set(ACTIVITY_ATTRIBUTES));
      res.status(201).json({ data: resource, links: { self: resource.links.self } });
      // Run once answered; a GET takes it over if this process dies first.
      setImmediate(() => {
        runActivity(deps.db, actor, submitted.activity.pk).catch((err: unknown) =>
          deps.logger.log('error', 'business API activity failed', { activityId: submitted.activity.activityId, error: (err as Error).message }),
        );
      });
    },
  );

  route(
    {
      method: 'get',
      path: '/orgDeviceActivities/{id}',
      operationId: 'getOrgDeviceActivity',
      summary: 'An activity and its status',
      description: "IN_PROGRESS until every device has its result, then COMPLETED with downloadUrl. Another organisation's activity: 404.",
      params: { id: { type: 'string', minLength: 1, maxLength: 36 } },
      query: { 'fields[orgDeviceActivities]': fieldsParam('orgDeviceActivities', ACTIVITY_ATTRIBUTES) },
      responses: { 200: { description: 'The activity.', schema: SINGLE } },
    },
    async ({ req, res, principal, params, query }) => {
      const client = clientOf(principal);
      const fields = fieldsOf(query, 'orgDeviceActivities', ACTIVITY_ATTRIBUTES);
      if ('unknown' in fields) return badParameter(res, 'fields[orgDeviceActivities]', `${fields.unknown} is not an orgDeviceActivities attribute`);
      let activity = await findActivity(deps.db, client.org.pk, params.id!);
      if (!activity) return sendBusinessError(res, 404, 'GW-API-4040', `There is no activity ${params.id} in this organisation.`);
      if (activity.status === 'IN_PROGRESS') {
        // Not taken, or taken by a process that died: run it now (the claim keeps it to one runner).
        await runActivity(deps.db, actorOf(principal, req), activity.pk);
        activity = (await findActivity(deps.db, client.org.pk, params.id!))!;
      }
      const resource = activityResource(baseUrlOf(req), activity, fields.names);
      res.json({ data: resource, links: { self: resource.links.self } });
    },
  );

  route(
    {
      method: 'get',
      path: '/orgDeviceActivities/{id}/results',
      operationId: 'getOrgDeviceActivityResults',
      summary: "An activity's per-device results (its downloadUrl)",
      description: 'CSV: serialNumber, result (SUCCESS or FAILED), errorCode, errorMessage, one row per device named. Only the account that made the activity may fetch it; another: 404.',
      params: { id: { type: 'string', minLength: 1, maxLength: 36 } },
      responses: { 200: { description: 'The results.', contentType: 'text/csv', schema: { type: 'string' } } },
    },
    async ({ res, principal, params }) => {
      const client = clientOf(principal);
      const activity = await findActivity(deps.db, client.org.pk, params.id!);
      if (!activity || activity.accountPk !== client.accountPk) return sendBusinessError(res, 404, 'GW-API-4040', `There is no activity ${params.id} of this account.`);
      if (activity.completedAt === null) return sendBusinessError(res, 404, 'GW-API-4040', `Activity ${params.id} is not completed yet: poll it until it is.`);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="activity-${activity.activityId}.csv"`);
      res.send(resultsCsv(await activityResults(deps.db, activity.pk)));
    },
  );
}

/**
 * Any other path under the API's resources answers in the API's error shape: an unknown
 * route there is the API's 404, and AppleCare coverage (a relationship every device
 * links to) is said to be unknown here rather than answered as an empty list, which
 * would read as "no coverage".
 */
export function businessApiNotFound(req: Request, res: Response, next: () => void): void {
  const path = req.path;
  if (!/^\/(orgDevices|mdmServers|orgDeviceActivities)(\/|$)/.test(path)) return next();
  const detail = /^\/orgDevices\/[^/]+\/appleCareCoverage$/.test(path)
    ? 'AppleCare coverage is not known to this gateway: ask Apple Business Manager.'
    : `No such route: ${req.method} /v1${path.slice(0, 200)}. The routes are listed in /openapi.json.`;
  sendBusinessError(res, 404, 'GW-API-4041', detail);
}

/**
 * Requests per caller (a client id, or an address before the client is known) in fixed
 * windows: a client that loops is slowed, not the others.
 */
export class WindowRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly perWindow: number) {}

  /** Seconds to wait, or 0 when this request may go ahead. */
  retryAfter(caller: string, nowMs: number): number {
    const windowMs = BUSINESS_API_LIMITS.rateWindowSeconds * 1000;
    let w = this.windows.get(caller);
    if (!w || nowMs - w.start >= windowMs) {
      this.windows.delete(caller);
      if (this.windows.size >= BUSINESS_API_LIMITS.limiterEntries) this.windows.delete(this.windows.keys().next().value!);
      w = { start: nowMs, count: 0 };
      this.windows.set(caller, w);
    }
    w.count++;
    if (w.count <= this.perWindow) return 0;
    return Math.max(1, Math.ceil((w.start + windowMs - nowMs) / 1000));
  }
}

/** RFC 6749's error answer; 429 adds Retry-After. */
const OAUTH_ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string', description: 'invalid_request, invalid_client, unsupported_grant_type, invalid_scope; slow_down with 429.' },
    error_description: { type: 'string' },
  },
};

const TOKEN_FIELDS = ['grant_type', 'client_id', 'client_assertion_type', 'client_assertion', 'scope'] as const;

/** The token endpoints, declared in the registry (public: the assertion is the credential). */
export function tokenRoutes(api: ApiRouter, deps: ApiDeps): void {
  const limiter = new WindowRateLimiter(BUSINESS_API_LIMITS.tokenRequestsPerWindow);
  const sendOAuth = (res: Response, status: number, error: string, description: string) => {
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).json({ error, error_description: description });
  };
  for (const path of TOKEN_PATHS) {
    api.route(
      {
        method: 'post',
        path,
        operationId: path.includes('/v2/') ? 'businessApiTokenV2' : 'businessApiToken',
        summary: 'A business API access token',
        description:
          'The OAuth 2 client-credentials grant with an ES256 JWT client assertion (RFC 7523), as Apple\'s account service answers it: the fields in the form body or the query string. ' +
          `A token is good for ${BUSINESS_API_LIMITS.tokenLifetimeSeconds} s. Refusals: 400 {error, error_description}; more than ${BUSINESS_API_LIMITS.tokenRequestsPerWindow} requests a minute from one client: 429 with Retry-After.`,
        tag: 'Business API',
        roles: 'public',
        query: Object.fromEntries(TOKEN_FIELDS.map((f) => [f, { type: 'string', maxLength: BUSINESS_API_LIMITS.maxAssertionChars }])),
        body: { kind: 'stream', contentTypes: ['application/x-www-form-urlencoded'], description: 'grant_type, client_id, client_assertion_type, client_assertion, scope.', maxBytes: BUSINESS_API_LIMITS.maxTokenBodyBytes },
        responses: {
          200: {
            description: 'The token.',
            schema: {
              type: 'object',
              required: ['access_token', 'token_type', 'expires_in', 'scope'],
              properties: { access_token: { type: 'string' }, token_type: { const: 'Bearer' }, expires_in: { type: 'integer' }, scope: { type: 'string' } },
            },
          },
        },
        renderError: (res, status, _code, message) => sendOAuth(res, status === 413 ? 413 : 400, 'invalid_request', message),
        errorSchema: OAUTH_ERROR_SCHEMA,
      },
      async ({ req, res, query }) => {
        const form = await readForm(req);
        if (form === undefined) return sendOAuth(res, 400, 'invalid_request', `the body must be application/x-www-form-urlencoded, at most ${BUSINESS_API_LIMITS.maxTokenBodyBytes} bytes`);
        const fields: Record<string, string | undefined> = {};
        for (const f of TOKEN_FIELDS) fields[f] = form.get(f) ?? (query[f] as string | undefined);
        const caller = fields.client_id ?? `address:${req.ip ?? 'unknown'}`;
        const wait = limiter.retryAfter(caller.slice(0, 100), Date.now());
        if (wait > 0) {
          res.setHeader('Retry-After', String(wait));
          return sendOAuth(res, 429, 'slow_down', `too many token requests; try again in ${wait} s`);
        }
        const base = baseUrlOf(req);
        const audiences = [APPLE_TOKEN_AUDIENCE, ...TOKEN_PATHS.map((p) => `${base}${p}`)];
        const granted = await grantBusinessToken(deps.db, fields, audiences);
        if (!granted.ok) {
          api.log(res, 'business API token refused', { clientId: granted.clientId, error: granted.error.error, reason: granted.error.description });
          return sendOAuth(res, 400, granted.error.error, granted.error.description);
        }
        api.log(res, 'business API token granted', { clientId: granted.clientId });
        res.setHeader('Cache-Control', 'no-store');
        res.json(granted.value);
      },
    );
  }
}

/** The form body (urlencoded), or undefined when it is another type or too long. An empty body is an empty form. */
async function readForm(req: Request): Promise<URLSearchParams | undefined> {
  const type = req.get('content-type') ?? '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BUSINESS_API_LIMITS.maxTokenBodyBytes) return undefined;
    chunks.push(chunk);
  }
  if (size === 0) return new URLSearchParams();
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) return undefined;
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
