// Resellers' documents and transactions over real HTTP against a real database (SQLite,
// or PostgreSQL when DATABASE_URL is set), loaded with samples/: each reseller lists and
// reads only its own; the operator sees every one and filters by supplier; other roles
// are refused with a JSON body saying why. Every answer is checked against /openapi.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { DEFAULT_CONFIG } from '../../src/config.js';
import type { RunningServer } from '../../src/channels/http/server.js';
import { databaseKind, sampleDatabase, type TestDb } from '../support/db.js';
import { KEY_A, KEY_B, RESELLER_A, RESELLER_B, SHIP_TO_B, bulk, call, context, order, startGateway } from '../support/http.js';
import { api as rawApi, makeKey, type ApiAnswer } from '../support/api.js';
import { OpenApiChecker } from '../support/openapi-check.js';
import { SAMPLE_CSV, tempDir } from '../intake/support.js';

const HEADER = 'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number';

let serialCounter = 0;
/** A fresh, valid serial number. */
function sn(): string {
  serialCounter++;
  return `RDT${process.pid % 1000}X${String(serialCounter).padStart(6, '0')}`;
}

describe(`reseller documents and transactions (${databaseKind()})`, function () {
  this.timeout(30000);
  let t: TestDb;
  let gw: RunningServer;
  let spool: ReturnType<typeof tempDir>;
  let checker: OpenApiChecker;
  let operator: string;
  const others: Record<string, string> = {};
  /** Enrollment ids by "<reseller>/<transactionId>". */
  const enrollment = new Map<string, string>();
  const badSerial = 'abcd1234efgh';

  /** A /v1 request whose exchange must conform to /openapi.json. */
  async function api(method: 'GET', path: string, key: string | null): Promise<ApiAnswer> {
    const answer = await rawApi(gw.url, method, path, key);
    expect(checker.problems({ method, url: path, answer })).to.deep.equal([]);
    return answer;
  }

  async function enrol(reseller: string, key: string, txId: string, orders: unknown[]): Promise<void> {
    const shipTo = reseller === RESELLER_A ? undefined : SHIP_TO_B;
    const r = await call(gw.url, 'bulk-enroll-devices', shipTo ? bulk(txId, orders, reseller, shipTo) : bulk(txId, orders), { key });
    expect(r.status, r.text).to.equal(200);
    enrollment.set(`${reseller}/${txId}`, r.body.deviceEnrollmentTransactionId as string);
  }

  async function upload(key: string, bytes: Buffer | string, fileName: string, contentType: string): Promise<{ status: number; documentId: string }> {
    const res = await fetch(`${gw.url}/v1/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': contentType, 'x-file-name': fileName },
      body: typeof bytes === 'string' ? bytes : new Uint8Array(bytes),
    });
    const body = (await res.json()) as { documentId: string };
    return { status: res.status, documentId: body.documentId };
  }

  const docs: Record<string, string> = {};

  before(async function () {
    t = await sampleDatabase();
    spool = tempDir('gw-rd-spool');
    gw = await startGateway(t.db, { intake: { ...DEFAULT_CONFIG.intake, spoolDir: join(spool.dir, 'spool') } });
    checker = new OpenApiChecker((await rawApi(gw.url, 'GET', '/openapi.json', null)).body);
    operator = (await makeKey(t.db, 'operator')).key;
    others.org_admin = (await makeKey(t.db, 'org_admin', { orgId: '19827' })).key;
    others.finance = (await makeKey(t.db, 'finance')).key;
    others.metrics = (await makeKey(t.db, 'metrics')).key;

    // Oldest first: A's three, then B's two; both resellers use the id TX-SHARED.
    await enrol(RESELLER_A, KEY_A, 'TX-A1', [order('ORD-RD-A1', 'OR', '19827', [sn(), sn()])]);
    await enrol(RESELLER_A, KEY_A, 'TX-A2', [order('ORD-RD-A2', 'OR', '19827', [sn(), badSerial])]);
    await enrol(RESELLER_A, KEY_A, 'TX-SHARED', [order('ORD-RD-A3', 'OR', '19827', [sn()])]);
    // An order for a customer that does not exist: an order-level error, no delivery named.
    await enrol(RESELLER_B, KEY_B, 'TX-B1', [order('ORD-RD-B1', 'OR', '30411', [sn()]), order('ORD-RD-BX', 'OR', '99999', [sn()])]);
    await enrol(RESELLER_B, KEY_B, 'TX-SHARED', [order('ORD-RD-B2', 'OR', '30411', [sn()]), order('ORD-RD-B3', 'OR', '30411', [sn()])]);

    const a = await upload(KEY_A, readFileSync(SAMPLE_CSV), 'brightline-ship-notice.csv', 'text/csv');
    expect(a.status).to.equal(201);
    docs.aCsv = a.documentId;
    const broken = `${HEADER}\nRD-BRK-1,OR,2026-11-02,19827,PO-1,D-1,tomorrow,RDBRK000001,,MW6F3LL/A\n`;
    const r = await upload(KEY_A, broken, 'broken.csv', 'text/csv');
    expect(r.status).to.equal(422);
    docs.aBroken = r.documentId;
    const b = await upload(KEY_B, readFileSync('samples/documents/harbour-orders.xml'), 'harbour-orders.xml', 'application/xml');
    expect(b.status).to.be.oneOf([201, 202]);
    docs.bXml = b.documentId;
  });
  after(async function () {
    await gw?.close();
    await t?.close();
    spool?.remove();
  });

  const ids = (r: ApiAnswer, field: string) => (r.body.items as Record<string, unknown>[]).map((i) => i[field]);

  describe('transactions', function () {
    it('a reseller lists only its own, newest first, with order and error counts', async function () {
      const a = await api('GET', '/v1/transactions', KEY_A);
      expect(a.status, a.text).to.equal(200);
      expect(ids(a, 'transactionId')).to.deep.equal(['TX-SHARED', 'TX-A2', 'TX-A1']);
      expect(new Set(ids(a, 'supplierId'))).to.deep.equal(new Set([RESELLER_A]));
      expect(a.body.nextCursor).to.equal(null);
      const [shared, a2, a1] = a.body.items;
      expect(a2).to.include({ enrollmentId: enrollment.get(`${RESELLER_A}/TX-A2`), statusCode: 'COMPLETE_WITH_ERRORS', orderCount: 1, errorCount: 1 });
      expect(a1).to.include({ statusCode: 'COMPLETE', orderCount: 1, errorCount: 0 });
      expect(shared).to.include({ enrollmentId: enrollment.get(`${RESELLER_A}/TX-SHARED`) });
      expect(a1.links).to.deep.equal({ self: '/v1/transactions/TX-A1' });
      expect(a.text).to.not.include('TX-B1').and.not.include(enrollment.get(`${RESELLER_B}/TX-SHARED`));

      const b = await api('GET', '/v1/transactions', KEY_B);
      expect(ids(b, 'transactionId')).to.deep.equal(['TX-SHARED', 'TX-B1']);
      expect(b.body.items[0]).to.include({ enrollmentId: enrollment.get(`${RESELLER_B}/TX-SHARED`), orderCount: 2, errorCount: 0 });
    });

    it("a reseller reading another reseller's transaction gets 404, exactly like a missing one", async function () {
      const other = await api('GET', '/v1/transactions/TX-B1', KEY_A);
      const missing = await api('GET', '/v1/transactions/TX-NOPE', KEY_A);
      for (const r of [other, missing]) {
        expect(r.status, r.text).to.equal(404);
        expect(r.body.error.code).to.equal('GW-RSL-4041');
        expect(r.body.error.requestId).to.equal(r.headers.get('x-request-id'));
      }
      expect(other.body.error.message.replace('TX-B1', 'X')).to.equal(missing.body.error.message.replace('TX-NOPE', 'X'));
      expect(other.text).to.not.include(RESELLER_B).and.not.include('ORD-RD-B1');
      // The id both resellers used: each reads its own.
      const sharedA = await api('GET', '/v1/transactions/TX-SHARED', KEY_A);
      expect(sharedA.body).to.include({ supplierId: RESELLER_A, enrollmentId: enrollment.get(`${RESELLER_A}/TX-SHARED`) });
      const sharedB = await api('GET', '/v1/transactions/TX-SHARED', KEY_B);
      expect(sharedB.body).to.include({ supplierId: RESELLER_B, enrollmentId: enrollment.get(`${RESELLER_B}/TX-SHARED`), orderCount: 2 });
    });

    it('a reseller naming another supplier is refused (403), on the list and on one transaction', async function () {
      for (const path of [`/v1/transactions?supplier=${RESELLER_B}`, `/v1/transactions/TX-B1?supplier=${RESELLER_B}`, `/v1/documents?supplier=${RESELLER_B}`]) {
        const r = await api('GET', path, KEY_A);
        expect(r.status, r.text).to.equal(403);
        expect(r.body.error.code).to.equal('GW-AUTH-403');
        expect(r.body.error.message).to.include('only its own');
      }
      const own = await api('GET', `/v1/transactions?supplier=${RESELLER_A}`, KEY_A);
      expect(ids(own, 'transactionId')).to.deep.equal(['TX-SHARED', 'TX-A2', 'TX-A1']);
    });

    it('one transaction: orders, every coded error with its order, delivery and device, and the ack the reseller API answers', async function () {
      const r = await api('GET', '/v1/transactions/TX-A2', KEY_A);
      expect(r.status, r.text).to.equal(200);
      expect(r.body).to.include({ transactionId: 'TX-A2', supplierId: RESELLER_A, statusCode: 'COMPLETE_WITH_ERRORS', orderCount: 1, errorCount: 1 });
      expect(r.body.orders).to.deep.equal([{ orderNumber: 'ORD-RD-A2', status: 'POSTED_WITH_ERRORS', deliveries: 1, devices: 2, devicesRefused: 1 }]);
      expect(r.body.errors).to.have.length(1);
      expect(r.body.errors[0]).to.include({ orderNumber: 'ORD-RD-A2', deliveryNumber: 'D1', deviceId: badSerial, code: 'DEP-ERR-DE-4301' });
      expect(r.body.errors[0].message).to.include(badSerial);
      // The ack is what check-transaction-status answers, field for field.
      const status = await call(gw.url, 'check-transaction-status', { ...context(), deviceEnrollmentTransactionId: enrollment.get(`${RESELLER_A}/TX-A2`) }, { key: KEY_A });
      expect(status.status, status.text).to.equal(200);
      expect(r.body.ack).to.deep.equal(status.body);
      // The list's error count is the detail's.
      const listed = (await api('GET', '/v1/transactions', KEY_A)).body.items.find((i: { transactionId: string }) => i.transactionId === 'TX-A2');
      expect(listed.errorCount).to.equal(r.body.errors.length);
    });

    it('lang=fr: the same codes, in French', async function () {
      const en = await api('GET', '/v1/transactions/TX-A2', KEY_A);
      const fr = await api('GET', '/v1/transactions/TX-A2?lang=fr', KEY_A);
      expect(fr.body.errors.map((e: { code: string }) => e.code)).to.deep.equal(en.body.errors.map((e: { code: string }) => e.code));
      expect(fr.body.errors[0].message).to.not.equal(en.body.errors[0].message);
      expect(fr.body.ack.orders[0].deliveries[0].devices[1].devicePostStatusMessage).to.equal(fr.body.errors[0].message);
    });

    it('the operator lists every reseller\'s, and filters by supplier and status', async function () {
      const all = await api('GET', '/v1/transactions', operator);
      expect(all.status, all.text).to.equal(200);
      expect(all.body.items.map((i: { supplierId: string; transactionId: string }) => `${i.supplierId}/${i.transactionId}`)).to.deep.equal([
        `${RESELLER_B}/TX-SHARED`,
        `${RESELLER_B}/TX-B1`,
        `${RESELLER_A}/TX-SHARED`,
        `${RESELLER_A}/TX-A2`,
        `${RESELLER_A}/TX-A1`,
      ]);
      // The operator's link names the reseller: ids are unique per reseller only.
      expect(all.body.items[0].links.self).to.equal(`/v1/transactions/TX-SHARED?supplier=${RESELLER_B}`);
      const b = await api('GET', `/v1/transactions?supplier=${RESELLER_B}`, operator);
      expect(ids(b, 'transactionId')).to.deep.equal(['TX-SHARED', 'TX-B1']);
      const withErrors = await api('GET', '/v1/transactions?statusCode=COMPLETE_WITH_ERRORS', operator);
      expect(ids(withErrors, 'transactionId')).to.deep.equal(['TX-B1', 'TX-A2']);
      expect(ids(await api('GET', '/v1/transactions?statusCode=ERROR', operator), 'transactionId')).to.deep.equal([]);
      const unknown = await api('GET', '/v1/transactions?supplier=NOSUCH01', operator);
      expect(unknown.status).to.equal(404);
      expect(unknown.body.error.code).to.equal('GW-ADM-NOT-FOUND');
    });

    it('the operator reads one transaction by naming its reseller; without supplier it is 400 naming the parameter', async function () {
      const none = await api('GET', '/v1/transactions/TX-SHARED', operator);
      expect(none.status, none.text).to.equal(400);
      expect(none.body.error.code).to.equal('GW-API-4001');
      expect(none.body.error.details).to.deep.equal([{ in: 'query', path: 'supplier', message: 'is required with an operator key: transaction ids are unique per reseller' }]);
      const b = await api('GET', `/v1/transactions/TX-SHARED?supplier=${RESELLER_B}`, operator);
      expect(b.status, b.text).to.equal(200);
      expect(b.body).to.include({ supplierId: RESELLER_B, enrollmentId: enrollment.get(`${RESELLER_B}/TX-SHARED`) });
      expect(b.body.links.self).to.equal(`/v1/transactions/TX-SHARED?supplier=${RESELLER_B}`);
      // An order-level error: no delivery, no device; the list counts it as the detail does.
      const b1 = await api('GET', `/v1/transactions/TX-B1?supplier=${RESELLER_B}`, operator);
      expect(b1.body).to.include({ statusCode: 'COMPLETE_WITH_ERRORS', orderCount: 2, errorCount: 1 });
      expect(b1.body.errors).to.have.length(1);
      expect(b1.body.errors[0]).to.include({ orderNumber: 'ORD-RD-BX', deliveryNumber: null, deviceId: null, code: 'DEP-ERR-OR-4102' });
      expect(b1.body.errors[0].message).to.include('99999');
      const listed = (await api('GET', `/v1/transactions?supplier=${RESELLER_B}`, operator)).body.items[1];
      expect(listed).to.include({ transactionId: 'TX-B1', orderCount: 2, errorCount: 1 });
      const missing = await api('GET', `/v1/transactions/TX-A1?supplier=${RESELLER_B}`, operator);
      expect(missing.status).to.equal(404);
      expect(missing.body.error.message).to.include(RESELLER_B);
    });

    it('pages: limit and cursor walk the list once, newest first; a cursor with other filters is refused', async function () {
      const full = ids(await api('GET', '/v1/transactions', operator), 'enrollmentId');
      const seen: unknown[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: ApiAnswer = await api('GET', `/v1/transactions?limit=2${cursor ? `&cursor=${cursor}` : ''}`, operator);
        expect(page.status, page.text).to.equal(200);
        expect(page.body.items.length).to.be.at.most(2);
        seen.push(...ids(page, 'enrollmentId'));
        cursor = page.body.nextCursor as string | null;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(pages).to.equal(3);
      expect(seen).to.deep.equal(full);
      const first = await api('GET', '/v1/transactions?limit=2', operator);
      const reused = await api('GET', `/v1/transactions?limit=2&supplier=${RESELLER_A}&cursor=${first.body.nextCursor}`, operator);
      expect(reused.status).to.equal(400);
      expect(reused.body.error.code).to.equal('GW-API-4002');
      const garbage = await api('GET', '/v1/transactions?cursor=not-a-cursor', operator);
      expect(garbage.status).to.equal(400);
      expect(garbage.body.error.code).to.equal('GW-API-4002');
    });

    it('received-day filters: today holds them all, tomorrow none; a bad day or to before from is 400 naming the parameter', async function () {
      const today = new Date().toISOString().slice(0, 10);
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      // A test run across midnight UTC may split them: today's list then holds the later ones.
      const todays = await api('GET', `/v1/transactions?from=${today}&to=${today}`, KEY_A);
      expect(todays.body.items.length).to.be.within(1, 3);
      const all = await api('GET', `/v1/transactions?to=${tomorrow}`, KEY_A);
      expect(all.body.items).to.have.length(3);
      expect((await api('GET', `/v1/transactions?from=${tomorrow}`, KEY_A)).body.items).to.deep.equal([]);
      const backwards = await api('GET', `/v1/transactions?from=${tomorrow}&to=${today}`, KEY_A);
      expect(backwards.status).to.equal(400);
      expect(backwards.body.error).to.include({ code: 'GW-API-4001' });
      expect(backwards.body.error.details[0]).to.include({ in: 'query', path: 'to' });
      const notADay = await rawApi(gw.url, 'GET', '/v1/transactions?from=2026-02-30', KEY_A);
      expect(notADay.status).to.equal(400);
      expect(notADay.body.error.details[0]).to.include({ in: 'query', path: 'from' });
      const badShape = await rawApi(gw.url, 'GET', '/v1/transactions?from=2026-1-1', KEY_A);
      expect(badShape.status).to.equal(400);
      expect(badShape.body.error.code).to.equal('GW-API-4001');
      expect(badShape.body.error.details[0]).to.include({ in: 'query', path: 'from' });
      const badStatus = await rawApi(gw.url, 'GET', '/v1/transactions?statusCode=DONE', KEY_A);
      expect(badStatus.status).to.equal(400);
      expect(badStatus.body.error.details[0]).to.include({ in: 'query', path: 'statusCode' });
      const unknownParam = await rawApi(gw.url, 'GET', '/v1/transactions?colour=red', KEY_A);
      expect(unknownParam.status).to.equal(400);
      expect(unknownParam.body.error.details[0]).to.include({ in: 'query', path: 'colour' });
    });
  });

  describe('documents', function () {
    it('a reseller lists only its own documents, newest first, with counts and links', async function () {
      // Reseller-API requests are received documents too: A's three transactions, oldest last.
      const requests = await api('GET', '/v1/documents?channel=reseller-api', KEY_A);
      expect(requests.body.items.map((d: { status: string }) => d.status)).to.deep.equal(['applied', 'applied_with_errors', 'applied']);
      for (const d of requests.body.items) expect(d).to.include({ supplierId: RESELLER_A, format: 'reseller-api', mappingId: 'reseller-api', fileName: 'bulk-enroll-devices' });
      const a = await api('GET', '/v1/documents?channel=http', KEY_A);
      expect(a.status, a.text).to.equal(200);
      expect(ids(a, 'documentId')).to.deep.equal([docs.aBroken, docs.aCsv]);
      const everything = await api('GET', '/v1/documents', KEY_A);
      expect(ids(everything, 'documentId')).to.deep.equal([...ids(a, 'documentId'), ...ids(requests, 'documentId')]);
      const [broken, csv] = a.body.items;
      expect(csv).to.include({ supplierId: RESELLER_A, channel: 'http', fileName: 'brightline-ship-notice.csv', format: 'csv', mappingId: 'brightline-csv', status: 'applied', errorCount: 0 });
      expect(csv.summary).to.include({ purchaseOrders: 2, shipNotices: 2, devices: 6, devicesEnrolled: 6 });
      expect(csv.links).to.deep.equal({ self: `/v1/documents/${docs.aCsv}`, ack: `/v1/documents/${docs.aCsv}/ack` });
      expect(csv.receivedAt).to.be.a('string');
      expect(broken).to.include({ status: 'rejected', errorCount: 1 });
      expect(a.text).to.not.include(docs.bXml!);
      const b = await api('GET', '/v1/documents?channel=http', KEY_B);
      expect(ids(b, 'documentId')).to.deep.equal([docs.bXml]);
      expect(b.body.items[0]).to.include({ supplierId: RESELLER_B, format: 'xml', mappingId: 'harbour-xml' });
    });

    it('the operator lists every supplier\'s, and filters by supplier, status, format, channel and day', async function () {
      const all = await api('GET', '/v1/documents?channel=http', operator);
      expect(ids(all, 'documentId')).to.deep.equal([docs.bXml, docs.aBroken, docs.aCsv]);
      expect((await api('GET', '/v1/documents?channel=reseller-api', operator)).body.items).to.have.length(5);
      expect(ids(await api('GET', `/v1/documents?supplier=${RESELLER_A}&channel=http`, operator), 'documentId')).to.deep.equal([docs.aBroken, docs.aCsv]);
      expect(ids(await api('GET', '/v1/documents?status=rejected&channel=http', operator), 'documentId')).to.deep.equal([docs.aBroken]);
      expect(ids(await api('GET', '/v1/documents?format=xml', operator), 'documentId')).to.deep.equal([docs.bXml]);
      expect(ids(await api('GET', '/v1/documents?channel=sftp', operator), 'documentId')).to.deep.equal([]);
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      expect(ids(await api('GET', `/v1/documents?from=${tomorrow}`, operator), 'documentId')).to.deep.equal([]);
      expect(ids(await api('GET', `/v1/documents?to=${tomorrow}&format=csv`, operator), 'documentId')).to.deep.equal([docs.aBroken, docs.aCsv]);
      const page1 = await api('GET', '/v1/documents?limit=1&channel=http', operator);
      expect(ids(page1, 'documentId')).to.deep.equal([docs.bXml]);
      const page2 = await api('GET', `/v1/documents?limit=2&channel=http&cursor=${page1.body.nextCursor}`, operator);
      expect(ids(page2, 'documentId')).to.deep.equal([docs.aBroken, docs.aCsv]);
      expect(page2.body.nextCursor).to.equal(null);
      // The list's link is readable by the operator.
      const one = await rawApi(gw.url, 'GET', all.body.items[0].links.self, operator);
      expect(one.status, one.text).to.equal(200);
    });

    it('a bad filter is 400 GW-API-4001 naming the parameter', async function () {
      for (const [query, field] of [
        ['status=done', 'status'],
        ['channel=ftp', 'channel'],
        ['format=X%2012', 'format'],
        ['limit=0', 'limit'],
        ['limit=1001', 'limit'],
        ['supplier=not%20an%20id', 'supplier'],
      ] as const) {
        const r = await rawApi(gw.url, 'GET', `/v1/documents?${query}`, operator);
        expect(r.status, query).to.equal(400);
        expect(r.body.error.code).to.equal('GW-API-4001');
        expect(r.body.error.details[0], query).to.include({ in: 'query', path: field });
      }
    });
  });

  it('organisation admin, finance and metrics keys are refused with 403 and a JSON body saying why; no key is 401', async function () {
    for (const [role, key] of Object.entries(others)) {
      for (const path of ['/v1/documents', '/v1/transactions', '/v1/transactions/TX-A1']) {
        const r = await api('GET', path, key);
        expect(r.status, `${role} ${path}`).to.equal(403);
        expect(r.headers.get('content-type')).to.match(/^application\/json/);
        expect(r.body.error.code).to.equal('GW-AUTH-403');
        expect(r.body.error.message).to.match(/needs a reseller key or an operator key; this is an? (organisation admin|finance|metrics) key/);
        expect(r.text).to.not.include('TX-A1"');
      }
    }
    const anonymous = await api('GET', '/v1/transactions', null);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.body.error.code).to.equal('GW-AUTH-401');
  });
});
