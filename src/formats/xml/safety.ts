// What an XML file may declare before anything is built from it. DTDs are how XML
// attacks arrive: entity expansion ("billion laughs"), external entities that read local
// files or fetch URLs. The gateway never expands a declared entity and never fetches: the
// gateway format refuses every DOCTYPE, and cXML may carry only a standard external DTD
// reference (one of cXML's DTDs, any version), which is recognised by its form and then ignored.

/** How a format treats a DOCTYPE. */
export type DoctypePolicy = 'refuse' | 'cxml';

/**
 * The standard cXML DTD references: `<!DOCTYPE cXML SYSTEM "<url>">`, the only DOCTYPE ever
 * accepted. cXML publishes a DTD per group of documents (cXML.dtd, Fulfill.dtd for ship
 * notices, InvoiceDetail.dtd, Catalog.dtd, ...) under a folder per version; which one a
 * partner names changes nothing here, since none is ever fetched.
 */
const CXML_DOCTYPE = /^\s+cXML\s+SYSTEM\s+(?:"([^"]*)"|'([^']*)')\s*$/;
/** Scheme and host are case-insensitive in a URL (`xml.cXML.org`); the path is not. */
const CXML_DTD_URL = /^(https?):\/\/([^/]+)(\/.*)$/i;
const CXML_DTD_HOST = 'xml.cxml.org';
const CXML_DTD_PATH = /^\/schemas\/cXML\/\d+(?:\.\d+){1,3}\/[A-Za-z][A-Za-z0-9]*\.dtd$/;

/** Whether a DOCTYPE body is `cXML SYSTEM` naming one of cXML's DTDs on its own host. */
function isCxmlDoctype(body: string): boolean {
  const literal = CXML_DOCTYPE.exec(body)?.slice(1).find((v) => v !== undefined);
  if (literal === undefined) return false;
  const url = CXML_DTD_URL.exec(literal);
  return url !== null && url[2]!.toLowerCase() === CXML_DTD_HOST && CXML_DTD_PATH.test(url[3]!);
}

/**
 * Markup declarations that may only appear inside a DTD. Outside one they are not
 * well-formed, and sax would swallow the rest of the file trying to read them, so they
 * are refused where they start.
 */
const DECLARATION_START = /^<!(?:ENTITY|ELEMENT|ATTLIST|NOTATION)\b/i;
const DOCTYPE_START = /^<!DOCTYPE\b/i;
/** The `<!` markup XML has besides declarations: comments and CDATA sections. */
const OTHER_BANG_MARKUP = /^<!(?:--|\[CDATA\[)/;

/** Characters of lookahead a markup start needs for the checks below ("<![CDATA[" and one more). */
export const DECLARATION_LOOKAHEAD_CHARS = 10;

export interface Refusal {
  code: 'GW-XML-6301' | 'GW-XML-6302';
  detail: string;
}

/**
 * Checks markup that starts with `<` (the text from its `<` on, at least
 * DECLARATION_LOOKAHEAD_CHARS long unless the file ends): why to refuse it, if so.
 */
export function refusedMarkup(markup: string, policy: DoctypePolicy): Refusal | undefined {
  if (!markup.startsWith('<!')) return undefined;
  if (DECLARATION_START.test(markup)) return { code: 'GW-XML-6302', detail: 'entity and markup declarations are refused' };
  if (DOCTYPE_START.test(markup)) {
    return policy === 'refuse' ? { code: 'GW-XML-6302', detail: 'a DOCTYPE is refused in this format' } : undefined;
  }
  if (OTHER_BANG_MARKUP.test(markup)) return undefined;
  return { code: 'GW-XML-6301', detail: `"${markup.slice(0, DECLARATION_LOOKAHEAD_CHARS)}" is not XML markup` };
}

/**
 * Checks a whole DOCTYPE (sax gives what follows "<!DOCTYPE" up to its closing ">"):
 * the reason to refuse it, if any.
 */
export function refusedDoctype(body: string, policy: DoctypePolicy, allowCxmlDoctype: boolean): string | undefined {
  if (policy === 'refuse') return 'a DOCTYPE is refused in this format';
  if (body.includes('[')) return 'a DOCTYPE with an internal subset is refused';
  if (!allowCxmlDoctype) return 'the mapping does not accept a DOCTYPE';
  if (!isCxmlDoctype(body)) return 'only <!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/<version>/<name>.dtd"> is accepted';
  return undefined;
}

/** Reads the encoding of an XML declaration body (`version="1.0" encoding="UTF-8"`). */
export function declaredEncoding(xmlDeclarationBody: string): string | undefined {
  return /\bencoding\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(xmlDeclarationBody)?.slice(1).find((v) => v !== undefined);
}

/** Files are decoded as UTF-8 whatever they declare; a declaration of anything else is refused. */
export function isUtf8Name(encoding: string): boolean {
  return /^utf-?8$/i.test(encoding.trim());
}
