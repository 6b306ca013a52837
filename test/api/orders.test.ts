// The orders of the query API over real HTTP against a real database (SQLite, or
// PostgreSQL when DATABASE_URL is set), loaded with samples/. Orders are made through the
// reseller API, so the real enrollment path runs; then each role reads them.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { revokePrincipalKey } from '../../src/admin/operations.js';
import { api, makeKey, type ApiAnswer } from '../support/api.js';
import { TEST_ACTOR, databaseKind } from '../support/db.js';
import { KEY_A, KEY_B, RESELLER_A, RESELLER_B, SHIP_TO_A, SHIP_TO_B, bulk, call, context, order, useSampleGateway, type DeviceSpec } from '../support/http.js';

const PID = String(process.pid % 1000).padStart(3, '0');
/** A serial of this suite: upper-case letters and digits, 11 characters. */
const sn = (n: number): string => `OQ${PID}X${String(n).padStart(5, '0')}`;

/** An order dated `day`, its one delivery shipped the same day. */
function ord(orderNumber: string, type: string, customerId: string, devices: (string | DeviceSpec)[] | null, day: string, poNumber = 'PO-1') {
  return order(orderNumber, type, customerId, null, {
    orderDate: `${day}T10:00:00Z`,
    poNumber,
    ...(devices === null
      ? {}
      : { deliveries: [{ deliveryNumber: `D-${orderNumber}`, shipDate: `${day}T12:00:00Z`, devices: devices.map((d) => (typeof d === 'string' ? { deviceId: d } : d)) }] }),
  });
}

/** Posts a transaction as reseller A or B and answers its check-transaction-status body. */
async function enrol(url: string, who: 'A' | 'B', transactionId: string, orders: unknown[]): Promise<any> {
  const [reseller, shipTo, key] = who === 'A' ? [RESELLER_A, SHIP_TO_A, KEY_A] : [RESELLER_B, SHIP_TO_B, KEY_B];
  const posted = await call(url, 'bulk-enroll-devices', bulk(transactionId, orders, reseller, shipTo), { key });
  expect(posted.status, posted.text).to.equal(200);
  const status = await call(url, 'check-transaction-status', { ...context(reseller, shipTo), deviceEnrollmentTransactionId: posted.body.deviceEnrollmentTransactionId }, { key });
  expect(status.status, status.text).to.equal(200);
  return status.body;
}

/** Every item of a list, page by page with `limit`, checking each page's size. */
async function walk(url: string, path: string, key: string, limit: number, pick: (body: any) => { items: any[]; nextCursor: string | null } = (b) => b): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const a = await api(url, 'GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, key);
    expect(a.status, a.text).to.equal(200);
    const page = pick(a.body);
    expect(page.items.length).to.be.at.most(limit);
    if (page.nextCursor !== null) expect(page.items).to.have.lengthOf(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
    expect(pages, 'the walk ends').to.be.below(100);
  } while (cursor !== null);
  return { items, pages };
}

function expectError(a: ApiAnswer, status: number, code: string): void {
  expect(a.status, a.text).to.equal(status);
  expect(a.body.error.code, a.text).to.equal(code);
  expect(a.body.error.requestId).to.equal(a.headers.get('x-request-id'));
}

