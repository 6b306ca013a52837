// Apple's business API for organisations (spec/abm-org-api.md): an organisation's API
// accounts (register, list, revoke, audited) and the token grant, which verifies an
// ES256 client assertion against the account's key and issues a one-hour access token,
// stored only as its SHA-256.
import { createPublicKey, randomBytes, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Knex } from 'knex';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { BUSINESS_SCOPE, checkAssertion, checkAssertionHeader, checkTokenRequest, type AssertionClaims, type OAuthError } from '../domain/business-api.js';
import { BUSINESS_API_LIMITS } from '../model/limits.js';
import { audit } from '../store/audit.js';
import {
  businessAccountWithKeyId,
  deleteExpiredBusinessTokens,
  findBusinessAccount,
  insertBusinessAccount,
  insertBusinessToken,
  listBusinessAccounts,
  revokeBusinessAccount,
  type BusinessAccountRecord,
} from '../store/business-api.js';
import { sha256Hex } from '../store/suppliers.js';
import { AdminError, requireOrganisation, type Actor } from './operations.js';

/** Access tokens: recognisable in logs and secret scanners, 256 random bits. */
const TOKEN_PREFIX = 'gwat_';

export function isBusinessToken(bearer: string): boolean {
  return bearer.startsWith(TOKEN_PREFIX);
}

/** An account as listed and answered: never a token. */
export interface BusinessAccountView {
  clientId: string;
  keyId: string;
  orgId: string;
  label: string;
  publicKey: JsonWebKey;
  createdAt: string;
  revokedAt: string | null;
}

function viewOf(a: BusinessAccountRecord): BusinessAccountView {
  return { clientId: a.clientId, keyId: a.keyId, orgId: a.org.orgId, label: a.label, publicKey: JSON.parse(a.publicJwk) as JsonWebKey, createdAt: a.createdAt, revokedAt: a.revokedAt };
}

/**
 * The public key as an EC P-256 JWK (kty, crv, x, y only), from PEM (SPKI) or JWK text;
 * any other key type or curve, or a private key, is refused.
 */
export function readP256PublicKey(text: string): JsonWebKey {
  const refuse = (why: string) => new AdminError('GW-ADM-INVALID', `the public key ${why}: give an EC P-256 public key as PEM or JWK`);
  if (text.length > BUSINESS_API_LIMITS.maxPublicKeyChars) throw refuse(`is longer than ${BUSINESS_API_LIMITS.maxPublicKeyChars} characters`);
  let key: KeyObject;
  try {
    const trimmed = text.trim();
    if (trimmed.startsWith('{')) {
      const jwk = JSON.parse(trimmed) as JsonWebKey;
      if (jwk.d !== undefined) throw refuse('is a private key (it holds d); give its public part only');
      key = createPublicKey({ key: jwk, format: 'jwk' });
    } else {
      if (/PRIVATE KEY/.test(trimmed)) throw refuse('is a private key; give its public part only');
      key = createPublicKey(trimmed);
    }
  } catch (err) {
    if (err instanceof AdminError) throw err;
    throw refuse('cannot be read');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw refuse(`is ${key.asymmetricKeyType === 'ec' ? `on curve ${key.asymmetricKeyDetails?.namedCurve}` : `a ${key.asymmetricKeyType ?? 'unknown'} key`}`);
  }
  const jwk = key.export({ format: 'jwk' });
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}

const KEY_ID = /^[\x21-\x7e]+$/;

export async function addBusinessAccount(
  db: Knex,
  actor: Actor,
  req: { orgId: string; publicKey: string; keyId?: string; label?: string },
): Promise<BusinessAccountView> {
  const jwk = readP256PublicKey(req.publicKey);
  const keyId = req.keyId ?? randomUUID();
  if (keyId.length > BUSINESS_API_LIMITS.keyIdChars || !KEY_ID.test(keyId)) {
    throw new AdminError('GW-ADM-INVALID', `a key id is 1 to ${BUSINESS_API_LIMITS.keyIdChars} printable ASCII characters, no spaces`);
  }
  const label = (req.label ?? 'business API account').slice(0, BUSINESS_API_LIMITS.labelChars);
  return db.transaction(async (trx) => {
    const org = await requireOrganisation(trx, req.orgId);
    if (await businessAccountWithKeyId(trx, keyId)) throw new AdminError('GW-ADM-EXISTS', `key id ${keyId} is registered already`);
    const clientId = `BUSINESSAPI.${randomUUID()}`;
    const at = new Date().toISOString();
    await insertBusinessAccount(trx, { clientId, keyId, orgPk: org.pk, publicJwk: JSON.stringify(jwk), label }, at);
    await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'business-api.account.create', detail: { clientId, keyId, orgId: org.orgId, label } }, at);
    return viewOf((await findBusinessAccount(trx, clientId))!);
  });
}

