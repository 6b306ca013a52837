// The gateway's own XML format: the canonical documents written as XML, for partners
// that send XML but neither cXML nor X12. Every value is an attribute; an element or
// attribute not listed here is refused (GW-XML-6303), and so is any DOCTYPE.
//
//   <?xml version="1.0" encoding="UTF-8"?>                 (optional; UTF-8 only)
//   <GatewayDocuments xmlns="urn:abm-edi-gateway:documents:1">   (xmlns optional, but only this one)
//     <PurchaseOrder orderNumber="HB-2026-0042" orderType="OR" orderDate="2026-11-02"
//                    customerId="30411" poNumber="FAB-PO-889">          (poNumber optional)
//       <Line lineNumber="1" partNumber="MW6F3J/A" quantity="2" deviceFamily="iPad"/>
//       <Line lineNumber="2" partNumber="D6701Z/A" quantity="1" amount="10000" currency="JPY"/>
//     </PurchaseOrder>
//     <ShipNotice deliveryNumber="HB-D-0042-1" shipDate="2026-11-03" orderNumber="HB-2026-0042">
//       <Device serial="HBX0000000001" assetTag="FAB-0001" partNumber="MW6F3J/A" deviceFamily="iPad"/>
//     </ShipNotice>
//   </GatewayDocuments>
//
// - PurchaseOrder and ShipNotice may come in any number and order; each is one document.
// - Dates are in one of the mapping's dateFormats (converted to the protocol's UTC form).
// - orderType passes through the mapping's orderTypes table; canonical codes pass as they are.
// - Line: lineNumber defaults to the line's position; deviceFamily (optional) defaults
//   to the mapping's part-number prefixes. A line whose part number is volume credit
//   (mapping parts.credit) carries amount (the line total, in the mapping's decimal
//   notation, kept as an exact string) and currency (ISO 4217) instead of a family;
//   device lines carry neither.
// - Device: serial is required; assetTag, partNumber and deviceFamily are optional.
import type { PurchaseOrderLine, ShippedDevice } from '../../model/documents.js';
import { familyForPart, isCreditPart } from '../../mapping/values.js';
import type { DocumentError, DocumentReader, ReadContext } from '../types.js';
import { attributeValue, childrenNamed, elementAt, type XmlElement } from './element.js';
import type { Problems } from './fields.js';
import type { XmlMappingSection } from './mapping-section.js';
import { readXml, type MappedDocument, type XmlFormat } from './reader.js';
import type { ContainerElement, EnvelopeRole } from './stream.js';
import { DOCUMENT_LIMITS } from '../../model/limits.js';

export const GATEWAY_XML_NAMESPACE = 'urn:abm-edi-gateway:documents:1';
export const GATEWAY_XML_ROOT = 'GatewayDocuments';

const PURCHASE_ORDER_ATTRIBUTES = ['orderNumber', 'orderType', 'orderDate', 'customerId', 'poNumber'] as const;
const LINE_ATTRIBUTES = ['lineNumber', 'partNumber', 'quantity', 'deviceFamily', 'amount', 'currency'] as const;
const SHIP_NOTICE_ATTRIBUTES = ['deliveryNumber', 'shipDate', 'orderNumber'] as const;
const DEVICE_ATTRIBUTES = ['serial', 'assetTag', 'partNumber', 'deviceFamily'] as const;

const GATEWAY_XML: XmlFormat = {
  format: 'xml',
  doctype: 'refuse',
  classify(ancestors: readonly string[], name: string): EnvelopeRole {
    if (ancestors.length === 0) return name === GATEWAY_XML_ROOT ? 'container' : 'unexpected';
    return name === 'PurchaseOrder' || name === 'ShipNotice' ? 'document' : 'unexpected';
  },
  container(el: ContainerElement, fileName: string): DocumentError[] {
    const out: DocumentError[] = [];
    const at = `${fileName}, line ${el.position.line}, column ${el.position.column}, ${el.path}`;
    for (const [name, value] of Object.entries(el.attributes)) {
      if (name === 'xmlns' && value === GATEWAY_XML_NAMESPACE) continue;
      const detail =
        name === 'xmlns' ? `namespace ${value} is not ${GATEWAY_XML_NAMESPACE}` : `attribute ${name} is not part of <${el.name}>`;
      out.push({ code: 'GW-XML-6303', params: { at, detail } });
    }
    return out;
  },
  map(el: XmlElement, problems: Problems, section: XmlMappingSection, ctx: ReadContext): MappedDocument[] {
    const mapped = el.name === 'PurchaseOrder' ? purchaseOrder(el, problems, section, ctx) : shipNotice(el, problems, ctx);
    return mapped ? [mapped] : [];
  },
};

