// Who is calling (every role), and the operator's management of organisations, suppliers
// and the links between them, and its reading of the audit log:
//   GET    /v1/me                                              every role
//   GET    /v1/organisations, POST /v1/organisations            operator
//   GET    /v1/organisations/{orgId}                            operator | that organisation's admin
//   POST   /v1/organisations/{orgId}/customer-numbers           operator
//   PUT    /v1/organisations/{orgId}/suppliers/{supplierId}     operator | that organisation's admin (link; pending devices enroll)
//   DELETE /v1/organisations/{orgId}/suppliers/{supplierId}     operator | that organisation's admin (unlink)
//   GET    /v1/suppliers, POST /v1/suppliers                    operator
//   GET    /v1/audit                                            operator
// Reads are src/query/organisations.ts and src/query/audit.ts. Writes go through
// src/admin/operations.ts, the same functions the CLI calls, so a rule or an audit entry
// cannot differ between the two. Keys are made and revoked in keys.ts (and by the CLI).
import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import type { ApiRouter, JsonSchema } from '../api/route.js';
import type { ApiDeps } from '../api/deps.js';
import { MAX_BIGINT_KEY, PAGE_PARAMS, cursorPk, pageSchema, sendPage } from '../api/cursor.js';
import { refusedOtherOrganisation, scopeOf } from '../api/scope.js';
import { actorOf, principalName, sendHttpError, type Principal, type Role } from '../principal.js';
import { AdminError, addAppleCustomerNumber, addOrganisation, addSupplier, linkSupplier, unlinkSupplier, type Actor } from '../../../admin/operations.js';
import { listAudit } from '../../../query/audit.js';
import { DEVICE_COUNT_STATES, listOrganisations, listSuppliers, organisationName, readOrganisation, readSupplier, type OrganisationDetail } from '../../../query/organisations.js';
import { isRefusal } from '../../../query/days.js';
import { DEVICE_FAMILIES } from '../../../model/device-family.js';
import { DAY_PARAMS, SUPPLIER_ID_SCHEMA, refuseFilter } from '../api/params.js';

/** Apple customer numbers in one POST /organisations; more are added one by one. */
const MAX_CUSTOMER_NUMBERS_PER_REQUEST = 100;
/** Ship-To accounts in one POST /suppliers; more are added with the CLI. */
const MAX_SHIP_TOS_PER_REQUEST = 100;

const ORG_ID_SCHEMA: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$', examples: ['19827'] };
const CUSTOMER_NUMBER_SCHEMA: JsonSchema = { type: 'string', pattern: '^\\d{1,32}$', description: 'Digits; compared without leading zeros.', examples: ['0000123456'] };

/**
 * An operation's refusal as an HTTP answer, keeping its code: invalid 422 (the request
 * was well-formed; a rule refused it), not found 404, already exists 409.
 */
export function sendAdminError(res: Response, err: unknown): void {
  if (!(err instanceof AdminError)) throw err;
  const status = err.code === 'GW-ADM-NOT-FOUND' ? 404 : err.code === 'GW-ADM-EXISTS' ? 409 : 422;
  sendHttpError(res, status, err.code, `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}.`);
}

/**
 * Who the operation's audit entry names: the principal and where it called from. The
 * request id rides along for when the operations' Actor carries it (the HTTP audit entry
 * of the same request has it already).
 */
export function actorFor(principal: Principal, req: Request, res: Response): Actor {
  return { ...actorOf(principal, req), requestId: String(res.locals.requestId ?? '') } as Actor;
}

/**
 * The organisation as it is after a write that just made or changed it: the write
 * succeeded, so it is there (its absence is a broken invariant, answered 500).
 */
async function organisationAfterWrite(db: Knex, orgId: string): Promise<OrganisationDetail> {
  const org = await readOrganisation(db, { kind: 'all' }, orgId);
  if (!org) throw new Error(`invariant: organisation ${orgId} is found after the write that made or changed it`);
  return org;
}

// ---------------------------------------------------------------------------------------
// Schemas

const ORG_SUMMARY_FIELDS: Record<string, JsonSchema> = {
  orgId: { type: 'string' },
  name: { type: 'string' },
  country: { type: 'string', pattern: '^[A-Z]{2}$' },
  createdAt: { type: 'string' },
  appleCustomerNumbers: { type: 'array', items: { type: 'string' } },
};

