// The intake pipeline end to end on a real database (SQLite, or PostgreSQL when
// DATABASE_URL is set), loaded with samples/: raw bytes kept, duplicates refused,
// documents applied whole or not at all, ship notices waiting for their orders, replay
// after a correction, device refusals per device, acknowledgements from real results,
// and a channel's bookkeeping committed with the document.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import type { Knex } from 'knex';
import { addOrganisation, linkSupplier, releaseDeviceFromOrg } from '../../src/admin/operations.js';
import { documentAcks } from '../../src/intake/acks.js';
import { receive, ReplayRefused, replayDocument, RESELLER_API_MAPPING, type IntakeDeps } from '../../src/intake/receive.js';
import type { IngestResult } from '../../src/intake/types.js';
import type { DocumentRow, ItemRow } from '../../src/store/documents.js';
import { databaseKind, sampleDatabase, TEST_ACTOR, type TestDb } from '../support/db.js';
import {
  devicesBySerial,
  ingestText,
  intakeDeps,
  mappingsWith,
  SAMPLE_CSV,
  SAMPLE_JSON,
  sha256,
  tableCounts,
  tempDir,
  TEST_LIMITS,
  within,
} from './support.js';
import { INTAKE_LIMITS } from '../../src/model/limits.js';
import { ClaimLostError, ensureClaim, getClaim, takePending } from '../../src/store/sftp-claims.js';
import { keptBytes, keptDeviceOutcomes } from '../support/content.js';

/** Ship notices only: no order header columns (the order comes in another document). */
const NOTICE_ONLY_MAPPING = {
  id: 'test-brightline-notice-only',
  partners: ['16FCE4A0'],
  format: 'csv',
  dateFormats: ['YYYY-MM-DD'],
  parts: { credit: [], families: [] },
  acks: { csv: true },
  csv: {
    rows: 'shipNotice',
    delimiter: ',',
    quote: '"',
    decimalSeparator: '.',
    unknownColumns: 'refuse',
    columns: { orderNumber: 'order_no', deliveryNumber: 'delivery_no', shipDate: 'shipped', serial: 'serial' },
  },
};

/** Purchase orders, one line per row. */
const PO_ROWS_MAPPING = {
  id: 'test-brightline-po-rows',
  partners: ['16FCE4A0'],
  format: 'csv',
  dateFormats: ['YYYY-MM-DD'],
  parts: { credit: ['D6701Z/A'], families: [{ prefix: 'MW6', family: 'iPad' }] },
  acks: { csv: true },
  csv: {
    rows: 'purchaseOrder',
    delimiter: ',',
    quote: '"',
    decimalSeparator: '.',
    unknownColumns: 'refuse',
    columns: { orderNumber: 'po_order', orderType: 'po_type', orderDate: 'po_date', customerId: 'po_customer', partNumber: 'po_part', quantity: 'po_qty' },
  },
};

const BRIGHTLINE_HEADER = 'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number';

interface Row {
  order: string;
  org: string;
  serial: string;
  delivery?: string;
  type?: string;
  orderDate?: string;
  shipDate?: string;
  tag?: string;
  part?: string;
}

/** A file in the Brightline layout, one shipped device per row. */
function brightlineCsv(rows: Row[]): string {
  const line = (r: Row) =>
    [r.order, r.type ?? 'OR', r.orderDate ?? '2026-11-02', r.org, `PO-${r.order}`, r.delivery ?? `D-${r.order}`, r.shipDate ?? '2026-11-03', r.serial, r.tag ?? '', r.part ?? 'MW6F3LL/A'].join(',');
  return [BRIGHTLINE_HEADER, ...rows.map(line)].join('\n') + '\n';
}

interface AckRow {
  document_id: string;
  document_status: string;
  item: string;
  at: string;
  order_number: string;
  delivery_number: string;
  serial: string;
  status: string;
  code: string;
  message: string;
}

async function csvAck(deps: IntakeDeps, documentId: string): Promise<AckRow[]> {
  const acks = await documentAcks(deps, documentId);
  const csv = acks.find((a) => a.kind === 'csv');
  expect(csv, `acks: ${acks.map((a) => a.kind).join(', ')}`).to.not.equal(undefined);
  expect(csv!.contentType).to.match(/^text\/csv/);
  return parse(csv!.body, { columns: true }) as AckRow[];
}

async function documentRow(db: Knex, documentId: string): Promise<DocumentRow> {
  const row = (await db('documents').where({ document_id: documentId }).first()) as DocumentRow | undefined;
  expect(row, `document ${documentId}`).to.not.equal(undefined);
  return row!;
}

async function itemsOfDocument(db: Knex, documentId: string): Promise<ItemRow[]> {
  const doc = await documentRow(db, documentId);
  return (await db('document_items').where({ document_pk: doc.id }).orderBy('seq')) as ItemRow[];
}

