// Test helpers for the X12 reader and writers: feed bytes in chosen chunk sizes, collect
// what the reader yields, and parse an X12 answer (997, 855) back into segments.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMappings, type Mapping } from '../../../src/mapping/mapping.js';
import { readX12 } from '../../../src/formats/x12/reader.js';
import { DEFAULT_READ_LIMITS, type DocumentError, type ReadItem } from '../../../src/formats/types.js';
import type { PurchaseOrder, ShipNotice } from '../../../src/model/documents.js';
import type { X12InterchangeInfo } from '../../../src/model/x12.js';

const mappings = loadMappings();

export function mapping(id: string): Mapping {
  const m = mappings.get(id);
  if (!m) throw new Error(`no mapping ${id}`);
  return m;
}

/** A deep copy of a mapping, to change in one test. */
export function mappingCopy(id: string): Mapping {
  return structuredClone(mapping(id));
}

export function fixture(name: string): Buffer {
  return readFileSync(join(process.cwd(), 'test/formats/x12/fixtures', name));
}

export function sample(name: string): Buffer {
  return readFileSync(join(process.cwd(), 'samples/documents', name));
}

/** Chunk sizes: a number, or 'random' (1..97 bytes, from a fixed seed so failures repeat). */
export type Chunking = number | 'random';

export function chunks(bytes: Buffer, chunking: Chunking, seed = 7): Buffer[] {
  const out: Buffer[] = [];
  let state = seed;
  const nextSize = () => {
    if (chunking !== 'random') return chunking;
    state = (state * 1103515245 + 12345) % 2147483648;
    return 1 + (state % 97);
  };
  for (let i = 0; i < bytes.length; ) {
    const size = nextSize();
    out.push(bytes.subarray(i, i + size));
    i += size;
  }
  return out;
}

async function* stream(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield p;
}

export interface ReadResult {
  items: ReadItem[];
  orders: PurchaseOrder[];
  notices: ShipNotice[];
  errors: DocumentError[];
  interchanges: X12InterchangeInfo[];
}

export async function read(
  input: Buffer | string,
  mappingOrId: Mapping | string,
  chunking: Chunking = 65536,
  limits = DEFAULT_READ_LIMITS,
): Promise<ReadResult> {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const m = typeof mappingOrId === 'string' ? mapping(mappingOrId) : mappingOrId;
  const items: ReadItem[] = [];
  for await (const item of readX12(stream(chunks(bytes, chunking)), { mapping: m, fileName: 'test.edi', limits })) {
    items.push(item);
  }
  return {
    items,
    orders: items.flatMap((i) => (i.type === 'purchaseOrder' ? [i.doc] : [])),
    notices: items.flatMap((i) => (i.type === 'shipNotice' ? [i.doc] : [])),
    errors: items.flatMap((i) => (i.type === 'error' ? [i.error] : [])),
    interchanges: items.flatMap((i) => (i.type === 'x12Interchange' ? [i.interchange] : [])),
  };
}

/** Segments of an X12 text as element arrays, with the delimiters its ISA declares. */
export function parseX12(text: string): string[][] {
  const start = text.indexOf('ISA');
  const element = text[start + 3]!;
  const terminator = text[start + 105]!;
  return text
    .slice(start)
    .split(terminator)
    .map((s) => s.replace(/^\s+/, ''))
    .filter((s) => s !== '')
    .map((s) => s.split(element));
}

/** The segments with one id. */
export function segmentsOf(segments: string[][], id: string): string[][] {
  return segments.filter((s) => s[0] === id);
}

/**
 * Checks the envelope counts and control numbers of a written interchange: SE01 counts
 * ST..SE, GE01 the sets, IEA01 the groups; trailers repeat their headers' numbers.
 */
export function envelopeProblems(segments: string[][]): string[] {
  const problems: string[] = [];
  let isa: string[] | undefined;
  let gs: string[] | undefined;
  let st: string[] | undefined;
  let inSet = 0;
  let sets = 0;
  let groups = 0;
  for (const s of segments) {
    switch (s[0]) {
      case 'ISA':
        isa = s;
        groups = 0;
        break;
      case 'GS':
        gs = s;
        sets = 0;
        groups++;
        break;
      case 'ST':
        st = s;
        inSet = 1;
        sets++;
        break;
      case 'SE':
        inSet++;
        if (s[1] !== String(inSet)) problems.push(`SE01 ${s[1]} != ${inSet}`);
        if (s[2] !== st?.[2]) problems.push(`SE02 ${s[2]} != ST02 ${st?.[2]}`);
        inSet = 0;
        break;
      case 'GE':
        if (s[1] !== String(sets)) problems.push(`GE01 ${s[1]} != ${sets}`);
        if (s[2] !== gs?.[6]) problems.push(`GE02 ${s[2]} != GS06 ${gs?.[6]}`);
        break;
      case 'IEA':
        if (s[1] !== String(groups)) problems.push(`IEA01 ${s[1]} != ${groups}`);
        if (s[2] !== isa?.[13]) problems.push(`IEA02 ${s[2]} != ISA13 ${isa?.[13]}`);
        break;
      default:
        if (inSet > 0) inSet++;
    }
  }
  return problems;
}

/**
 * Recomputes SE01 of every set of a "*" / "~" text: tests that add or remove segments
 * keep the count right unless the count is what they test.
 */
export function withCounts(text: string): string {
  let count = 0;
  return text
    .split('~')
    .map((raw) => {
      const seg = raw.replace(/^\s+/, '');
      if (seg.startsWith('ST*')) count = 1;
      else if (count > 0) count++;
      if (seg.startsWith('SE*')) {
        const parts = seg.split('*');
        parts[1] = String(count);
        count = 0;
        return raw.slice(0, raw.length - seg.length) + parts.join('*');
      }
      return raw;
    })
    .join('~');
}
