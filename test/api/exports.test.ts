// GET /v1/exports/devices over real HTTP against a real database (SQLite, or PostgreSQL with
// DATABASE_URL), loaded with samples/ and orders sent through the reseller API:
// - each role exports exactly its own data: an organisation admin of 19827 gets 19827's
//   devices only, and another organisation's order answers 404 exactly like a missing one;
//   a reseller exports only its own orders and never an organisation's device list; an
//   operator names the organisation;
// - the CSV: headers, header row, rows as their orders show them (returned, pending and
//   why), a formula-like asset tag defused;
// - refusals before the first byte (JSON), the row limit (422), the log line, and a failure
//   after the first byte (the transfer is cut, not finished), with a route mounted on small
//   limits.
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { ApiRouter } from '../../src/channels/http/api/route.js';
import { exportsRoutes } from '../../src/channels/http/routes/exports.js';
import { startServer, type RunningServer } from '../../src/channels/http/server.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import type { Logger } from '../../src/log/logger.js';
import { DEVICE_EXPORT_COLUMNS, pendingReason } from '../../src/reports/device-export.js';
import { api, makeKey, type ApiAnswer } from '../support/api.js';
import { databaseKind } from '../support/db.js';
import { testCreditSettings } from '../support/credit.js';
import { OpenApiChecker } from '../support/openapi-check.js';
import { KEY_A, KEY_B, RESELLER_A, RESELLER_B, SHIP_TO_B, bulk, call, order, useSampleGateway } from '../support/http.js';
import { inlineIntake } from '../../src/intake/service.js';

const HEADER = DEVICE_EXPORT_COLUMNS.join(',');
const FORMULA_TAG = '=HYPERLINK("http://evil.example","open")';
const S = (n: number) => `EXPSN${String(n).padStart(6, '0')}`;

function expectCodedError(r: ApiAnswer, status: number, code: string): void {
  expect(r.status, r.text).to.equal(status);
  expect(r.headers.get('content-type')).to.match(/^application\/json/);
  expect(r.body.error.code, r.text).to.equal(code);
  expect(r.body.error.message).to.be.a('string').that.is.not.empty;
  expect(r.body.error.requestId).to.equal(r.headers.get('x-request-id'));
}

