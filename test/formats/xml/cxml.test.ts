import { expect } from 'chai';
import { lineTotal, readCxml } from '../../../src/formats/xml/cxml.js';
import type { PurchaseOrder, ShipNotice } from '../../../src/model/documents.js';
import { chunks, documentsOf, errorsOf, fixture, randomChunks, read, sample, withXml } from './support.js';

const BRIGHTLINE = 'brightline-cxml';

const BRIGHTLINE_ORDER: PurchaseOrder = {
  orderNumber: 'NW-PO-7001',
  orderType: 'OR',
  // 2026-11-02T10:00:00-08:00
  orderDate: '2026-11-02T18:00:00Z',
  customerId: '19827',
  poNumber: 'NW-PO-7001',
  lines: [
    { type: 'device', lineNumber: '1', partNumber: 'MW6F3LL/A', quantity: 2, deviceFamily: 'iPad' },
    { type: 'device', lineNumber: '2', partNumber: 'MX2E3LL/A', quantity: 1, deviceFamily: 'Mac' },
    { type: 'credit', lineNumber: '3', partNumber: 'D6701Z/A', amount: '250.00', currency: 'USD', quantity: 10 },
  ],
};

const PORTION = '/cXML/Request[1]/ShipNoticeRequest[1]/ShipNoticePortion[1]';
const BRIGHTLINE_SHIPMENT: ShipNotice = {
  deliveryNumber: 'BL-SN-5001',
  // 2026-11-03T08:30:00-05:00
  shipDate: '2026-11-03T13:30:00Z',
  orderNumber: 'NW-PO-7001',
  devices: [
    { serial: 'DMPXNW000001', assetTag: 'NW-0101', deviceFamily: 'iPad', partNumber: 'MW6F3LL/A', at: `line 32, column 11, ${PORTION}/ShipNoticeItem[1]/AssetInfo[1]` },
    { serial: 'DMPXNW000002', assetTag: 'NW-0102', deviceFamily: 'iPad', partNumber: 'MW6F3LL/A', at: `line 33, column 11, ${PORTION}/ShipNoticeItem[1]/AssetInfo[2]` },
    { serial: 'C02NW0000003', assetTag: 'NW-0103', deviceFamily: 'Mac', partNumber: 'MX2E3LL/A', at: `line 38, column 11, ${PORTION}/ShipNoticeItem[2]/AssetInfo[1]` },
  ],
};

const ORDER_ITEMS = [{ type: 'purchaseOrder', at: 'order.xml, line 19, column 5, /cXML/Request[1]/OrderRequest[1]', doc: BRIGHTLINE_ORDER }];
const SHIPMENT_ITEMS = [{ type: 'shipNotice', at: `shipnotice.xml, line 25, column 7, ${PORTION}`, doc: BRIGHTLINE_SHIPMENT }];

