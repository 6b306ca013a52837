// Business API accounts (spec/abm-org-api.md): an organisation admin registers its own
// (an operator any organisation's), lists and revokes them. The client id is made here;
// the key id may be given (to keep an existing client's configuration) or is made; the
// public key is EC P-256, as PEM or JWK. Every change is audited (src/admin/business-api.ts).
//   POST   /business-api-accounts               register
//   GET    /business-api-accounts               list (an operator: org= for one organisation)
//   DELETE /business-api-accounts/{clientId}    revoke: its tokens stop at once
import type { ApiRouter, JsonSchema } from '../api/route.js';
import type { ApiDeps } from '../api/deps.js';
import { ORG_ID_SCHEMA } from '../api/params.js';
import { addBusinessAccount, listBusinessApiAccounts, revokeBusinessApiAccount } from '../../../admin/business-api.js';
import { BUSINESS_API_LIMITS } from '../../../model/limits.js';
import { targetOrg } from './devices.js';
import { actorFor, sendAdminError } from './operator.js';

const ACCOUNT: JsonSchema = {
  type: 'object',
  required: ['clientId', 'keyId', 'orgId', 'label', 'publicKey', 'createdAt', 'revokedAt'],
  properties: {
    clientId: { type: 'string', description: 'BUSINESSAPI.<uuid>: the client id a client puts in client_id and the assertion sub.' },
    keyId: { type: 'string', description: "The key id a client puts in the assertion header's kid." },
    orgId: { type: 'string' },
    label: { type: 'string' },
    publicKey: { type: 'object', description: 'The EC P-256 public key, as a JWK.' },
    createdAt: { type: 'string' },
    revokedAt: { type: ['string', 'null'] },
  },
};

export function businessAccountRoutes(api: ApiRouter, deps: ApiDeps): void {
  const { db } = deps;
  api.route(
    {
      method: 'post',
      path: '/business-api-accounts',
      operationId: 'addBusinessApiAccount',
      summary: 'Register a business API account',
      description:
        "An account for clients of Apple's business API (/v1/orgDevices, /v1/mdmServers, ...): the gateway makes the client id; the key id is given or made; the public key is EC P-256 (PEM or JWK; any other key is 422). A key id registered already: 409.",
      tag: 'Business API',
      roles: ['org_admin', 'operator'],
      body: {
        kind: 'json',
        schema: {
          type: 'object',
          required: ['publicKey'],
          additionalProperties: false,
          properties: {
            orgId: { ...ORG_ID_SCHEMA, description: 'The organisation (an operator only; an organisation admin registers for its own).' },
            publicKey: { type: 'string', minLength: 1, maxLength: BUSINESS_API_LIMITS.maxPublicKeyChars, description: 'PEM (-----BEGIN PUBLIC KEY-----) or JWK text.' },
            keyId: { type: 'string', minLength: 1, maxLength: BUSINESS_API_LIMITS.keyIdChars },
            label: { type: 'string', minLength: 1, maxLength: BUSINESS_API_LIMITS.labelChars },
          },
        },
      },
      responses: { 201: { description: 'The account.', schema: ACCOUNT } },
    },
    async ({ req, res, principal, body }) => {
      const b = body as { orgId?: string; publicKey: string; keyId?: string; label?: string };
      const org = await targetOrg(deps, res, principal, b.orgId, 'body');
      if (!org) return;
      try {
        const account = await addBusinessAccount(db, actorFor(principal, req, res), {
          orgId: org.orgId,
          publicKey: b.publicKey,
          ...(b.keyId !== undefined ? { keyId: b.keyId } : {}),
          ...(b.label !== undefined ? { label: b.label } : {}),
        });
        res.status(201).json(account);
      } catch (err) {
        sendAdminError(res, err);
      }
    },
  );

  api.route(
    {
      method: 'get',
      path: '/business-api-accounts',
      operationId: 'listBusinessApiAccounts',
      summary: 'Business API accounts',
      description: "An organisation admin's own organisation's; an operator's every organisation's, or one's (org).",
      tag: 'Business API',
      roles: ['org_admin', 'operator'],
      query: { org: ORG_ID_SCHEMA },
      responses: { 200: { description: 'The accounts, oldest first.', schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ACCOUNT } } } } },
    },
    async ({ res, principal, query }) => {
      let orgId: string | undefined;
      if (principal.role === 'org_admin' || query.org !== undefined) {
        const org = await targetOrg(deps, res, principal, query.org, 'query');
        if (!org) return;
        orgId = org.orgId;
      }
      res.json({ items: await listBusinessApiAccounts(db, orgId) });
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/business-api-accounts/{clientId}',
      operationId: 'revokeBusinessApiAccount',
      summary: 'Revoke a business API account',
      description: 'Its tokens stop working at once and no new one is granted. Another organisation\'s account (for an organisation admin), or none: 404.',
      tag: 'Business API',
      roles: ['org_admin', 'operator'],
      params: { clientId: { type: 'string', minLength: 1, maxLength: 64 } },
      responses: { 200: { description: 'The account, revoked.', schema: ACCOUNT } },
    },
    async ({ req, res, principal, params }) => {
      try {
        const ownOrg = principal.role === 'org_admin' ? principal.org.orgId : undefined;
        res.json(await revokeBusinessApiAccount(db, actorFor(principal, req, res), params.clientId!, ownOrg));
      } catch (err) {
        sendAdminError(res, err);
      }
    },
  );
}
