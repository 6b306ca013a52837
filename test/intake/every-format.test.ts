// Every format through the whole pipeline: the samples apply, and broken documents of
// each format are refused with a coded error that says where, keep their bytes, and
// change nothing. X12 ship notices before their 850s wait, then apply.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { documentAcks } from '../../src/intake/acks.js';
import { receive, replayDocument, type IntakeDeps } from '../../src/intake/receive.js';
import type { IngestResult } from '../../src/intake/types.js';
import { BUILTIN_MAPPINGS_DIR, loadMappings } from '../../src/mapping/mapping.js';
import { readContent } from '../../src/store/documents.js';
import { sampleDatabase, type TestDb } from '../support/db.js';
import { testCreditSettings } from '../support/credit.js';
import { DEFAULT_CONFIG } from '../../src/config.js';

const SAMPLES = join(process.cwd(), 'samples', 'documents');
const sample = (name: string) => readFileSync(join(SAMPLES, name));

/** Tables a document can change; a refused one must leave every count as it was. */
const TABLES = ['orders', 'order_lines', 'deliveries', 'devices', 'device_events', 'purchase_orders', 'document_items', 'document_item_devices', 'x12_interchanges'];

async function counts(db: Knex): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = Number(((await db(t).count({ n: '*' })) as { n: number | string }[])[0]!.n);
  return out;
}

