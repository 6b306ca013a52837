// A new partner onboards with one mapping file: a Dutch reseller whose ship-notice export
// has semicolons, DD.MM.YYYY dates, Windows-1252 text and no delivery number or order
// date of its own. The mapping derives the delivery number from the order number and the
// delivery date, and lets the delivery date feed the order's date too: no invented data.
import { expect } from 'chai';
import { addSupplier, linkSupplier } from '../../src/admin/operations.js';
import { documentAcks } from '../../src/intake/acks.js';
import { MappingError } from '../../src/mapping/mapping.js';
import type { IntakeDeps } from '../../src/intake/receive.js';
import { databaseKind, sampleDatabase, TEST_ACTOR, type TestDb } from '../support/db.js';
import { ingestText, intakeDeps, mappingsWith, tableCounts, tempDir } from '../intake/support.js';

const PARTNER = '4C1D2E30';

export const DUTCH_MAPPING = {
  id: 'van-dijk-csv',
  description: 'Van Dijk ICT: leverbestand (one shipped device per row).',
  partners: [PARTNER],
  format: 'csv',
  dateFormats: ['DD.MM.YYYY'],
  parts: { credit: [], families: [{ prefix: 'MX', family: 'Mac' }, { prefix: 'MW6', family: 'iPad' }] },
  acks: { csv: true },
  csv: {
    rows: 'shipNotice',
    encoding: 'windows-1252',
    delimiter: ';',
    quote: '"',
    decimalSeparator: ',',
    unknownColumns: 'refuse',
    columns: {
      orderNumber: 'Bestelnummer',
      shipDate: 'Leverdatum',
      orderDate: 'Leverdatum',
      serial: 'Serienummer',
      partNumber: 'Artikelnummer',
      customerId: 'Klantnummer',
      poNumber: 'Referentie',
    },
    defaults: { orderType: 'OR' },
    derived: { deliveryNumber: '{orderNumber}-{shipDate|YYYYMMDD}' },
  },
};

/** The partner's export as its spreadsheet saves it: Windows-1252, CRLF. */
function leverbestand(rows: string[][]): Buffer {
  const text = [['Bestelnummer', 'Leverdatum', 'Serienummer', 'Artikelnummer', 'Klantnummer', 'Referentie'], ...rows].map((r) => r.join(';')).join('\r\n') + '\r\n';
  return encode1252(text);
}

/** Windows-1252 bytes of text whose characters are all in Latin-1's printable range. */
function encode1252(text: string): Buffer {
  for (const ch of text) if (ch.charCodeAt(0) > 0xff) throw new Error(`not in Windows-1252 here: ${ch}`);
  return Buffer.from(text, 'latin1');
}

