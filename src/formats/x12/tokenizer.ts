// Splits decoded X12 text into segments, chunk by chunk. Synchronous on purpose: the
// reader pushes each decoded chunk and pulls segments until the tokenizer needs more,
// so a million segments cost a million indexOf/split calls and no promise each.
//
// Each interchange brings its own delimiters in its ISA; between interchanges, and
// between segments, line breaks and blanks are skipped (CRLF after "~" is common).
import { ISA_CHARS, parseIsa, printable } from './isa.js';
import type { Segment, X12Delimiters } from './segment.js';

export interface TokenizerFailure {
  /** GW-X12-6401: no usable ISA where one must be; GW-DOC-6009: a segment past the size limit. */
  code: 'GW-X12-6401' | 'GW-DOC-6009';
  detail: string;
  at: string;
}

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const BOM = 0xfeff;
// NUL and SUB (Ctrl-Z): padding some transfer software adds at the end of a file.
const NUL = 0;
const SUB = 26;

export class X12Tokenizer {
  private buf = '';
  private pos = 0;
  private ended = false;
  private line = 1;
  private count = 0;
  /** Index in buf of the next element separator / line feed at or after the last search, or buf.length for none. */
  private sepAt = -1;
  private lfAt = -1;
  private delims: X12Delimiters | undefined;
  /** Set when reading cannot go on; `next()` then returns undefined for good. */
  failure: TokenizerFailure | undefined;
  /** True once anything but blanks was seen: an all-blank file is empty, not malformed. */
  sawContent = false;

  constructor(private readonly maxSegmentChars: number) {}

  /** The delimiters of the interchange being read (after its ISA). */
  get delimiters(): X12Delimiters | undefined {
    return this.delims;
  }

  /** Segments handed out so far. */
  get segmentCount(): number {
    return this.count;
  }

  /** "segment 18, line 18": the segment being read, for errors found in its bytes. */
  get position(): string {
    return `segment ${this.count + 1}, line ${this.line}`;
  }

  push(text: string): void {
    // Keep only the unread tail: memory stays one chunk plus one partial segment.
    this.buf = this.pos === 0 ? this.buf + text : this.buf.slice(this.pos) + text;
    this.pos = 0;
    // Remembered indexes point into the old buffer: search again.
    this.sepAt = -1;
    this.lfAt = -1;
  }

  end(): void {
    this.ended = true;
  }

  /** The next complete segment, or undefined when more input is needed, input ended, or reading failed. */
  next(): Segment | undefined {
    if (this.failure) return undefined;
    const buf = this.buf;
    const len = buf.length;
    let p = this.pos;
    while (p < len) {
      const c = buf.charCodeAt(p);
      if (c === LF) this.line++;
      else if (c !== CR && c !== SPACE && c !== TAB && c !== BOM && c !== NUL && c !== SUB) break;
      p++;
    }
    this.pos = p;
    if (p >= len) return undefined;
    this.sawContent = true;
    // An ISA starts every interchange; one met inside an interchange starts a new one (the
    // reader reports the missing trailers), and brings its own delimiters.
    if (this.delims === undefined || (buf.charCodeAt(p) === 73 && buf.startsWith('ISA', p))) return this.readIsa();
    const term = this.delims.segment;
    let end = buf.indexOf(term, p);
    let next = end + 1;
    if (end < 0) {
      if (len - p > this.maxSegmentChars) return this.fail('GW-DOC-6009', `a segment is longer than ${this.maxSegmentChars} characters (no segment terminator "${printable(term)}" found)`);
      if (!this.ended) return undefined;
      // The last segment may lack its terminator; take it whole rather than lose it.
      end = len;
      next = len;
      while (end > p && isBlank(buf.charCodeAt(end - 1))) end--;
    } else if (end - p > this.maxSegmentChars) {
      return this.fail('GW-DOC-6009', `a segment is longer than ${this.maxSegmentChars} characters`);
    }
    // With a line feed as terminator, a CRLF file leaves a CR at the end of each segment.
    if (term === '\n' && end > p && buf.charCodeAt(end - 1) === CR) end--;
    const seg: Segment = { e: this.splitElements(p, end), line: this.line, n: ++this.count };
    if (term === '\n') this.line++;
    else this.countLf(p, end);
    this.pos = next;
    if (seg.e[0] === 'IEA') this.delims = undefined;
    return seg;
  }

  private readIsa(): Segment | undefined {
    const buf = this.buf;
    const p = this.pos;
    const available = buf.length - p;
    // Refuse garbage as soon as three characters show it is not an ISA.
    if (available >= 3 && !buf.startsWith('ISA', p)) {
      return this.fail('GW-X12-6401', `expected an ISA segment, found "${printable(buf.slice(p, p + 20))}"`);
    }
    if (available < ISA_CHARS) {
      if (!this.ended) return undefined;
      if (!'ISA'.startsWith(buf.slice(p))) {
        return this.fail('GW-X12-6401', `expected an ISA segment, found "${printable(buf.slice(p))}"`);
      }
      return this.fail('GW-X12-6401', `the file ends inside the ISA segment (${available} of ${ISA_CHARS} characters)`);
    }
    const text = buf.slice(p, p + ISA_CHARS);
    const parsed = parseIsa(text);
    if (typeof parsed === 'string') return this.fail('GW-X12-6401', parsed);
    this.delims = parsed.delimiters;
    this.sepAt = -1;
    const seg: Segment = { e: parsed.elements, line: this.line, n: ++this.count };
    if (parsed.delimiters.segment === '\n') this.line++;
    this.pos = p + ISA_CHARS;
    return seg;
  }

  /**
   * The elements of buf[from, to). Slicing each element straight out of the buffer is
   * about twice as fast as slicing the segment and splitting it, and this runs once per
   * segment. The next separator's index is remembered, so that a run of segments without
   * separators cannot make the search quadratic.
   */
  private splitElements(from: number, to: number): string[] {
    const buf = this.buf;
    const separator = this.delims!.element;
    const out: string[] = [];
    let start = from;
    if (this.sepAt < from) this.sepAt = indexOrEnd(buf, separator, from);
    while (this.sepAt < to) {
      out.push(buf.slice(start, this.sepAt));
      start = this.sepAt + 1;
      this.sepAt = indexOrEnd(buf, separator, start);
    }
    out.push(buf.slice(start, to));
    return out;
  }

  /** Counts line feeds inside buf[from, to) (rare), remembering the next one's index likewise. */
  private countLf(from: number, to: number): void {
    if (this.lfAt < from) this.lfAt = indexOrEnd(this.buf, '\n', from);
    while (this.lfAt < to) {
      this.line++;
      this.lfAt = indexOrEnd(this.buf, '\n', this.lfAt + 1);
    }
  }

  private fail(code: TokenizerFailure['code'], detail: string): undefined {
    this.failure = { code, detail, at: `segment ${this.count + 1}, line ${this.line}` };
    return undefined;
  }
}

function isBlank(c: number): boolean {
  return c === LF || c === CR || c === SPACE || c === TAB;
}

function indexOrEnd(buf: string, search: string, from: number): number {
  const i = buf.indexOf(search, from);
  return i < 0 ? buf.length : i;
}
