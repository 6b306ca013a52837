// Document upload over real HTTP against a real database (SQLite, or PostgreSQL when
// DATABASE_URL is set), loaded with samples/: a partner posts a file's raw bytes and
// reads back the status, the items and the acknowledgement of its own documents only.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { addOrganisation, linkSupplier } from '../../src/admin/operations.js';
import { deviceReport } from '../../src/admin/lookups.js';
import type { RunningServer } from '../../src/channels/http/server.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { DOCUMENT_API_LIMITS } from '../../src/model/limits.js';
import { databaseKind, sampleDatabase, TEST_ACTOR, type TestDb } from '../support/db.js';
import { KEY_A, KEY_B, startGateway } from '../support/http.js';
import { makeKey } from '../support/api.js';
import { SAMPLE_CSV, SAMPLE_JSON, tempDir } from '../intake/support.js';
import { INTAKE_LIMITS } from '../../src/model/limits.js';

interface Reply {
  status: number;
  contentType: string;
  headers: Headers;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const HEADER = 'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number';

describe(`document upload API (${databaseKind()})`, function () {
  this.timeout(20000);
  let t: TestDb;
  let gw: RunningServer;
  let spool: ReturnType<typeof tempDir>;
  const sample = readFileSync(SAMPLE_CSV);

  before(async function () {
    t = await sampleDatabase();
    spool = tempDir('gw-api-spool');
    gw = await startGateway(t.db, { intake: { ...DEFAULT_CONFIG.intake, spoolDir: join(spool.dir, 'spool') } });
  });
  after(async function () {
    await gw?.close();
    await t?.close();
    spool?.remove();
  });

  async function request(method: 'GET' | 'POST', path: string, opts: { key?: string | null; body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? KEY_A : opts.key;
    if (key) headers.authorization = `Bearer ${key}`;
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : new Uint8Array(opts.body);
    const res = await fetch(`${gw.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON (a CSV ack): tests read `text` */
    }
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', headers: res.headers, text, body: parsed };
  }

  const upload = (bytes: Buffer | string, fileName: string, opts: { key?: string | null; headers?: Record<string, string> } = {}) =>
    request('POST', '/v1/documents', { ...opts, body: bytes, headers: { 'content-type': 'text/csv', 'x-file-name': fileName, ...opts.headers } });

  /** An answer that says what went wrong with a code, and never leaks a stack trace. */
  function expectCodedError(r: Reply, status: number, code: string): void {
    expect(r.status, r.text).to.equal(status);
    expect(r.contentType).to.match(/^application\/json/);
    expect(r.body.error.code, r.text).to.equal(code);
    expect(r.body.error.message).to.be.a('string').that.is.not.empty;
    expect(r.text).to.not.match(/\n\s+at\s/);
  }

  let firstId: string;

  it('POST /v1/documents with the CSV sample: 201, its document id and status applied', async function () {
    const r = await upload(sample, 'brightline-ship-notice.csv');
    expect(r.status, r.text).to.equal(201);
    expect(r.body.documentId).to.match(/^doc_[0-9a-f-]{36}$/);
    expect(r.body).to.include({ status: 'applied', format: 'csv', mappingId: 'brightline-csv' });
    expect(r.body.summary).to.deep.equal({ purchaseOrders: 2, shipNotices: 2, devices: 6, devicesEnrolled: 6, devicesRefused: 0, devicesAwaiting: 0 });
    expect(r.body.errors).to.deep.equal([]);
    expect(r.body.links).to.deep.equal({ self: `/v1/documents/${r.body.documentId}`, ack: `/v1/documents/${r.body.documentId}/ack` });
    firstId = r.body.documentId;
  });

  it('GET /v1/documents/:id: status, summary and items', async function () {
    const r = await request('GET', `/v1/documents/${firstId}`);
    expect(r.status, r.text).to.equal(200);
    expect(r.body).to.include({ documentId: firstId, supplierId: '16FCE4A0', status: 'applied', channel: 'http', fileName: 'brightline-ship-notice.csv', format: 'csv', mappingId: 'brightline-csv', sizeBytes: sample.length, replays: 0 });
    expect(r.body.summary).to.deep.equal({ purchaseOrders: 2, shipNotices: 2, devices: 6, devicesEnrolled: 6, devicesRefused: 0, devicesAwaiting: 0 });
    expect(r.body.errors).to.deep.equal([]);
    expect(r.body.items.map((i: any) => [i.item, i.kind, i.orderNumber, i.deliveryNumber, i.status, i.devices, i.devicesRefused])).to.deep.equal([
      [1, 'purchaseOrder', 'BL-CSV-2001', null, 'open', 0, 0],
      [2, 'shipNotice', 'BL-CSV-2001', 'BL-D-2001-1', 'applied', 4, 0],
      [3, 'purchaseOrder', 'BL-CSV-2002', null, 'open', 0, 0],
      [4, 'shipNotice', 'BL-CSV-2002', 'BL-D-2002-1', 'applied', 2, 0],
    ]);
    expect(r.body).to.include({ itemsListed: 4, itemsTotal: 4 });
  });

  it('GET /v1/documents/:id/ack: the CSV ack, a row per device', async function () {
    const r = await request('GET', `/v1/documents/${firstId}/ack`);
    expect(r.status, r.text).to.equal(200);
    expect(r.contentType).to.match(/^text\/csv/);
    expect(r.headers.get('content-disposition')).to.equal('attachment; filename="brightline-ship-notice.ack.csv"');
    const rows = parse(r.text, { columns: true }) as Record<string, string>[];
    const devices = rows.filter((row) => row.serial !== '');
    expect(devices.map((d) => [d.serial, d.status, d.code, d.at])).to.deep.equal([
      ['BLC0NWIPAD01', 'ENROLLED', '', 'line 2'],
      ['BLC0NWIPAD02', 'ENROLLED', '', 'line 3'],
      ['BLC0NWIPAD03', 'ENROLLED', '', 'line 4'],
      ['BLC0NWMAC001', 'ENROLLED', '', 'line 5'],
      ['BLC0FABIPH01', 'ENROLLED', '', 'line 6'],
      ['BLC0FABIPH02', 'ENROLLED', '', 'line 7'],
    ]);
    expect(rows.every((row) => row.document_id === firstId && row.document_status === 'applied')).to.equal(true);
  });

  it('GET /v1/documents/:id/devices: each device as the ack gives it, a page at a time, one status when asked', async function () {
    const all = await request('GET', `/v1/documents/${firstId}/devices?limit=4`);
    expect(all.status, all.text).to.equal(200);
    expect(all.body.items.map((d: any) => [d.item, d.serial, d.status, d.code, d.at])).to.deep.equal([
      [2, 'BLC0NWIPAD01', 'ENROLLED', null, 'line 2'],
      [2, 'BLC0NWIPAD02', 'ENROLLED', null, 'line 3'],
      [2, 'BLC0NWIPAD03', 'ENROLLED', null, 'line 4'],
      [2, 'BLC0NWMAC001', 'ENROLLED', null, 'line 5'],
    ]);
    const rest = await request('GET', `/v1/documents/${firstId}/devices?limit=4&cursor=${all.body.nextCursor}`);
    expect(rest.body.items.map((d: any) => [d.item, d.serial])).to.deep.equal([
      [4, 'BLC0FABIPH01'],
      [4, 'BLC0FABIPH02'],
    ]);
    expect(rest.body.nextCursor).to.equal(null);
    // A cursor made for another filter is refused, not answered with another list.
    const mixed = await request('GET', `/v1/documents/${firstId}/devices?limit=4&status=REFUSED&cursor=${all.body.nextCursor}`);
    expectCodedError(mixed, 400, 'GW-API-4002');
    const none = await request('GET', `/v1/documents/${firstId}/devices?status=REFUSED`);
    expect(none.body).to.deep.equal({ items: [], nextCursor: null });
    // The same devices in a later file are refused, each with its code, message and line.
    const again = await upload(sample.toString('utf8').replace(/BL-CSV-200/g, 'BL-CSV-300').replace(/BL-D-200/g, 'BL-D-300'), 'brightline-again.csv');
    expect(again.body.status, again.text).to.equal('applied_with_errors');
    const refused = await request('GET', `/v1/documents/${again.body.documentId}/devices?status=REFUSED`);
    expect(refused.body.items).to.have.lengthOf(6);
    expect(refused.body.items[0]).to.include({ serial: 'BLC0NWIPAD01', status: 'REFUSED', at: 'line 2' });
    // What the acknowledgement says of each, word for word.
    const ack = parse((await request('GET', `/v1/documents/${again.body.documentId}/ack`)).text, { columns: true }) as Record<string, string>[];
    const ackOf = new Map(ack.filter((row) => row.serial !== '').map((row) => [row.serial, row]));
    for (const d of refused.body.items) {
      expect(d.code, d.serial).to.equal(ackOf.get(d.serial)!.code).and.not.equal('');
      expect(d.message, d.serial).to.equal(ackOf.get(d.serial)!.message).and.include(d.serial);
    }
    // Another reseller learns nothing of it.
    const other = await request('GET', `/v1/documents/${again.body.documentId}/devices`, { key: KEY_B });
    expectCodedError(other, 404, 'GW-DOC-6012');
  });

  it('the same upload again: 409 duplicate, naming the first document', async function () {
    const r = await upload(sample, 'again.csv');
    expect(r.status, r.text).to.equal(409);
    expect(r.body).to.include({ status: 'duplicate', duplicateOf: firstId, documentId: firstId });
    expect(r.body.errors.map((e: any) => e.code)).to.deep.equal(['GW-DOC-6003']);
  });

  it('a broken CSV: 422 with coded errors naming the line', async function () {
    const csv = `${HEADER}\nAPI-BRK-1,OR,2026-11-02,19827,PO-1,D-1,2026-11-03,APIBRK00001,,MW6F3LL/A\nAPI-BRK-1,OR,2026-11-02,19827,PO-1,D-1,tomorrow,APIBRK00002,,MW6F3LL/A\n`;
    const r = await upload(csv, 'broken.csv');
    expect(r.status, r.text).to.equal(422);
    expect(r.body.status).to.equal('rejected');
    expect(r.body.errors.map((e: any) => [e.code, e.params.at])).to.deep.equal([['GW-MAP-6202', 'broken.csv, line 3']]);
    expect(r.body.errors[0].message).to.include('tomorrow').and.to.include('line 3');
    const shown = await request('GET', `/v1/documents/${r.body.documentId}`);
    expect(shown.body).to.include({ status: 'rejected' });
    expect(shown.body.items).to.deep.equal([]);
    expect(shown.body.errors.map((e: any) => e.code)).to.deep.equal(['GW-MAP-6202']);
    // The ack of a rejected document: a row per error.
    const ack = await request('GET', `/v1/documents/${r.body.documentId}/ack`);
    const rows = parse(ack.text, { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => [row.status, row.code, row.at])).to.deep.equal([['REJECTED', 'GW-MAP-6202', 'broken.csv, line 3']]);
  });

  it('a JSON document nested without end: 422 GW-DOC-6009 naming line and column, and the gateway answers on', async function () {
    const opening = '{"orders": ';
    const deep = `${opening}${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const [r, health] = await Promise.all([
      upload(deep, 'deep.json', { headers: { 'content-type': 'application/json' } }),
      request('GET', '/healthz', { key: null }),
    ]);
    expect(health.status, health.text).to.equal(200);
    expect(r.status, r.text).to.equal(422);
    expect(r.body.status).to.equal('rejected');
    // The root object is level 1 and the orders array level 2: the bracket refused opens level jsonDepth + 1.
    expect(r.body.errors.map((e: any) => [e.code, e.params.at])).to.deep.equal([['GW-DOC-6009', `deep.json, line 1, column ${opening.length + INTAKE_LIMITS.jsonDepth}`]]);
    expect(r.body.errors[0].message).to.include(`nested more than ${INTAKE_LIMITS.jsonDepth} deep`);
    expect((await request('GET', '/healthz', { key: null })).status).to.equal(200);
    const good = await upload(readFileSync(SAMPLE_JSON), 'harbour-orders.json', { key: KEY_B, headers: { 'content-type': 'application/json' } });
    expect(good.status, good.text).to.equal(201);
  });

  it('a JSON document naming a key twice in one object: 422 GW-DOC-6006 naming the key, line and column', async function () {
    const json = readFileSync(SAMPLE_JSON, 'utf8').replace('"customerId": "30411",', '"customerId": "30411", "customerId": "19827",');
    const line = json.split('\n').findIndex((l) => l.includes('"19827"'));
    const column = json.split('\n')[line]!.indexOf('"customerId": "19827"') + 1;
    const r = await upload(json, 'twice.json', { key: KEY_B, headers: { 'content-type': 'application/json' } });
    expect(r.status, r.text).to.equal(422);
    expect(r.body.errors.map((e: any) => [e.code, e.params.at])).to.deep.equal([['GW-DOC-6006', `twice.json, line ${line + 1}, column ${column}`]]);
    expect(r.body.errors[0].message).to.include('"customerId" appears twice');
  });

  it('a JSON document refused after its first order was read and applied: nothing of it stays', async function () {
    const order = (n: number, extra = '') =>
      `{"orderNumber": "HB-LATE-${n}", "orderDate": "2026-11-02T09:00:00Z", "orderType": "OR", "customerId": "30411", ${extra}` +
      `"deliveries": [{"deliveryNumber": "D-${n}", "shipDate": "2026-11-03T09:00:00Z", "devices": [{"deviceId": "HBLATE0000${n}"}]}]}`;
    // The note puts the repeated key past the first piece intake reads (256 KiB): the first order is applied by then.
    const late = `"note": "${'x'.repeat(INTAKE_LIMITS.readChunkBytes)}", "customerId": "19827", `;
    const json = `{"orders": [\n${order(1)},\n${order(2, late)}\n]}`;
    const r = await upload(json, 'late.json', { key: KEY_B, headers: { 'content-type': 'application/json' } });
    expect(r.status, r.text).to.equal(422);
    expect(r.body.errors.map((e: any) => [e.code, e.params.at])).to.deep.equal([['GW-DOC-6006', `late.json, line 3, column ${order(2, late).indexOf('"customerId": "19827"') + 1}`]]);
    expect(await deviceReport(t.db, 'HBLATE00001')).to.equal(undefined);
    const shown = await request('GET', `/v1/documents/${r.body.documentId}`, { key: KEY_B });
    expect(shown.body.items).to.deep.equal([]);
  });

  it('no key: 401 with a coded JSON error', async function () {
    // The /v1 code of every route (the reseller API keeps the protocol's GRX-50001).
    expectCodedError(await upload(sample, 'nokey.csv', { key: null }), 401, 'GW-AUTH-401');
    expectCodedError(await request('GET', `/v1/documents/${firstId}`, { key: null }), 401, 'GW-AUTH-401');
    expectCodedError(await request('GET', `/v1/documents/${firstId}`, { key: 'gwk_not_a_key' }), 401, 'GW-AUTH-401');
  });

  it("another reseller's key: 404 exactly as for a document that does not exist (existence is not revealed)", async function () {
    const theirs = await request('GET', `/v1/documents/${firstId}`, { key: KEY_B });
    expectCodedError(theirs, 404, 'GW-DOC-6012');
    expect(theirs.text).to.not.include('applied');
    const missingId = 'doc_00000000-0000-0000-0000-000000000000';
    const missing = await request('GET', `/v1/documents/${missingId}`, { key: KEY_B });
    expectCodedError(missing, 404, 'GW-DOC-6012');
    // The same answer but for the id (and the request id each answer carries).
    const sameness = (r: Reply, id: string) => ({ ...r.body.error, message: r.body.error.message.replace(id, 'ID'), requestId: undefined });
    expect(sameness(theirs, firstId)).to.deep.equal(sameness(missing, missingId));
    expect(theirs.body.error.requestId).to.equal(theirs.headers.get('x-request-id'));
    expectCodedError(await request('GET', `/v1/documents/${firstId}/ack`, { key: KEY_B }), 404, 'GW-DOC-6012');
    expectCodedError(await request('POST', `/v1/documents/${firstId}/replay`, { key: KEY_B }), 404, 'GW-DOC-6012');
  });

  it('an operator reads any document and its ack; it uploads and replays none', async function () {
    const { key: operator } = await makeKey(t.db, 'operator');
    const asReseller = await request('GET', `/v1/documents/${firstId}`);
    const asOperator = await request('GET', `/v1/documents/${firstId}`, { key: operator });
    expect(asOperator.status, asOperator.text).to.equal(200);
    expect(asOperator.body).to.deep.equal(asReseller.body);
    const ack = await request('GET', `/v1/documents/${firstId}/ack?kind=csv`, { key: operator });
    expect(ack.status, ack.text).to.equal(200);
    expect(ack.text).to.equal((await request('GET', `/v1/documents/${firstId}/ack`)).text);
    expectCodedError(await request('GET', '/v1/documents/doc_00000000-0000-0000-0000-000000000000', { key: operator }), 404, 'GW-DOC-6012');
    const upload403 = await upload(sample, 'operator.csv', { key: operator });
    expectCodedError(upload403, 403, 'GW-AUTH-403');
    expect(upload403.body.error.message).to.match(/reseller key.*operator key/);
    expectCodedError(await request('POST', `/v1/documents/${firstId}/replay`, { key: operator }), 403, 'GW-AUTH-403');
  });

  it('organisation admin and finance keys read no documents: 403', async function () {
    const { key: orgAdmin } = await makeKey(t.db, 'org_admin', { orgId: '19827' });
    const { key: finance } = await makeKey(t.db, 'finance');
    expectCodedError(await request('GET', `/v1/documents/${firstId}`, { key: orgAdmin }), 403, 'GW-AUTH-403');
    expectCodedError(await request('GET', `/v1/documents/${firstId}/ack`, { key: finance }), 403, 'GW-AUTH-403');
  });

  it('parameters are checked: an unknown ack kind or parameter 400 GW-API-4001; a kind the document lacks 404 GW-DOC-6015', async function () {
    const kind = await request('GET', `/v1/documents/${firstId}/ack?kind=pdf`);
    expectCodedError(kind, 400, 'GW-API-4001');
    expect(kind.body.error.details).to.deep.equal([{ in: 'query', path: 'kind', message: 'must be equal to one of the allowed values' }]);
    expectCodedError(await request('GET', `/v1/documents/${firstId}/ack?format=csv`), 400, 'GW-API-4001');
    expectCodedError(await request('GET', `/v1/documents/${'d'.repeat(49)}`), 400, 'GW-API-4001');
    // The document is there, so the answer is not "no such document": it names the kinds the document has.
    for (const kind of ['997', 'json', '855']) {
      const none = await request('GET', `/v1/documents/${firstId}/ack?kind=${kind}`);
      expectCodedError(none, 404, 'GW-DOC-6015');
      expect(none.body.error.message).to.equal(`Document ${firstId} has no ${kind} acknowledgement; it has: csv.`);
    }
  });

  it('X-Gateway-Mapping naming an unknown mapping: 422 with GW-DOC-6005', async function () {
    const csv = `${HEADER}\nAPI-MAP-1,OR,2026-11-02,19827,PO-1,D-1,2026-11-03,APIMAP00001,,MW6F3LL/A\n`;
    const r = await upload(csv, 'mapped.csv', { headers: { 'x-gateway-mapping': 'no-such-mapping' } });
    expect(r.status, r.text).to.equal(422);
    expect(r.body.status).to.equal('rejected');
    expect(r.body.errors.map((e: any) => e.code)).to.deep.equal(['GW-DOC-6005']);
    expect(r.body.errors[0].message).to.include('no-such-mapping');
  });

  it('an unsafe X-File-Name: 400, nothing received', async function () {
    const r = await upload(sample, '../../etc/passwd');
    expectCodedError(r, 400, 'GW-DOC-6009');
  });

  it('POST /v1/documents/:id/replay on an applied document: 409 with GW-DOC-6011', async function () {
    const r = await request('POST', `/v1/documents/${firstId}/replay`);
    expectCodedError(r, 409, 'GW-DOC-6011');
    expect(r.body.error.message).to.include(firstId).and.to.include('applied');
  });

  it('an applied_with_errors upload lists each refused device with its code, message and line; GET /v1/documents/:id too', async function () {
    // BLC0NWIPAD01 was enrolled by the first upload, in order BL-CSV-2001.
    const csv = `${HEADER}\nAPI-AWE-1,OR,2026-11-02,19827,PO-1,D-AWE-1,2026-11-03,BLC0NWIPAD01,,MW6F3LL/A\nAPI-AWE-1,OR,2026-11-02,19827,PO-1,D-AWE-1,2026-11-03,APIAWE00002,,MW6F3LL/A\n`;
    const r = await upload(csv, 'awe.csv');
    expect(r.status, r.text).to.equal(201);
    expect(r.body.status).to.equal('applied_with_errors');
    expect(r.body.errors).to.deep.equal([]);
    const refused = {
      listed: [
        {
          item: 2,
          orderNumber: 'API-AWE-1',
          deliveryNumber: 'D-AWE-1',
          serial: 'BLC0NWIPAD01',
          at: 'line 2',
          status: 'REFUSED',
          code: 'DEP-ERR-DE-4303',
          message: 'Device BLC0NWIPAD01 cannot be in different OR/OV orders: it is in order BL-CSV-2001.',
        },
      ],
      total: 1,
      leftOff: 0,
      rest: null,
    };
    expect(r.body.refused).to.deep.equal(refused);
    const shown = await request('GET', `/v1/documents/${r.body.documentId}`);
    expect(shown.status, shown.text).to.equal(200);
    expect(shown.body.refused).to.deep.equal(refused);
    // An applied document lists none.
    expect((await request('GET', `/v1/documents/${firstId}`)).body.refused).to.deep.equal({ listed: [], total: 0, leftOff: 0, rest: null });
  });

  it('more refused devices than an answer lists: the first ones, how many were left off, and the ack that has them all', async function () {
    const max = DOCUMENT_API_LIMITS.maxRefusalsListed;
    const serials = Array.from({ length: max + 5 }, (_, i) => `APIMAX${String(i).padStart(5, '0')}`);
    const rows = (order: string) => serials.map((serial) => `${order},OR,2026-11-02,19827,PO-1,D-${order},2026-11-03,${serial},,MW6F3LL/A`).join('\n');
    const first = await upload(`${HEADER}\n${rows('API-MAX-1')}\n`, 'max-1.csv');
    expect(first.body.status, first.text).to.equal('applied');
    expect(first.body.refused).to.deep.equal({ listed: [], total: 0, leftOff: 0, rest: null });
    const second = await upload(`${HEADER}\n${rows('API-MAX-2')}\n`, 'max-2.csv');
    expect(second.status, second.text).to.equal(201);
    expect(second.body.status).to.equal('applied_with_errors');
    const ack = `/v1/documents/${second.body.documentId}/ack`;
    expect(second.body.refused).to.include({ total: max + 5, leftOff: 5, rest: ack });
    expect(second.body.refused.listed.map((d: any) => [d.serial, d.at, d.code])).to.deep.equal(serials.slice(0, max).map((s, i) => [s, `line ${i + 2}`, 'DEP-ERR-DE-4303']));
    const rowsOfAck = parse((await request('GET', ack)).text, { columns: true }) as Record<string, string>[];
    expect(rowsOfAck.filter((row) => row.status === 'REFUSED').map((row) => row.serial)).to.deep.equal(serials);
  });

  it('a rejected document sent again: 409 duplicate naming it, its status, and the replay that runs it once corrected', async function () {
    const csv = `${HEADER}\nAPI-DUP-1,OR,2026-11-02,67676,PO-1,D-1,2026-11-03,APIDUP00001,,MW6F3LL/A\n`;
    const first = await upload(csv, 'dup.csv');
    expect(first.status, first.text).to.equal(422);
    const id = first.body.documentId;
    const again = await upload(csv, 'dup-again.csv');
    expect(again.status, again.text).to.equal(409);
    expect(again.body).to.include({ status: 'duplicate', duplicateOf: id, duplicateOfStatus: 'rejected' });
    expect(again.body.replay).to.deep.equal({ endpoint: `POST /v1/documents/${id}/replay`, command: `document replay ${id}` });
    expect(again.body).to.not.have.property('refused');
    expect(again.body.errors.map((e: any) => e.code)).to.deep.equal(['GW-DOC-6003']);
    expect(again.body.errors[0].message).to.include(`document ${id}`).and.to.include('(rejected)').and.to.include(`POST /v1/documents/${id}/replay`);
    // What it says to do works, once the organisation exists.
    await addOrganisation(t.db, TEST_ACTOR, { orgId: '67676', name: 'API Duplicate Org', country: 'GB' });
    await linkSupplier(t.db, TEST_ACTOR, '67676', '16FCE4A0');
    const [method, path] = again.body.replay.endpoint.split(' ');
    expect(method).to.equal('POST');
    const replayed = await request('POST', path);
    expect(replayed.status, replayed.text).to.equal(200);
    expect(replayed.body).to.include({ documentId: id, status: 'applied' });
    // A duplicate of a document that applied says so, and offers no replay.
    const applied = await upload(csv, 'dup-third.csv');
    expect(applied.status, applied.text).to.equal(409);
    expect(applied.body).to.include({ duplicateOf: id, duplicateOfStatus: 'applied' });
    expect(applied.body).to.not.have.property('replay');
    expect(applied.body.errors[0].message).to.include('(applied)').and.not.to.include('replay');
  });

  it('POST /v1/documents/:id/replay on a rejected document, once corrected: 200 applied', async function () {
    const csv = `${HEADER}\nAPI-RPL-1,OR,2026-11-02,66666,PO-1,D-1,2026-11-03,APIRPL00001,,MW6F3LL/A\n`;
    const first = await upload(csv, 'replay.csv');
    expect(first.status, first.text).to.equal(422);
    expect(first.body.errors.map((e: any) => e.code)).to.deep.equal(['DEP-ERR-OR-4102']);
    await addOrganisation(t.db, TEST_ACTOR, { orgId: '66666', name: 'API Replay Org', country: 'GB' });
    await linkSupplier(t.db, TEST_ACTOR, '66666', '16FCE4A0');
    const r = await request('POST', `/v1/documents/${first.body.documentId}/replay`);
    expect(r.status, r.text).to.equal(200);
    expect(r.body).to.include({ documentId: first.body.documentId, status: 'applied' });
    const shown = await request('GET', `/v1/documents/${first.body.documentId}`);
    expect(shown.body).to.include({ status: 'applied', replays: 1 });
  });
});

/** Upload spool files left in a folder (none while it does not exist). */
function spooledUploads(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.startsWith('http-'));
  } catch {
    return [];
  }
}

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * A chunked upload (no Content-Length) whose body never ends: the client keeps sending
 * until the answer arrives (as curl does), up to `maxBytes`, and reads it. A gateway that
 * waited for the end, or reset the connection, fails it.
 */
function endlessChunkedUpload(url: string, key: string, maxBytes: number): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv', 'x-file-name': 'endless.csv' } });
    let answered = false;
    req.on('error', reject);
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) });
      });
      res.on('error', reject);
    });
    keepWriting(req, Buffer.alloc(16 * 1024, 'a'), maxBytes, () => answered);
  });
}

