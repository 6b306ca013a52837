// The reseller API end to end: real HTTP against a real database (SQLite, or PostgreSQL
// when DATABASE_URL is set), loaded with samples/. Each describe has its own database.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { TEST_ACTOR } from '../support/db.js';
import {
  bulk,
  call,
  context,
  order,
  startGateway,
  KEY_A,
  KEY_B,
  RESELLER_A,
  RESELLER_B,
  SHIP_TO_A,
  SHIP_TO_B,
  useSampleGateway,
  type Answer,
} from '../support/http.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import {
  addOrganisation,
  addShipTo,
  createApiKey,
  linkSupplier,
  releaseDeviceFromOrg,
  revokeCredentialById,
  setShipToStatus,
} from '../../src/admin/operations.js';
import { deviceReport } from '../../src/admin/lookups.js';
import { keptBytes } from '../support/content.js';

// ---- helpers ------------------------------------------------------------------------

const ENROLLMENT_ID = /^[0-9a-f-]{36}_\d{13}$/;
const PROTOCOL_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let serialCounter = 0;
/** A fresh, valid serial number (upper-case letters and digits, 8 to 20 characters). */
function sn(): string {
  serialCounter++;
  return `TSN${process.pid % 1000}X${String(serialCounter).padStart(6, '0')}`;
}

const b = (a: Answer): any => a.body;

/** Never a 500, never a stack trace or an exception name leaking into the answer. */
function expectNoLeak(a: Answer): void {
  expect(a.status, a.text).to.not.equal(500);
  expect(a.text).to.not.match(/(\\n|\n)\s*at\s+\S/);
  expect(a.text).to.not.match(/\bat\s+\S+\s+\((file:|node:|\/)[^)]*:\d+:\d+\)/);
  expect(a.text).to.not.include('Error:');
  expect(a.text).to.not.include('GRX-16001');
}

/** A platform/context error: flat at top level, {errorCode, errorMessage} (+ transactionId). */
function expectFlat(a: Answer, code: string, status: number): void {
  expectNoLeak(a);
  expect(a.status, a.text).to.equal(status);
  expect(b(a).errorCode, a.text).to.equal(code);
  expect(b(a).errorMessage).to.be.a('string').that.is.not.empty;
  for (const key of Object.keys(a.body)) expect(['errorCode', 'errorMessage', 'transactionId']).to.include(key);
}

/** An error in a call's own envelope: returns the list of codes (one object or an array). */
function envelopeCodes(a: Answer, envelope: string): string[] {
  expectNoLeak(a);
  const e = b(a)[envelope];
  expect(e, a.text).to.not.equal(undefined);
  const list: any[] = Array.isArray(e) ? e : [e];
  for (const item of list) {
    expect(item).to.have.all.keys('errorCode', 'errorMessage');
    expect(item.errorMessage).to.be.a('string').that.is.not.empty;
  }
  return list.map((x) => x.errorCode);
}

function expectSuccess(a: Answer): string {
  expectNoLeak(a);
  expect(a.status, a.text).to.equal(200);
  expect(a.body).to.have.all.keys('deviceEnrollmentTransactionId', 'enrollDevicesResponse');
  expect(b(a).deviceEnrollmentTransactionId).to.match(ENROLLMENT_ID);
  expect(b(a).enrollDevicesResponse).to.have.all.keys('statusCode', 'statusMessage');
  expect(b(a).enrollDevicesResponse.statusCode).to.equal('SUCCESS');
  expect(b(a).enrollDevicesResponse.statusMessage).to.be.a('string').that.is.not.empty;
  return b(a).deviceEnrollmentTransactionId as string;
}

function status(url: string, enrollmentId: string, key = KEY_A, ctx = context(), extra: Record<string, unknown> = {}) {
  return call(url, 'check-transaction-status', { ...ctx, deviceEnrollmentTransactionId: enrollmentId, ...extra }, { key });
}

function show(url: string, orderNumbers: unknown, key = KEY_A, ctx = context()) {
  return call(url, 'show-order-details', { ...ctx, orderNumbers }, { key });
}

/** Posts a transaction that must be accepted, and returns its check-transaction-status body. */
async function enrol(url: string, body: unknown, key = KEY_A, ctx = context()): Promise<any> {
  const id = expectSuccess(await call(url, 'bulk-enroll-devices', body, { key }));
  const s = await status(url, id, key, ctx);
  expectNoLeak(s);
  expect(s.status, s.text).to.equal(200);
  return s.body;
}

/** All devicePostStatus entries of a check-transaction-status body, by deviceId. */
function deviceStatuses(statusBody: any): Map<string, any> {
  const out = new Map<string, any>();
  for (const o of statusBody.orders ?? []) for (const d of o.deliveries ?? []) for (const dev of d.devices ?? []) out.set(dev.deviceId, dev);
  return out;
}

function lateOrder(orderNumber: string, orderType: string, customerId: string, devices: string[], orderDate: string, shipDate: string, deliveryNumber = 'R1') {
  return order(orderNumber, orderType, customerId, null, {
    orderDate,
    deliveries: [{ deliveryNumber, shipDate, devices: devices.map((deviceId) => ({ deviceId })) }],
  });
}

function limits(overrides: Partial<typeof DEFAULT_CONFIG.limits>) {
  return { limits: { ...DEFAULT_CONFIG.limits, ...overrides } };
}

