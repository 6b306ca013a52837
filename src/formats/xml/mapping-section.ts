// The shape of a mapping's "xml" section (formats "xml" and "cxml"), validated by
// mappings/xml.schema.json. It says only what varies between partners: the element
// grammar of each format is fixed in code (gateway-xml.ts, cxml.ts).

/** cXML serial numbers: one device per AssetInfo (serialNumber, tagNumber) or per SerialNumberInfo/SerialNumber. */
export type CxmlSerialSource = 'assetInfo' | 'serialNumberInfo';

export interface CxmlFieldLocations {
  /**
   * Where the customer (organisation id) is, relative to OrderRequestHeader, in the small
   * location language of location.ts: "BillTo/Address@addressID",
   * "Extrinsic[@name='CustomerID']", "ShipTo/Address@addressID".
   */
  customerId: string;
  /** Where the PO number is ("@orderID", "Extrinsic[@name='PONumber']"); absent: no PO number. */
  poNumber?: string;
  serials: CxmlSerialSource;
}

export interface XmlMappingSection {
  /** Decimal separator of amounts (gateway Line@amount, cXML Money). */
  decimalSeparator: '.' | ',';
  /**
   * Partner order-type codes to canonical ones (OR, RE, VD, OV). Gateway XML: values of
   * PurchaseOrder@orderType (canonical codes pass as they are). cXML: values of
   * OrderRequestHeader@type; without a table, new -> OR, update -> OV, delete -> VD.
   */
  orderTypes?: Record<string, string>;
  /**
   * cXML only: accept `<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/<version>/<name>.dtd">`,
   * any of cXML's DTDs (cXML.dtd, Fulfill.dtd, InvoiceDetail.dtd, ...) at any version,
   * http or https, the host in any case. The DTD is never fetched; any other DOCTYPE (an
   * internal subset, a PUBLIC id, another host or path) is refused whatever this says,
   * and the gateway format refuses every DOCTYPE.
   */
  allowCxmlDoctype?: boolean;
  /** cXML only (required for format "cxml"): the field locations that vary between partners. */
  cxml?: CxmlFieldLocations;
}

/** cXML's OrderRequestHeader@type values (the DTD's default is "new"). */
export const DEFAULT_CXML_ORDER_TYPES: Readonly<Record<string, string>> = { new: 'OR', update: 'OV', delete: 'VD' };
