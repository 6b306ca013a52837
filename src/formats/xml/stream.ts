// Streaming XML: splits a byte stream into its document elements, one at a time, with
// sax (the streaming parser under xml2js). Memory holds one document element's text
// (bounded by INTAKE_LIMITS.xmlElementChars), never the file.
//
// How positions are known: the text is fed to sax in pieces cut before every `<`, so
// just before a piece that starts markup, sax's line and column are that `<`'s. Every
// element's position (for errors and for a device's `at`) is its `<`, 1-based, in
// UTF-16 code units like sax counts them.
//
// What the format says: `classify` names each element outside the document elements by
// its ancestors: a container (read its children), a document element (hand its whole
// text over), an element to skip (a cXML Header), or an unexpected one (GW-XML-6303).
//
// Errors: not well-formed XML, refused declarations and invalid UTF-8 are fatal: the
// file is refused and nothing after them is read. The others (an unexpected element, an
// oversized document element) are reported and reading goes on.
import sax from 'sax';
import type { DocumentError } from '../types.js';
import { decodeUtf8, UndecodableText } from '../utf8.js';
import { codePointName, isXmlChar, NOT_XML_CHAR } from '../forbidden-chars.js';
import {
  DECLARATION_LOOKAHEAD_CHARS,
  declaredEncoding,
  isUtf8Name,
  refusedDoctype,
  refusedMarkup,
  type DoctypePolicy,
} from './safety.js';
import { INTAKE_LIMITS } from '../../model/limits.js';


export type EnvelopeRole = 'container' | 'document' | 'skip' | 'unexpected';

export interface XmlPosition {
  line: number;
  column: number;
}

export interface SplitOptions {
  fileName: string;
  doctype: DoctypePolicy;
  allowCxmlDoctype: boolean;
  /** What an element outside the document elements is; `ancestors` are names from the root down. */
  classify(ancestors: readonly string[], name: string): EnvelopeRole;
}

/** Every element of a document element in document order (itself first), as sax saw them. */
export interface ElementOutline {
  names: string[];
  /** 0 for the document element, 1 for its children, ... */
  depths: number[];
  /** line, column pairs: where each element's `<` is. */
  positions: number[];
}

/** A document element as text, with its outline. */
export interface RawElement {
  name: string;
  /** "/GatewayDocuments/ShipNotice[2]": names with their 1-based index among same-named siblings. */
  path: string;
  text: string;
  outline: ElementOutline;
}

export interface ContainerElement {
  name: string;
  path: string;
  attributes: Record<string, string>;
  position: XmlPosition;
}

export type SplitEvent =
  | { kind: 'document'; element: RawElement }
  | { kind: 'container'; element: ContainerElement }
  | { kind: 'error'; error: DocumentError; fatal: boolean };

// sax keeps its tokenizer state on the parser and exports its state table, but its
// typings declare neither. The splitter needs one fact from them: whether the next `<`
// starts markup, rather than sitting in a comment, CDATA, attribute value or DTD.
interface SaxTokenizer {
  state: number;
  /** The entity or character reference being read ("#x0" for "&#x0;"), still set when sax refuses it. */
  entity: string;
}
const SAX_STATES = (sax as unknown as { STATE: Record<string, number | undefined> }).STATE;
const MARKUP_BOUNDARY_STATES = new Set([SAX_STATES.BEGIN, SAX_STATES.BEGIN_WHITESPACE, SAX_STATES.TEXT]);
if (MARKUP_BOUNDARY_STATES.has(undefined) || MARKUP_BOUNDARY_STATES.size !== 3) {
  throw new Error('sax no longer exports the tokenizer states BEGIN, BEGIN_WHITESPACE and TEXT');
}

const LT = 0x3c; // '<'

/** sax's messages for the errors partners actually make, in words they can act on. */
const SAX_DETAILS: [RegExp, string][] = [
  [/^Invalid character entity/, 'unknown entity: only &amp; &lt; &gt; &quot; &apos; and character references are allowed'],
  [/^Unclosed root tag/, 'the file ends before every element is closed'],
  [/^Unexpected end/, 'the file ends inside markup'],
  [/^Unexpected close tag/, 'a closing tag does not match the open element'],
  [/^Non-whitespace before first tag/, 'text before the root element'],
  [/^Text data outside of root node/, 'text after the root element'],
];