/**
 * Writes `chunk` again and again, as fast as `out` takes it, until `cap` bytes or until
 * `stop()` says so; answers the bytes written so far, at any time. `then` runs when it
 * gave up for the cap.
 */
function keepWriting(out: NodeJS.WritableStream, chunk: Buffer, cap: number, stop: () => boolean, then?: () => void): () => number {
  let sent = 0;
  const send = (): void => {
    while (!stop() && sent < cap) {
      sent += chunk.length;
      if (!out.write(chunk)) {
        out.once('drain', send);
        return;
      }
    }
    if (!stop()) then?.();
  };
  send();
  return () => sent;
}

describe(`document upload API: a body over the size limit (${databaseKind()})`, function () {
  this.timeout(20000);
  const maxDocumentBytes = 64 * 1024;
  let t: TestDb;
  let gw: RunningServer;
  let spool: ReturnType<typeof tempDir>;
  const spoolDir = () => join(spool.dir, 'spool');

  before(async function () {
    t = await sampleDatabase();
    spool = tempDir('gw-api-413');
    gw = await startGateway(t.db, { intake: { ...DEFAULT_CONFIG.intake, maxDocumentBytes, spoolDir: spoolDir() } });
  });
  after(async function () {
    await gw?.close();
    await t?.close();
    spool?.remove();
  });

  it('chunked, without Content-Length: 413 GW-DOC-6002 as soon as it passes the limit, readable by the client still sending; no spool file left', async function () {
    const r = await endlessChunkedUpload(gw.url, KEY_A, 32 * 1024 * 1024);
    expect(r.status).to.equal(413);
    expect(r.headers['content-type']).to.match(/^application\/json/);
    expect(r.body.error.code).to.equal('GW-DOC-6002');
    expect(r.body.error.message).to.match(new RegExp(`too large: at least \\d+ bytes, at most ${maxDocumentBytes}\\.`));
    expect(spooledUploads(spoolDir())).to.deep.equal([]);
    expect(await t.db('documents').count({ n: '*' }).first()).to.satisfy((row: { n: number | string }) => Number(row.n) === 0);
    // The gateway goes on answering.
    const health = await fetch(`${gw.url}/healthz`);
    expect(health.status).to.equal(200);
  });

  it('a client that goes on sending after the 413 reads it, and is cut off once the bounded drain is over', async function () {
    // A raw socket: Node's own client stops sending once it has its answer.
    const cap = 4 * DOCUMENT_API_LIMITS.refusedUploadLingerBytes;
    const { port } = new URL(gw.url);
    const outcome = await new Promise<{ answer: string; sentAfterAnswer: number; ended: string }>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1');
      let answer = '';
      let sent = () => 0;
      let sentAtAnswer = -1;
      let finished = false;
      const done = (ended: string) => {
        if (finished) return;
        finished = true;
        socket.destroy();
        resolve({ answer, sentAfterAnswer: sentAtAnswer < 0 ? 0 : sent() - sentAtAnswer, ended });
      };
      socket.setEncoding('latin1');
      socket.on('data', (text: string) => {
        if (sentAtAnswer < 0) sentAtAnswer = sent();
        answer += text;
      });
      socket.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
      socket.on('close', () => done('close'));
      socket.write(`POST /v1/documents HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${KEY_A}\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const data = Buffer.alloc(256 * 1024, 'a');
      const chunk = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
      sent = keepWriting(socket, chunk, cap, () => finished, () => done('the client sent everything'));
    });
    expect(outcome.answer).to.match(/^HTTP\/1\.1 413 /);
    expect(outcome.answer).to.include('"code":"GW-DOC-6002"');
    expect(outcome.ended).to.not.equal('the client sent everything');
    // What the gateway read and dropped after answering, and what sat in the sockets' buffers, at most.
    expect(outcome.sentAfterAnswer).to.be.below(DOCUMENT_API_LIMITS.refusedUploadLingerBytes + 16 * 1024 * 1024);
  });

  it('with a Content-Length over the limit: 413 GW-DOC-6002 before reading the body', async function () {
    const body = new Uint8Array(maxDocumentBytes + 1);
    const res = await fetch(`${gw.url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'text/csv' }, body });
    expect(res.status).to.equal(413);
    const answer = (await res.json()) as { error: { code: string; message: string } };
    expect(answer.error.code).to.equal('GW-DOC-6002');
    expect(answer.error.message).to.include(`${maxDocumentBytes + 1} bytes, at most ${maxDocumentBytes}`);
    expect(spooledUploads(spoolDir())).to.deep.equal([]);
  });

  it('a chunked body within the limit is taken as before', async function () {
    const csv = Buffer.from(`${HEADER}\nAPI-CHK-1,OR,2026-11-02,19827,PO-1,D-CHK-1,2026-11-03,APICHK00001,,MW6F3LL/A\n`);
    const answer = await new Promise<RawAnswer>((resolve, reject) => {
      const req = http.request(`${gw.url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'text/csv', 'x-file-name': 'chunked.csv' } });
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
      });
      // Two writes before end: Node sends them chunked.
      req.write(csv.subarray(0, 40));
      req.end(csv.subarray(40));
    });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    expect(answer.body).to.include({ status: 'applied' });
    expect(spooledUploads(spoolDir())).to.deep.equal([]);
  });
});
