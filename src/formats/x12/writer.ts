// Writing X12: segments joined with the interchange's delimiters, and the envelopes
// (ISA/GS/GE/IEA, ST/SE) with their counts and control numbers computed, never typed in.
// Shared by the 997 and 855 writers.
import type { X12Delimiters } from './segment.js';

export const DEFAULT_DELIMITERS: X12Delimiters = { element: '*', component: '>', segment: '~' };

/** ISA12 and GS08 of what the gateway writes unless it answers another version. */
const ISA_VERSION = '00401';
const GS_VERSION = '004010';
/** ISA11 in 004010 ("U", US EDI community); from 00402 on ISA11 is the repetition separator instead. */
const ISA11_STANDARDS_ID = 'U';
const DEFAULT_REPETITION_SEPARATOR = '^';
const MAX_CONTROL_NUMBER = 999_999_999;

/** The envelope of an interchange the gateway sends. */
export interface X12EnvelopeOptions {
  /** ISA13 (zero-padded to 9 digits); group i gets GS06 = controlNumber + i, set k gets ST02 = controlNumber + k. */
  controlNumber: string;
  now: Date;
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  /** ISA15; default P (production). */
  usageIndicator?: string;
  delimiters?: X12Delimiters;
  /** Written after each segment terminator ("\r\n" for people reading the file); default none. */
  lineBreak?: string;
  /** ISA12 (5 digits); default 00401. An answer uses the version its partner sent. */
  isaVersion?: string;
  /** ISA11 from ISA12 00402 on: the partner's own repetition separator when it sent one; default "^". */
  repetitionSeparator?: string;
}

/** One functional group to write: its sets, each a list of segments without ST and SE. */
export interface GroupContent {
  functionalId: string;
  applicationSender: string;
  applicationReceiver: string;
  /** GS08; default 004010. */
  version?: string;
  sets: { setId: string; segments: string[][] }[];
}

/** Makes free text safe inside an element: delimiters become blanks, length is capped. */
export function cleanText(text: string, delimiters: X12Delimiters, maxChars: number): string {
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    out += c === delimiters.element || c === delimiters.component || c === delimiters.segment || code < 0x20 ? ' ' : c;
  }
  return out.trim().slice(0, maxChars);
}

export function writeInterchange(opts: X12EnvelopeOptions, groups: GroupContent[]): string {
  const d = opts.delimiters ?? DEFAULT_DELIMITERS;
  const base = controlBase(opts.controlNumber);
  const now = opts.now;
  const ccyymmdd = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1, 2)}${pad(now.getUTCDate(), 2)}`;
  const hhmm = `${pad(now.getUTCHours(), 2)}${pad(now.getUTCMinutes(), 2)}`;
  const setCount = groups.reduce((n, g) => n + g.sets.length, 0);
  if (base + Math.max(groups.length, setCount) > MAX_CONTROL_NUMBER) {
    throw new Error(`control number ${base} leaves no room for ${setCount} sets in ${groups.length} groups`);
  }
  const isa13 = pad(base, 9);
  const lines: string[] = [];
  const put = (elements: readonly string[]) => lines.push(segmentText(elements, d));
  put([
    'ISA', '00', ' '.repeat(10), '00', ' '.repeat(10),
    fixed(opts.senderQualifier, 2), fixed(opts.senderId, 15), fixed(opts.receiverQualifier, 2), fixed(opts.receiverId, 15),
    ccyymmdd.slice(2), hhmm, isa11(opts, d), isaVersion(opts), isa13, '0', opts.usageIndicator ?? 'P', d.component,
  ]);
  let setNumber = base;
  groups.forEach((group, i) => {
    const gs06 = String(base + i);
    put(['GS', group.functionalId, group.applicationSender, group.applicationReceiver, ccyymmdd, hhmm, gs06, 'X', groupVersion(group.version)]);
    for (const set of group.sets) {
      const st02 = pad(setNumber++, 4);
      put(['ST', set.setId, st02]);
      for (const seg of set.segments) put(seg);
      put(['SE', String(set.segments.length + 2), st02]);
    }
    put(['GE', String(group.sets.length), gs06]);
  });
  put(['IEA', String(groups.length), isa13]);
  const sep = d.segment + (opts.lineBreak ?? '');
  return lines.join(sep) + sep;
}

/** ISA12 as asked when it is a version (5 digits), else 00401. */
function isaVersion(opts: X12EnvelopeOptions): string {
  return opts.isaVersion !== undefined && /^\d{5}$/.test(opts.isaVersion) ? opts.isaVersion : ISA_VERSION;
}

/**
 * ISA11: "U" up to 00401; after it, a repetition separator, which must differ from the
 * other delimiters and from letters and digits (the partner's, else "^").
 */
function isa11(opts: X12EnvelopeOptions, d: X12Delimiters): string {
  if (Number(isaVersion(opts)) <= Number(ISA_VERSION)) return ISA11_STANDARDS_ID;
  for (const c of [opts.repetitionSeparator, DEFAULT_REPETITION_SEPARATOR]) {
    if (c !== undefined && c.length === 1 && !/[A-Za-z0-9 ]/.test(c) && c !== d.element && c !== d.component && c !== d.segment) return c;
  }
  return ISA11_STANDARDS_ID;
}

/** GS08 as asked when it is a version code (six digits, then an industry id of at most six), else 004010. */
function groupVersion(version: string | undefined): string {
  return version !== undefined && /^\d{6}[0-9A-Z]{0,6}$/.test(version) ? version : GS_VERSION;
}

/** Elements joined, trailing empty elements dropped; a delimiter inside a value is a bug. */
function segmentText(elements: readonly string[], d: X12Delimiters): string {
  let n = elements.length;
  while (n > 1 && elements[n - 1] === '') n--;
  const kept = elements.slice(0, n);
  for (let i = 1; i < kept.length; i++) {
    const v = kept[i]!;
    // ISA16 is the component separator itself.
    if (kept[0] === 'ISA' && i === 16) continue;
    if (v.includes(d.element) || v.includes(d.segment) || v.includes(d.component)) {
      throw new Error(`X12 value "${v}" of ${kept[0]} contains a delimiter`);
    }
  }
  return kept.join(d.element);
}

function controlBase(controlNumber: string): number {
  if (!/^\d{1,9}$/.test(controlNumber) || Number(controlNumber) === 0) {
    throw new Error(`control number "${controlNumber}" must be 1 to 9 digits, not zero`);
  }
  return Number(controlNumber);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function fixed(value: string, width: number): string {
  if (value.length > width) throw new Error(`ISA value "${value}" is longer than ${width} characters`);
  return value.padEnd(width, ' ');
}

/** CCYYMMDD from "20261102" or an ISO date "2026-11-02T00:00:00Z". */
export function x12Date(value: string): string {
  const digits = /^\d{8}$/.test(value) ? value : /^(\d{4})-(\d{2})-(\d{2})/.exec(value)?.slice(1).join('');
  if (!digits) throw new Error(`date "${value}" is neither CCYYMMDD nor ISO 8601`);
  return digits;
}
