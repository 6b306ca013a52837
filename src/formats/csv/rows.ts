// CSV text -> rows, each with the line it starts on, parsed by papaparse's core Parser.
//
// Why the core Parser, fed by hand, rather than Papa.parse on a Node stream: papaparse's
// stream readers decode each Buffer on its own (a character split between two chunks
// becomes U+FFFD), leave a byte-order mark in the first field, guess the line break from
// whatever the first chunk holds and keep that guess for the file, report a malformed
// quote when a chunk ends between a closing quote and its CRLF, and pause without back
// pressure. Here the text comes from the strict decoder (utf8.ts: whole characters, no
// BOM), the line break is settled from the first line, and only text up to the last line
// break is parsed; the rest waits for the next chunk. papaparse's `ignoreLastRow` keeps a
// quoted field that spans that cut for the next call, as its own streamers do.
//
// Lines: papaparse counts rows and gives `meta.cursor`, a character offset; the line a
// row starts on is counted here from the line breaks between cursors (one indexOf per
// row when the row is one line). Empty lines are skipped, and counted.
//
// What papaparse lets through and a partner must hear about is refused here:
//  - a quote inside an unquoted field (`AB"C`, ` "ABC"`): papaparse keeps it as data;
//  - a row longer than the line limit (GW-DOC-6009): checked as rows complete, and on the
//    text still waiting for its line break, so memory stays bounded by the limit;
//  - a C0 control character other than TAB, LF, CR in any field (GW-DOC-6013): the row is
//    refused and reading goes on. The text is searched once per parse; fields are looked
//    at one by one only in the row that holds one.
// Malformed quoting stops reading (GW-CSV-6101), as there is no telling where the next
// row starts.
import Papa from 'papaparse';
import type { DocumentError } from '../types.js';
import { C0_CONTROL, forbiddenCharacter } from '../forbidden-chars.js';

export interface CsvRowsOptions {
  delimiter: string;
  quote: string;
  /** Bytes of one row at most (its line break not counted). */
  maxLineBytes: number;
  /** For messages only. */
  fileName: string;
}

/** Where the rows go. */
export interface CsvRowSink {
  /** A row read whole: its fields and the line it starts on (1-based). */
  row(fields: string[], line: number): void;
  /** A row refused for what it holds (a control character); reading goes on. */
  refuse(error: DocumentError): void;
  /** Read no further rows (too many errors, a bad header). Checked after every row. */
  readonly stopped: boolean;
}

/** What the core Parser answers (its typings say `any`); only what is used here. */
interface PapaResult {
  data: string[][];
  errors: Papa.ParseError[];
  meta: { cursor: number };
}

/** Bytes of UTF-8 per UTF-16 unit at most (a surrogate pair, two units, is four bytes). */
const MAX_BYTES_PER_CHAR = 3;

/** A delimiter papaparse cannot use: it would quietly split on "," instead. */
export function unusableDelimiter(delimiter: string, quote: string): boolean {
  return (Papa.BAD_DELIMITERS as readonly string[]).includes(delimiter) || delimiter === quote || C0_CONTROL.test(delimiter);
}

export class CsvRows {
  /** Set when reading cannot go on (malformed quoting, a row over the limit); nothing after it is read. */
  fatal: DocumentError | undefined;
  /** Text not parsed yet; it starts where a row starts. */
  private pending = '';
  /** The line `pending` starts on. */
  private line = 1;
  /** Settled from the first line break: "\n" (LF or CRLF: a CR before it is trimmed with the field) or "\r". */
  private lineBreak: '\n' | '\r' | undefined;
  private parser: Papa.Parser | undefined;
  // The text being parsed, and where in it the next row starts.
  private input = '';
  private rowStart = 0;
  /** Offsets in `input` of the next quote and the next control character (Infinity: none). */
  private nextQuote = Infinity;
  private nextControl = Infinity;
  private readonly controls = new RegExp(C0_CONTROL.source, 'g');

  constructor(
    private readonly options: CsvRowsOptions,
    private readonly sink: CsvRowSink,
  ) {}

