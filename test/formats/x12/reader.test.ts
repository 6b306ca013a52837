// The X12 reader on well-formed input: the Apple samples become the expected canonical
// documents, whatever the line breaks, the number of interchanges or the way the bytes
// are cut into chunks.
import { expect } from 'chai';
import type { PurchaseOrder, ShipNotice } from '../../../src/model/documents.js';
import { fixture, mappingCopy, read, sample, withCounts, type Chunking } from './helpers.js';

const ORDER_1001: PurchaseOrder = {
  orderNumber: 'APL-850-1001',
  orderType: 'OR',
  orderDate: '2026-11-02T00:00:00Z',
  customerId: '0000123456',
  poNumber: 'NW-PO-2026-118',
  lines: [
    { type: 'device', lineNumber: '1', partNumber: 'MW6F3LL/A', deviceFamily: 'iPad', quantity: 3 },
    { type: 'device', lineNumber: '2', partNumber: 'MX2E3LL/A', deviceFamily: 'Mac', quantity: 1 },
    { type: 'credit', lineNumber: '3', partNumber: 'D6701Z/A', amount: '500.00', currency: 'USD', quantity: 1 },
  ],
};

const ORDER_1002: PurchaseOrder = {
  orderNumber: 'APL-850-1002',
  orderType: 'OR',
  orderDate: '2026-11-02T00:00:00Z',
  customerId: '778899',
  poNumber: 'CH-77810',
  lines: [{ type: 'device', lineNumber: '1', partNumber: 'MYMJ3LL/A', deviceFamily: 'iPhone', quantity: 2 }],
};

/** Devices without their `at`, which is checked separately. */
function devicesOf(notice: ShipNotice) {
  return notice.devices.map(({ at: _at, ...rest }) => rest);
}

