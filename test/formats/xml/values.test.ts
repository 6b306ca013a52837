import { expect } from 'chai';
import { isoOffsetToUtc } from '../../../src/formats/xml/iso-date.js';
import { evaluateLocation, parseLocation } from '../../../src/formats/xml/location.js';
import type { XmlElement } from '../../../src/formats/xml/element.js';
import { sniffXml } from '../../../src/formats/xml/sniff.js';
import { sample } from './support.js';

describe('XML helpers', () => {
  describe('isoOffsetToUtc', () => {
    const cases: [string, string | undefined][] = [
      ['2026-11-02T10:00:00-08:00', '2026-11-02T18:00:00Z'],
      ['2026-11-02T10:00:00+09:00', '2026-11-02T01:00:00Z'],
      ['2026-11-02T10:00:00Z', '2026-11-02T10:00:00Z'],
      ['2026-11-02T10:00:00.750+05:30', '2026-11-02T04:30:00Z'],
      ['2026-12-31T23:30:00-01:00', '2027-01-01T00:30:00Z'],
      ['2028-03-01T00:15:00+01:00', '2028-02-29T23:15:00Z'],
      ['2026-02-29T10:00:00Z', undefined],
      ['2026-11-02T24:00:00Z', undefined],
      ['2026-13-02T10:00:00Z', undefined],
      ['2026-11-02T10:00:00+24:00', undefined],
      ['2026-11-02T10:00:00', undefined],
      ['2026-11-02', undefined],
      ['0099-01-01T00:00:00Z', undefined],
    ];
    for (const [input, expected] of cases) {
      it(`${input} -> ${expected ?? 'refused'}`, () => expect(isoOffsetToUtc(input)).to.equal(expected));
    }
  });

  describe('locations', () => {
    function el(name: string, attributes: Record<string, string>, children: XmlElement[] = [], text = ''): XmlElement {
      return { name, attributes: new Map(Object.entries(attributes)), text, children, path: `/${name}`, line: 1, column: 1 };
    }
    const header = el('OrderRequestHeader', { orderID: 'PO-1' }, [
      el('BillTo', {}, [el('Address', { addressID: '' }), el('Address', { addressID: '19827' })]),
      el('Extrinsic', { name: 'Other' }, [], 'x'),
      el('Extrinsic', { name: 'CustomerID' }, [], ' 30411 '),
    ]);

    it('reads attributes, descendants and predicates; the first non-blank value wins', () => {
      const value = (text: string) => evaluateLocation(parseLocation(text)!, header)?.value;
      expect(value('@orderID')).to.equal('PO-1');
      expect(value('BillTo/Address@addressID')).to.equal('19827');
      expect(value("Extrinsic[@name='CustomerID']")).to.equal('30411');
      expect(value("Extrinsic[@name='Missing']")).to.equal(undefined);
      expect(value('ShipTo/Address@addressID')).to.equal(undefined);
    });

    it('refuses what is not in the language', () => {
      for (const text of ['', '//Address', 'BillTo/', '@', 'Extrinsic[name=x]', 'a/../b', "Extrinsic[@name='x']/@y"]) {
        expect(parseLocation(text), text).to.equal(undefined);
      }
    });
  });

  describe('sniffXml', () => {
    it('tells the gateway format from cXML by the root element', () => {
      expect(sniffXml(sample('harbour-orders.xml').toString('utf8').slice(0, 400))).to.equal('xml');
      expect(sniffXml(sample('brightline-cxml-order.xml').toString('utf8').slice(0, 400))).to.equal('cxml');
      expect(sniffXml('\uFEFF<GatewayDocuments/>')).to.equal('xml');
      expect(sniffXml('<?xml version="1.0"?>\n<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.063/cXML.dtd">')).to.equal('cxml');
      expect(sniffXml('<?xml version="1.0"?>\n<Invoice/>')).to.equal(undefined);
      expect(sniffXml('ISA*00*')).to.equal(undefined);
      expect(sniffXml('')).to.equal(undefined);
    });
  });
});