const ORG_ITEM: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: [...Object.keys(ORG_SUMMARY_FIELDS), 'resellers'],
  properties: { ...ORG_SUMMARY_FIELDS, resellers: { type: 'array', items: { type: 'string' }, description: 'Suppliers the organisation has added.' } },
};

const ORG_DETAIL: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: [...Object.keys(ORG_SUMMARY_FIELDS), 'suppliers', 'defaultServers', 'devices'],
  properties: {
    ...ORG_SUMMARY_FIELDS,
    suppliers: {
      type: 'array',
      description: 'Suppliers the organisation has added: their orders for it enroll; others wait as pending.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['supplierId', 'name', 'kind', 'linkedAt'],
        properties: { supplierId: { type: 'string' }, name: { type: 'string' }, kind: { enum: ['reseller', 'apple'] }, linkedAt: { type: 'string' } },
      },
    },
    defaultServers: {
      type: 'object',
      description: 'The device-management server new devices of a family are assigned to.',
      propertyNames: { enum: [...DEVICE_FAMILIES] },
      additionalProperties: { type: 'string' },
    },
    devices: {
      type: 'object',
      description: "The organisation's devices by state.",
      additionalProperties: false,
      required: ['total', ...DEVICE_COUNT_STATES],
      properties: Object.fromEntries(['total', ...DEVICE_COUNT_STATES].map((s) => [s, { type: 'integer', minimum: 0 }])),
    },
  },
};

const SUPPLIER_ITEM: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['supplierId', 'kind', 'name', 'createdAt', 'shipTos'],
  properties: {
    supplierId: { type: 'string' },
    kind: { enum: ['reseller', 'apple'] },
    name: { type: 'string' },
    createdAt: { type: 'string' },
    shipTos: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['shipTo', 'active'], properties: { shipTo: { type: 'string' }, active: { type: 'boolean' } } },
    },
  },
};

const AUDIT_ITEM: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['at', 'actor', 'origin', 'action', 'requestId', 'detail'],
  properties: {
    at: { type: 'string' },
    actor: { type: 'string', description: 'Who: operator:pkey_..., org-admin:19827:pkey_..., reseller:16FCE4A0, cli:alice.' },
    origin: { type: 'string', description: 'From where: http@address, cli@host.' },
    action: { type: 'string', examples: ['organisation.add', 'link.add', 'http.post'] },
    requestId: { type: ['string', 'null'], description: "The X-Request-Id of the HTTP request, when one made the entry." },
    detail: { description: 'What was done, as the writer recorded it (JSON).' },
  },
};

const ROLES: readonly Role[] = ['operator', 'reseller', 'org_admin', 'finance', 'metrics'];

const ME: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['role', 'principal', 'keyId', 'resellerId', 'organisation', 'financeScope', 'summary', 'routes'],
  properties: {
    role: { enum: [...ROLES] },
    principal: { type: 'string', description: 'How this key appears in logs and the audit log.' },
    keyId: { type: ['string', 'null'], description: 'The key id of a non-reseller key (as `key list` shows it).' },
    resellerId: { type: ['string', 'null'] },
    organisation: {
      description: "An organisation admin key's organisation.",
      oneOf: [{ type: 'null' }, { type: 'object', additionalProperties: false, required: ['orgId', 'name'], properties: { orgId: { type: 'string' }, name: { type: 'string' } } }],
    },
    financeScope: {
      description: "A finance key's organisations: every one, or a set.",
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['allOrganisations', 'orgIds'],
          properties: { allOrganisations: { type: 'boolean' }, orgIds: { type: 'array', items: { type: 'string' } } },
        },
      ],
    },
    summary: { type: 'string', description: 'What this key may do, in words.' },
    routes: { type: 'array', items: { type: 'string' }, description: 'The /v1 query API routes this key may call (METHOD /path).' },
  },
};

