// Who is calling, and may they. One principal model for every /v1 route:
// - operator: everything, every organisation; manages organisations, suppliers and links;
// - reseller: its own documents, transactions and orders (its API key or client certificate);
// - org_admin: one organisation's orders, devices, releases, servers, credit codes and balances;
// - finance: credit reports, for every organisation or the set its key was limited to;
// - metrics: the /metrics scrape, nothing else.
// Principal keys are tried first, then the reseller credentials of auth.ts, so a reseller
// is told "wrong role" rather than "unknown key".
//
// These refusals are HTTP-level, not the reseller protocol's or the ledger's: they are
// answered as {error:{code, message, requestId}} with codes of their own, GW-AUTH-401 and
// GW-AUTH-403.
import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import type { Supplier } from '../../model/state.js';
import type { Actor, OrgRef } from '../../credit/ledger.js';
import { findPrincipalByDigest } from '../../store/principal-keys.js';
import { findBusinessToken } from '../../store/business-api.js';
import { isBusinessToken } from '../../admin/business-api.js';
import { findSupplierByCredential, sha256Hex } from '../../store/suppliers.js';
import { findConsoleSession, touchConsoleSession } from '../../store/console-sessions.js';
import { csrfHolds, needsCsrf, sessionDigest, sessionEnded, sessionTokenOf } from './console-session.js';
import { renderMessage } from '../../model/messages.js';
import { authenticate, type AuthSettings } from './auth.js';
import { CONSOLE_LIMITS, RESELLER_API_LIMITS } from '../../model/limits.js';

export type Principal =
  | { role: 'operator'; keyId: string }
  | { role: 'reseller'; supplier: Supplier }
  | { role: 'org_admin'; keyId: string; org: OrgRef }
  /** `orgs` null: every organisation; otherwise only these. */
  | { role: 'finance'; keyId: string; orgs: OrgRef[] | null }
  | { role: 'metrics'; keyId: string }
  /** A business API access token (spec/abm-org-api.md): one organisation's devices and servers, through those routes only. */
  | { role: 'api_client'; clientId: string; accountPk: number; org: OrgRef };

export type Role = Principal['role'];

export interface AuthRefusal {
  status: 401 | 403;
  code: 'GW-AUTH-401' | 'GW-AUTH-403';
  message: string;
}

/** Longest bearer token looked up; anything longer is no key of ours. */

const ROLE_NAMES: Record<Role, string> = {
  operator: 'an operator key',
  reseller: 'a reseller key',
  org_admin: 'an organisation admin key',
  finance: 'a finance key',
  metrics: 'a metrics key',
  api_client: 'a business API access token',
};

/** One detail of a refused request: where (a parameter, a body path) and what is wrong. */
export interface ErrorDetail {
  in: 'path' | 'query' | 'body' | 'header';
  path: string;
  message: string;
}

/**
 * The one error answer of every /v1 route: {error: {code, message, requestId, details?}}.
 * The request id is the answer's X-Request-Id and the request log's, so a caller's report
 * leads to the log line.
 */
export function sendHttpError(res: Response, status: number, code: string, message: string, details?: ErrorDetail[]): void {
  const requestId = typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined;
  res.status(status).json({ error: { code, message, ...(requestId ? { requestId } : {}), ...(details && details.length > 0 ? { details } : {}) } });
}

/**
 * The principal a key stands for, found by the key's digest: an operator, org-admin,
 * finance or metrics key, else a reseller's API key. The console's sessions resolve
 * through here, as bearer keys do.
 */
export async function principalOfKeyDigest(db: Knex, digest: string): Promise<Principal | undefined> {
  const principal = await principalKeyOfDigest(db, digest);
  if (principal) return principal;
  const supplier = await findSupplierByCredential(db, 'api-key', digest);
  return supplier ? { role: 'reseller', supplier } : undefined;
}

/** An operator, org-admin, finance or metrics key (table principal_keys), by its digest. */
async function principalKeyOfDigest(db: Knex, digest: string): Promise<Principal | undefined> {
  const found = await findPrincipalByDigest(db, digest);
  if (found?.role === 'org_admin' && found.org) return { role: 'org_admin', keyId: found.keyId, org: found.org };
  if (found?.role === 'finance') return { role: 'finance', keyId: found.keyId, orgs: found.scope };
  if (found?.role === 'operator') return { role: 'operator', keyId: found.keyId };
  if (found?.role === 'metrics') return { role: 'metrics', keyId: found.keyId };
  return undefined;
}

/**
 * Who may not hold a console session: a metrics key (the console has nothing for it), and a
 * reseller's key where the gateway takes resellers only with a client certificate.
 */
export function consoleRefusal(p: Principal, settings: AuthSettings): AuthRefusal | undefined {
  if (p.role === 'metrics' || p.role === 'api_client') return { status: 403, code: 'GW-AUTH-403', message: `The console is for operators, organisation admins, finance and resellers; this is ${ROLE_NAMES[p.role]}.` };
  if (p.role === 'reseller' && settings.requireClientCertificate) {
    return { status: 403, code: 'GW-AUTH-403', message: 'This gateway takes a reseller only with its client certificate: a key alone cannot sign in to the console.' };
  }
  return undefined;
}