interface Frame {
  name: string;
  path: string;
  counts: Map<string, number>;
}

interface OpenDocument {
  name: string;
  path: string;
  /** Offset of its `<` in the decoded text, and its line and column. */
  startOffset: number;
  start: XmlPosition;
  depth: number;
  parts: string[];
  chars: number;
  outline: ElementOutline;
  /** Over a limit: reported once, then read to its end without keeping anything. */
  overflow: boolean;
}

interface MarkupStart extends XmlPosition {
  offset: number;
}

class XmlSplitter {
  stopped = false;
  private readonly parser: sax.SAXParser;
  private readonly tokenizer: SaxTokenizer;
  private queue: SplitEvent[] = [];
  /** Characters fed to sax so far: the offset of the next piece. */
  private fed = 0;
  /** A short markup start held back until it can be checked (DECLARATION_LOOKAHEAD_CHARS). */
  private carry = '';
  private piece = '';
  private pieceStart = 0;
  private markupStart: MarkupStart = { offset: 0, line: 1, column: 1 };
  /** The pieces of the markup in progress, from its `<`: a tag may span many pieces. */
  private sinceMarkup: string[] = [];
  private sinceMarkupChars = 0;
  /** Just after the last markup: where the text that follows it starts. */
  private afterMarkup: XmlPosition = { line: 1, column: 1 };
  private readonly stack: Frame[] = [];
  private rootSeen = false;
  private skipDepth = 0;
  private doc: OpenDocument | undefined;

  constructor(private readonly options: SplitOptions) {
    // strictEntities: XML's five entities only (sax would otherwise accept HTML's, like &nbsp;).
    const saxOptions = { position: true, trim: false, normalize: false, strictEntities: true } as sax.SAXOptions;
    this.parser = sax.parser(true, saxOptions);
    this.tokenizer = this.parser as unknown as SaxTokenizer;
    const p = this.parser;
    p.onerror = (e) => this.saxError(e);
    p.onattribute = (a) => this.attribute(a.name, a.value);
    p.onopentag = (tag) => {
      this.openTag(tag as sax.Tag);
      this.markupEnded();
    };
    p.onclosetag = () => {
      this.closeTag();
      this.markupEnded();
    };
    p.ontext = (t) => this.text(t);
    p.oncdata = (t) => this.text(t);
    p.onopencdata = () => this.markupEnded();
    p.onclosecdata = () => this.markupEnded();
    p.oncomment = () => this.markupEnded();
    p.ondoctype = (body) => {
      this.doctype(body);
      this.markupEnded();
    };
    p.onprocessinginstruction = (pi) => {
      this.processingInstruction(pi.name, pi.body);
      this.markupEnded();
    };
  }

  write(chunk: string): void {
    // A character XML does not allow is refused where it is, after everything before it
    // has been read (so sax's line and column are its own), and before sax sees it.
    const bad = chunk.search(NOT_XML_CHAR);
    if (bad === -1) {
      this.feedText(this.carry + chunk, false);
      return;
    }
    this.feedText(this.carry + chunk.slice(0, bad), true);
    if (this.stopped) return;
    this.fail('GW-DOC-6013', { char: codePointName(chunk.charCodeAt(bad)) }, { line: this.parser.line + 1, column: this.parser.column + 1 });
  }

  end(): void {
    this.feedText(this.carry, true);
    if (this.stopped) return;
    this.parser.close();
  }

  drain(): SplitEvent[] {
    const out = this.queue;
    this.queue = [];
    return out;
  }

  /** Cuts text before every `<` and feeds the pieces. */
  private feedText(text: string, final: boolean): void {
    this.carry = '';
    let start = 0;
    while (start < text.length && !this.stopped) {
      const startsMarkup = text.charCodeAt(start) === LT;
      const lt = text.indexOf('<', startsMarkup ? start + 1 : start);
      const end = lt === -1 ? text.length : lt;
      if (!final && startsMarkup && end === text.length && end - start < DECLARATION_LOOKAHEAD_CHARS) {
        this.carry = text.slice(start);
        return;
      }
      this.feed(text.slice(start, end));
      start = end;
    }
  }

