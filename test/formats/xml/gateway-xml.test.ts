import { expect } from 'chai';
import { readGatewayXml } from '../../../src/formats/xml/gateway-xml.js';
import { type PurchaseOrder, type ShipNotice } from '../../../src/model/documents.js';
import { chunks, documentsOf, errorsOf, fixture, randomChunks, read, sample, withXml } from './support.js';
import { DOCUMENT_LIMITS, INTAKE_LIMITS } from '../../../src/model/limits.js';

const HARBOUR = 'harbour-xml';

const HARBOUR_ORDER: PurchaseOrder = {
  orderNumber: 'HB-2026-0042',
  orderType: 'OR',
  orderDate: '2026-11-02T00:00:00Z',
  customerId: '30411',
  poNumber: 'FAB-PO-889',
  lines: [
    { type: 'device', lineNumber: '1', partNumber: 'MW6F3J/A', quantity: 2, deviceFamily: 'iPad' },
    { type: 'device', lineNumber: '2', partNumber: 'MX2E3J/A', quantity: 1, deviceFamily: 'Mac' },
    { type: 'credit', lineNumber: '3', partNumber: 'D6701Z/A', amount: '10000', currency: 'JPY', quantity: 1 },
  ],
};

const HARBOUR_SHIPMENT: ShipNotice = {
  deliveryNumber: 'HB-D-0042-1',
  shipDate: '2026-11-03T00:00:00Z',
  orderNumber: 'HB-2026-0042',
  devices: [
    { serial: 'HBXA00000001', assetTag: 'FAB-0001', deviceFamily: 'iPad', partNumber: 'MW6F3J/A', at: 'line 12, column 5, /GatewayDocuments/ShipNotice[1]/Device[1]' },
    { serial: 'HBXA00000002', assetTag: 'FAB-0002', deviceFamily: 'iPad', partNumber: 'MW6F3J/A', at: 'line 13, column 5, /GatewayDocuments/ShipNotice[1]/Device[2]' },
    { serial: 'HBMC00000003', assetTag: 'FAB-0003', deviceFamily: 'Mac', partNumber: 'MX2E3J/A', at: 'line 14, column 5, /GatewayDocuments/ShipNotice[1]/Device[3]' },
  ],
};

const HARBOUR_ITEMS = [
  { type: 'purchaseOrder', at: 'harbour-orders.xml, line 6, column 3, /GatewayDocuments/PurchaseOrder[1]', doc: HARBOUR_ORDER },
  { type: 'shipNotice', at: 'harbour-orders.xml, line 11, column 3, /GatewayDocuments/ShipNotice[1]', doc: HARBOUR_SHIPMENT },
];

