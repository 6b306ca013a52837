// The ISA segment: fixed width, and the only place an interchange declares its
// delimiters (element separator at position 3, component separator ISA16 at 104, segment
// terminator right after it). Shared by the tokenizer and the format sniffer.
import type { X12Delimiters } from './segment.js';

export const ISA_CHARS = 106;

/** Widths of ISA01..ISA16: every ISA element is padded to its width. */
const ISA_WIDTHS = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1] as const;

export interface ParsedIsa {
  delimiters: X12Delimiters;
  /** e[0] = "ISA", e[1..16] = ISA01..ISA16. */
  elements: string[];
}

/** Delimiters only, for a quick look (the sniffer): undefined unless `text` starts with a plausible ISA. */
export function isaDelimiters(text: string): X12Delimiters | undefined {
  if (text.length < ISA_CHARS || !text.startsWith('ISA')) return undefined;
  const element = text[3]!;
  const component = text[104]!;
  const segment = text[105]!;
  if (isAlphanumeric(element) || isAlphanumeric(component) || isAlphanumeric(segment)) return undefined;
  if (element === component || element === segment || component === segment) return undefined;
  return { element, component, segment };
}

/**
 * Parses the 106 characters of an ISA. Returns the reason in words when it is malformed,
 * for GW-X12-6401: the whole interchange depends on it.
 */
export function parseIsa(text: string): ParsedIsa | string {
  if (!text.startsWith('ISA')) return `expected an ISA segment, found "${printable(text.slice(0, 20))}"`;
  if (text.length < ISA_CHARS) return `the ISA has ${text.length} characters, it must have ${ISA_CHARS}`;
  const delimiters = isaDelimiters(text);
  if (!delimiters) {
    return 'the delimiters (element separator at position 4, ISA16, segment terminator at position 106) are missing, alphanumeric or repeated';
  }
  const elements = text.slice(0, ISA_CHARS - 1).split(delimiters.element);
  if (elements.length !== ISA_WIDTHS.length + 1) {
    return `the ISA has ${elements.length - 1} elements, it must have 16 of fixed widths`;
  }
  for (let i = 0; i < ISA_WIDTHS.length; i++) {
    const value = elements[i + 1]!;
    if (value.length !== ISA_WIDTHS[i]) {
      return `ISA${pad2(i + 1)} "${printable(value)}" has ${value.length} characters, it must have ${ISA_WIDTHS[i]}`;
    }
  }
  const e = elements;
  if (!/^\d{9}$/.test(e[13]!)) return `ISA13 (interchange control number) "${printable(e[13]!)}" must be 9 digits`;
  if (e[15] !== 'P' && e[15] !== 'T') return `ISA15 (usage indicator) "${printable(e[15]!)}" must be P or T`;
  if (e[14] !== '0' && e[14] !== '1') return `ISA14 (acknowledgment requested) "${printable(e[14]!)}" must be 0 or 1`;
  if (!/^\d{6}$/.test(e[9]!) || !/^\d{4}$/.test(e[10]!)) return `ISA09/ISA10 (date and time) "${e[9]}" "${e[10]}" must be YYMMDD and HHMM`;
  return { delimiters, elements };
}

function isAlphanumeric(c: string): boolean {
  return /^[A-Za-z0-9 ]$/.test(c);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Control characters shown as \xNN, so that an error message stays one readable line. */
export function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
