// The devices of the query API:
//   GET  /devices                        search, by serial (operator, organisation admin)
//   GET  /devices/{serial}               current state and history
//   POST /devices/assignments            assign devices to a device-management server, by serial or order
//   POST /devices/{serial}/release       release a device for good, with a reason
//   GET  /default-servers                the default server of each device family
//   PUT  /default-servers/{family}       set (or with null clear) one
// An organisation admin acts on its own organisation: it reads devices in it or released
// by it, and a device outside that is 404 exactly as a missing one is (reads, releases).
// Naming another organisation (org=, orgId) is refused with 403 (api/scope.ts). The operator
// names the organisation it acts for: orgId in a write's body, org= on default servers.
//
// Reads are src/query/devices.ts, the assignment rule src/domain/assignment.ts, the writes
// src/admin/assignments.ts and src/admin/operations.ts (release, default servers).
//
// Codes of these routes (messages in src/model/error-codes.ts):
//   GW-DE-4320  (404) a device that is missing or outside the caller's organisation.
//   GW-ORG-4040 (404) an organisation an operator names that does not exist.
//   GW-AS-4400..4406 (422) the assignment's refusals: src/domain/assignment.ts.
//   GW-DE-4311  (409) a release of a device the organisation has but that is not enrolled.
import type { Response } from 'express';
import type { ApiRouter, JsonSchema } from '../api/route.js';
import type { ApiDeps } from '../api/deps.js';
import { MAX_BIGINT_KEY, PAGE_PARAMS, cursorKey, encodeCursor, givenFilters, pageSchema, refuseCursor } from '../api/cursor.js';
import { refusedOtherOrganisation, scopeOf } from '../api/scope.js';
import { actorOf, sendHttpError, type Principal } from '../principal.js';
import { ORDER_NUMBER_SCHEMA, ORG_ID_SCHEMA, SUPPLIER_ID_SCHEMA, refuseParam } from '../api/params.js';
import { orderLink } from './orders.js';
import { assignDevicesToServer } from '../../../admin/assignments.js';
import { releaseDeviceFromOrg, setDefaultServer } from '../../../admin/operations.js';
import { renderAssignmentError } from '../../../domain/assignment.js';
import type { DeviceState } from '../../../model/state.js';
import { DEVICE_FAMILIES } from '../../../model/device-family.js';
import { renderMessage } from '../../../model/messages.js';
import { defaultServers, deviceHistory, findDevice, findRelease, listDevices, type DeviceDetail, type DeviceFilters, type DeviceSummary } from '../../../query/devices.js';
import { findOrganisation } from '../../../store/organisations.js';
import { API_LIMITS, ASSIGNMENT_LIMITS } from '../../../model/limits.js';

const DEVICE_STATES: readonly DeviceState[] = ['enrolled', 'pending', 'returned', 'voided', 'released'];
/** Serials are upper-case letters and digits (at most 20); a prefix is 1 to 20 of them. */
const SERIAL_SCHEMA: JsonSchema = { type: 'string', pattern: '^[A-Z0-9]{1,20}$', description: 'A serial number, IMEI or MEID (upper case).' };
const SERVER_SCHEMA: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: ASSIGNMENT_LIMITS.serverChars,
  pattern: '\\S',
  description: `A device-management server's name, 1 to ${ASSIGNMENT_LIMITS.serverChars} characters.`,
};
const NULLABLE_STRING: JsonSchema = { type: ['string', 'null'] };

// ---- schemas ---------------------------------------------------------------------------

const DEVICE_FIELDS: Record<string, JsonSchema> = {
  serial: { type: 'string' },
  state: { enum: [...DEVICE_STATES] },
  orgId: { type: ['string', 'null'], description: 'The organisation the device is (or was last) in.' },
  supplierId: { type: ['string', 'null'], description: 'The supplier whose order holds (or last held) the device.' },
  orderNumber: { type: ['string', 'null'], description: 'That order.' },
  family: NULLABLE_STRING,
  assetTag: NULLABLE_STRING,
  server: { type: ['string', 'null'], description: 'Its device-management server.' },
  updatedAt: { type: 'string' },
};
const LINKS_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['self'],
  additionalProperties: false,
  properties: { self: { type: 'string' }, order: { type: 'string' } },
};