describe(`intake pipeline (${databaseKind()})`, function () {
  this.timeout(20000);
  let t: TestDb;
  let deps: IntakeDeps;
  let tmp: ReturnType<typeof tempDir>;
  const ingest = (fileName: string, content: string | Buffer, partnerId = '16FCE4A0', extra: Parameters<typeof ingestText>[5] = {}) =>
    ingestText(deps, tmp.dir, fileName, content, partnerId, extra);

  before(async function () {
    t = await sampleDatabase();
    deps = intakeDeps(t.db, mappingsWith([NOTICE_ONLY_MAPPING, PO_ROWS_MAPPING]));
    tmp = tempDir('gw-intake');
  });
  after(async function () {
    await t?.close();
    tmp?.remove();
  });

  describe('the CSV sample', function () {
    const bytes = readFileSync(SAMPLE_CSV);
    let first: IngestResult;

    it('applies: document applied, six devices enrolled to their organisations, raw bytes kept exactly', async function () {
      first = await receive(deps, { partnerId: '16FCE4A0', channel: 'cli', fileName: 'brightline-ship-notice.csv', path: SAMPLE_CSV, actor: 'test' });
      expect(first.errors).to.deep.equal([]);
      expect(first).to.include({ status: 'applied', format: 'csv', mappingId: 'brightline-csv', sha256: sha256(bytes) });
      expect(first.documentId).to.match(/^doc_[0-9a-f-]{36}$/);
      expect(first.summary).to.deep.equal({ purchaseOrders: 2, shipNotices: 2, devices: 6, devicesEnrolled: 6, devicesRefused: 0, devicesAwaiting: 0 });

      const doc = await documentRow(t.db, first.documentId);
      expect(doc).to.include({ status: 'applied', channel: 'cli', file_name: 'brightline-ship-notice.csv', mapping_id: 'brightline-csv', sha256: sha256(bytes), replays: 0 });
      expect(Number(doc.size_bytes)).to.equal(bytes.length);
      expect(doc.processed_at).to.be.a('string');
      expect(JSON.parse(doc.summary_json)).to.deep.equal(first.summary);

      const devices = await devicesBySerial(t.db, ['BLC0NWIPAD01', 'BLC0NWIPAD02', 'BLC0NWIPAD03', 'BLC0NWMAC001', 'BLC0FABIPH01', 'BLC0FABIPH02']);
      expect([...devices.values()].map((d) => [d.serial, d.state, d.org_id, d.family, d.asset_tag]).sort()).to.deep.equal([
        ['BLC0FABIPH01', 'enrolled', '30411', 'iPhone', null],
        ['BLC0FABIPH02', 'enrolled', '30411', 'iPhone', null],
        ['BLC0NWIPAD01', 'enrolled', '19827', 'iPad', 'NW-0001'],
        ['BLC0NWIPAD02', 'enrolled', '19827', 'iPad', 'NW-0002'],
        ['BLC0NWIPAD03', 'enrolled', '19827', 'iPad', 'NW-0003'],
        ['BLC0NWMAC001', 'enrolled', '19827', 'Mac', 'NW-0004'],
      ]);

      const kept = await keptBytes(t.db, doc.sha256);
      expect(sha256(kept)).to.equal(sha256(bytes));
      expect(kept.equals(bytes)).to.equal(true);
      // Kept gzipped, so fewer bytes are written; chunks kept as they came before that (identity) read the same.
      const rows = (await t.db('document_content').where({ sha256: doc.sha256 })) as { bytes: Buffer; encoding: string }[];
      expect(rows.map((r) => r.encoding)).to.deep.equal(['gzip']);
      expect(rows[0]!.bytes.length).to.be.below(bytes.length);
      await t.db('document_content').insert({ sha256: 'f'.repeat(64), seq: 0, bytes: Buffer.from('as kept before'), encoding: 'identity' });
      expect((await keptBytes(t.db, 'f'.repeat(64))).toString()).to.equal('as kept before');

      const items = await itemsOfDocument(t.db, first.documentId);
      expect(items.map((i) => [i.seq, i.kind, i.order_number, i.delivery_number, i.status, i.device_count, i.at])).to.deep.equal([
        [1, 'purchaseOrder', 'BL-CSV-2001', null, 'open', 0, 'brightline-ship-notice.csv, line 2'],
        [2, 'shipNotice', 'BL-CSV-2001', 'BL-D-2001-1', 'applied', 4, 'brightline-ship-notice.csv, line 2'],
        [3, 'purchaseOrder', 'BL-CSV-2002', null, 'open', 0, 'brightline-ship-notice.csv, line 6'],
        [4, 'shipNotice', 'BL-CSV-2002', 'BL-D-2002-1', 'applied', 2, 'brightline-ship-notice.csv, line 6'],
      ]);
    });

    it('the same bytes again (under another name): duplicate of the first document, nothing new', async function () {
      expect(first, 'the previous test applies the sample').to.not.equal(undefined);
      const before = await tableCounts(t.db);
      const documentsBefore = Number(((await t.db('documents').count({ n: '*' }).first()) as { n: number | string }).n);
      const again = await ingest('resent.csv', bytes);
      expect(again).to.include({ status: 'duplicate', duplicateOf: first.documentId, documentId: first.documentId });
      expect(again.errors.map((e) => e.code)).to.deep.equal(['GW-DOC-6003']);
      expect(again.errors[0]!.message).to.include(first.documentId);
      expect(await tableCounts(t.db)).to.deep.equal(before);
      expect(Number(((await t.db('documents').count({ n: '*' }).first()) as { n: number | string }).n)).to.equal(documentsBefore);
      expect((await documentRow(t.db, first.documentId)).status).to.equal('applied');
    });

    it('its CSV ack: a row per purchase order and per device, each device ENROLLED, naming its line', async function () {
      const rows = await csvAck(deps, first.documentId);
      const acks = await documentAcks(deps, first.documentId);
      expect(acks.map((a) => [a.kind, a.fileName])).to.deep.equal([['csv', 'brightline-ship-notice.ack.csv']]);
      expect(rows.every((r) => r.document_id === first.documentId && r.document_status === 'applied')).to.equal(true);
      expect(rows.map((r) => [r.order_number, r.serial, r.at, r.status, r.code])).to.deep.equal([
        ['BL-CSV-2001', '', 'brightline-ship-notice.csv, line 2', 'OPEN', ''],
        ['BL-CSV-2001', 'BLC0NWIPAD01', 'line 2', 'ENROLLED', ''],
        ['BL-CSV-2001', 'BLC0NWIPAD02', 'line 3', 'ENROLLED', ''],
        ['BL-CSV-2001', 'BLC0NWIPAD03', 'line 4', 'ENROLLED', ''],
        ['BL-CSV-2001', 'BLC0NWMAC001', 'line 5', 'ENROLLED', ''],
        ['BL-CSV-2002', '', 'brightline-ship-notice.csv, line 6', 'OPEN', ''],
        ['BL-CSV-2002', 'BLC0FABIPH01', 'line 6', 'ENROLLED', ''],
        ['BL-CSV-2002', 'BLC0FABIPH02', 'line 7', 'ENROLLED', ''],
      ]);
    });
  });

  describe('refused documents change nothing', function () {
    it('a broken CSV is rejected with the line, its bytes kept, and no table changed', async function () {
      const csv = brightlineCsv([
        { order: 'BRK-1', org: '19827', serial: 'BRKSERIAL001' },
        { order: 'BRK-1', org: '19827', serial: 'BRKSERIAL002' },
        { order: 'BRK-2', org: '30411', serial: 'BRKSERIAL003', shipDate: '2026-13-01' },
      ]);
      const before = await tableCounts(t.db);
      const result = await ingest('broken.csv', csv);
      expect(result.status).to.equal('rejected');
      expect(result.summary).to.include({ devicesEnrolled: 0, devicesRefused: 0, devicesAwaiting: 0 });
      expect(result.errors.map((e) => [e.code, e.params?.at])).to.deep.equal([['GW-MAP-6202', 'broken.csv, line 4']]);
      expect(result.errors[0]!.message).to.include('line 4');
      expect(await tableCounts(t.db)).to.deep.equal(before);
      expect((await devicesBySerial(t.db, ['BRKSERIAL001', 'BRKSERIAL002', 'BRKSERIAL003'])).size).to.equal(0);

      const doc = await documentRow(t.db, result.documentId);
      expect(doc.status).to.equal('rejected');
      expect((JSON.parse(doc.errors_json) as { code: string; params: { at: string } }[]).map((e) => [e.code, e.params.at])).to.deep.equal([
        ['GW-MAP-6202', 'broken.csv, line 4'],
      ]);
      expect((await keptBytes(t.db, doc.sha256)).toString('utf8')).to.equal(csv);
      expect(await itemsOfDocument(t.db, result.documentId)).to.deep.equal([]);
    });

    it("whole or nothing: the first order is fine, the second names an unknown organisation: the first's devices are not enrolled", async function () {
      const csv = brightlineCsv([
        { order: 'WON-1', org: '19827', serial: 'WONSERIAL001' },
        { order: 'WON-1', org: '19827', serial: 'WONSERIAL002' },
        { order: 'WON-2', org: '77777', serial: 'WONSERIAL003' },
      ]);
      const before = await tableCounts(t.db);
      const result = await ingest('mixed.csv', csv);
      expect(result.status).to.equal('rejected');
      expect(result.errors.map((e) => [e.code, e.params?.at])).to.deep.equal([['DEP-ERR-OR-4102', 'mixed.csv, line 4']]);
      expect(result.errors[0]!.message).to.include('77777');
      expect(await tableCounts(t.db)).to.deep.equal(before);
      expect((await devicesBySerial(t.db, ['WONSERIAL001', 'WONSERIAL002', 'WONSERIAL003'])).size).to.equal(0);
      expect(await t.db('purchase_orders').whereIn('order_number', ['WON-1', 'WON-2'])).to.deep.equal([]);
    });

    it('the CSV ack of a rejected document: a row per error, REJECTED, with its code and line', async function () {
      const csv = brightlineCsv([
        { order: 'ACK-1', org: '19827', serial: 'ACKSERIAL001', orderDate: '2026-02-30' },
        { order: 'ACK-1', org: '19827', serial: 'ACKSERIAL002', orderDate: '2026-02-30' },
      ]);
      const result = await ingest('two-errors.csv', csv);
      expect(result.status).to.equal('rejected');
      const rows = await csvAck(deps, result.documentId);
      expect(rows.map((r) => [r.document_status, r.at, r.status, r.code])).to.deep.equal([
        ['rejected', 'two-errors.csv, line 2', 'REJECTED', 'GW-MAP-6202'],
        ['rejected', 'two-errors.csv, line 3', 'REJECTED', 'GW-MAP-6202'],
      ]);
      expect(rows[0]!.message).to.include('2026-02-30');
    });
  });

  describe('a ship notice for an order that came through the reseller API', function () {
    it('applies under the header the order holds (it has no purchase order), as its second delivery', async function () {
      const request = {
        depResellerId: '16FCE4A0',
        transactionId: 'API-HDR-1',
        requestContext: { shipTo: '0000052010', timeZone: '420', langCode: 'en' },
        orders: [{ orderNumber: 'API-HDR-1', orderDate: '2026-05-01T10:00:00Z', orderType: 'OR', customerId: '19827', poNumber: 'PO-API-HDR', deliveries: [{ deliveryNumber: 'D1', shipDate: '2026-05-01T12:00:00Z', devices: [{ deviceId: 'APIHDRSER001' }] }] }],
      };
      const api = await receive(deps, { partnerId: '16FCE4A0', channel: 'reseller-api', fileName: 'bulk-enroll-devices', bytes: Buffer.from(JSON.stringify(request)), mappingId: RESELLER_API_MAPPING, actor: 'test' });
      expect(api.status).to.equal('applied');
      expect(await t.db('purchase_orders').where({ order_number: 'API-HDR-1' }).first()).to.equal(undefined);

      const notice = await ingest('notice-for-api-order.csv', 'order_no,delivery_no,shipped,serial\nAPI-HDR-1,D2,2026-05-03,APIHDRSER002\n');
      expect(notice.errors).to.deep.equal([]);
      expect(notice).to.include({ status: 'applied', mappingId: 'test-brightline-notice-only' });
      expect(notice.summary).to.include({ shipNotices: 1, devicesEnrolled: 1, devicesAwaiting: 0 });
      const devices = await devicesBySerial(t.db, ['APIHDRSER001', 'APIHDRSER002']);
      expect([...devices.values()].map((d) => [d.serial, d.state, d.org_id]).sort()).to.deep.equal([
        ['APIHDRSER001', 'enrolled', '19827'],
        ['APIHDRSER002', 'enrolled', '19827'],
      ]);
      const lines = (await t.db('order_lines').join('orders', 'orders.id', 'order_lines.order_pk').where('orders.order_number', 'API-HDR-1').orderBy('order_lines.serial').select('order_lines.serial', 'order_lines.delivery_number')) as { serial: string; delivery_number: string }[];
      expect(lines.map((l) => [l.serial, l.delivery_number])).to.deep.equal([
        ['APIHDRSER001', 'D1'],
        ['APIHDRSER002', 'D2'],
      ]);
    });
  });

  describe('a ship notice before its order', function () {
    let noticeDoc: IngestResult;

    it('waits: status awaiting_order, no device enrolled, its item awaiting_order', async function () {
      const csv = 'order_no,delivery_no,shipped,serial\nOOO-1,OOO-D1,2026-05-02,OOOSERIAL001\nOOO-1,OOO-D1,2026-05-02,OOOSERIAL002\n';
      noticeDoc = await ingest('notice-first.csv', csv);
      expect(noticeDoc.errors).to.deep.equal([]);
      expect(noticeDoc).to.include({ status: 'awaiting_order', mappingId: 'test-brightline-notice-only' });
      expect(noticeDoc.summary).to.deep.equal({ purchaseOrders: 0, shipNotices: 1, devices: 2, devicesEnrolled: 0, devicesRefused: 0, devicesAwaiting: 2 });
      expect((await devicesBySerial(t.db, ['OOOSERIAL001', 'OOOSERIAL002'])).size).to.equal(0);
      const items = await itemsOfDocument(t.db, noticeDoc.documentId);
      expect(items.map((i) => [i.kind, i.order_number, i.status])).to.deep.equal([['shipNotice', 'OOO-1', 'awaiting_order']]);
      const rows = await csvAck(deps, noticeDoc.documentId);
      expect(rows.map((r) => [r.serial, r.status, r.code])).to.deep.equal([
        ['OOOSERIAL001', 'AWAITING_ORDER', 'GW-DOC-6010'],
        ['OOOSERIAL002', 'AWAITING_ORDER', 'GW-DOC-6010'],
      ]);
    });

    it('applies when its order arrives: devices enrolled, the waiting document becomes applied', async function () {
      expect(noticeDoc, 'the previous test sends the notice').to.not.equal(undefined);
      const csv = 'po_order,po_type,po_date,po_customer,po_part,po_qty\nOOO-1,OR,2026-05-01,19827,MW6F3LL/A,2\n';
      const orderDoc = await ingest('order-second.csv', csv);
      expect(orderDoc.errors).to.deep.equal([]);
      expect(orderDoc).to.include({ status: 'applied', mappingId: 'test-brightline-po-rows' });
      expect(orderDoc.summary).to.include({ purchaseOrders: 1, shipNotices: 0 });

      const devices = await devicesBySerial(t.db, ['OOOSERIAL001', 'OOOSERIAL002']);
      expect([...devices.values()].map((d) => [d.serial, d.state, d.org_id]).sort()).to.deep.equal([
        ['OOOSERIAL001', 'enrolled', '19827'],
        ['OOOSERIAL002', 'enrolled', '19827'],
      ]);
      const waiting = await documentRow(t.db, noticeDoc.documentId);
      expect(waiting.status).to.equal('applied');
      expect(JSON.parse(waiting.summary_json)).to.include({ devicesEnrolled: 2, devicesAwaiting: 0 });
      const [item] = await itemsOfDocument(t.db, noticeDoc.documentId);
      const orderRow = await documentRow(t.db, orderDoc.documentId);
      expect(item).to.include({ status: 'applied', applied_by_document_pk: orderRow.id });
      const rows = await csvAck(deps, noticeDoc.documentId);
      expect(rows.map((r) => [r.serial, r.status])).to.deep.equal([
        ['OOOSERIAL001', 'ENROLLED'],
        ['OOOSERIAL002', 'ENROLLED'],
      ]);
    });
  });

  describe('replay after a correction', function () {
    it('a document naming an unknown organisation is rejected; once the organisation exists and links the reseller, a replay applies it, audited', async function () {
      const csv = brightlineCsv([
        { order: 'RPL-1', org: '88888', serial: 'RPLSERIAL001' },
        { order: 'RPL-1', org: '88888', serial: 'RPLSERIAL002' },
      ]);
      const rejected = await ingest('replay-me.csv', csv);
      expect(rejected.status).to.equal('rejected');
      expect(rejected.errors.map((e) => e.code)).to.deep.equal(['DEP-ERR-OR-4102']);

      await addOrganisation(t.db, TEST_ACTOR, { orgId: '88888', name: 'Replay Schools', country: 'FR' });
      await linkSupplier(t.db, TEST_ACTOR, '88888', '16FCE4A0');
      const replayed = await replayDocument(deps, rejected.documentId, 'test');
      expect(replayed.errors).to.deep.equal([]);
      expect(replayed).to.include({ documentId: rejected.documentId, status: 'applied' });
      expect(replayed.summary).to.include({ devicesEnrolled: 2 });

      const devices = await devicesBySerial(t.db, ['RPLSERIAL001', 'RPLSERIAL002']);
      expect([...devices.values()].map((d) => [d.serial, d.state, d.org_id]).sort()).to.deep.equal([
        ['RPLSERIAL001', 'enrolled', '88888'],
        ['RPLSERIAL002', 'enrolled', '88888'],
      ]);
      const doc = await documentRow(t.db, rejected.documentId);
      expect(doc).to.include({ status: 'applied', replays: 1 });
      expect(JSON.parse(doc.errors_json)).to.deep.equal([]);
      const audit = (await t.db('audit_log').where({ action: 'document.replay' })) as { actor: string; detail_json: string }[];
      const mine = audit.filter((a) => JSON.parse(a.detail_json).documentId === rejected.documentId);
      expect(mine).to.have.length(1);
      expect(mine[0]!.actor).to.equal('test');
      expect(JSON.parse(mine[0]!.detail_json)).to.include({ status: 'applied', previousStatus: 'rejected' });

      // An applied document is not replayed.
      let refused: unknown;
      try {
        await replayDocument(deps, rejected.documentId, 'test');
      } catch (err) {
        refused = err;
      }
      expect(refused).to.be.instanceOf(ReplayRefused);
      expect((refused as ReplayRefused).error).to.deep.equal({ code: 'GW-DOC-6011', params: { documentId: rejected.documentId, status: 'applied' } });
      expect((await documentRow(t.db, rejected.documentId)).replays).to.equal(1);
    });

    it('replaying a document that does not exist: GW-DOC-6012', async function () {
      let refused: unknown;
      try {
        await replayDocument(deps, 'doc_00000000-0000-0000-0000-000000000000', 'test');
      } catch (err) {
        refused = err;
      }
      expect(refused).to.be.instanceOf(ReplayRefused);
      expect((refused as ReplayRefused).error.code).to.equal('GW-DOC-6012');
    });
  });

  describe('device-level refusals', function () {
    it('a serial enrolled to another organisation: applied_with_errors, refused with DEP-ERR-DE-4304, the others enrolled', async function () {
      const first = await ingest('cf-first.csv', brightlineCsv([{ order: 'CF-1', org: '19827', serial: 'CFSERIAL0001' }, { order: 'CF-1', org: '19827', serial: 'CFSERIAL0002' }]));
      expect(first.status).to.equal('applied');
      const second = await ingest(
        'cf-second.csv',
        brightlineCsv([
          { order: 'CF-2', org: '30411', serial: 'CFSERIAL0001' },
          { order: 'CF-2', org: '30411', serial: 'CFSERIAL0003' },
        ]),
      );
      expect(second.status).to.equal('applied_with_errors');
      expect(second.summary).to.include({ devices: 2, devicesEnrolled: 1, devicesRefused: 1 });
      const doc = await documentRow(t.db, second.documentId);
      expect(doc.status).to.equal('applied_with_errors');
      // Every device's outcome is a row, written with the document: the refused one and the enrolled one.
      const results = await keptDeviceOutcomes(t.db, doc.id);
      expect(results.map((r) => [r.serial, r.status, r.code, r.item_seq])).to.deep.equal([
        ['CFSERIAL0001', 'REFUSED', 'DEP-ERR-DE-4304', 2],
        ['CFSERIAL0003', 'ENROLLED', null, 2],
      ]);
      const devices = await devicesBySerial(t.db, ['CFSERIAL0001', 'CFSERIAL0002', 'CFSERIAL0003']);
      expect(devices.get('CFSERIAL0001')).to.include({ state: 'enrolled', org_id: '19827' });
      expect(devices.get('CFSERIAL0003')).to.include({ state: 'enrolled', org_id: '30411' });

      const rows = await csvAck(deps, second.documentId);
      expect(rows.map((r) => [r.serial, r.at, r.status, r.code])).to.deep.equal([
        ['', 'cf-second.csv, line 2', 'OPEN', ''],
        ['CFSERIAL0001', 'line 2', 'REFUSED', 'DEP-ERR-DE-4304'],
        ['CFSERIAL0003', 'line 3', 'ENROLLED', ''],
      ]);
      expect(rows[1]!.message).to.equal('Device CFSERIAL0001 is enrolled to another customer.');
      expect(rows.every((r) => r.document_status === 'applied_with_errors')).to.equal(true);
    });

    it('a device the organisation released: refused with GW-DE-4310 in the ack', async function () {
      const first = await ingest('rl-first.csv', brightlineCsv([{ order: 'RL-1', org: '19827', serial: 'RLSERIAL0001' }]));
      expect(first.status).to.equal('applied');
      const released = await releaseDeviceFromOrg(t.db, TEST_ACTOR, '19827', 'RLSERIAL0001', 'sold');
      expect(released).to.not.have.property('code');
      const second = await ingest(
        'rl-second.csv',
        brightlineCsv([
          { order: 'RL-2', org: '19827', serial: 'RLSERIAL0001' },
          { order: 'RL-2', org: '19827', serial: 'RLSERIAL0002' },
        ]),
      );
      expect(second.status).to.equal('applied_with_errors');
      const rows = await csvAck(deps, second.documentId);
      expect(rows.filter((r) => r.serial !== '').map((r) => [r.serial, r.status, r.code])).to.deep.equal([
        ['RLSERIAL0001', 'REFUSED', 'GW-DE-4310'],
        ['RLSERIAL0002', 'ENROLLED', ''],
      ]);
      expect(rows.find((r) => r.serial === 'RLSERIAL0001')!.message).to.match(/^Device RLSERIAL0001 was released by an organisation on \d{4}-\d{2}-\d{2}/);
      const devices = await devicesBySerial(t.db, ['RLSERIAL0001', 'RLSERIAL0002']);
      expect(devices.get('RLSERIAL0001')).to.include({ state: 'released' });
      expect(devices.get('RLSERIAL0002')).to.include({ state: 'enrolled', org_id: '19827' });
    });
  });

  describe('the JSON report of a JSON document', function () {
    it('the Harbour sample applies, and its report says every order, delivery and device', async function () {
      const result = await receive(deps, { partnerId: '2B7D9C10', channel: 'cli', fileName: 'harbour-orders.json', path: SAMPLE_JSON, actor: 'test' });
      expect(result.errors).to.deep.equal([]);
      expect(result).to.include({ status: 'applied', format: 'json', mappingId: 'reseller-api-json' });
      const acks = await documentAcks(deps, result.documentId);
      // The reseller-API mapping asks for no CSV ack: the JSON report only.
      expect(acks.map((a) => [a.kind, a.fileName, a.contentType])).to.deep.equal([['json', 'harbour-orders.ack.json', 'application/json']]);
      const report = JSON.parse(acks[0]!.body) as Record<string, unknown>;
      expect(report).to.include({ documentId: result.documentId, status: 'applied', fileName: 'harbour-orders.json' });
      expect(report.summary).to.deep.equal({ purchaseOrders: 1, shipNotices: 1, devices: 2, devicesEnrolled: 2, devicesRefused: 0, devicesAwaiting: 0 });
      expect(report.errors).to.deep.equal([]);
      expect(report.orders).to.deep.equal([
        {
          orderNumber: 'HB-JSON-0007',
          orderPostStatus: 'COMPLETE',
          deliveries: [
            {
              deliveryNumber: 'HB-JSON-D-0007',
              deliveryPostStatus: 'COMPLETE',
              devices: [
                { deviceId: 'HBJSONMAC001', devicePostStatus: 'COMPLETE' },
                { deviceId: 'HBJSONMAC002', devicePostStatus: 'COMPLETE' },
              ],
            },
          ],
        },
      ]);
      const devices = await devicesBySerial(t.db, ['HBJSONMAC001', 'HBJSONMAC002']);
      expect([...devices.values()].map((d) => [d.serial, d.state, d.org_id, d.family, d.asset_tag]).sort()).to.deep.equal([
        ['HBJSONMAC001', 'enrolled', '30411', 'Mac', 'FAB-M-001'],
        ['HBJSONMAC002', 'enrolled', '30411', 'Mac', 'FAB-M-002'],
      ]);
    });

    it('a refused device shows in the report with its code', async function () {
      const taken = await ingest('hb-taken.csv', brightlineCsv([{ order: 'HB-TAKEN-1', org: '19827', serial: 'HBTAKEN00001' }]));
      expect(taken.status).to.equal('applied');
      const body = {
        transactionId: 'HB-JSON-0008',
        orders: [
          {
            orderNumber: 'HB-JSON-0008',
            orderDate: '2026-11-02T09:00:00Z',
            orderType: 'OR',
            customerId: '30411',
            deliveries: [{ deliveryNumber: 'HB-D-8', shipDate: '2026-11-03T09:00:00Z', devices: [{ deviceId: 'HBTAKEN00001' }, { deviceId: 'HBJSONMAC008' }] }],
          },
        ],
      };
      const result = await ingest('hb-8.json', JSON.stringify(body), '2B7D9C10');
      expect(result.status).to.equal('applied_with_errors');
      const report = JSON.parse((await documentAcks(deps, result.documentId))[0]!.body) as { orders: { deliveries: { deliveryPostStatus: string; devices: unknown[] }[] }[] };
      const delivery = report.orders[0]!.deliveries[0]!;
      expect(delivery.deliveryPostStatus).to.equal('POSTED_WITH_ERRORS');
      expect(delivery.devices).to.deep.equal([
        { deviceId: 'HBTAKEN00001', devicePostStatus: 'REFUSED', errorCode: 'DEP-ERR-DE-4304', errorMessage: 'Device HBTAKEN00001 is enrolled to another customer.' },
        { deviceId: 'HBJSONMAC008', devicePostStatus: 'COMPLETE' },
      ]);
    });
  });

  describe("an SFTP claim is marked done with the document, or not at all", function () {
    let claims = 0;
    /** A claim held by `holder`, as a mailbox poller holds the file it is ingesting. */
    async function heldClaim(holder: string): Promise<number> {
      const claim = await ensureClaim(t.db, 'test-mailbox', { name: `file-${++claims}.csv`, size: 100 + claims, mtimeMs: 1_700_000_000_000 });
      expect(await takePending(t.db, claim.id, holder, 600_000, 5)).to.equal(true);
      return claim.id;
    }

    it('in the transaction that records the document: the claim names it, done', async function () {
      const claimId = await heldClaim('gateway-a');
      const result = await ingest('bc-ok.csv', brightlineCsv([{ order: 'BC-1', org: '19827', serial: 'BCSERIAL0001' }]), '16FCE4A0', { claim: { claimId, holder: 'gateway-a' } });
      expect(result.status).to.equal('applied');
      expect(await getClaim(t.db, claimId)).to.include({ state: 'done', documentId: result.documentId, status: 'applied' });
    });

    it('also for a rejected document', async function () {
      const claimId = await heldClaim('gateway-a');
      const result = await ingest('bc-rejected.csv', brightlineCsv([{ order: 'BC-2', org: '77777', serial: 'BCSERIAL0002' }]), '16FCE4A0', { claim: { claimId, holder: 'gateway-a' } });
      expect(result.status).to.equal('rejected');
      expect(await getClaim(t.db, claimId)).to.include({ state: 'done', documentId: result.documentId, status: 'rejected' });
    });

    it('a claim another gateway took meanwhile: neither the document, nor its bytes, nor its devices are recorded', async function () {
      const csv = brightlineCsv([{ order: 'BC-3', org: '19827', serial: 'BCSERIAL0003' }]);
      const claimId = await heldClaim('gateway-b');
      const before = await tableCounts(t.db);
      let thrown: unknown;
      try {
        await ingest('bc-lost.csv', csv, '16FCE4A0', { claim: { claimId, holder: 'gateway-a' } });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).to.be.instanceOf(ClaimLostError);
      expect(await t.db('documents').where({ sha256: sha256(Buffer.from(csv)) })).to.deep.equal([]);
      expect(await t.db('document_content').where({ sha256: sha256(Buffer.from(csv)) })).to.deep.equal([]);
      expect((await devicesBySerial(t.db, ['BCSERIAL0003'])).size).to.equal(0);
      expect(await tableCounts(t.db)).to.deep.equal(before);
      expect(await getClaim(t.db, claimId)).to.include({ state: 'pending', holder: 'gateway-b', documentId: null });
      // Nothing was kept, so the same bytes are a new document, not a duplicate.
      const again = await ingest('bc-lost.csv', csv);
      expect(again.status).to.equal('applied');
    });
  });
});

