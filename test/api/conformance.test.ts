// Every route against the gateway's own /openapi.json, over real HTTP on a real database
// (SQLite, or PostgreSQL when DATABASE_URL is set): one walk through a working day (a
// reseller enrolls and uploads, an organisation admin looks up, assigns, releases and
// spends credit, finance reconciles, the operator manages), in which each request is
// checked against its declared parameters and body and each answer against its declared
// status, content type and schema. The walk must exercise every operation in the
// document: a route added without a place here fails this test.
//
// Then the role matrix: every authenticated operation refuses every role it does not
// list with 403 and the error schema, and a request without a key with 401.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { RunningServer } from '../../src/channels/http/server.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { databaseKind, sampleDatabase, type TestDb } from '../support/db.js';
import { KEY_A, KEY_B, RESELLER_A, RESELLER_B, SHIP_TO_A, bulk, order, startGateway } from '../support/http.js';
import { api as rawApi, makeKey, type ApiAnswer } from '../support/api.js';
import { OpenApiChecker } from '../support/openapi-check.js';
import { creditOrderXml } from '../support/credit.js';
import { tempDir } from '../intake/support.js';
import { businessClient } from '../support/business-api.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

describe(`every route conforms to /openapi.json (${databaseKind()})`, function () {
  this.timeout(60000);
  let t: TestDb;
  let gw: RunningServer;
  let spool: ReturnType<typeof tempDir>;
  let checker: OpenApiChecker;
  const problems: string[] = [];
  const keys: Record<string, string> = {};

  async function call(method: Method, path: string, key: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
    const answer = await rawApi(gw.url, method, path, key, body, headers);
    const json = headers['content-type'] === undefined || headers['content-type'] === 'application/json';
    problems.push(...checker.problems({ method, url: path, ...(body !== undefined ? { body: json && typeof body === 'string' ? JSON.parse(body) : body, jsonBody: json } : {}), answer }));
    return answer;
  }

  /** A call that must succeed with `status`. */
  async function ok(status: number, method: Method, path: string, key: string | null, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer> {
    const a = await call(method, path, key, body, headers);
    expect(a.status, `${method} ${path}: ${a.text.slice(0, 300)}`).to.equal(status);
    return a;
  }

  before(async function () {
    t = await sampleDatabase();
    spool = tempDir('gw-conformance');
    gw = await startGateway(t.db, { intake: { ...DEFAULT_CONFIG.intake, spoolDir: join(spool.dir, 'spool') } });
    const doc = await rawApi(gw.url, 'GET', '/openapi.json', null);
    checker = new OpenApiChecker(doc.body);
    keys.operator = (await makeKey(t.db, 'operator')).key;
    keys.org_admin = (await makeKey(t.db, 'org_admin', { orgId: '30411' })).key;
    keys.finance = (await makeKey(t.db, 'finance')).key;
    keys.metrics = (await makeKey(t.db, 'metrics')).key;
    keys.reseller = KEY_A;
  });

  after(async () => {
    await gw?.close();
    await t?.close();
    spool?.remove();
  });

  it('a working day through every operation: requests and answers as declared', async function () {
    const O = keys.operator!;
    const A = keys.org_admin!;

    // Operations.
    await ok(200, 'GET', '/healthz', null);
    await ok(200, 'GET', '/openapi.json', null);
    await ok(200, 'GET', '/metrics', keys.metrics!);
    for (const role of Object.keys(keys)) await ok(200, 'GET', '/v1/me', keys[role]!);

    // A reseller enrolls through the reseller API, checks and looks the order up.
    const enrolled = await ok(200, 'POST', '/enroll-service/1.0/bulk-enroll-devices', KEY_A, bulk('TX-CONF-1', [order('ORD-CONF-1', 'OR', '30411', ['CONFSN000001', 'CONFSN000002', 'CONFSN000003'])]));
    await ok(400, 'POST', '/enroll-service/1.0/bulk-enroll-devices', KEY_A, bulk('', []));
    await ok(200, 'POST', '/enroll-service/1.0/check-transaction-status', KEY_A, {
      requestContext: { shipTo: SHIP_TO_A, timeZone: '420', langCode: 'en' },
      depResellerId: RESELLER_A,
      deviceEnrollmentTransactionId: enrolled.body.deviceEnrollmentTransactionId,
    });
    await ok(200, 'POST', '/enroll-service/1.0/show-order-details', KEY_A, {
      requestContext: { shipTo: SHIP_TO_A, timeZone: '420', langCode: 'en' },
      depResellerId: RESELLER_A,
      orderNumbers: ['ORD-CONF-1'],
    });
    await ok(200, 'GET', '/v1/transactions', KEY_A);
    await ok(200, 'GET', '/v1/transactions/TX-CONF-1', KEY_A);
    await ok(200, 'GET', `/v1/transactions/TX-CONF-1?supplier=${RESELLER_A}`, O);

    // A reseller uploads a document (a credit order: the admin's codes come from it).
    const upload = await ok(201, 'POST', '/v1/documents', KEY_B, creditOrderXml('CR-CONF-1', 'OR', [{ line: '1', quantity: 4, amount: '4000', currency: 'JPY' }]), {
      'content-type': 'application/xml',
      'x-gateway-mapping': 'harbour-xml',
    });
    const documentId = upload.body.documentId as string;
    const rejected = await ok(422, 'POST', '/v1/documents', KEY_B, '<GatewayDocuments xmlns="urn:abm-edi-gateway:documents:1"><PurchaseOrder/></GatewayDocuments>', {
      'content-type': 'application/xml',
      'x-gateway-mapping': 'harbour-xml',
    });
    await ok(200, 'GET', '/v1/documents', KEY_B);
    await ok(200, 'GET', `/v1/documents/${documentId}`, KEY_B);
    await ok(200, 'GET', `/v1/documents/${documentId}/ack`, O);
    await ok(200, 'GET', `/v1/documents/${documentId}/devices?limit=2`, O);
    await ok(422, 'POST', `/v1/documents/${rejected.body.documentId as string}/replay`, KEY_B);

    // Orders, devices, exports.
    await ok(200, 'GET', '/v1/orders?status=open', A);
    const detail = await ok(200, 'GET', `/v1/orders/${RESELLER_A}/ORD-CONF-1`, KEY_A);
    expect(detail.body.devices.items).to.have.length(3);
    await ok(200, 'GET', '/v1/devices?serialPrefix=CONFSN', A);
    await ok(200, 'GET', '/v1/devices/CONFSN000001', A);
    await ok(200, 'POST', '/v1/devices/assignments', A, { server: 'MDM-CONF', serials: ['CONFSN000001', 'CONFSN000002'] });
    await ok(422, 'POST', '/v1/devices/assignments', A, { server: 'MDM-CONF', serials: ['NOSUCHSERIAL1'] });
    await ok(200, 'GET', '/v1/default-servers', A);
    await ok(200, 'PUT', '/v1/default-servers/Mac', A, { server: 'MDM-MAC' });
    await ok(200, 'POST', '/v1/devices/CONFSN000003/release', A, { reason: 'sold to staff' });
    const csv = await ok(200, 'GET', `/v1/exports/devices?order=${RESELLER_A}:ORD-CONF-1`, KEY_A);
    expect(csv.text.split('\n')[0]).to.match(/^serial,/);
    await ok(200, 'GET', '/v1/exports/devices?available=true', A);

    // Volume credit: codes, redemption, spending, purchases, reversal, re-issue, report.
    await ok(200, 'GET', '/v1/credit/accounts', A);
    const codes = await ok(200, 'GET', '/v1/credit/codes', A);
    const [first, second] = codes.body.codes as { codeId: string; code: string }[];
    await ok(200, 'GET', '/v1/credit/codes?format=csv', A);
    await ok(422, 'GET', '/v1/credit/codes?format=xlsx', A);
    await ok(201, 'POST', '/v1/credit/redemptions', A, { code: first!.code, location: 'HQ', currency: 'JPY' }, { 'idempotency-key': 'conf-redeem-1' });
    await ok(200, 'POST', '/v1/credit/redemptions', A, { code: first!.code, location: 'HQ', currency: 'JPY' }, { 'idempotency-key': 'conf-redeem-1' });
    const spend = await ok(201, 'POST', '/v1/credit/spends', A, { location: 'HQ', currency: 'JPY', date: '2026-11-03', itemId: 'app-1', quantity: '1', unitPrice: '300' }, { 'idempotency-key': 'conf-spend-1' });
    await ok(201, 'POST', `/v1/credit/spends/${spend.body.entryId as string}/reversal`, A, undefined, { 'idempotency-key': 'conf-reverse-1' });
    await ok(201, 'POST', '/v1/credit/purchases?location=HQ', A, 'date,item_id,quantity,unit_price,currency,purchase_id\n2026-11-03,361309726,1,120,JPY,VPP-CONF-1\n', {
      'content-type': 'text/csv',
    });
    await ok(201, 'POST', `/v1/credit/codes/${second!.codeId}/reissue`, A);
    const today = new Date().toISOString().slice(0, 10);
    await ok(200, 'GET', `/v1/reports/credit?from=2026-01-01&to=${today}`, keys.finance!);
    await ok(200, 'GET', `/v1/reports/credit?from=2026-01-01&to=${today}&format=csv`, A);
    const dutch = await ok(200, 'GET', `/v1/reports/credit?from=2026-01-01&to=${today}&format=csv&delimiter=;&decimal=,`, A);
    expect(dutch.text.split('\r\n')[0]).to.match(/^level;currency;org_id;/);
    await ok(400, 'GET', `/v1/reports/credit?from=2026-01-01&to=${today}&format=csv&delimiter=,&decimal=,`, A);
    const workbook = await ok(200, 'GET', `/v1/reports/credit?from=2026-01-01&to=${today}&format=xlsx`, keys.finance!);
    expect(workbook.headers.get('content-type')).to.match(/spreadsheetml/);
    const entries = await ok(200, 'GET', `/v1/reports/credit?from=2026-01-01&to=${today}&format=csv&section=entries`, keys.finance!);
    expect(entries.text.split('\r\n')[0]).to.match(/^entry_id,at,kind,currency,amount,/);
    expect(entries.text.split('\r\n').length).to.be.greaterThan(3);
    const entryBook = await ok(200, 'GET', `/v1/reports/credit?from=2026-01-01&to=${today}&format=xlsx&section=entries`, keys.finance!);
    expect(entryBook.headers.get('content-type')).to.match(/spreadsheetml/);
    expect(entryBook.headers.get('content-disposition')).to.match(/credit-entries-2026-01-01-.*\.xlsx/);
    await ok(400, 'GET', `/v1/reports/credit?from=2026-01-01&to=${today}&format=json&section=entries`, keys.finance!);

    // The operator.
    await ok(200, 'GET', '/v1/organisations', O);
    await ok(201, 'POST', '/v1/organisations', O, { orgId: 'CONF-ORG', name: 'Conformance School', country: 'GB' });
    await ok(200, 'GET', '/v1/organisations/CONF-ORG', O);
    await ok(201, 'POST', '/v1/organisations/CONF-ORG/customer-numbers', O, { number: '99887766' });
    await ok(200, 'GET', '/v1/suppliers', O);
    await ok(201, 'POST', '/v1/suppliers', O, { supplierId: 'CONF0001', kind: 'reseller', name: 'Conformance Reseller' });
    await ok(200, 'PUT', '/v1/organisations/CONF-ORG/suppliers/CONF0001', O);
    await ok(204, 'DELETE', '/v1/organisations/CONF-ORG/suppliers/CONF0001', O);
    await ok(200, 'GET', '/v1/audit?limit=5', O);
    const madeKey = await ok(201, 'POST', '/v1/keys', O, { role: 'finance', scopeOrgIds: ['19827'], label: 'conformance' });
    await ok(200, 'GET', '/v1/keys?role=finance', O);
    await ok(204, 'DELETE', `/v1/keys/${madeKey.body.keyId as string}`, O);
    // Mappings: the set in use, a reload of the same folders, a file tried through a mapping.
    const mappingSet = await ok(200, 'GET', '/v1/mappings', O);
    const reloaded = await ok(200, 'POST', '/v1/mappings/reload', O);
    expect(reloaded.body).to.deep.include({ version: mappingSet.body.version, added: [], changed: [], removed: [] });
    const sampleCsv = readFileSync('samples/documents/brightline-ship-notice.csv', 'utf8');
    const tried = await ok(200, 'POST', '/v1/mappings/test?partner=16FCE4A0', O, sampleCsv, { 'content-type': 'text/csv' });
    expect(tried.body).to.include({ applied: false, readable: true });

    // An organisation admin's client of Apple's business API.
    const client = await businessClient();
    const account = await ok(201, 'POST', '/v1/business-api-accounts', A, { publicKey: client.publicKeyPem, label: 'conformance' });
    client.register(account.body.clientId as string, account.body.keyId as string);
    await ok(200, 'GET', '/v1/business-api-accounts', A);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    await ok(200, 'POST', '/auth/oauth2/v2/token', null, await client.tokenForm(), form);
    const token = (await ok(200, 'POST', '/auth/oauth2/token', null, await client.tokenForm(), form)).body.access_token as string;
    keys.api_client = token;
    await ok(400, 'POST', '/auth/oauth2/token', null, 'grant_type=client_credentials', form);
    await ok(200, 'GET', '/v1/orgDevices?limit=2', token);
    await ok(200, 'GET', '/v1/orgDevices/CONFSN000001?fields[orgDevices]=serialNumber,status', token);
    await ok(404, 'GET', '/v1/orgDevices/NOSUCHSERIAL1', token);
    await ok(200, 'GET', '/v1/orgDevices/CONFSN000001/relationships/assignedServer', token);
    await ok(200, 'GET', '/v1/orgDevices/CONFSN000001/assignedServer', token);
    const servers = await ok(200, 'GET', '/v1/mdmServers', token);
    await ok(200, 'GET', `/v1/mdmServers/${(servers.body.data as { id: string }[])[0]!.id}/relationships/devices`, token);
    await ok(400, 'GET', '/v1/mdmServers?fields[mdmServers]=nope', token);
    const serverId = (servers.body.data as { id: string }[])[0]!.id;
    const activity = await ok(201, 'POST', '/v1/orgDeviceActivities', token, {
      data: {
        type: 'orgDeviceActivities',
        attributes: { activityType: 'ASSIGN_DEVICES' },
        relationships: { mdmServer: { data: { type: 'mdmServers', id: serverId } }, devices: { data: [{ type: 'orgDevices', id: 'CONFSN000002' }] } },
      },
    });
    const activityPath = `/v1/orgDeviceActivities/${activity.body.data.id as string}`;
    let polled = await ok(200, 'GET', activityPath, token);
    for (let i = 0; i < 50 && polled.body.data.attributes.status === 'IN_PROGRESS'; i++) polled = await ok(200, 'GET', activityPath, token);
    expect(polled.body.data.attributes.status).to.equal('COMPLETED');
    await ok(200, 'GET', `${activityPath}/results`, token);
    await ok(409, 'POST', '/v1/orgDeviceActivities', token, {
      data: { type: 'orgDeviceActivities', attributes: { activityType: 'RELEASE_DEVICES' }, relationships: { devices: { data: [{ type: 'orgDevices', id: 'NOSUCHSERIAL1' }] } } },
    });

    // The console's session: signed in with a key, then the cookie alone.
    const signedIn = await ok(200, 'POST', '/v1/session', null, { key: keys.finance });
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    await ok(200, 'GET', '/v1/session', null, undefined, { cookie });
    await ok(204, 'DELETE', '/v1/session', null, undefined, { cookie, 'x-csrf-token': signedIn.body.csrfToken as string });

    // Refusals answer the declared error schema too.
    await ok(400, 'GET', '/v1/orders?limit=0', A);
    await ok(404, 'GET', `/v1/orders/${RESELLER_B}/NO-SUCH-ORDER`, A);
    await ok(401, 'GET', '/v1/orders', 'gwk_not_a_key');
    // Last: the business API account's token stops with it.
    const extra = await businessClient();
    const revokedAccount = await ok(201, 'POST', '/v1/business-api-accounts', A, { publicKey: extra.publicKeyPem });
    await ok(200, 'DELETE', `/v1/business-api-accounts/${revokedAccount.body.clientId as string}`, A);

    expect(problems, problems.join('\n')).to.deep.equal([]);
    const missed = checker.operationIds.filter((id) => !checker.exercised.has(id));
    expect(missed, 'operations in /openapi.json that the walk did not exercise').to.deep.equal([]);
  });

  it('every authenticated operation: 401 without a key, 403 with the error schema for each role it does not list', async function () {
    const paths = checker.doc.paths as Record<string, Record<string, { operationId: string; 'x-roles'?: string[] }>>;
    let checked = 0;
    for (const [template, methods] of Object.entries(paths)) {
      // The reseller API answers in its protocol's own envelope and knows resellers only.
      if (template.startsWith('/enroll-service/')) continue;
      // Path values that fit their schemas, so that only the role is wrong.
      const path = template.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => (name === 'family' ? 'Mac' : 'X1'));
      for (const [method, op] of Object.entries(methods)) {
        const roles = op['x-roles'];
        if (!roles) continue;
        const m = method.toUpperCase() as Method;
        // The gateway's error schema, or the business API's (its gateway code in meta).
        const code = (a: ApiAnswer): string | undefined => a.body.error?.code ?? a.body.errors?.[0]?.meta?.gatewayCode;
        const none = await call(m, path, null);
        expect(none.status, `${op.operationId} without a key`).to.equal(401);
        expect(code(none)).to.equal('GW-AUTH-401');
        for (const role of Object.keys(keys)) {
          if (roles.includes(role)) continue;
          const a = await call(m, path, keys[role]!);
          expect(a.status, `${op.operationId} as ${role}`).to.equal(403);
          expect(code(a)).to.equal('GW-AUTH-403');
          expect(a.body.error?.message ?? a.body.errors?.[0]?.detail).to.be.a('string').and.not.equal('');
          checked++;
        }
      }
    }
    expect(checked).to.be.greaterThan(60);
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
