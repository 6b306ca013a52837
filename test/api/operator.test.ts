// "Who am I" for every role, and the operator's management routes over real HTTP against
// a real database (SQLite, or PostgreSQL when DATABASE_URL is set), loaded with samples/:
// organisations, customer numbers, supplier links, suppliers and the audit log. Other
// roles are refused with a JSON body that says why; every write leaves its audit entries
// (the operation's, and the HTTP request's with its request id); a revoked key stops at
// once. Every answer is checked against /openapi.json.
import { expect } from 'chai';
import type { Express } from 'express';
import { createApp } from '../../src/channels/http/app.js';
import { startServer, type RunningServer } from '../../src/channels/http/server.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log/logger.js';
import { revokePrincipalKey } from '../../src/admin/operations.js';
import { TEST_ACTOR, databaseKind, sampleDatabase, type TestDb } from '../support/db.js';
import { KEY_A, RESELLER_A, bulk, call, order } from '../support/http.js';
import { api as rawApi, makeKey, type ApiAnswer } from '../support/api.js';
import { OpenApiChecker } from '../support/openapi-check.js';
import { testCreditSettings } from '../support/credit.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  origin: string;
  action: string;
  detail_json: string;
  request_id: string | null;
}

let serialCounter = 0;
function sn(): string {
  serialCounter++;
  return `OPT${process.pid % 1000}X${String(serialCounter).padStart(6, '0')}`;
}

