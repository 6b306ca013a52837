// The CSV reader alone (no database): the Brightline sample, partner layouts driven only
// by a mapping file (semicolons, European dates and decimals, value translations,
// defaults, purchase-order rows with a credit line), and every kind of broken file, each
// refused with the code that names its line and without a single document.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { readCsv } from '../../../src/formats/csv/reader.js';
import type { ReadItem } from '../../../src/formats/types.js';
import type { Mapping } from '../../../src/mapping/mapping.js';
import { documentsOf, errorsOf, mappingsWith, readAll, SAMPLE_CSV } from '../../intake/support.js';

const SEMICOLON_MAPPING = {
  id: 'test-semicolon-csv',
  partners: ['16FCE4A0'],
  format: 'csv',
  dateFormats: ['DD.MM.YYYY'],
  parts: { credit: ['D6701Z/A'], families: [{ prefix: 'MW6', family: 'iPad' }] },
  acks: { csv: true },
  csv: {
    rows: 'shipNotice',
    delimiter: ';',
    quote: '"',
    decimalSeparator: ',',
    unknownColumns: 'ignore',
    columns: {
      orderNumber: 'Auftrag',
      orderType: 'Art',
      orderDate: 'Bestelldatum',
      customerId: 'Kunde',
      deliveryNumber: 'Lieferschein',
      shipDate: 'Versanddatum',
      serial: 'Seriennummer',
      partNumber: 'Artikel',
    },
    defaults: { orderType: 'OR', poNumber: 'RAHMEN-2026' },
    values: { orderType: { NEW: 'OR', RET: 'RE' } },
  },
};

const PO_ROWS_MAPPING = {
  id: 'test-po-rows-csv',
  partners: ['16FCE4A0'],
  format: 'csv',
  dateFormats: ['YYYY-MM-DD'],
  parts: {
    credit: ['D6701Z/A'],
    families: [
      { prefix: 'MW6', family: 'iPad' },
      { prefix: 'MX', family: 'Mac' },
    ],
  },
  acks: { csv: true },
  csv: {
    rows: 'purchaseOrder',
    delimiter: ';',
    quote: '"',
    decimalSeparator: ',',
    unknownColumns: 'refuse',
    columns: {
      orderNumber: 'order',
      orderType: 'type',
      orderDate: 'date',
      customerId: 'customer',
      poNumber: 'po',
      lineNumber: 'line',
      partNumber: 'part',
      quantity: 'qty',
      amount: 'amount',
      currency: 'currency',
    },
  },
};

const mappings = mappingsWith([SEMICOLON_MAPPING, PO_ROWS_MAPPING]);
const brightline = mappings.get('brightline-csv')!;
const semicolon = mappings.get('test-semicolon-csv')!;
const poRows = mappings.get('test-po-rows-csv')!;

const SAMPLE = readFileSync(SAMPLE_CSV);
const SAMPLE_LINES = SAMPLE.toString('utf8').split('\n').filter((l) => l !== '');
const HEADER = SAMPLE_LINES[0]!;

/** The sample with line `n` (1-based, the header is line 1) replaced. */
function sampleWith(replacements: Record<number, string>): string {
  return SAMPLE_LINES.map((l, i) => replacements[i + 1] ?? l).join('\n') + '\n';
}

const read = (mapping: Mapping, bytes: Buffer | string, opts: Parameters<typeof readAll>[3] = {}) =>
  readAll(readCsv, mapping, bytes, { fileName: 'bad.csv', ...opts });

/** A refused file: exactly these errors (code and where), and no document at all. */
function expectRefused(items: ReadItem[], expected: { code: string; at: string | RegExp | null }[]): void {
  expect(documentsOf(items), JSON.stringify(items)).to.have.length(0);
  const errors = errorsOf(items);
  expect(errors.map((e) => e.code), JSON.stringify(items)).to.deep.equal(expected.map((e) => e.code));
  errors.forEach((e, i) => {
    const at = expected[i]!.at;
    if (at === null) expect(e.params?.at).to.equal(undefined);
    else if (typeof at === 'string') expect(e.params?.at).to.equal(at);
    else expect(String(e.params?.at)).to.match(at);
    // A CSV file is applied whole or not at all: no error of it is limited to a unit.
    expect(e.unit).to.equal(undefined);
  });
}

