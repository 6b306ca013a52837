// The console's session, as the HTTP layer sees it: a random token in an HttpOnly,
// SameSite=Strict cookie (Secure under TLS), standing for the key that signed in. Every
// request the console makes is an ordinary /v1 request; the session only stands in for
// the Authorization header, and the principal is found from the key's digest exactly as
// for a key (principal.ts), so a revoked key ends its sessions at once.
//
// CSRF: SameSite=Strict already keeps the cookie off other sites' requests; besides, every
// write (POST, PUT, DELETE) made with the cookie must carry X-CSRF-Token, a value derived
// from the session token that only a page of this origin can read (GET /v1/session).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { parseCookie, stringifySetCookie } from 'cookie';
import { CONSOLE_LIMITS } from '../../model/limits.js';

export const SESSION_COOKIE = 'gw_session';
export const CSRF_HEADER = 'x-csrf-token';

/** 32 random bytes: the cookie's value. */
export function newSessionToken(): string {
  return `gws_${randomBytes(32).toString('base64url')}`;
}

/** The session token of the request's cookie, if it carries one of ours. */
export function sessionTokenOf(req: Request): string | undefined {
  const header = req.get('cookie');
  if (header === undefined) return undefined;
  const token = parseCookie(header)[SESSION_COOKIE];
  return token !== undefined && /^gws_[A-Za-z0-9_-]{43}$/.test(token) ? token : undefined;
}

export function sessionDigest(token: string): string {
  return createHash('sha256').update(`session\0${token}`).digest('hex');
}

/** The CSRF token of a session: derived, so nothing more is stored, and useless without the page's origin. */
export function csrfTokenOf(token: string): string {
  return createHash('sha256').update(`csrf\0${token}`).digest('base64url');
}

/** GET, HEAD and OPTIONS change nothing; every other method needs the CSRF token. */
export function needsCsrf(req: Request): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
}

export function csrfHolds(req: Request, token: string): boolean {
  const sent = req.get(CSRF_HEADER);
  if (sent === undefined) return false;
  const want = Buffer.from(csrfTokenOf(token));
  const got = Buffer.from(sent);
  return got.length === want.length && timingSafeEqual(got, want);
}

export function setSessionCookie(res: Response, token: string, secure: boolean): void {
  res.append('Set-Cookie', stringifySetCookie({ name: SESSION_COOKIE, value: token, httpOnly: true, sameSite: 'strict', secure, path: '/' }));
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.append('Set-Cookie', stringifySetCookie({ name: SESSION_COOKIE, value: '', httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: 0 }));
}

/** When a session that was last used at `lastSeenAt` and ends at `expiresAt` is over. */
export function sessionEnded(s: { lastSeenAt: string; expiresAt: string }, nowMs: number): boolean {
  return Date.parse(s.expiresAt) <= nowMs || Date.parse(s.lastSeenAt) + CONSOLE_LIMITS.sessionIdleMs <= nowMs;
}
