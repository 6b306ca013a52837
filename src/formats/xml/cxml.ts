// cXML (1.2.0xx) OrderRequest and ShipNoticeRequest, as resellers' procurement systems
// send them. Only what the gateway needs is read; cXML's many other optional elements
// (Shipping, Tax, Comments, Contact, ...) are left alone, and the Header (credentials)
// is skipped: the partner is known from the channel, not from the file.
//
//   <cXML payloadID=".." timestamp="..">
//     <Header>...</Header>                                             skipped
//     <Request>
//       <OrderRequest>                                                 -> one PurchaseOrder
//         <OrderRequestHeader orderID= orderDate= type="new|update|delete">
//           customer and PO number: where the mapping's cxml section says
//         <ItemOut quantity= lineNumber=>
//           <ItemID><SupplierPartID>part</SupplierPartID></ItemID>
//           <ItemDetail><UnitPrice><Money currency=>unit price</Money></UnitPrice></ItemDetail>
//       <ShipNoticeRequest>                                            -> one ShipNotice per portion
//         <ShipNoticeHeader shipmentID= shipmentDate=>
//         <ShipNoticePortion>
//           <OrderReference orderID=>
//           <ShipNoticeItem quantity=>  ItemID/SupplierPartID, and the serials:
//             <AssetInfo serialNumber= tagNumber=/>...                    (serials "assetInfo")
//             <SerialNumberInfo><SerialNumber>..</SerialNumber>...        (serials "serialNumberInfo")
//
// Volume credit lines (a part in the mapping's parts.credit) carry amount = quantity x
// unit price, computed exactly with decimal.js at the unit price's scale.
// A ShipNoticeItem without serial numbers is not a device (cables, services): it is passed over.
import DecimalModule from 'decimal.js';
import type { PurchaseOrderLine, ShippedDevice } from '../../model/documents.js';
import { familyForPart, isCreditPart } from '../../mapping/values.js';
import type { DocumentReader, ReadContext } from '../types.js';
import { attributeValue, childrenNamed, elementAt, firstChild, textValue, type XmlElement } from './element.js';
import type { DateNotation, Problems } from './fields.js';
import { isoOffsetToUtc } from './iso-date.js';
import { evaluateLocation, parseLocation, type Location } from './location.js';
import { DEFAULT_CXML_ORDER_TYPES, type CxmlFieldLocations, type XmlMappingSection } from './mapping-section.js';
import { readXml, type MappedDocument, type XmlFormat } from './reader.js';
import type { EnvelopeRole } from './stream.js';
import { DOCUMENT_LIMITS } from '../../model/limits.js';

export const CXML_ROOT = 'cXML';

/** cXML's dates: ISO 8601 with an offset. */
const CXML_DATE: DateNotation = { name: 'YYYY-MM-DDThh:mm:ss±hh:mm', parse: isoOffsetToUtc };

// decimal.js's typings are CommonJS-shaped, while Node loads its ES module, whose default
// export is the Decimal class itself: say so to the compiler.
const Decimal = DecimalModule as unknown as typeof DecimalModule.Decimal;
/** Enough digits that quantity x unit price is never rounded (15 + 6 digits, times 10^6). */
const ExactDecimal = Decimal.clone({ precision: 64 });

const SUPPLIER_PART = fixedLocation('ItemID/SupplierPartID');
const UNIT_PRICE = fixedLocation('ItemDetail/UnitPrice/Money');

function fixedLocation(text: string): Location {
  const location = parseLocation(text);
  if (!location) throw new Error(`bad built-in location ${text}`);
  return location;
}

const CXML: XmlFormat = {
  format: 'cxml',
  doctype: 'cxml',
  classify(ancestors: readonly string[], name: string): EnvelopeRole {
    if (ancestors.length === 0) return name === CXML_ROOT ? 'container' : 'unexpected';
    if (ancestors.length === 1) return name === 'Header' ? 'skip' : name === 'Request' ? 'container' : 'unexpected';
    return name === 'OrderRequest' || name === 'ShipNoticeRequest' ? 'document' : 'unexpected';
  },
  container: () => [],
  map(el: XmlElement, problems: Problems, section: XmlMappingSection, ctx: ReadContext): MappedDocument[] {
    const locations = section.cxml;
    if (!locations) {
      problems.add('GW-DOC-6005', el, { detail: `mapping ${ctx.mapping.id} has no xml.cxml section` });
      return [];
    }
    if (el.name === 'OrderRequest') {
      const order = orderRequest(el, problems, section, locations, ctx);
      return order ? [order] : [];
    }
    return shipNoticeRequest(el, problems, locations, ctx);
  },
};

