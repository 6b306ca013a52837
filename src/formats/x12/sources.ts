// Finding a mapped value in segments: a mapping names, per field, a list of sources
// (X12ValueSource) tried in order. Pickers watch the segments of one scope (a heading,
// an HL level, a PO1 loop) and keep the hits; the best hit is the first source's.
import type { X12ValueSource } from './mapping-section.js';
import type { Segment } from './segment.js';

/** Segments that carry qualifier/value pairs, and the element the first pair starts at. */
const PAIRS_FROM: Record<string, number> = { LIN: 2, PO1: 6, SLN: 9 };

export interface Hit {
  value: string;
  element: number;
  seg: Segment;
  position: number;
}

/**
 * The element holding the value a source finds in one segment, or -1. An index rather
 * than an object: this runs for every segment of every scope, a million times a file.
 */
export function matchSource(src: X12ValueSource, e: readonly string[]): number {
  if (e[0] !== src.segment) return -1;
  const pairsFrom = PAIRS_FROM[src.segment];
  if (src.qualifier !== undefined && pairsFrom !== undefined && src.element === undefined) {
    for (let i = pairsFrom; i + 1 < e.length; i += 2) {
      if (e[i] === src.qualifier && e[i + 1] !== '') return i + 1;
    }
    return -1;
  }
  let element = src.element ?? 1;
  if (src.qualifier !== undefined) {
    const qualifierElement = src.qualifierElement ?? 1;
    if (e[qualifierElement] !== src.qualifier) return -1;
    element = src.element ?? qualifierElement + 1;
  }
  const value = e[element];
  return value === undefined || value === '' ? -1 : element;
}

/**
 * The element a source's value would be in when the segment is the right one (id and
 * qualifier) but the value is empty: a "mandatory element missing" rather than a missing
 * segment. Undefined otherwise.
 */
export function expectedElement(src: X12ValueSource, e: readonly string[]): number | undefined {
  if (e[0] !== src.segment) return undefined;
  if (src.qualifier !== undefined && PAIRS_FROM[src.segment] !== undefined && src.element === undefined) return undefined;
  if (src.qualifier === undefined) return src.element ?? 1;
  const qualifierElement = src.qualifierElement ?? 1;
  return e[qualifierElement] === src.qualifier ? (src.element ?? qualifierElement + 1) : undefined;
}

/** "REF*SE (element 2) or LIN SN": sources in words, for "missing" messages. */
export function describeSources(sources: readonly X12ValueSource[]): string {
  return sources
    .map((s) => {
      const q = s.qualifier === undefined ? '' : PAIRS_FROM[s.segment] && s.element === undefined ? ` ${s.qualifier}` : `*${s.qualifier}`;
      const el = s.element === undefined ? '' : String(s.element).padStart(2, '0');
      return `${s.segment}${q}${el ? ` element ${el}` : ''}`;
    })
    .join(' or ');
}

/** The first hit of each source in a scope; best() is the first source's hit. */
export class FirstOf {
  private readonly hits: (Hit | undefined)[];
  private found = 0;
  /** The first segment that is the right one but holds no value: where a missing value is reported. */
  partial: { seg: Segment; position: number; element: number } | undefined;

  constructor(readonly sources: readonly X12ValueSource[]) {
    this.hits = new Array<Hit | undefined>(sources.length);
  }

  offer(seg: Segment, position: number): void {
    if (this.found === this.sources.length) return;
    for (let i = 0; i < this.sources.length; i++) {
      if (this.hits[i]) continue;
      const element = matchSource(this.sources[i]!, seg.e);
      if (element >= 0) {
        this.hits[i] = { value: seg.e[element]!.trim(), element, seg, position };
        this.found++;
      } else if (!this.partial) {
        const element = expectedElement(this.sources[i]!, seg.e);
        if (element !== undefined) this.partial = { seg, position, element };
      }
    }
  }

  best(): Hit | undefined {
    for (const h of this.hits) if (h) return h;
    return undefined;
  }
}

/** Every hit of each source in a scope, each with its ordinal in the scope (serials, asset tags). */
export class AllOf {
  private readonly hits: (Hit & { ordinal: number })[][];

  constructor(readonly sources: readonly X12ValueSource[]) {
    this.hits = sources.map(() => []);
  }

  offer(seg: Segment, position: number, ordinal: number): void {
    for (let i = 0; i < this.sources.length; i++) {
      const element = matchSource(this.sources[i]!, seg.e);
      if (element >= 0) this.hits[i]!.push({ value: seg.e[element]!.trim(), element, seg, position, ordinal });
    }
  }

  /** The hits of the first source that found anything. */
  best(): (Hit & { ordinal: number })[] {
    for (const h of this.hits) if (h.length > 0) return h;
    return [];
  }

  clear(): void {
    for (const h of this.hits) h.length = 0;
  }
}
