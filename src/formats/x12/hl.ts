// The HL hierarchy of an 856, built as a tree while the segments arrive: shipment (S),
// order (O), tare (T), pack (P), item (I). Every HL is checked against what came before
// it (numbering, parent, level allowed under the parent), so that a device can never be
// filed under the wrong order by a broken hierarchy.
import { ELEMENT_ERROR } from './grammar.js';
import type { Segment } from './segment.js';
import type { SegmentRef, SetErrors } from './set-errors.js';

export const HL_LOOP = 'HL';

/** Levels each level may hold; '' is the root. Items are leaves: serials live in them. */
const CHILDREN: Record<string, readonly string[]> = {
  '': ['S'],
  S: ['O'],
  O: ['T', 'P', 'I'],
  T: ['P', 'I'],
  P: ['I'],
  I: [],
};

export interface HlNode {
  id: string;
  level: string;
  parent: HlNode | undefined;
  ref: SegmentRef & { seg: Segment };
  /** Index of the order (O) level this node belongs to, -1 above or outside one. */
  order: number;
}

export class HlTree {
  private readonly byId = new Map<string, HlNode>();
  /** HL segments seen (CTT01 of an 856 counts them, or its item levels). */
  count = 0;
  orders = 0;
  /** Item levels (HL03 "I") seen. */
  items = 0;

  /** Adds an HL, reporting what is wrong with it (GW-X12-6407); the node is kept either way. */
  add(seg: Segment, position: number, errors: SetErrors): HlNode {
    this.count++;
    const id = seg.e[1] ?? '';
    const parentId = seg.e[2] ?? '';
    const level = seg.e[3] ?? '';
    const ref = { seg, id: 'HL', position, loopId: HL_LOOP };
    const fail = (element: number, code: string, detail: string, value: string) =>
      errors.element(ref, element, code, 'GW-X12-6407', { at: errors.atRef(ref), detail }, value);

    const expected = String(this.count);
    if (id !== expected) {
      fail(1, ELEMENT_ERROR.invalidCode, `HL01 is "${id}", expected ${expected} (HL01 numbers the levels 1, 2, 3... in order)`, id);
    }
    let parent: HlNode | undefined;
    if (parentId !== '') {
      parent = this.byId.get(parentId);
      if (!parent) fail(2, ELEMENT_ERROR.invalidCode, `HL02 names parent ${parentId}, which is not an earlier HL`, parentId);
    } else if (this.count > 1) {
      fail(2, ELEMENT_ERROR.mandatoryMissing, 'HL02 (parent) is missing: only the first HL, the shipment, has none', '');
    }
    const allowed = CHILDREN[level];
    if (!allowed) {
      fail(3, ELEMENT_ERROR.invalidCode, `HL03 level code "${level}" is not one of S, O, T, P, I`, level);
    } else if ((parentId === '' || parent) && !CHILDREN[parent?.level ?? '']!.includes(level)) {
      const under = parent ? `level ${parent.level} (HL ${parent.id})` : 'the top of the hierarchy';
      fail(3, ELEMENT_ERROR.invalidCode, `a level ${level} cannot be under ${under}`, level);
    }
    if (level === 'I') this.items++;
    const node: HlNode = { id, level, parent, ref, order: level === 'O' ? this.orders++ : (parent?.order ?? -1) };
    if (!this.byId.has(id)) this.byId.set(id, node);
    return node;
  }
}
