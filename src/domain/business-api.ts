// The rules of Apple's business API token grant (spec/abm-org-api.md, "Token endpoint"):
// which requests are well formed, and which client assertions are good. The signature is
// verified by the caller with the account's key; everything else is decided here, in a
// fixed order, each check giving one OAuth error.
import { BUSINESS_API_LIMITS } from '../model/limits.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** The audience Apple's clients put in every assertion, wherever they send it. */
export const APPLE_TOKEN_AUDIENCE = 'https://account.apple.com/auth/oauth2/v2/token';
/** Client ids of business accounts: clients derive the scope and host from the prefix. */
export const CLIENT_ID_PATTERN = /^BUSINESSAPI\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const BUSINESS_SCOPE = 'business.api';

/** RFC 6749's error codes, as the token endpoint answers them. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope';

export interface OAuthError {
  error: OAuthErrorCode;
  description: string;
}

export interface TokenRequest {
  clientId: string;
  assertion: string;
}

/** The form's fields, as received (body or query string); every one is required. */
export function checkTokenRequest(fields: Record<string, string | undefined>): { ok: true; value: TokenRequest } | { ok: false; error: OAuthError } {
  const refuse = (error: OAuthErrorCode, description: string) => ({ ok: false as const, error: { error, description } });
  for (const name of ['grant_type', 'client_id', 'client_assertion_type', 'client_assertion', 'scope']) {
    if (fields[name] === undefined || fields[name] === '') return refuse('invalid_request', `${name} is required`);
  }
  if (fields.grant_type !== 'client_credentials') return refuse('unsupported_grant_type', 'grant_type must be client_credentials');
  if (fields.client_assertion_type !== CLIENT_ASSERTION_TYPE) return refuse('invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
  if (!CLIENT_ID_PATTERN.test(fields.client_id!)) return refuse('invalid_client', 'client_id is not a business API client id (BUSINESSAPI.<uuid>)');
  if (fields.scope !== BUSINESS_SCOPE) return refuse('invalid_scope', `scope must be ${BUSINESS_SCOPE}`);
  if (fields.client_assertion!.length > BUSINESS_API_LIMITS.maxAssertionChars) return refuse('invalid_request', 'client_assertion is too long');
  return { ok: true, value: { clientId: fields.client_id!, assertion: fields.client_assertion! } };
}

export interface AssertionHeader {
  alg?: unknown;
  kid?: unknown;
}

export interface AssertionClaims {
  sub?: unknown;
  aud?: unknown;
  iat?: unknown;
  exp?: unknown;
  jti?: unknown;
}

/**
 * Whether a client assertion's header and claims are good for `account` at `nowSeconds`:
 * ES256 with the account's key id, sub the client id, an audience this gateway answers
 * to (Apple's, or its own token URLs), issued no later than now (with skew), not expired,
 * and living at most 180 days. `jti` must be present; it is not single-use (clients
 * reuse one assertion for its whole life).
 */
/** The assertion's header: ES256 (only) and this account's key id; checked before its signature. */
export function checkAssertionHeader(header: AssertionHeader, keyId: string): OAuthError | undefined {
  if (header.alg !== 'ES256') return { error: 'invalid_client', description: 'the client assertion must be signed with ES256' };
  if (header.kid !== keyId) return { error: 'invalid_client', description: "the client assertion's kid is not this client's key id" };
  return undefined;
}

export function checkAssertion(
  header: AssertionHeader,
  claims: AssertionClaims,
  account: { clientId: string; keyId: string },
  nowSeconds: number,
  audiences: readonly string[],
): OAuthError | undefined {
  const skew = BUSINESS_API_LIMITS.clockSkewSeconds;
  const bad = (description: string): OAuthError => ({ error: 'invalid_client', description });
  const headerError = checkAssertionHeader(header, account.keyId);
  if (headerError) return headerError;
  if (claims.sub !== account.clientId) return bad('the client assertion sub must be the client id');
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.some((a) => typeof a === 'string' && audiences.includes(a))) return bad(`the client assertion aud must be ${APPLE_TOKEN_AUDIENCE}`);
  if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) return bad('the client assertion has no iat');
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return bad('the client assertion has no exp');
  if (typeof claims.jti !== 'string' || claims.jti === '') return bad('the client assertion has no jti');
  if (claims.iat > nowSeconds + skew) return bad('the client assertion is issued in the future');
  if (claims.exp <= nowSeconds - skew) return bad('the client assertion has expired');
  if (claims.exp - claims.iat > BUSINESS_API_LIMITS.maxAssertionLifetimeSeconds) return bad('the client assertion lives longer than 180 days (exp - iat)');
  if (claims.exp <= claims.iat) return bad('the client assertion expires before it is issued');
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Device activities (POST /v1/orgDeviceActivities)

/** Every activity type the API defines; the gateway runs the first three. */
export const ACTIVITY_TYPES = [
  'ASSIGN_DEVICES',
  'UNASSIGN_DEVICES',
  'RELEASE_DEVICES',
  'ASSIGN_DEVICES_WITH_MDM_MIGRATION_DEADLINE',
  'UPDATE_MDM_MIGRATION_DEADLINE',
  'CANCEL_MDM_MIGRATION',
] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export interface ActivityRefusal {
  /** 409: an unknown server or serial; 422: a request the gateway cannot carry out. */
  status: 409 | 422;
  message: string;
}

/**
 * Whether an activity of `type`, naming a server or not, can be carried out: assignment
 * and unassignment name the server, a release names none; MDM migration deadlines are
 * not something the gateway keeps.
 */
export function checkActivityType(type: ActivityType, namesServer: boolean): ActivityRefusal | undefined {
  if (type === 'ASSIGN_DEVICES' || type === 'UNASSIGN_DEVICES') {
    return namesServer ? undefined : { status: 422, message: `${type} names the server (relationships.mdmServer)` };
  }
  if (type === 'RELEASE_DEVICES') return namesServer ? { status: 422, message: 'RELEASE_DEVICES names no server' } : undefined;
  return { status: 422, message: `${type} is not carried out by this gateway: it keeps no MDM migration deadlines` };
}

/** What an activity's status becomes once every device has its result. */
export function activityCompletion(succeeded: number, failed: number): { status: 'COMPLETED'; subStatus: 'COMPLETED_WITH_SUCCESS' | 'COMPLETED_WITH_ERROR' | 'COMPLETED_WITH_FAILURE' } {
  if (failed === 0) return { status: 'COMPLETED', subStatus: 'COMPLETED_WITH_SUCCESS' };
  return { status: 'COMPLETED', subStatus: succeeded === 0 ? 'COMPLETED_WITH_FAILURE' : 'COMPLETED_WITH_ERROR' };
}