  get done(): boolean {
    return this.fatal !== undefined || this.sink.stopped;
  }

  /** Parses every row the text completes. */
  write(text: string): void {
    if (this.done) return;
    const pending = this.pending + text;
    this.lineBreak ??= settleLineBreak(pending, false);
    const cut = this.lineBreak === undefined ? -1 : pending.lastIndexOf(this.lineBreak);
    if (cut === -1) {
      this.pending = pending;
    } else {
      const consumed = this.parse(pending.slice(0, cut + 1), true);
      this.pending = pending.slice(consumed);
    }
    this.checkPending();
  }

  /** The text has ended: parses the last row (which may have no line break). */
  end(): void {
    if (this.done || this.pending === '') return;
    this.lineBreak ??= settleLineBreak(this.pending, true);
    this.parse(this.pending, false);
    this.pending = '';
  }

  /** Parses `input`; answers how much of it was read (up to the end of the last whole row). */
  private parse(input: string, moreToCome: boolean): number {
    const parser = (this.parser ??= new Papa.Parser({
      delimiter: this.options.delimiter,
      newline: this.lineBreak,
      quoteChar: this.options.quote,
      escapeChar: this.options.quote,
      step: (result: Papa.ParseStepResult<string[][]>) => this.step(result),
    }));
    this.input = input;
    this.rowStart = 0;
    const quote = input.indexOf(this.options.quote);
    this.nextQuote = quote === -1 ? Infinity : quote;
    this.nextControl = this.findControl(0);
    const result = parser.parse(input, 0, moreToCome) as PapaResult;
    // Errors left over belong to a row papaparse has not finished: with text still to
    // come, only a quote it already knows to be malformed can be among them.
    if (!this.done && result.errors.length > 0) this.fatal = this.malformed(result.errors[0]!, this.line);
    const consumed = this.rowStart;
    this.input = '';
    return consumed;
  }

  private step(result: Papa.ParseStepResult<string[][]>): void {
    const start = this.rowStart;
    const end = result.meta.cursor;
    this.rowStart = end;
    const line = this.line;
    this.line += this.lineBreaksIn(start, end);
    if (result.errors.length > 0) return this.halt(this.malformed(result.errors[0]!, line));
    const fields = result.data[0]!;
    // An empty line is skipped. A line of "" gives papaparse the same row, but is a row of one empty field.
    if (fields.length === 1 && (fields[0] === '' || fields[0] === '\r') && this.nextQuote >= end) return;
    if (this.overLimit(start, end)) return this.halt(this.limitError(line, `the row is longer than ${this.options.maxLineBytes} bytes`));
    if (this.nextQuote < end) {
      const column = unquotedFieldWithQuote(this.input.slice(start, end), this.options.delimiter, this.options.quote);
      if (column > 0) return this.halt(this.csvError(line, `a quote inside the unquoted field in column ${column}: quote the whole field and double the quote`));
      const next = this.input.indexOf(this.options.quote, end);
      this.nextQuote = next === -1 ? Infinity : next;
    }
    if (this.nextControl < end) {
      this.nextControl = this.findControl(end);
      this.sink.refuse(controlCharacterIn(fields, line, this.lineBreak!, this.options.fileName));
    } else {
      this.sink.row(fields, line);
    }
    if (this.sink.stopped) this.parser!.abort();
  }

  /** Reading cannot go on: papaparse is told to stop at once. */
  private halt(error: DocumentError): void {
    this.fatal = error;
    this.parser!.abort();
  }

  private lineBreaksIn(start: number, end: number): number {
    const lineBreak = this.lineBreak!;
    let at = this.input.indexOf(lineBreak, start);
    if (at === -1 || at >= end) return 0;
    if (at === end - 1) return 1; // the row is one line: the common case, one search
    let count = 0;
    for (; at !== -1 && at < end; at = this.input.indexOf(lineBreak, at + 1)) count++;
    return count;
  }