const DEVICE_SUMMARY_SCHEMA: JsonSchema = {
  type: 'object',
  required: [...Object.keys(DEVICE_FIELDS), 'links'],
  additionalProperties: false,
  properties: { ...DEVICE_FIELDS, links: LINKS_SCHEMA },
};

const EVENT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['at', 'event', 'fromState', 'toState', 'orgId', 'supplierId', 'orderNumber', 'document', 'transaction', 'actor', 'detail'],
  additionalProperties: false,
  properties: {
    at: { type: 'string' },
    event: { type: 'string', description: 'enrolled, pending, enrolled-on-link, returned, voided, removed, restored, reassigned, released, server-assigned.' },
    fromState: NULLABLE_STRING,
    toState: { type: 'string' },
    orgId: NULLABLE_STRING,
    supplierId: NULLABLE_STRING,
    orderNumber: NULLABLE_STRING,
    document: { type: 'string', description: 'What made the change: "transaction <enrollment id>", "document <document id>", "release", "server assignment <request id>", ...' },
    transaction: {
      type: ['object', 'null'],
      required: ['supplierId', 'transactionId', 'enrollmentId'],
      additionalProperties: false,
      properties: { supplierId: { type: 'string' }, transactionId: { type: 'string' }, enrollmentId: { type: 'string' } },
      description: 'The reseller-API transaction behind the change, when one was.',
    },
    actor: { type: 'string' },
    detail: NULLABLE_STRING,
  },
};

const RELEASE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['orgId', 'reason', 'releasedAt'],
  additionalProperties: false,
  properties: { orgId: { type: 'string' }, reason: { type: 'string' }, releasedAt: { type: 'string' } },
};

const DEVICE_DETAIL_SCHEMA: JsonSchema = {
  type: 'object',
  required: [...Object.keys(DEVICE_FIELDS), 'released', 'links', 'history'],
  additionalProperties: false,
  properties: {
    ...DEVICE_FIELDS,
    pendingReason: { type: 'string', description: 'Why a pending device waits, with its code (GW-OR-4120).' },
    released: { ...RELEASE_SCHEMA, type: ['object', 'null'], description: 'Its release, when its organisation released it.' },
    links: LINKS_SCHEMA,
    history: {
      ...pageSchema(EVENT_SCHEMA),
      description: "Changes oldest first, a page at a time (limit, cursor); an organisation admin sees its own organisation's only.",
    },
  },
};

const SERVERS_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['orgId', 'servers'],
  additionalProperties: false,
  properties: {
    orgId: { type: 'string' },
    servers: {
      type: 'array',
      description: 'Every device family, with its default server or null.',
      items: {
        type: 'object',
        required: ['family', 'server'],
        additionalProperties: false,
        properties: { family: { enum: [...DEVICE_FAMILIES] }, server: NULLABLE_STRING },
      },
    },
  },
};

function deviceLinks(d: DeviceSummary): { self: string; order?: string } {
  return {
    self: `/v1/devices/${encodeURIComponent(d.serial)}`,
    ...(d.supplierId !== null && d.orderNumber !== null ? { order: orderLink(d.supplierId, d.orderNumber) } : {}),
  };
}

function summaryView(d: DeviceSummary) {
  return {
    serial: d.serial,
    state: d.state,
    orgId: d.orgId,
    supplierId: d.supplierId,
    orderNumber: d.orderNumber,
    family: d.family,
    assetTag: d.assetTag,
    server: d.server,
    updatedAt: d.updatedAt,
    links: deviceLinks(d),
  };
}

function detailView(d: DeviceDetail) {
  return { ...summaryView(d), ...(d.pendingReason !== undefined ? { pendingReason: d.pendingReason } : {}), released: d.released };
}

function deviceNotFound(res: Response, serial: string): void {
  sendHttpError(res, 404, 'GW-DE-4320', renderMessage({ code: 'GW-DE-4320', params: { serial } }));
}

/**
 * The organisation a write (or default-server read) acts for: an organisation admin's
 * own (naming another is 403), or the one the operator names (required; unknown is 404).
 * Answers the refusal and returns undefined when there is none.
 */