function orderRequest(
  el: XmlElement,
  p: Problems,
  section: XmlMappingSection,
  locations: CxmlFieldLocations,
  ctx: ReadContext,
): MappedDocument | undefined {
  const header = firstChild(el, 'OrderRequestHeader');
  if (!header) {
    p.add('GW-MAP-6201', el, { field: 'OrderRequestHeader' });
    return undefined;
  }
  const orderNumber = p.text(header, 'orderNumber', attributeValue(header, 'orderID'), true);
  // The cXML DTD's default type is "new".
  const orderType = p.orderType(header, attributeValue(header, 'type') ?? 'new', section.orderTypes ?? DEFAULT_CXML_ORDER_TYPES);
  const orderDate = p.date(header, 'orderDate', attributeValue(header, 'orderDate'), CXML_DATE);
  const customerId = located(p, header, 'customerId', locations.customerId, true);
  const poNumber = locations.poNumber ? located(p, header, 'poNumber', locations.poNumber, false) : undefined;

  const items = childrenNamed(el, 'ItemOut');
  if (items.length > DOCUMENT_LIMITS.linesPerPurchaseOrder) {
    p.add('GW-DOC-6009', el, { detail: `more than ${DOCUMENT_LIMITS.linesPerPurchaseOrder} ItemOut lines in one order` });
    return undefined;
  }
  const lines: PurchaseOrderLine[] = [];
  items.forEach((item, index) => {
    const line = itemOut(item, index, p, section, ctx);
    if (line) lines.push(line);
  });
  if (p.found || !orderNumber || !orderType || !orderDate || !customerId) return undefined;
  return {
    type: 'purchaseOrder',
    at: p.at(el),
    doc: { orderNumber, orderType, orderDate, customerId, ...(poNumber ? { poNumber } : {}), lines },
  };
}

function itemOut(item: XmlElement, index: number, p: Problems, section: XmlMappingSection, ctx: ReadContext): PurchaseOrderLine | undefined {
  const lineNumber = p.text(item, 'lineNumber', attributeValue(item, 'lineNumber') ?? String(index + 1), true);
  const quantity = p.quantity(item, attributeValue(item, 'quantity'));
  const part = evaluateLocation(SUPPLIER_PART, item);
  const partNumber = p.text(part?.element ?? item, 'partNumber', part?.value, true);
  if (isCreditPart(ctx.mapping, partNumber)) {
    const price = evaluateLocation(UNIT_PRICE, item);
    const money = price?.element ?? item;
    const unitPrice = p.decimal(money, 'unitPrice', price?.value, section.decimalSeparator);
    const currency = p.currency(money, price ? attributeValue(price.element, 'currency') : undefined);
    if (!lineNumber || !partNumber || !quantity || !unitPrice || !currency) return undefined;
    return { type: 'credit', lineNumber, partNumber, amount: lineTotal(unitPrice, quantity), currency, quantity };
  }
  const family = familyForPart(ctx.mapping, partNumber);
  if (!lineNumber || !partNumber || !quantity) return undefined;
  return { type: 'device', lineNumber, partNumber, quantity, ...(family ? { deviceFamily: family } : {}) };
}

/** quantity x unit price, exactly, written at the unit price's scale ("25.00" x 10 = "250.00"). */
export function lineTotal(unitPrice: string, quantity: number): string {
  const scale = unitPrice.split('.')[1]?.length ?? 0;
  return new ExactDecimal(unitPrice).mul(quantity).toFixed(scale);
}

