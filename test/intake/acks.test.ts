// Acknowledgements come from the outcome rows frozen when a document is committed, and
// say exactly what was applied. A 997 says A only for a set that applied: every way an
// interchange can be refused (its envelope, its sets' rules, a duplicate, bytes with no
// segment terminator) is answered R or P, never "accepted" for what the gateway did not
// apply. The same interchange twice in one file applies once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { AcksUnknown, documentAcks, documentRefusals } from '../../src/intake/acks.js';
import { findDocument } from '../../src/store/documents.js';
import { receive, type IntakeDeps } from '../../src/intake/receive.js';
import type { IngestResult } from '../../src/intake/types.js';
import { loadMappings, type Mapping } from '../../src/mapping/mapping.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { databaseKind, sampleDatabase, type TestDb } from '../support/db.js';
import { testCreditSettings } from '../support/credit.js';
import { keptBytes, keptDeviceOutcomes } from '../support/content.js';
import { interchange, read997, set850, set856 } from './support.js';

describe(`acknowledgements from the outcome rows, for every refusal (${databaseKind()})`, () => {
  let t: TestDb;
  let deps: IntakeDeps;
  let dir: string;
  let n = 0;

  before(async () => {
    t = await sampleDatabase();
    deps = { db: t.db, mappings: loadMappings(), limits: { ...DEFAULT_CONFIG.intake, maxErrorsPerDocument: 50 }, credit: testCreditSettings(), transactions: DEFAULT_CONFIG.limits };
    dir = mkdtempSync(join(tmpdir(), 'gw-acks-'));
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ingest(fileName: string, text: string, mappingId?: string): Promise<IngestResult> {
    const path = join(dir, `${++n}-${fileName}`);
    writeFileSync(path, text);
    return receive(deps, { partnerId: 'APPLE', channel: 'cli', fileName, path, actor: 'test', ...(mappingId ? { mappingId } : {}) });
  }

  async function ack997(documentId: string): Promise<ReturnType<typeof read997>> {
    const ack = (await documentAcks(deps, documentId)).find((a) => a.kind === '997');
    expect(ack, 'a 997').to.not.equal(undefined);
    return read997(ack!.body);
  }

  it('an interchange with no IEA: rejected (GW-X12-6405), and its 997 rejects every set', async () => {
    const result = await ingest('no-iea.edi', interchange('000007001', '7001', 'PO', [set850('0001', 'ACK-NOIEA-1', '0000123456')], { iea: false }));
    expect(result.status).to.equal('rejected');
    expect(result.errors.map((e) => e.code)).to.include('GW-X12-6405');
    expect(await t.db('purchase_orders').where({ order_number: 'ACK-NOIEA-1' }).first()).to.equal(undefined);
    const [group] = await ack997(result.documentId);
    expect(group!.sets).to.deep.equal([['0001', 'R']]);
    expect(group!.ak9[0]).to.equal('R');
  });

  it('an 850 for an unknown customer: rejected (DEP-ERR-OR-4102), and its 997 says R, not A', async () => {
    const result = await ingest('unknown-customer.edi', interchange('000007002', '7002', 'PO', [set850('0001', 'ACK-UNKNOWN-1', '999999999')]));
    expect(result.status).to.equal('rejected');
    expect(result.errors.map((e) => e.code)).to.deep.equal(['DEP-ERR-OR-4102']);
    const [group] = await ack997(result.documentId);
    expect(group!.sets).to.deep.equal([['0001', 'R']]);
    expect(group!.ak9).to.deep.equal(['R', '1', '1', '0']);
  });

  it('the second 850 of a group refused by the rules is rolled back alone: its set R, the group P', async () => {
    const text = interchange('000007003', '7003', 'PO', [set850('0001', 'ACK-PARTIAL-1', '0000123456'), set850('0002', 'ACK-PARTIAL-2', '999999999')]);
    const result = await ingest('partial.edi', text);
    expect(result.status).to.equal('applied_with_errors');
    expect(await t.db('purchase_orders').where({ order_number: 'ACK-PARTIAL-1' }).first()).to.not.equal(undefined);
    expect(await t.db('purchase_orders').where({ order_number: 'ACK-PARTIAL-2' }).first()).to.equal(undefined);
    const [group] = await ack997(result.documentId);
    expect(group!.sets).to.deep.equal([
      ['0001', 'A'],
      ['0002', 'R'],
    ]);
    expect(group!.ak9).to.deep.equal(['P', '2', '2', '1']);
  });

  it('an interchange received before: a duplicate (GW-DOC-6004), and its 997 rejects every set', async () => {
    const text = interchange('000007004', '7004', 'PO', [set850('0001', 'ACK-DUP-1', '0000123456')]);
    const first = await ingest('first.edi', text);
    expect(first.status).to.equal('applied');
    const again = await ingest('again.edi', text.replace('ACK-DUP-1', 'ACK-DUP-2'));
    expect(again.status).to.equal('duplicate');
    expect(again.duplicateOf).to.equal(first.documentId);
    expect(again.errors.map((e) => e.code)).to.include('GW-DOC-6004');
    const [group] = await ack997(again.documentId);
    expect(group!.sets).to.deep.equal([['0001', 'R']]);
    expect(group!.ak9[0]).to.equal('R');
    expect((await ack997(first.documentId))[0]!.ak9[0]).to.equal('A');
  });

  it('the same interchange twice in one file applies once: the repeat is refused as a duplicate (GW-DOC-6004), its 997 R', async () => {
    const order = interchange('000007005', '7005', 'PO', [set850('0001', 'ACK-TWICE-PO', '0000123456')]);
    expect((await ingest('twice-order.edi', order)).status).to.equal('applied');
    const notice = interchange('000007006', '7006', 'SH', [set856('0001', 'ACK-TWICE-D1', 'ACK-TWICE-PO', ['ACKTWICE0001', 'ACKTWICE0002'])]);
    const result = await ingest('twice.edi', notice + notice);
    expect(result.status).to.equal('applied_with_errors');
    expect(result.summary).to.include({ devicesEnrolled: 2 });
    expect(result.errors.map((e) => e.code)).to.deep.equal(['GW-DOC-6004']);
    const events = await t.db('device_events').whereIn('serial', ['ACKTWICE0001', 'ACKTWICE0002']).count<{ n: number | string }[]>({ n: '*' });
    expect(Number(events[0]!.n)).to.equal(2);
    const groups = await ack997(result.documentId);
    expect(groups.map((g) => g.ak9[0])).to.deep.equal(['A', 'R']);
    expect(groups[1]!.sets).to.deep.equal([['0001', 'R']]);
  });

  it('segments with no terminator: rejected with the limit it broke, and no 997 (no group could be read): the CSV ack says why', async () => {
    // The ISA names "~" as the terminator; the rest of the file never uses it. The mailbox
    // names the mapping, so the reader runs (the file's head names no transaction set).
    const isa = 'ISA*00*          *00*          *ZZ*APPLE          *ZZ*ABMEDIGATEWAY  *261102*0900*U*00401*000007007*0*P*>~';
    const body = ['GS*PO*APPLE*ABMEDIGATEWAY*20261102*0900*7007*X*004010', ...Array.from({ length: 20_000 }, (_, i) => `REF*ZZ*${i}`)].join('\n');
    const result = await ingest('no-terminator.edi', `${isa}\n${body}\n`, 'apple-x12-850');
    expect(result.status).to.equal('rejected');
    expect(result.errors.map((e) => e.code)).to.deep.equal(['GW-DOC-6009']);
    const acks = await documentAcks(deps, result.documentId);
    expect(acks.map((a) => a.kind)).to.deep.equal(['csv']);
    expect(acks[0]!.body).to.include('REJECTED,GW-DOC-6009');
  });

  it('a group read but refused whole (its trailer missing): no set is accepted, the AK9 is R', async () => {
    const text = interchange('000007010', '7010', 'PO', [set850('0001', 'ACK-NOGE-1', '0000123456')]).replace('GE*1*7010~\n', '');
    const result = await ingest('no-ge.edi', text);
    expect(result.status).to.equal('rejected');
    const [group] = await ack997(result.documentId);
    expect(group!.sets).to.deep.equal([['0001', 'R']]);
    expect(group!.ak9[0]).to.equal('R');
  });

  it('a set applied with a device refused says E; a clean set beside it says A', async () => {
    const orders = interchange('000007011', '7011', 'PO', [set850('0001', 'ACK-E-PO1', '0000123456'), set850('0002', 'ACK-E-PO2', '0000123456'), set850('0003', 'ACK-E-PO3', '0000123456')]);
    expect((await ingest('e-orders.edi', orders)).status).to.equal('applied');
    const first = interchange('000007012', '7012', 'SH', [set856('0001', 'ACK-E-D1', 'ACK-E-PO1', ['ACKE00000001'])]);
    expect((await ingest('e-first.edi', first)).status).to.equal('applied');
    // ACKE00000001 is live under ACK-E-PO1 already: refused in the first set, its other device enrolled.
    const notices = interchange('000007013', '7013', 'SH', [
      set856('0001', 'ACK-E-D2', 'ACK-E-PO2', ['ACKE00000001', 'ACKE00000002']),
      set856('0002', 'ACK-E-D3', 'ACK-E-PO3', ['ACKE00000003']),
    ]);
    const result = await ingest('e-notices.edi', notices);
    expect(result.status).to.equal('applied_with_errors');
    expect(result.summary).to.include({ devicesEnrolled: 2, devicesRefused: 1 });
    const [group] = await ack997(result.documentId);
    expect(group!.sets).to.deep.equal([
      ['0001', 'E'],
      ['0002', 'A'],
    ]);
    expect(group!.ak9[0]).to.equal('E');
  });

  it("a partly applied interchange's refusals, as an upload's answer lists them: a refused order, a refused device, a refused set's devices", async () => {
    const orders = interchange('000007021', '7021', 'PO', [set850('0001', 'ACK-RF-PO1', '0000123456'), set850('0002', 'ACK-RF-PO2', '999999999'), set850('0003', 'ACK-RF-PO3', '0000123456'), set850('0004', 'ACK-RF-PO4', '0000123456')]);
    const ordered = await ingest('rf-orders.edi', orders);
    expect(ordered.status).to.equal('applied_with_errors');
    const orderRefusals = await documentRefusals(t.db, (await findDocument(t.db, ordered.documentId))!, 10, 'ACK');
    expect(orderRefusals).to.deep.include({ total: 1, leftOff: 0, rest: null });
    expect(orderRefusals.listed).to.have.lengthOf(1);
    expect(orderRefusals.listed[0]).to.include({ item: 2, orderNumber: 'ACK-RF-PO2', serial: null, status: 'REJECTED', code: 'DEP-ERR-OR-4102' });
    expect(orderRefusals.listed[0]!.message).to.include('999999999');

    expect((await ingest('rf-first.edi', interchange('000007022', '7022', 'SH', [set856('0001', 'ACK-RF-D1', 'ACK-RF-PO1', ['ACKRF0000001'])]))).status).to.equal('applied');
    // Set 0001: ACKRF0000001 is live under another order already (refused alone); set 0002 ships before its order's date (refused whole).
    const early = set856('0002', 'ACK-RF-D3', 'ACK-RF-PO3', ['ACKRF0000003', 'ACKRF0000004']).map((seg) => seg.replace('20261103', '20261101'));
    const notices = interchange('000007023', '7023', 'SH', [set856('0001', 'ACK-RF-D2', 'ACK-RF-PO4', ['ACKRF0000001', 'ACKRF0000002']), early]);
    const shipped = await ingest('rf-notices.edi', notices);
    expect(shipped.status, JSON.stringify(shipped.errors)).to.equal('applied_with_errors');
    const doc = (await findDocument(t.db, shipped.documentId))!;
    const refusals = await documentRefusals(t.db, doc, 10, 'ACK');
    expect(refusals.listed.map((r) => [r.serial, r.status])).to.deep.equal([
      ['ACKRF0000001', 'REFUSED'],
      ['ACKRF0000003', 'REJECTED'],
      ['ACKRF0000004', 'REJECTED'],
    ]);
    expect(refusals.listed[1]!.code).to.equal(shipped.errors[0]!.code);
    // Bounded: the first two, the third counted, the acknowledgement named.
    expect(await documentRefusals(t.db, doc, 2, 'ACK')).to.deep.include({ total: 3, leftOff: 1, rest: 'ACK' });
  });

  // A document holds its new rows to write them as large sets (store/sets.ts HeldSets). A
  // refused set that reads a serial an earlier set holds writes the held rows inside its own
  // savepoint; rolled back, those rows must be held again, or the earlier set's devices are
  // lost though its 997 says A. Held until read (10,000) and written as soon as held (1).
  for (const heldSetRows of [10_000, 1]) {
    it(`a refused set that read what earlier sets hold: theirs stay applied, its own go (held ${heldSetRows})`, async () => {
      const tag = heldSetRows === 1 ? 'HA' : 'HB';
      const po = (k: number) => `ACK-${tag}-PO${k}`;
      const serial = (k: number) => `ACK${tag}${String(k).padStart(7, '0')}`;
      const orders = interchange(`00000${heldSetRows === 1 ? '7031' : '7032'}`, '7031', 'PO', [1, 2, 3].map((k) => set850(`000${k}`, po(k), '0000123456')));
      expect((await ingest(`${tag}-orders.edi`, orders)).status).to.equal('applied');
      // Set 0002 ships before its order's date (refused whole), and names a serial set 0001 enrolled.
      const early = set856('0002', `${tag}-D2`, po(2), [serial(1), serial(3)]).map((seg) => seg.replace('20261103', '20261101'));
      const notices = interchange(`00000${heldSetRows === 1 ? '7033' : '7034'}`, '7033', 'SH', [set856('0001', `${tag}-D1`, po(1), [serial(1), serial(2)]), early, set856('0003', `${tag}-D3`, po(3), [serial(4)])]);
      const held = { ...deps, limits: { ...deps.limits, heldSetRows } };
      const path = join(dir, `${++n}-${tag}-notices.edi`);
      writeFileSync(path, notices);
      const result = await receive(held, { partnerId: 'APPLE', channel: 'cli', fileName: `${tag}-notices.edi`, path, actor: 'test' });
      expect(result.status, JSON.stringify(result.errors)).to.equal('applied_with_errors');
      expect(result.summary).to.include({ devicesEnrolled: 3 });
      const devices = (await t.db('devices').whereIn('serial', [1, 2, 3, 4].map(serial)).orderBy('serial').select('serial', 'state')) as { serial: string; state: string }[];
      expect(devices.map((d) => [d.serial, d.state])).to.deep.equal([
        [serial(1), 'enrolled'],
        [serial(2), 'enrolled'],
        [serial(4), 'enrolled'],
      ]);
      const lines = (await t.db('order_lines as l').join('orders as o', 'o.id', 'l.order_pk').whereIn('l.serial', [1, 2, 3, 4].map(serial)).orderBy('l.serial').select('l.serial', 'o.order_number')) as { serial: string; order_number: string }[];
      expect(lines.map((l) => [l.serial, l.order_number])).to.deep.equal([
        [serial(1), po(1)],
        [serial(2), po(1)],
        [serial(4), po(3)],
      ]);
      const history = (await t.db('device_events').whereIn('serial', [1, 2, 3, 4].map(serial)).orderBy('serial').select('serial')) as { serial: string }[];
      expect(history.map((h) => h.serial)).to.deep.equal([serial(1), serial(2), serial(4)]);
      const [group] = await ack997(result.documentId);
      expect(group!.sets).to.deep.equal([
        ['0001', 'A'],
        ['0002', 'R'],
        ['0003', 'A'],
      ]);
    });
  }

  it('every device of an applied ship notice has an outcome row, written with the document', async () => {
    const order = interchange('000007008', '7008', 'PO', [set850('0001', 'ACK-ROWS-PO', '0000123456')]);
    await ingest('rows-order.edi', order);
    const result = await ingest('rows-notice.edi', interchange('000007009', '7009', 'SH', [set856('0001', 'ACK-ROWS-D1', 'ACK-ROWS-PO', ['ACKROWS00001', 'ACKROWS00002', 'ACKROWS00003'])]));
    const doc = (await t.db('documents').where({ document_id: result.documentId }).first('id', 'mapping_id', 'mapping_sha256')) as { id: number; mapping_id: string; mapping_sha256: string };
    expect(doc.mapping_sha256).to.equal(deps.mappings.get(doc.mapping_id)!.sha256);
    const rows = await keptDeviceOutcomes(t.db, doc.id);
    expect(rows.map((r) => [r.serial, r.status])).to.deep.equal([
      ['ACKROWS00001', 'ENROLLED'],
      ['ACKROWS00002', 'ENROLLED'],
      ['ACKROWS00003', 'ENROLLED'],
    ]);
    expect(rows[0]!.at).to.match(/segment/);
  });

  it('the acks a partner wanted are frozen with the document: a mapping edited or removed later changes none of them', async () => {
    const result = await ingest('frozen-acks.edi', interchange('000007010', '7010', 'PO', [set850('0001', 'ACK-FROZEN-PO', '0000123456')]));
    const kinds = async (mappings: Map<string, Mapping>) => (await documentAcks({ ...deps, mappings }, result.documentId)).map((a) => a.kind);
    const asRead = await kinds(deps.mappings);
    expect(asRead).to.include('997');
    const mappingId = result.mappingId!;
    const edited = new Map(deps.mappings);
    edited.set(mappingId, { ...edited.get(mappingId)!, acks: { x12_997: false, x12_855: !edited.get(mappingId)!.acks.x12_855 } });
    expect(await kinds(edited), 'edited after the document was read').to.deep.equal(asRead);
    const removed = new Map(deps.mappings);
    removed.delete(mappingId);
    expect(await kinds(removed), 'no longer loaded').to.deep.equal(asRead);
  });

  it('a document from before the record, whose mapping is gone: GW-DOC-6021, never a guessed acknowledgement', async () => {
    const result = await ingest('older-acks.edi', interchange('000007011', '7011', 'PO', [set850('0001', 'ACK-OLDER-PO', '0000123456')]));
    await t.db('documents').where({ document_id: result.documentId }).update({ acks_json: null });
    expect((await documentAcks(deps, result.documentId)).map((a) => a.kind), 'its mapping still loaded: its mapping says').to.include('997');
    const removed = new Map(deps.mappings);
    removed.delete(result.mappingId!);
    let refused: unknown;
    try {
      await documentAcks({ ...deps, mappings: removed }, result.documentId);
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(AcksUnknown);
    expect((refused as AcksUnknown).error).to.deep.equal({ code: 'GW-DOC-6021', params: { documentId: result.documentId, mappingId: result.mappingId } });
  });
});

describe(`bad bytes: a NUL in a field is refused at reading, with where, and the bytes kept (${databaseKind()})`, () => {
  let t: TestDb;
  let deps: IntakeDeps;
  let dir: string;

  before(async () => {
    t = await sampleDatabase();
    deps = { db: t.db, mappings: loadMappings(), limits: DEFAULT_CONFIG.intake, credit: testCreditSettings(), transactions: DEFAULT_CONFIG.limits };
    dir = mkdtempSync(join(tmpdir(), 'gw-nul-'));
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: { name: string; partner: string; file: string; text: string; at: RegExp }[] = [
    {
      name: 'CSV field',
      partner: '16FCE4A0',
      file: 'nul.csv',
      text: 'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number\nNUL-1,OR,2026-11-02,19827,PO-1,D-1,2026-11-03,NULSERIAL001,TAG\u0000X,MW6F3LL/A\n',
      at: /nul\.csv, line 2, column 9/,
    },
    {
      name: 'JSON string',
      partner: '2B7D9C10',
      file: 'nul.json',
      text: '{"orders":[{"orderNumber":"NUL-2","orderDate":"2026-11-02","orderType":"OR","customerId":"30411","deliveries":[{"deliveryNumber":"D1","shipDate":"2026-11-03","devices":[{"deviceId":"NUL\\u0000SERIAL2"}]}]}]}',
      at: /line 1, column \d+/,
    },
    {
      name: 'XML attribute',
      partner: '2B7D9C10',
      file: 'nul.xml',
      text: '<?xml version="1.0" encoding="UTF-8"?>\n<GatewayDocuments xmlns="urn:abm-edi-gateway:documents:1">\n<ShipNotice deliveryNumber="D\u00001" shipDate="2026-11-03" orderNumber="NUL-3"><Device serial="NULSERIAL003"/></ShipNotice>\n</GatewayDocuments>\n',
      at: /line 3, column \d+/,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: rejected with GW-DOC-6013 naming line and column; the document and its exact bytes are kept`, async () => {
      const path = join(dir, c.file);
      writeFileSync(path, c.text);
      const result = await receive(deps, { partnerId: c.partner, channel: 'http', fileName: c.file, path, actor: 'test' });
      expect(result.status).to.equal('rejected');
      const error = result.errors.find((e) => e.code === 'GW-DOC-6013');
      expect(error, JSON.stringify(result.errors)).to.not.equal(undefined);
      expect(String(error!.params?.at)).to.match(c.at);
      const doc = (await t.db('documents').where({ document_id: result.documentId }).first('status', 'sha256', 'errors_json')) as { status: string; sha256: string; errors_json: string };
      expect(doc.status).to.equal('rejected');
      expect(JSON.parse(doc.errors_json).map((e: { code: string }) => e.code)).to.include('GW-DOC-6013');
      expect((await keptBytes(t.db, doc.sha256)).equals(Buffer.from(c.text))).to.equal(true);
    });
  }

});
