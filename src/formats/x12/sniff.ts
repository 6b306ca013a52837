// A first look at a file's head, for the pipeline to tell X12 from other formats and pick
// the partner's mapping by the transaction sets it holds (ST01 values).
import { ISA_CHARS, isaDelimiters, parseIsa, printable } from './isa.js';

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

/**
 * What is wrong with the first ISA of a head that starts like X12, in the words and place
 * the reader would give (GW-X12-6401 params); undefined when the ISA is sound.
 */
export function x12HeadProblem(head: string): { at: string; detail: string } | undefined {
  const start = Math.max(0, head.search(/[^\s\uFEFF]/));
  const line = 1 + (head.slice(0, start).match(/\n/g)?.length ?? 0);
  const at = `segment 1, line ${line}`;
  const text = head.slice(start);
  if (text.length < ISA_CHARS) return { at, detail: `the file ends inside the ISA segment (${text.length} of ${ISA_CHARS} characters): "${printable(text.slice(0, 20))}"` };
  const parsed = parseIsa(text.slice(0, ISA_CHARS));
  return typeof parsed === 'string' ? { at, detail: parsed } : undefined;
}