/** What each role may do, in words: the routes outside the query API are named here. */
const ROLE_SUMMARY: Record<Role, string> = {
  operator:
    'Operator: every organisation and supplier; manages organisations, suppliers and links, reads every document, transaction, order and device and the audit log, and scrapes /metrics. Keys are made and revoked with the CLI.',
  reseller:
    "Reseller: posts to the reseller API (/enroll-service/1.0/...), uploads documents (POST /v1/documents), and reads its own documents, acks, transactions and orders; nothing of another reseller's.",
  org_admin:
    "Organisation admin: its own organisation's orders, devices (look up, assign, release), default servers, exports, credit accounts, codes, redemptions and spends (/v1/credit/...) and the credit report.",
  finance: 'Finance: the credit reconciliation report (GET /v1/reports/credit) for every organisation, or for the set the key was limited to.',
  metrics: 'Metrics: the /metrics scrape only.',
  api_client: "Business API client: its organisation's devices, servers and device activities through Apple's business API routes (/v1/orgDevices, /v1/mdmServers, /v1/orgDeviceActivities).",
};

// ---------------------------------------------------------------------------------------

export function operatorRoutes(api: ApiRouter, deps: ApiDeps): void {
  const { db } = deps;

  api.route(
    {
      method: 'get',
      path: '/me',
      operationId: 'whoAmI',
      summary: 'Who this key is, and what it may do',
      description: 'For "which key is this?": the role, key id or reseller id, organisation or finance scope, and the query API routes the key may call.',
      tag: 'Operator',
      roles: ROLES,
      responses: { 200: { description: 'The calling key.', schema: ME } },
    },
    async ({ res, principal }) => {
      let organisation: { orgId: string; name: string } | null = null;
      if (principal.role === 'org_admin') {
        organisation = { orgId: principal.org.orgId, name: (await organisationName(db, principal.org.pk)) ?? '' };
      }
      const financeScope =
        principal.role === 'finance' ? { allOrganisations: principal.orgs === null, orgIds: (principal.orgs ?? []).map((o) => o.orgId) } : null;
      // Read at request time: every module's routes are declared by then.
      const routes = api.routes.filter((r) => r.roles === 'public' || r.roles.includes(principal.role)).map((r) => `${r.method.toUpperCase()} /v1${r.path}`);
      res.json({
        role: principal.role,
        principal: principalName(principal),
        keyId: principal.role === 'reseller' ? null : principal.role === 'api_client' ? principal.clientId : principal.keyId,
        resellerId: principal.role === 'reseller' ? principal.supplier.supplierId : null,
        organisation,
        financeScope,
        summary: ROLE_SUMMARY[principal.role],
        routes,
      });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/organisations',
      operationId: 'listOrganisations',
      summary: 'List organisations',
      description: 'Every organisation, newest first, with its Apple customer numbers and the suppliers it has added.',
      tag: 'Operator',
      roles: ['operator'],
      query: { ...PAGE_PARAMS },
      responses: { 200: { description: 'A page of organisations, newest first.', schema: pageSchema(ORG_ITEM) } },
    },
    async ({ res, query }) => {
      const q = query as { limit: number; cursor?: string };
      const before = cursorPk(res, 'organisations', {}, q.cursor);
      if (before === null) return;
      const rows = await listOrganisations(db, { limit: q.limit, ...(before !== undefined ? { beforePk: before } : {}) });
      sendPage(res, rows, q.limit, 'organisations', {}, (r) => ({
        orgId: r.orgId,
        name: r.name,
        country: r.country,
        createdAt: r.createdAt,
        appleCustomerNumbers: r.appleCustomerNumbers,
        resellers: r.resellers,
      }));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/organisations',
      operationId: 'addOrganisation',
      summary: 'Add an organisation',
      tag: 'Operator',
      roles: ['operator'],
      body: {
        kind: 'json',
        schema: {
          type: 'object',
          additionalProperties: false,
          required: ['orgId', 'name', 'country'],
          properties: {
            orgId: ORG_ID_SCHEMA,
            name: { type: 'string', minLength: 1, maxLength: 200 },
            country: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166 alpha-2, upper case.', examples: ['US'] },
            appleCustomerNumbers: { type: 'array', items: CUSTOMER_NUMBER_SCHEMA, maxItems: MAX_CUSTOMER_NUMBERS_PER_REQUEST, uniqueItems: true },
          },
        },
      },
      responses: { 201: { description: 'Added.', schema: ORG_DETAIL } },
    },
    async ({ req, res, principal, body }) => {
      const b = body as { orgId: string; name: string; country: string; appleCustomerNumbers?: string[] };
      try {
        await addOrganisation(db, actorFor(principal, req, res), {
          orgId: b.orgId,
          name: b.name,
          country: b.country,
          ...(b.appleCustomerNumbers ? { appleCustomerNumbers: b.appleCustomerNumbers } : {}),
        });
      } catch (err) {
        return sendAdminError(res, err);
      }
      res.status(201).json(await organisationAfterWrite(db, b.orgId));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/organisations/{orgId}',
      operationId: 'getOrganisation',
      summary: 'Read one organisation',
      description: "Its suppliers, default servers, Apple customer numbers and devices by state. An organisation admin reads its own; another organisation is answered 404, like a missing one.",
      tag: 'Operator',
      roles: ['operator', 'org_admin'],
      params: { orgId: ORG_ID_SCHEMA },
      responses: { 200: { description: 'The organisation.', schema: ORG_DETAIL } },
    },
    async ({ res, principal, params }) => {
      const org = await readOrganisation(db, scopeOf(principal), params.orgId!);
      // The message is the one for a missing organisation: another one's existence does not leak.
      if (!org) return sendHttpError(res, 404, 'GW-ADM-NOT-FOUND', `No organisation ${params.orgId!}.`);
      res.json(org);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/organisations/{orgId}/customer-numbers',
      operationId: 'addCustomerNumber',
      summary: "Add an Apple customer number to an organisation",
      description: "Apple's own orders name the customer by this number; a number belongs to one organisation at most (409).",
      tag: 'Operator',
      roles: ['operator'],
      params: { orgId: ORG_ID_SCHEMA },
      body: { kind: 'json', schema: { type: 'object', additionalProperties: false, required: ['number'], properties: { number: CUSTOMER_NUMBER_SCHEMA } } },
      responses: { 201: { description: 'Added; the organisation as it now is.', schema: ORG_DETAIL } },
    },
    async ({ req, res, principal, params, body }) => {
      try {
        await addAppleCustomerNumber(db, actorFor(principal, req, res), params.orgId!, (body as { number: string }).number);
      } catch (err) {
        return sendAdminError(res, err);
      }
      res.status(201).json(await organisationAfterWrite(db, params.orgId!));
    },
  );

  const linkParams = { orgId: ORG_ID_SCHEMA, supplierId: SUPPLIER_ID_SCHEMA };

  api.route(
    {
      method: 'put',
      path: '/organisations/{orgId}/suppliers/{supplierId}',
      operationId: 'linkSupplier',
      summary: 'The organisation adds a reseller',
      description:
        "The reseller's devices already ordered for the organisation stop being pending and are enrolled, in the same database transaction. Adding a reseller twice changes nothing (enrolled 0). An organisation admin adds resellers to its own organisation, as in Apple Business Manager; another organisation is 403.",
      tag: 'Operator',
      roles: ['operator', 'org_admin'],
      params: linkParams,
      responses: {
        200: {
          description: 'Linked.',
          schema: {
            type: 'object',
            additionalProperties: false,
            required: ['orgId', 'supplierId', 'enrolled'],
            properties: { orgId: { type: 'string' }, supplierId: { type: 'string' }, enrolled: { type: 'integer', minimum: 0, description: 'Pending devices enrolled by the link.' } },
          },
        },
      },
    },
    async ({ req, res, principal, params }) => {
      if (refusedOtherOrganisation(res, principal, params.orgId, 'orgId')) return;
      try {
        const { enrolled } = await linkSupplier(db, actorFor(principal, req, res), params.orgId!, params.supplierId!);
        res.json({ orgId: params.orgId!, supplierId: params.supplierId!, enrolled });
      } catch (err) {
        sendAdminError(res, err);
      }
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/organisations/{orgId}/suppliers/{supplierId}',
      operationId: 'unlinkSupplier',
      summary: 'The organisation removes a reseller',
      description: "Enrolled devices stay enrolled; the reseller's later orders for the organisation wait as pending. An organisation admin removes resellers from its own organisation only.",
      tag: 'Operator',
      roles: ['operator', 'org_admin'],
      params: linkParams,
      responses: { 204: { description: 'Removed.' } },
    },
    async ({ req, res, principal, params }) => {
      if (refusedOtherOrganisation(res, principal, params.orgId, 'orgId')) return;
      try {
        await unlinkSupplier(db, actorFor(principal, req, res), params.orgId!, params.supplierId!);
        res.status(204).end();
      } catch (err) {
        sendAdminError(res, err);
      }
    },
  );

  api.route(
    {
      method: 'get',
      path: '/suppliers',
      operationId: 'listSuppliers',
      summary: 'List suppliers',
      description: 'Apple and the resellers, newest first, with their Ship-To accounts.',
      tag: 'Operator',
      roles: ['operator'],
      query: { ...PAGE_PARAMS },
      responses: { 200: { description: 'A page of suppliers, newest first.', schema: pageSchema(SUPPLIER_ITEM) } },
    },
    async ({ res, query }) => {
      const q = query as { limit: number; cursor?: string };
      const before = cursorPk(res, 'suppliers', {}, q.cursor);
      if (before === null) return;
      const rows = await listSuppliers(db, { limit: q.limit, ...(before !== undefined ? { beforePk: before } : {}) });
      sendPage(res, rows, q.limit, 'suppliers', {}, (r) => ({ supplierId: r.supplierId, kind: r.kind, name: r.name, createdAt: r.createdAt, shipTos: r.shipTos }));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/suppliers',
      operationId: 'addSupplier',
      summary: 'Add a supplier (a reseller, or Apple)',
      description: 'Its API keys are made with the CLI (`key create --reseller-id`).',
      tag: 'Operator',
      roles: ['operator'],
      body: {
        kind: 'json',
        schema: {
          type: 'object',
          additionalProperties: false,
          required: ['supplierId', 'kind', 'name'],
          properties: {
            supplierId: SUPPLIER_ID_SCHEMA,
            kind: { enum: ['reseller', 'apple'] },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            shipTos: { type: 'array', items: { type: 'string', pattern: '^\\d{10}$' }, maxItems: MAX_SHIP_TOS_PER_REQUEST, uniqueItems: true },
          },
        },
      },
      responses: { 201: { description: 'Added.', schema: SUPPLIER_ITEM } },
    },
    async ({ req, res, principal, body }) => {
      const b = body as { supplierId: string; kind: 'reseller' | 'apple'; name: string; shipTos?: string[] };
      let pk: number;
      try {
        pk = (await addSupplier(db, actorFor(principal, req, res), { supplierId: b.supplierId, kind: b.kind, name: b.name, ...(b.shipTos ? { shipTos: b.shipTos } : {}) })).pk;
      } catch (err) {
        return sendAdminError(res, err);
      }
      const supplier = await readSupplier(db, pk);
      if (!supplier) throw new Error(`invariant: supplier ${b.supplierId} is found after the write that made it`);
      res.status(201).json(supplier);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/audit',
      operationId: 'listAudit',
      summary: 'Read the audit log',
      description: 'Every write, newest first: who (actor), what (action, detail), when (at), from where (origin) and the request id. `actor` and `action` match exactly, or as a prefix when they end with `*`.',
      tag: 'Operator',
      roles: ['operator'],
      query: {
        ...PAGE_PARAMS,
        actor: { type: 'string', minLength: 1, maxLength: 121, examples: ['operator:pkey_0123456789abcdef01234567', 'org-admin:19827:*'] },
        action: { type: 'string', minLength: 1, maxLength: 61, examples: ['link.add', 'organisation.*'] },
        ...DAY_PARAMS,
      },
      responses: { 200: { description: 'A page of audit entries, newest first.', schema: pageSchema(AUDIT_ITEM) } },
    },
    async ({ res, query }) => {
      const q = query as { limit: number; cursor?: string; actor?: string; action?: string; from?: string; to?: string };
      const filters = { actor: q.actor ?? null, action: q.action ?? null, from: q.from ?? null, to: q.to ?? null };
      const before = cursorPk(res, 'audit', filters, q.cursor, MAX_BIGINT_KEY);
      if (before === null) return;
      const rows = await listAudit(
        db,
        {
          ...(q.actor !== undefined ? { actor: q.actor } : {}),
          ...(q.action !== undefined ? { action: q.action } : {}),
          ...(q.from !== undefined ? { from: q.from } : {}),
          ...(q.to !== undefined ? { to: q.to } : {}),
        },
        { limit: q.limit, ...(before !== undefined ? { beforePk: before } : {}) },
      );
      if (isRefusal(rows)) return refuseFilter(res, rows);
      sendPage(res, rows, q.limit, 'audit', filters, (e) => ({ at: e.at, actor: e.actor, origin: e.origin, action: e.action, requestId: e.requestId, detail: e.detail }));
    },
  );
}