/** A minimal cXML OrderRequest around the given header and items. */
function orderRequest(header: string, items: string, prolog = ''): Buffer {
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n${prolog}<cXML payloadID="t@example" timestamp="2026-11-02T10:00:00-08:00">\n  <Request>\n    <OrderRequest>\n` +
      `      ${header}\n${items}\n    </OrderRequest>\n  </Request>\n</cXML>\n`,
  );
}
const HEADER = '<OrderRequestHeader orderID="NW-PO-9" orderDate="2026-11-02T10:00:00-08:00" type="new"><BillTo><Address addressID="19827"/></BillTo></OrderRequestHeader>';
const ITEM = '      <ItemOut quantity="1" lineNumber="1"><ItemID><SupplierPartID>MW6F3LL/A</SupplierPartID></ItemID></ItemOut>';

describe('cXML reader', () => {
  describe('the Brightline samples', () => {
    it('reads the OrderRequest: two device lines and 10 x 25.00 USD of volume credit', async () => {
      expect(await read(readCxml, sample('brightline-cxml-order.xml'), BRIGHTLINE, 'order.xml')).to.deep.equal(ORDER_ITEMS);
    });

    it('reads the ShipNoticeRequest: three serials with asset tags', async () => {
      expect(await read(readCxml, sample('brightline-cxml-shipnotice.xml'), BRIGHTLINE, 'shipnotice.xml')).to.deep.equal(SHIPMENT_ITEMS);
    });

    it('reads the same from 1-byte chunks and from chunks of random sizes', async () => {
      expect(await read(readCxml, chunks(sample('brightline-cxml-order.xml'), 1), BRIGHTLINE, 'order.xml')).to.deep.equal(ORDER_ITEMS);
      expect(await read(readCxml, chunks(sample('brightline-cxml-shipnotice.xml'), 1), BRIGHTLINE, 'shipnotice.xml')).to.deep.equal(SHIPMENT_ITEMS);
      for (let seed = 1; seed <= 30; seed++) {
        expect(await read(readCxml, randomChunks(sample('brightline-cxml-order.xml'), seed), BRIGHTLINE, 'order.xml'), `seed ${seed}`).to.deep.equal(ORDER_ITEMS);
        expect(await read(readCxml, randomChunks(sample('brightline-cxml-shipnotice.xml'), seed, 200), BRIGHTLINE, 'shipnotice.xml'), `seed ${seed}`).to.deep.equal(
          SHIPMENT_ITEMS,
        );
      }
    });
  });

  describe('DOCTYPE', () => {
    it('accepts the standard external cXML DTD reference, without fetching it', async () => {
      // The samples carry <!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd">;
      // this machine has no route to xml.cxml.org, so reading at all shows nothing is fetched.
      const doctype = '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">\n';
      const items = await read(readCxml, orderRequest(HEADER, ITEM, doctype), BRIGHTLINE);
      expect(errorsOf(items)).to.deep.equal([]);
      expect(documentsOf(items)).to.have.length(1);
    });

    for (const doctype of [
      '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/Fulfill.dtd">',
      '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.063/InvoiceDetail.dtd">',
      '<!DOCTYPE cXML SYSTEM "http://xml.cXML.org/schemas/cXML/1.2.014/cXML.dtd">',
      "<!DOCTYPE cXML SYSTEM 'HTTPS://XML.CXML.ORG/schemas/cXML/1.1.010/cXML.dtd'>",
      '<!DOCTYPE cXML SYSTEM "https://xml.cxml.org/schemas/cXML/1.2.050/Catalog.dtd">',
    ]) {
      it(`accepts ${doctype}`, async () => {
        const items = await read(readCxml, orderRequest(HEADER, ITEM, `${doctype}\n`), BRIGHTLINE);
        expect(errorsOf(items)).to.deep.equal([]);
        expect(documentsOf(items)).to.have.length(1);
      });
    }

    it("refuses even the standard one when the mapping does not allow it", async () => {
      const items = await read(readCxml, sample('brightline-cxml-order.xml'), withXml(BRIGHTLINE, { allowCxmlDoctype: false }), 'order.xml');
      expect(errorsOf(items)).to.deep.equal([
        { code: 'GW-XML-6302', params: { detail: 'the mapping does not accept a DOCTYPE', at: 'order.xml, line 2, column 1' } },
      ]);
    });

    it('refuses an internal subset with entity declarations (billion laughs), before the root', async () => {
      for (const input of [fixture('billion-laughs-cxml.xml'), chunks(fixture('billion-laughs-cxml.xml'), 1)]) {
        expect(await read(readCxml, input, BRIGHTLINE, 'lol.xml')).to.deep.equal([
          { type: 'error', error: { code: 'GW-XML-6302', params: { detail: 'a DOCTYPE with an internal subset is refused', at: 'lol.xml, line 2, column 1' } } },
        ]);
      }
    });

    it('refuses the standard reference with an internal subset (external entity)', async () => {
      expect(errorsOf(await read(readCxml, fixture('external-entity-cxml.xml'), BRIGHTLINE, 'xxe.xml'))).to.deep.equal([
        { code: 'GW-XML-6302', params: { detail: 'a DOCTYPE with an internal subset is refused', at: 'xxe.xml, line 2, column 1' } },
      ]);
    });

    for (const doctype of [
      '<!DOCTYPE cXML PUBLIC "-//cXML//DTD cXML 1.2//EN" "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">',
      '<!DOCTYPE cXML SYSTEM "http://attacker.example/cXML.dtd">',
      '<!DOCTYPE cXML SYSTEM "file:///etc/passwd">',
      '<!DOCTYPE other SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">',
      '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org.attacker.example/schemas/cXML/1.2.014/cXML.dtd">',
      '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org:8080/schemas/cXML/1.2.014/cXML.dtd">',
      '<!DOCTYPE cXML SYSTEM "http://user@xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">',
      '<!DOCTYPE cXML SYSTEM "ftp://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">',
      '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/../../../other/cXML.dtd">',
      '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd?x=1">',
      '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.xsd">',
      '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/other/cXML/1.2.014/cXML.dtd">',
    ]) {
      it(`refuses ${doctype}`, async () => {
        const errors = errorsOf(await read(readCxml, orderRequest(HEADER, ITEM, `${doctype}\n`), BRIGHTLINE));
        expect(errors.map((e) => [e.code, e.params!.at])).to.deep.equal([['GW-XML-6302', 'test.xml, line 2, column 1']]);
      });
    }
  });

  it('refuses an undeclared entity (GW-XML-6301)', async () => {
    const header = HEADER.replace('NW-PO-9', 'NW&reg;9');
    const errors = errorsOf(await read(readCxml, orderRequest(header, ITEM), BRIGHTLINE));
    expect(errors).to.have.length(1);
    expect(errors[0]!.code).to.equal('GW-XML-6301');
    expect(errors[0]!.params!.at).to.equal(`test.xml, line 5, column ${6 + header.indexOf('&reg;') + '&reg;'.length}, /cXML/Request[1]/OrderRequest[1]`);
  });

  it('refuses a truncated cXML file', async () => {
    const text = sample('brightline-cxml-shipnotice.xml');
    const errors = errorsOf(await read(readCxml, text.subarray(0, text.indexOf('</ShipNoticePortion>')), BRIGHTLINE));
    expect(errors.map((e) => e.code)).to.deep.equal(['GW-XML-6301']);
  });

  it('reads serial numbers from SerialNumberInfo, one ship notice per portion, passing over items without serials', async () => {
    const m = withXml(BRIGHTLINE, { cxml: { customerId: 'BillTo/Address@addressID', serials: 'serialNumberInfo' } });
    const items = await read(readCxml, fixture('serial-number-info-cxml.xml'), m, 'sn.xml');
    const base = '/cXML/Request[1]/ShipNoticeRequest[1]';
    expect(items).to.deep.equal([
      {
        type: 'shipNotice',
        at: `sn.xml, line 6, column 7, ${base}/ShipNoticePortion[1]`,
        doc: {
          deliveryNumber: 'BL-SN-6001',
          // 2026-11-03T08:30:00+09:00
          shipDate: '2026-11-02T23:30:00Z',
          orderNumber: 'NW-PO-7002',
          devices: [
            { serial: 'DMPXNW000011', deviceFamily: 'iPad', partNumber: 'MW6F3LL/A', at: `line 11, column 13, ${base}/ShipNoticePortion[1]/ShipNoticeItem[1]/SerialNumberInfo[1]/SerialNumber[1]` },
            { serial: 'DMPXNW000012', deviceFamily: 'iPad', partNumber: 'MW6F3LL/A', at: `line 12, column 13, ${base}/ShipNoticePortion[1]/ShipNoticeItem[1]/SerialNumberInfo[1]/SerialNumber[2]` },
          ],
        },
      },
      {
        type: 'shipNotice',
        at: `sn.xml, line 19, column 7, ${base}/ShipNoticePortion[2]`,
        doc: {
          deliveryNumber: 'BL-SN-6001',
          shipDate: '2026-11-02T23:30:00Z',
          orderNumber: 'NW-PO-7003',
          devices: [
            { serial: 'C02NW0000013', deviceFamily: 'Mac', partNumber: 'MX2E3LL/A', at: `line 23, column 29, ${base}/ShipNoticePortion[2]/ShipNoticeItem[1]/SerialNumberInfo[1]/SerialNumber[1]` },
          ],
        },
      },
    ]);
  });

  it('finds the customer and PO number in Extrinsics when the mapping says so', async () => {
    const m = withXml(BRIGHTLINE, {
      cxml: { customerId: "Extrinsic[@name='CustomerID']", poNumber: "Extrinsic[@name='PONumber']", serials: 'assetInfo' },
    });
    const items = await read(readCxml, fixture('extrinsic-customer-cxml.xml'), m, 'ext.xml');
    expect(items).to.deep.equal([
      {
        type: 'purchaseOrder',
        at: 'ext.xml, line 5, column 5, /cXML/Request[1]/OrderRequest[1]',
        doc: {
          orderNumber: 'NW-PO-7004',
          orderType: 'OV',
          // 2026-11-02T23:30:00-02:30: the next day in UTC
          orderDate: '2026-11-03T02:00:00Z',
          customerId: '19827',
          poNumber: 'NW-REQ-42',
          lines: [
            { type: 'device', lineNumber: '1', partNumber: 'MW6F3LL/A', quantity: 3, deviceFamily: 'iPad' },
            { type: 'credit', lineNumber: '2', partNumber: 'D6701Z/A', amount: '49.380', currency: 'USD', quantity: 4 },
          ],
        },
      },
    ]);
  });

  describe('field errors', () => {
    const HEADER_AT = 'test.xml, line 5, column 7, /cXML/Request[1]/OrderRequest[1]/OrderRequestHeader[1]';

    it('a customer missing where the mapping says it is (GW-MAP-6201)', async () => {
      const header = HEADER.replace('<BillTo><Address addressID="19827"/></BillTo>', '');
      expect(errorsOf(await read(readCxml, orderRequest(header, ITEM), BRIGHTLINE))).to.deep.equal([
        { code: 'GW-MAP-6201', params: { field: 'customerId (BillTo/Address@addressID)', at: HEADER_AT } },
      ]);
    });

    it('a date that is not ISO 8601 with offset nor in the mapping formats (GW-MAP-6202)', async () => {
      const header = HEADER.replace('2026-11-02T10:00:00-08:00', '11/02/2026');
      expect(errorsOf(await read(readCxml, orderRequest(header, ITEM), BRIGHTLINE))).to.deep.equal([
        { code: 'GW-MAP-6202', params: { field: 'orderDate', value: '11/02/2026', formats: 'YYYY-MM-DDThh:mm:ss±hh:mm or YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ', at: HEADER_AT } },
      ]);
    });

    it("a unit price with a comma when the mapping's separator is '.' (GW-MAP-6203)", async () => {
      const item =
        '      <ItemOut quantity="10" lineNumber="1"><ItemID><SupplierPartID>D6701Z/A</SupplierPartID></ItemID>\n' +
        '        <ItemDetail><UnitPrice><Money currency="USD">25,00</Money></UnitPrice></ItemDetail></ItemOut>';
      expect(errorsOf(await read(readCxml, orderRequest(HEADER, item), BRIGHTLINE))).to.deep.equal([
        {
          code: 'GW-MAP-6203',
          params: { field: 'unitPrice', value: '25,00', at: 'test.xml, line 7, column 32, /cXML/Request[1]/OrderRequest[1]/ItemOut[1]/ItemDetail[1]/UnitPrice[1]/Money[1]' },
        },
      ]);
    });

    it('a quantity that is not a whole number (GW-MAP-6203)', async () => {
      const errors = errorsOf(await read(readCxml, orderRequest(HEADER, ITEM.replace('quantity="1"', 'quantity="1.5"')), BRIGHTLINE));
      expect(errors.map((e) => [e.code, e.params!.field, e.params!.value])).to.deep.equal([['GW-MAP-6203', 'quantity', '1.5']]);
    });

    it('a ship notice item whose quantity disagrees with its serials (GW-MAP-6205)', async () => {
      const text = sample('brightline-cxml-shipnotice.xml').toString('utf8').replace('<ShipNoticeItem quantity="2"', '<ShipNoticeItem quantity="3"');
      const errors = errorsOf(await read(readCxml, Buffer.from(text), BRIGHTLINE));
      expect(errors.map((e) => [e.code, e.params!.detail, e.params!.at])).to.deep.equal([
        ['GW-MAP-6205', 'the item has 2 serial numbers', `test.xml, line 29, column 9, ${PORTION}/ShipNoticeItem[1]`],
      ]);
    });

    it('an AssetInfo without a serial number (GW-MAP-6201)', async () => {
      const text = sample('brightline-cxml-shipnotice.xml').toString('utf8').replace('serialNumber="DMPXNW000002" ', '');
      expect(errorsOf(await read(readCxml, Buffer.from(text), BRIGHTLINE))).to.deep.equal([
        { code: 'GW-MAP-6201', params: { field: 'serial', at: `test.xml, line 33, column 11, ${PORTION}/ShipNoticeItem[1]/AssetInfo[2]` } },
      ]);
    });

    it('a request the gateway does not read, and a Response (GW-XML-6303)', async () => {
      const xml = Buffer.from(
        '<cXML payloadID="p" timestamp="2026-11-02T10:00:00-08:00">\n  <Request>\n    <ConfirmationRequest/>\n  </Request>\n  <Response/>\n</cXML>',
      );
      expect(errorsOf(await read(readCxml, xml, BRIGHTLINE))).to.deep.equal([
        { code: 'GW-XML-6303', params: { detail: 'element <ConfirmationRequest> is not expected in /cXML/Request[1]', at: 'test.xml, line 3, column 5, /cXML/Request[1]/ConfirmationRequest[1]' } },
        { code: 'GW-XML-6303', params: { detail: 'element <Response> is not expected in /cXML', at: 'test.xml, line 5, column 3, /cXML/Response[1]' } },
      ]);
    });

    it('a mapping of another format (GW-DOC-6005)', async () => {
      expect(await read(readCxml, sample('brightline-cxml-order.xml'), 'harbour-xml')).to.deep.equal([
        { type: 'error', error: { code: 'GW-DOC-6005', params: { detail: 'mapping harbour-xml is not a cxml mapping with an xml section' } } },
      ]);
    });

    it('a mapping without its cxml section (GW-DOC-6005)', async () => {
      const m = withXml(BRIGHTLINE, {});
      delete m.xml!.cxml;
      expect(errorsOf(await read(readCxml, orderRequest(HEADER, ITEM), m)).map((e) => e.code)).to.deep.equal(['GW-DOC-6005']);
    });
  });

  it('multiplies unit price by quantity exactly, at the price scale', () => {
    expect(lineTotal('25.00', 10)).to.equal('250.00');
    expect(lineTotal('0.10', 3)).to.equal('0.30');
    expect(lineTotal('10000', 1)).to.equal('10000');
    expect(lineTotal('99999999.999999', 1000000)).to.equal('99999999999999.000000');
    expect(lineTotal('0.000001', 999999)).to.equal('0.999999');
  });

  it('a control character in element text, written or as a reference, is refused (GW-DOC-6013) at its line and column', async () => {
    for (const [part, char] of [
      ['MW6F3LL\u0000/A', 'U+0000'],
      ['MW6F3LL&#x8;/A', 'U+0008'],
    ] as const) {
      const bytes = orderRequest(HEADER, ITEM.replace('MW6F3LL/A', part));
      const lines = bytes.toString('utf8').split('\n');
      const line = lines.findIndex((l) => l.includes(part));
      const column = lines[line]!.indexOf(part) + 'MW6F3LL'.length + 1;
      for (const input of [bytes, chunks(bytes, 1)]) {
        const items = await read(readCxml, input, BRIGHTLINE, 'order.xml');
        expect(documentsOf(items)).to.have.length(0);
        expect(errorsOf(items)).to.deep.equal([{ code: 'GW-DOC-6013', params: { char, at: `order.xml, line ${line + 1}, column ${column}, /cXML/Request[1]/OrderRequest[1]` } }]);
      }
    }
  });
});