describe(`query API: orders (${databaseKind()})`, function () {
  this.timeout(30000);
  const g = useSampleGateway();
  const keys = {} as Record<'operator' | 'org19827' | 'org55120' | 'org30411' | 'finance' | 'metrics', string>;
  let orgKeyId19827 = '';
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  let openApi: any;

  /** The answer matches the 200 schema its route declares in /openapi.json. */
  function conforms(template: string, a: ApiAnswer): void {
    const schema = openApi.paths[`/v1${template}`].get.responses['200'].content['application/json'].schema;
    const validate = ajv.compile(schema);
    expect(validate(a.body), `${template}: ${JSON.stringify(validate.errors)}`).to.equal(true);
  }

  before(async function () {
    keys.operator = (await makeKey(g.t.db, 'operator')).key;
    const k = await makeKey(g.t.db, 'org_admin', { orgId: '19827' });
    keys.org19827 = k.key;
    orgKeyId19827 = k.keyId;
    keys.org55120 = (await makeKey(g.t.db, 'org_admin', { orgId: '55120' })).key;
    keys.org30411 = (await makeKey(g.t.db, 'org_admin', { orgId: '30411' })).key;
    keys.finance = (await makeKey(g.t.db, 'finance')).key;
    keys.metrics = (await makeKey(g.t.db, 'metrics')).key;
    openApi = (await api(g.url, 'GET', '/openapi.json', null)).body;

    // Reseller A: a sale to 19827 (has added A), a sale to 55120 (has not: pending), a
    // sale overridden to drop a device, a return, a sale then voided. Reseller B: a sale to 30411.
    const s = await enrol(g.url, 'A', 'TX-OQ-1', [ord('ORD-A-1', 'OR', '19827', [{ deviceId: sn(1), deviceFamily: 'iPad', assetTag: 'TAG-1' }, sn(2), sn(3)], '2026-01-10', 'PO-NW-1')]);
    expect(s.statusCode, JSON.stringify(s)).to.equal('COMPLETE');
    await enrol(g.url, 'A', 'TX-OQ-2', [ord('ORD-A-2', 'OR', '55120', [sn(4), sn(5)], '2026-02-01', 'PO-CH-1')]);
    await enrol(g.url, 'A', 'TX-OQ-3', [ord('ORD-A-3', 'OR', '19827', [sn(6), sn(7)], '2026-02-15')]);
    expect((await enrol(g.url, 'A', 'TX-OQ-3V', [ord('ORD-A-3', 'OV', '19827', [sn(6)], '2026-02-15')])).statusCode).to.equal('COMPLETE');
    expect((await enrol(g.url, 'A', 'TX-OQ-4', [ord('RET-A-1', 'RE', '19827', [sn(2)], '2026-03-01')])).statusCode).to.equal('COMPLETE');
    await enrol(g.url, 'A', 'TX-OQ-5', [ord('ORD-A-4', 'OR', '19827', [sn(8)], '2026-03-05')]);
    expect((await enrol(g.url, 'A', 'TX-OQ-5V', [ord('ORD-A-4', 'VD', '19827', null, '2026-03-05')])).statusCode).to.equal('COMPLETE');
    await enrol(g.url, 'B', 'TX-OQ-B1', [ord('ORD-B-1', 'OR', '30411', [sn(9), sn(10)], '2026-02-20', 'PO-FR-1')]);
    const released = await api(g.url, 'POST', `/v1/devices/${sn(3)}/release`, keys.org19827, { reason: 'sold' });
    expect(released.status, released.text).to.equal(200);
  });

  const ALL = ['ORD-B-1', 'ORD-A-4', 'RET-A-1', 'ORD-A-3', 'ORD-A-2', 'ORD-A-1'];
  const numbers = (a: ApiAnswer): string[] => a.body.items.map((o: any) => o.orderNumber);

  it('the operator sees every order, newest first, each with its counts and link', async () => {
    const a = await api(g.url, 'GET', '/v1/orders', keys.operator);
    expect(a.status, a.text).to.equal(200);
    conforms('/orders', a);
    expect(numbers(a)).to.deep.equal(ALL);
    expect(a.body.nextCursor).to.equal(null);
    const first = a.body.items.find((o: any) => o.orderNumber === 'ORD-A-1');
    expect(first).to.deep.equal({
      supplierId: RESELLER_A,
      orderNumber: 'ORD-A-1',
      orgId: '19827',
      kind: 'sale',
      lastType: 'OR',
      status: 'open',
      orderDate: '2026-01-10T10:00:00Z',
      poNumber: 'PO-NW-1',
      customerId: '19827',
      deviceCount: 3,
      deliveryCount: 1,
      links: { self: `/v1/orders/${RESELLER_A}/ORD-A-1` },
    });
    expect(a.body.items.find((o: any) => o.orderNumber === 'ORD-A-4')).to.include({ status: 'voided', lastType: 'VD' });
    expect(a.body.items.find((o: any) => o.orderNumber === 'RET-A-1')).to.include({ kind: 'return', lastType: 'RE', deviceCount: 1 });
  });

  it('filters by order number, PO number, supplier, organisation, date range, status and kind', async () => {
    const q = async (query: string) => numbers(await api(g.url, 'GET', `/v1/orders?${query}`, keys.operator));
    expect(await q('orderNumber=ORD-A-2')).to.deep.equal(['ORD-A-2']);
    expect(await q('poNumber=PO-CH-1')).to.deep.equal(['ORD-A-2']);
    expect(await q(`supplier=${RESELLER_B}`)).to.deep.equal(['ORD-B-1']);
    expect(await q('org=19827')).to.deep.equal(['ORD-A-4', 'RET-A-1', 'ORD-A-3', 'ORD-A-1']);
    // Both ends inclusive.
    expect(await q('from=2026-02-01&to=2026-02-20')).to.deep.equal(['ORD-B-1', 'ORD-A-3', 'ORD-A-2']);
    expect(await q('from=2026-03-01')).to.deep.equal(['ORD-A-4', 'RET-A-1']);
    expect(await q('to=2026-01-10')).to.deep.equal(['ORD-A-1']);
    expect(await q('status=voided')).to.deep.equal(['ORD-A-4']);
    expect(await q('kind=return')).to.deep.equal(['RET-A-1']);
    expect(await q('kind=sale&org=19827&status=open')).to.deep.equal(['ORD-A-3', 'ORD-A-1']);
    expect(await q('org=99999')).to.deep.equal([]);
  });

  it('a reseller sees only its own orders; another reseller\'s order is 404 exactly like a missing one', async () => {
    const mine = await api(g.url, 'GET', '/v1/orders', KEY_A);
    expect(mine.status, mine.text).to.equal(200);
    expect(numbers(mine)).to.deep.equal(ALL.filter((n) => n !== 'ORD-B-1'));
    // A filter cannot widen the scope.
    expect(numbers(await api(g.url, 'GET', `/v1/orders?supplier=${RESELLER_B}`, KEY_A))).to.deep.equal([]);
    expect(numbers(await api(g.url, 'GET', '/v1/orders', KEY_B))).to.deep.equal(['ORD-B-1']);

    const other = await api(g.url, 'GET', `/v1/orders/${RESELLER_B}/ORD-B-1`, KEY_A);
    const missing = await api(g.url, 'GET', `/v1/orders/${RESELLER_B}/ORD-B-404`, KEY_A);
    expectError(other, 404, 'GW-OR-4140');
    expectError(missing, 404, 'GW-OR-4140');
    expect(other.body.error.message).to.equal(`Order ${RESELLER_B}/ORD-B-1 was not found.`);
    expect(Object.keys(other.body.error)).to.deep.equal(Object.keys(missing.body.error));
    const own = await api(g.url, 'GET', `/v1/orders/${RESELLER_B}/ORD-B-1`, KEY_B);
    expect(own.status, own.text).to.equal(200);
    conforms('/orders/{supplierId}/{orderNumber}', own);
  });

  it("an organisation admin sees its organisation's orders only: naming another is 403, another's order 404", async () => {
    expect(numbers(await api(g.url, 'GET', '/v1/orders', keys.org19827))).to.deep.equal(['ORD-A-4', 'RET-A-1', 'ORD-A-3', 'ORD-A-1']);
    // Naming another organisation is refused, saying whose the key is: not an empty list that reads as "none".
    expectError(await api(g.url, 'GET', '/v1/orders?org=30411', keys.org19827), 403, 'GW-AUTH-403');
    expect(numbers(await api(g.url, 'GET', '/v1/orders?org=19827', keys.org19827))).to.deep.equal(['ORD-A-4', 'RET-A-1', 'ORD-A-3', 'ORD-A-1']);
    expect(numbers(await api(g.url, 'GET', '/v1/orders?orderNumber=ORD-B-1', keys.org19827))).to.deep.equal([]);
    expectError(await api(g.url, 'GET', `/v1/orders/${RESELLER_B}/ORD-B-1`, keys.org19827), 404, 'GW-OR-4140');
    expect(numbers(await api(g.url, 'GET', '/v1/orders', keys.org30411))).to.deep.equal(['ORD-B-1']);
    expectError(await api(g.url, 'GET', `/v1/orders/${RESELLER_A}/ORD-A-1`, keys.org30411), 404, 'GW-OR-4140');
  });

  it('one order: its deliveries, and each device with what became of it (enrolled, returned, released)', async () => {
    const a = await api(g.url, 'GET', `/v1/orders/${RESELLER_A}/ORD-A-1`, keys.org19827);
    expect(a.status, a.text).to.equal(200);
    conforms('/orders/{supplierId}/{orderNumber}', a);
    expect(a.body).to.include({ orderNumber: 'ORD-A-1', supplierId: RESELLER_A, orgId: '19827', deviceCount: 3, deliveryCount: 1 });
    expect(a.body.deliveries).to.deep.equal([{ deliveryNumber: 'D-ORD-A-1', shipDate: '2026-01-10T12:00:00Z' }]);
    expect(a.body.devices).to.deep.equal({
      items: [
        // The sample organisation's default iPad server came with the enrollment.
        { serial: sn(1), deliveryNumber: 'D-ORD-A-1', assetTag: 'TAG-1', family: 'iPad', server: 'Northwind MDM (iPad)', status: 'enrolled' },
        { serial: sn(2), deliveryNumber: 'D-ORD-A-1', assetTag: null, family: null, server: null, status: 'returned' },
        { serial: sn(3), deliveryNumber: 'D-ORD-A-1', assetTag: null, family: null, server: null, status: 'released' },
      ],
      nextCursor: null,
    });
    const ret = await api(g.url, 'GET', `/v1/orders/${RESELLER_A}/RET-A-1`, keys.org19827);
    expect(ret.body.devices.items.map((d: any) => [d.serial, d.status])).to.deep.equal([[sn(2), 'returned']]);
  });

  it('removed by an OV, voided by a VD, and pending with the reason (GW-OR-4120)', async () => {
    const ov = await api(g.url, 'GET', `/v1/orders/${RESELLER_A}/ORD-A-3`, keys.operator);
    expect(ov.body.lastType).to.equal('OV');
    expect(ov.body.devices.items.map((d: any) => [d.serial, d.status])).to.deep.equal([
      [sn(6), 'enrolled'],
      [sn(7), 'removed'],
    ]);
    const vd = await api(g.url, 'GET', `/v1/orders/${RESELLER_A}/ORD-A-4`, keys.operator);
    expect(vd.body.status).to.equal('voided');
    expect(vd.body.devices.items.map((d: any) => [d.serial, d.status])).to.deep.equal([[sn(8), 'voided']]);

    const pending = await api(g.url, 'GET', `/v1/orders/${RESELLER_A}/ORD-A-2`, keys.org55120);
    expect(pending.status, pending.text).to.equal(200);
    conforms('/orders/{supplierId}/{orderNumber}', pending);
    for (const d of pending.body.devices.items) {
      expect(d.status).to.equal('pending');
      expect(d.server).to.equal(null);
      expect(d.pendingReason).to.equal(
        `GW-OR-4120: Organisation 55120 has not added reseller ${RESELLER_A}: 2 device(s) are held as pending and will be enrolled when it does.`,
      );
    }
    expect(pending.body.devices.items).to.have.lengthOf(2);
  });

  it('pagination walks every order exactly once, newest first, with and without filters', async () => {
    for (const limit of [1, 2, 4]) {
      const { items, pages } = await walk(g.url, '/v1/orders', keys.operator, limit);
      expect(items.map((o) => o.orderNumber)).to.deep.equal(ALL);
      expect(pages).to.equal(Math.ceil(ALL.length / limit));
    }
    const { items } = await walk(g.url, '/v1/orders?org=19827&kind=sale', keys.operator, 1);
    expect(items.map((o) => o.orderNumber)).to.deep.equal(['ORD-A-4', 'ORD-A-3', 'ORD-A-1']);
    const reseller = await walk(g.url, '/v1/orders', KEY_A, 2);
    expect(reseller.items.map((o) => o.orderNumber)).to.deep.equal(ALL.slice(1));
  });

  it("pagination walks an order's devices exactly once, by serial", async () => {
    const { items, pages } = await walk(g.url, `/v1/orders/${RESELLER_A}/ORD-A-1`, keys.operator, 1, (b) => b.devices);
    expect(items.map((d) => d.serial)).to.deep.equal([sn(1), sn(2), sn(3)]);
    expect(pages).to.equal(3);
  });

  it('a cursor reused with other filters, on another order, or made up is refused with GW-API-4002', async () => {
    const first = await api(g.url, 'GET', '/v1/orders?limit=2', keys.operator);
    const cursor = encodeURIComponent(first.body.nextCursor);
    expect((await api(g.url, 'GET', `/v1/orders?limit=2&cursor=${cursor}`, keys.operator)).status).to.equal(200);
    // The limit may change between pages; the filters may not.
    expect((await api(g.url, 'GET', `/v1/orders?limit=3&cursor=${cursor}`, keys.operator)).status).to.equal(200);
    const other = await api(g.url, 'GET', `/v1/orders?limit=2&kind=sale&cursor=${cursor}`, keys.operator);
    expectError(other, 400, 'GW-API-4002');
    expect(other.body.error.details).to.deep.equal([{ in: 'query', path: 'cursor', message: 'is not valid for this list and these filters' }]);
    expectError(await api(g.url, 'GET', '/v1/orders?cursor=bm90LWEtY3Vyc29y', keys.operator), 400, 'GW-API-4002');

    const devices = await api(g.url, 'GET', `/v1/orders/${RESELLER_A}/ORD-A-1?limit=1`, keys.operator);
    const dc = encodeURIComponent(devices.body.devices.nextCursor);
    expectError(await api(g.url, 'GET', `/v1/orders/${RESELLER_A}/ORD-A-3?limit=1&cursor=${dc}`, keys.operator), 400, 'GW-API-4002');
    // An order list's cursor is not an order's device cursor.
    expectError(await api(g.url, 'GET', `/v1/orders/${RESELLER_A}/ORD-A-1?cursor=${cursor}`, keys.operator), 400, 'GW-API-4002');
  });

  it('invalid parameters are refused with 400 GW-API-4001 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['status=bogus', 'status'],
      ['kind=lease', 'kind'],
      ['from=2026-1-5', 'from'],
      ['from=2026-02-30', 'from'],
      ['to=2026-13-01', 'to'],
      ['from=2026-03-01&to=2026-02-01', 'to'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=ten', 'limit'],
      ['supplier=not%20an%20id', 'supplier'],
      [`orderNumber=${'X'.repeat(33)}`, 'orderNumber'],
      ['colour=blue', 'colour'],
    ];
    for (const [query, param] of cases) {
      const a = await api(g.url, 'GET', `/v1/orders?${query}`, keys.operator);
      expectError(a, 400, 'GW-API-4001');
      expect(a.body.error.details[0], query).to.deep.include({ in: 'query', path: param });
      expect(a.body.error.message, query).to.include(`"${param}"`);
    }
    const path = await api(g.url, 'GET', `/v1/orders/bad-id/ORD-A-1`, keys.operator);
    expectError(path, 400, 'GW-API-4001');
    expect(path.body.error.details[0]).to.deep.include({ in: 'path', path: 'supplierId' });
  });

  it('other roles are refused (403), no key is 401, and a revoked key stops working at once', async () => {
    expectError(await api(g.url, 'GET', '/v1/orders', keys.finance), 403, 'GW-AUTH-403');
    expectError(await api(g.url, 'GET', '/v1/orders', keys.metrics), 403, 'GW-AUTH-403');
    expectError(await api(g.url, 'GET', `/v1/orders/${RESELLER_A}/ORD-A-1`, keys.finance), 403, 'GW-AUTH-403');
    expectError(await api(g.url, 'GET', '/v1/orders', null), 401, 'GW-AUTH-401');
    expectError(await api(g.url, 'GET', '/v1/orders', 'gwk_not_a_key'), 401, 'GW-AUTH-401');

    expect((await api(g.url, 'GET', '/v1/orders', keys.org19827)).status).to.equal(200);
    await revokePrincipalKey(g.t.db, TEST_ACTOR, orgKeyId19827);
    expectError(await api(g.url, 'GET', '/v1/orders', keys.org19827), 401, 'GW-AUTH-401');
    expectError(await api(g.url, 'GET', `/v1/orders/${RESELLER_A}/ORD-A-1`, keys.org19827), 401, 'GW-AUTH-401');
  });
});
