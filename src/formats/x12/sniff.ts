// A first look at a file's head, for the pipeline to tell X12 from other formats and pick
// the partner's mapping by the transaction sets it holds (ST01 values).
import { ISA_CHARS, isaDelimiters } from './isa.js';

/** How far into the head an ISA may start (after a BOM and blank lines). */
const LEADING_BLANK_CHARS = 1024;

/**
 * `{ setIds }` when `head` starts with an X12 interchange (after blanks), with the
 * distinct ST01 values found in it; undefined when it is not X12. A head cut in the
 * middle of a segment is fine: only complete ST segments count.
 */
export function sniffX12(head: string): { setIds: string[] } | undefined {
  const start = head.search(/[^\s\uFEFF]/);
  if (start < 0 || start > LEADING_BLANK_CHARS) return undefined;
  let rest = head.slice(start);
  const setIds: string[] = [];
  let first = true;
  // Each interchange brings its own delimiters: read them from each ISA found.
  for (;;) {
    const d = isaDelimiters(rest);
    if (!d) return first ? undefined : { setIds };
    first = false;
    const body = rest.slice(ISA_CHARS);
    const segments = body.split(d.segment);
    let next = -1;
    let offset = 0;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!.replace(/^\s+/, '');
      // The last piece may be cut short by the end of the head.
      const complete = i < segments.length - 1;
      if (seg.startsWith(`ST${d.element}`) && complete) {
        const id = seg.split(d.element)[1] ?? '';
        if (id && !setIds.includes(id)) setIds.push(id);
      } else if (seg.startsWith('ISA')) {
        next = ISA_CHARS + offset + segments[i]!.indexOf('ISA');
        break;
      }
      offset += segments[i]!.length + d.segment.length;
    }
    if (next < 0) return { setIds };
    rest = rest.slice(next);
  }
}