/** The rows of a CSV answer after checking that it is one. */
function csvRows(r: ApiAnswer): Record<string, string>[] {
  expect(r.status, r.text).to.equal(200);
  expect(r.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
  expect(r.headers.get('cache-control')).to.equal('no-store');
  expect(r.headers.get('content-disposition')).to.match(/^attachment; filename="devices-[A-Za-z0-9_-]+-\d{4}-\d{2}-\d{2}\.csv"$/);
  expect(r.text.split('\r\n')[0]).to.equal(HEADER);
  return parse(r.text, { columns: true }) as Record<string, string>[];
}

async function enroll(url: string, body: unknown, key: string): Promise<void> {
  const r = await call(url, 'bulk-enroll-devices', body, { key });
  expect(r.status, r.text).to.equal(200);
  expect((r.body.enrollDevicesResponse as { statusCode: string }).statusCode, r.text).to.equal('SUCCESS');
}

describe(`exports API: who exports what (${databaseKind()})`, function () {
  this.timeout(30000);
  const g = useSampleGateway();
  const keys = {} as Record<'operator' | 'admin19827' | 'admin55120' | 'finance', string>;
  let checker: OpenApiChecker;
  /** A request, and its answer checked against /openapi.json (unless the request is meant to be invalid). */
  async function get(path: string, key: string | null, opts: { invalid?: boolean } = {}): Promise<ApiAnswer> {
    const url = `/v1/exports/devices${path}`;
    const answer = await api(g.url, 'GET', url, key);
    if (!opts.invalid) expect(checker.problems({ method: 'GET', url, answer })).to.deep.equal([]);
    return answer;
  }

  before(async () => {
    // 19827 has added 16FCE4A0: enrolled. 55120 has not: pending. 30411: 2B7D9C10's order.
    await enroll(g.url, bulk('TX-EXP-1', [order('EXP-US-1', 'OR', '19827', [{ deviceId: S(1), assetTag: FORMULA_TAG }, { deviceId: S(2), assetTag: 'Desk 4, room 2' }, S(3)])]), KEY_A);
    await enroll(g.url, bulk('TX-EXP-2', [order('EXP-DE-1', 'OR', '55120', [S(4), S(5)])]), KEY_A);
    await enroll(g.url, bulk('TX-EXP-3', [order('EXP-JP-B', 'OR', '30411', [S(6)])], RESELLER_B, SHIP_TO_B), KEY_B);
    // S(3) goes back: its sale line becomes "returned".
    await enroll(
      g.url,
      bulk('TX-EXP-4', [order('EXP-US-1-R', 'RE', '19827', null, { orderDate: '2026-02-01T10:00:00Z', deliveries: [{ deliveryNumber: 'R1', shipDate: '2026-02-02T10:00:00Z', devices: [{ deviceId: S(3) }] }] })]),
      KEY_A,
    );
    keys.operator = (await makeKey(g.t.db, 'operator')).key;
    keys.admin19827 = (await makeKey(g.t.db, 'org_admin', { orgId: '19827' })).key;
    keys.admin55120 = (await makeKey(g.t.db, 'org_admin', { orgId: '55120' })).key;
    keys.finance = (await makeKey(g.t.db, 'finance')).key;
    checker = new OpenApiChecker((await api(g.url, 'GET', '/openapi.json', null)).body);
  });

  it('is in /openapi.json: a CSV answer, the three roles, its parameters', async () => {
    const doc = (await api(g.url, 'GET', '/openapi.json', null)).body;
    const op = doc.paths['/v1/exports/devices'].get;
    expect(op.operationId).to.equal('exportDevices');
    expect(Object.keys(op.responses['200'].content)).to.deep.equal(['text/csv; charset=utf-8']);
    expect(op.parameters.map((p: { name: string }) => p.name)).to.include.members(['order', 'available', 'org']);
  });

  it("an organisation admin's available devices: its own only, every column, the formula-like tag defused", async () => {
    const r = await get('?available=true', keys.admin19827);
    const rows = csvRows(r);
    // Sample data may hold other devices of 19827; ours are there, and nobody else's is.
    expect(rows.every((x) => x.organisation === '19827')).to.equal(true);
    expect(rows.every((x) => x.state === 'enrolled' || x.state === 'pending')).to.equal(true);
    const serials = rows.map((x) => x.serial);
    expect(serials).to.include.members([S(1), S(2)]);
    expect(serials).to.not.include.members([S(3), S(4), S(5), S(6)]);
    expect(serials).to.deep.equal([...serials].sort());
    expect(r.headers.get('content-disposition')).to.match(/filename="devices-available-19827-/);
    const one = rows.find((x) => x.serial === S(1))!;
    expect(one).to.deep.include({
      state: 'enrolled',
      pending_reason: '',
      asset_tag: `'${FORMULA_TAG}`,
      organisation: '19827',
      supplier: RESELLER_A,
      order_number: 'EXP-US-1',
      po_number: 'PO-1',
      order_date: '2026-01-10T10:00:00Z',
      delivery_number: 'D1',
      ship_date: '2026-01-11T10:00:00Z',
    });
    // On the wire: a leading quote mark, then RFC 4180 quoting of the quotes.
    expect(r.text).to.include(`,"'=HYPERLINK(""http://evil.example"",""open"")",`);
    expect(rows.find((x) => x.serial === S(2))!.asset_tag).to.equal('Desk 4, room 2');
    // Naming its own organisation is the same question.
    expect((await get('?available=true&org=19827', keys.admin19827)).text).to.equal(r.text);
  });

  it("an organisation admin cannot export another organisation's devices: 404 exactly like a missing order or organisation", async () => {
    const other = await get(`?order=${RESELLER_A}:EXP-DE-1`, keys.admin19827);
    const missing = await get(`?order=${RESELLER_A}:EXP-NOPE`, keys.admin19827);
    expectCodedError(other, 404, 'GW-EXP-4041');
    expectCodedError(missing, 404, 'GW-EXP-4041');
    expect(other.body.error.message.replace('EXP-DE-1', 'X')).to.equal(missing.body.error.message.replace('EXP-NOPE', 'X'));
    // One order out of scope refuses the whole export, before any byte.
    expectCodedError(await get(`?order=${RESELLER_A}:EXP-US-1&order=${RESELLER_A}:EXP-DE-1`, keys.admin19827), 404, 'GW-EXP-4041');

    const otherOrg = await get('?available=true&org=55120', keys.admin19827);
    const noOrg = await get('?available=true&org=NOSUCHORG', keys.admin19827);
    expectCodedError(otherOrg, 404, 'GW-EXP-4042');
    expectCodedError(noOrg, 404, 'GW-EXP-4042');
    expect(otherOrg.body.error.message.replace('55120', 'X')).to.equal(noOrg.body.error.message.replace('NOSUCHORG', 'X'));
  });

  it("an order as the order shows it: a returned device is history, the organisation admin's own order", async () => {
    const rows = csvRows(await get(`?order=${RESELLER_A}:EXP-US-1`, keys.admin19827));
    expect(rows.map((x) => [x.serial, x.state])).to.deep.equal([
      [S(1), 'enrolled'],
      [S(2), 'enrolled'],
      [S(3), 'returned'],
    ]);
    const ret = csvRows(await get(`?order=${RESELLER_A}:EXP-US-1-R`, keys.admin19827));
    expect(ret.map((x) => [x.serial, x.state, x.order_number, x.delivery_number])).to.deep.equal([[S(3), 'returned', 'EXP-US-1-R', 'R1']]);
  });

  it('pending devices say why; an organisation admin of 55120 sees them as available', async () => {
    const rows = csvRows(await get('?available=true', keys.admin55120));
    const ours = rows.filter((x) => x.serial === S(4) || x.serial === S(5));
    expect(ours).to.have.lengthOf(2);
    for (const x of ours) {
      expect(x.state).to.equal('pending');
      expect(x.pending_reason).to.equal(pendingReason('55120', RESELLER_A));
      expect(x.pending_reason).to.match(/^GW-OR-4120: organisation 55120 has not added reseller 16FCE4A0$/);
    }
    expect(rows.every((x) => x.organisation === '55120')).to.equal(true);
  });

  it('a reseller exports its own orders, several at once, in the order asked; never another reseller\'s', async () => {
    const r = await get(`?order=${RESELLER_A}:EXP-DE-1&order=${RESELLER_A}:EXP-US-1`, KEY_A);
    const rows = csvRows(r);
    expect(rows.map((x) => `${x.order_number}/${x.serial}/${x.state}`)).to.deep.equal([
      `EXP-DE-1/${S(4)}/pending`,
      `EXP-DE-1/${S(5)}/pending`,
      `EXP-US-1/${S(1)}/enrolled`,
      `EXP-US-1/${S(2)}/enrolled`,
      `EXP-US-1/${S(3)}/returned`,
    ]);
    expect(r.headers.get('content-disposition')).to.match(/filename="devices-order-2-orders-/);

    const own = csvRows(await get(`?order=${RESELLER_B}:EXP-JP-B`, KEY_B));
    expect(own.map((x) => x.serial)).to.deep.equal([S(6)]);
    // B asking for A's order, under A's name or its own: not found, like a missing one.
    expectCodedError(await get(`?order=${RESELLER_A}:EXP-US-1`, KEY_B), 404, 'GW-EXP-4041');
    expectCodedError(await get(`?order=${RESELLER_B}:EXP-US-1`, KEY_B), 404, 'GW-EXP-4041');
    expectCodedError(await get(`?order=${RESELLER_B}:EXP-JP-B`, KEY_A), 404, 'GW-EXP-4041');
  });

  it('a reseller has no organisation device list: 403', async () => {
    expectCodedError(await get('?available=true', KEY_A), 403, 'GW-AUTH-403');
    expectCodedError(await get('?available=true&org=19827', KEY_A), 403, 'GW-AUTH-403');
  });

  it('an operator names the organisation for available devices, and may export any order', async () => {
    const r = await get('?available=true', keys.operator);
    expectCodedError(r, 400, 'GW-API-4001');
    expect(r.body.error.details).to.deep.equal([{ in: 'query', path: 'org', message: 'is required with available=true for an operator key' }]);
    const rows = csvRows(await get('?available=true&org=55120', keys.operator));
    expect(rows.map((x) => x.serial)).to.include.members([S(4), S(5)]);
    expect(rows.every((x) => x.organisation === '55120')).to.equal(true);
    expectCodedError(await get('?available=true&org=NOSUCHORG', keys.operator), 404, 'GW-EXP-4042');
    expect(csvRows(await get(`?order=${RESELLER_B}:EXP-JP-B`, keys.operator)).map((x) => x.serial)).to.deep.equal([S(6)]);
  });

  it('exactly one of order and available; parameters checked before any byte', async () => {
    const neither = await get('', keys.operator);
    expectCodedError(neither, 400, 'GW-API-4001');
    expect(neither.body.error.details[0].path).to.equal('order');
    const both = await get(`?available=true&org=19827&order=${RESELLER_A}:EXP-US-1`, keys.operator);
    expectCodedError(both, 400, 'GW-API-4001');
    expect(both.body.error.details[0].path).to.equal('available');
    expectCodedError(await get('?available=false&org=19827', keys.operator, { invalid: true }), 400, 'GW-API-4001');
    expectCodedError(await get(`?order=${RESELLER_A}:EXP-US-1&org=19827`, keys.operator), 400, 'GW-API-4001');
    const bad = await get('?order=EXP-US-1', keys.operator, { invalid: true });
    expectCodedError(bad, 400, 'GW-API-4001');
    expect(bad.body.error.details[0].path).to.match(/^order/);
    const tooMany = Array.from({ length: 101 }, (_, i) => `order=${RESELLER_A}:O${i}`).join('&');
    expectCodedError(await get(`?${tooMany}`, keys.operator, { invalid: true }), 400, 'GW-API-4001');
  });

  it('other roles and strangers are refused', async () => {
    expectCodedError(await get('?available=true&org=19827', keys.finance), 403, 'GW-AUTH-403');
    expectCodedError(await get('?available=true&org=19827', null), 401, 'GW-AUTH-401');
  });
});

describe(`exports API: limits, logs and failures mid-stream (${databaseKind()})`, function () {
  this.timeout(30000);
  const g = useSampleGateway();
  const logged: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const logger: Logger = { log: (level, msg, fields = {}) => logged.push({ level, msg, fields }) };
  let small: RunningServer;
  let admin: string;

  before(async () => {
    await enroll(g.url, bulk('TX-LIM-1', [order('LIM-OK', 'OR', '19827', [S(11), S(12), S(13)])]), KEY_A);
    await enroll(g.url, bulk('TX-LIM-2', [order('LIM-BAD', 'OR', '19827', [S(21), S(22), S(23)])]), KEY_A);
    await enroll(g.url, bulk('TX-LIM-3', [order('LIM-BAD-FIRST', 'OR', '19827', [S(31)])]), KEY_A);
    await enroll(g.url, bulk('TX-LIM-4', [order('LIM-MORE', 'OR', '19827', [S(41), S(42)])]), KEY_A);
    // Corruption that only an export can meet: a live line whose device says otherwise.
    await g.t.db('devices').whereIn('serial', [S(23), S(31)]).update({ state: 'returned' });
    admin = (await makeKey(g.t.db, 'org_admin', { orgId: '19827' })).key;

    // The export route alone, on batches of 2 rows and a limit of 5 rows.
    const app = express();
    app.use((_req: Request, res: Response, next: NextFunction) => {
      res.locals.requestId = randomUUID();
      res.setHeader('X-Request-Id', res.locals.requestId as string);
      next();
    });
    const router = new ApiRouter(g.t.db, { tls: false, requireClientCertificate: false }, logger);
    const credit = testCreditSettings();
    const intake = inlineIntake({ db: g.t.db, mappings: new Map(), limits: DEFAULT_CONFIG.intake, credit, transactions: DEFAULT_CONFIG.limits });
    exportsRoutes(router, { db: g.t.db, config: DEFAULT_CONFIG, credit, mappings: new Map(), intake, logger }, { batchRows: 2, maxRows: 5 });
    app.use('/v1', router.router);
    small = await startServer(app, { host: '127.0.0.1', port: 0, tls: null });
  });
  after(async () => {
    await small?.close();
  });

  it('more rows than the limit: 422 before the first byte', async () => {
    // 19827's available devices: 3 + 2 (the corrupt two are not available) + 2 = 7 > 5.
    const r = await api(small.url, 'GET', '/v1/exports/devices?available=true', admin);
    expectCodedError(r, 422, 'GW-EXP-4220');
    expect(r.body.error.message).to.include('5 rows');
  });

  it('across batches of two, one log line at the end: rows, bytes, ms and the request id', async () => {
    logged.length = 0;
    const r = await api(small.url, 'GET', `/v1/exports/devices?order=${RESELLER_A}:LIM-OK`, admin);
    expect(csvRows(r).map((x) => x.serial)).to.deep.equal([S(11), S(12), S(13)]);
    const line = logged.find((l) => l.msg === 'device export');
    expect(line, JSON.stringify(logged)).to.not.equal(undefined);
    expect(line!.fields).to.deep.include({ requestId: r.headers.get('x-request-id'), kind: 'orders', rows: 3, bytes: Buffer.byteLength(r.text) });
    expect(line!.fields.ms).to.be.a('number');
  });

  it('a failure after the first byte cuts the transfer short (no terminating chunk) and is logged with the request id', async () => {
    logged.length = 0;
    const res = await fetch(`${small.url}/v1/exports/devices?order=${RESELLER_A}:LIM-BAD`, { headers: { authorization: `Bearer ${admin}` } });
    expect(res.status).to.equal(200);
    let error: unknown;
    try {
      await res.text();
    } catch (err) {
      error = err;
    }
    expect(error, 'the body should not end normally').to.be.instanceOf(Error);
    const line = logged.find((l) => l.msg === 'device export failed');
    expect(line, JSON.stringify(logged)).to.not.equal(undefined);
    expect(line!.level).to.equal('error');
    expect(line!.fields.requestId).to.equal(res.headers.get('x-request-id'));
    expect(String(line!.fields.error)).to.include(S(23));
    // The first batch (two rows, after the header) went out before the second failed.
    expect(line!.fields).to.deep.include({ kind: 'orders', rows: 2 });
  });

  it('a failure before the first byte is the JSON error answer (the gateway itself)', async () => {
    const r = await api(g.url, 'GET', `/v1/exports/devices?order=${RESELLER_A}:LIM-BAD-FIRST`, admin);
    expectCodedError(r, 500, 'GW-API-5000');
    expect(r.headers.get('content-disposition')).to.equal(null);
  });
});