describe(`intake pipeline: a CSV that the parser refuses mid-file (${databaseKind()})`, function () {
  this.timeout(20000);
  let t: TestDb;
  let tmp: ReturnType<typeof tempDir>;
  let hung = false;

  before(async function () {
    t = await sampleDatabase();
    tmp = tempDir('gw-intake-hang');
  });
  after(async function () {
    // A pipeline that never returned may still hold its transaction: do not wait for it.
    if (hung) await within(t.close(), 1000, 'closing the database').catch(() => undefined);
    else await t.close();
    tmp.remove();
  });

  it('a row with the wrong number of fields: rejected with GW-CSV-6101 naming the line (the pipeline returns)', async function () {
    const deps = intakeDeps(t.db);
    const good = (serial: string) => `FC-1,OR,2026-11-02,19827,PO-FC-1,D-FC-1,2026-11-03,${serial},,MW6F3LL/A`;
    const short = 'FC-1,OR,2026-11-02,19827,PO-FC-1,D-FC-1,2026-11-03,FCSERIAL0002';
    const csv = [BRIGHTLINE_HEADER, good('FCSERIAL0001'), short, good('FCSERIAL0003')].join('\n') + '\n';
    let result: IngestResult;
    try {
      result = await within(ingestText(deps, tmp.dir, 'field-count.csv', csv), 3000, 'receive');
    } catch (err) {
      hung = true;
      throw err;
    }
    expect(result.status).to.equal('rejected');
    expect(result.errors.map((e) => [e.code, e.params?.at])).to.deep.equal([['GW-CSV-6101', 'field-count.csv, line 3']]);
    expect((await devicesBySerial(t.db, ['FCSERIAL0001', 'FCSERIAL0002', 'FCSERIAL0003'])).size).to.equal(0);
  });
});

