// Derived fields: a mapping may build a canonical field from other fields and columns,
// e.g. a delivery number from the order number and the ship date when the partner's file
// has no delivery number of its own:
//
//   "derived": { "deliveryNumber": "{orderNumber}-{shipDate|YYYYMMDD}" }
//
// A placeholder names a canonical field the mapping reads from a column or a default
// (`{orderNumber}`), or else a header column (`{Leverdatum}`). `|FORMAT` reads the value
// as a date in the mapping's date formats and writes it in FORMAT (tokens YYYY YY MM DD
// hh mm ss), so that "02.11.2026" and "2026-11-02" give the same delivery number.
// `{{` and `}}` are literal braces. Plain functions: the mapping loader compiles and checks
// a template once; the CSV reader renders it per row.

export type TemplatePart = { text: string } | { name: string; dateFormat?: string };

export interface Template {
  source: string;
  parts: TemplatePart[];
  /** Every name its placeholders use, once each. */
  names: string[];
}

export class TemplateError extends Error {}

const DATE_TOKEN = /YYYY|YY|MM|DD|hh|mm|ss/g;

/** Parses a template; a stray brace, an empty name or a format without a date token is a TemplateError. */
export function compileTemplate(source: string): Template {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if ((c === '{' || c === '}') && source[i + 1] === c) {
      text += c;
      i += 2;
      continue;
    }
    if (c === '}') throw new TemplateError(`a "}" at character ${i + 1} closes nothing (write "}}" for a brace)`);
    if (c !== '{') {
      text += c;
      i++;
      continue;
    }
    const close = source.indexOf('}', i + 1);
    if (close === -1) throw new TemplateError(`the "{" at character ${i + 1} is never closed`);
    const inside = source.slice(i + 1, close);
    const bar = inside.indexOf('|');
    const name = (bar === -1 ? inside : inside.slice(0, bar)).trim();
    const dateFormat = bar === -1 ? undefined : inside.slice(bar + 1).trim();
    if (name === '' || name.includes('{')) throw new TemplateError(`the placeholder at character ${i + 1} names nothing`);
    if (dateFormat !== undefined && !/YYYY|YY/.test(dateFormat)) {
      throw new TemplateError(`the date format "${dateFormat}" of {${name}} has no year (YYYY or YY)`);
    }
    if (text) parts.push({ text });
    text = '';
    parts.push(dateFormat === undefined ? { name } : { name, dateFormat });
    i = close + 1;
  }
  if (text) parts.push({ text });
  const names = [...new Set(parts.flatMap((p) => ('name' in p ? [p.name] : [])))];
  if (names.length === 0) throw new TemplateError('it has no placeholder: a constant belongs in "defaults"');
  return { source, parts, names };
}

/**
 * The template with each placeholder's value, or undefined when one is empty (a derived
 * field is missing then, not half made) or is not a date in `dateFormats` where the
 * placeholder asks for a date (`badDate` says which).
 */
export function renderTemplate(
  template: Template,
  valueOf: (name: string) => string | undefined,
  parseDate: (value: string) => string | undefined,
): { value?: string; badDate?: { name: string; value: string } } {
  let out = '';
  for (const part of template.parts) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    const value = valueOf(part.name);
    if (value === undefined || value === '') return {};
    if (part.dateFormat === undefined) {
      out += value;
      continue;
    }
    const iso = parseDate(value);
    if (iso === undefined) return { badDate: { name: part.name, value } };
    out += formatIsoDate(iso, part.dateFormat);
  }
  return { value: out };
}

/** "2026-11-02T08:30:00Z" in a format of tokens YYYY YY MM DD hh mm ss. */
export function formatIsoDate(iso: string, format: string): string {
  const values: Record<string, string> = {
    YYYY: iso.slice(0, 4),
    YY: iso.slice(2, 4),
    MM: iso.slice(5, 7),
    DD: iso.slice(8, 10),
    hh: iso.slice(11, 13),
    mm: iso.slice(14, 16),
    ss: iso.slice(17, 19),
  };
  return format.replace(DATE_TOKEN, (token) => values[token]!);
}