describe(`onboarding a partner with one mapping file (${databaseKind()})`, function () {
  this.timeout(20000);
  let t: TestDb;
  let deps: IntakeDeps;
  let tmp: ReturnType<typeof tempDir>;

  before(async function () {
    t = await sampleDatabase();
    await addSupplier(t.db, TEST_ACTOR, { supplierId: PARTNER, kind: 'reseller', name: 'Van Dijk ICT' });
    await linkSupplier(t.db, TEST_ACTOR, '19827', PARTNER);
    deps = intakeDeps(t.db, mappingsWith([DUTCH_MAPPING]));
    tmp = tempDir('gw-onboarding');
  });
  after(async function () {
    await t?.close();
    tmp?.remove();
  });

  it('two shipments of one order on two days: every device under its own delivery, the ë kept', async function () {
    const bytes = leverbestand([
      ['VD-5001', '02.11.2026', 'VDK0MAC00001', 'MXK53N/A', '19827', 'Daniëlle 2026-17'],
      ['VD-5001', '02.11.2026', 'VDK0MAC00002', 'MXK53N/A', '19827', 'Daniëlle 2026-17'],
      ['VD-5001', '03.11.2026', 'VDK0IPAD0001', 'MW6F3N/A', '19827', 'Daniëlle 2026-17'],
    ]);
    expect(bytes.includes(0xeb), 'ë is one byte, 0xEB, in Windows-1252').to.equal(true);
    const result = await ingestText(deps, tmp.dir, 'levering-20261103.csv', bytes, PARTNER);
    expect(result.errors).to.deep.equal([]);
    expect(result).to.include({ status: 'applied', mappingId: 'van-dijk-csv' });
    expect(result.summary).to.include({ purchaseOrders: 1, shipNotices: 2, devices: 3, devicesEnrolled: 3 });

    const order = await t.db('orders').where({ order_number: 'VD-5001' }).first();
    expect(order).to.include({ po_number: 'Daniëlle 2026-17', order_date: '2026-11-02T00:00:00Z', customer_id: '19827', last_type: 'OR' });
    const deliveries = await t.db('deliveries').where({ order_pk: order.id }).orderBy('delivery_number').select('delivery_number', 'ship_date');
    expect(deliveries).to.deep.equal([
      { delivery_number: 'VD-5001-20261102', ship_date: '2026-11-02T00:00:00Z' },
      { delivery_number: 'VD-5001-20261103', ship_date: '2026-11-03T00:00:00Z' },
    ]);
    const lines = await t.db('order_lines').where({ order_pk: order.id }).orderBy('serial').select('serial', 'delivery_number', 'status');
    expect(lines.map((l: { serial: string; delivery_number: string }) => [l.serial, l.delivery_number])).to.deep.equal([
      ['VDK0IPAD0001', 'VD-5001-20261103'],
      ['VDK0MAC00001', 'VD-5001-20261102'],
      ['VDK0MAC00002', 'VD-5001-20261102'],
    ]);
    const devices = await t.db('devices').whereIn('serial', ['VDK0MAC00001', 'VDK0MAC00002', 'VDK0IPAD0001']).orderBy('serial').select('serial', 'state', 'family');
    expect(devices.map((d: { serial: string; state: string; family: string }) => [d.serial, d.state, d.family])).to.deep.equal([
      ['VDK0IPAD0001', 'enrolled', 'iPad'],
      ['VDK0MAC00001', 'enrolled', 'Mac'],
      ['VDK0MAC00002', 'enrolled', 'Mac'],
    ]);
    const csvAck = (await documentAcks(deps, result.documentId)).find((a) => a.kind === 'csv')!;
    expect(csvAck.body).to.include('VD-5001-20261102').and.include('VD-5001-20261103');
  });

  it('the next day\'s file for the same order adds a third delivery', async function () {
    const result = await ingestText(deps, tmp.dir, 'levering-20261104.csv', leverbestand([['VD-5001', '04.11.2026', 'VDK0MAC00003', 'MXK53N/A', '19827', 'Daniëlle 2026-17']]), PARTNER);
    expect(result.errors).to.deep.equal([]);
    expect(result.status).to.equal('applied');
    const line = await t.db('order_lines').where({ serial: 'VDK0MAC00003' }).first();
    expect(line.delivery_number).to.equal('VD-5001-20261104');
    const order = await t.db('orders').where({ order_number: 'VD-5001' }).first();
    expect(order.order_date, 'the order keeps the date it was made with').to.equal('2026-11-02T00:00:00Z');
  });

  it('a row without a delivery date: the delivery number cannot be made, named by field and line; nothing applied', async function () {
    const before = await tableCounts(t.db);
    const result = await ingestText(deps, tmp.dir, 'levering-kapot.csv', leverbestand([
      ['VD-5002', '05.11.2026', 'VDK0MAC00010', 'MXK53N/A', '19827', ''],
      ['VD-5002', '', 'VDK0MAC00011', 'MXK53N/A', '19827', ''],
      ['VD-5002', '31.11.2026', 'VDK0MAC00012', 'MXK53N/A', '19827', ''],
    ]), PARTNER);
    expect(result.status).to.equal('rejected');
    expect(result.errors.map((e) => [e.code, e.params?.field, e.params?.at])).to.deep.equal([
      ['GW-MAP-6201', 'deliveryNumber', 'levering-kapot.csv, line 3'],
      ['GW-MAP-6201', 'shipDate', 'levering-kapot.csv, line 3'],
      ['GW-MAP-6201', 'orderDate', 'levering-kapot.csv, line 3'],
      ['GW-MAP-6202', 'orderDate', 'levering-kapot.csv, line 4'],
      ['GW-MAP-6202', 'shipDate', 'levering-kapot.csv, line 4'],
    ]);
    expect(await tableCounts(t.db)).to.deep.equal(before);
  });
});

