// Field checks both XML formats share: each turns a raw attribute or text into a
// canonical value, or records a coded error that names the file, line, column and path.
// A mapper collects every problem of a document element before it gives up on it, so
// a partner learns about all of them at once.
import { isDeviceFamily, type DeviceFamily } from '../../model/device-family.js';
import { ORDER_TYPES, type OrderType } from '../../model/state.js';
import type { ErrorCode, MessageParams } from '../../model/error-codes.js';
import type { Mapping } from '../../mapping/mapping.js';
import { parseDate, parseDecimal, parseQuantity } from '../../mapping/values.js';
import type { DocumentError } from '../types.js';
import { elementAt, type XmlElement } from './element.js';
import { DOCUMENT_LIMITS, MAX_FIELD_CHARS } from '../../model/limits.js';

export { MAX_FIELD_CHARS };
export type TextField = keyof typeof MAX_FIELD_CHARS;

/** A format's own date notation, tried before the mapping's dateFormats. */
export interface DateNotation {
  /** For messages: "YYYY-MM-DDThh:mm:ss±hh:mm". */
  name: string;
  parse(value: string): string | undefined;
}

export class Problems {
  readonly list: DocumentError[] = [];

  constructor(
    private readonly fileName: string,
    private readonly mapping: Mapping,
  ) {}

  /** Whether any problem was recorded. */
  get found(): boolean {
    return this.list.length > 0;
  }

  at(el: XmlElement): string {
    return `${this.fileName}, ${elementAt(el)}`;
  }

  add(code: ErrorCode, el: XmlElement, params: MessageParams): void {
    this.list.push({ code, params: { ...params, at: this.at(el) } });
  }

  unexpected(el: XmlElement, detail: string): void {
    this.add('GW-XML-6303', el, { detail });
  }

  /** A text field: present (when required) and not too long. */
  text(el: XmlElement, field: TextField, value: string | undefined, required: boolean): string | undefined {
    if (value === undefined) {
      if (required) this.add('GW-MAP-6201', el, { field });
      return undefined;
    }
    const max = MAX_FIELD_CHARS[field];
    if (value.length > max) {
      this.add('GW-MAP-6204', el, { field, max });
      return undefined;
    }
    return value;
  }

  /**
   * A date as the protocol's UTC timestamp: in the format's own notation first (`own`,
   * e.g. cXML's ISO 8601 with offset), else in one of the mapping's dateFormats.
   */
  date(el: XmlElement, field: string, value: string | undefined, own?: DateNotation): string | undefined {
    if (value === undefined) {
      this.add('GW-MAP-6201', el, { field });
      return undefined;
    }
    const parsed = own?.parse(value) ?? parseDate(value, this.mapping.dateFormats);
    if (parsed === undefined) {
      const formats = [...(own ? [own.name] : []), ...this.mapping.dateFormats].join(' or ');
      this.add('GW-MAP-6202', el, { field, value: clip(value), formats });
    }
    return parsed;
  }

  quantity(el: XmlElement, value: string | undefined): number | undefined {
    if (value === undefined) {
      this.add('GW-MAP-6201', el, { field: 'quantity' });
      return undefined;
    }
    const n = parseQuantity(value, DOCUMENT_LIMITS.quantityPerLine);
    if (n === undefined) this.add('GW-MAP-6203', el, { field: 'quantity', value: clip(value) });
    return n;
  }

  /** An exact decimal string in the partner's notation, never a JavaScript number. */
  decimal(el: XmlElement, field: string, value: string | undefined, separator: '.' | ','): string | undefined {
    if (value === undefined) {
      this.add('GW-MAP-6201', el, { field });
      return undefined;
    }
    const d = parseDecimal(value, separator);
    if (d === undefined) this.add('GW-MAP-6203', el, { field, value: clip(value) });
    return d;
  }

  currency(el: XmlElement, value: string | undefined): string | undefined {
    const v = this.text(el, 'currency', value, true);
    if (v === undefined) return undefined;
    if (!/^[A-Za-z]{3}$/.test(v)) {
      this.add('GW-MAP-6205', el, { field: 'currency', value: clip(v), detail: 'not an ISO 4217 code' });
      return undefined;
    }
    return v.toUpperCase();
  }

  deviceFamily(el: XmlElement, value: string | undefined): DeviceFamily | undefined {
    if (value === undefined) return undefined;
    if (!isDeviceFamily(value)) {
      this.add('GW-MAP-6205', el, { field: 'deviceFamily', value: clip(value), detail: 'not a device family' });
      return undefined;
    }
    return value;
  }

  /** A partner's order-type code through the mapping's table; canonical codes pass. */
  orderType(el: XmlElement, value: string | undefined, table: Readonly<Record<string, string>>): OrderType | undefined {
    if (value === undefined) {
      this.add('GW-MAP-6201', el, { field: 'orderType' });
      return undefined;
    }
    const translated = Object.prototype.hasOwnProperty.call(table, value) ? table[value] : value;
    if (!(ORDER_TYPES as readonly string[]).includes(translated ?? '')) {
      this.add('GW-MAP-6205', el, { field: 'orderType', value: clip(value), detail: `expected one of ${[...Object.keys(table), ...ORDER_TYPES].join(', ')}` });
      return undefined;
    }
    return translated as OrderType;
  }

  /** Attributes outside `allowed` are this format's mistakes, not data to ignore. */
  onlyAttributes(el: XmlElement, allowed: readonly string[]): void {
    for (const name of el.attributes.keys()) {
      if (!allowed.includes(name)) this.unexpected(el, `attribute ${name} is not part of <${el.name}>`);
    }
  }

  onlyChildren(el: XmlElement, allowed: readonly string[]): void {
    for (const child of el.children) {
      if (!allowed.includes(child.name)) this.unexpected(child, `element <${child.name}> is not part of <${el.name}>`);
    }
  }

  noText(el: XmlElement): void {
    const t = el.text.trim();
    if (t) this.unexpected(el, `text "${clip(t)}" is not part of <${el.name}>`);
  }
}

/** Values repeated in a message: bounded, since they come from the partner. */
export function clip(s: string): string {
  const MAX_QUOTED_CHARS = 60;
  return s.length > MAX_QUOTED_CHARS ? `${s.slice(0, MAX_QUOTED_CHARS)}...` : s;
}
