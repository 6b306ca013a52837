// The X12 reader on broken input: each problem yields its coded error naming the segment,
// refuses what it should (the set: with a unit; the file: without), and nothing more.
import { expect } from 'chai';
import { DEFAULT_READ_LIMITS, type DocumentError } from '../../../src/formats/types.js';
import { fixture, mappingCopy, read, sample, withCounts, type ReadResult } from './helpers.js';
import { DOCUMENT_LIMITS } from '../../../src/model/limits.js';

const SET_1 = 'interchange 000000905, group 905, set 0001';
const SET_2 = 'interchange 000000905, group 905, set 0002';
const ASN_SET_1 = 'interchange 000000906, group 906, set 0001';

function only(r: ReadResult): DocumentError {
  expect(r.errors, JSON.stringify(r.errors)).to.have.length(1);
  return r.errors[0]!;
}

describe('X12 reader: broken input', () => {
  describe('envelope errors refuse the whole file (no unit)', () => {
    it('truncated file: no SE, GE or IEA at the end (GW-X12-6405), the cut set yields nothing', async () => {
      const r = await read(fixture('truncated-856.edi'), 'apple-x12-856');
      const e = only(r);
      expect(e.code).to.equal('GW-X12-6405');
      expect(e.unit).to.equal(undefined);
      expect(e.params?.detail).to.equal(
        `missing the SE of ${ASN_SET_1}, the GE of interchange 000000906, group 906, the IEA of interchange 000000906`,
      );
      expect(r.notices).to.deep.equal([]);
      // The interchange results still come, for the 997: the set rejected with code 2 (trailer missing).
      const group = r.interchanges[0]!.groups[0]!;
      expect(group.sets[0]).to.include({ status: 'R' });
      expect(group.sets[0]!.errorCodes).to.deep.equal(['2']);
      expect(group.errorCodes).to.deep.equal(['3']);
      expect(group.declaredSets).to.equal(null);
    });

    it('wrong GE01 count (GW-X12-6404) names the GE; the sets themselves were fine', async () => {
      const r = await read(fixture('ge-count-850.edi'), 'apple-x12-850');
      const e = only(r);
      expect(e).to.deep.equal({
        code: 'GW-X12-6404',
        params: { segment: 'GE01', declared: '3', counted: 2, at: 'interchange 000000905, segment 21 (GE*3*905), line 21' },
      });
      expect(r.orders.map((o) => o.orderNumber)).to.deep.equal(['APL-850-1001', 'APL-850-1002']);
      expect(r.interchanges[0]!.groups[0]!.errorCodes).to.deep.equal(['5']);
    });

    it('GE02 different from GS06 (GW-X12-6403)', async () => {
      const e = only(await read(fixture('ge-control-850.edi'), 'apple-x12-850'));
      expect(e.code).to.equal('GW-X12-6403');
      expect(e.unit).to.equal(undefined);
      expect(e.params?.at).to.equal('interchange 000000905, segment 21 (GE*2*904), line 21');
      expect(e.params?.detail).to.equal('GE02 904 does not match GS06 905');
    });

    it('IEA02 different from ISA13 (GW-X12-6403)', async () => {
      const e = only(await read(fixture('iea-control-850.edi'), 'apple-x12-850'));
      expect(e.code).to.equal('GW-X12-6403');
      expect(e.unit).to.equal(undefined);
      expect(e.params?.at).to.equal('interchange 000000905, segment 22 (IEA*1*000000915), line 22');
    });

    it('wrong IEA01 group count (GW-X12-6404)', async () => {
      const text = sample('apple-850.edi').toString('utf8').replace('IEA*1*', 'IEA*2*');
      const e = only(await read(text, 'apple-x12-850'));
      expect(e).to.deep.include({ code: 'GW-X12-6404' });
      expect(e.params).to.include({ segment: 'IEA01', declared: '2', counted: 1 });
    });

    it('garbage instead of an ISA (GW-X12-6401), and nothing else', async () => {
      const r = await read(fixture('garbage.edi'), 'apple-x12-850');
      expect(r.items).to.have.length(1);
      const e = only(r);
      expect(e.code).to.equal('GW-X12-6401');
      expect(e.unit).to.equal(undefined);
      expect(e.params?.at).to.equal('segment 1, line 1');
      expect(e.params?.detail).to.contain('expected an ISA segment');
    });

    it('an ISA of the wrong width or with a bad control number (GW-X12-6401)', async () => {
      const short = sample('apple-850.edi').toString('utf8').replace('*ZZ*APPLE          *', '*ZZ*APPLE*');
      expect(only(await read(short, 'apple-x12-850')).code).to.equal('GW-X12-6401');
      const control = sample('apple-850.edi').toString('utf8').replace('*000000905*', '*00000090A*');
      const e = only(await read(control, 'apple-x12-850'));
      expect(e.code).to.equal('GW-X12-6401');
      expect(e.params?.detail).to.contain('ISA13');
    });

    it('invalid UTF-8 (GW-DOC-6001) names the byte, segment and line', async () => {
      const r = await read(fixture('invalid-utf8-850.edi'), 'apple-x12-850');
      const e = only(r);
      expect(e.code).to.equal('GW-DOC-6001');
      expect(e.unit).to.equal(undefined);
      // The bad byte is in the N1 of the second set, segment 17 on line 17.
      expect(e.params?.at).to.equal('byte 492, segment 17, line 17');
    });

    it('an empty or blank file (GW-DOC-6007)', async () => {
      expect(only(await read('', 'apple-x12-850')).code).to.equal('GW-DOC-6007');
      expect(only(await read('\r\n  \n', 'apple-x12-850')).code).to.equal('GW-DOC-6007');
    });

    it('a GS version other than 004010 (GW-X12-6402), its sets not mapped', async () => {
      const text = sample('apple-850.edi').toString('utf8').replace('*X*004010~', '*X*005010~');
      const r = await read(text, 'apple-x12-850');
      const e = only(r);
      expect(e.code).to.equal('GW-X12-6402');
      expect(e.params?.detail).to.contain('GS08 version "005010" is not supported');
      expect(r.orders).to.deep.equal([]);
      expect(r.interchanges[0]!.groups[0]!.errorCodes).to.deep.equal(['2']);
    });

    it('a segment longer than the line limit (GW-DOC-6009) stops reading', async () => {
      const text = sample('apple-850.edi').toString('utf8').replace('Northwind Schools', 'N'.repeat(2000));
      const r = await read(text, 'apple-x12-850', 65536, { ...DEFAULT_READ_LIMITS, maxLineBytes: 1000 });
      const e = r.errors.at(-1)!;
      expect(e.code).to.equal('GW-DOC-6009');
      expect(e.params?.at).to.equal('segment 7, line 7');
    });

    it('stops after maxErrors errors with GW-DOC-6008', async () => {
      const text = sample('apple-850.edi').toString('utf8').replaceAll('*EA*', '*E!*');
      const r = await read(text, 'apple-x12-850', 65536, { ...DEFAULT_READ_LIMITS, maxErrors: 2 });
      expect(r.errors.map((e) => e.code)).to.deep.equal(['GW-X12-6402', 'GW-X12-6402', 'GW-DOC-6008']);
    });
  });

  describe('set errors refuse their set only (unit = the set)', () => {
    it('wrong SE01 count (GW-X12-6404): the other set is still yielded', async () => {
      const r = await read(fixture('se-count-850.edi'), 'apple-x12-850');
      const e = only(r);
      expect(e).to.deep.equal({
        code: 'GW-X12-6404',
        params: { segment: 'SE01', declared: '9', counted: 8, at: `${SET_2}, segment 8 (SE*9*0002), line 20` },
        unit: SET_2,
      });
      expect(r.orders.map((o) => o.orderNumber)).to.deep.equal(['APL-850-1001']);
      const sets = r.interchanges[0]!.groups[0]!.sets;
      expect(sets.map((s) => [s.status, s.errorCodes])).to.deep.equal([['A', []], ['R', ['4']]]);
    });

    it('SE02 different from ST02 (GW-X12-6403)', async () => {
      const r = await read(fixture('se-control-850.edi'), 'apple-x12-850');
      const e = only(r);
      expect(e.code).to.equal('GW-X12-6403');
      expect(e.unit).to.equal(SET_2);
      expect(e.params?.detail).to.equal('SE02 0003 does not match ST02 0002');
      expect(r.orders.map((o) => o.orderNumber)).to.deep.equal(['APL-850-1001']);
      expect(r.interchanges[0]!.groups[0]!.sets[1]!.errorCodes).to.deep.equal(['3']);
    });

    it('an impossible BEG05 date (GW-MAP-6202) names the BEG, with AK4 code 8', async () => {
      const r = await read(fixture('bad-date-850.edi'), 'apple-x12-850');
      const e = only(r);
      expect(e).to.deep.equal({
        code: 'GW-MAP-6202',
        params: {
          field: 'orderDate',
          value: '20261302',
          formats: 'YYYYMMDD',
          at: `${SET_2}, segment 2 (BEG*00*SA*APL-850-1002**20261302), line 14`,
        },
        unit: SET_2,
      });
      expect(r.orders.map((o) => o.orderNumber)).to.deep.equal(['APL-850-1001']);
      expect(r.interchanges[0]!.groups[0]!.sets[1]!.segmentErrors).to.deep.equal([
        { segmentId: 'BEG', position: 2, segmentErrorCode: '8', elements: [{ position: 5, errorCode: '8', badValue: '20261302' }] },
      ]);
    });

    it('an impossible DTM*011 ship date (GW-MAP-6202) names the DTM', async () => {
      const r = await read(fixture('bad-date-856.edi'), 'apple-x12-856');
      const e = only(r);
      expect(e.code).to.equal('GW-MAP-6202');
      expect(e.unit).to.equal(ASN_SET_1);
      expect(e.params?.at).to.equal(`${ASN_SET_1}, segment 4 (DTM*011*20261131), line 6`);
      expect(r.notices.map((n) => n.orderNumber)).to.deep.equal(['APL-850-1002']);
    });

    it('a date that is not CCYYMMDD at all (GW-X12-6402), reported once', async () => {
      const text = sample('apple-850.edi').toString('utf8').replace('APL-850-1001**20261102', 'APL-850-1001**2026-11-02');
      const e = only(await read(text, 'apple-x12-850'));
      expect(e.code).to.equal('GW-X12-6402');
      expect(e.unit).to.equal(SET_1);
      expect(e.params?.detail).to.equal('BEG05 "2026-11-02" is not a date CCYYMMDD');
    });

    it('an HL with an unknown parent (GW-X12-6407) names the HL', async () => {
      const r = await read(fixture('hl-parent-856.edi'), 'apple-x12-856');
      const e = only(r);
      expect(e).to.deep.equal({
        code: 'GW-X12-6407',
        params: { at: `${ASN_SET_1}, segment 13 (HL*4*9*I), line 15`, detail: 'HL02 names parent 9, which is not an earlier HL' },
        unit: ASN_SET_1,
      });
      expect(r.notices.map((n) => n.orderNumber)).to.deep.equal(['APL-850-1002']);
      expect(r.interchanges[0]!.groups[0]!.sets[0]!.segmentErrors).to.deep.equal([
        { segmentId: 'HL', position: 13, loopId: 'HL', segmentErrorCode: '8', elements: [{ position: 2, errorCode: '7', badValue: '9' }] },
      ]);
    });

    it('HL numbering out of sequence and a level under the wrong parent (GW-X12-6407)', async () => {
      const text = sample('apple-856.edi').toString('utf8').replace('HL*4*2*I', 'HL*5*2*I');
      const e = only(await read(text, 'apple-x12-856'));
      expect(e.code).to.equal('GW-X12-6407');
      expect(e.params?.detail).to.contain('HL01 is "5", expected 4');
      const wrongLevel = sample('apple-856.edi').toString('utf8').replace('HL*3*2*I', 'HL*3*1*I');
      const e2 = only(await read(wrongLevel, 'apple-x12-856'));
      expect(e2.code).to.equal('GW-X12-6407');
      expect(e2.params?.detail).to.equal('a level I cannot be under level S (HL 1)');
    });

    it('an item level without any serial source (GW-MAP-6201) names its HL', async () => {
      const r = await read(fixture('missing-serial-856.edi'), 'apple-x12-856');
      const e = only(r);
      expect(e).to.deep.equal({
        code: 'GW-MAP-6201',
        params: { field: 'serial (REF*SE element 02 or LIN SN)', at: `${ASN_SET_1}, segment 13 (HL*4*2*I), line 15` },
        unit: ASN_SET_1,
      });
      expect(r.notices.map((n) => n.orderNumber)).to.deep.equal(['APL-850-1002']);
    });

    it('an unsupported transaction set (810, GW-X12-6406); the 850 of the next group is still read', async () => {
      const r = await read(fixture('unsupported-810.edi'), 'apple-x12-850');
      const e = only(r);
      expect(e).to.deep.equal({
        code: 'GW-X12-6406',
        params: { setId: '810', at: 'interchange 000000909, group 31, set 0001, segment 1 (ST*810*0001), line 3' },
        unit: 'interchange 000000909, group 31, set 0001',
      });
      expect(r.orders.map((o) => [o.orderNumber, o.poNumber])).to.deep.equal([['APL-850-1002', 'APL-850-1002']]);
      const groups = r.interchanges[0]!.groups;
      expect(groups.map((g) => g.sets.map((s) => [s.setId, s.status, s.errorCodes]))).to.deep.equal([
        [['810', 'R', ['1']]],
        [['850', 'A', []]],
      ]);
    });

    it('an 856 is unsupported by an 850 mapping (GW-X12-6406)', async () => {
      const r = await read(sample('apple-856.edi'), 'apple-x12-850');
      expect(r.errors.map((e) => [e.code, e.unit])).to.deep.equal([
        ['GW-X12-6406', ASN_SET_1],
        ['GW-X12-6406', 'interchange 000000906, group 906, set 0002'],
      ]);
      expect(r.notices).to.deep.equal([]);
    });

    it('a PO1 quantity that is not a number (GW-X12-6402 from the grammar) names PO102', async () => {
      const text = sample('apple-850.edi').toString('utf8').replace('PO1*2*1*EA', 'PO1*2*one*EA');
      const e = only(await read(text, 'apple-x12-850'));
      expect(e.code).to.equal('GW-X12-6402');
      expect(e.unit).to.equal(SET_1);
      expect(e.params?.at).to.equal(`${SET_1}, segment 7 (PO1*2*one*EA*1099.00**VP*MX2E3LL/A), line 9`);
      expect(e.params?.detail).to.equal('PO102 "one" is not a decimal number');
    });

    it('a missing customer (GW-MAP-6201) names the N1*BY with its empty N104', async () => {
      const text = sample('apple-850.edi').toString('utf8').replace('N1*BY*Northwind Schools*91*0000123456', 'N1*BY*Northwind Schools');
      const e = only(await read(text, 'apple-x12-850'));
      expect(e).to.deep.equal({
        code: 'GW-MAP-6201',
        params: { field: 'customerId (N1*BY element 04)', at: `${SET_1}, segment 5 (N1*BY*Northwind Schools), line 7` },
        unit: SET_1,
      });
    });

    it('a PO1 without a part number of the mapped qualifiers (GW-MAP-6201)', async () => {
      const text = sample('apple-850.edi').toString('utf8').replace('PO1*1*3*EA*329.00**VP*MW6F3LL/A', 'PO1*1*3*EA*329.00**UP*190199000000');
      const e = only(await read(text, 'apple-x12-850'));
      expect(e.code).to.equal('GW-MAP-6201');
      expect(e.params?.field).to.equal('partNumber (PO1 VP or PO1 BP)');
      expect(e.params?.at).to.equal(`${SET_1}, segment 6 (PO1*1*3*EA*329.00**UP*190199000000), line 8`);
    });

    it('an order type no mapping rule knows (GW-MAP-6205) names BEG02', async () => {
      const text = sample('apple-850.edi').toString('utf8').replace('BEG*00*SA*APL-850-1001', 'BEG*00*RL*APL-850-1001');
      const e = only(await read(text, 'apple-x12-850'));
      expect(e.code).to.equal('GW-MAP-6205');
      expect(e.params).to.include({ field: 'orderType', value: 'BEG01 00 BEG02 RL' });
    });

    it('a schema refusal (GW-MAP-6205) names the field and its segment', async () => {
      const long = 'APL-850-1001-THIS-IS-WAY-TOO-LONG';
      const m = mappingCopy('apple-x12-850');
      // REF03 (AN 1/80) passes the grammar; the canonical order number has at most 32 characters.
      m.x12!.purchaseOrder!.orderNumber = [{ segment: 'REF', qualifier: 'ZZ', element: 3 }];
      const text = withCounts(sample('apple-850.edi').toString('utf8').replace('REF*CO*NW-PO-2026-118~', `REF*CO*NW-PO-2026-118~\nREF*ZZ**${long}~`));
      const r = await read(text, m);
      const e = r.errors.find((x) => x.unit === SET_1)!;
      expect(e.code).to.equal('GW-MAP-6205');
      expect(e.params).to.include({ field: '/orderNumber', value: long, detail: 'must NOT have more than 32 characters' });
      expect(e.params?.at).to.equal(`${SET_1}, segment 4 (REF*ZZ**${long.slice(0, 32)}...), line 6`);
      expect(r.interchanges[0]!.groups[0]!.sets[0]!.segmentErrors).to.deep.equal([
        { segmentId: 'REF', position: 4, segmentErrorCode: '8', elements: [{ position: 3, errorCode: '5', badValue: long }] },
      ]);
    });

    it('a CTT01 that does not count the PO1 lines (GW-X12-6404)', async () => {
      const text = sample('apple-850.edi').toString('utf8').replace('CTT*3~', 'CTT*4~');
      const e = only(await read(text, 'apple-x12-850'));
      expect(e.code).to.equal('GW-X12-6404');
      expect(e.params).to.include({ segment: 'CTT01', declared: '4', counted: 3 });
    });

    it('an ST02 used twice in a group (GW-X12-6403, AK5 code 23) gets a unit of its own', async () => {
      const text = sample('apple-850.edi').toString('utf8').replace('ST*850*0002', 'ST*850*0001').replace('SE*8*0002', 'SE*8*0001');
      const r = await read(text, 'apple-x12-850');
      const e = only(r);
      expect(e.code).to.equal('GW-X12-6403');
      expect(e.unit).to.equal(`${SET_1} (#2)`);
      expect(r.orders.map((o) => o.orderNumber)).to.deep.equal(['APL-850-1001']);
    });

    it('a set with more serials than a ship notice may hold (GW-DOC-6009) is refused', async () => {
      const max = DOCUMENT_LIMITS.devicesPerShipNotice;
      const serials: string[] = [];
      for (let i = 0; i <= max; i++) serials.push(`REF*SE*DMPX${String(i).padStart(8, '0')}~\n`);
      const text = withCounts(
        sample('apple-856.edi').toString('utf8').replace('REF*SE*DMPX1A2B3C01~\nREF*SE*DMPX1A2B3C02~\nREF*SE*DMPX1A2B3C03~\n', serials.join('')),
      );
      const r = await read(text, 'apple-x12-856');
      const e = only(r);
      expect(e.code).to.equal('GW-DOC-6009');
      expect(e.unit).to.equal(ASN_SET_1);
      expect(e.params?.detail).to.equal(`a ship notice set has at most ${max} serials`);
      expect(e.params?.at).to.contain(`REF*SE*DMPX${String(max).padStart(8, '0')}`);
      expect(r.notices.map((n) => n.orderNumber)).to.deep.equal(['APL-850-1002']);
    });

    it('a set without SE before the GE (GW-X12-6405) refuses the file', async () => {
      const text = sample('apple-850.edi').toString('utf8').replace('SE*8*0002~\n', '');
      const r = await read(text, 'apple-x12-850');
      const e = only(r);
      expect(e.code).to.equal('GW-X12-6405');
      expect(e.unit).to.equal(undefined);
      expect(e.params?.detail).to.equal(`${SET_2} has no SE before GE`);
      expect(r.orders.map((o) => o.orderNumber)).to.deep.equal(['APL-850-1001']);
    });
  });

  describe('the version a group declares (GS08) chooses the element rules', () => {
    // Apple's 850 sample as 005010 (ISA11 a repetition separator, ISA12 00501, GS08 005010).
    const as5010 = (text: string) => text.replace('*U*00401*', '*^*00501*').replace('*X*004010~', '*X*005010~');
    const allowing5010 = () => {
      const m = mappingCopy('apple-x12-850');
      m.x12!.versions = ['004010', '005010'];
      return m;
    };
    const longRef = 'NW-PO-2026-118-' + 'X'.repeat(25); // 40 characters: over 004010's 30, within 005010's 50

    it('005010: ST03 and a REF02 of 40 characters are read, the orders are the same', async () => {
      const text = withCounts(as5010(sample('apple-850.edi').toString('utf8')).replace('ST*850*0001~', 'ST*850*0001*005010~').replace('REF*CO*NW-PO-2026-118~', `REF*CO*${longRef}~`));
      const r = await read(text, allowing5010());
      expect(r.errors).to.deep.equal([]);
      expect(r.orders.map((o) => [o.orderNumber, o.poNumber, o.customerId, o.lines.length])).to.deep.equal([
        ['APL-850-1001', longRef, '0000123456', 3],
        ['APL-850-1002', 'CH-77810', '778899', 1],
      ]);
      expect(r.interchanges[0]).to.include({ version: '00501', repetitionSeparator: '^' });
      expect(r.interchanges[0]!.groups[0]!.sets[0]).to.include({ implementationReference: '005010' });
    });

    it('004010: the same ST03 is one element too many, the same REF02 too long (GW-X12-6402, AK4 3 and 5)', async () => {
      const text = withCounts(sample('apple-850.edi').toString('utf8').replace('ST*850*0001~', 'ST*850*0001*005010~').replace('REF*CO*NW-PO-2026-118~', `REF*CO*${longRef}~`));
      const r = await read(text, 'apple-x12-850');
      expect(r.errors.map((e) => [e.code, e.unit, e.params?.segment])).to.deep.equal([
        ['GW-X12-6402', SET_1, 'ST'],
        ['GW-X12-6402', SET_1, 'REF'],
      ]);
      expect(r.interchanges[0]!.groups[0]!.sets[0]!.segmentErrors.map((e) => [e.segmentId, e.elements.map((x) => x.errorCode)])).to.deep.equal([
        ['ST', ['3']],
        ['REF', ['5']],
      ]);
    });
  });

  describe("an 856's CTT01, as the mapping's shipNotice.ctt01 says", () => {
    // Set 0001 of Apple's 856 has 4 HL segments, 2 of them item levels.
    const withCtt = (n: number) => sample('apple-856.edi').toString('utf8').replace('CTT*4~', `CTT*${n}~`);
    const counting = (ctt01: 'hlSegments' | 'items' | 'either') => {
      const m = mappingCopy('apple-x12-856');
      m.x12!.shipNotice!.ctt01 = ctt01;
      return m;
    };

    it('either: the HL segments or the item levels pass; anything else names both counts', async () => {
      expect((await read(withCtt(4), counting('either'))).errors).to.deep.equal([]);
      expect((await read(withCtt(2), counting('either'))).errors).to.deep.equal([]);
      const e = only(await read(withCtt(3), counting('either')));
      expect(e.code).to.equal('GW-X12-6404');
      expect(e.unit).to.equal(ASN_SET_1);
      expect(e.params).to.include({ segment: 'CTT01', declared: '3', counted: '4 HL segments and 2 item levels' });
    });

    it('hlSegments (the default) and items each accept only their own count', async () => {
      expect((await read(withCtt(4), counting('hlSegments'))).errors).to.deep.equal([]);
      expect(only(await read(withCtt(2), 'apple-x12-856')).params).to.include({ counted: '4 HL segments' });
      // Set 0002 says CTT*3: its 3 HL segments, of which 1 item level.
      const items = await read(withCtt(2), counting('items'));
      expect(items.notices.map((n) => n.devices.length)).to.deep.equal([4]);
      expect(only(items).params).to.include({ declared: '3', counted: '1 item level' });
      expect((await read(withCtt(4), counting('items'))).errors.map((e) => [e.unit, e.params?.counted])).to.deep.equal([
        [ASN_SET_1, '2 item levels'],
        ['interchange 000000906, group 906, set 0002', '1 item level'],
      ]);
    });
  });
});