function shipNoticeRequest(el: XmlElement, p: Problems, locations: CxmlFieldLocations, ctx: ReadContext): MappedDocument[] {
  const header = firstChild(el, 'ShipNoticeHeader');
  if (!header) {
    p.add('GW-MAP-6201', el, { field: 'ShipNoticeHeader' });
    return [];
  }
  const operation = attributeValue(header, 'operation');
  if (operation !== undefined && operation !== 'new') {
    p.add('GW-MAP-6205', header, { field: 'operation', value: operation, detail: 'only new ship notices are read' });
  }
  const deliveryNumber = p.text(header, 'deliveryNumber', attributeValue(header, 'shipmentID'), true);
  const shipDate = p.date(header, 'shipDate', attributeValue(header, 'shipmentDate'), CXML_DATE);
  const portions = childrenNamed(el, 'ShipNoticePortion');
  if (portions.length === 0) p.add('GW-MAP-6201', el, { field: 'ShipNoticePortion' });
  const notices: MappedDocument[] = [];
  for (const portion of portions) {
    const reference = firstChild(portion, 'OrderReference');
    const orderNumber = p.text(reference ?? portion, 'orderNumber', reference ? attributeValue(reference, 'orderID') : undefined, true);
    const devices = portionDevices(portion, p, locations, ctx);
    if (p.found || !deliveryNumber || !shipDate || !orderNumber || !devices) continue;
    notices.push({ type: 'shipNotice', at: p.at(portion), doc: { deliveryNumber, shipDate, orderNumber, devices } });
  }
  return p.found ? [] : notices;
}

function portionDevices(portion: XmlElement, p: Problems, locations: CxmlFieldLocations, ctx: ReadContext): ShippedDevice[] | undefined {
  const devices: ShippedDevice[] = [];
  for (const item of childrenNamed(portion, 'ShipNoticeItem')) {
    const part = evaluateLocation(SUPPLIER_PART, item);
    const partNumber = p.text(part?.element ?? item, 'partNumber', part?.value, false);
    const family = familyForPart(ctx.mapping, partNumber);
    const serialElements = locations.serials === 'assetInfo' ? childrenNamed(item, 'AssetInfo') : serialNumberElements(item);
    if (serialElements.length === 0) continue;
    if (isCreditPart(ctx.mapping, partNumber)) {
      p.add('GW-MAP-6205', item, { field: 'partNumber', value: partNumber ?? '', detail: 'volume credit is ordered on a purchase order, not shipped' });
      continue;
    }
    const quantity = attributeValue(item, 'quantity');
    if (quantity !== undefined && /^\d+(\.0+)?$/.test(quantity) && Number.parseInt(quantity, 10) !== serialElements.length) {
      p.add('GW-MAP-6205', item, { field: 'quantity', value: quantity, detail: `the item has ${serialElements.length} serial numbers` });
    }
    for (const s of serialElements) {
      const assetInfo = locations.serials === 'assetInfo';
      const serial = p.text(s, 'serial', assetInfo ? attributeValue(s, 'serialNumber') : textValue(s), true);
      const assetTag = assetInfo ? p.text(s, 'assetTag', attributeValue(s, 'tagNumber'), false) : undefined;
      if (!serial) continue;
      const device: ShippedDevice = { serial, at: elementAt(s) };
      if (assetTag) device.assetTag = assetTag;
      if (family) device.deviceFamily = family;
      if (partNumber) device.partNumber = partNumber;
      devices.push(device);
    }
    if (devices.length > DOCUMENT_LIMITS.devicesPerShipNotice) {
      p.add('GW-DOC-6009', portion, { detail: `more than ${DOCUMENT_LIMITS.devicesPerShipNotice} devices in one ship notice portion` });
      return undefined;
    }
  }
  if (devices.length === 0 && !p.found) p.add('GW-MAP-6201', portion, { field: 'serial' });
  return devices;
}

/** Every SerialNumber of every SerialNumberInfo of an item. */
function serialNumberElements(item: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const info of item.children) {
    if (info.name === 'SerialNumberInfo') out.push(...childrenNamed(info, 'SerialNumber'));
  }
  return out;
}

/** A mapping-located value: a field problem at the element it names, or at `from` when nothing is there. */
function located(p: Problems, from: XmlElement, field: 'customerId' | 'poNumber', locationText: string, required: boolean): string | undefined {
  const location = parseLocation(locationText);
  if (!location) {
    p.add('GW-DOC-6005', from, { detail: `the mapping's location for ${field} (${locationText}) is not valid` });
    return undefined;
  }
  const hit = evaluateLocation(location, from);
  if (!hit && required) {
    p.add('GW-MAP-6201', from, { field: `${field} (${locationText})` });
    return undefined;
  }
  return hit ? p.text(hit.element, field, hit.value, required) : undefined;
}

/** Reads cXML OrderRequest and ShipNoticeRequest documents (see the top of this file). */
export const readCxml: DocumentReader = (input, ctx) => readXml(input, ctx, CXML);
