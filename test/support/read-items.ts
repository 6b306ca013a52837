// Shared by the reader tests: a seeded random source (a failing random cut can be
// replayed) and the split of what a reader yielded into errors and documents.
import type { DocumentError, ReadItem } from '../../src/formats/types.js';

/** A small deterministic generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function errorsOf(items: ReadItem[]): DocumentError[] {
  return items.flatMap((i) => (i.type === 'error' ? [i.error] : []));
}

export type DocumentItem = Extract<ReadItem, { type: 'purchaseOrder' | 'shipNotice' }>;

/** Purchase orders and ship notices, in the order they came. */
export function documentsOf(items: ReadItem[]): DocumentItem[] {
  return items.filter((i): i is DocumentItem => i.type === 'purchaseOrder' || i.type === 'shipNotice');
}