describe(`intake pipeline: the limits a CSV runs into, as the documentation names them (${databaseKind()})`, function () {
  this.timeout(60000);
  let t: TestDb;
  let tmp: ReturnType<typeof tempDir>;

  before(async function () {
    t = await sampleDatabase();
    tmp = tempDir('gw-intake-limits');
  });
  after(async function () {
    await t?.close();
    tmp?.remove();
  });

  it('a 2 MiB line: rejected with GW-DOC-6009 (line length) naming the line, not as malformed CSV', async function () {
    const deps = intakeDeps(t.db);
    const row = (serial: string) => `LL-1,OR,2026-11-02,19827,PO-LL-1,D-LL-1,2026-11-03,${serial},,MW6F3LL/A`;
    for (const [name, long] of [
      ['long-field.csv', row('L'.repeat(2 * 1024 * 1024))],
      ['long-quoted.csv', row(`"${'L'.repeat(2 * 1024 * 1024)}"`)],
    ] as const) {
      const result = await ingestText(deps, tmp.dir, name, [BRIGHTLINE_HEADER, row('LLSERIAL0001'), long, row('LLSERIAL0003')].join('\n') + '\n');
      expect(result.status, name).to.equal('rejected');
      expect(result.errors.map((e) => [e.code, e.params?.at]), name).to.deep.equal([['GW-DOC-6009', `${name}, line 3`]]);
      expect(result.errors[0]!.message).to.include(`longer than ${INTAKE_LIMITS.maxLineBytes} bytes`);
    }
    expect((await devicesBySerial(t.db, ['LLSERIAL0001', 'LLSERIAL0003'])).size).to.equal(0);
  });

  it('1,500 bad rows with 1,000 errors kept: the 1,000 errors, then GW-DOC-6008 saying the list stops there', async function () {
    const deps = { ...intakeDeps(t.db), limits: { ...TEST_LIMITS, maxErrorsPerDocument: 1000 } };
    const rows = Array.from({ length: 1500 }, (_, i) => `ME-${i},OR,2026-11-02,19827,PO-ME,D-ME-${i},not-a-date,MESERIAL${String(i).padStart(4, '0')},,MW6F3LL/A`);
    const result = await ingestText(deps, tmp.dir, 'many-errors.csv', [BRIGHTLINE_HEADER, ...rows].join('\n') + '\n');
    expect(result.status).to.equal('rejected');
    expect(result.errors).to.have.lengthOf(1001);
    expect(result.errors.slice(0, 1000).every((e) => e.code === 'GW-MAP-6202')).to.equal(true);
    expect(result.errors[999]!.params?.at).to.equal('many-errors.csv, line 1001');
    expect(result.errors[1000]).to.include({ code: 'GW-DOC-6008' });
    expect(result.errors[1000]!.message).to.include('stopped after 1000');
    // Kept with the document too: what `document show` and GET /v1/documents/:id answer.
    const kept = JSON.parse((await documentRow(t.db, result.documentId)).errors_json) as { code: string }[];
    expect(kept.map((e) => e.code).slice(-2)).to.deep.equal(['GW-MAP-6202', 'GW-DOC-6008']);
  });
});
