// Value conversions every format shares, driven by the mapping: dates in the partner's
// formats, decimals with the partner's separator, device family and volume credit by
// part number. Plain functions: a reader calls them and turns `undefined` into a coded
// error that names where.
import type { DeviceFamily } from '../model/device-family.js';
import type { Mapping } from './mapping.js';

const TOKEN = /YYYY|YY|MM|DD|hh|mm|ss/g;

interface CompiledDateFormat {
  regex: RegExp;
  fields: string[];
}

const compiled = new Map<string, CompiledDateFormat>();

function compile(format: string): CompiledDateFormat {
  let hit = compiled.get(format);
  if (hit) return hit;
  const fields: string[] = [];
  let source = '';
  let last = 0;
  for (const m of format.matchAll(TOKEN)) {
    source += escapeRegex(format.slice(last, m.index));
    source += m[0] === 'YYYY' ? '(\\d{4})' : '(\\d{2})';
    fields.push(m[0]);
    last = m.index! + m[0].length;
  }
  source += escapeRegex(format.slice(last));
  hit = { regex: new RegExp(`^${source}$`), fields };
  compiled.set(format, hit);
  return hit;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Parses `value` with the first matching format ("YYYY-MM-DD", "DD.MM.YYYY", "YYYYMMDD",
 * "YYYY-MM-DDThh:mm:ssZ", ...) into the protocol's UTC timestamp. A date without a time
 * is midnight UTC. Two-digit years are 20YY. Impossible dates (2026-02-30) are refused.
 */
export function parseDate(value: string, formats: readonly string[]): string | undefined {
  // Files repeat the same few dates on every row: remember recent answers (bounded).
  let perFormats = dateCache.get(formats);
  if (!perFormats) {
    if (dateCache.size >= 64) dateCache.clear();
    perFormats = new Map();
    dateCache.set(formats, perFormats);
  }
  if (perFormats.has(value)) return perFormats.get(value);
  const result = parseDateUncached(value, formats);
  if (perFormats.size >= DATE_CACHE_ENTRIES) perFormats.clear();
  perFormats.set(value, result);
  return result;
}

const DATE_CACHE_ENTRIES = 1024;
const dateCache = new Map<readonly string[], Map<string, string | undefined>>();

function parseDateUncached(value: string, formats: readonly string[]): string | undefined {
  const trimmed = value.trim();
  for (const format of formats) {
    const { regex, fields } = compile(format);
    const m = regex.exec(trimmed);
    if (!m) continue;
    const parts: Record<string, number> = { YYYY: 0, MM: 1, DD: 1, hh: 0, mm: 0, ss: 0 };
    fields.forEach((f, i) => {
      const n = Number(m[i + 1]);
      if (f === 'YY') parts.YYYY = 2000 + n;
      else parts[f] = n;
    });
    const { YYYY: y, MM: mo, DD: d, hh: h, mm: mi, ss: s } = parts as Record<string, number>;
    if (h! > 23 || mi! > 59 || s! > 59) return undefined;
    const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo! - 1 || date.getUTCDate() !== d) return undefined;
    return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return undefined;
}

/**
 * A decimal amount written with the partner's separator ("1.234,50" with ",") as a plain
 * decimal string ("1234.50"). Never goes through a JavaScript number.
 */
export function parseDecimal(value: string, decimalSeparator: '.' | ','): string | undefined {
  let v = value.trim();
  const grouping = decimalSeparator === ',' ? '.' : ',';
  // Grouping separators only in their proper places: 1.234.567,89 or 1,234.50.
  const grouped = new RegExp(`^\\d{1,3}(\\${grouping}\\d{3})+(\\${decimalSeparator}\\d+)?$`);
  if (grouped.test(v)) v = v.split(grouping).join('');
  if (decimalSeparator === ',') v = v.replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(v)) return undefined;
  return v;
}

/** A whole positive number of at most `max`, or undefined. */
export function parseQuantity(value: string, max: number): number | undefined {
  const v = value.trim();
  if (!/^\d{1,9}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= max ? n : undefined;
}

export function isCreditPart(mapping: Mapping, partNumber: string | undefined): boolean {
  if (!partNumber) return false;
  const p = partNumber.trim().toUpperCase();
  return mapping.parts.credit.some((c) => c.toUpperCase() === p);
}

/** Device family from the longest matching part-number prefix, if the mapping names one. */
export function familyForPart(mapping: Mapping, partNumber: string | undefined): DeviceFamily | undefined {
  if (!partNumber) return undefined;
  const p = partNumber.trim().toUpperCase();
  let best: { prefix: string; family: DeviceFamily } | undefined;
  for (const rule of mapping.parts.families) {
    if (p.startsWith(rule.prefix.toUpperCase()) && (!best || rule.prefix.length > best.prefix.length)) best = rule;
  }
  return best?.family;
}