export async function targetOrg(deps: ApiDeps, res: Response, p: Principal, given: unknown, where: 'query' | 'body'): Promise<{ pk: number; orgId: string } | undefined> {
  const name = where === 'query' ? 'org' : 'orgId';
  if (p.role === 'org_admin') return refusedOtherOrganisation(res, p, given, name) ? undefined : p.org;
  if (typeof given !== 'string') {
    refuseParam(res, { in: where, path: name, message: 'is required with an operator key' });
    return undefined;
  }
  const org = await findOrganisation(deps.db, given);
  if (!org) {
    sendHttpError(res, 404, 'GW-ORG-4040', renderMessage({ code: 'GW-ORG-4040', params: { orgId: given } }));
    return undefined;
  }
  return { pk: org.pk, orgId: org.orgId };
}

async function serversOf(deps: ApiDeps, org: { pk: number; orgId: string }) {
  const servers = await defaultServers(deps.db, org.pk);
  return { orgId: org.orgId, servers: DEVICE_FAMILIES.map((family) => ({ family, server: servers.get(family) ?? null })) };
}

// ---- routes ----------------------------------------------------------------------------

export function devicesRoutes(api: ApiRouter, deps: ApiDeps): void {
  api.route(
    {
      method: 'get',
      path: '/devices',
      operationId: 'listDevices',
      summary: 'Search devices',
      description:
        "Devices in the caller's scope by serial: the operator every device, an organisation admin those in its organisation. serial is exact, serialPrefix a prefix (not both). Filters narrow the scope and never widen it; an organisation admin naming another organisation (org) is 403.",
      tag: 'Devices',
      roles: ['operator', 'org_admin'],
      query: {
        serial: SERIAL_SCHEMA,
        serialPrefix: { ...SERIAL_SCHEMA, description: 'Serials starting with this (upper case).' },
        state: { enum: [...DEVICE_STATES] },
        family: { enum: [...DEVICE_FAMILIES] },
        server: SERVER_SCHEMA,
        supplier: SUPPLIER_ID_SCHEMA,
        orderNumber: { ...ORDER_NUMBER_SCHEMA, description: 'The order that holds (or last held) the device.' },
        org: ORG_ID_SCHEMA,
        ...PAGE_PARAMS,
      },
      responses: { 200: { description: 'A page of devices.', schema: pageSchema(DEVICE_SUMMARY_SCHEMA) } },
    },
    async ({ res, principal, query }) => {
      if (query.serial !== undefined && query.serialPrefix !== undefined) {
        return refuseParam(res, { in: 'query', path: 'serialPrefix', message: 'cannot be given with serial' });
      }
      if (refusedOtherOrganisation(res, principal, query.org, 'org')) return;
      const filters = givenFilters<DeviceFilters>({
        serial: query.serial as string | undefined,
        serialPrefix: query.serialPrefix as string | undefined,
        state: query.state as DeviceState | undefined,
        family: query.family as string | undefined,
        server: query.server as string | undefined,
        supplierId: query.supplier as string | undefined,
        orderNumber: query.orderNumber as string | undefined,
        orgId: query.org as string | undefined,
      });
      const key = cursorKey('devices', filters, query.cursor, ['string']);
      if (key === 'invalid') return refuseCursor(res);
      const limit = query.limit as number;
      const page = await listDevices(deps.db, scopeOf(principal), filters, { limit, ...(key ? { afterSerial: key[0] as string } : {}) });
      const last = page.items[page.items.length - 1];
      res.json({ items: page.items.map(summaryView), nextCursor: page.more && last ? encodeCursor('devices', filters, [last.serial]) : null });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/devices/{serial}',
      operationId: 'getDevice',
      summary: 'One device: current state and history',
      description:
        "The device's state now and its changes, each with the document or transaction behind it. An organisation admin sees a device in its organisation or released by it, and only its own organisation's changes; any other device is 404, as a missing one is.",
      tag: 'Devices',
      roles: ['operator', 'org_admin'],
      params: { serial: SERIAL_SCHEMA },
      query: { ...PAGE_PARAMS },
      responses: { 200: { description: 'The device.', schema: DEVICE_DETAIL_SCHEMA } },
    },
    async ({ res, principal, params, query }) => {
      const serial = params.serial!;
      const key = cursorKey('device-history', { serial }, query.cursor, ['number'], MAX_BIGINT_KEY);
      if (key === 'invalid') return refuseCursor(res);
      const scope = scopeOf(principal);
      const device = await findDevice(deps.db, scope, serial);
      if (!device) return deviceNotFound(res, serial);
      const limit = query.limit as number;
      const history = await deviceHistory(deps.db, scope, serial, { limit, ...(key ? { afterId: key[0] as number } : {}) });
      const last = history.items[history.items.length - 1];
      res.json({
        ...detailView(device),
        history: {
          items: history.items.map(({ id: _id, ...e }) => e),
          nextCursor: history.more && last ? encodeCursor('device-history', { serial }, [last.id]) : null,
        },
      });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/devices/assignments',
      operationId: 'assignDevices',
      summary: 'Assign devices to a device-management server',
      description:
        `By serial (serials) or by order (orders: every device the order holds now), exactly one of them. All or nothing: when any device cannot be assigned (not the organisation's, not enrolled, pending, unknown) nothing changes and the answer (422 GW-AS-4400) lists each refusal, its code first. A device already on the server is counted as unchanged. At most ${ASSIGNMENT_LIMITS.maxDevices} devices per request.`,
      tag: 'Devices',
      roles: ['operator', 'org_admin'],
      body: {
        kind: 'json',
        schema: {
          type: 'object',
          required: ['server'],
          additionalProperties: false,
          properties: {
            orgId: { ...ORG_ID_SCHEMA, description: 'The organisation: required with an operator key; an organisation admin may name its own.' },
            server: SERVER_SCHEMA,
            serials: { type: 'array', minItems: 1, maxItems: ASSIGNMENT_LIMITS.maxDevices, items: SERIAL_SCHEMA },
            orders: {
              type: 'array',
              minItems: 1,
              maxItems: ASSIGNMENT_LIMITS.maxOrders,
              items: {
                type: 'object',
                required: ['supplierId', 'orderNumber'],
                additionalProperties: false,
                properties: { supplierId: SUPPLIER_ID_SCHEMA, orderNumber: ORDER_NUMBER_SCHEMA },
              },
            },
          },
        },
      },
      responses: {
        200: {
          description: 'Assigned.',
          schema: {
            type: 'object',
            required: ['orgId', 'server', 'assigned', 'unchanged'],
            additionalProperties: false,
            properties: {
              orgId: { type: 'string' },
              server: { type: 'string' },
              assigned: { type: 'integer', minimum: 0, description: 'Devices whose server changed.' },
              unchanged: { type: 'integer', minimum: 0, description: 'Devices already on this server.' },
            },
          },
        },
      },
    },
    async ({ req, res, principal, body }) => {
      const b = body as { orgId?: string; server: string; serials?: string[]; orders?: { supplierId: string; orderNumber: string }[] };
      if ((b.serials === undefined) === (b.orders === undefined)) {
        return refuseParam(res, { in: 'body', path: b.serials === undefined ? 'serials' : 'orders', message: b.serials === undefined ? 'or orders is required' : 'cannot be given with serials' });
      }
      const org = await targetOrg(deps, res, principal, b.orgId, 'body');
      if (!org) return;
      const requestId = typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined;
      const result = await assignDevicesToServer(
        deps.db,
        actorOf(principal, req),
        { orgId: org.orgId, server: b.server, ...(b.serials ? { serials: b.serials } : { orders: b.orders! }) },
        requestId,
      );
      if (!result.ok) {
        const listed = result.refusals.slice(0, ASSIGNMENT_LIMITS.maxRefusalsListed);
        const more = result.refusals.length > listed.length ? ` The first ${listed.length} are listed.` : '';
        return sendHttpError(
          res,
          422,
          result.error.code,
          `${renderAssignmentError(result.error)}${more}`,
          listed.map((r) => ({ in: 'body', path: r.at, message: `${r.error.code}: ${renderAssignmentError(r.error)}` })),
        );
      }
      res.json({ orgId: org.orgId, server: result.server, assigned: result.assigned, unchanged: result.unchanged });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/devices/{serial}/release',
      operationId: 'releaseDevice',
      summary: 'Release a device from its organisation, for good',
      description:
        'The device leaves the organisation and every later order naming it is refused (GW-DE-4310). Only an enrolled device can be released (409 GW-DE-4311 otherwise); a device the caller cannot see is 404, as a missing one is. The operator names the organisation (orgId).',
      tag: 'Devices',
      roles: ['operator', 'org_admin'],
      params: { serial: SERIAL_SCHEMA },
      body: {
        kind: 'json',
        schema: {
          type: 'object',
          required: ['reason'],
          additionalProperties: false,
          properties: {
            orgId: { ...ORG_ID_SCHEMA, description: 'The organisation: required with an operator key; an organisation admin may name its own.' },
            reason: { type: 'string', minLength: 1, maxLength: API_LIMITS.releaseReasonChars, pattern: '\\S', description: 'Why: sold, lost, returned to a non-Apple channel, ...' },
          },
        },
      },
      responses: {
        200: {
          description: 'Released.',
          schema: {
            type: 'object',
            required: ['serial', 'state', 'orgId', 'reason', 'releasedAt'],
            additionalProperties: false,
            properties: { serial: { type: 'string' }, state: { const: 'released' }, orgId: { type: 'string' }, reason: { type: 'string' }, releasedAt: { type: 'string' } },
          },
        },
      },
    },
    async ({ req, res, principal, params, body }) => {
      const serial = params.serial!;
      const b = body as { orgId?: string; reason: string };
      const org = await targetOrg(deps, res, principal, b.orgId, 'body');
      if (!org) return;
      if (!(await findDevice(deps.db, scopeOf(principal), serial))) return deviceNotFound(res, serial);
      const result = await releaseDeviceFromOrg(deps.db, actorOf(principal, req), org.orgId, serial, b.reason);
      if ('code' in result) return sendHttpError(res, 409, result.code, renderMessage(result));
      const release = await findRelease(deps.db, serial);
      if (!release) throw new Error(`invariant: device ${serial} was just released`);
      res.json({ serial, state: 'released', orgId: release.orgId, reason: release.reason, releasedAt: release.releasedAt });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/default-servers',
      operationId: 'listDefaultServers',
      summary: 'The default server of each device family',
      description: "New devices of a family are assigned to its default server when they are enrolled. An organisation admin reads its own organisation's; the operator names one (org).",
      tag: 'Devices',
      roles: ['operator', 'org_admin'],
      query: { org: { ...ORG_ID_SCHEMA, description: 'Required with an operator key.' } },
      responses: { 200: { description: 'Every family with its server or null.', schema: SERVERS_SCHEMA } },
    },
    async ({ res, principal, query }) => {
      const org = await targetOrg(deps, res, principal, query.org, 'query');
      if (!org) return;
      res.json(await serversOf(deps, org));
    },
  );

  api.route(
    {
      method: 'put',
      path: '/default-servers/{family}',
      operationId: 'setDefaultServer',
      summary: 'Set or clear the default server of a device family',
      description: 'server null clears it. Devices already enrolled keep their server. The operator names the organisation (org).',
      tag: 'Devices',
      roles: ['operator', 'org_admin'],
      params: { family: { enum: [...DEVICE_FAMILIES] } },
      query: { org: { ...ORG_ID_SCHEMA, description: 'Required with an operator key.' } },
      body: {
        kind: 'json',
        schema: {
          type: 'object',
          required: ['server'],
          additionalProperties: false,
          properties: { server: { anyOf: [SERVER_SCHEMA, { type: 'null' }] } },
        },
      },
      responses: { 200: { description: 'Every family with its server or null, after the change.', schema: SERVERS_SCHEMA } },
    },
    async ({ req, res, principal, params, query, body }) => {
      const org = await targetOrg(deps, res, principal, query.org, 'query');
      if (!org) return;
      await setDefaultServer(deps.db, actorOf(principal, req), org.orgId, params.family!, (body as { server: string | null }).server);
      res.json(await serversOf(deps, org));
    },
  );
}
