// One document element as an object: xml2js builds it from the element's text (the
// splitter hands over one element at a time), and the outline the splitter recorded
// (every element's name, depth and position, in document order) puts its children back
// in document order and gives each its line, column and path, for errors.
//
// xml2js runs with its plain options: children grouped by name. Its option to keep
// document order (preserveChildrenOrder) builds every child twice and made reading
// 40% slower; the outline already knows the order.
import xml2js from 'xml2js';
import type { ElementOutline, RawElement } from './stream.js';

/** The element tree the format mappers read. */
export interface XmlElement {
  name: string;
  attributes: Map<string, string>;
  /** Its own text (not its children's), as written. */
  text: string;
  children: XmlElement[];
  /** "/GatewayDocuments/ShipNotice[2]/Device[5]" */
  path: string;
  line: number;
  column: number;
}

// Keys no XML element can be named, so that a child element never collides with them.
const ATTRIBUTES_KEY = '@';
const TEXT_KEY = '#';

/**
 * What xml2js builds: an element with neither attributes nor children is its text (or
 * "" when empty); otherwise an object with attributes under "@", text under "#", and
 * each child name's elements in an array, in document order.
 */
type Xml2jsValue = string | Xml2jsObject;
type Xml2jsObject = { [key: string]: unknown };

const XML2JS_OPTIONS: xml2js.ParserOptions = {
  attrkey: ATTRIBUTES_KEY,
  charkey: TEXT_KEY,
  explicitRoot: false,
  explicitArray: true,
  trim: false,
  normalize: false,
  strict: true,
  async: false,
};

/** Parses one document element's text; throws when xml2js refuses it (the splitter checked it first). */
export function parseElement(raw: RawElement): XmlElement {
  let result: Xml2jsValue | undefined;
  let failure: Error | undefined;
  let answered = false;
  // With async: false xml2js answers before parseString returns: the tree is built here.
  new xml2js.Parser(XML2JS_OPTIONS).parseString(raw.text, (err: Error | null, value: Xml2jsValue) => {
    answered = true;
    if (err) failure = err;
    else result = value;
  });
  if (!answered) throw new Error('xml2js did not answer synchronously');
  if (failure || result === undefined) throw new Error(`xml2js refused ${raw.path}: ${failure?.message ?? 'no result'}`);
  const walk = new OutlineWalk(raw.outline);
  const element = walk.element(result, raw.path);
  if (walk.next !== raw.outline.names.length) {
    throw new Error(`${raw.path}: sax saw ${raw.outline.names.length} elements, xml2js ${walk.next}`);
  }
  return element;
}

/** Walks the outline in document order, taking each element's object from xml2js's per-name arrays. */
class OutlineWalk {
  next = 0;
  constructor(private readonly outline: ElementOutline) {}

  element(value: Xml2jsValue, path: string): XmlElement {
    const o = this.outline;
    const me = this.next++;
    const el: XmlElement = {
      name: o.names[me]!,
      attributes: new Map(typeof value === 'string' ? [] : Object.entries((value[ATTRIBUTES_KEY] as Record<string, string> | undefined) ?? {})),
      text: typeof value === 'string' ? value : ((value[TEXT_KEY] as string | undefined) ?? ''),
      children: [],
      path,
      line: o.positions[2 * me]!,
      column: o.positions[2 * me + 1]!,
    };
    const childDepth = o.depths[me]! + 1;
    const taken = new Map<string, number>();
    while (this.next < o.names.length && o.depths[this.next] === childDepth) {
      const name = o.names[this.next]!;
      const index = taken.get(name) ?? 0;
      taken.set(name, index + 1);
      const siblings = typeof value === 'string' ? undefined : (value[name] as Xml2jsValue[] | undefined);
      const child = siblings?.[index];
      if (child === undefined) throw new Error(`${path}: xml2js has no ${name}[${index + 1}]`);
      el.children.push(this.element(child, `${path}/${name}[${index + 1}]`));
    }
    return el;
  }
}

/** "line 14, column 9, /GatewayDocuments/ShipNotice[2]/Device[5]" */
export function elementAt(el: XmlElement): string {
  return `line ${el.line}, column ${el.column}, ${el.path}`;
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

export function firstChild(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

/** An attribute's value, trimmed; undefined when absent or blank. */
export function attributeValue(el: XmlElement, name: string): string | undefined {
  const v = el.attributes.get(name)?.trim();
  return v ? v : undefined;
}

/** The element's own text, trimmed; undefined when blank. */
export function textValue(el: XmlElement): string | undefined {
  const v = el.text.trim();
  return v ? v : undefined;
}