describe('X12 reader: well-formed input', () => {
  it('reads the 850 sample into two purchase orders, one per set, with the credit line exact', async () => {
    const r = await read(sample('apple-850.edi'), 'apple-x12-850');
    expect(r.errors).to.deep.equal([]);
    expect(r.orders).to.deep.equal([ORDER_1001, ORDER_1002]);
    const units = r.items.flatMap((i) => (i.type === 'purchaseOrder' ? [i.unit] : []));
    expect(units).to.deep.equal(['interchange 000000905, group 905, set 0001', 'interchange 000000905, group 905, set 0002']);
    expect(r.items.at(-1)?.type).to.equal('x12Interchange');
  });

  it('reads the 856 sample into one ship notice per order, each device naming its segment', async () => {
    const r = await read(sample('apple-856.edi'), 'apple-x12-856');
    expect(r.errors).to.deep.equal([]);
    expect(r.notices.map((n) => [n.deliveryNumber, n.shipDate, n.orderNumber])).to.deep.equal([
      ['8000123401', '2026-11-03T00:00:00Z', 'APL-850-1001'],
      ['8000123402', '2026-11-03T00:00:00Z', 'APL-850-1002'],
    ]);
    expect(devicesOf(r.notices[0]!)).to.deep.equal([
      { serial: 'DMPX1A2B3C01', partNumber: 'MW6F3LL/A', deviceFamily: 'iPad' },
      { serial: 'DMPX1A2B3C02', partNumber: 'MW6F3LL/A', deviceFamily: 'iPad' },
      { serial: 'DMPX1A2B3C03', partNumber: 'MW6F3LL/A', deviceFamily: 'iPad' },
      { serial: 'C02Z91ABCD12', partNumber: 'MX2E3LL/A', deviceFamily: 'Mac' },
    ]);
    expect(devicesOf(r.notices[1]!).map((d) => d.serial)).to.deep.equal(['F2LX7Q9R8S01', 'F2LX7Q9R8S02']);
    // REF*SE*DMPX1A2B3C01 is the 12th segment of the file, on line 12.
    expect(r.notices[0]!.devices[0]!.at).to.equal('segment 12 (REF), line 12');
  });

  it('reports every set accepted in the interchange results', async () => {
    const r = await read(sample('apple-856.edi'), 'apple-x12-856');
    expect(r.interchanges).to.have.length(1);
    const ich = r.interchanges[0]!;
    expect(ich).to.include({ controlNumber: '000000906', senderId: 'APPLE', receiverId: 'ABMEDIGATEWAY', usageIndicator: 'P' });
    expect(ich).to.include({ elementSeparator: '*', componentSeparator: '>', segmentTerminator: '~' });
    expect(ich.groups).to.have.length(1);
    expect(ich.groups[0]).to.include({ functionalId: 'SH', controlNumber: '906', version: '004010', declaredSets: 2 });
    expect(ich.groups[0]!.sets.map((s) => [s.setId, s.controlNumber, s.status])).to.deep.equal([
      ['856', '0001', 'A'],
      ['856', '0002', 'A'],
    ]);
  });

  it('tolerates a byte order mark, blank lines before the ISA and CRLF after each terminator', async () => {
    const r = await read(fixture('crlf-850.edi'), 'apple-x12-850');
    expect(r.errors).to.deep.equal([]);
    expect(r.orders).to.deep.equal([ORDER_1001, ORDER_1002]);
  });

  it('reads several interchanges in one file, each with its own delimiters', async () => {
    // The second interchange uses | ^ and a line feed as segment terminator, and LIN*SN serials.
    const r = await read(fixture('two-interchanges.edi'), 'apple-x12-856');
    expect(r.errors).to.deep.equal([]);
    expect(r.notices.map((n) => n.deliveryNumber)).to.deep.equal(['8000123401', '8000123402', '8000123403']);
    expect(r.notices[2]!.shipDate).to.equal('2026-11-04T00:00:00Z'); // from BSN03: no DTM*011
    expect(devicesOf(r.notices[2]!)).to.deep.equal([
      { serial: 'F2LX7Q9R8S03', partNumber: 'MYMJ3LL/A', deviceFamily: 'iPhone' },
      { serial: 'F2LX7Q9R8S04', partNumber: 'MYMJ3LL/A', deviceFamily: 'iPhone' },
    ]);
    expect(r.interchanges.map((i) => [i.controlNumber, i.elementSeparator, i.segmentTerminator, i.usageIndicator])).to.deep.equal([
      ['000000906', '*', '~', 'P'],
      ['000000907', '|', '\n', 'T'],
    ]);
    // Each interchange is announced at its ISA (so that a repeat is refused before its sets
    // apply), and its results come right after its own sets.
    const types = r.items.map((i) => i.type);
    expect(types).to.deep.equal(['x12InterchangeStart', 'shipNotice', 'shipNotice', 'x12Interchange', 'x12InterchangeStart', 'shipNotice', 'x12Interchange']);
    expect(r.items.flatMap((i) => (i.type === 'x12InterchangeStart' ? [i.controlNumber] : []))).to.deep.equal(['000000906', '000000907']);
  });

  it('reads a file without any line break, numbering lines right', async () => {
    const r = await read(sample('apple-856.edi').toString('utf8').replaceAll('~\n', '~'), 'apple-x12-856');
    expect(r.errors).to.deep.equal([]);
    expect(r.notices.map((n) => n.devices.length)).to.deep.equal([4, 2]);
    expect(r.notices[0]!.devices[0]!.at).to.equal('segment 12 (REF), line 1');
  });

  it('strips the CR of CRLF lines when the line feed is the segment terminator', async () => {
    const text = fixture('two-interchanges.edi').toString('utf8');
    // The ISA ends in a bare line feed (the terminator), every later line in CRLF.
    const isa = text.slice(text.indexOf('ISA|'), text.indexOf('ISA|') + 106);
    const rest = text.slice(text.indexOf('ISA|') + 106).replaceAll('\n', '\r\n');
    const r = await read(isa + rest, 'apple-x12-856');
    expect(r.errors).to.deep.equal([]);
    expect(r.notices[0]!.devices.map((d) => d.serial)).to.deep.equal(['F2LX7Q9R8S03', 'F2LX7Q9R8S04']);
    expect(r.interchanges[0]!.segmentTerminator).to.equal('\n');
    expect(r.interchanges[0]!.controlNumber).to.equal('000000907');
    // With CRLF after the ISA too, the CR is the terminator and the LF a line break.
    const crlf = await read(text.slice(text.indexOf('ISA|')).replaceAll('\n', '\r\n'), 'apple-x12-856');
    expect(crlf.errors).to.deep.equal([]);
    expect(crlf.interchanges[0]!.segmentTerminator).to.equal('\r');
    expect(crlf.notices).to.deep.equal(r.notices);
  });

  it('ignores NUL and Ctrl-Z padding after the last interchange', async () => {
    const r = await read(Buffer.concat([sample('apple-850.edi'), Buffer.from([0, 0, 26])]), 'apple-x12-850');
    expect(r.errors).to.deep.equal([]);
    expect(r.orders).to.have.length(2);
  });

  it('makes one ship notice per order level of a set, each with the shipment delivery number', async () => {
    const r = await read(fixture('two-orders-856.edi'), 'apple-x12-856');
    expect(r.errors).to.deep.equal([]);
    expect(r.notices.map((n) => [n.deliveryNumber, n.orderNumber, n.devices.map((d) => d.serial)])).to.deep.equal([
      ['8000123499', 'APL-850-1001', ['DMPX1A2B3C01', 'DMPX1A2B3C02']],
      ['8000123499', 'APL-850-1002', ['F2LX7Q9R8S01']],
    ]);
  });

  describe('chunk boundaries', () => {
    const cases: [string, () => Buffer, string][] = [
      ['850 sample', () => sample('apple-850.edi'), 'apple-x12-850'],
      ['856 sample', () => sample('apple-856.edi'), 'apple-x12-856'],
      ['two interchanges', () => fixture('two-interchanges.edi'), 'apple-x12-856'],
      ['CRLF with BOM', () => fixture('crlf-850.edi'), 'apple-x12-850'],
      ['invalid UTF-8', () => fixture('invalid-utf8-850.edi'), 'apple-x12-850'],
      ['truncated', () => fixture('truncated-856.edi'), 'apple-x12-856'],
    ];
    const chunkings: Chunking[] = [1, 2, 3, 105, 106, 107, 'random'];
    for (const [name, bytes, mappingId] of cases) {
      it(`gives identical results for the ${name} in 1-byte, small and random chunks`, async () => {
        const whole = await read(bytes(), mappingId);
        for (const chunking of chunkings) {
          const cut = await read(bytes(), mappingId, chunking);
          expect(cut.items, `chunks of ${chunking}`).to.deep.equal(whole.items);
        }
      });
    }

    it('keeps multi-byte UTF-8 whole when a chunk boundary splits it', async () => {
      const text = sample('apple-850.edi').toString('utf8').replace('Northwind Schools', 'Écoles Nordvent 北風 😀');
      const whole = await read(text, 'apple-x12-850');
      expect(whole.errors).to.deep.equal([]);
      for (const chunking of [1, 2, 3, 'random'] as Chunking[]) {
        expect((await read(text, 'apple-x12-850', chunking)).items).to.deep.equal(whole.items);
      }
    });
  });

  describe('mapping options', () => {
    it('maps BEG01/BEG02 through the mapping rules: cancellation VD, replace OV, ZZ return RE', async () => {
      const base = sample('apple-850.edi').toString('utf8');
      const typeOf = async (beg: string) => {
        const r = await read(base.replace('BEG*00*SA*APL-850-1001', beg), 'apple-x12-850');
        return r.orders[0]!.orderType;
      };
      expect(await typeOf('BEG*01*SA*APL-850-1001')).to.equal('VD');
      expect(await typeOf('BEG*05*SA*APL-850-1001')).to.equal('OV');
      expect(await typeOf('BEG*00*ZZ*APL-850-1001')).to.equal('RE');
      expect(await typeOf('BEG*00*NE*APL-850-1001')).to.equal('OR');
    });

    it('takes the PO number from BEG03 when no REF*CO is there, and the default currency without CUR', async () => {
      const text = sample('apple-850.edi')
        .toString('utf8')
        .replace('REF*CO*NW-PO-2026-118~\n', 'PER*BD*Jane Doe~\n')
        .replace('CUR*BY*USD~\n', 'DTM*002*20261201~\n');
      const r = await read(text, 'apple-x12-850');
      expect(r.errors).to.deep.equal([]);
      expect(r.orders[0]!.poNumber).to.equal('APL-850-1001');
      expect(r.orders[0]!.lines[2]).to.deep.equal({
        type: 'credit', lineNumber: '3', partNumber: 'D6701Z/A', amount: '500.00', currency: 'USD', quantity: 1,
      });
    });

    it('multiplies credit quantity by unit price exactly, with the currency of CUR02', async () => {
      const text = sample('apple-850.edi')
        .toString('utf8')
        .replace('CUR*BY*USD', 'CUR*BY*EUR')
        .replace('PO1*3*1*EA*500.00**VP*D6701Z/A', 'PO1*3*3*EA*0.10**BP*D6701Z/A');
      const r = await read(text, 'apple-x12-850');
      expect(r.errors).to.deep.equal([]);
      // 3 x 0.10 in floating point is 0.30000000000000004.
      expect(r.orders[0]!.lines[2]).to.include({ type: 'credit', amount: '0.30', currency: 'EUR', quantity: 3 });
    });

    it('reads serials from the SN1, LIN or MAN sources a mapping names, and asset tags', async () => {
      const m = mappingCopy('apple-x12-856');
      m.id = 'test-x12-856-sources';
      m.x12!.shipNotice!.serial = [
        { segment: 'MAN', qualifier: 'GM', element: 2 },
        { segment: 'SN1', element: 1 },
      ];
      m.x12!.shipNotice!.assetTag = [{ segment: 'REF', qualifier: 'AT', element: 2 }];
      const text = withCounts(
        sample('apple-856.edi')
          .toString('utf8')
          .replace(
            'REF*SE*DMPX1A2B3C01~\nREF*SE*DMPX1A2B3C02~\nREF*SE*DMPX1A2B3C03~\n',
            'MAN*GM*DMPX1A2B3C01~\nREF*AT*NW-0001~\nMAN*GM*DMPX1A2B3C02~\nREF*AT*NW-0002~\nMAN*GM*DMPX1A2B3C03~\n',
          )
          .replace('SN1**1*EA~\nREF*SE*C02Z91ABCD12~\n', 'SN1*C02Z91ABCD12*1*EA~\n')
          .replace('REF*SE*F2LX7Q9R8S01~\nREF*SE*F2LX7Q9R8S02~\n', 'MAN*GM*F2LX7Q9R8S01~\nMAN*GM*F2LX7Q9R8S02~\n'),
      );
      const r = await read(text, m);
      expect(r.errors).to.deep.equal([]);
      expect(devicesOf(r.notices[0]!)).to.deep.equal([
        { serial: 'DMPX1A2B3C01', assetTag: 'NW-0001', partNumber: 'MW6F3LL/A', deviceFamily: 'iPad' },
        { serial: 'DMPX1A2B3C02', assetTag: 'NW-0002', partNumber: 'MW6F3LL/A', deviceFamily: 'iPad' },
        { serial: 'DMPX1A2B3C03', partNumber: 'MW6F3LL/A', deviceFamily: 'iPad' },
        { serial: 'C02Z91ABCD12', partNumber: 'MX2E3LL/A', deviceFamily: 'Mac' },
      ]);
      expect(devicesOf(r.notices[1]!).map((d) => d.serial)).to.deep.equal(['F2LX7Q9R8S01', 'F2LX7Q9R8S02']);
    });
  });
});
