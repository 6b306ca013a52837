// Which XML format a file is, from its first bytes: the root element's name, found
// after the XML declaration, comments, processing instructions and a DOCTYPE.
import { CXML_ROOT } from './cxml.js';
import { GATEWAY_XML_ROOT } from './gateway-xml.js';
import { INTAKE_LIMITS } from '../../model/limits.js';

/** The prolog may be long (comments, a licence header); past this the file is not sniffed. */

const PROLOG_ITEM = /^(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE\s+([A-Za-z_][\w.:-]*)[^[>]*(?:\[[\s\S]*?\])?\s*>)/;
const ROOT = /^<([A-Za-z_][\w.:-]*)/;

/** "cxml" for a cXML root (or DOCTYPE), "xml" for the gateway's root, undefined otherwise. */
export function sniffXml(head: string): 'xml' | 'cxml' | undefined {
  let rest = head.slice(0, INTAKE_LIMITS.headBytes).replace(/^\uFEFF/, '');
  let doctypeName: string | undefined;
  for (;;) {
    const item = PROLOG_ITEM.exec(rest);
    if (!item) break;
    doctypeName = item[1] ?? doctypeName;
    rest = rest.slice(item[0].length);
  }
  const root = ROOT.exec(rest)?.[1] ?? (rest.startsWith('<!DOCTYPE') ? /^<!DOCTYPE\s+([A-Za-z_][\w.:-]*)/.exec(rest)?.[1] : doctypeName);
  return formatOf(root);
}

function formatOf(rootName: string | undefined): 'xml' | 'cxml' | undefined {
  if (rootName === CXML_ROOT) return 'cxml';
  if (rootName === GATEWAY_XML_ROOT) return 'xml';
  return undefined;
}