const SAMPLE_ITEMS: ReadItem[] = [
  {
    type: 'purchaseOrder',
    impliedByShipment: true,
    at: 'brightline-ship-notice.csv, line 2',
    doc: {
      orderNumber: 'BL-CSV-2001',
      orderType: 'OR',
      orderDate: '2026-11-02T00:00:00Z',
      customerId: '19827',
      poNumber: 'NW-PO-7781',
      lines: [
        { type: 'device', lineNumber: '1', partNumber: 'MW6F3LL/A', quantity: 3, deviceFamily: 'iPad' },
        { type: 'device', lineNumber: '2', partNumber: 'MX2E3LL/A', quantity: 1, deviceFamily: 'Mac' },
      ],
    },
  },
  {
    type: 'shipNotice',
    at: 'brightline-ship-notice.csv, line 2',
    doc: {
      orderNumber: 'BL-CSV-2001',
      deliveryNumber: 'BL-D-2001-1',
      shipDate: '2026-11-03T00:00:00Z',
      devices: [
        { serial: 'BLC0NWIPAD01', assetTag: 'NW-0001', deviceFamily: 'iPad', partNumber: 'MW6F3LL/A', at: 'line 2' },
        { serial: 'BLC0NWIPAD02', assetTag: 'NW-0002', deviceFamily: 'iPad', partNumber: 'MW6F3LL/A', at: 'line 3' },
        { serial: 'BLC0NWIPAD03', assetTag: 'NW-0003', deviceFamily: 'iPad', partNumber: 'MW6F3LL/A', at: 'line 4' },
        { serial: 'BLC0NWMAC001', assetTag: 'NW-0004', deviceFamily: 'Mac', partNumber: 'MX2E3LL/A', at: 'line 5' },
      ],
    },
  },
  {
    type: 'purchaseOrder',
    impliedByShipment: true,
    at: 'brightline-ship-notice.csv, line 6',
    doc: {
      orderNumber: 'BL-CSV-2002',
      orderType: 'OR',
      orderDate: '2026-11-02T00:00:00Z',
      customerId: '30411',
      poNumber: 'FAB-PO-1204',
      lines: [{ type: 'device', lineNumber: '1', partNumber: 'MT5A3J/A', quantity: 2, deviceFamily: 'iPhone' }],
    },
  },
  {
    type: 'shipNotice',
    at: 'brightline-ship-notice.csv, line 6',
    doc: {
      orderNumber: 'BL-CSV-2002',
      deliveryNumber: 'BL-D-2002-1',
      shipDate: '2026-11-04T00:00:00Z',
      // No asset tag in the file: none is made up.
      devices: [
        { serial: 'BLC0FABIPH01', deviceFamily: 'iPhone', partNumber: 'MT5A3J/A', at: 'line 6' },
        { serial: 'BLC0FABIPH02', deviceFamily: 'iPhone', partNumber: 'MT5A3J/A', at: 'line 7' },
      ],
    },
  },
];

