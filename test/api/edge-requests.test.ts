// Requests at the edges of the query API, each once a defect: control characters, cursors
// out of the database's integer range, the last representable day, a path that is not
// valid percent-encoding, a client that hangs up after a write, HEAD on an export, what a
// reseller sees of an organisation's servers, and reseller-API reads in the audit log.
// Over real HTTP on SQLite, or PostgreSQL when DATABASE_URL is set (where NUL and int4
// overflow used to answer 500).
import http from 'node:http';
import { expect } from 'chai';
import type { Express } from 'express';
import { encodeCursor } from '../../src/channels/http/api/cursor.js';
import { createApp } from '../../src/channels/http/app.js';
import { startServer, type RunningServer } from '../../src/channels/http/server.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log/logger.js';
import { databaseKind, sampleDatabase, type TestDb } from '../support/db.js';
import { KEY_A, RESELLER_A, SHIP_TO_A, bulk, call, order } from '../support/http.js';
import { api, makeKey } from '../support/api.js';
import { testCreditSettings } from '../support/credit.js';
import { inlineIntake, type Intake } from '../../src/intake/service.js';
import { loadMappings } from '../../src/mapping/mapping.js';

describe(`query API edge requests (${databaseKind()})`, function () {
  this.timeout(30000);
  let t: TestDb;
  let app: Express;
  let gw: RunningServer;
  let admin: string;
  let operator: string;
  /** Resolved each time intake is handed a file: its bytes have all arrived. */
  let handedOver: () => void = () => undefined;

  before(async function () {
    t = await sampleDatabase();
    const config: GatewayConfig = { ...DEFAULT_CONFIG, port: 0, requestLog: false };
    const credit = testCreditSettings();
    const inline = inlineIntake({ db: t.db, mappings: loadMappings(), limits: config.intake, credit, transactions: config.limits });
    const intake: Intake = { ...inline, receive: (req) => (handedOver(), inline.receive(req)) };
    app = createApp(t.db, config, silentLogger, credit, intake);
    gw = await startServer(app, config);
    admin = (await makeKey(t.db, 'org_admin', { orgId: '19827' })).key;
    operator = (await makeKey(t.db, 'operator')).key;
    const sent = await call(gw.url, 'bulk-enroll-devices', bulk('TX-EDGE-1', [order('ORD-EDGE-1', 'OR', '19827', ['EDGESN000001', 'EDGESN000002'])]));
    expect(sent.status).to.equal(200);
    expect((await api(gw.url, 'POST', '/v1/devices/assignments', admin, { server: 'Northwind Jamf', serials: ['EDGESN000001'] })).status).to.equal(200);
  });

  after(async () => {
    await gw?.close();
    await t?.close();
  });

  it('a NUL or control character in a path, query or body is 400 GW-API-4001 naming where, and nothing is stored', async function () {
    const inQuery = await api(gw.url, 'GET', '/v1/orders?orderNumber=A%00B', admin);
    expect(inQuery.status).to.equal(400);
    expect(inQuery.body.error).to.include({ code: 'GW-API-4001' });
    expect(inQuery.body.error.details[0]).to.include({ in: 'query', path: 'orderNumber' });
    const inPath = await api(gw.url, 'GET', `/v1/orders/${RESELLER_A}/A%01B`, admin);
    expect(inPath.status).to.equal(400);
    expect(inPath.body.error.details[0]).to.include({ in: 'path', path: 'orderNumber' });
    const inBody = await api(gw.url, 'PUT', '/v1/default-servers/Mac', admin, { server: 'srv\u0000x' });
    expect(inBody.status).to.equal(400);
    expect(inBody.body.error.details[0]).to.include({ in: 'body', path: 'server' });
    const stored = (await t.db('org_default_servers').where({ family: 'Mac' }).select('server')) as { server: string }[];
    expect(stored.map((s) => s.server)).to.not.include('srv\u0000x');
    // Free text may hold a newline: only NUL is refused in bodies.
    const multiline = await api(gw.url, 'POST', '/v1/devices/EDGESN000002/release', admin, { reason: 'sold\nto staff' });
    expect(multiline.status, multiline.text).to.equal(200);
  });

  it("a cursor naming a key beyond the database's integer range is refused as invalid (GW-API-4002), not a 500", async function () {
    for (const path of ['/v1/orders', '/v1/organisations', '/v1/documents']) {
      const cursor = encodeCursor(path.slice(4), {}, [2 ** 31]);
      const a = await api(gw.url, 'GET', `${path}?cursor=${cursor}`, operator);
      expect(a.status, `${path}: ${a.text}`).to.equal(400);
      expect(a.body.error.code).to.equal('GW-API-4002');
    }
  });

  it('to=9999-12-31 includes everything up to the end of time', async function () {
    const orders = await api(gw.url, 'GET', '/v1/orders?to=9999-12-31', admin);
    expect(orders.status).to.equal(200);
    expect(orders.body.items.map((o: { orderNumber: string }) => o.orderNumber)).to.include('ORD-EDGE-1');
    const transactions = await api(gw.url, 'GET', '/v1/transactions?to=9999-12-31', KEY_A);
    expect(transactions.body.items.map((x: { transactionId: string }) => x.transactionId)).to.include('TX-EDGE-1');
  });

  it('a /v1 path that is not valid percent-encoding answers the one error schema', async function () {
    const a = await api(gw.url, 'GET', '/v1/devices/%ZZ', admin);
    expect(a.status).to.equal(400);
    expect(a.body.error.code).to.equal('GW-API-4001');
    expect(a.body.error.message).to.match(/percent-encoding/);
    expect(a.body.error.requestId).to.equal(a.headers.get('x-request-id'));
  });

  it('an upload whose client hangs up while it is being applied: the document commits, and the HTTP audit entry is there, marked aborted', async function () {
    const httpPosts = async () =>
      ((await t.db('audit_log').where({ action: 'http.post', actor: `reseller:${RESELLER_A}` }).select('detail_json')) as { detail_json: string }[])
        .map((r) => JSON.parse(r.detail_json) as { route: string; aborted?: boolean })
        .filter((d) => d.route === '/v1/documents');
    const before = (await httpPosts()).length;
    // 3,000 devices: the gateway applies them for a while after the last byte arrives, and
    // the client is gone by the time it answers.
    const rows = Array.from({ length: 3000 }, (_, i) => `ORD-EDGE-UP,OR,2026-11-02,19827,PO-UP,D-UP,2026-11-03,EDGEUP${String(i).padStart(6, '0')},,MW6F3LL/A`);
    const body = `order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number\n${rows.join('\n')}\n`;
    const url = new URL(`${gw.url}/v1/documents`);
    const received = new Promise<void>((resolve) => (handedOver = resolve));
    await new Promise<void>((resolve) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'text/csv', 'x-file-name': 'edge-upload.csv', 'content-length': Buffer.byteLength(body) },
        },
        () => undefined,
      );
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      // The client leaves once the whole file is in and being applied.
      req.end(body, () => void received.then(() => req.destroy()));
    });
    // The document applies whole even though nobody waits for the answer ...
    let applied = false;
    for (let i = 0; i < 500 && !applied; i++) {
      applied = ((await t.db('documents').where({ file_name: 'edge-upload.csv', status: 'applied' }).first()) as unknown) !== undefined;
      if (!applied) await new Promise((r) => setTimeout(r, 20));
    }
    expect(applied, 'the upload was applied').to.equal(true);
    // ... and the request is on the audit log; it was recorded when the client left.
    await (app.locals.flushAudits as () => Promise<void>)();
    const entries = (await httpPosts()).slice(before);
    expect(entries).to.have.length(1);
    expect(entries[0]!.aborted).to.equal(true);
  });

  it("HEAD on an export answers the export's headers and no rows", async function () {
    const res = await fetch(`${gw.url}/v1/exports/devices?available=true`, { method: 'HEAD', headers: { authorization: `Bearer ${admin}` } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/csv/);
    expect(await res.text()).to.equal('');
  });

  it("a reseller does not see the organisation's device-management servers; the organisation does", async function () {
    const asReseller = await api(gw.url, 'GET', `/v1/orders/${RESELLER_A}/ORD-EDGE-1`, KEY_A);
    expect(asReseller.body.devices.items.map((d: { server: string | null }) => d.server)).to.deep.equal([null, null]);
    const asAdmin = await api(gw.url, 'GET', `/v1/orders/${RESELLER_A}/ORD-EDGE-1`, admin);
    expect(asAdmin.body.devices.items.find((d: { serial: string }) => d.serial === 'EDGESN000001').server).to.equal('Northwind Jamf');
    const csv = await api(gw.url, 'GET', `/v1/exports/devices?order=${RESELLER_A}:ORD-EDGE-1`, KEY_A);
    expect(csv.text).to.not.include('Northwind Jamf');
    const adminCsv = await api(gw.url, 'GET', `/v1/exports/devices?order=${RESELLER_A}:ORD-EDGE-1`, admin);
    expect(adminCsv.text).to.include('Northwind Jamf');
  });

  it("the reseller API's reads (status checks, order details) are not audited as writes; its enrollments are", async function () {
    await (app.locals.flushAudits as () => Promise<void>)();
    const count = async (route: string) =>
      ((await t.db('audit_log').where({ action: 'http.post' }).select('detail_json')) as { detail_json: string }[]).filter((r) => (JSON.parse(r.detail_json) as { route: string }).route === route).length;
    const status = await call(gw.url, 'check-transaction-status', {
      requestContext: { shipTo: SHIP_TO_A, timeZone: '420', langCode: 'en' },
      depResellerId: RESELLER_A,
      deviceEnrollmentTransactionId: 'nope',
    });
    expect(status.status).to.be.oneOf([200, 400]);
    await (app.locals.flushAudits as () => Promise<void>)();
    expect(await count('/enroll-service/1.0/check-transaction-status')).to.equal(0);
    expect(await count('/enroll-service/1.0/bulk-enroll-devices')).to.be.greaterThan(0);
  });
});
