// The console's sign-in: a person gives their key once and gets a session cookie; the
// console then calls /v1 like any client, the cookie standing in for the key.
//   POST   /session   sign in with a key: the cookie, the role, the CSRF token
//   GET    /session   the session's role and CSRF token (a page that was reloaded)
//   DELETE /session   sign out: the session is deleted and the cookie cleared
// The key is never kept, logged or audited: only its digest, which the key tables hold already.
import type { Request } from 'express';
import type { ApiRouter, JsonSchema } from '../api/route.js';
import type { ApiDeps } from '../api/deps.js';
import { consoleRefusal, principalName, principalOfKeyDigest, sendHttpError, type Principal } from '../principal.js';
import { sha256Hex } from '../../../store/suppliers.js';
import { deleteConsoleSession, deleteEndedConsoleSessions, insertConsoleSession } from '../../../store/console-sessions.js';
import { audit } from '../../../store/audit.js';
import { CONSOLE_LIMITS, RESELLER_API_LIMITS } from '../../../model/limits.js';
import { clearSessionCookie, csrfTokenOf, newSessionToken, sessionDigest, sessionTokenOf, setSessionCookie } from '../console-session.js';
import { WindowRateLimiter } from '../business-api.js';

const SESSION: JsonSchema = {
  type: 'object',
  required: ['role', 'principal', 'csrfToken'],
  additionalProperties: false,
  properties: {
    role: { enum: ['operator', 'org_admin', 'finance', 'reseller'] },
    principal: { type: 'string', description: 'Who signed in, as the audit log names them (a key id, never a key).' },
    csrfToken: { type: 'string', description: 'Send it as X-CSRF-Token with every write made with the session cookie.' },
  },
};

const CONSOLE_ROLES = ['operator', 'org_admin', 'finance', 'reseller'] as const;

function origin(req: Request): string {
  return `console@${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
}

function sessionAnswer(principal: Principal, token: string): { role: string; principal: string; csrfToken: string } {
  return { role: principal.role, principal: principalName(principal), csrfToken: csrfTokenOf(token) };
}

export function sessionRoutes(api: ApiRouter, deps: ApiDeps): void {
  const { db } = deps;
  const secure = deps.config.tls !== null;
  const auth = { tls: secure, requireClientCertificate: deps.config.tls?.requireClientCertificate ?? false };
  const signIns = new WindowRateLimiter(CONSOLE_LIMITS.signInsPerWindow);

  api.route(
    {
      method: 'post',
      path: '/session',
      operationId: 'signIn',
      summary: 'Sign in to the console with a key',
      description:
        'Opens a console session for an operator, organisation admin, finance or reseller key: an HttpOnly, SameSite=Strict cookie (Secure under TLS) that stands in for the key on /v1 until sign-out, 30 minutes unused, or 12 hours. A revoked key ends its sessions.',
      tag: 'Console',
      roles: 'public',
      body: {
        kind: 'json',
        schema: { type: 'object', required: ['key'], additionalProperties: false, properties: { key: { type: 'string', minLength: 1, maxLength: RESELLER_API_LIMITS.maxKeyChars } } },
      },
      responses: { 200: { description: 'Signed in; the cookie is set.', schema: SESSION } },
    },
    async ({ req, res, body }) => {
      const wait = signIns.retryAfter(req.ip ?? 'unknown', Date.now());
      if (wait > 0) {
        res.setHeader('Retry-After', String(wait));
        return sendHttpError(res, 429, 'GW-AUTH-429', `Too many sign-in attempts from this address: try again in ${wait} s.`);
      }
      const keyDigest = sha256Hex((body as { key: string }).key);
      const principal = await principalOfKeyDigest(db, keyDigest);
      if (!principal) return sendHttpError(res, 401, 'GW-AUTH-401', 'This key is unknown or revoked.');
      const refusal = consoleRefusal(principal, auth);
      if (refusal) return sendHttpError(res, refusal.status, refusal.code, refusal.message);
      const token = newSessionToken();
      const now = Date.now();
      await db.transaction(async (trx) => {
        await deleteEndedConsoleSessions(trx, new Date(now).toISOString(), new Date(now - CONSOLE_LIMITS.sessionIdleMs).toISOString());
        await insertConsoleSession(trx, {
          sessionDigest: sessionDigest(token),
          keyDigest,
          now: new Date(now).toISOString(),
          expiresAt: new Date(now + CONSOLE_LIMITS.sessionLifetimeMs).toISOString(),
        });
        await audit(trx, { actor: principalName(principal), origin: origin(req), action: 'session.create', detail: { role: principal.role } }, new Date(now).toISOString());
      });
      res.locals.principal = principalName(principal);
      setSessionCookie(res, token, secure);
      res.json(sessionAnswer(principal, token));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/session',
      operationId: 'currentSession',
      summary: "The console session's role and CSRF token",
      description: 'Answers 401 without a live session cookie; a request with a key in Authorization is no session and answers 400.',
      tag: 'Console',
      roles: CONSOLE_ROLES,
      responses: { 200: { description: 'The session.', schema: SESSION } },
    },
    ({ req, res, principal }) => {
      const token = sessionTokenOf(req);
      if (token === undefined || req.get('authorization') !== undefined) return sendHttpError(res, 400, 'GW-API-4001', 'This request is signed with a key, not a console session.');
      res.json(sessionAnswer(principal, token));
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/session',
      operationId: 'signOut',
      summary: 'Sign out of the console',
      description: 'Deletes the session and clears its cookie; needs X-CSRF-Token.',
      tag: 'Console',
      roles: CONSOLE_ROLES,
      responses: { 204: { description: 'Signed out.' } },
    },
    async ({ req, res, principal }) => {
      const token = sessionTokenOf(req);
      if (token === undefined || req.get('authorization') !== undefined) return sendHttpError(res, 400, 'GW-API-4001', 'This request is signed with a key, not a console session.');
      await db.transaction(async (trx) => {
        await deleteConsoleSession(trx, sessionDigest(token));
        await audit(trx, { actor: principalName(principal), origin: origin(req), action: 'session.end', detail: { role: principal.role } }, new Date().toISOString());
      });
      clearSessionCookie(res, secure);
      res.status(204).end();
    },
  );
}