  private feed(piece: string): void {
    if (piece.charCodeAt(0) === LT && MARKUP_BOUNDARY_STATES.has(this.tokenizer.state)) {
      this.markupStart = { offset: this.fed, line: this.parser.line + 1, column: this.parser.column + 1 };
      this.sinceMarkup = [];
      this.sinceMarkupChars = 0;
      const refused = refusedMarkup(piece, this.options.doctype);
      if (refused) {
        this.fail(refused.code, { detail: refused.detail }, this.markupStart);
        return;
      }
    }
    this.piece = piece;
    this.pieceStart = this.fed;
    this.parser.write(piece);
    this.fed += piece.length;
    if (this.parser.position !== this.fed) throw new Error(`sax counted ${this.parser.position} characters, the splitter ${this.fed}`);
    if (this.stopped) return;
    if (MARKUP_BOUNDARY_STATES.has(this.tokenizer.state)) {
      this.sinceMarkup = [];
      this.sinceMarkupChars = 0;
    } else {
      this.sinceMarkup.push(piece);
      this.sinceMarkupChars += piece.length;
      if (this.sinceMarkupChars > INTAKE_LIMITS.xmlElementChars) {
        this.fail('GW-DOC-6009', { detail: `markup longer than ${INTAKE_LIMITS.xmlElementChars} characters` }, this.markupStart);
        return;
      }
    }
    const doc = this.doc;
    if (doc && !doc.overflow) {
      const kept = piece.slice(Math.max(0, doc.startOffset - this.pieceStart));
      doc.parts.push(kept);
      doc.chars += kept.length;
      if (doc.chars > INTAKE_LIMITS.xmlElementChars) {
        this.overflow(doc, `${doc.name} is longer than ${INTAKE_LIMITS.xmlElementChars} characters`);
      }
    }
  }

  /** The markup read so far, from its `<` up to the character sax is at. */
  private rawMarkup(): string {
    return this.sinceMarkup.join('') + this.piece.slice(0, this.parser.position - this.pieceStart);
  }

  private markupEnded(): void {
    this.afterMarkup = { line: this.parser.line + 1, column: this.parser.column + 1 };
  }

  private attribute(name: string, value: string): void {
    if (this.stopped) return;
    if (value.includes('<')) this.fail('GW-XML-6301', { detail: `the value of attribute ${name} contains "<"` }, this.markupStart);
  }

  /** sax keeps the first of two same-named attributes silently; XML says the tag is not well-formed. */
  private duplicateAttribute(tag: sax.Tag): string | undefined {
    const raw = this.rawMarkup();
    // Every attribute has one `=` outside quotes: counting them is the cheap check that
    // runs on every tag; the names are looked for only when the counts differ.
    if (equalsOutsideQuotes(raw) === Object.keys(tag.attributes).length) return undefined;
    const names = [...raw.matchAll(ATTRIBUTE)].map((m) => m[1]!);
    return names.find((n, i) => names.indexOf(n) !== i) ?? '?';
  }