describe('CSV reader', function () {
  describe('the Brightline sample', function () {
    it('yields its two orders, each a PurchaseOrder then its ShipNotice, with exact fields', async function () {
      const items = await read(brightline, SAMPLE, { fileName: 'brightline-ship-notice.csv' });
      expect(items).to.deep.equal(SAMPLE_ITEMS);
    });

    it('yields the same items from 1-byte chunks and from random chunks', async function () {
      const one = await read(brightline, SAMPLE, { fileName: 'brightline-ship-notice.csv', cut: 1 });
      expect(one).to.deep.equal(SAMPLE_ITEMS);
      for (const seed of [1, 7, 42, 2026]) {
        const items = await read(brightline, SAMPLE, { fileName: 'brightline-ship-notice.csv', cut: { seed, maxSize: 40 } });
        expect(items, `seed ${seed}`).to.deep.equal(SAMPLE_ITEMS);
      }
    });

    it('reads CRLF line ends, a byte-order mark and quoted fields alike', async function () {
      const quoted = SAMPLE_LINES.map((l, i) => (i === 1 ? l.replace('NW-PO-7781', '"NW-PO-7781"') : l));
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(quoted.join('\r\n') + '\r\n')]);
      const items = await read(brightline, bytes, { fileName: 'brightline-ship-notice.csv', cut: 3 });
      expect(items).to.deep.equal(SAMPLE_ITEMS);
    });
  });

  describe('partner layouts, from the mapping file alone', function () {
    it('semicolons, DD.MM.YYYY dates, value translations, defaults, ignored extra columns', async function () {
      const csv = [
        'Auftrag;Art;Bestelldatum;Kunde;Lieferschein;Versanddatum;Seriennummer;Artikel;Bemerkung',
        'A-100;NEW;01.03.2026;19827;L-100;05.03.2026;SEMI00000001;MW6F3LL/A;erste Lieferung',
        'A-100;NEW;01.03.2026;19827;L-100;05.03.2026;SEMI00000002;MW6F3LL/A;"mit; Semikolon"',
        'A-200;;28.02.2026;30411;L-200;02.03.2026;SEMI00000003;MW6F3LL/A;',
        'A-300;RET;31.12.2025;30411;L-300;02.01.2026;SEMI00000004;ZZ999/A;',
      ].join('\n');
      const items = await read(semicolon, csv, { fileName: 'lieferung.csv' });
      expect(errorsOf(items)).to.deep.equal([]);
      expect(items).to.deep.equal([
        {
          type: 'purchaseOrder',
          impliedByShipment: true,
          at: 'lieferung.csv, line 2',
          doc: {
            orderNumber: 'A-100',
            orderType: 'OR', // "NEW", translated
            orderDate: '2026-03-01T00:00:00Z',
            customerId: '19827',
            poNumber: 'RAHMEN-2026', // no column: the default
            lines: [{ type: 'device', lineNumber: '1', partNumber: 'MW6F3LL/A', quantity: 2, deviceFamily: 'iPad' }],
          },
        },
        {
          type: 'shipNotice',
          at: 'lieferung.csv, line 2',
          doc: {
            orderNumber: 'A-100',
            deliveryNumber: 'L-100',
            shipDate: '2026-03-05T00:00:00Z',
            devices: [
              { serial: 'SEMI00000001', deviceFamily: 'iPad', partNumber: 'MW6F3LL/A', at: 'line 2' },
              { serial: 'SEMI00000002', deviceFamily: 'iPad', partNumber: 'MW6F3LL/A', at: 'line 3' },
            ],
          },
        },
        {
          type: 'purchaseOrder',
          impliedByShipment: true,
          at: 'lieferung.csv, line 4',
          doc: {
            orderNumber: 'A-200',
            orderType: 'OR', // empty cell: the default
            orderDate: '2026-02-28T00:00:00Z',
            customerId: '30411',
            poNumber: 'RAHMEN-2026',
            lines: [{ type: 'device', lineNumber: '1', partNumber: 'MW6F3LL/A', quantity: 1, deviceFamily: 'iPad' }],
          },
        },
        {
          type: 'shipNotice',
          at: 'lieferung.csv, line 4',
          doc: {
            orderNumber: 'A-200',
            deliveryNumber: 'L-200',
            shipDate: '2026-03-02T00:00:00Z',
            devices: [{ serial: 'SEMI00000003', deviceFamily: 'iPad', partNumber: 'MW6F3LL/A', at: 'line 4' }],
          },
        },
        {
          type: 'purchaseOrder',
          impliedByShipment: true,
          at: 'lieferung.csv, line 5',
          doc: {
            orderNumber: 'A-300',
            orderType: 'RE', // "RET", translated
            orderDate: '2025-12-31T00:00:00Z',
            customerId: '30411',
            poNumber: 'RAHMEN-2026',
            // A part number no family prefix matches: no family is guessed.
            lines: [{ type: 'device', lineNumber: '1', partNumber: 'ZZ999/A', quantity: 1 }],
          },
        },
        {
          type: 'shipNotice',
          at: 'lieferung.csv, line 5',
          doc: {
            orderNumber: 'A-300',
            deliveryNumber: 'L-300',
            shipDate: '2026-01-02T00:00:00Z',
            devices: [{ serial: 'SEMI00000004', partNumber: 'ZZ999/A', at: 'line 5' }],
          },
        },
      ]);
    });

    it('a date in the wrong partner format is refused by the same mapping (2026-03-01 is not DD.MM.YYYY)', async function () {
      const csv = [
        'Auftrag;Art;Bestelldatum;Kunde;Lieferschein;Versanddatum;Seriennummer;Artikel',
        'A-100;NEW;2026-03-01;19827;L-100;05.03.2026;SEMI00000001;MW6F3LL/A',
      ].join('\n');
      const items = await read(semicolon, csv);
      expectRefused(items, [{ code: 'GW-MAP-6202', at: 'bad.csv, line 2' }]);
      expect(errorsOf(items)[0]!.params).to.include({ field: 'orderDate', value: '2026-03-01', formats: 'DD.MM.YYYY' });
    });

    it('purchase-order rows: device and credit lines, amounts exact strings with the partner decimal comma', async function () {
      const csv = [
        'order;type;date;customer;po;line;part;qty;amount;currency',
        'PO-7;OR;2026-03-01;19827;NW-77;10;MW6F3LL/A;5;;',
        'PO-7;OR;2026-03-01;19827;NW-77;20;D6701Z/A;1;1.234,50;eur',
        'PO-8;OR;2026-03-02;30411;;1;MX2E3LL/A;2;;',
        'PO-9;OR;2026-03-02;30411;;1;d6701z/a;3;0,10;JPY',
      ].join('\n');
      const items = await read(poRows, csv, { fileName: 'orders.csv', cut: 5 });
      expect(errorsOf(items)).to.deep.equal([]);
      expect(items).to.deep.equal([
        {
          type: 'purchaseOrder',
          at: 'orders.csv, line 2',
          doc: {
            orderNumber: 'PO-7',
            orderType: 'OR',
            orderDate: '2026-03-01T00:00:00Z',
            customerId: '19827',
            poNumber: 'NW-77',
            lines: [
              { type: 'device', lineNumber: '10', partNumber: 'MW6F3LL/A', quantity: 5, deviceFamily: 'iPad' },
              { type: 'credit', lineNumber: '20', partNumber: 'D6701Z/A', amount: '1234.50', currency: 'EUR', quantity: 1 },
            ],
          },
        },
        {
          type: 'purchaseOrder',
          at: 'orders.csv, line 4',
          doc: {
            orderNumber: 'PO-8',
            orderType: 'OR',
            orderDate: '2026-03-02T00:00:00Z',
            customerId: '30411',
            lines: [{ type: 'device', lineNumber: '1', partNumber: 'MX2E3LL/A', quantity: 2, deviceFamily: 'Mac' }],
          },
        },
        {
          type: 'purchaseOrder',
          at: 'orders.csv, line 5',
          doc: {
            orderNumber: 'PO-9',
            orderType: 'OR',
            orderDate: '2026-03-02T00:00:00Z',
            customerId: '30411',
            lines: [{ type: 'credit', lineNumber: '1', partNumber: 'd6701z/a', amount: '0.10', currency: 'JPY', quantity: 3 }],
          },
        },
      ]);
      const credit = (items[0] as Extract<ReadItem, { type: 'purchaseOrder' }>).doc.lines[1]!;
      expect(credit.type === 'credit' && typeof credit.amount).to.equal('string');
    });

    it('purchase-order rows: a credit line without an amount, or with a malformed one, is refused', async function () {
      const csv = [
        'order;type;date;customer;po;line;part;qty;amount;currency',
        'PO-7;OR;2026-03-01;19827;;1;D6701Z/A;1;;EUR',
        'PO-7;OR;2026-03-01;19827;;2;D6701Z/A;1;12,34,5;EUR',
        'PO-7;OR;2026-03-01;19827;;3;D6701Z/A;1;1.234,50;',
      ].join('\n');
      const items = await read(poRows, csv);
      expectRefused(items, [
        { code: 'GW-MAP-6201', at: 'bad.csv, line 2' },
        { code: 'GW-MAP-6203', at: 'bad.csv, line 3' },
        { code: 'GW-MAP-6201', at: 'bad.csv, line 4' },
      ]);
      expect(errorsOf(items).map((e) => e.params?.field)).to.deep.equal(['amount', 'amount', 'currency']);
    });
  });

  describe('broken files: the coded error names the line, and no document is yielded', function () {
    it('an unknown column in the header (GW-CSV-6102)', async function () {
      const csv = SAMPLE_LINES.map((l, i) => (i === 0 ? `${l},colour` : `${l},blue`)).join('\n');
      const items = await read(brightline, csv);
      expectRefused(items, [{ code: 'GW-CSV-6102', at: 'bad.csv, line 1, column 11' }]);
      expect(errorsOf(items)[0]!.params?.column).to.equal('colour');
    });

    it('a mapped column missing from the header (GW-CSV-6103)', async function () {
      const drop = (l: string) => l.split(',').filter((_, i) => i !== 7).join(',');
      const items = await read(brightline, SAMPLE_LINES.map(drop).join('\n'));
      expectRefused(items, [{ code: 'GW-CSV-6103', at: 'bad.csv, line 1' }]);
      expect(errorsOf(items)[0]!.params).to.include({ column: 'serial', field: 'serial' });
    });

    it('a date that is not in the mapping formats (GW-MAP-6202)', async function () {
      const items = await read(brightline, sampleWith({ 3: SAMPLE_LINES[2]!.replace(',2026-11-03,', ',2026/11/03,') }));
      expectRefused(items, [{ code: 'GW-MAP-6202', at: 'bad.csv, line 3' }]);
      expect(errorsOf(items)[0]!.params).to.include({ field: 'shipDate', value: '2026/11/03', formats: 'YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ' });
    });

    it('an impossible date, 2026-02-30 (GW-MAP-6202)', async function () {
      const items = await read(brightline, sampleWith({ 2: SAMPLE_LINES[1]!.replace(',2026-11-02,', ',2026-02-30,') }));
      expectRefused(items, [{ code: 'GW-MAP-6202', at: 'bad.csv, line 2' }]);
      expect(errorsOf(items)[0]!.params).to.include({ field: 'orderDate', value: '2026-02-30' });
    });

    it('a row with the wrong number of fields (GW-CSV-6101), and the reader ends', async function () {
      const short = SAMPLE_LINES[3]!.split(',').slice(0, 9).join(',');
      const items = await read(brightline, sampleWith({ 4: short }));
      expectRefused(items, [{ code: 'GW-CSV-6101', at: 'bad.csv, line 4' }]);
    });

    it('a row with the wrong number of fields, fed in small chunks (GW-CSV-6101), and the reader ends', async function () {
      const long = `${SAMPLE_LINES[3]!},extra`;
      const items = await read(brightline, sampleWith({ 4: long }), { cut: 16 });
      expectRefused(items, [{ code: 'GW-CSV-6101', at: 'bad.csv, line 4' }]);
    });

    it('a quote that is never closed (GW-CSV-6101)', async function () {
      const items = await read(brightline, sampleWith({ 7: `"${SAMPLE_LINES[6]!}` }));
      expectRefused(items, [{ code: 'GW-CSV-6101', at: 'bad.csv, line 7' }]);
    });

    it('a stray quote inside a field in the middle of the file (GW-CSV-6101), and the reader ends', async function () {
      const items = await read(brightline, sampleWith({ 3: SAMPLE_LINES[2]!.replace('BLC0NWIPAD02', '"BLC0NW"IPAD02') }));
      expectRefused(items, [{ code: 'GW-CSV-6101', at: 'bad.csv, line 3' }]);
    });

    it('an invalid UTF-8 byte (GW-DOC-6001 naming its line)', async function () {
      const [head, tail] = sampleWith({}).split('BLC0NWIPAD02');
      const bytes = Buffer.concat([Buffer.from(head!), Buffer.from('BLC0NW'), Buffer.from([0xff]), Buffer.from(`IPAD02${tail!}`)]);
      expectRefused(await read(brightline, bytes), [{ code: 'GW-DOC-6001', at: /^bad\.csv, line 3\b/ }]);
    });

    it('an invalid UTF-8 byte is GW-DOC-6001 naming its line however the bytes arrive', async function () {
      const [head, tail] = sampleWith({}).split('BLC0NWIPAD02');
      const bytes = Buffer.concat([Buffer.from(head!), Buffer.from('BLC0NW'), Buffer.from([0xff]), Buffer.from(`IPAD02${tail!}`)]);
      for (const cut of [1, 64] as const) {
        const items = await read(brightline, bytes, { cut });
        expectRefused(items, [{ code: 'GW-DOC-6001', at: /^bad\.csv, line 3\b/ }]);
      }
    });

    it('an empty file (GW-DOC-6007)', async function () {
      expectRefused(await read(brightline, ''), [{ code: 'GW-DOC-6007', at: null }]);
    });

    it('rows of one order that disagree on the customer (GW-MAP-6206)', async function () {
      const items = await read(brightline, sampleWith({ 3: SAMPLE_LINES[2]!.replace(',19827,', ',30411,') }));
      expectRefused(items, [{ code: 'GW-MAP-6206', at: 'bad.csv, line 3' }]);
      expect(errorsOf(items)[0]!.params).to.include({ what: 'order BL-CSV-2001', field: 'customerId', first: '19827', value: '30411' });
    });

    it('an error in the second order: the file ends refused, and nothing of the bad order is yielded', async function () {
      const items = await read(brightline, sampleWith({ 7: SAMPLE_LINES[6]!.replace(',2026-11-04,', ',04/11/2026,') }));
      // The first order's documents are complete at line 6, before the error is seen;
      // a reader may yield them (the pipeline rolls them back), but the file must end refused.
      const errors = errorsOf(items);
      expect(errors.map((e) => [e.code, e.params?.at])).to.deep.equal([['GW-MAP-6202', 'bad.csv, line 7']]);
      expect(items[items.length - 1]!.type).to.equal('error');
      expect(documentsOf(items).every((d) => d.doc.orderNumber === 'BL-CSV-2001')).to.equal(true);
    });

    // Files bigger than one parse: the reader stops while it is still being fed, and must
    // still end (as the pipeline's 256 KiB reads give it whole files at once).
    const bigFile = (rows: number, row: (i: number) => string, header = HEADER) =>
      [header, ...Array.from({ length: rows }, (_, i) => row(i))].join('\n') + '\n';
    const bigRow = (i: number, shipDate = '2026-11-03') => `BIG-1,OR,2026-11-02,19827,PO-BIG,D-BIG,${shipDate},BIGSER${String(i).padStart(6, '0')},,MW6F3LL/A`;

    it('an unknown column in the header of a 400-row file (GW-CSV-6102), and the reader ends', async function () {
      const csv = bigFile(400, (i) => `${bigRow(i)},blue`, `${HEADER},colour`);
      expect(csv.length).to.be.greaterThan(20 * 1024);
      const items = await read(brightline, csv, { cut: 256 * 1024 });
      expectRefused(items, [{ code: 'GW-CSV-6102', at: 'bad.csv, line 1, column 11' }]);
    });

    it('too many errors in a 400-row file: GW-DOC-6008 after maxErrors, and the reader ends', async function () {
      const csv = bigFile(400, (i) => bigRow(i, 'someday'));
      const items = await read(brightline, csv, { cut: 256 * 1024, maxErrors: 3 });
      expect(documentsOf(items)).to.have.length(0);
      expect(errorsOf(items).map((e) => e.code)).to.deep.equal(['GW-MAP-6202', 'GW-MAP-6202', 'GW-MAP-6202', 'GW-DOC-6008']);
    });

    it('a 400-row file without errors is read whole (the same size, for comparison)', async function () {
      const items = await read(brightline, bigFile(400, (i) => bigRow(i)), { cut: 256 * 1024 });
      expect(errorsOf(items)).to.deep.equal([]);
      expect(items.map((i) => i.type)).to.deep.equal(['purchaseOrder', 'shipNotice']);
      expect((items[1] as Extract<ReadItem, { type: 'shipNotice' }>).doc.devices).to.have.length(400);
    });

    it('too many errors: stops after maxErrors with GW-DOC-6008, and reads no further', async function () {
      const bad = (l: string) => l.replace(/,2026-11-0[34],/, ',someday,');
      const csv = [HEADER, ...SAMPLE_LINES.slice(1).map(bad)].join('\n');
      const items = await read(brightline, csv, { maxErrors: 3 });
      expect(documentsOf(items)).to.have.length(0);
      expect(errorsOf(items).map((e) => [e.code, e.params?.at ?? e.params?.max])).to.deep.equal([
        ['GW-MAP-6202', 'bad.csv, line 2'],
        ['GW-MAP-6202', 'bad.csv, line 3'],
        ['GW-MAP-6202', 'bad.csv, line 4'],
        ['GW-DOC-6008', 3],
      ]);
    });
  });

  describe('what the parser alone would let through, and where lines are', function () {
    /** A chunked input that says how much of it was read, and whether it was closed. */
    function tracked(bytes: Buffer, size: number) {
      const seen = { chunks: 0, total: Math.ceil(bytes.length / size), closed: false };
      const input = (async function* () {
        try {
          for (let i = 0; i < bytes.length; i += size) {
            seen.chunks++;
            yield bytes.subarray(i, i + size);
          }
        } finally {
          seen.closed = true;
        }
      })();
      return { input, seen };
    }

    async function readTracked(mapping: Mapping, bytes: Buffer, size: number) {
      const { input, seen } = tracked(bytes, size);
      const items: ReadItem[] = [];
      const ctx = { mapping, fileName: 'bad.csv', limits: { maxLineBytes: 64 * 1024, maxErrors: 100 } };
      for await (const item of readCsv(input, ctx)) items.push(item);
      return { items, seen };
    }

    it('a NUL in a field: GW-DOC-6013 naming its line and column (field), and the rows after it are still read', async function () {
      const withNul = (n: number) => SAMPLE_LINES[n - 1]!.replace('NW-000', 'NW-\u0000');
      const items = await read(brightline, sampleWith({ 3: withNul(3), 5: SAMPLE_LINES[4]!.replace('BLC0NWMAC001', 'BLC0NW\u001bMAC1') }), { cut: 5 });
      expectRefused(items, [
        { code: 'GW-DOC-6013', at: 'bad.csv, line 3, column 9' },
        { code: 'GW-DOC-6013', at: 'bad.csv, line 5, column 8' },
      ]);
      expect(errorsOf(items).map((e) => e.params?.char)).to.deep.equal(['U+0000', 'U+001B']);
    });

    it('a control character on the second line of a quoted field is named on that line', async function () {
      const csv = sampleWith({ 3: SAMPLE_LINES[2]!.replace('NW-0002', '"NW\n00\u000202"') });
      const items = await read(brightline, csv, { cut: 3 });
      expectRefused(items, [{ code: 'GW-DOC-6013', at: 'bad.csv, line 4, column 9' }]);
    });

    it('a control character in the header: GW-DOC-6013, and no row is read', async function () {
      const items = await read(brightline, sampleWith({ 1: HEADER.replace('serial', 'ser\u0000ial') }));
      expectRefused(items, [{ code: 'GW-DOC-6013', at: 'bad.csv, line 1, column 8' }]);
    });

    it('TAB, and a CR inside a quoted field, are data', async function () {
      const csv = sampleWith({ 2: SAMPLE_LINES[1]!.replace('NW-0001', 'NW\t0001'), 3: SAMPLE_LINES[2]!.replace('NW-0002', '"NW\r0002"') });
      const items = await read(brightline, csv, { fileName: 'brightline-ship-notice.csv', cut: 7 });
      expect(errorsOf(items)).to.deep.equal([]);
      const devices = (items[1] as Extract<ReadItem, { type: 'shipNotice' }>).doc.devices;
      expect(devices.slice(0, 2).map((d) => d.assetTag)).to.deep.equal(['NW\t0001', 'NW\r0002']);
    });

    it('a line longer than the limit: GW-DOC-6009 naming it, before the line ends, and the input is read no further', async function () {
      const long = SAMPLE_LINES[2]!.replace('NW-0002', 'x'.repeat(2 * 1024 * 1024));
      const { items, seen } = await readTracked(brightline, Buffer.from(sampleWith({ 3: long })), 16 * 1024);
      expectRefused(items, [{ code: 'GW-DOC-6009', at: 'bad.csv, line 3' }]);
      expect(String(errorsOf(items)[0]!.params?.detail)).to.match(/longer than 65536 bytes/);
      expect(seen.closed, 'the input was closed').to.equal(true);
      expect(seen.chunks).to.be.lessThan(10);
    });

    it('the limit is in bytes: 30,000 three-byte characters are over it, 20,000 are not', async function () {
      const over = await read(brightline, sampleWith({ 4: SAMPLE_LINES[3]!.replace('NW-0003', '\u20ac'.repeat(30_000)) }));
      expectRefused(over, [{ code: 'GW-DOC-6009', at: 'bad.csv, line 4' }]);
      const under = await read(brightline, sampleWith({ 4: SAMPLE_LINES[3]!.replace('NW-0003', '\u20ac'.repeat(20_000)) }));
      expect(errorsOf(under).map((e) => e.code)).to.not.include('GW-DOC-6009');
    });

    it('a quote inside an unquoted field (GW-CSV-6101), as in a space before a quoted field', async function () {
      for (const tag of ['NW"0002', ' "NW-0002"']) {
        const items = await read(brightline, sampleWith({ 3: SAMPLE_LINES[2]!.replace('NW-0002', tag) }), { cut: 4 });
        expectRefused(items, [{ code: 'GW-CSV-6101', at: 'bad.csv, line 3' }]);
        expect(String(errorsOf(items)[0]!.params?.detail)).to.match(/column 9/);
      }
    });

    it('a doubled quote inside a quoted field is a quote in the data', async function () {
      const items = await read(brightline, sampleWith({ 3: SAMPLE_LINES[2]!.replace('NW-0002', '"NW ""2"""') }), { cut: 2 });
      expect(errorsOf(items)).to.deep.equal([]);
      expect((items[1] as Extract<ReadItem, { type: 'shipNotice' }>).doc.devices[1]!.assetTag).to.equal('NW "2"');
    });

    it('a row with a line break inside a quoted field: each row names the line it starts on, however the bytes arrive', async function () {
      const csv = sampleWith({ 3: SAMPLE_LINES[2]!.replace('NW-0002', '"NW-\r\n0002"') });
      for (const cut of ['whole', 1, 3, { seed: 5, maxSize: 30 }] as const) {
        const items = await read(brightline, csv, { cut });
        expect(errorsOf(items), JSON.stringify(cut)).to.deep.equal([]);
        const devices = (items[1] as Extract<ReadItem, { type: 'shipNotice' }>).doc.devices;
        expect(devices.map((d) => d.at), JSON.stringify(cut)).to.deep.equal(['line 2', 'line 3', 'line 5', 'line 6']);
        expect(devices[1]!.assetTag).to.equal('NW-\r\n0002');
        expect((items[3] as Extract<ReadItem, { type: 'shipNotice' }>).doc.devices.map((d) => d.at)).to.deep.equal(['line 7', 'line 8']);
      }
    });

    it('empty lines are skipped but counted', async function () {
      const csv = [HEADER, '', SAMPLE_LINES[1], '\r', '', ...SAMPLE_LINES.slice(2)].join('\n') + '\n\n';
      const items = await read(brightline, csv, { cut: 6 });
      expect(errorsOf(items)).to.deep.equal([]);
      expect((items[1] as Extract<ReadItem, { type: 'shipNotice' }>).doc.devices.map((d) => d.at)).to.deep.equal(['line 3', 'line 6', 'line 7', 'line 8']);
    });

    it('a line of just "" is a row of one empty field, not an empty line (GW-CSV-6101)', async function () {
      const items = await read(brightline, sampleWith({ 4: '""' }));
      expectRefused(items, [{ code: 'GW-CSV-6101', at: 'bad.csv, line 4' }]);
      expect(errorsOf(items)[0]!.params?.detail).to.equal('1 fields, the header has 10');
    });

    it('line ends of a CR alone, and CRLF mixed with LF, read like the sample', async function () {
      for (const [name, csv] of [
        ['CR', SAMPLE_LINES.join('\r') + '\r'],
        ['CRLF and LF', SAMPLE_LINES.map((l, i) => l + (i % 2 ? '\r\n' : '\n')).join('')],
      ] as const) {
        for (const cut of ['whole', 1, { seed: 3, maxSize: 20 }] as const) {
          const items = await read(brightline, csv, { fileName: 'brightline-ship-notice.csv', cut });
          expect(items, `${name}, ${JSON.stringify(cut)}`).to.deep.equal(SAMPLE_ITEMS);
        }
      }
    });

    it('when reading stops (a bad header), the input is closed and read no further', async function () {
      const rows = Array.from({ length: 5000 }, (_, i) => `${SAMPLE_LINES[1]!},blue${i}`);
      const { items, seen } = await readTracked(brightline, Buffer.from([`${HEADER},colour`, ...rows].join('\n') + '\n'), 4096);
      expectRefused(items, [{ code: 'GW-CSV-6102', at: 'bad.csv, line 1, column 11' }]);
      expect(seen.closed, 'the input was closed').to.equal(true);
      expect(seen.chunks).to.be.lessThan(seen.total / 10);
    });

    it('a delimiter that cannot separate fields (the quote itself) is a mapping problem (GW-DOC-6005)', async function () {
      const broken: Mapping = { ...brightline, csv: { ...brightline.csv!, delimiter: '"' } };
      expectRefused(await read(broken, SAMPLE), [{ code: 'GW-DOC-6005', at: null }]);
    });
  });
});
