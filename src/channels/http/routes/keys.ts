// Keys of people and programs that are not resellers, for an operator (the console's Keys
// screen, or any client), through the same functions as `key create|list|revoke`:
//   GET    /v1/keys             operator, organisation admin, finance and metrics keys (never a digest)
//   POST   /v1/keys             make one: the key is in this answer only (Cache-Control: no-store)
//   DELETE /v1/keys/{keyId}     revoke: it stops at the next request, its console sessions with it
// Every change is audited (key.create, key.revoke) with the key id, never the key.
import type { ApiRouter, JsonSchema } from '../api/route.js';
import type { ApiDeps } from '../api/deps.js';
import { ORG_ID_SCHEMA } from '../api/params.js';
import { createPrincipalKey, listPrincipalKeys, revokePrincipalKey } from '../../../admin/operations.js';
import { PRINCIPAL_ROLES, type PrincipalRole } from '../../../model/roles.js';
import { STORE_LIMITS } from '../../../model/limits.js';
import { actorFor, sendAdminError } from './operator.js';

const KEY_VIEW: JsonSchema = {
  type: 'object',
  required: ['keyId', 'role', 'orgId', 'label', 'createdAt', 'revokedAt'],
  additionalProperties: false,
  properties: {
    keyId: { type: 'string', description: 'The public name of the key (pkey_...): what the audit log names.' },
    role: { enum: [...PRINCIPAL_ROLES] },
    orgId: { type: ['string', 'null'], description: "An organisation admin key's organisation." },
    scopeOrgIds: { type: 'array', items: { type: 'string' }, description: 'A finance key limited to these organisations.' },
    label: { type: 'string' },
    createdAt: { type: 'string' },
    revokedAt: { type: ['string', 'null'] },
  },
};

export function keyRoutes(api: ApiRouter, deps: ApiDeps): void {
  const { db } = deps;
  api.route(
    {
      method: 'get',
      path: '/keys',
      operationId: 'listKeys',
      summary: 'List operator, organisation admin, finance and metrics keys',
      description: "In the order they were made, revoked ones too, with their key ids, never a key or its digest. Resellers' keys are their credentials (`supplier` commands).",
      tag: 'Operator',
      roles: ['operator'],
      query: { role: { enum: [...PRINCIPAL_ROLES] }, org: ORG_ID_SCHEMA },
      responses: { 200: { description: 'The keys.', schema: { type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', items: KEY_VIEW } } } } },
    },
    async ({ res, query }) => {
      try {
        const items = await listPrincipalKeys(db, { ...(query.role ? { role: query.role as PrincipalRole } : {}), ...(query.org ? { orgId: query.org as string } : {}) });
        res.json({ items });
      } catch (err) {
        sendAdminError(res, err);
      }
    },
  );

  api.route(
    {
      method: 'post',
      path: '/keys',
      operationId: 'createKey',
      summary: 'Make a key',
      description:
        'An operator, organisation admin (orgId required), finance (scopeOrgIds to limit it) or metrics key. The key is in this answer and nowhere else: the gateway keeps its SHA-256 only.',
      tag: 'Operator',
      roles: ['operator'],
      body: {
        kind: 'json',
        schema: {
          type: 'object',
          required: ['role'],
          additionalProperties: false,
          properties: {
            role: { enum: [...PRINCIPAL_ROLES] },
            orgId: ORG_ID_SCHEMA,
            scopeOrgIds: { type: 'array', items: ORG_ID_SCHEMA, maxItems: STORE_LIMITS.maxFinanceScopeOrgs },
            label: { type: 'string', minLength: 1, maxLength: 100 },
          },
        },
      },
      responses: {
        201: {
          description: 'Made; the key is shown this once.',
          schema: {
            type: 'object',
            required: ['keyId', 'key', 'role', 'orgId'],
            additionalProperties: false,
            properties: {
              keyId: { type: 'string' },
              key: { type: 'string', description: 'Give it to its holder now: it cannot be shown again.' },
              role: { enum: [...PRINCIPAL_ROLES] },
              orgId: { type: ['string', 'null'] },
              scopeOrgIds: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
    async ({ req, res, principal, body }) => {
      const b = body as { role: PrincipalRole; orgId?: string; scopeOrgIds?: string[]; label?: string };
      try {
        const made = await createPrincipalKey(db, actorFor(principal, req, res), b);
        res.setHeader('Cache-Control', 'no-store');
        res.status(201).json(made);
      } catch (err) {
        sendAdminError(res, err);
      }
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/keys/{keyId}',
      operationId: 'revokeKey',
      summary: 'Revoke a key',
      description: 'It stops working at the next request, and the console sessions it opened end. A key already revoked, or unknown, is 404.',
      tag: 'Operator',
      roles: ['operator'],
      params: { keyId: { type: 'string', pattern: '^pkey_[0-9a-f]{24}$' } },
      responses: { 204: { description: 'Revoked.' } },
    },
    async ({ req, res, principal, params }) => {
      try {
        await revokePrincipalKey(db, actorFor(principal, req, res), params.keyId!);
        res.status(204).end();
      } catch (err) {
        sendAdminError(res, err);
      }
    },
  );
}
