// Standard cXML and X12 as partners send them, end to end through receive(): cXML with any
// of its DTDs and the host in any case; X12 856s whose CTT01 counts item levels, and
// 005010 850s, where the mapping says so (and refused, with their code, where it does
// not); an ISA with broken delimiters named as such even when several mappings could
// read the file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { documentAcks } from '../../src/intake/acks.js';
import type { IntakeDeps } from '../../src/intake/receive.js';
import { BUILTIN_MAPPINGS_DIR } from '../../src/mapping/mapping.js';
import { databaseKind, sampleDatabase, type TestDb } from '../support/db.js';
import { devicesBySerial, ingestText, intakeDeps, mappingsWith, tableCounts, tempDir } from './support.js';

const sample = (name: string) => readFileSync(join(process.cwd(), 'samples', 'documents', name), 'utf8');
const builtin = (id: string) => JSON.parse(readFileSync(join(BUILTIN_MAPPINGS_DIR, `${id}.json`), 'utf8')) as Record<string, unknown> & { id: string; x12: Record<string, unknown> };

/** Apple's 856 mapping, but CTT01 counts item levels. */
function itemsMapping(): object {
  const m = builtin('apple-x12-856');
  m.id = 'apple-x12-856-items';
  (m.x12.shipNotice as Record<string, unknown>).ctt01 = 'items';
  return m;
}

/** Apple's 850 mapping, accepting 005010 too. */
function version5010Mapping(): object {
  const m = builtin('apple-x12-850');
  m.id = 'apple-x12-850-5010';
  m.x12.versions = ['004010', '005010'];
  return m;
}

/** An interchange of one set, counts computed; `version` is GS08, ISA12 follows it. */
function interchange(control: string, functionalId: string, version: string, set: string[]): string {
  const isa12 = version.startsWith('005') ? '00501' : '00401';
  const isa11 = isa12 === '00401' ? 'U' : '^';
  const isa = `ISA*00*          *00*          *ZZ*APPLE          *ZZ*ABMEDIGATEWAY  *261110*0900*${isa11}*${isa12}*${control.padStart(9, '0')}*0*P*>`;
  const group = String(Number(control));
  return [isa, `GS*${functionalId}*APPLE*ABMEDIGATEWAY*20261110*0900*${group}*X*${version}`, ...set, `SE*${set.length + 1}*0001`, `GE*1*${group}`, `IEA*1*${control.padStart(9, '0')}`]
    .map((s) => `${s}~\n`)
    .join('');
}

function order850(control: string, version: string, orderNumber: string, st03?: string): string {
  return interchange(control, 'PO', version, [
    `ST*850*0001${st03 ? `*${st03}` : ''}`,
    `BEG*00*SA*${orderNumber}**20261110`,
    'N1*BY*Northwind Schools*91*0000123456',
    'PO1*1*2*EA*329.00**VP*MW6F3LL/A',
    'CTT*1',
  ]);
}

/** A 856 of two item levels (two HL I) under one order: 4 HL segments, CTT01 as given. */
function notice856(control: string, orderNumber: string, serials: [string, string], ctt01: number): string {
  return interchange(control, 'SH', '004010', [
    'ST*856*0001',
    `BSN*00*SN-${control}*20261111*1400`,
    'HL*1**S',
    'DTM*011*20261111',
    'HL*2*1*O',
    `PRF*${orderNumber}`,
    'HL*3*2*I',
    'LIN**VP*MW6F3LL/A',
    'SN1**1*EA',
    `REF*SE*${serials[0]}`,
    'HL*4*2*I',
    'LIN**VP*MW6F3LL/A',
    'SN1**1*EA',
    `REF*SE*${serials[1]}`,
    `CTT*${ctt01}`,
  ]);
}