async function keptBytes(db: Knex, sha256: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of readContent(db, sha256)) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('intake: every format end to end', () => {
  let t: TestDb;
  let deps: IntakeDeps;
  let dir: string;
  let n = 0;

  before(async () => {
    t = await sampleDatabase();
    deps = { db: t.db, mappings: loadMappings(), limits: { maxDocumentBytes: 16 * 1024 * 1024, maxJsonDocumentBytes: 1024 * 1024, maxErrorsPerDocument: 50 }, credit: testCreditSettings(), transactions: DEFAULT_CONFIG.limits };
    dir = mkdtempSync(join(tmpdir(), 'gw-every-format-'));
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ingest(partnerId: string, fileName: string, bytes: Buffer | string): Promise<IngestResult> {
    const path = join(dir, `${++n}-${fileName}`);
    writeFileSync(path, bytes);
    return receive(deps, { partnerId, channel: 'cli', fileName, path, actor: 'test' });
  }

  async function deviceState(serial: string): Promise<string | undefined> {
    const row = (await t.db('devices').where({ serial }).first('state')) as { state: string } | undefined;
    return row?.state;
  }

  describe('broken documents: coded error naming where, bytes kept, nothing changed', () => {
    const x12Sample = () => sample('apple-850.edi').toString('utf8');
    const cases: { name: string; partner: string; file: string; bytes: () => Buffer | string; code: string; where: RegExp }[] = [
      {
        name: 'X12 truncated (no SE, GE, IEA)',
        partner: 'APPLE',
        file: 'truncated.edi',
        bytes: () => x12Sample().slice(0, x12Sample().indexOf('CTT*1~')),
        code: 'GW-X12-6405',
        where: /./,
      },
      {
        name: 'X12 wrong SE segment count',
        partner: 'APPLE',
        file: 'wrong-count.edi',
        bytes: () => x12Sample().replace('SE*10*0001~', 'SE*11*0001~').replace('SE*8*0002~', 'SE*9*0002~'),
        code: 'GW-X12-6404',
        where: /SE/,
      },
      {
        name: 'X12 wrong GE set count',
        partner: 'APPLE',
        file: 'wrong-ge.edi',
        bytes: () => x12Sample().replace('GE*2*905~', 'GE*3*905~'),
        code: 'GW-X12-6404',
        where: /GE/,
      },
      {
        name: 'X12 bad date in BEG05',
        partner: 'APPLE',
        file: 'bad-date.edi',
        bytes: () => x12Sample().replace(/\*\*20261102~/g, '**20261340~'),
        code: 'GW-MAP-6202',
        where: /BEG/,
      },
      {
        name: 'X12 invalid UTF-8',
        partner: 'APPLE',
        file: 'bad-utf8.edi',
        bytes: () => Buffer.concat([Buffer.from(x12Sample().slice(0, 400)), Buffer.from([0xc3, 0x28]), Buffer.from(x12Sample().slice(400))]),
        code: 'GW-DOC-6001',
        where: /./,
      },
      {
        name: 'gateway XML with a DOCTYPE',
        partner: '2B7D9C10',
        file: 'doctype.xml',
        bytes: () => sample('harbour-orders.xml').toString('utf8').replace('<GatewayDocuments', '<!DOCTYPE GatewayDocuments SYSTEM "gw.dtd">\n<GatewayDocuments'),
        code: 'GW-XML-6302',
        where: /line \d+/,
      },
      {
        name: 'cXML with entity declarations (billion laughs)',
        partner: '16FCE4A0',
        file: 'entities.xml',
        bytes: () =>
          sample('brightline-cxml-order.xml')
            .toString('utf8')
            .replace(/<!DOCTYPE cXML SYSTEM "[^"]+">/, '<!DOCTYPE cXML [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>')
            .replace('NW-PO-7001', 'NW-PO-&b;'),
        code: 'GW-XML-6302',
        where: /line \d+/,
      },
      {
        name: 'gateway XML with a bad date',
        partner: '2B7D9C10',
        file: 'bad-date.xml',
        bytes: () => sample('harbour-orders.xml').toString('utf8').replace('shipDate="2026-11-03"', 'shipDate="2026-11-31"'),
        code: 'GW-MAP-6202',
        where: /line \d+/,
      },
      {
        name: 'CSV with an unknown column',
        partner: '16FCE4A0',
        file: 'unknown-column.csv',
        bytes: () => sample('brightline-ship-notice.csv').toString('utf8').replace('part_number', 'part_number,colour').replace(/MW6F3LL\/A\n/g, 'MW6F3LL/A,blue\n').replace(/MX2E3LL\/A\n/g, 'MX2E3LL/A,grey\n').replace(/MT5A3J\/A\n/g, 'MT5A3J/A,red\n'),
        code: 'GW-CSV-6102',
        where: /line 1/,
      },
      {
        name: 'CSV with invalid UTF-8',
        partner: '16FCE4A0',
        file: 'bad-utf8.csv',
        bytes: () => Buffer.concat([sample('brightline-ship-notice.csv').subarray(0, 200), Buffer.from([0xff]), sample('brightline-ship-notice.csv').subarray(200)]),
        code: 'GW-DOC-6001',
        where: /line \d+/,
      },
      {
        name: 'JSON that is not JSON',
        partner: '2B7D9C10',
        file: 'broken.json',
        bytes: () => sample('harbour-orders.json').toString('utf8').slice(0, 300),
        code: 'GW-DOC-6006',
        where: /broken\.json/,
      },
    ];

    for (const c of cases) {
      it(c.name, async () => {
        const before = await counts(t.db);
        const bytes = c.bytes();
        const result = await ingest(c.partner, c.file, bytes);
        expect(result.status, JSON.stringify(result.errors)).to.equal('rejected');
        const error = result.errors.find((e) => e.code === c.code);
        expect(error, `expected ${c.code} in ${JSON.stringify(result.errors)}`).to.not.equal(undefined);
        expect(String(error!.params?.at ?? '') + error!.message).to.match(c.where);
        expect(await counts(t.db)).to.deep.equal(before);
        const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
        expect(result.sha256).to.equal(createHash('sha256').update(buffer).digest('hex'));
        expect((await keptBytes(t.db, result.sha256)).equals(buffer)).to.equal(true);
        const doc = (await t.db('documents').where({ document_id: result.documentId }).first()) as { status: string; errors_json: string };
        expect(doc.status).to.equal('rejected');
        expect(JSON.parse(doc.errors_json)[0].code).to.be.a('string');
      });
    }
  });

  describe('X12: a 856 before its 850s waits, then applies; acks come from the results', () => {
    let first: IngestResult;
    let second: IngestResult;

    before(async () => {
      first = await ingest('APPLE', 'apple-856.edi', sample('apple-856.edi'));
      second = await ingest('APPLE', 'apple-850.edi', sample('apple-850.edi'));
    });

    it('the 856 alone waits as awaiting_order and enrolls nothing', async () => {
      expect(first.status).to.equal('awaiting_order');
      expect(first.summary.devicesAwaiting).to.equal(6);
      expect(first.summary.devicesEnrolled).to.equal(0);
    });

    it('the 850 frees the waiting ship notices: devices enrolled to the organisation of the Apple customer number', async () => {
      expect(second.status).to.equal('applied');
      expect(await deviceState('DMPX1A2B3C01')).to.equal('enrolled');
      expect(await deviceState('F2LX7Q9R8S02')).to.equal('enrolled');
      const device = (await t.db('devices as d').join('organisations as o', 'o.id', 'd.org_pk').where('d.serial', 'F2LX7Q9R8S01').first('o.org_id')) as { org_id: string };
      expect(device.org_id).to.equal('55120'); // Apple customer number 778899 is Contoso Health
      const doc = (await t.db('documents').where({ document_id: first.documentId }).first('status', 'summary_json')) as { status: string; summary_json: string };
      expect(doc.status).to.equal('applied');
      expect(JSON.parse(doc.summary_json).devicesEnrolled).to.equal(6);
    });

    it('the 997 accepts both sets of the 850 interchange, and the 855 accepts each order line', async () => {
      const acks = await documentAcks(deps, second.documentId);
      const ack997 = acks.find((a) => a.kind === '997')!.body;
      expect(ack997).to.match(/AK1\*PO\*905~/);
      expect(ack997).to.match(/AK9\*A\*2\*2\*2~/);
      const ack855 = acks.find((a) => a.kind === '855')!.body;
      expect(ack855).to.match(/BAK\*00\*AC\*APL-850-1001\*20261102~/);
      expect(ack855.match(/ACK\*IA\*/g)?.length).to.equal(4);
    });

    it('the same interchange control number again is refused as a duplicate, pointing at the first', async () => {
      const again = sample('apple-850.edi').toString('utf8').replace('REF*CO*CH-77810~', 'REF*CO*CH-77811~');
      const before = await counts(t.db);
      const result = await ingest('APPLE', 'apple-850-again.edi', again);
      expect(result.status).to.equal('duplicate');
      expect(result.duplicateOf).to.equal(second.documentId);
      expect(result.errors.map((e) => e.code)).to.include('GW-DOC-6004');
      expect(await counts(t.db)).to.deep.equal(before);
    });

    it('one refused set is rolled back alone: the 997 says P, the other set applies', async () => {
      const text = sample('apple-850.edi')
        .toString('utf8')
        .replace('000000905', '000000915')
        .replace('000000905', '000000915')
        .replace(/APL-850-1001/g, 'APL-850-2001')
        .replace(/APL-850-1002/g, 'APL-850-2002')
        .replace('SE*8*0002~', 'SE*9*0002~');
      const result = await ingest('APPLE', 'apple-850-partial.edi', text);
      expect(result.status).to.equal('applied_with_errors');
      expect(result.errors.some((e) => e.code === 'GW-X12-6404' && e.unit)).to.equal(true);
      expect(await t.db('purchase_orders').where({ order_number: 'APL-850-2001' }).first()).to.not.equal(undefined);
      expect(await t.db('purchase_orders').where({ order_number: 'APL-850-2002' }).first()).to.equal(undefined);
      const ack997 = (await documentAcks(deps, result.documentId)).find((a) => a.kind === '997')!.body;
      expect(ack997).to.match(/AK5\*R\*4/);
      expect(ack997).to.match(/AK9\*P\*2\*2\*1~/);
    });
  });

  it('gateway XML and cXML samples apply; the cXML ship notice waits for its order', async () => {
    const xml = await ingest('2B7D9C10', 'harbour-orders.xml', sample('harbour-orders.xml'));
    expect(xml.status).to.equal('applied');
    expect(await deviceState('HBXA00000001')).to.equal('enrolled');
    const notice = await ingest('16FCE4A0', 'brightline-cxml-shipnotice.xml', sample('brightline-cxml-shipnotice.xml'));
    expect(notice.status).to.equal('awaiting_order');
    const order = await ingest('16FCE4A0', 'brightline-cxml-order.xml', sample('brightline-cxml-order.xml'));
    expect(order.status).to.equal('applied');
    const waiting = (await t.db('documents').where({ document_id: notice.documentId }).first('status')) as { status: string };
    expect(waiting.status).to.equal('applied');
  });

  it('a file two mappings could read is rejected asking for one, and replays with the one named', async () => {
    const extra = join(dir, 'mappings');
    const own = JSON.parse(readFileSync(join(BUILTIN_MAPPINGS_DIR, 'brightline-csv.json'), 'utf8')) as { id: string };
    own.id = 'brightline-csv-copy';
    rmSync(extra, { recursive: true, force: true });
    mkdirSync(extra, { recursive: true });
    writeFileSync(join(extra, 'copy.json'), JSON.stringify(own));
    const twoMappings: IntakeDeps = { ...deps, mappings: loadMappings([BUILTIN_MAPPINGS_DIR, extra]) };
    const bytes = sample('brightline-ship-notice.csv').toString('utf8').replace(/BLC0/g, 'BLC9');
    const path = join(dir, 'ambiguous.csv');
    writeFileSync(path, bytes);
    const first = await receive(twoMappings, { partnerId: '16FCE4A0', channel: 'cli', fileName: 'ambiguous.csv', path, actor: 'test' });
    expect(first.status).to.equal('rejected');
    expect(first.errors[0]!.code).to.equal('GW-DOC-6005');
    expect(first.errors[0]!.message).to.contain('brightline-csv-copy');
    const replayed = await replayDocument(twoMappings, first.documentId, 'test', 'brightline-csv');
    expect(replayed.status).to.equal('applied');
    expect(replayed.mappingId).to.equal('brightline-csv');
    expect(await deviceState('BLC9NWIPAD01')).to.equal('enrolled');
  });
});
