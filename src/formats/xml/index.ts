// XML readers: the gateway's own format and cXML, both streaming (stream.ts).
export { readGatewayXml, GATEWAY_XML_NAMESPACE } from './gateway-xml.js';
export { readCxml } from './cxml.js';
export { sniffXml } from './sniff.js';
export type { XmlMappingSection, CxmlFieldLocations, CxmlSerialSource } from './mapping-section.js';