function purchaseOrder(el: XmlElement, p: Problems, section: XmlMappingSection, ctx: ReadContext): MappedDocument | undefined {
  p.onlyAttributes(el, PURCHASE_ORDER_ATTRIBUTES);
  p.onlyChildren(el, ['Line']);
  p.noText(el);
  const orderNumber = p.text(el, 'orderNumber', attributeValue(el, 'orderNumber'), true);
  const orderType = p.orderType(el, attributeValue(el, 'orderType'), section.orderTypes ?? {});
  const orderDate = p.date(el, 'orderDate', attributeValue(el, 'orderDate'));
  const customerId = p.text(el, 'customerId', attributeValue(el, 'customerId'), true);
  const poNumber = p.text(el, 'poNumber', attributeValue(el, 'poNumber'), false);
  const lineElements = childrenNamed(el, 'Line');
  if (lineElements.length > DOCUMENT_LIMITS.linesPerPurchaseOrder) {
    p.add('GW-DOC-6009', el, { detail: `more than ${DOCUMENT_LIMITS.linesPerPurchaseOrder} lines in one order` });
    return undefined;
  }
  const lines: PurchaseOrderLine[] = [];
  const lineNumbers = new Set<string>();
  lineElements.forEach((line, index) => {
    const mapped = orderLine(line, index, p, section, ctx);
    if (!mapped) return;
    if (lineNumbers.has(mapped.lineNumber)) {
      p.add('GW-MAP-6205', line, { field: 'lineNumber', value: mapped.lineNumber, detail: 'the order has this line number twice' });
    }
    lineNumbers.add(mapped.lineNumber);
    lines.push(mapped);
  });
  if (p.found || !orderNumber || !orderType || !orderDate || !customerId) return undefined;
  return {
    type: 'purchaseOrder',
    at: p.at(el),
    doc: { orderNumber, orderType, orderDate, customerId, ...(poNumber ? { poNumber } : {}), lines },
  };
}

function orderLine(line: XmlElement, index: number, p: Problems, section: XmlMappingSection, ctx: ReadContext): PurchaseOrderLine | undefined {
  p.onlyAttributes(line, LINE_ATTRIBUTES);
  p.onlyChildren(line, []);
  p.noText(line);
  const lineNumber = p.text(line, 'lineNumber', attributeValue(line, 'lineNumber') ?? String(index + 1), true);
  const partNumber = p.text(line, 'partNumber', attributeValue(line, 'partNumber'), true);
  const quantity = p.quantity(line, attributeValue(line, 'quantity'));
  const amountText = attributeValue(line, 'amount');
  const currencyText = attributeValue(line, 'currency');
  if (isCreditPart(ctx.mapping, partNumber)) {
    if (line.attributes.has('deviceFamily')) {
      p.add('GW-MAP-6205', line, { field: 'deviceFamily', value: attributeValue(line, 'deviceFamily') ?? '', detail: 'volume credit has no device family' });
    }
    const amount = p.decimal(line, 'amount', amountText, section.decimalSeparator);
    const currency = p.currency(line, currencyText);
    if (!lineNumber || !partNumber || !quantity || !amount || !currency) return undefined;
    return { type: 'credit', lineNumber, partNumber, amount, currency, quantity };
  }
  if (amountText !== undefined || currencyText !== undefined) {
    p.add('GW-MAP-6205', line, { field: 'amount', value: amountText ?? '', detail: 'only volume credit lines carry an amount and currency' });
  }
  const family = p.deviceFamily(line, attributeValue(line, 'deviceFamily')) ?? familyForPart(ctx.mapping, partNumber);
  if (!lineNumber || !partNumber || !quantity) return undefined;
  return { type: 'device', lineNumber, partNumber, quantity, ...(family ? { deviceFamily: family } : {}) };
}

function shipNotice(el: XmlElement, p: Problems, ctx: ReadContext): MappedDocument | undefined {
  p.onlyAttributes(el, SHIP_NOTICE_ATTRIBUTES);
  p.onlyChildren(el, ['Device']);
  p.noText(el);
  const deliveryNumber = p.text(el, 'deliveryNumber', attributeValue(el, 'deliveryNumber'), true);
  const shipDate = p.date(el, 'shipDate', attributeValue(el, 'shipDate'));
  const orderNumber = p.text(el, 'orderNumber', attributeValue(el, 'orderNumber'), true);
  const deviceElements = childrenNamed(el, 'Device');
  if (deviceElements.length > DOCUMENT_LIMITS.devicesPerShipNotice) {
    p.add('GW-DOC-6009', el, { detail: `more than ${DOCUMENT_LIMITS.devicesPerShipNotice} devices in one ship notice` });
    return undefined;
  }
  const devices: ShippedDevice[] = [];
  for (const d of deviceElements) {
    p.onlyAttributes(d, DEVICE_ATTRIBUTES);
    p.onlyChildren(d, []);
    p.noText(d);
    const serial = p.text(d, 'serial', attributeValue(d, 'serial'), true);
    const assetTag = p.text(d, 'assetTag', attributeValue(d, 'assetTag'), false);
    const partNumber = p.text(d, 'partNumber', attributeValue(d, 'partNumber'), false);
    if (isCreditPart(ctx.mapping, partNumber)) {
      p.add('GW-MAP-6205', d, { field: 'partNumber', value: partNumber ?? '', detail: 'volume credit is ordered on a purchase order, not shipped' });
      continue;
    }
    const family = p.deviceFamily(d, attributeValue(d, 'deviceFamily')) ?? familyForPart(ctx.mapping, partNumber);
    if (!serial) continue;
    const device: ShippedDevice = { serial, at: elementAt(d) };
    if (assetTag) device.assetTag = assetTag;
    if (family) device.deviceFamily = family;
    if (partNumber) device.partNumber = partNumber;
    devices.push(device);
  }
  if (p.found || !deliveryNumber || !shipDate || !orderNumber) return undefined;
  return { type: 'shipNotice', at: p.at(el), doc: { deliveryNumber, shipDate, orderNumber, devices } };
}

/** Reads the gateway's own XML format (see the top of this file). */
export const readGatewayXml: DocumentReader = (input, ctx) => readXml(input, ctx, GATEWAY_XML);