  private openTag(tag: sax.Tag): void {
    if (this.stopped) return;
    const at = this.markupStart;
    const duplicate = this.duplicateAttribute(tag);
    if (duplicate !== undefined) {
      this.fail('GW-XML-6301', { detail: `attribute ${duplicate} appears twice` }, at);
      return;
    }
    const doc = this.doc;
    if (doc) {
      doc.depth++;
      if (doc.overflow) return;
      doc.outline.names.push(tag.name);
      doc.outline.depths.push(doc.depth - 1);
      doc.outline.positions.push(at.line, at.column);
      if (doc.outline.names.length > INTAKE_LIMITS.xmlElementsPerDocument) {
        this.overflow(doc, `${doc.name} has more than ${INTAKE_LIMITS.xmlElementsPerDocument} elements`);
      } else if (doc.depth > INTAKE_LIMITS.xmlDepth) {
        this.overflow(doc, `elements in ${doc.name} are nested more than ${INTAKE_LIMITS.xmlDepth} deep`);
      }
      return;
    }
    if (this.skipDepth > 0) {
      this.skipDepth++;
      return;
    }
    const parent = this.stack[this.stack.length - 1];
    if (!parent && this.rootSeen) {
      this.fail('GW-XML-6301', { detail: `a second root element <${tag.name}>` }, at);
      return;
    }
    this.rootSeen = true;
    let path = `/${tag.name}`;
    if (parent) {
      const index = (parent.counts.get(tag.name) ?? 0) + 1;
      parent.counts.set(tag.name, index);
      path = `${parent.path}/${tag.name}[${index}]`;
    }
    const role = this.options.classify(this.stack.map((f) => f.name), tag.name);
    if (!parent && role !== 'container') {
      this.fail('GW-XML-6303', { detail: `the root element <${tag.name}> is not this format's` }, at, path);
      return;
    }
    switch (role) {
      case 'container':
        this.stack.push({ name: tag.name, path, counts: new Map() });
        this.queue.push({
          kind: 'container',
          element: { name: tag.name, path, attributes: { ...tag.attributes }, position: { line: at.line, column: at.column } },
        });
        return;
      case 'document':
        this.doc = {
          name: tag.name,
          path,
          startOffset: at.offset,
          start: { line: at.line, column: at.column },
          depth: 1,
          // The start tag may have begun in earlier pieces.
          parts: [...this.sinceMarkup],
          chars: this.sinceMarkupChars,
          outline: { names: [tag.name], depths: [0], positions: [at.line, at.column] },
          overflow: false,
        };
        return;
      case 'skip':
        this.skipDepth = 1;
        return;
      case 'unexpected':
        this.report('GW-XML-6303', { detail: `element <${tag.name}> is not expected in ${parent!.path}` }, at, path);
        this.skipDepth = 1;
        return;
    }
  }

  private closeTag(): void {
    if (this.stopped) return;
    const doc = this.doc;
    if (doc) {
      doc.depth--;
      if (doc.depth > 0) return;
      this.doc = undefined;
      if (doc.overflow) return;
      // The element ends inside the piece being fed: keep up to its closing `>`.
      const end = this.parser.position - this.pieceStart;
      const text = doc.parts.join('') + this.piece.slice(Math.max(0, doc.startOffset - this.pieceStart), end);
      this.queue.push({ kind: 'document', element: { name: doc.name, path: doc.path, text, outline: doc.outline } });
      return;
    }
    if (this.skipDepth > 0) {
      this.skipDepth--;
      return;
    }
    this.stack.pop();
  }

  private text(t: string): void {
    if (this.stopped || this.doc || this.skipDepth > 0 || t.trim() === '') return;
    const where = this.stack[this.stack.length - 1]?.path ?? '/';
    const leading = /^\s*/.exec(t)![0];
    this.report('GW-XML-6303', { detail: `text "${clip(t.trim())}" is not expected in ${where}` }, advance(this.afterMarkup, leading));
  }

  private doctype(body: string): void {
    if (this.stopped) return;
    const refused = refusedDoctype(body, this.options.doctype, this.options.allowCxmlDoctype);
    if (refused) this.fail('GW-XML-6302', { detail: refused }, this.markupStart);
  }

  private processingInstruction(name: string, body: string): void {
    if (this.stopped || name.toLowerCase() !== 'xml') return;
    const encoding = declaredEncoding(body);
    if (encoding !== undefined && !isUtf8Name(encoding)) {
      this.fail('GW-XML-6303', { detail: `the file declares encoding ${clip(encoding)}: send UTF-8` }, this.markupStart);
    }
  }