  /** Whether the row [start, end) is longer than the limit, its line break not counted. */
  private overLimit(start: number, end: number): boolean {
    const max = this.options.maxLineBytes;
    let chars = end - start;
    if (chars <= max / MAX_BYTES_PER_CHAR) return false; // cannot be over, whatever it holds
    const text = this.input;
    if (text[end - 1] === this.lineBreak) chars--;
    if (text[start + chars - 1] === '\r') chars--;
    return chars > max / MAX_BYTES_PER_CHAR && Buffer.byteLength(text.slice(start, start + chars)) > max;
  }

  /** Text still waiting for its line break (or its closing quote) is bounded by the limit too. */
  private checkPending(): void {
    if (this.done) return;
    const max = this.options.maxLineBytes;
    if (this.pending.length <= max) return; // one UTF-16 unit is at least one byte
    const openQuote = this.pending.includes(this.options.quote) ? ' (is a quoted field never closed?)' : '';
    this.fatal = this.limitError(this.line, `the row is longer than ${max} bytes${openQuote}`);
  }

  private findControl(from: number): number {
    this.controls.lastIndex = from;
    return this.controls.exec(this.input)?.index ?? Infinity;
  }

  private malformed(error: Papa.ParseError, line: number): DocumentError {
    const detail =
      error.code === 'MissingQuotes'
        ? 'a quoted field is never closed'
        : error.code === 'InvalidQuotes'
          ? 'a closing quote is followed by something other than a delimiter or the end of the line'
          : error.message;
    return this.csvError(line, detail);
  }

  private csvError(line: number, detail: string): DocumentError {
    return { code: 'GW-CSV-6101', params: { at: `${this.options.fileName}, line ${line}`, detail } };
  }

  private limitError(line: number, detail: string): DocumentError {
    return { code: 'GW-DOC-6009', params: { at: `${this.options.fileName}, line ${line}`, detail } };
  }
}

/**
 * The line break of the file, from its first one: "\r" when that is a CR alone (files
 * from old Mac software), else "\n". Undefined while the text does not show it yet.
 */
function settleLineBreak(text: string, final: boolean): '\n' | '\r' | undefined {
  const lf = text.indexOf('\n');
  const cr = text.indexOf('\r');
  if (cr === -1 || (lf !== -1 && lf < cr)) return lf === -1 && !final ? undefined : '\n';
  if (cr + 1 < text.length) return text[cr + 1] === '\n' ? '\n' : '\r';
  return final ? '\r' : undefined; // a CR at the very end: is an LF next?
}

/**
 * 1-based column of the first unquoted field that holds a quote in a raw row, or 0.
 * Quoted fields are skipped whole (papaparse has checked how they close).
 */
export function unquotedFieldWithQuote(raw: string, delimiter: string, quote: string): number {
  let column = 1;
  let i = 0;
  for (;;) {
    const quoted = raw[i] === quote;
    if (quoted) {
      let close = i + 1;
      for (;;) {
        close = raw.indexOf(quote, close);
        if (close === -1) return 0;
        if (raw[close + 1] !== quote) break;
        close += 2; // a doubled quote is a quote in the data
      }
      i = close + 1;
    }
    const next = raw.indexOf(delimiter, i);
    if (!quoted) {
      const stray = raw.indexOf(quote, i);
      if (stray !== -1 && (next === -1 || stray < next)) return column;
    }
    if (next === -1) return 0;
    i = next + delimiter.length;
    column++;
  }
}

/** GW-DOC-6013 for the first control character in a row's fields: its line, and its field as the column. */
function controlCharacterIn(fields: string[], line: number, lineBreak: string, fileName: string): DocumentError {
  let lineOfField = line;
  const breaksBefore = (field: string, end: number) => {
    for (let at = field.indexOf(lineBreak); at !== -1 && at < end; at = field.indexOf(lineBreak, at + 1)) lineOfField++;
  };
  for (const [index, field] of fields.entries()) {
    const at = field.search(C0_CONTROL);
    if (at !== -1) {
      breaksBefore(field, at);
      return forbiddenCharacter(field.charCodeAt(at), `${fileName}, line ${lineOfField}, column ${index + 1}`);
    }
    breaksBefore(field, field.length);
  }
  throw new Error('controlCharacterIn: the row holds no control character');
}