describe(`intake: standard cXML and X12 variants (${databaseKind()})`, function () {
  let t: TestDb;
  let deps: IntakeDeps;
  const tmp = tempDir('gw-standard-variants');

  before(async function () {
    t = await sampleDatabase();
    deps = intakeDeps(t.db, mappingsWith([itemsMapping(), version5010Mapping()]));
  });
  after(async function () {
    await t.close();
    tmp.remove();
  });

  const enrolled = async (serials: string[]) => [...(await devicesBySerial(t.db, serials)).values()].map((d) => [d.serial, d.state, d.org_id]);

  describe('cXML', function () {
    it('an OrderRequest whose DOCTYPE names the host xml.cXML.org applies, then a ShipNoticeRequest declared with Fulfill.dtd applies to it', async function () {
      const order = sample('brightline-cxml-order.xml')
        .replace(/<!DOCTYPE cXML SYSTEM "[^"]+">/, '<!DOCTYPE cXML SYSTEM "http://xml.cXML.org/schemas/cXML/1.2.014/cXML.dtd">')
        .replace(/NW-PO-7001/g, 'NW-PO-7301');
      const notice = sample('brightline-cxml-shipnotice.xml')
        .replace(/<!DOCTYPE cXML SYSTEM "[^"]+">/, '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/Fulfill.dtd">')
        .replace(/NW-PO-7001/g, 'NW-PO-7301')
        .replace('BL-SN-5001', 'BL-SN-7301')
        .replace(/DMPXNW0000/g, 'DMPXNW7300')
        .replace('C02NW0000003', 'C02NW7300003');
      const orderResult = await ingestText(deps, tmp.dir, 'order.xml', order);
      expect(orderResult.status, JSON.stringify(orderResult.errors)).to.equal('applied');
      expect(orderResult.mappingId).to.equal('brightline-cxml');
      const noticeResult = await ingestText(deps, tmp.dir, 'shipnotice.xml', notice);
      expect(noticeResult.status, JSON.stringify(noticeResult.errors)).to.equal('applied');
      expect(await enrolled(['DMPXNW730001', 'DMPXNW730002', 'C02NW7300003'])).to.have.deep.members([
        ['DMPXNW730001', 'enrolled', '19827'],
        ['DMPXNW730002', 'enrolled', '19827'],
        ['C02NW7300003', 'enrolled', '19827'],
      ]);
    });

    it('a DTD on another host is still refused (GW-XML-6302), changing nothing', async function () {
      const before = await tableCounts(t.db);
      const notice = sample('brightline-cxml-shipnotice.xml')
        .replace(/<!DOCTYPE cXML SYSTEM "[^"]+">/, '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org.attacker.example/schemas/cXML/1.2.014/Fulfill.dtd">')
        .replace('BL-SN-5001', 'BL-SN-7302');
      const result = await ingestText(deps, tmp.dir, 'elsewhere.xml', notice);
      expect(result.status).to.equal('rejected');
      expect(result.errors.map((e) => [e.code, e.params?.at])).to.deep.equal([['GW-XML-6302', 'elsewhere.xml, line 2, column 1']]);
      expect(await tableCounts(t.db)).to.deep.equal(before);
    });
  });

  describe('X12 856 whose CTT01 counts item levels', function () {
    before(async function () {
      const order = await ingestText(deps, tmp.dir, 'order.edi', order850('7401', '004010', 'APL-850-7401'), 'APPLE', { mappingId: 'apple-x12-850' });
      expect(order.status, JSON.stringify(order.errors)).to.equal('applied');
    });

    it('is refused under a mapping that counts HL segments: GW-X12-6404 naming CTT01, what it says and what was counted', async function () {
      const before = await tableCounts(t.db);
      const result = await ingestText(deps, tmp.dir, 'items.edi', notice856('7402', 'APL-850-7401', ['DMPX74020001', 'DMPX74020002'], 2), 'APPLE', { mappingId: 'apple-x12-856' });
      expect(result.status).to.equal('rejected');
      const error = result.errors.find((e) => e.code === 'GW-X12-6404');
      expect(error?.params).to.include({ segment: 'CTT01', declared: '2', counted: '4 HL segments' });
      expect(await tableCounts(t.db)).to.deep.equal(before);
      const ack997 = (await documentAcks(deps, result.documentId)).find((a) => a.kind === '997')!.body;
      expect(ack997).to.match(/AK4\*1\*\*7\*2~/);
      expect(ack997).to.match(/AK9\*R\*1\*1\*0~/);
    });

    it('applies under a mapping whose ctt01 is "items": both devices enrolled', async function () {
      const result = await ingestText(deps, tmp.dir, 'items.edi', notice856('7403', 'APL-850-7401', ['DMPX74030001', 'DMPX74030002'], 2), 'APPLE', { mappingId: 'apple-x12-856-items' });
      expect(result.status, JSON.stringify(result.errors)).to.equal('applied');
      expect(await enrolled(['DMPX74030001', 'DMPX74030002'])).to.have.deep.members([
        ['DMPX74030001', 'enrolled', '19827'],
        ['DMPX74030002', 'enrolled', '19827'],
      ]);
    });

    it('under "items" a CTT01 that counts HL segments is refused, naming the item levels counted', async function () {
      const result = await ingestText(deps, tmp.dir, 'hl.edi', notice856('7404', 'APL-850-7401', ['DMPX74040001', 'DMPX74040002'], 4), 'APPLE', { mappingId: 'apple-x12-856-items' });
      expect(result.status).to.equal('rejected');
      expect(result.errors.find((e) => e.code === 'GW-X12-6404')?.params).to.include({ segment: 'CTT01', declared: '4', counted: '2 item levels' });
    });
  });

  describe('X12 005010 850', function () {
    it('is refused under a mapping that accepts 004010 only, naming the GS and its version', async function () {
      const before = await tableCounts(t.db);
      const result = await ingestText(deps, tmp.dir, 'v5010.edi', order850('7501', '005010', 'APL-850-7501'), 'APPLE', { mappingId: 'apple-x12-850' });
      expect(result.status).to.equal('rejected');
      const error = result.errors.find((e) => e.code === 'GW-X12-6402')!;
      expect(error.params).to.include({ segment: 'GS' });
      expect(String(error.params!.detail)).to.contain('GS08 version "005010" is not supported (expected 004010)');
      expect(String(error.params!.at)).to.match(/^interchange 000007501, segment 2 \(GS\*PO\*APPLE/);
      expect(await t.db('purchase_orders').where({ order_number: 'APL-850-7501' }).first()).to.equal(undefined);
      expect(await tableCounts(t.db)).to.deep.equal(before);
    });

    it('applies under a mapping whose versions include 005010, ST03 and all; the 997 and 855 answer in 005010', async function () {
      const result = await ingestText(deps, tmp.dir, 'v5010.edi', order850('7502', '005010', 'APL-850-7502', '005010'), 'APPLE', { mappingId: 'apple-x12-850-5010' });
      expect(result.status, JSON.stringify(result.errors)).to.equal('applied');
      const order = (await t.db('purchase_orders').where({ order_number: 'APL-850-7502' }).first()) as object | undefined;
      expect(order).to.not.equal(undefined);
      const acks = await documentAcks(deps, result.documentId);
      const ack997 = acks.find((a) => a.kind === '997')!.body;
      // ISA11 the partner's repetition separator, ISA12 00501; GS08 005010; AK2 repeats ST03.
      expect(ack997).to.match(/^ISA\*00\*.{10}\*00\*.{10}\*ZZ\*ABMEDIGATEWAY  \*ZZ\*APPLE          \*\d{6}\*\d{4}\*\^\*00501\*/);
      expect(ack997).to.match(/GS\*FA\*ABMEDIGATEWAY\*APPLE\*\d{8}\*\d{4}\*\d+\*X\*005010~/);
      expect(ack997).to.match(/AK2\*850\*0001\*005010~/);
      expect(ack997).to.match(/AK9\*A\*1\*1\*1~/);
      const ack855 = acks.find((a) => a.kind === '855')!.body;
      expect(ack855).to.match(/\*\^\*00501\*/);
      expect(ack855).to.match(/GS\*PR\*ABMEDIGATEWAY\*APPLE\*\d{8}\*\d{4}\*\d+\*X\*005010~/);
      expect(ack855).to.match(/BAK\*00\*AC\*APL-850-7502\*20261110~/);
    });

    it('a 004010 850 still answers in 004010 (ISA11 U, ISA12 00401)', async function () {
      const result = await ingestText(deps, tmp.dir, 'v4010.edi', order850('7503', '004010', 'APL-850-7503'), 'APPLE', { mappingId: 'apple-x12-850-5010' });
      expect(result.status, JSON.stringify(result.errors)).to.equal('applied');
      const ack997 = (await documentAcks(deps, result.documentId)).find((a) => a.kind === '997')!.body;
      expect(ack997).to.match(/\*U\*00401\*/);
      expect(ack997).to.match(/\*X\*004010~/);
      expect(ack997).to.match(/AK2\*850\*0001~/);
    });
  });

  it('an ISA whose delimiters are broken is GW-X12-6401 saying so, though the partner has several X12 mappings', async function () {
    // The segment terminator (position 106) is a letter: no delimiters can be trusted.
    const text = order850('7601', '004010', 'APL-850-7601').replace('*0*P*>~', '*0*P*>X');
    const before = await tableCounts(t.db);
    const result = await ingestText(deps, tmp.dir, 'broken-isa.edi', text, 'APPLE');
    expect(result.status).to.equal('rejected');
    expect(result.errors).to.have.length(1);
    expect(result.errors[0]!.code).to.equal('GW-X12-6401');
    expect(result.errors[0]!.params).to.deep.equal({
      at: 'segment 1, line 1',
      detail: 'the delimiters (element separator at position 4, ISA16, segment terminator at position 106) are missing, alphanumeric or repeated',
    });
    expect(await tableCounts(t.db)).to.deep.equal(before);
  });
});