describe(`operator routes and who-am-I (${databaseKind()})`, function () {
  this.timeout(30000);
  let t: TestDb;
  let app: Express;
  let gw: RunningServer;
  let checker: OpenApiChecker;
  const keys: Record<string, { key: string; keyId: string }> = {};

  /** A /v1 request whose exchange must conform to /openapi.json. */
  async function api(method: Method, path: string, key: string | null, body?: unknown): Promise<ApiAnswer> {
    const answer = await rawApi(gw.url, method, path, key, body);
    expect(checker.problems({ method, url: path, ...(body !== undefined ? { body } : {}), answer })).to.deep.equal([]);
    return answer;
  }

  /** The HTTP audit entries are written after the answer: wait for them, then read. */
  async function auditRows(where: Partial<AuditRow>): Promise<AuditRow[]> {
    await (app.locals.flushAudits as () => Promise<void>)();
    return (await t.db('audit_log').where(where).orderBy('id')) as AuditRow[];
  }

  /** Both audit entries of a write: the operation's (what changed) and the HTTP one (with the request id). */
  async function expectAudited(answer: ApiAnswer, action: string, detail: Record<string, unknown>, route: string): Promise<void> {
    const who = `operator:${keys.operator!.keyId}`;
    const op = (await auditRows({ action, actor: who })).at(-1);
    expect(op, action).to.not.equal(undefined);
    expect(op!.origin).to.match(/^http@/);
    expect(JSON.parse(op!.detail_json)).to.include(detail);
    expect(Date.now() - Date.parse(op!.at)).to.be.within(0, 10 * 60_000);
    const requestId = answer.headers.get('x-request-id')!;
    // The operation's own entry carries the request id too, so the two are joined by it.
    expect(op!.request_id, `${action}: the operation's entry names the request`).to.equal(requestId);
    const http = (await auditRows({ request_id: requestId })).filter((r) => r.action.startsWith('http.'));
    expect(http, `${action}: HTTP entry`).to.have.length(1);
    expect(http[0]).to.include({ actor: who, action: `http.${route.split(' ')[0]!.toLowerCase()}`, origin: op!.origin });
    expect(JSON.parse(http[0]!.detail_json)).to.include({ route: route.split(' ')[1], status: answer.status });
  }

  before(async function () {
    t = await sampleDatabase();
    const config: GatewayConfig = { ...DEFAULT_CONFIG, port: 0, requestLog: false };
    app = createApp(t.db, config, silentLogger, testCreditSettings());
    gw = await startServer(app, config);
    checker = new OpenApiChecker((await rawApi(gw.url, 'GET', '/openapi.json', null)).body);
    keys.operator = await makeKey(t.db, 'operator');
    keys.org_admin = await makeKey(t.db, 'org_admin', { orgId: '19827' });
    keys.finance = await makeKey(t.db, 'finance');
    keys.financeScoped = await makeKey(t.db, 'finance', { scopeOrgIds: ['30411', '19827'] });
    keys.metrics = await makeKey(t.db, 'metrics');
  });
  after(async function () {
    await gw?.close();
    await t?.close();
  });

  const op = () => keys.operator!.key;

  describe('GET /v1/me', function () {
    it('the operator: role, key id, and routes that include the management ones', async function () {
      const r = await api('GET', '/v1/me', op());
      expect(r.status, r.text).to.equal(200);
      expect(r.body).to.include({ role: 'operator', keyId: keys.operator!.keyId, principal: `operator:${keys.operator!.keyId}`, resellerId: null, organisation: null, financeScope: null });
      expect(r.body.routes).to.include.members(['GET /v1/me', 'GET /v1/organisations', 'POST /v1/organisations', 'GET /v1/audit', 'GET /v1/transactions']);
      expect(r.body.summary).to.match(/^Operator:/);
      expect(r.text).to.not.include(op());
    });

    it('a reseller: its reseller id, no key id, and no operator route', async function () {
      const r = await api('GET', '/v1/me', KEY_A);
      expect(r.body).to.include({ role: 'reseller', keyId: null, resellerId: RESELLER_A, principal: `reseller:${RESELLER_A}` });
      expect(r.body.routes).to.include.members(['GET /v1/me', 'GET /v1/transactions', 'GET /v1/documents']);
      expect(r.body.routes).to.not.include('GET /v1/audit');
      expect(r.body.routes).to.not.include('GET /v1/organisations');
    });

    it('an organisation admin: its organisation with its name', async function () {
      const r = await api('GET', '/v1/me', keys.org_admin!.key);
      expect(r.body).to.include({ role: 'org_admin', keyId: keys.org_admin!.keyId });
      expect(r.body.organisation).to.deep.equal({ orgId: '19827', name: 'Northwind Schools' });
      expect(r.body.routes).to.include('GET /v1/organisations/{orgId}');
      expect(r.body.routes).to.not.include('GET /v1/organisations');
    });

    it('finance keys: every organisation, or the set the key was limited to', async function () {
      const all = await api('GET', '/v1/me', keys.finance!.key);
      expect(all.body.financeScope).to.deep.equal({ allOrganisations: true, orgIds: [] });
      const scoped = await api('GET', '/v1/me', keys.financeScoped!.key);
      expect(scoped.body).to.include({ role: 'finance', keyId: keys.financeScoped!.keyId });
      expect(scoped.body.financeScope).to.deep.equal({ allOrganisations: false, orgIds: ['19827', '30411'] });
    });

    it('a metrics key, no key, and an unknown key', async function () {
      const m = await api('GET', '/v1/me', keys.metrics!.key);
      expect(m.body).to.include({ role: 'metrics', keyId: keys.metrics!.keyId });
      expect(m.body.summary).to.match(/metrics/i);
      for (const key of [null, 'gwk_op_not-a-key-of-ours']) {
        const r = await api('GET', '/v1/me', key);
        expect(r.status).to.equal(401);
        expect(r.body.error.code).to.equal('GW-AUTH-401');
        expect(r.body.error.message).to.be.a('string').that.is.not.empty;
      }
    });

    it('a revoked key stops working at once', async function () {
      const k = await makeKey(t.db, 'operator');
      expect((await api('GET', '/v1/me', k.key)).status).to.equal(200);
      expect((await api('GET', '/v1/organisations', k.key)).status).to.equal(200);
      await revokePrincipalKey(t.db, TEST_ACTOR, k.keyId);
      for (const path of ['/v1/me', '/v1/organisations', '/v1/audit']) {
        const r = await api('GET', path, k.key);
        expect(r.status, path).to.equal(401);
        expect(r.body.error.code).to.equal('GW-AUTH-401');
      }
      const write = await api('POST', '/v1/organisations', k.key, { orgId: 'REVOKED1', name: 'No', country: 'US' });
      expect(write.status).to.equal(401);
      expect(await t.db('organisations').where({ org_id: 'REVOKED1' }).first()).to.equal(undefined);
    });
  });

  describe('refusals of other roles', function () {
    const writes: [Method, string, unknown][] = [
      ['POST', '/v1/organisations', { orgId: 'FORBID1', name: 'Forbidden', country: 'US' }],
      ['POST', '/v1/organisations/19827/customer-numbers', { number: '424242' }],
      ['PUT', '/v1/organisations/55120/suppliers/16FCE4A0', undefined],
      ['DELETE', '/v1/organisations/30411/suppliers/16FCE4A0', undefined],
      ['POST', '/v1/suppliers', { supplierId: 'FORBID01', kind: 'reseller', name: 'Forbidden' }],
    ];
    const reads = ['/v1/organisations', '/v1/suppliers', '/v1/audit'];

    it('organisation admin, finance, metrics and reseller keys get 403 with a JSON body that says why, and nothing changes', async function () {
      const before = await t.db('audit_log').whereNot('action', 'like', 'http.%').count({ n: '*' });
      for (const [role, key] of [
        ['organisation admin', keys.org_admin!.key],
        ['finance', keys.finance!.key],
        ['metrics', keys.metrics!.key],
        ['reseller', KEY_A],
      ] as const) {
        for (const path of reads) {
          const r = await api('GET', path, key);
          expect(r.status, `${role} GET ${path}`).to.equal(403);
          expect(r.headers.get('content-type')).to.match(/^application\/json/);
          expect(r.body.error.code).to.equal('GW-AUTH-403');
          expect(r.body.error.message).to.include('needs an operator key').and.include(`this is a${role === 'organisation admin' ? 'n' : ''} ${role} key`);
          expect(r.body.error.requestId).to.equal(r.headers.get('x-request-id'));
        }
        for (const [method, path, body] of writes) {
          const r = await api(method, path, key, body);
          expect(r.status, `${role} ${method} ${path}`).to.equal(403);
          expect(r.body.error.code).to.equal('GW-AUTH-403');
          // An organisation admin links resellers to its own organisation (19827) only.
          const ownOnly = role === 'organisation admin' && path.includes('/suppliers/');
          expect(r.body.error.message).to.include(ownOnly ? 'its own organisation (19827) only' : 'needs an operator key');
        }
      }
      expect(await t.db('organisations').where({ org_id: 'FORBID1' }).first()).to.equal(undefined);
      expect(await t.db('suppliers').where({ supplier_id: 'FORBID01' }).first()).to.equal(undefined);
      expect(await t.db('apple_customer_numbers').where({ number: '424242' }).first()).to.equal(undefined);
      expect((await t.db('org_supplier_links as l').join('organisations as o', 'o.id', 'l.org_pk').where('o.org_id', '55120')).length).to.equal(0);
      expect((await t.db('org_supplier_links as l').join('organisations as o', 'o.id', 'l.org_pk').where('o.org_id', '30411')).length).to.equal(2);
      const after = await t.db('audit_log').whereNot('action', 'like', 'http.%').count({ n: '*' });
      expect(Number(after[0]!.n)).to.equal(Number(before[0]!.n));
    });

    it('a refused write is on the audit log too: who tried what, from where, answered 403', async function () {
      const r = await api('POST', '/v1/organisations', keys.metrics!.key, { orgId: 'FORBID2', name: 'Forbidden', country: 'US' });
      expect(r.status).to.equal(403);
      const [entry] = await auditRows({ request_id: r.headers.get('x-request-id')! });
      expect(entry).to.include({ actor: `metrics:${keys.metrics!.keyId}`, action: 'http.post' });
      expect(JSON.parse(entry!.detail_json)).to.include({ route: '/v1/organisations', status: 403 });
    });

    it("an organisation admin reads its own organisation; another one is 404, exactly like a missing one", async function () {
      const own = await api('GET', '/v1/organisations/19827', keys.org_admin!.key);
      expect(own.status, own.text).to.equal(200);
      expect(own.body.orgId).to.equal('19827');
      const other = await api('GET', '/v1/organisations/55120', keys.org_admin!.key);
      const missing = await api('GET', '/v1/organisations/NOPE', keys.org_admin!.key);
      for (const r of [other, missing]) {
        expect(r.status).to.equal(404);
        expect(r.body.error.code).to.equal('GW-ADM-NOT-FOUND');
      }
      expect(other.body.error.message.replace('55120', 'X')).to.equal(missing.body.error.message.replace('NOPE', 'X'));
      expect(other.text).to.not.include('Contoso');
      for (const key of [keys.finance!.key, keys.metrics!.key, KEY_A]) expect((await api('GET', '/v1/organisations/19827', key)).status).to.equal(403);
    });
  });

  describe('organisations', function () {
    it('GET /v1/organisations/{orgId}: suppliers, default servers, customer numbers, devices by state', async function () {
      // Two devices of 16FCE4A0 for 19827 (enrolled: it was added) and one for 55120 (pending: it was not).
      await call(gw.url, 'bulk-enroll-devices', bulk('TX-OP-1', [order('ORD-OP-1', 'OR', '19827', [sn(), sn()]), order('ORD-OP-2', 'OR', '55120', [sn()])]), { key: KEY_A });
      const r = await api('GET', '/v1/organisations/19827', op());
      expect(r.status, r.text).to.equal(200);
      expect(r.body).to.include({ orgId: '19827', name: 'Northwind Schools', country: 'US' });
      expect(r.body.appleCustomerNumbers).to.deep.equal(['123456']);
      expect(r.body.suppliers.map((s: { supplierId: string; kind: string }) => [s.supplierId, s.kind])).to.deep.equal([[RESELLER_A, 'reseller']]);
      expect(r.body.defaultServers).to.deep.equal({ iPad: 'Northwind MDM (iPad)', Mac: 'Northwind MDM (Mac)' });
      expect(r.body.devices).to.deep.equal({ total: 2, enrolled: 2, pending: 0, returned: 0, voided: 0, released: 0 });
      const contoso = await api('GET', '/v1/organisations/55120', op());
      expect(contoso.body.devices).to.include({ total: 1, pending: 1, enrolled: 0 });
      expect(contoso.body.suppliers).to.deep.equal([]);
    });

    it('POST /v1/organisations: 201 with the organisation, audited with who, what, when, where and the request id', async function () {
      const body = { orgId: 'OPS-1', name: 'Tailspin Toys', country: 'GB', appleCustomerNumbers: ['000777001'] };
      const r = await api('POST', '/v1/organisations', op(), body);
      expect(r.status, r.text).to.equal(201);
      expect(r.body).to.include({ orgId: 'OPS-1', name: 'Tailspin Toys', country: 'GB' });
      expect(r.body.appleCustomerNumbers).to.deep.equal(['777001']);
      expect(r.body.devices.total).to.equal(0);
      await expectAudited(r, 'organisation.add', { orgId: 'OPS-1', name: 'Tailspin Toys' }, 'POST /v1/organisations');
      const again = await api('POST', '/v1/organisations', op(), body);
      expect(again.status).to.equal(409);
      expect(again.body.error.code).to.equal('GW-ADM-EXISTS');
      expect(again.body.error.message).to.include('OPS-1');
    });

    it('POST /v1/organisations validation: 400 GW-API-4001 naming the field; a blank name is 422 GW-ADM-INVALID', async function () {
      for (const [body, field] of [
        [{ orgId: 'OPS-2', name: 'X' }, 'country'],
        [{ orgId: 'OPS-2', name: 'X', country: 'gb' }, 'country'],
        [{ orgId: 'OPS 2', name: 'X', country: 'GB' }, 'orgId'],
        [{ orgId: 'OPS-2', name: '', country: 'GB' }, 'name'],
        [{ orgId: 'OPS-2', name: 'X', country: 'GB', colour: 'red' }, 'colour'],
        [{ orgId: 'OPS-2', name: 'X', country: 'GB', appleCustomerNumbers: ['12a'] }, 'appleCustomerNumbers.0'],
      ] as const) {
        const r = await rawApi(gw.url, 'POST', '/v1/organisations', op(), body);
        expect(r.status, JSON.stringify(body)).to.equal(400);
        expect(r.body.error.code).to.equal('GW-API-4001');
        expect(r.body.error.details[0], JSON.stringify(body)).to.include({ in: 'body', path: field });
        expect(r.body.error.message).to.include(field);
      }
      const blank = await api('POST', '/v1/organisations', op(), { orgId: 'OPS-2', name: '   ', country: 'GB' });
      expect(blank.status).to.equal(422);
      expect(blank.body.error.code).to.equal('GW-ADM-INVALID');
      // Shaped like a country code, but none: user-assigned (QQ, XX, ZZ) or unassigned (YY).
      for (const country of ['QQ', 'XX', 'ZZ', 'YY']) {
        const notACountry = await api('POST', '/v1/organisations', op(), { orgId: 'OPS-2', name: 'X', country });
        expect(notACountry.status, country).to.equal(422);
        expect(notACountry.body.error.code).to.equal('GW-ADM-INVALID');
        expect(notACountry.body.error.message).to.include(`${country} is not an ISO 3166-1 country code`);
      }
      const notJson = await rawApi(gw.url, 'POST', '/v1/organisations', op(), '{"orgId":', { 'content-type': 'application/json' });
      expect(notJson.status).to.equal(400);
      expect(await t.db('organisations').where({ org_id: 'OPS-2' }).first()).to.equal(undefined);
    });

    it('POST /v1/organisations/{orgId}/customer-numbers: added and audited; one already taken is 409; an unknown organisation 404', async function () {
      const r = await api('POST', '/v1/organisations/OPS-1/customer-numbers', op(), { number: '0088' });
      expect(r.status, r.text).to.equal(201);
      expect(r.body.appleCustomerNumbers).to.deep.equal(['777001', '88']);
      await expectAudited(r, 'organisation.customer-number.add', { orgId: 'OPS-1', number: '0088' }, 'POST /v1/organisations/:orgId/customer-numbers');
      const taken = await api('POST', '/v1/organisations/19827/customer-numbers', op(), { number: '88' });
      expect(taken.status).to.equal(409);
      expect(taken.body.error.code).to.equal('GW-ADM-EXISTS');
      const unknown = await api('POST', '/v1/organisations/NOPE/customer-numbers', op(), { number: '99' });
      expect(unknown.status).to.equal(404);
      expect(unknown.body.error.code).to.equal('GW-ADM-NOT-FOUND');
      const bad = await rawApi(gw.url, 'POST', '/v1/organisations/OPS-1/customer-numbers', op(), { number: 88 });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.details[0]).to.include({ in: 'body', path: 'number' });
    });

    it('PUT link: pending devices enroll ({enrolled}); again changes nothing; DELETE unlinks (204), again is 404; both audited', async function () {
      const r = await api('PUT', '/v1/organisations/55120/suppliers/16FCE4A0', op());
      expect(r.status, r.text).to.equal(200);
      expect(r.body).to.deep.equal({ orgId: '55120', supplierId: RESELLER_A, enrolled: 1 });
      await expectAudited(r, 'link.add', { orgId: '55120', supplierId: RESELLER_A, enrolled: 1 }, 'PUT /v1/organisations/:orgId/suppliers/:supplierId');
      const detail = await api('GET', '/v1/organisations/55120', op());
      expect(detail.body.devices).to.include({ enrolled: 1, pending: 0 });
      expect(detail.body.suppliers.map((s: { supplierId: string }) => s.supplierId)).to.deep.equal([RESELLER_A]);
      expect((await api('PUT', '/v1/organisations/55120/suppliers/16FCE4A0', op())).body.enrolled).to.equal(0);

      const d = await api('DELETE', '/v1/organisations/55120/suppliers/16FCE4A0', op());
      expect(d.status, d.text).to.equal(204);
      await expectAudited(d, 'link.remove', { orgId: '55120', supplierId: RESELLER_A }, 'DELETE /v1/organisations/:orgId/suppliers/:supplierId');
      expect((await api('GET', '/v1/organisations/55120', op())).body.devices).to.include({ enrolled: 1 });
      const again = await api('DELETE', '/v1/organisations/55120/suppliers/16FCE4A0', op());
      expect(again.status).to.equal(404);
      expect(again.body.error.code).to.equal('GW-ADM-NOT-FOUND');
    });

    it("an organisation admin adds and removes a reseller of its own organisation, as in Apple Business Manager; audited under its key", async function () {
      const admin = await makeKey(t.db, 'org_admin', { orgId: '55120' });
      const r = await api('PUT', '/v1/organisations/55120/suppliers/16FCE4A0', admin.key);
      expect(r.status, r.text).to.equal(200);
      expect(r.body).to.include({ orgId: '55120', supplierId: RESELLER_A });
      const entry = await t.db('audit_log').where({ action: 'link.add' }).orderBy('id', 'desc').first();
      expect(entry.actor).to.equal(`org-admin:55120:${admin.keyId}`);
      expect((await api('GET', '/v1/organisations/55120', admin.key)).body.suppliers.map((x: { supplierId: string }) => x.supplierId)).to.deep.equal([RESELLER_A]);
      expect((await api('DELETE', '/v1/organisations/55120/suppliers/16FCE4A0', admin.key)).status).to.equal(204);
      const other = await api('PUT', '/v1/organisations/19827/suppliers/2B7D9C10', admin.key);
      expect(other.status).to.equal(403);
      expect(await t.db('org_supplier_links as l').join('organisations as o', 'o.id', 'l.org_pk').join('suppliers as s', 's.id', 'l.supplier_pk').where({ 'o.org_id': '19827', 's.supplier_id': '2B7D9C10' }).first()).to.equal(undefined);
    });

    it('keys over HTTP: made with the key shown once, listed without it, revoked; audited by key id only', async function () {
      const made = await api('POST', '/v1/keys', op(), { role: 'org_admin', orgId: '30411', label: 'Fabrikam helpdesk' });
      expect(made.status, made.text).to.equal(201);
      expect(made.headers.get('cache-control')).to.equal('no-store');
      expect(made.body).to.include({ role: 'org_admin', orgId: '30411' });
      expect(made.body.key).to.match(/^gwk_org_/);
      const me = await api('GET', '/v1/me', made.body.key);
      expect(me.body).to.include({ role: 'org_admin', keyId: made.body.keyId });
      const listed = await api('GET', '/v1/keys?role=org_admin&org=30411', op());
      const view = listed.body.items.find((k: { keyId: string }) => k.keyId === made.body.keyId);
      expect(view).to.include({ role: 'org_admin', orgId: '30411', label: 'Fabrikam helpdesk', revokedAt: null });
      expect(listed.text).not.to.include(made.body.key);
      const entry = await t.db('audit_log').where({ action: 'key.create' }).orderBy('id', 'desc').first();
      expect(entry.detail_json).to.include(made.body.keyId).and.not.include(made.body.key);
      const revoked = await api('DELETE', `/v1/keys/${made.body.keyId}`, op());
      expect(revoked.status, revoked.text).to.equal(204);
      expect((await api('GET', '/v1/me', made.body.key)).status).to.equal(401);
      expect((await api('DELETE', `/v1/keys/${made.body.keyId}`, op())).status).to.equal(404);
      const noOrg = await api('POST', '/v1/keys', op(), { role: 'org_admin' });
      expect(noOrg.status).to.equal(422);
      expect(noOrg.body.error.message).to.include('orgId');
      const unknownOrg = await api('POST', '/v1/keys', op(), { role: 'org_admin', orgId: 'NOPE1' });
      expect(unknownOrg.status).to.equal(404);
    });

    it('PUT link refusals: Apple needs none (422), an unknown supplier or organisation is 404, a malformed id 400', async function () {
      const apple = await api('PUT', '/v1/organisations/55120/suppliers/APPLE', op());
      expect(apple.status).to.equal(422);
      expect(apple.body.error.code).to.equal('GW-ADM-INVALID');
      const unknown = await api('PUT', '/v1/organisations/55120/suppliers/NOSUCH01', op());
      expect(unknown.status).to.equal(404);
      expect(unknown.body.error.message).to.include('NOSUCH01');
      expect((await api('PUT', '/v1/organisations/NOPE/suppliers/16FCE4A0', op())).status).to.equal(404);
      const bad = await rawApi(gw.url, 'PUT', '/v1/organisations/55120/suppliers/not-an-id', op());
      expect(bad.status).to.equal(400);
      expect(bad.body.error.details[0]).to.include({ in: 'path', path: 'supplierId' });
    });

    it('GET /v1/organisations: newest first, paged with a cursor', async function () {
      const all = await api('GET', '/v1/organisations', op());
      expect(all.status, all.text).to.equal(200);
      const orgIds = all.body.items.map((o: { orgId: string }) => o.orgId);
      expect(orgIds).to.deep.equal(['OPS-1', '30411', '55120', '19827']);
      expect(all.body.items[1]).to.deep.include({ orgId: '30411', name: 'Fabrikam Retail', country: 'JP', appleCustomerNumbers: [], resellers: ['16FCE4A0', '2B7D9C10'] });
      const p1 = await api('GET', '/v1/organisations?limit=3', op());
      expect(p1.body.items.map((o: { orgId: string }) => o.orgId)).to.deep.equal(orgIds.slice(0, 3));
      const p2 = await api('GET', `/v1/organisations?limit=3&cursor=${p1.body.nextCursor}`, op());
      expect(p2.body.items.map((o: { orgId: string }) => o.orgId)).to.deep.equal(orgIds.slice(3));
      expect(p2.body.nextCursor).to.equal(null);
    });
  });

  describe('suppliers', function () {
    it('POST /v1/suppliers: 201 with its Ship-Tos, audited; a duplicate or a taken Ship-To is 409; a bad Ship-To 400', async function () {
      const r = await api('POST', '/v1/suppliers', op(), { supplierId: 'C0FFEE01', kind: 'reseller', name: 'Coffee Computers', shipTos: ['0000099001'] });
      expect(r.status, r.text).to.equal(201);
      expect(r.body).to.deep.include({ supplierId: 'C0FFEE01', kind: 'reseller', name: 'Coffee Computers', shipTos: [{ shipTo: '0000099001', active: true }] });
      await expectAudited(r, 'supplier.add', { supplierId: 'C0FFEE01' }, 'POST /v1/suppliers');
      const dup = await api('POST', '/v1/suppliers', op(), { supplierId: 'C0FFEE01', kind: 'reseller', name: 'Again' });
      expect(dup.status).to.equal(409);
      expect(dup.body.error.code).to.equal('GW-ADM-EXISTS');
      const taken = await api('POST', '/v1/suppliers', op(), { supplierId: 'C0FFEE02', kind: 'reseller', name: 'Taken', shipTos: ['0000052010'] });
      expect(taken.status).to.equal(409);
      expect(await t.db('suppliers').where({ supplier_id: 'C0FFEE02' }).first()).to.equal(undefined);
      const bad = await rawApi(gw.url, 'POST', '/v1/suppliers', op(), { supplierId: 'C0FFEE03', kind: 'reseller', name: 'Bad', shipTos: ['123'] });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.details[0]).to.include({ in: 'body', path: 'shipTos.0' });
      const kind = await rawApi(gw.url, 'POST', '/v1/suppliers', op(), { supplierId: 'C0FFEE03', kind: 'distributor', name: 'Bad' });
      expect(kind.status).to.equal(400);
      expect(kind.body.error.details[0]).to.include({ in: 'body', path: 'kind' });
    });

    it('GET /v1/suppliers: newest first, with Ship-Tos, paged', async function () {
      const all = await api('GET', '/v1/suppliers', op());
      expect(all.body.items.map((s: { supplierId: string }) => s.supplierId)).to.deep.equal(['C0FFEE01', '2B7D9C10', '16FCE4A0', 'APPLE']);
      expect(all.body.items[2]).to.deep.include({ kind: 'reseller', name: 'Brightline Resellers', shipTos: [{ shipTo: '0000052010', active: true }] });
      const p1 = await api('GET', '/v1/suppliers?limit=2', op());
      const p2 = await api('GET', `/v1/suppliers?limit=2&cursor=${p1.body.nextCursor}`, op());
      expect([...p1.body.items, ...p2.body.items].map((s: { supplierId: string }) => s.supplierId)).to.deep.equal(['C0FFEE01', '2B7D9C10', '16FCE4A0', 'APPLE']);
      expect(p2.body.nextCursor).to.equal(null);
    });
  });

  describe('GET /v1/audit', function () {
    it('newest first, with who, what, when, from where and the request id; detail is parsed JSON', async function () {
      await (app.locals.flushAudits as () => Promise<void>)();
      const r = await api('GET', '/v1/audit?limit=1000', op());
      expect(r.status, r.text).to.equal(200);
      const rows = (await t.db('audit_log').orderBy('id', 'desc').limit(1000)) as AuditRow[];
      expect(r.body.items).to.have.length(rows.length);
      expect(r.body.items.map((e: { action: string; requestId: string | null }) => [e.action, e.requestId])).to.deep.equal(rows.map((row) => [row.action, row.request_id]));
      const added = r.body.items.find((e: { action: string; actor: string }) => e.action === 'supplier.add' && e.actor.startsWith('operator:'));
      expect(added.detail).to.deep.include({ supplierId: 'C0FFEE01', kind: 'reseller' });
      expect(added.origin).to.match(/^http@/);
      const http = r.body.items.find((e: { action: string }) => e.action === 'http.post');
      expect(http.requestId).to.match(/^[0-9a-f-]{36}$/);
      expect(http.detail).to.have.property('route');
    });

    it('pages walk every entry once; filters by actor (exact or prefix*), action and day; a cursor with other filters is refused', async function () {
      const full = (await api('GET', '/v1/audit?limit=1000', op())).body.items;
      expect(full.length).to.be.greaterThan(10);
      const walked: unknown[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: ApiAnswer = await api('GET', `/v1/audit?limit=4${cursor ? `&cursor=${cursor}` : ''}`, op());
        expect(page.body.items.length).to.be.at.most(4);
        walked.push(...page.body.items);
        cursor = page.body.nextCursor as string | null;
        pages++;
      } while (cursor !== null && pages < 1000);
      // Reading the audit log writes nothing to it (GETs are not audited): the walk sees the same entries.
      expect(walked).to.deep.equal(full);
      expect(pages).to.equal(Math.ceil(full.length / 4));

      const who = `operator:${keys.operator!.keyId}`;
      const mine = (await api('GET', `/v1/audit?limit=1000&actor=${encodeURIComponent(who)}`, op())).body.items;
      expect(mine.length).to.be.greaterThan(0);
      expect(mine.every((e: { actor: string }) => e.actor === who)).to.equal(true);
      const prefixed = (await api('GET', `/v1/audit?limit=1000&actor=${encodeURIComponent('operator:*')}`, op())).body.items;
      expect(prefixed.length).to.be.at.least(mine.length);
      expect(prefixed.every((e: { actor: string }) => e.actor.startsWith('operator:'))).to.equal(true);
      const links = (await api('GET', '/v1/audit?action=link.*', op())).body.items.map((e: { action: string }) => e.action);
      expect(links).to.include.members(['link.add', 'link.remove']);
      expect(links.every((a: string) => a.startsWith('link.'))).to.equal(true);
      const exact = (await api('GET', '/v1/audit?action=link.add', op())).body.items;
      expect(exact.every((e: { action: string }) => e.action === 'link.add')).to.equal(true);
      // In a prefix, an underscore is a character, not a wildcard (as it would be in LIKE).
      expect((await api('GET', `/v1/audit?action=${encodeURIComponent('link_*')}`, op())).body.items).to.deep.equal([]);

      const today = new Date().toISOString().slice(0, 10);
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      expect((await api('GET', `/v1/audit?limit=1000&to=${tomorrow}`, op())).body.items).to.have.length(full.length);
      expect((await api('GET', `/v1/audit?from=${tomorrow}`, op())).body.items).to.deep.equal([]);
      expect((await api('GET', `/v1/audit?limit=1000&from=${today}`, op())).body.items.length).to.be.greaterThan(0);

      const first = await api('GET', '/v1/audit?limit=2', op());
      const reused = await api('GET', `/v1/audit?limit=2&action=link.add&cursor=${first.body.nextCursor}`, op());
      expect(reused.status).to.equal(400);
      expect(reused.body.error.code).to.equal('GW-API-4002');
      const backwards = await api('GET', `/v1/audit?from=${tomorrow}&to=${today}`, op());
      expect(backwards.status).to.equal(400);
      expect(backwards.body.error.details[0]).to.include({ in: 'query', path: 'to' });
      const badLimit = await rawApi(gw.url, 'GET', '/v1/audit?limit=abc', op());
      expect(badLimit.status).to.equal(400);
      expect(badLimit.body.error.details[0]).to.include({ in: 'query', path: 'limit' });
    });
  });
});
