// Characters a format does not allow in its text, refused while reading (GW-DOC-6013)
// so that they never reach a field, a message or the database: PostgreSQL refuses a NUL
// in a text value, and the insert would fail with the document's bytes unrecorded.
// X12 refuses its own way (GW-X12-6402, element by element, for its 997).
import type { DocumentError } from './types.js';

/** C0 controls other than TAB, LF and CR: what CSV and JSON text may not carry. */
export const C0_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

/**
 * Outside XML 1.0's Char production (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
 * [#x10000-#x10FFFF]), in text that went through the strict UTF-8 decoder: it leaves no
 * lone surrogate, so the C0 controls and U+FFFE, U+FFFF are all there is to find.
 */
export const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Whether a code point (from an XML character reference, say) matches XML 1.0's Char. */
export function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

/** Whether a code point is a C0 control other than TAB, LF and CR. */
export function isForbiddenControl(codePoint: number): boolean {
  return codePoint < 0x20 && codePoint !== 0x9 && codePoint !== 0xa && codePoint !== 0xd;
}

/** "U+0000": how the character is named in the message, never the character itself. */
export function codePointName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** GW-DOC-6013 for the character at `at` ("file, line 3, column 9"). */
export function forbiddenCharacter(codePoint: number, at: string): DocumentError {
  return { code: 'GW-DOC-6013', params: { char: codePointName(codePoint), at } };
}

/** 1-based line and column (in UTF-16 units, as sax counts) of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