/** Every object's keys in reverse order, recursively: the same JSON value, different text. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).reverse().map(([k, v]) => [k, reverseKeys(v)]));
  }
  return value;
}

// ---- 1. envelopes and platform errors -----------------------------------------------

describe('reseller API: envelopes and platform errors', () => {
  const g = useSampleGateway();


  const paths = ['bulk-enroll-devices', 'check-transaction-status', 'show-order-details'] as const;

  for (const path of paths) {
    it(`malformed JSON on ${path} is GRX-1000, flat at top level`, async () => {
      const a = await call(g.url, path, null, { raw: '{"requestContext": {"shipTo": "0000052010",' });
      expectFlat(a, 'GRX-1000', 400);
    });
  }

  it('an empty body is GRX-1000', async () => {
    expectFlat(await call(g.url, 'bulk-enroll-devices', null, { raw: '' }), 'GRX-1000', 400);
  });

  it('a body that is not valid UTF-8 is GRX-1000', async () => {
    const text = JSON.stringify(bulk('TX-UTF8', [order('ORD-UTF8', 'OR', '19827', [sn()])]));
    // A lone continuation byte and an overlong sequence inside a string value.
    const bad = Buffer.concat([Buffer.from(text.slice(0, 20)), Buffer.from([0xc0, 0xaf, 0xff, 0xfe]), Buffer.from(text.slice(20))]);
    const a = await call(g.url, 'bulk-enroll-devices', null, { raw: bad });
    expectFlat(a, 'GRX-1000', 400);
    const s = await show(g.url, ['ORD-UTF8']);
    expect(b(s).orders[0].showOrderStatusCode).to.equal('DEP-ERR-5002');
  });

  it('a JSON body that is not an object is GRX-5004', async () => {
    expectFlat(await call(g.url, 'bulk-enroll-devices', null, { raw: '[1,2,3]' }), 'GRX-5004', 400);
    expectFlat(await call(g.url, 'show-order-details', null, { raw: '"text"' }), 'GRX-5004', 400);
  });

  it('text/plain is GRX-16002 with HTTP 415, even with a valid JSON body', async () => {
    const body = bulk('TX-CT', [order('ORD-CT', 'OR', '19827', [sn()])]);
    expectFlat(await call(g.url, 'bulk-enroll-devices', body, { contentType: 'text/plain' }), 'GRX-16002', 415);
    expectFlat(await call(g.url, 'show-order-details', { ...context(), orderNumbers: ['X'] }, { contentType: 'application/xml' }), 'GRX-16002', 415);
    const s = await show(g.url, ['ORD-CT']);
    expect(b(s).orders[0].showOrderStatusCode).to.equal('DEP-ERR-5002');
  });

  it('application/json with a charset parameter is accepted', async () => {
    const a = await call(g.url, 'show-order-details', { ...context(), orderNumbers: ['NOPE'] }, { contentType: 'application/json; charset=utf-8' });
    expectNoLeak(a);
    expect(a.status, a.text).to.equal(200);
  });

  it('an oversized body is GW-TX-3011 with HTTP 413, and nothing is applied', async () => {
    const small = await startGateway(g.t.db, limits({ maxBodyBytes: 2048 }));
    try {
      const devices = Array.from({ length: 80 }, () => ({ deviceId: sn(), assetTag: 'ASSET-TAG-0000000000' }));
      const body = bulk('TX-BIG', [order('ORD-BIG', 'OR', '19827', devices)]);
      expect(JSON.stringify(body).length).to.be.greaterThan(2048);
      const a = await call(small.url, 'bulk-enroll-devices', body);
      expectFlat(a, 'GW-TX-3011', 413);
      expect(b(a).errorMessage).to.include('2048');
      const s = await show(small.url, ['ORD-BIG']);
      expect(b(s).orders[0].showOrderStatusCode).to.equal('DEP-ERR-5002');
      expect(await deviceReport(g.t.db, devices[0]!.deviceId)).to.equal(undefined);
      // A body under the limit still goes through on the same gateway.
      expectSuccess(await call(small.url, 'bulk-enroll-devices', bulk('TX-SMALL', [order('ORD-SMALL', 'OR', '19827', [sn()])])));
    } finally {
      await small.close();
    }
  });

  it('orders given as a string is GRX-5004', async () => {
    const a = await call(g.url, 'bulk-enroll-devices', { ...context(), transactionId: 'TX-TYPE-1', orders: 'ORD-1' });
    expectFlat(a, 'GRX-5004', 400);
    expect(b(a).errorMessage).to.include('/orders');
  });

  it('a deviceId given as a number is GRX-5004, and nothing is applied', async () => {
    const good = sn();
    const body = bulk('TX-TYPE-2', [order('ORD-TYPE-2', 'OR', '19827', [good, { deviceId: 12345678 } as any])]);
    const a = await call(g.url, 'bulk-enroll-devices', body);
    expectFlat(a, 'GRX-5004', 400);
    expect(b(a).errorMessage).to.include('deviceId');
    expect(await deviceReport(g.t.db, good)).to.equal(undefined);
  });

  it('a missing depResellerId is GRX-1056', async () => {
    const body: any = bulk('TX-NORES', [order('ORD-NORES', 'OR', '19827', [sn()])]);
    delete body.depResellerId;
    const a = await call(g.url, 'bulk-enroll-devices', body);
    expectFlat(a, 'GRX-1056', 400);
    expect(b(a).transactionId).to.equal('TX-NORES');
    expectFlat(await call(g.url, 'show-order-details', { ...context(), depResellerId: '  ', orderNumbers: ['X'] }), 'GRX-1056', 400);
  });

  it("another reseller's depResellerId is GRX-90004 (403)", async () => {
    const body = bulk('TX-OTHER', [order('ORD-OTHER', 'OR', '30411', [sn()])], RESELLER_B, SHIP_TO_A);
    const a = await call(g.url, 'bulk-enroll-devices', body, { key: KEY_A });
    expectFlat(a, 'GRX-90004', 403);
    expect(b(a).errorMessage).to.include(RESELLER_B);
    expect(b(a).transactionId).to.equal('TX-OTHER');
    const s = await show(g.url, ['ORD-OTHER'], KEY_B, context(RESELLER_B, SHIP_TO_B));
    expect(b(s).orders[0].showOrderStatusCode).to.equal('DEP-ERR-5002');
  });

  it('a missing shipTo is GRX-50020', async () => {
    const body: any = bulk('TX-NOSHIP', [order('ORD-NOSHIP', 'OR', '19827', [sn()])]);
    delete body.requestContext.shipTo;
    expectFlat(await call(g.url, 'bulk-enroll-devices', body), 'GRX-50020', 400);
    const noContext: any = { depResellerId: RESELLER_A, orderNumbers: ['X'] };
    expectFlat(await call(g.url, 'show-order-details', noContext), 'GRX-50020', 400);
  });

  it("a malformed, unknown or another reseller's shipTo is GRX-50025", async () => {
    for (const shipTo of ['52010', '00000520100', 'ABCDEFGHIJ', '9999999999', SHIP_TO_B]) {
      const a = await call(g.url, 'bulk-enroll-devices', bulk(`TX-SHIP-${shipTo}`, [order('ORD-SHIP', 'OR', '19827', [sn()])], RESELLER_A, shipTo));
      expectFlat(a, 'GRX-50025', 403);
      expect(b(a).transactionId).to.equal(`TX-SHIP-${shipTo}`);
    }
    const s = await show(g.url, ['ORD-SHIP']);
    expect(b(s).orders[0].showOrderStatusCode).to.equal('DEP-ERR-5002');
  });

  it('context errors are in the language of langCode, with the same code', async () => {
    const en = await show(g.url, ['X'], KEY_A, context(RESELLER_A, '9999999999', 'en'));
    const fr = await show(g.url, ['X'], KEY_A, context(RESELLER_A, '9999999999', 'fr'));
    expectFlat(en, 'GRX-50025', 403);
    expectFlat(fr, 'GRX-50025', 403);
    expect(b(en).errorMessage).to.equal('Ship-To entered is not valid. Please enter a valid Ship-To');
    expect(b(fr).errorMessage).to.not.equal(b(en).errorMessage);
    expect(b(fr).errorMessage).to.match(/Ship-To saisi/);
  });

  it('a deactivated shipTo is GRX-50026, and works again when reactivated', async () => {
    const shipTo = '0000052099';
    await addShipTo(g.t.db, TEST_ACTOR, RESELLER_A, shipTo);
    const ctx = context(RESELLER_A, shipTo);
    const ok = await show(g.url, ['NOPE'], KEY_A, ctx);
    expect(ok.status, ok.text).to.equal(200);
    await setShipToStatus(g.t.db, TEST_ACTOR, shipTo, false);
    const a = await show(g.url, ['NOPE'], KEY_A, ctx);
    expectFlat(a, 'GRX-50026', 403);
    expect(b(a).errorMessage).to.include(shipTo);
    const refused = await call(g.url, 'bulk-enroll-devices', bulk('TX-INACTIVE', [order('ORD-INACTIVE', 'OR', '19827', [sn()])], RESELLER_A, shipTo));
    expectFlat(refused, 'GRX-50026', 403);
    await setShipToStatus(g.t.db, TEST_ACTOR, shipTo, true);
    const again = await show(g.url, ['NOPE'], KEY_A, ctx);
    expect(again.status, again.text).to.equal(200);
    const s = await show(g.url, ['ORD-INACTIVE']);
    expect(b(s).orders[0].showOrderStatusCode).to.equal('DEP-ERR-5002');
  });

  it('a bad or missing timeZone is GRX-50022', async () => {
    for (const timeZone of ['Mars/Olympus', '900', '-1000', 'UTC+25', '42O', '', undefined]) {
      const ctx: any = { requestContext: { shipTo: SHIP_TO_A, timeZone, langCode: 'en' }, depResellerId: RESELLER_A };
      const a = await call(g.url, 'show-order-details', { ...ctx, orderNumbers: ['X'] });
      expectFlat(a, 'GRX-50022', 400);
    }
  });

  it('timeZone "420", "-60" and "Europe/Vilnius" are accepted', async () => {
    for (const timeZone of ['420', '-60', 'Europe/Vilnius', '0']) {
      const ctx = { requestContext: { shipTo: SHIP_TO_A, timeZone, langCode: 'en' }, depResellerId: RESELLER_A };
      const a = await call(g.url, 'show-order-details', { ...ctx, orderNumbers: ['NOPE'] });
      expectNoLeak(a);
      expect(a.status, `${timeZone}: ${a.text}`).to.equal(200);
      expect(b(a).orders[0].showOrderStatusCode).to.equal('DEP-ERR-5002');
    }
    const ctx = { requestContext: { shipTo: SHIP_TO_A, timeZone: 'Europe/Vilnius', langCode: 'en' }, depResellerId: RESELLER_A };
    expectSuccess(await call(g.url, 'bulk-enroll-devices', { ...ctx, transactionId: 'TX-TZ', orders: [order('ORD-TZ', 'OR', '19827', [sn()])] }));
  });

  it('a missing langCode is GRX-50031', async () => {
    const ctx: any = { requestContext: { shipTo: SHIP_TO_A, timeZone: '420' }, depResellerId: RESELLER_A };
    expectFlat(await call(g.url, 'show-order-details', { ...ctx, orderNumbers: ['X'] }), 'GRX-50031', 400);
    const a = await call(g.url, 'bulk-enroll-devices', { ...ctx, transactionId: 'TX-NOLANG', orders: [order('ORD-NOLANG', 'OR', '19827', [sn()])] });
    expectFlat(a, 'GRX-50031', 400);
    const s = await show(g.url, ['ORD-NOLANG']);
    expect(b(s).orders[0].showOrderStatusCode).to.equal('DEP-ERR-5002');
  });

  it('no Authorization header is GRX-50001 (401)', async () => {
    for (const path of paths) {
      expectFlat(await call(g.url, path, { ...context(), orderNumbers: ['X'] }, { key: null }), 'GRX-50001', 401);
    }
  });

  it('an unknown key is GRX-50001 (401), and the answer names no reseller', async () => {
    const a = await call(g.url, 'bulk-enroll-devices', bulk('TX-UNKNOWN-KEY', [order('ORD-UK', 'OR', '19827', [sn()])]), { key: 'gwk_not_a_key_anyone_was_given' });
    expectFlat(a, 'GRX-50001', 401);
    expect(a.text).to.not.include(RESELLER_A);
    const s = await show(g.url, ['ORD-UK']);
    expect(b(s).orders[0].showOrderStatusCode).to.equal('DEP-ERR-5002');
  });

  it('a key revoked with revokeCredentialById stops working at once', async () => {
    const { id, key } = await createApiKey(g.t.db, TEST_ACTOR, RESELLER_A, 'to be revoked');
    const before = await show(g.url, ['NOPE'], key);
    expectNoLeak(before);
    expect(before.status, before.text).to.equal(200);
    await revokeCredentialById(g.t.db, TEST_ACTOR, id);
    expectFlat(await show(g.url, ['NOPE'], key), 'GRX-50001', 401);
    expectFlat(await call(g.url, 'bulk-enroll-devices', bulk('TX-REVOKED', [order('ORD-REVOKED', 'OR', '19827', [sn()])]), { key }), 'GRX-50001', 401);
    // The reseller's other key is untouched.
    const other = await show(g.url, ['ORD-REVOKED'], KEY_A);
    expect(other.status, other.text).to.equal(200);
    expect(b(other).orders[0].showOrderStatusCode).to.equal('DEP-ERR-5002');
  });
});

// ---- 2. bulk-enroll-devices ---------------------------------------------------------

describe('reseller API: bulk-enroll-devices', () => {
  const g = useSampleGateway();


  async function expectNotApplied(orderNumbers: string[], serials: string[], u = g.url): Promise<void> {
    const s = await show(u, orderNumbers);
    expect(s.status, s.text).to.equal(200);
    for (const o of b(s).orders) expect(o.showOrderStatusCode, JSON.stringify(o)).to.equal('DEP-ERR-5002');
    for (const serial of serials) expect(await deviceReport(g.t.db, serial), serial).to.equal(undefined);
  }

  it('answers success in exactly the protocol shape (lowercase Id)', async () => {
    const serial = sn();
    const a = await call(g.url, 'bulk-enroll-devices', bulk('TX-OK-1', [order('ORD-OK-1', 'OR', '19827', [serial])]));
    const id = expectSuccess(a);
    expect(a.body).to.not.have.property('deviceEnrollmentTransactionID');
    expect(b(a).enrollDevicesResponse.statusMessage).to.equal('Transaction posted successfully in DEP');
    expect(Number(id.split('_')[1])).to.be.closeTo(Date.now(), 5 * 60_000);
    expect((await deviceReport(g.t.db, serial))!.state).to.equal('enrolled');
  });

  it('every accepted transaction gets its own enrollment id', async () => {
    const one = expectSuccess(await call(g.url, 'bulk-enroll-devices', bulk('TX-OK-2', [order('ORD-OK-2', 'OR', '19827', [sn()])])));
    const two = expectSuccess(await call(g.url, 'bulk-enroll-devices', bulk('TX-OK-3', [order('ORD-OK-3', 'OR', '19827', [sn()])])));
    expect(one).to.not.equal(two);
  });

  it('a missing or blank transactionId is DEP-ERR-3001 (one error: an object)', async () => {
    const serial = sn();
    const body: any = bulk('x', [order('ORD-3001', 'OR', '19827', [serial])]);
    delete body.transactionId;
    const a = await call(g.url, 'bulk-enroll-devices', body);
    expect(a.status, a.text).to.equal(400);
    expect(b(a).enrollDeviceErrorResponse).to.be.an('object').and.not.an('array');
    expect(envelopeCodes(a, 'enrollDeviceErrorResponse')).to.deep.equal(['DEP-ERR-3001']);
    const blank = await call(g.url, 'bulk-enroll-devices', bulk('   ', [order('ORD-3001', 'OR', '19827', [serial])]));
    expect(envelopeCodes(blank, 'enrollDeviceErrorResponse')).to.deep.equal(['DEP-ERR-3001']);
    await expectNotApplied(['ORD-3001'], [serial]);
  });

  it('a transactionId over 64 characters is DEP-ERR-3002; 64 is accepted', async () => {
    const serial = sn();
    const a = await call(g.url, 'bulk-enroll-devices', bulk('T'.repeat(65), [order('ORD-3002', 'OR', '19827', [serial])]));
    expect(a.status, a.text).to.equal(400);
    expect(envelopeCodes(a, 'enrollDeviceErrorResponse')).to.deep.equal(['DEP-ERR-3002']);
    await expectNotApplied(['ORD-3002'], [serial]);
    expectSuccess(await call(g.url, 'bulk-enroll-devices', bulk('T'.repeat(64), [order('ORD-3002-OK', 'OR', '19827', [sn()])])));
  });

  it('missing or empty orders is DEP-ERR-3003', async () => {
    const empty = await call(g.url, 'bulk-enroll-devices', bulk('TX-3003-A', []));
    expect(empty.status, empty.text).to.equal(400);
    expect(envelopeCodes(empty, 'enrollDeviceErrorResponse')).to.deep.equal(['DEP-ERR-3003']);
    const body: any = bulk('TX-3003-B', []);
    delete body.orders;
    expect(envelopeCodes(await call(g.url, 'bulk-enroll-devices', body), 'enrollDeviceErrorResponse')).to.deep.equal(['DEP-ERR-3003']);
  });

  it('an order without orderNumber is DEP-ERR-3004, and refuses the other orders too', async () => {
    const first = sn();
    const second = sn();
    const nameless: any = order('x', 'OR', '19827', [second]);
    delete nameless.orderNumber;
    const a = await call(g.url, 'bulk-enroll-devices', bulk('TX-3004', [order('ORD-3004-OK', 'OR', '19827', [first]), nameless]));
    expect(a.status, a.text).to.equal(400);
    expect(envelopeCodes(a, 'enrollDeviceErrorResponse')).to.deep.equal(['DEP-ERR-3004']);
    await expectNotApplied(['ORD-3004-OK'], [first, second]);
    // The transaction id was not consumed by the refusal.
    expectSuccess(await call(g.url, 'bulk-enroll-devices', bulk('TX-3004', [order('ORD-3004-OK', 'OR', '19827', [first])])));
  });

  it('an order number over 32 characters is DEP-ERR-3006; 32 is accepted', async () => {
    const serial = sn();
    const long = 'O'.repeat(33);
    const a = await call(g.url, 'bulk-enroll-devices', bulk('TX-3006', [order(long, 'OR', '19827', [serial])]));
    expect(a.status, a.text).to.equal(400);
    expect(envelopeCodes(a, 'enrollDeviceErrorResponse')).to.deep.equal(['DEP-ERR-3006']);
    expect(await deviceReport(g.t.db, serial)).to.equal(undefined);
    expectSuccess(await call(g.url, 'bulk-enroll-devices', bulk('TX-3006-OK', [order('P'.repeat(32), 'OR', '19827', [serial])])));
  });

  it('several transaction-level errors come back as an array', async () => {
    const serial = sn();
    const body: any = bulk('x', [order('Q'.repeat(33), 'OR', '19827', [serial])]);
    delete body.transactionId;
    const a = await call(g.url, 'bulk-enroll-devices', body);
    expect(a.status, a.text).to.equal(400);
    expect(b(a).enrollDeviceErrorResponse).to.be.an('array').with.lengthOf(2);
    expect(envelopeCodes(a, 'enrollDeviceErrorResponse')).to.have.members(['DEP-ERR-3001', 'DEP-ERR-3006']);
    expect(await deviceReport(g.t.db, serial)).to.equal(undefined);
  });

  it('over the device limit is DEP-ERR-3005 and over the order limit DEP-ERR-3007 (small limits)', async () => {
    const small = await startGateway(g.t.db, limits({ maxOrdersPerTransaction: 2, maxDevicesPerTransaction: 3 }));
    try {
      const devs = [sn(), sn(), sn(), sn()];
      const tooManyDevices = await call(small.url, 'bulk-enroll-devices', bulk('TX-3005', [order('ORD-3005', 'OR', '19827', devs)]));
      expect(tooManyDevices.status, tooManyDevices.text).to.equal(400);
      expect(envelopeCodes(tooManyDevices, 'enrollDeviceErrorResponse')).to.deep.equal(['DEP-ERR-3005']);
      await expectNotApplied(['ORD-3005'], devs, small.url);

      const three = [sn(), sn(), sn()];
      const tooManyOrders = await call(
        small.url,
        'bulk-enroll-devices',
        bulk('TX-3007', three.map((s, i) => order(`ORD-3007-${i}`, 'OR', '19827', [s]))),
      );
      expect(tooManyOrders.status, tooManyOrders.text).to.equal(400);
      expect(envelopeCodes(tooManyOrders, 'enrollDeviceErrorResponse')).to.deep.equal(['DEP-ERR-3007']);
      await expectNotApplied(['ORD-3007-0', 'ORD-3007-1', 'ORD-3007-2'], three, small.url);

      const both = await call(
        small.url,
        'bulk-enroll-devices',
        bulk('TX-3005-3007', [order('ORD-B1', 'OR', '19827', [sn(), sn()]), order('ORD-B2', 'OR', '19827', [sn()]), order('ORD-B3', 'OR', '19827', [sn()])]),
      );
      expect(b(both).enrollDeviceErrorResponse).to.be.an('array');
      expect(envelopeCodes(both, 'enrollDeviceErrorResponse')).to.have.members(['DEP-ERR-3005', 'DEP-ERR-3007']);

      // At the limits exactly: accepted.
      expectSuccess(await call(small.url, 'bulk-enroll-devices', bulk('TX-LIMITS-OK', [order('ORD-L1', 'OR', '19827', [sn(), sn()]), order('ORD-L2', 'OR', '19827', [sn()])])));
    } finally {
      await small.close();
    }
  });
});

// ---- 3. check-transaction-status ----------------------------------------------------

describe('reseller API: check-transaction-status', () => {
  const g = useSampleGateway();


  it('the sample order completes: capital ID, transactionId, completedOn, COMPLETE everywhere', async () => {
    const sample = JSON.parse(readFileSync(new URL('../../../samples/api/bulk-enroll.json', import.meta.url), 'utf8'));
    const id = expectSuccess(await call(g.url, 'bulk-enroll-devices', sample));
    const a = await status(g.url, id);
    expectNoLeak(a);
    expect(a.status, a.text).to.equal(200);
    const s = b(a);
    expect(s).to.not.have.property('deviceEnrollmentTransactionId');
    expect(s.deviceEnrollmentTransactionID).to.equal(id);
    expect(s.transactionId).to.equal('TXN_SAMPLE_0001');
    expect(s.completedOn).to.match(PROTOCOL_TIMESTAMP);
    expect(Math.abs(Date.parse(s.completedOn) - Date.now())).to.be.lessThan(5 * 60_000);
    expect(s.statusCode).to.equal('COMPLETE');
    expect(s.orders).to.have.lengthOf(1);
    expect(s.orders[0].orderNumber).to.equal('ORDER_900123');
    expect(s.orders[0].orderPostStatus).to.equal('COMPLETE');
    expect(s.orders[0]).to.not.have.property('orderPostStatusMessage');
    expect(s.orders[0].deliveries).to.have.lengthOf(1);
    expect(s.orders[0].deliveries[0].deliveryNumber).to.equal('D1.2');
    expect(s.orders[0].deliveries[0].deliveryPostStatus).to.equal('COMPLETE');
    expect(s.orders[0].deliveries[0].devices).to.deep.equal([
      { deviceId: 'DMPX1A2B3C4D', devicePostStatus: 'COMPLETE' },
      { deviceId: 'DMPX1A2B3C4E', devicePostStatus: 'COMPLETE' },
      { deviceId: 'C02Z7K8LMD6R', devicePostStatus: 'COMPLETE' },
    ]);
    const ipad = (await deviceReport(g.t.db, 'DMPX1A2B3C4D'))!;
    expect(ipad.state).to.equal('enrolled');
    expect(ipad.organisation).to.equal('19827');
    expect(ipad.server).to.equal('Northwind MDM (iPad)');
    expect((await deviceReport(g.t.db, 'C02Z7K8LMD6R'))!.server).to.equal('Northwind MDM (Mac)');
  });

  let badTxId = '';
  const good = sn();
  const bad = 'abcd1234efgh';

  it('a bad device gives COMPLETE_WITH_ERRORS with its devicePostStatus code and message', async () => {
    badTxId = expectSuccess(await call(g.url, 'bulk-enroll-devices', bulk('TX-BADDEV', [order('ORD-BADDEV', 'OR', '19827', [good, bad])])));
    const a = await status(g.url, badTxId);
    expect(a.status, a.text).to.equal(200);
    const s = b(a);
    expect(s.deviceEnrollmentTransactionID).to.equal(badTxId);
    expect(s.transactionId).to.equal('TX-BADDEV');
    expect(s.statusCode).to.equal('COMPLETE_WITH_ERRORS');
    expect(s.orders[0].orderPostStatus).to.equal('POSTED_WITH_ERRORS');
    expect(s.orders[0].deliveries[0].deliveryPostStatus).to.equal('POSTED_WITH_ERRORS');
    const devices = deviceStatuses(s);
    expect(devices.get(good)).to.deep.equal({ deviceId: good, devicePostStatus: 'COMPLETE' });
    expect(devices.get(bad).devicePostStatus).to.equal('DEP-ERR-DE-4301');
    expect(devices.get(bad).devicePostStatusMessage).to.be.a('string').and.include(bad);
    expect((await deviceReport(g.t.db, good))!.state).to.equal('enrolled');
    expect(await deviceReport(g.t.db, bad)).to.equal(undefined);
  });

  it('langCode fr gives French messages with the same codes', async () => {
    const en = b(await status(g.url, badTxId, KEY_A, context(RESELLER_A, SHIP_TO_A, 'en')));
    const fa = await status(g.url, badTxId, KEY_A, context(RESELLER_A, SHIP_TO_A, 'fr'));
    expectNoLeak(fa);
    expect(fa.status, fa.text).to.equal(200);
    const fr = b(fa);
    expect(fr.statusCode).to.equal(en.statusCode);
    expect(fr.orders[0].orderPostStatus).to.equal(en.orders[0].orderPostStatus);
    const enBad = deviceStatuses(en).get(bad);
    const frBad = deviceStatuses(fr).get(bad);
    expect(frBad.devicePostStatus).to.equal(enBad.devicePostStatus);
    expect(frBad.devicePostStatusMessage).to.be.a('string').and.not.equal(enBad.devicePostStatusMessage);
    expect(frBad.devicePostStatusMessage).to.include(bad);
    expect(frBad.devicePostStatusMessage).to.match(/appareil/i);
    expect(deviceStatuses(fr).get(good)).to.deep.equal({ deviceId: good, devicePostStatus: 'COMPLETE' });
  });

  it('a language without a catalogue falls back to English messages', async () => {
    const en = b(await status(g.url, badTxId));
    const ja = b(await status(g.url, badTxId, KEY_A, context(RESELLER_A, SHIP_TO_A, 'ja')));
    expect(deviceStatuses(ja).get(bad)).to.deep.equal(deviceStatuses(en).get(bad));
  });

  it('a missing id is DEP-ERR-4001', async () => {
    const a = await call(g.url, 'check-transaction-status', context());
    expect(a.status, a.text).to.equal(400);
    expect(b(a).checkTransactionErrorResponse).to.be.an('object').and.not.an('array');
    expect(envelopeCodes(a, 'checkTransactionErrorResponse')).to.deep.equal(['DEP-ERR-4001']);
    expect(envelopeCodes(await status(g.url, '  '), 'checkTransactionErrorResponse')).to.deep.equal(['DEP-ERR-4001']);
  });

  it('an id over 64 characters is DEP-ERR-4002', async () => {
    const a = await status(g.url, `${badTxId}${'0'.repeat(65 - badTxId.length)}`);
    expect(a.status, a.text).to.equal(400);
    expect(envelopeCodes(a, 'checkTransactionErrorResponse')).to.deep.equal(['DEP-ERR-4002']);
  });

  it('an unknown id is DEP-ERR-4004', async () => {
    for (const id of ['9acc1cf5-e41d-44d4-a066-78162a389da2_1413529391461', 'nonsense', badTxId.toUpperCase()]) {
      const a = await status(g.url, id);
      expect(a.status, a.text).to.equal(400);
      expect(envelopeCodes(a, 'checkTransactionErrorResponse')).to.deep.equal(['DEP-ERR-4004']);
    }
  });

  it('a deviceEnrollmentTransactionId of the wrong JSON type is GRX-5004', async () => {
    expectFlat(await status(g.url, 12345 as any), 'GRX-5004', 400);
  });
});

// ---- 4. show-order-details ----------------------------------------------------------

describe('reseller API: show-order-details', () => {
  const g = useSampleGateway();


  it('shows an order as posted: header, deliveries, devices with asset tags', async () => {
    const [d1, d2] = [sn(), sn()];
    await enrol(g.url, bulk('TX-SHOW-1', [order('ORD-SHOW-1', 'OR', '19827', [{ deviceId: d1, assetTag: 'TAG-1' }, d2])]));
    const a = await show(g.url, ['ORD-SHOW-1']);
    expectNoLeak(a);
    expect(a.status, a.text).to.equal(200);
    expect(b(a).statusCode).to.equal('COMPLETE');
    expect(b(a).respondedOn).to.match(PROTOCOL_TIMESTAMP);
    expect(b(a).orders).to.deep.equal([
      {
        orderNumber: 'ORD-SHOW-1',
        orderDate: '2026-01-10T10:00:00Z',
        orderType: 'OR',
        customerId: '19827',
        poNumber: 'PO-1',
        deliveries: [{ deliveryNumber: 'D1', shipDate: '2026-01-11T10:00:00Z', devices: [{ deviceId: d1, assetTag: 'TAG-1' }, { deviceId: d2 }] }],
      },
    ]);
  });

  it('after an RE the returned device is gone from the order (and shown on the return)', async () => {
    const [keep, ret] = [sn(), sn()];
    await enrol(g.url, bulk('TX-RE-1', [order('ORD-RE-1', 'OR', '19827', [keep, ret])]));
    const s = await enrol(g.url, bulk('TX-RE-2', [lateOrder('ORD-RE-1-R', 'RE', '19827', [ret], '2026-02-01T10:00:00Z', '2026-02-02T10:00:00Z')]));
    expect(s.statusCode, JSON.stringify(s)).to.equal('COMPLETE');
    const a = await show(g.url, ['ORD-RE-1', 'ORD-RE-1-R']);
    expect(a.status, a.text).to.equal(200);
    expect(b(a).statusCode).to.equal('COMPLETE');
    const [sale, returned] = b(a).orders;
    expect(sale.orderType).to.equal('OR');
    expect(sale.deliveries).to.have.lengthOf(1);
    expect(sale.deliveries[0].devices).to.deep.equal([{ deviceId: keep }]);
    expect(returned.orderType).to.equal('RE');
    expect(returned.orderDate).to.equal('2026-02-01T10:00:00Z');
    expect(returned.deliveries[0].devices).to.deep.equal([{ deviceId: ret }]);
    expect((await deviceReport(g.t.db, ret))!.state).to.equal('returned');
    expect((await deviceReport(g.t.db, keep))!.state).to.equal('enrolled');
  });

  it('after an OV the order holds exactly the new device list', async () => {
    const [o1, o2, o3] = [sn(), sn(), sn()];
    await enrol(g.url, bulk('TX-OV-1', [order('ORD-OV-1', 'OR', '19827', [o1, o2, o3])]));
    const ov = order('ORD-OV-1', 'OV', '19827', null, {
      deliveries: [{ deliveryNumber: 'SELF', shipDate: '2026-01-12T10:00:00Z', devices: [{ deviceId: o1 }] }],
    });
    const s = await enrol(g.url, bulk('TX-OV-2', [ov]));
    expect(s.statusCode, JSON.stringify(s)).to.equal('COMPLETE');
    const a = await show(g.url, ['ORD-OV-1']);
    expect(b(a).orders[0].orderType).to.equal('OV');
    expect(b(a).orders[0].customerId).to.equal('19827');
    expect(b(a).orders[0].deliveries).to.deep.equal([{ deliveryNumber: 'SELF', shipDate: '2026-01-12T10:00:00Z', devices: [{ deviceId: o1 }] }]);
    expect((await deviceReport(g.t.db, o1))!.state).to.equal('enrolled');
    expect((await deviceReport(g.t.db, o2))!.state).to.not.equal('enrolled');
    expect((await deviceReport(g.t.db, o3))!.state).to.not.equal('enrolled');
  });

  it('an OV correcting the customer shows the new customerId', async () => {
    const d = sn();
    await enrol(g.url, bulk('TX-OVC-1', [order('ORD-OVC-1', 'OR', '19827', [d])]));
    await enrol(g.url, bulk('TX-OVC-2', [order('ORD-OVC-1', 'OV', '30411', [d])]));
    const a = await show(g.url, ['ORD-OVC-1']);
    expect(b(a).orders[0].customerId).to.equal('30411');
    expect(b(a).orders[0].deliveries[0].devices).to.deep.equal([{ deviceId: d }]);
    expect((await deviceReport(g.t.db, d))!.organisation).to.equal('30411');
  });

  it('after a VD the order shows no devices, and voiding a return puts its device back', async () => {
    const [v1, v2] = [sn(), sn()];
    await enrol(g.url, bulk('TX-VD-1', [order('ORD-VD-1', 'OR', '19827', [v1])]));
    const s = await enrol(g.url, bulk('TX-VD-2', [order('ORD-VD-1', 'VD', '19827', null)]));
    expect(s.statusCode, JSON.stringify(s)).to.equal('COMPLETE');
    const voided = b(await show(g.url, ['ORD-VD-1'])).orders[0];
    expect(voided.orderType).to.equal('VD');
    expect(voided.deliveries.flatMap((d: any) => d.devices)).to.deep.equal([]);
    expect((await deviceReport(g.t.db, v1))!.state).to.equal('voided');

    await enrol(g.url, bulk('TX-VD-3', [order('ORD-VD-2', 'OR', '19827', [v2])]));
    await enrol(g.url, bulk('TX-VD-4', [lateOrder('ORD-VD-2-R', 'RE', '19827', [v2], '2026-02-01T10:00:00Z', '2026-02-02T10:00:00Z')]));
    expect(b(await show(g.url, ['ORD-VD-2'])).orders[0].deliveries[0].devices).to.deep.equal([]);
    const undo = await enrol(g.url, bulk('TX-VD-5', [order('ORD-VD-2-R', 'VD', '19827', null, { orderDate: '2026-02-01T10:00:00Z' })]));
    expect(undo.statusCode, JSON.stringify(undo)).to.equal('COMPLETE');
    const [sale, ret] = b(await show(g.url, ['ORD-VD-2', 'ORD-VD-2-R'])).orders;
    expect(sale.deliveries[0].devices).to.deep.equal([{ deviceId: v2 }]);
    expect(ret.orderType).to.equal('VD');
    expect(ret.deliveries.flatMap((d: any) => d.devices)).to.deep.equal([]);
    expect((await deviceReport(g.t.db, v2))!.state).to.equal('enrolled');
  });

  it('missing or empty orderNumbers is DEP-ERR-5001', async () => {
    const a = await call(g.url, 'show-order-details', context());
    expect(a.status, a.text).to.equal(400);
    expect(b(a).showOrderErrorResponse).to.be.an('object').and.not.an('array');
    expect(envelopeCodes(a, 'showOrderErrorResponse')).to.deep.equal(['DEP-ERR-5001']);
    expect(envelopeCodes(await show(g.url, []), 'showOrderErrorResponse')).to.deep.equal(['DEP-ERR-5001']);
    expect(envelopeCodes(await show(g.url, ['', '  ']), 'showOrderErrorResponse')).to.deep.equal(['DEP-ERR-5001']);
  });

  it('an unknown order carries DEP-ERR-5002 inside orders[]', async () => {
    const d = sn();
    await enrol(g.url, bulk('TX-5002', [order('ORD-5002-REAL', 'OR', '19827', [d])]));
    const a = await show(g.url, ['ORD-5002-REAL', 'ORD-NO-SUCH']);
    expectNoLeak(a);
    expect(a.status, a.text).to.equal(200);
    expect(b(a).statusCode).to.equal('COMPLETE_WITH_ERRORS');
    const [real, missing] = b(a).orders;
    expect(real.orderNumber).to.equal('ORD-5002-REAL');
    expect(real).to.not.have.property('showOrderStatusCode');
    expect(missing.orderNumber).to.equal('ORD-NO-SUCH');
    expect(missing.showOrderStatusCode).to.equal('DEP-ERR-5002');
    expect(missing.showOrderStatusMessage).to.be.a('string').and.include('ORD-NO-SUCH');
    const none = await show(g.url, ['ORD-NO-SUCH']);
    expect(b(none).statusCode).to.equal('ERROR');
  });

  it('too many order numbers is GW-TX-3012 (small limit)', async () => {
    const small = await startGateway(g.t.db, limits({ maxOrderNumbersPerShowRequest: 2 }));
    try {
      const a = await show(small.url, ['A1', 'A2', 'A3']);
      expect(a.status, a.text).to.equal(400);
      expect(envelopeCodes(a, 'showOrderErrorResponse')).to.deep.equal(['GW-TX-3012']);
      const ok = await show(small.url, ['A1', 'A2']);
      expect(ok.status, ok.text).to.equal(200);
      expect(b(ok).orders).to.have.lengthOf(2);
    } finally {
      await small.close();
    }
  });
});

// ---- 5. idempotency -----------------------------------------------------------------

describe('reseller API: idempotent transaction ids', () => {
  const g = useSampleGateway();


  const serial = sn();
  const body = bulk('TX-IDEM', [order('ORD-IDEM', 'OR', '19827', [{ deviceId: serial, assetTag: 'IDEM-1', deviceFamily: 'iPad' }])]);
  let firstId = '';

  it('the same transactionId and body answer the same id and apply nothing twice', async () => {
    firstId = expectSuccess(await call(g.url, 'bulk-enroll-devices', body));
    const again = expectSuccess(await call(g.url, 'bulk-enroll-devices', body));
    expect(again).to.equal(firstId);
    const reordered = JSON.stringify(reverseKeys(body));
    expect(reordered).to.not.equal(JSON.stringify(body));
    const third = expectSuccess(await call(g.url, 'bulk-enroll-devices', null, { raw: reordered }));
    expect(third).to.equal(firstId);
    const report = (await deviceReport(g.t.db, serial))!;
    expect(report.state).to.equal('enrolled');
    expect(report.history.filter((e) => e.event === 'enrolled')).to.have.lengthOf(1);
    expect(report.history).to.have.lengthOf(1);
    const s = b(await status(g.url, firstId));
    expect(s.transactionId).to.equal('TX-IDEM');
    expect(s.statusCode).to.equal('COMPLETE');
  });

  it('the same transactionId with a different body is GW-TX-3010 (409) and applies nothing', async () => {
    const other = sn();
    const changed = bulk('TX-IDEM', [order('ORD-IDEM', 'OR', '19827', [{ deviceId: serial, assetTag: 'IDEM-1', deviceFamily: 'iPad' }, other])]);
    const a = await call(g.url, 'bulk-enroll-devices', changed);
    expect(a.status, a.text).to.equal(409);
    expect(b(a).enrollDeviceErrorResponse).to.be.an('object').and.not.an('array');
    expect(envelopeCodes(a, 'enrollDeviceErrorResponse')).to.deep.equal(['GW-TX-3010']);
    expect(b(a).enrollDeviceErrorResponse.errorMessage).to.include('TX-IDEM');
    expect(a.text).to.not.include(firstId);
    expect(await deviceReport(g.t.db, other)).to.equal(undefined);
    const shown = b(await show(g.url, ['ORD-IDEM']));
    expect(shown.orders[0].deliveries[0].devices).to.deep.equal([{ deviceId: serial, assetTag: 'IDEM-1' }]);
    // A changed asset tag alone is a different body too.
    const retagged = bulk('TX-IDEM', [order('ORD-IDEM', 'OR', '19827', [{ deviceId: serial, assetTag: 'IDEM-2', deviceFamily: 'iPad' }])]);
    expect(envelopeCodes(await call(g.url, 'bulk-enroll-devices', retagged), 'enrollDeviceErrorResponse')).to.deep.equal(['GW-TX-3010']);
    expect((await deviceReport(g.t.db, serial))!.assetTag).to.equal('IDEM-1');
  });

  it('the same transactionId used by reseller B is independent', async () => {
    const bSerial = sn();
    const bBody = bulk('TX-IDEM', [order('ORD-IDEM', 'OR', '30411', [bSerial])], RESELLER_B, SHIP_TO_B);
    const bId = expectSuccess(await call(g.url, 'bulk-enroll-devices', bBody, { key: KEY_B }));
    expect(bId).to.not.equal(firstId);
    const report = (await deviceReport(g.t.db, bSerial))!;
    expect(report.state).to.equal('enrolled');
    expect(report.supplier).to.equal(RESELLER_B);
    const s = b(await status(g.url, bId, KEY_B, context(RESELLER_B, SHIP_TO_B)));
    expect(s.transactionId).to.equal('TX-IDEM');
    expect(s.statusCode).to.equal('COMPLETE');
    // A's transaction and order are unchanged.
    expect(expectSuccess(await call(g.url, 'bulk-enroll-devices', body))).to.equal(firstId);
    expect(b(await show(g.url, ['ORD-IDEM'])).orders[0].customerId).to.equal('19827');
  });
});

// ---- 6. cross-reseller isolation ----------------------------------------------------

describe('reseller API: isolation between resellers', () => {
  const g = useSampleGateway();
  const ctxB = context(RESELLER_B, SHIP_TO_B);
  const [x1, x2, y1] = [sn(), sn(), sn()];
  let aTxId = '';

  before(async () => {
    aTxId = expectSuccess(await call(g.url, 'bulk-enroll-devices', bulk('TX-ISO-A', [order('ORD-ISO-A', 'OR', '30411', [x1, x2])])));
    expectSuccess(await call(g.url, 'bulk-enroll-devices', bulk('TX-ISO-A2', [order('ORD-ISO-A2', 'OR', '19827', [y1])])));
  });

  it("B cannot see A's transaction (DEP-ERR-4004)", async () => {
    const a = await status(g.url, aTxId, KEY_B, ctxB);
    expect(a.status, a.text).to.equal(400);
    expect(envelopeCodes(a, 'checkTransactionErrorResponse')).to.deep.equal(['DEP-ERR-4004']);
    expect(a.text).to.not.include(x1);
    // A still can.
    expect(b(await status(g.url, aTxId)).deviceEnrollmentTransactionID).to.equal(aTxId);
  });

  it("B cannot see A's order (DEP-ERR-5002)", async () => {
    const a = await show(g.url, ['ORD-ISO-A'], KEY_B, ctxB);
    expect(a.status, a.text).to.equal(200);
    expect(b(a).statusCode).to.equal('ERROR');
    expect(b(a).orders).to.have.lengthOf(1);
    expect(b(a).orders[0].showOrderStatusCode).to.equal('DEP-ERR-5002');
    expect(b(a).orders[0]).to.not.have.property('deliveries');
    expect(a.text).to.not.include(x1);
  });

  it("a VD from B with A's order number is DEP-ERR-OR-4109, and A's devices stay enrolled", async () => {
    const s = await enrol(g.url, bulk('TX-ISO-B-VD', [order('ORD-ISO-A', 'VD', '30411', null)], RESELLER_B, SHIP_TO_B), KEY_B, ctxB);
    expect(s.statusCode).to.equal('ERROR');
    expect(s.orders[0].orderNumber).to.equal('ORD-ISO-A');
    expect(s.orders[0].orderPostStatus).to.equal('DEP-ERR-OR-4109');
    expect(s.orders[0].orderPostStatusMessage).to.be.a('string').that.is.not.empty;
    for (const serial of [x1, x2]) {
      const r = (await deviceReport(g.t.db, serial))!;
      expect(r.state).to.equal('enrolled');
      expect(r.supplier).to.equal(RESELLER_A);
    }
    const shown = b(await show(g.url, ['ORD-ISO-A']));
    expect(shown.orders[0].orderType).to.equal('OR');
    expect(shown.orders[0].deliveries[0].devices).to.deep.equal([{ deviceId: x1 }, { deviceId: x2 }]);
  });

  it("an OV from B with A's order number is DEP-ERR-OR-4109 too", async () => {
    const s = await enrol(g.url, bulk('TX-ISO-B-OV', [order('ORD-ISO-A', 'OV', '30411', [sn()])], RESELLER_B, SHIP_TO_B), KEY_B, ctxB);
    expect(s.orders[0].orderPostStatus).to.equal('DEP-ERR-OR-4109');
    expect(b(await show(g.url, ['ORD-ISO-A'])).orders[0].deliveries[0].devices).to.have.lengthOf(2);
  });

  it("B enrolling A's device for the same organisation (30411) is DEP-ERR-DE-4305", async () => {
    const s = await enrol(g.url, bulk('TX-ISO-B-4305', [order('ORD-ISO-B1', 'OR', '30411', [x1])], RESELLER_B, SHIP_TO_B), KEY_B, ctxB);
    expect(s.statusCode).to.not.equal('COMPLETE');
    const d = deviceStatuses(s).get(x1);
    expect(d.devicePostStatus).to.equal('DEP-ERR-DE-4305');
    expect(d.devicePostStatusMessage).to.include(x1);
    const r = (await deviceReport(g.t.db, x1))!;
    expect(r.supplier).to.equal(RESELLER_A);
    expect(r.orderNumber).to.equal('ORD-ISO-A');
  });

  it("B enrolling A's device for another organisation is DEP-ERR-DE-4304", async () => {
    // x2 is A's, enrolled to 30411; B orders it for 19827.
    const s1 = await enrol(g.url, bulk('TX-ISO-B-4304-1', [order('ORD-ISO-B2', 'OR', '19827', [x2])], RESELLER_B, SHIP_TO_B), KEY_B, ctxB);
    expect(deviceStatuses(s1).get(x2).devicePostStatus).to.equal('DEP-ERR-DE-4304');
    // y1 is A's, enrolled to 19827; B orders it for 30411 (which has added B).
    const s2 = await enrol(g.url, bulk('TX-ISO-B-4304-2', [order('ORD-ISO-B3', 'OR', '30411', [y1])], RESELLER_B, SHIP_TO_B), KEY_B, ctxB);
    expect(deviceStatuses(s2).get(y1).devicePostStatus).to.equal('DEP-ERR-DE-4304');
    expect((await deviceReport(g.t.db, x2))!.organisation).to.equal('30411');
    expect((await deviceReport(g.t.db, y1))!.organisation).to.equal('19827');
  });

  it("an RE from B naming A's device cannot locate it (DEP-ERR-DE-4306) and leaves it enrolled", async () => {
    const s = await enrol(
      g.url,
      bulk('TX-ISO-B-RE', [lateOrder('ORD-ISO-B-RE', 'RE', '30411', [x1], '2026-02-01T10:00:00Z', '2026-02-02T10:00:00Z')], RESELLER_B, SHIP_TO_B),
      KEY_B,
      ctxB,
    );
    expect(deviceStatuses(s).get(x1).devicePostStatus).to.equal('DEP-ERR-DE-4306');
    const r = (await deviceReport(g.t.db, x1))!;
    expect(r.state).to.equal('enrolled');
    expect(r.supplier).to.equal(RESELLER_A);
  });

  it("B's own order may reuse A's order number without touching A's", async () => {
    const z = sn();
    const s = await enrol(g.url, bulk('TX-ISO-B-SAME', [order('ORD-ISO-A', 'OR', '30411', [z])], RESELLER_B, SHIP_TO_B), KEY_B, ctxB);
    expect(s.statusCode).to.equal('COMPLETE');
    expect(b(await show(g.url, ['ORD-ISO-A'], KEY_B, ctxB)).orders[0].deliveries[0].devices).to.deep.equal([{ deviceId: z }]);
    expect(b(await show(g.url, ['ORD-ISO-A'])).orders[0].deliveries[0].devices).to.deep.equal([{ deviceId: x1 }, { deviceId: x2 }]);
  });
});

// ---- 7. pending and linking ---------------------------------------------------------

describe('reseller API: pending devices and linking', () => {
  const g = useSampleGateway();


  it('an order for an organisation that has not added A is pending (GW-OR-4120), then enrolled on link', async () => {
    const p = sn();
    const s = await enrol(g.url, bulk('TX-PEND', [order('ORD-PEND', 'OR', '55120', [{ deviceId: p, deviceFamily: 'iPhone' }])]));
    expect(s.statusCode).to.equal('COMPLETE_WITH_ERRORS');
    expect(s.orders[0].orderPostStatus).to.equal('GW-OR-4120');
    expect(s.orders[0].orderPostStatusMessage).to.be.a('string').and.include('55120');
    expect(deviceStatuses(s).get(p).devicePostStatus).to.equal('COMPLETE');
    const before = (await deviceReport(g.t.db, p))!;
    expect(before.state).to.equal('pending');
    expect(before.pendingReason).to.include('GW-OR-4120');
    expect(before.server).to.equal(null);

    const result = await linkSupplier(g.t.db, TEST_ACTOR, '55120', RESELLER_A);
    expect(result.enrolled).to.equal(1);
    const after = (await deviceReport(g.t.db, p))!;
    expect(after.state).to.equal('enrolled');
    expect(after.organisation).to.equal('55120');
    expect(after.server).to.equal('Contoso Intune');
    expect(after.history.map((e) => e.event)).to.deep.equal(['pending', 'enrolled-on-link']);
    expect(after).to.not.have.property('pendingReason');
    // The order is the reseller's as before; nothing was resubmitted.
    expect(b(await show(g.url, ['ORD-PEND'])).orders[0].deliveries[0].devices).to.deep.equal([{ deviceId: p }]);
    // Now linked, a new order for 55120 enrols straight away.
    const q = sn();
    const s2 = await enrol(g.url, bulk('TX-PEND-2', [order('ORD-PEND-2', 'OR', '55120', [q])]));
    expect(s2.statusCode).to.equal('COMPLETE');
    expect((await deviceReport(g.t.db, q))!.state).to.equal('enrolled');
  });
});

// ---- 8. release ---------------------------------------------------------------------

describe('reseller API: released devices', () => {
  const g = useSampleGateway();
  const r1 = sn();


  it('a released device is refused by any later order with GW-DE-4310', async () => {
    const s = await enrol(g.url, bulk('TX-REL-1', [order('ORD-REL-1', 'OR', '30411', [r1])]));
    expect(s.statusCode).to.equal('COMPLETE');
    const released = await releaseDeviceFromOrg(g.t.db, TEST_ACTOR, '30411', r1, 'sold');
    expect(released).to.have.property('state', 'released');
    expect((await deviceReport(g.t.db, r1))!.state).to.equal('released');
    // It left its order.
    expect(b(await show(g.url, ['ORD-REL-1'])).orders[0].deliveries[0].devices).to.deep.equal([]);

    const fromA = await enrol(g.url, bulk('TX-REL-2', [order('ORD-REL-2', 'OR', '30411', [r1])]));
    expect(deviceStatuses(fromA).get(r1).devicePostStatus).to.equal('GW-DE-4310');
    expect(deviceStatuses(fromA).get(r1).devicePostStatusMessage).to.include(r1);

    const fromAOther = await enrol(g.url, bulk('TX-REL-3', [order('ORD-REL-3', 'OR', '19827', [r1])]));
    expect(deviceStatuses(fromAOther).get(r1).devicePostStatus).to.equal('GW-DE-4310');

    const ctxB = context(RESELLER_B, SHIP_TO_B);
    const fromB = await enrol(g.url, bulk('TX-REL-B', [order('ORD-REL-B', 'OR', '30411', [r1])], RESELLER_B, SHIP_TO_B), KEY_B, ctxB);
    expect(deviceStatuses(fromB).get(r1).devicePostStatus).to.equal('GW-DE-4310');

    const report = (await deviceReport(g.t.db, r1))!;
    expect(report.state).to.equal('released');
    expect(report.released).to.include({ by: '30411', reason: 'sold' });
    expect(report.history.filter((e) => e.event === 'enrolled')).to.have.lengthOf(1);
  });

  it('an OV naming a released device refuses it with GW-DE-4310 too', async () => {
    const keep = sn();
    const gone = sn();
    await enrol(g.url, bulk('TX-REL-OV-1', [order('ORD-REL-OV', 'OR', '19827', [keep, gone])]));
    const released = await releaseDeviceFromOrg(g.t.db, TEST_ACTOR, '19827', gone, 'lost');
    expect(released).to.have.property('state', 'released');
    const s = await enrol(g.url, bulk('TX-REL-OV-2', [order('ORD-REL-OV', 'OV', '19827', [keep, gone])]));
    expect(deviceStatuses(s).get(gone).devicePostStatus).to.equal('GW-DE-4310');
    expect(deviceStatuses(s).get(keep).devicePostStatus).to.equal('COMPLETE');
    expect((await deviceReport(g.t.db, gone))!.state).to.equal('released');
  });
});

// ---- 9. a request is a received document ------------------------------------------------

describe('reseller API: every request is a received document, kept byte for byte and replayable', () => {
  const g = useSampleGateway();

  async function v1(path: string, key = KEY_A, method = 'GET'): Promise<Answer> {
    const res = await fetch(`${g.url}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, text };
  }

  it('an order for an organisation not yet on file: its request kept exactly, shown like any document, and replayed once the organisation exists', async () => {
    const serial = sn();
    // Extra fields and odd spacing, as real clients send: kept as sent, acted on as the protocol's fields.
    const raw = `{ "depResellerId":"${RESELLER_A}","requestContext":{"shipTo":"${SHIP_TO_A}","timeZone":"420","langCode":"en","clientVersion":"9.1"},\n  "transactionId":"TX-DOC-1",\n  "orders":[${JSON.stringify(order('ORD-DOC-1', 'OR', '77123', [serial]))}] }`;
    const posted = await call(g.url, 'bulk-enroll-devices', undefined, { raw });
    const enrollmentId = expectSuccess(posted);
    const first = await status(g.url, enrollmentId);
    expect(b(first).statusCode).to.equal('ERROR');
    expect(b(first).orders[0].orderPostStatus).to.equal('DEP-ERR-OR-4102');

    const listed = await v1('/v1/documents?channel=reseller-api');
    const doc = (b(listed).items as any[]).find((d) => d.status === 'rejected');
    expect(doc, listed.text).to.include({ channel: 'reseller-api', format: 'reseller-api', mappingId: 'reseller-api', supplierId: RESELLER_A });
    const shown = await v1(`/v1/documents/${doc.documentId}`);
    expect(shown.status, shown.text).to.equal(200);
    expect(b(shown)).to.include({ status: 'rejected', channel: 'reseller-api', sizeBytes: Buffer.byteLength(raw) });
    expect((b(shown).items as any[]).map((i) => [i.kind, i.orderNumber, i.status])).to.deep.equal([['order', 'ORD-DOC-1', 'DEP-ERR-OR-4102']]);
    const kept = (await g.t.db('documents').where({ document_id: doc.documentId }).first('sha256')) as { sha256: string };
    expect((await keptBytes(g.t.db, kept.sha256)).toString('utf8')).to.equal(raw);
    expect((await deviceReport(g.t.db, serial))).to.equal(undefined);

    await addOrganisation(g.t.db, TEST_ACTOR, { orgId: '77123', name: 'Late Arrivals School', country: 'US' });
    await linkSupplier(g.t.db, TEST_ACTOR, '77123', RESELLER_A);
    const replayed = await v1(`/v1/documents/${doc.documentId}/replay`, KEY_A, 'POST');
    expect(replayed.status, replayed.text).to.equal(200);
    expect(b(replayed)).to.include({ documentId: doc.documentId, status: 'applied' });
    // The same transaction, with its enrollment id, now says what the replay did.
    const after = await status(g.url, enrollmentId);
    expect(b(after).statusCode).to.equal('COMPLETE');
    expect(deviceStatuses(b(after)).get(serial).devicePostStatus).to.equal('COMPLETE');
    expect((await deviceReport(g.t.db, serial))!.state).to.equal('enrolled');
    // Sending the request again answers the same transaction and applies nothing twice.
    expect(expectSuccess(await call(g.url, 'bulk-enroll-devices', undefined, { raw }))).to.equal(enrollmentId);
    expect((await deviceReport(g.t.db, serial))!.history).to.have.length(1);
  });

  it('a request refused before it is a transaction (an unknown Ship-To) is kept, and runs again when sent again after the Ship-To is added', async () => {
    const body = bulk('TX-DOC-SHIPTO', [order('ORD-DOC-2', 'OR', '19827', [sn()])], RESELLER_A, '0000099999');
    expectFlat(await call(g.url, 'bulk-enroll-devices', body), 'GRX-50025', 403);
    const listed = b(await v1('/v1/documents?channel=reseller-api&status=rejected')).items as any[];
    expect(listed.some((d) => d.errorCount === 1)).to.equal(true);
    await addShipTo(g.t.db, TEST_ACTOR, RESELLER_A, '0000099999');
    const id = expectSuccess(await call(g.url, 'bulk-enroll-devices', body));
    expect(b(await status(g.url, id)).statusCode).to.equal('COMPLETE');
  });
});