describe('mapping files: every problem names its key', function () {
  const load = (mapping: object) => () => mappingsWith([mapping]);
  const csv = (changes: Record<string, unknown>) => ({ ...DUTCH_MAPPING, csv: { ...DUTCH_MAPPING.csv, ...changes } });

  it('a misspelt field among the columns is named, with the fields there are', function () {
    expect(load(csv({ columns: { ...DUTCH_MAPPING.csv.columns, orderNo: 'Bestelnummer' } }))).to.throw(MappingError, /\/csv\/columns: "orderNo" is not a key here; the keys are "orderNumber"/);
  });
  it('an unknown key is named', function () {
    expect(load(csv({ delimeter: ';' }))).to.throw(MappingError, /\/csv: unknown key "delimeter"/);
  });
  it('a missing key is named', function () {
    const { quote: _quote, ...withoutQuote } = DUTCH_MAPPING.csv;
    expect(load({ ...DUTCH_MAPPING, csv: withoutQuote })).to.throw(MappingError, /\/csv: the key "quote" is missing/);
  });
  it('a required field with no source says which and why', function () {
    const { deliveryNumber: _d, ...noDerived } = DUTCH_MAPPING.csv.derived;
    expect(load(csv({ derived: noDerived }))).to.throw(MappingError, /\/csv\/columns: deliveryNumber has no column, default or derived template, and shipNotice rows need it/);
  });
  it('ship-notice rows that carry part of their order header need all of it', function () {
    const { orderDate: _o, ...columns } = DUTCH_MAPPING.csv.columns;
    expect(load(csv({ columns }))).to.throw(MappingError, /orderDate has no column, default or derived template, and ship-notice rows that carry their order \(orderType, customerId\) need all of orderType, orderDate, customerId/);
  });
  it('a template that does not parse, or uses a derived or unread field, is refused naming the derived key', function () {
    expect(load(csv({ derived: { deliveryNumber: '{orderNumber-{shipDate}' } }))).to.throw(MappingError, /\/csv\/derived\/deliveryNumber: "\{orderNumber-\{shipDate\}" is not a template/);
    expect(load(csv({ derived: { deliveryNumber: 'D-1' } }))).to.throw(MappingError, /no placeholder: a constant belongs in "defaults"/);
    expect(load(csv({ derived: { deliveryNumber: '{assetTag}-{shipDate}' } }))).to.throw(MappingError, /\/csv\/derived\/deliveryNumber: \{assetTag\} has no column or default/);
    expect(load(csv({ derived: { deliveryNumber: '{orderNumber}', assetTag: '{deliveryNumber}' } }))).to.throw(MappingError, /\/csv\/derived\/assetTag: \{deliveryNumber\} is itself derived/);
    expect(load(csv({ derived: { deliveryNumber: '{orderNumber}', serial: '{orderNumber}' } }))).to.throw(MappingError, /\/csv\/derived\/serial: serial also has a column/);
  });
  it('the mapping of this file loads', function () {
    expect(load(DUTCH_MAPPING)().get('van-dijk-csv')?.csv?.derived).to.deep.equal(DUTCH_MAPPING.csv.derived);
  });
});