export async function listBusinessApiAccounts(db: Knex, orgId?: string): Promise<BusinessAccountView[]> {
  const org = orgId === undefined ? undefined : await requireOrganisation(db, orgId);
  return (await listBusinessAccounts(db, org?.pk)).map(viewOf);
}

/**
 * Revokes an account (of `orgId` only, when given: an organisation admin revokes its own):
 * its tokens stop working at once and no new one is granted.
 */
export async function revokeBusinessApiAccount(db: Knex, actor: Actor, clientId: string, orgId?: string): Promise<BusinessAccountView> {
  return db.transaction(async (trx) => {
    const account = await findBusinessAccount(trx, clientId);
    if (!account || (orgId !== undefined && account.org.orgId !== orgId)) throw new AdminError('GW-ADM-NOT-FOUND', `no business API account ${clientId}`);
    const at = new Date().toISOString();
    if (account.revokedAt === null) {
      await revokeBusinessAccount(trx, account.pk, at);
      await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'business-api.account.revoke', detail: { clientId, keyId: account.keyId, orgId: account.org.orgId } }, at);
    }
    return viewOf((await findBusinessAccount(trx, clientId))!);
  });
}

export interface TokenGranted {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/**
 * The client-credentials grant: the form's fields checked, the account known and not
 * revoked, the assertion's signature verified with the account's key and its claims
 * checked (domain/business-api.ts); then a new token. `audiences` are the assertion
 * audiences accepted: Apple's, and this gateway's own token URLs.
 */
export async function grantBusinessToken(
  db: Knex,
  fields: Record<string, string | undefined>,
  audiences: readonly string[],
  now = new Date(),
): Promise<{ ok: true; value: TokenGranted; clientId: string } | { ok: false; error: OAuthError; clientId?: string }> {
  const request = checkTokenRequest(fields);
  if (!request.ok) return request;
  const { clientId, assertion } = request.value;
  const account = await findBusinessAccount(db, clientId);
  if (!account || account.revokedAt !== null) return { ok: false, clientId, error: { error: 'invalid_client', description: 'unknown or revoked client' } };
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    return { ok: false, clientId, error: { error: 'invalid_client', description: 'the client assertion is not a JWT' } };
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const headerError = checkAssertionHeader(header, account.keyId);
  if (headerError) return { ok: false, clientId, error: headerError };
  let claims: AssertionClaims;
  try {
    const key = createPublicKey({ key: JSON.parse(account.publicJwk) as JsonWebKey, format: 'jwk' });
    const verified = await compactVerify(assertion, key, { algorithms: ['ES256'] });
    claims = JSON.parse(new TextDecoder().decode(verified.payload)) as AssertionClaims;
  } catch {
    return { ok: false, clientId, error: { error: 'invalid_client', description: "the client assertion's signature does not verify with this client's key" } };
  }
  if (claims === null || typeof claims !== 'object') return { ok: false, clientId, error: { error: 'invalid_client', description: 'the client assertion holds no claims' } };
  const claimError = checkAssertion(header, claims, account, nowSeconds, audiences);
  if (claimError) return { ok: false, clientId, error: claimError };
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const issuedAt = now.toISOString();
  const lifetime = BUSINESS_API_LIMITS.tokenLifetimeSeconds;
  await db.transaction(async (trx) => {
    await deleteExpiredBusinessTokens(trx, account.pk, issuedAt);
    await insertBusinessToken(trx, sha256Hex(token), account.pk, issuedAt, new Date(now.getTime() + lifetime * 1000).toISOString());
  });
  return { ok: true, clientId, value: { access_token: token, token_type: 'Bearer', expires_in: lifetime, scope: BUSINESS_SCOPE } };
}