const SESSION_ENDED: AuthRefusal = { status: 401, code: 'GW-AUTH-401', message: 'The console session has ended (signed out, idle too long, or its key revoked): sign in again.' };

/** A request that carries the console's session cookie and no Authorization header. */
async function principalOfSession(db: Knex, req: Request, token: string, settings: AuthSettings): Promise<Principal | { error: AuthRefusal }> {
  const session = await findConsoleSession(db, sessionDigest(token));
  const now = Date.now();
  if (!session || sessionEnded(session, now)) return { error: SESSION_ENDED };
  if (needsCsrf(req) && !csrfHolds(req, token)) {
    return { error: { status: 403, code: 'GW-AUTH-403', message: 'A write from the console needs the X-CSRF-Token header of its session (GET /v1/session gives it).' } };
  }
  const principal = await principalOfKeyDigest(db, session.keyDigest);
  if (!principal) return { error: SESSION_ENDED };
  const refusal = consoleRefusal(principal, settings);
  if (refusal) return { error: refusal };
  if (Date.parse(session.lastSeenAt) + CONSOLE_LIMITS.touchEveryMs <= now) await touchConsoleSession(db, session.pk, new Date(now).toISOString());
  return principal;
}

export async function authenticatePrincipal(db: Knex, req: Request, settings: AuthSettings): Promise<Principal | { error: AuthRefusal }> {
  const header = req.get('authorization');
  // The console's cookie stands in for a key only when no key is sent.
  const sessionToken = header === undefined ? sessionTokenOf(req) : undefined;
  if (sessionToken !== undefined) return principalOfSession(db, req, sessionToken, settings);
  const bearer = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (bearer !== undefined && isBusinessToken(bearer)) {
    const token = await findBusinessToken(db, sha256Hex(bearer));
    if (!token || token.expiresAt <= new Date().toISOString()) {
      return { error: { status: 401, code: 'GW-AUTH-401', message: 'The access token is unknown, expired or revoked: request a new one from /auth/oauth2/token.' } };
    }
    return { role: 'api_client', clientId: token.account.clientId, accountPk: token.account.pk, org: token.account.org };
  }
  if (bearer !== undefined && bearer.length <= RESELLER_API_LIMITS.maxKeyChars) {
    // A reseller's key is looked up by auth.ts below, where a client certificate comes first.
    const principal = await principalKeyOfDigest(db, sha256Hex(bearer));
    if (principal) return principal;
  }
  const reseller = await authenticate(db, req, settings);
  // The reseller check's own reason: no credentials, not "Bearer <key>", an unknown or
  // revoked key, a certificate not accepted.
  if ('error' in reseller) return { error: { status: 401, code: 'GW-AUTH-401', message: renderMessage(reseller.error) } };
  return { role: 'reseller', supplier: reseller.supplier };
}

/** A refusal when `principal` is not one of `roles`, naming the roles that may. */
export function checkRole(principal: Principal, roles: readonly Role[], what: string): AuthRefusal | undefined {
  if (roles.includes(principal.role)) return undefined;
  const needed = roles.map((r) => ROLE_NAMES[r]).join(' or ');
  return { status: 403, code: 'GW-AUTH-403', message: `${what} needs ${needed}; this is ${ROLE_NAMES[principal.role]}.` };
}

/**
 * The caller, if it is one of `roles`; otherwise the 401 or 403 is answered and the result
 * is undefined. Sets res.locals.principal for the request log (a name, never a key).
 */
export async function requirePrincipal(
  db: Knex,
  req: Request,
  res: Response,
  settings: AuthSettings,
  roles: readonly Role[],
  what: string,
): Promise<Principal | undefined> {
  const principal = await authenticatePrincipal(db, req, settings);
  if ('error' in principal) {
    sendHttpError(res, principal.error.status, principal.error.code, principal.error.message);
    return undefined;
  }
  res.locals.principal = principalName(principal);
  const refusal = checkRole(principal, roles, what);
  if (refusal) {
    sendHttpError(res, refusal.status, refusal.code, refusal.message);
    return undefined;
  }
  return principal;
}

/** How the principal appears in logs, audit entries and ledger entries. */
export function principalName(p: Principal): string {
  if (p.role === 'reseller') return `reseller:${p.supplier.supplierId}`;
  if (p.role === 'org_admin') return `org-admin:${p.org.orgId}:${p.keyId}`;
  if (p.role === 'api_client') return `api-client:${p.org.orgId}:${p.clientId}`;
  return `${p.role}:${p.keyId}`;
}

/** The organisations a principal's data is limited to: null means every one. */
export function orgScopeOf(p: Principal): OrgRef[] | null {
  if (p.role === 'org_admin' || p.role === 'api_client') return [p.org];
  if (p.role === 'finance') return p.orgs;
  return null;
}

export function actorOf(p: Principal, req: Request): Actor & { requestId?: string } {
  const requestId = req.res?.locals.requestId;
  return {
    name: principalName(p),
    origin: `http@${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`,
    ...(typeof requestId === 'string' ? { requestId } : {}),
  };
}