describe(`CSV text encodings and templates over columns (${databaseKind()})`, function () {
  this.timeout(20000);
  let t: TestDb;
  let tmp: ReturnType<typeof tempDir>;
  const header = 'Bestelnummer;Leverdatum;Serienummer;Artikelnummer;Klantnummer;Referentie;Pakbon\r\n';
  const row = (serial: string) => `VD-6001;06.11.2026;${serial};MXK53N/A;19827;Zoë;PB-77\r\n`;
  const mappingWith = (encoding: string) => ({
    ...DUTCH_MAPPING,
    id: `van-dijk-${encoding}`,
    csv: { ...DUTCH_MAPPING.csv, encoding, derived: { deliveryNumber: '{Pakbon}/{shipDate|YYMMDD}' } },
  });

  before(async function () {
    t = await sampleDatabase();
    await addSupplier(t.db, TEST_ACTOR, { supplierId: PARTNER, kind: 'reseller', name: 'Van Dijk ICT' });
    await linkSupplier(t.db, TEST_ACTOR, '19827', PARTNER);
    tmp = tempDir('gw-encodings');
  });
  after(async function () {
    await t?.close();
    tmp?.remove();
  });

  const cases: [string, (text: string) => Buffer][] = [
    ['utf-16', (text) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ['iso-8859-1', (text) => Buffer.from(text, 'latin1')],
    ['utf-8', (text) => Buffer.from(text, 'utf8')],
  ];
  for (const [encoding, encode] of cases) {
    it(`${encoding}: read by its mapping, the delivery number made from a column the mapping only uses in a template`, async function () {
      const deps = intakeDeps(t.db, mappingsWith([mappingWith(encoding)]));
      const serial = `VDK${encoding.replace(/\W/g, '').toUpperCase().padEnd(6, '0').slice(0, 6)}01`;
      const result = await ingestText(deps, tmp.dir, `pakbon-${encoding}.csv`, encode(header + row(serial)), PARTNER);
      expect(result.errors).to.deep.equal([]);
      expect(result.status).to.equal('applied');
      const line = await t.db('order_lines').where({ serial }).first();
      expect(line.delivery_number).to.equal('PB-77/261106');
      const order = await t.db('orders').where({ order_number: 'VD-6001' }).first();
      expect(order.po_number).to.equal('Zoë');
    });
  }

  it('utf-16 without its byte-order mark is refused, naming the encoding; nothing applied', async function () {
    const deps = intakeDeps(t.db, mappingsWith([mappingWith('utf-16')]));
    const before = await tableCounts(t.db);
    const result = await ingestText(deps, tmp.dir, 'zonder-bom.csv', Buffer.from(header + row('VDKNOBOM0001'), 'utf16le'), PARTNER, { mappingId: 'van-dijk-utf-16' });
    expect(result.status).to.equal('rejected');
    expect(result.errors.map((e) => e.code)).to.deep.equal(['GW-DOC-6020']);
    expect(result.errors[0]!.message).to.match(/not valid UTF-16.*byte-order mark/);
    expect(await tableCounts(t.db)).to.deep.equal(before);
  });

  it('a column a template names that the header lacks: GW-CSV-6103 naming the column and the derived field', async function () {
    const deps = intakeDeps(t.db, mappingsWith([mappingWith('utf-8')]));
    const withoutPakbon = header.replace(';Pakbon', '') + row('VDKNOPB00001').replace(';PB-77', '');
    const result = await ingestText(deps, tmp.dir, 'zonder-pakbon.csv', Buffer.from(withoutPakbon), PARTNER, { mappingId: 'van-dijk-utf-8' });
    expect(result.status).to.equal('rejected');
    expect(result.errors.map((e) => [e.code, e.params?.column, e.params?.field])).to.deep.equal([['GW-CSV-6103', 'Pakbon', 'deliveryNumber']]);
  });
});
