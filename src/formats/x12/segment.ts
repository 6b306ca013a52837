// One X12 segment as the tokenizer hands it over, and how errors name where it sits.

/** The delimiters of one interchange, read from its ISA. */
export interface X12Delimiters {
  element: string;
  component: string;
  segment: string;
}

export interface Segment {
  /** `e[0]` is the segment id; `e[n]` is element n, as X12 numbers them (BEG03 is e[3]). */
  e: string[];
  /** 1-based line of the file the segment starts on. */
  line: number;
  /** 1-based position of the segment in the file. */
  n: number;
}

/** "SN1*1*EA": the start of the segment, with the interchange's element separator. */
export function preview(seg: Segment, separator: string, maxChars: number): string {
  const text = seg.e.join(separator);
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}...`;
}

/** "segment 57 (SN1*1*EA), line 58": for segments outside a set (envelopes). */
export function fileAt(seg: Segment, separator: string, maxChars: number): string {
  return `segment ${seg.n} (${preview(seg, separator, maxChars)}), line ${seg.line}`;
}