/** Only the XML around the documents changes from test to test. */
function gatewayXml(body: string): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<GatewayDocuments xmlns="urn:abm-edi-gateway:documents:1">\n${body}\n</GatewayDocuments>\n`);
}

describe('gateway XML reader', () => {
  describe('the Harbour IT sample', () => {
    it('reads one order with a yen credit line and one ship notice of three devices', async () => {
      const items = await read(readGatewayXml, sample('harbour-orders.xml'), HARBOUR, 'harbour-orders.xml');
      expect(items).to.deep.equal(HARBOUR_ITEMS);
    });

    it('reads the same from 1-byte chunks', async () => {
      const items = await read(readGatewayXml, chunks(sample('harbour-orders.xml'), 1), HARBOUR, 'harbour-orders.xml');
      expect(items).to.deep.equal(HARBOUR_ITEMS);
    });

    it('reads the same from chunks of random sizes', async () => {
      for (let seed = 1; seed <= 40; seed++) {
        const items = await read(readGatewayXml, randomChunks(sample('harbour-orders.xml'), seed), HARBOUR, 'harbour-orders.xml');
        expect(items, `seed ${seed}`).to.deep.equal(HARBOUR_ITEMS);
      }
    });

    it('reads the same with a byte-order mark and CRLF line ends', async () => {
      const crlf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(sample('harbour-orders.xml').toString('utf8').replace(/\n/g, '\r\n'))]);
      const items = await read(readGatewayXml, crlf, HARBOUR, 'harbour-orders.xml');
      expect(items).to.deep.equal(HARBOUR_ITEMS);
    });
  });

  describe('refuses what could attack the parser, before building anything', () => {
    it('a DOCTYPE (GW-XML-6302), naming its line and column', async () => {
      const items = await read(readGatewayXml, fixture('doctype.xml'), HARBOUR, 'doctype.xml');
      expect(items).to.have.length(1);
      expect(errorsOf(items)[0]).to.deep.include({ code: 'GW-XML-6302' });
      expect(errorsOf(items)[0]!.params!.at).to.equal('doctype.xml, line 2, column 1');
    });

    it('an internal subset declaring entities (billion laughs)', async () => {
      for (const input of [fixture('billion-laughs.xml'), chunks(fixture('billion-laughs.xml'), 1)]) {
        const items = await read(readGatewayXml, input, HARBOUR, 'billion-laughs.xml');
        expect(items).to.have.length(1);
        expect(errorsOf(items)[0]).to.deep.equal({
          code: 'GW-XML-6302',
          params: { detail: 'a DOCTYPE is refused in this format', at: 'billion-laughs.xml, line 2, column 1' },
        });
      }
    });

    it('an ENTITY declaration outside a DOCTYPE', async () => {
      const items = await read(readGatewayXml, gatewayXml('  <!ENTITY x "y">'), HARBOUR);
      expect(errorsOf(items)).to.deep.equal([
        { code: 'GW-XML-6302', params: { detail: 'entity and markup declarations are refused', at: 'test.xml, line 3, column 3, /GatewayDocuments' } },
      ]);
    });

    it('an undeclared entity (GW-XML-6301) where it is used', async () => {
      const text = fixture('undeclared-entity.xml').toString('utf8');
      const line5 = text.split('\n')[4]!;
      const items = await read(readGatewayXml, fixture('undeclared-entity.xml'), HARBOUR, 'undeclared-entity.xml');
      expect(documentsOf(items)).to.have.length(0);
      const [e] = errorsOf(items);
      expect(e!.code).to.equal('GW-XML-6301');
      expect(e!.params!.at).to.equal(`undeclared-entity.xml, line 5, column ${line5.indexOf('&nbsp;') + '&nbsp;'.length}, /GatewayDocuments/ShipNotice[1]`);
      expect(e!.params!.detail).to.match(/unknown entity/);
    });

    it('a declared encoding other than UTF-8', async () => {
      const items = await read(readGatewayXml, Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?>\n<GatewayDocuments/>'), HARBOUR);
      expect(errorsOf(items)).to.deep.equal([
        { code: 'GW-XML-6303', params: { detail: 'the file declares encoding ISO-8859-1: send UTF-8', at: 'test.xml, line 1, column 1' } },
      ]);
    });
  });

  describe('refuses XML that is not well-formed (GW-XML-6301)', () => {
    it('a truncated file, at its end', async () => {
      const items = await read(readGatewayXml, fixture('truncated.xml'), HARBOUR, 'truncated.xml');
      expect(items).to.deep.equal([
        {
          type: 'error',
          error: { code: 'GW-XML-6301', params: { detail: 'the file ends before every element is closed', at: 'truncated.xml, line 6, column 1, /GatewayDocuments/ShipNotice[1]' } },
        },
      ]);
    });

    it('a mismatched closing tag', async () => {
      const items = await read(readGatewayXml, gatewayXml('  <ShipNotice deliveryNumber="D" shipDate="2026-11-03" orderNumber="O">\n  </PurchaseOrder>'), HARBOUR);
      expect(errorsOf(items)).to.have.length(1);
      expect(errorsOf(items)[0]).to.deep.include({ code: 'GW-XML-6301' });
      expect(errorsOf(items)[0]!.params!.at).to.match(/^test\.xml, line 4, column \d+, \/GatewayDocuments\/ShipNotice\[1\]$/);
    });

    it('a second root element', async () => {
      const items = await read(readGatewayXml, Buffer.from('<GatewayDocuments/>\n<GatewayDocuments/>'), HARBOUR);
      expect(errorsOf(items)).to.deep.equal([{ code: 'GW-XML-6301', params: { detail: 'a second root element <GatewayDocuments>', at: 'test.xml, line 2, column 1' } }]);
    });

    it('an attribute written twice', async () => {
      const items = await read(readGatewayXml, gatewayXml('  <ShipNotice deliveryNumber="D" deliveryNumber="E"/>'), HARBOUR);
      expect(errorsOf(items)).to.deep.equal([
        { code: 'GW-XML-6301', params: { detail: 'attribute deliveryNumber appears twice', at: 'test.xml, line 3, column 3, /GatewayDocuments' } },
      ]);
    });
  });

  it('refuses invalid UTF-8 (GW-DOC-6001), naming its line', async () => {
    const good = sample('harbour-orders.xml');
    const at = good.indexOf('HBXA00000002');
    const bad = Buffer.concat([good.subarray(0, at), Buffer.from([0xc3, 0x28]), good.subarray(at + 2)]);
    for (const input of [bad, chunks(bad, 1), chunks(bad, 7)]) {
      const items = await read(readGatewayXml, input, HARBOUR, 'harbour-orders.xml');
      const errors = errorsOf(items);
      expect(errors).to.have.length(1);
      expect(errors[0]!.code).to.equal('GW-DOC-6001');
      expect(errors[0]!.params!.at).to.match(/^harbour-orders\.xml, line 13\b/);
    }
  });

  describe('field errors name the element, and reading goes on', () => {
    it('an impossible date (GW-MAP-6202)', async () => {
      const items = await read(readGatewayXml, fixture('bad-date.xml'), HARBOUR, 'bad-date.xml');
      expect(items).to.deep.equal([
        {
          type: 'error',
          error: {
            code: 'GW-MAP-6202',
            params: { field: 'orderDate', value: '2026-02-30', formats: 'YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ', at: 'bad-date.xml, line 3, column 3, /GatewayDocuments/PurchaseOrder[1]' },
          },
        },
      ]);
    });

    it('unknown elements (GW-XML-6303), inside a document and between documents', async () => {
      const items = await read(readGatewayXml, fixture('unknown-element.xml'), HARBOUR, 'unknown-element.xml');
      expect(items).to.deep.equal([
        {
          type: 'error',
          error: { code: 'GW-XML-6303', params: { detail: 'element <Discount> is not part of <PurchaseOrder>', at: 'unknown-element.xml, line 5, column 5, /GatewayDocuments/PurchaseOrder[1]/Discount[1]' } },
        },
        {
          type: 'error',
          error: { code: 'GW-XML-6303', params: { detail: 'element <Invoice> is not expected in /GatewayDocuments', at: 'unknown-element.xml, line 7, column 3, /GatewayDocuments/Invoice[1]' } },
        },
      ]);
    });

    it('unknown attributes, a foreign namespace and stray text (GW-XML-6303)', async () => {
      const xml = Buffer.from(
        '<GatewayDocuments xmlns="urn:example:other">\n' +
          '  <ShipNotice deliveryNumber="D" shipDate="2026-11-03" orderNumber="O" carrier="UPS">\n' +
          '    <Device serial="HBXA00000001" colour="blue"/>\n' +
          '  </ShipNotice>\n' +
          '  stray\n' +
          '</GatewayDocuments>\n',
      );
      const errors = errorsOf(await read(readGatewayXml, xml, HARBOUR));
      expect(errors.map((e) => [e.code, e.params!.detail, e.params!.at])).to.deep.equal([
        ['GW-XML-6303', 'namespace urn:example:other is not urn:abm-edi-gateway:documents:1', 'test.xml, line 1, column 1, /GatewayDocuments'],
        ['GW-XML-6303', 'attribute carrier is not part of <ShipNotice>', 'test.xml, line 2, column 3, /GatewayDocuments/ShipNotice[1]'],
        ['GW-XML-6303', 'attribute colour is not part of <Device>', 'test.xml, line 3, column 5, /GatewayDocuments/ShipNotice[1]/Device[1]'],
        ['GW-XML-6303', 'text "stray" is not expected in /GatewayDocuments', 'test.xml, line 5, column 3, /GatewayDocuments'],
      ]);
    });

    it('a device without a serial (GW-MAP-6201), at /GatewayDocuments/ShipNotice[2]/Device[5]', async () => {
      const items = await read(readGatewayXml, fixture('missing-serial.xml'), HARBOUR, 'missing-serial.xml');
      expect(errorsOf(items)).to.deep.equal([
        { code: 'GW-MAP-6201', params: { field: 'serial', at: 'missing-serial.xml, line 11, column 9, /GatewayDocuments/ShipNotice[2]/Device[5]' } },
      ]);
    });

    it('a quantity that is not a number (GW-MAP-6203)', async () => {
      const items = await read(readGatewayXml, fixture('bad-quantity.xml'), HARBOUR, 'bad-quantity.xml');
      expect(items).to.deep.equal([
        {
          type: 'error',
          error: { code: 'GW-MAP-6203', params: { field: 'quantity', value: 'two', at: 'bad-quantity.xml, line 4, column 5, /GatewayDocuments/PurchaseOrder[1]/Line[1]' } },
        },
      ]);
    });

    it("an amount with a comma when the mapping's separator is '.' (GW-MAP-6203)", async () => {
      const items = await read(readGatewayXml, fixture('comma-amount.xml'), HARBOUR, 'comma-amount.xml');
      expect(items).to.deep.equal([
        {
          type: 'error',
          error: { code: 'GW-MAP-6203', params: { field: 'amount', value: '10000,50', at: 'comma-amount.xml, line 4, column 5, /GatewayDocuments/PurchaseOrder[1]/Line[1]' } },
        },
      ]);
    });

    it('reads a comma amount when the mapping says so, as an exact string', async () => {
      const items = await read(readGatewayXml, fixture('comma-amount.xml'), withXml(HARBOUR, { decimalSeparator: ',' }));
      const order = documentsOf(items)[0] as { doc: PurchaseOrder };
      expect(order.doc.lines).to.deep.equal([{ type: 'credit', lineNumber: '1', partNumber: 'D6701Z/A', amount: '10000.50', currency: 'JPY', quantity: 1 }]);
    });

    it('field rules: missing, too long, credit without currency, amount on a device line, bad family', async () => {
      const xml = gatewayXml(
        [
          `  <PurchaseOrder orderNumber="${'N'.repeat(33)}" orderType="XX" orderDate="2026-11-02">`,
          '    <Line partNumber="D6701Z/A" quantity="1" amount="5"/>',
          '    <Line partNumber="MW6F3J/A" quantity="1" amount="5" currency="JPY" deviceFamily="Toaster"/>',
          '  </PurchaseOrder>',
        ].join('\n'),
      );
      const errors = errorsOf(await read(readGatewayXml, xml, HARBOUR));
      expect(errors.map((e) => [e.code, e.params!.field, e.params!.at])).to.deep.equal([
        ['GW-MAP-6204', 'orderNumber', 'test.xml, line 3, column 3, /GatewayDocuments/PurchaseOrder[1]'],
        ['GW-MAP-6205', 'orderType', 'test.xml, line 3, column 3, /GatewayDocuments/PurchaseOrder[1]'],
        ['GW-MAP-6201', 'customerId', 'test.xml, line 3, column 3, /GatewayDocuments/PurchaseOrder[1]'],
        ['GW-MAP-6201', 'currency', 'test.xml, line 4, column 5, /GatewayDocuments/PurchaseOrder[1]/Line[1]'],
        ['GW-MAP-6205', 'amount', 'test.xml, line 5, column 5, /GatewayDocuments/PurchaseOrder[1]/Line[2]'],
        ['GW-MAP-6205', 'deviceFamily', 'test.xml, line 5, column 5, /GatewayDocuments/PurchaseOrder[1]/Line[2]'],
      ]);
    });

    it('translates order types through the mapping', async () => {
      const xml = gatewayXml('  <PurchaseOrder orderNumber="N1" orderType="NEW" orderDate="2026-11-02" customerId="30411"/>');
      const items = await read(readGatewayXml, xml, withXml(HARBOUR, { orderTypes: { NEW: 'OR' } }));
      expect((documentsOf(items)[0] as { doc: PurchaseOrder }).doc.orderType).to.equal('OR');
    });

    it('stops after maxErrors with GW-DOC-6008', async () => {
      const devices = Array.from({ length: 10 }, () => '    <Device/>').join('\n');
      const xml = gatewayXml(`  <ShipNotice deliveryNumber="D" shipDate="2026-11-03" orderNumber="O">\n${devices}\n  </ShipNotice>`);
      const errors = errorsOf(await read(readGatewayXml, xml, HARBOUR, 'test.xml', 3));
      expect(errors.map((e) => e.code)).to.deep.equal(['GW-MAP-6201', 'GW-MAP-6201', 'GW-MAP-6201', 'GW-DOC-6008']);
    });
  });

  describe('limits (GW-DOC-6009)', () => {
    it(`more than ${DOCUMENT_LIMITS.devicesPerShipNotice} devices in one ship notice`, async function () {
      this.timeout(60_000);
      const devices = Array.from({ length: DOCUMENT_LIMITS.devicesPerShipNotice + 1 }, (_, i) => `<Device serial="S${i}"/>`).join('');
      const xml = gatewayXml(`  <ShipNotice deliveryNumber="D" shipDate="2026-11-03" orderNumber="O">${devices}</ShipNotice>`);
      expect(errorsOf(await read(readGatewayXml, xml, HARBOUR))).to.deep.equal([
        { code: 'GW-DOC-6009', params: { detail: `more than ${DOCUMENT_LIMITS.devicesPerShipNotice} devices in one ship notice`, at: 'test.xml, line 3, column 3, /GatewayDocuments/ShipNotice[1]' } },
      ]);
    });

    it(`elements nested more than ${INTAKE_LIMITS.xmlDepth} deep, and reading goes on`, async () => {
      const deep = '<a>'.repeat(INTAKE_LIMITS.xmlDepth) + '</a>'.repeat(INTAKE_LIMITS.xmlDepth);
      const xml = gatewayXml(`  <ShipNotice deliveryNumber="D" shipDate="2026-11-03" orderNumber="O">${deep}</ShipNotice>\n  <Bad/>`);
      expect(errorsOf(await read(readGatewayXml, xml, HARBOUR)).map((e) => [e.code, e.params!.detail])).to.deep.equal([
        ['GW-DOC-6009', `elements in ShipNotice are nested more than ${INTAKE_LIMITS.xmlDepth} deep`],
        ['GW-XML-6303', 'element <Bad> is not expected in /GatewayDocuments'],
      ]);
    });
  });

  it('reads markup-like text inside comments as comments', async () => {
    const xml = gatewayXml('  <!-- <!ENTITY x "y"> <!DOCTYPE z> -->\n  <ShipNotice deliveryNumber="D" shipDate="2026-11-03" orderNumber="O"><!-- <Device/> --><Device serial="S1"/></ShipNotice>');
    const items = await read(readGatewayXml, xml, HARBOUR);
    expect(errorsOf(items)).to.deep.equal([]);
    expect((documentsOf(items)[0] as { doc: ShipNotice }).doc.devices.map((d) => d.serial)).to.deep.equal(['S1']);
  });

  describe('empty files (GW-DOC-6007)', () => {
    for (const [name, text] of [
      ['no bytes', ''],
      ['whitespace and a comment', '  \n<!-- nothing -->\n'],
      ['a root without documents', '<GatewayDocuments xmlns="urn:abm-edi-gateway:documents:1"/>'],
    ] as const) {
      it(name, async () => {
        expect(await read(readGatewayXml, Buffer.from(text), HARBOUR)).to.deep.equal([{ type: 'error', error: { code: 'GW-DOC-6007' } }]);
      });
    }
  });

  it('refuses another root element', async () => {
    const errors = errorsOf(await read(readGatewayXml, sample('brightline-cxml-order.xml'), HARBOUR, 'order.xml'));
    expect(errors).to.have.length(1);
    // Its DOCTYPE is refused first: the gateway format has none.
    expect(errors[0]!.code).to.equal('GW-XML-6302');
    const noDoctype = Buffer.from('<cXML>\n</cXML>');
    expect(errorsOf(await read(readGatewayXml, noDoctype, HARBOUR))).to.deep.equal([
      { code: 'GW-XML-6303', params: { detail: "the root element <cXML> is not this format's", at: 'test.xml, line 1, column 1, /cXML' } },
    ]);
  });

  describe('characters XML 1.0 does not allow (GW-DOC-6013), named at their line and column', () => {
    const SAMPLE_TEXT = sample('harbour-orders.xml').toString('utf8');
    /** The sample with the third device's asset tag written as `tag`; `marker` is where the refused character is. */
    function withTag(tag: string): { bytes: Buffer; at: string } {
      const text = SAMPLE_TEXT.replace('assetTag="FAB-0002"', `assetTag="${tag}"`);
      const lines = text.split('\n');
      const line = lines.findIndex((l) => l.includes(`assetTag="${tag}"`));
      const column = lines[line]!.indexOf(`assetTag="${tag}"`) + 'assetTag="'.length + tag.search(/[\u0000-\u001f&\uffff]/) + 1;
      return { bytes: Buffer.from(text), at: `test.xml, line ${line + 1}, column ${column}, /GatewayDocuments/ShipNotice[1]` };
    }

    for (const [name, tag, char] of [
      ['a NUL in an attribute', 'FAB\u00000002', 'U+0000'],
      ['an ESC in an attribute', 'FAB-\u001b002', 'U+001B'],
      ['U+FFFF in an attribute', 'FAB-0\uffff02', 'U+FFFF'],
      ['the reference &#0;', 'FAB-&#0;0002', 'U+0000'],
      ['the reference &#x1F;', 'FAB-00&#x1F;02', 'U+001F'],
      ['the reference &#xFFFE;', 'FAB-&#xFFFE;', 'U+FFFE'],
    ] as const) {
      it(`${name}: refused before the ship notice is yielded, however the bytes arrive`, async () => {
        const { bytes, at } = withTag(tag);
        for (const input of [bytes, chunks(bytes, 1), randomChunks(bytes, 7)]) {
          const items = await read(readGatewayXml, input, HARBOUR);
          expect(errorsOf(items)).to.deep.equal([{ code: 'GW-DOC-6013', params: { char, at } }]);
          expect(documentsOf(items).map((d) => d.type)).to.not.include('shipNotice');
        }
      });
    }

    it('TAB, and the reference &#9;, are allowed', async () => {
      for (const tag of ['FAB\t0002', 'FAB&#9;0002']) {
        const items = await read(readGatewayXml, withTag(tag).bytes, HARBOUR);
        expect(errorsOf(items), tag).to.deep.equal([]);
      }
    });
  });
});