  private saxError(e: Error): void {
    if (this.stopped) return;
    const message = e.message.split('\n')[0] ?? e.message;
    const at = this.here();
    const refused = /^Invalid character entity/.test(message) ? notXmlCharReference(this.tokenizer.entity) : undefined;
    if (refused !== undefined) {
      // "&#0;" names a character XML does not allow: the same refusal as the character itself, at its "&".
      this.fail('GW-DOC-6013', { char: codePointName(refused) }, { line: at.line, column: Math.max(1, this.parser.column - this.tokenizer.entity.length - 1) });
      return;
    }
    if (/doctype/i.test(message)) this.fail('GW-XML-6302', { detail: message }, at);
    else if (/^Max buffer length exceeded/.test(message)) {
      this.fail('GW-DOC-6009', { detail: 'a name, attribute value or comment is longer than sax allows (64 Ki characters)' }, at);
    }
    else this.fail('GW-XML-6301', { detail: SAX_DETAILS.find(([re]) => re.test(message))?.[1] ?? message }, at);
  }

  private overflow(doc: OpenDocument, detail: string): void {
    doc.overflow = true;
    doc.parts = [];
    doc.outline = { names: [], depths: [], positions: [] };
    this.report('GW-DOC-6009', { detail }, doc.start, doc.path);
  }

  /** Where sax is now: the last character it read. */
  private here(): XmlPosition {
    return { line: this.parser.line + 1, column: Math.max(1, this.parser.column) };
  }

  private where(at: XmlPosition | undefined, path: string | undefined): string {
    const parts = [this.options.fileName];
    if (at) parts.push(`line ${at.line}, column ${at.column}`);
    const p = path ?? this.doc?.path ?? this.stack[this.stack.length - 1]?.path;
    if (p) parts.push(p);
    return parts.join(', ');
  }

  private report(code: DocumentError['code'], params: Record<string, string>, at: XmlPosition | undefined, path?: string): void {
    this.queue.push({ kind: 'error', error: { code, params: { ...params, at: this.where(at, path) } }, fatal: false });
  }

  private fail(code: DocumentError['code'], params: Record<string, string>, at: XmlPosition | undefined, path?: string): void {
    this.queue.push({ kind: 'error', error: { code, params: { ...params, at: this.where(at, path) } }, fatal: true });
    this.stopped = true;
  }
}

/** The code point of a character reference ("#0", "#x1F") that XML 1.0's Char does not allow, if it is one. */
function notXmlCharReference(entity: string): number | undefined {
  const m = /^#(?:x([0-9a-f]+)|([0-9]+))$/i.exec(entity);
  if (!m) return undefined;
  const codePoint = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10);
  return codePoint <= 0x10ffff && !isXmlChar(codePoint) ? codePoint : undefined;
}

/** An attribute (name = quoted value) in a start tag's raw text. */
const ATTRIBUTE = /\s([^\s=<>/"']+)\s*=\s*(?:"[^"]*"|'[^']*')/g;

const EQUALS = 0x3d;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;

function equalsOutsideQuotes(tag: string): number {
  let count = 0;
  let quote = 0;
  for (let i = 0; i < tag.length; i++) {
    const c = tag.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) quote = c;
    else if (c === EQUALS) count++;
  }
  return count;
}

/** The position after `text` read from `from`. */
function advance(from: XmlPosition, text: string): XmlPosition {
  const lastNewline = text.lastIndexOf('\n');
  if (lastNewline === -1) return { line: from.line, column: from.column + text.length };
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return { line: from.line + lines, column: text.length - lastNewline };
}

function clip(s: string): string {
  const MAX_QUOTED_CHARS = 40;
  return s.length > MAX_QUOTED_CHARS ? `${s.slice(0, MAX_QUOTED_CHARS)}...` : s;
}

/**
 * The document elements of an XML byte stream, in order, with the errors that refuse
 * them or the file. Stops after the first fatal error.
 */
export async function* splitXml(input: AsyncIterable<Buffer>, options: SplitOptions): AsyncIterable<SplitEvent> {
  const splitter = new XmlSplitter(options);
  try {
    for await (const text of decodeUtf8(input, options.fileName)) {
      splitter.write(text);
      yield* splitter.drain();
      if (splitter.stopped) return;
    }
  } catch (e) {
    if (!(e instanceof UndecodableText)) throw e;
    yield { kind: 'error', error: e.error, fatal: true };
    return;
  }
  splitter.end();
  yield* splitter.drain();
}
