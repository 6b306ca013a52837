// The console's sessions at the HTTP level: a key signs in once, the cookie stands in for
// it on /v1 with the same roles and scopes, writes need the CSRF token, and a session ends
// on sign-out, when idle too long, at its end of life, and when its key is revoked.
import { expect } from 'chai';
import { bulk, call, order, useSampleGateway, KEY_A } from '../support/http.js';
import { api, makeKey } from '../support/api.js';
import { revokePrincipalKey } from '../../src/admin/operations.js';
import { CONSOLE_LIMITS } from '../../src/model/limits.js';
import { TEST_ACTOR, databaseKind } from '../support/db.js';

interface SignedIn {
  cookie: string;
  setCookie: string;
  csrfToken: string;
  role: string;
  principal: string;
}

async function signIn(url: string, key: string): Promise<SignedIn> {
  const res = await fetch(`${url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key }) });
  expect(res.status, await res.clone().text()).to.equal(200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = (await res.json()) as { csrfToken: string; role: string; principal: string };
  return { cookie: setCookie.split(';')[0]!, setCookie, ...body };
}

/** A /v1 call with the session cookie (and the CSRF token when given), never a key. */
function withSession(url: string, s: SignedIn, method: 'GET' | 'POST' | 'DELETE', path: string, opts: { csrf?: string; body?: unknown } = {}) {
  return api(url, method, path, null, opts.body, { cookie: s.cookie, ...(opts.csrf !== undefined ? { 'x-csrf-token': opts.csrf } : {}) });
}

describe(`console sessions (${databaseKind()})`, function () {
  const g = useSampleGateway();
  before(async function () {
    // Organisation 19827 (customer 19827 has added reseller 16FCE4A0): devices to see and release.
    const posted = await call(g.url, 'bulk-enroll-devices', bulk('TX-CONSOLE-1', [order('ORD-CONSOLE-1', 'OR', '19827', ['CNSL00000001', 'CNSL00000002', 'CNSL00000003'])]));
    expect(posted.text).to.include('SUCCESS');
  });

  it('signs in with a key: an HttpOnly, SameSite=Strict cookie, and the role; the key is stored nowhere', async function () {
    const { key, keyId } = await makeKey(g.t.db, 'org_admin', { orgId: '19827' });
    const s = await signIn(g.url, key);
    expect(s.setCookie).to.match(/^gw_session=gws_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(s.role).to.equal('org_admin');
    expect(s.principal).to.equal(`org-admin:19827:${keyId}`);
    const token = s.cookie.split('=')[1]!;
    const rows = (await g.t.db('console_sessions').select()) as Record<string, unknown>[];
    const stored = JSON.stringify(rows);
    expect(stored).not.to.include(token);
    expect(stored).not.to.include(key);
    const audited = JSON.stringify(await g.t.db('audit_log').select());
    expect(audited).not.to.include(key);
    expect(audited).not.to.include(token);
    expect(audited).to.include('session.create');
  });

  it('the cookie stands in for the key, with the same scope: another organisation stays out of sight', async function () {
    const { key } = await makeKey(g.t.db, 'org_admin', { orgId: '19827' });
    const s = await signIn(g.url, key);
    const mine = await withSession(g.url, s, 'GET', '/v1/devices?limit=100');
    expect(mine.status).to.equal(200);
    expect(mine.body.items.length).to.be.greaterThan(0);
    expect(mine.body.items.every((d: { orgId: string }) => d.orgId === '19827')).to.equal(true);
    const other = await withSession(g.url, s, 'GET', '/v1/devices?org=30411');
    expect(other.status).to.equal(403);
    const session = await withSession(g.url, s, 'GET', '/v1/session');
    expect(session.body.csrfToken).to.equal(s.csrfToken);
  });

  it('refuses a write without the CSRF token, and changes nothing', async function () {
    const { key } = await makeKey(g.t.db, 'org_admin', { orgId: '19827' });
    const s = await signIn(g.url, key);
    const serial = (await withSession(g.url, s, 'GET', '/v1/devices?state=enrolled&limit=1')).body.items[0].serial as string;
    const without = await withSession(g.url, s, 'POST', `/v1/devices/${serial}/release`, { body: { reason: 'lost' } });
    expect(without.status).to.equal(403);
    expect(without.body.error.code).to.equal('GW-AUTH-403');
    expect(without.body.error.message).to.include('X-CSRF-Token');
    const wrong = await withSession(g.url, s, 'POST', `/v1/devices/${serial}/release`, { body: { reason: 'lost' }, csrf: 'x'.repeat(43) });
    expect(wrong.status).to.equal(403);
    expect((await withSession(g.url, s, 'GET', `/v1/devices/${serial}`)).body.state).to.equal('enrolled');
    const right = await withSession(g.url, s, 'POST', `/v1/devices/${serial}/release`, { body: { reason: 'lost' }, csrf: s.csrfToken });
    expect(right.status, right.text).to.equal(200);
    expect((await withSession(g.url, s, 'GET', `/v1/devices/${serial}`)).body.state).to.equal('released');
  });

  it('a key sent with the request wins over a cookie: no CSRF token is asked of a key', async function () {
    const { key } = await makeKey(g.t.db, 'org_admin', { orgId: '30411' });
    const s = await signIn(g.url, key);
    const res = await api(g.url, 'GET', '/v1/me', KEY_A, undefined, { cookie: s.cookie });
    expect(res.body.role).to.equal('reseller');
  });

  it('signs out: the session is gone and the cookie cleared', async function () {
    const { key } = await makeKey(g.t.db, 'finance');
    const s = await signIn(g.url, key);
    const refused = await withSession(g.url, s, 'DELETE', '/v1/session');
    expect(refused.status).to.equal(403);
    const out = await withSession(g.url, s, 'DELETE', '/v1/session', { csrf: s.csrfToken });
    expect(out.status).to.equal(204);
    expect(out.headers.get('set-cookie')).to.match(/^gw_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict$/);
    const after = await withSession(g.url, s, 'GET', '/v1/reports/credit?from=2026-01-01&to=2026-01-31');
    expect(after.status).to.equal(401);
    expect(after.body.error.message).to.include('sign in again');
  });

  it('ends a session left idle longer than the limit, and one past its lifetime', async function () {
    const { key } = await makeKey(g.t.db, 'operator');
    const idle = await signIn(g.url, key);
    const old = new Date(Date.now() - CONSOLE_LIMITS.sessionIdleMs - 1000).toISOString();
    await g.t.db('console_sessions').update({ last_seen_at: old });
    expect((await withSession(g.url, idle, 'GET', '/v1/organisations')).status).to.equal(401);
    const aged = await signIn(g.url, key);
    expect((await withSession(g.url, aged, 'GET', '/v1/organisations')).status).to.equal(200);
    await g.t.db('console_sessions').update({ expires_at: new Date(Date.now() - 1000).toISOString() });
    expect((await withSession(g.url, aged, 'GET', '/v1/organisations')).status).to.equal(401);
  });

  it('ends the sessions of a revoked key at once', async function () {
    const { key, keyId } = await makeKey(g.t.db, 'operator');
    const s = await signIn(g.url, key);
    expect((await withSession(g.url, s, 'GET', '/v1/organisations')).status).to.equal(200);
    await revokePrincipalKey(g.t.db, TEST_ACTOR, keyId);
    expect((await withSession(g.url, s, 'GET', '/v1/organisations')).status).to.equal(401);
  });

  it('refuses an unknown key and a metrics key, and a forged cookie', async function () {
    const unknown = await api(g.url, 'POST', '/v1/session', null, { key: 'gwk_op_not_a_key' });
    expect(unknown.status).to.equal(401);
    expect(unknown.headers.get('set-cookie')).to.equal(null);
    const { key } = await makeKey(g.t.db, 'metrics');
    const metrics = await api(g.url, 'POST', '/v1/session', null, { key });
    expect(metrics.status).to.equal(403);
    expect(metrics.headers.get('set-cookie')).to.equal(null);
    const forged = await api(g.url, 'GET', '/v1/organisations', null, undefined, { cookie: `gw_session=gws_${'A'.repeat(43)}` });
    expect(forged.status).to.equal(401);
  });

  it('a reseller signs in with its API key and sees its own documents', async function () {
    const s = await signIn(g.url, KEY_A);
    expect(s.role).to.equal('reseller');
    const docs = await withSession(g.url, s, 'GET', '/v1/documents');
    expect(docs.status).to.equal(200);
  });
});
