// A streaming JSON tokenizer: text goes in piece by piece (as the UTF-8 decoder gives it)
// and comes out as events (start and end of objects and arrays, keys, scalars), so that a
// reader builds only what it needs and a 32 MiB document never exists as one string or
// one tree. It also refuses what JSON.parse lets through silently: a key twice in one
// object (RFC 8259 leaves which one counts open; I-JSON, RFC 7493, forbids it), nesting
// past a bound (a recursion and memory cost, not data), and objects with more members
// than the duplicate check should remember. Every refusal names its line and column
// (1-based, columns in UTF-16 units, as lineAndColumn and sax count them).

/** What a consumer does with the tokens. A throw from a handler ends the push that caused it. */
export interface JsonEvents {
  startObject(): void;
  endObject(): void;
  startArray(): void;
  endArray(): void;
  key(name: string): void;
  scalar(value: string | number | boolean | null): void;
}

export type JsonProblem = 'syntax' | 'control' | 'duplicate-key' | 'depth' | 'members';

/** Why the text was refused, and where: the start of the offending token. */
export class JsonTextError extends Error {
  constructor(
    readonly problem: JsonProblem,
    message: string,
    readonly line: number,
    readonly column: number,
    /** The repeated key (duplicate-key), or the refused character's code point (control). */
    readonly detail: { key?: string; codePoint?: number } = {},
  ) {
    super(message);
  }
}

export interface TokenizerLimits {
  /** Objects and arrays open at once; one more is a 'depth' error at its bracket. */
  maxDepth: number;
  /** Members of one object; one more is a 'members' error at its key. */
  maxMembers: number;
  /** An escape (`\u0000`, `\b`) decoding to a code point this refuses is a 'control' error at its backslash. */
  refuseEscaped?: (codePoint: number) => boolean;
}

const enum Mode {
  /** A value must come (top level, after a colon, after a comma in an array). */
  Value,
  /** Just after `[`: a value or `]`. */
  FirstValueOrEnd,
  /** Just after `{`: a key or `}`. */
  FirstKeyOrEnd,
  /** After a comma in an object. */
  Key,
  Colon,
  /** After a value inside a container: a comma or its closing bracket. */
  After,
  /** The top-level value is complete: only whitespace may follow. */
  Done,
}

/** Where a string, a control character or a backslash stops the plain run of a string. */
const STRING_STOP = /["\\\u0000-\u001f]/g;
/** Characters a number token can hold; its exact grammar is checked when it is complete. */
const NUMBER_STOP = /[^0-9eE+\-.]/g;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const SHORT_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const LITERALS: [string, boolean | null][] = [
  ['true', true],
  ['false', false],
  ['null', null],
];
/** Characters of a key or token repeated in a message: enough to recognise it, never a payload. */
const SHOWN_CHARS = 64;

export function shown(text: string): string {
  return JSON.stringify(text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}...` : text);
}

export class JsonTokenizer {
  private mode = Mode.Value;
  /** Open containers: an object's key set (for the duplicate check), or null for an array. */
  private readonly open: (Set<string> | null)[] = [];
  /** Offset (in UTF-16 units of all text pushed) of the start of the text being scanned. */
  private base = 0;
  private line = 1;
  private lineStart = 0;
  /** The unscanned end of the last piece: an escape, a literal or its start, cut by the piece's end. */
  private carry = '';
  private inString = false;
  private stringIsKey = false;
  private stringParts: string[] = [];
  private inNumber = false;
  private numberParts: string[] = [];
  /** Where the token being read began, for its errors. */
  private tokenLine = 1;
  private tokenColumn = 1;
  /** Whether anything but whitespace has been seen. */
  started = false;

  constructor(
    private readonly events: JsonEvents,
    private readonly limits: TokenizerLimits,
  ) {}

  push(piece: string): void {
    const text = this.carry === '' ? piece : this.carry + piece;
    const base = this.base - this.carry.length;
    this.carry = '';
    const end = this.scan(text, base);
    if (end < text.length) this.carry = text.slice(end);
    this.base = base + text.length;
  }

  /** The text is complete: throws unless it held exactly one JSON value. */
  end(): void {
    if (this.inNumber) this.finishNumber();
    if (this.carry !== '' || this.inString) {
      throw this.error('syntax', 'the text ends inside a token', this.tokenLine, this.tokenColumn);
    }
    if (this.mode !== Mode.Done) {
      const { line, column } = this.at(this.base);
      throw this.error('syntax', 'the text ends before the JSON value is complete', line, column);
    }
  }

  private at(offset: number): { line: number; column: number } {
    return { line: this.line, column: offset - this.lineStart + 1 };
  }

  private error(problem: JsonProblem, message: string, line: number, column: number, detail: JsonTextError['detail'] = {}): JsonTextError {
    return new JsonTextError(problem, message, line, column, detail);
  }

  private errorAt(problem: JsonProblem, message: string, offset: number, detail: JsonTextError['detail'] = {}): JsonTextError {
    const { line, column } = this.at(offset);
    return this.error(problem, message, line, column, detail);
  }

  private markToken(offset: number): void {
    this.started = true;
    this.tokenLine = this.line;
    this.tokenColumn = offset - this.lineStart + 1;
  }

  /** Scans `text` (starting at offset `base` of the whole); returns where it stopped (text.length, or the start of a carry). */
  private scan(text: string, base: number): number {
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (this.inString) {
        i = this.scanString(text, i, base);
        if (this.inString) return i;
        continue;
      }
      if (this.inNumber) {
        i = this.scanNumber(text, i);
        if (this.inNumber) return n;
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0d) {
        i++;
        continue;
      }
      if (c === 0x0a) {
        this.line++;
        this.lineStart = base + i + 1;
        i++;
        continue;
      }
      if (c < 0x20) throw this.errorAt('control', 'a control character outside a string', base + i, { codePoint: c });
      this.markToken(base + i);
      const ch = text[i]!;
      switch (this.mode) {
        case Mode.Done:
          throw this.errorAt('syntax', `unexpected ${shown(ch)} after the JSON value`, base + i);
        case Mode.Colon:
          if (ch !== ':') throw this.errorAt('syntax', `expected ":" after a key, found ${shown(ch)}`, base + i);
          this.mode = Mode.Value;
          i++;
          continue;
        case Mode.FirstKeyOrEnd:
        case Mode.Key:
          if (ch === '"') {
            this.startString(true);
            i++;
          } else if (ch === '}' && this.mode === Mode.FirstKeyOrEnd) {
            this.close(false);
            i++;
          } else throw this.errorAt('syntax', `expected a key in quotes, found ${shown(ch)}`, base + i);
          continue;
        case Mode.After:
          this.afterValue(ch, base + i);
          i++;
          continue;
        case Mode.FirstValueOrEnd:
        case Mode.Value: {
          if (ch === ']' && this.mode === Mode.FirstValueOrEnd) {
            this.close(true);
            i++;
            continue;
          }
          const next = this.startValue(text, i, base);
          if (next < 0) return i; // a literal cut by the end of the piece: carried
          i = next;
        }
      }
    }
    return n;
  }

  /** After a value: a comma or the container's closing bracket. */
  private afterValue(ch: string, offset: number): void {
    const top = this.open[this.open.length - 1];
    if (ch === ',') {
      this.mode = top === null ? Mode.Value : Mode.Key;
      return;
    }
    if (ch === (top === null ? ']' : '}')) {
      this.close(top === null);
      return;
    }
    throw this.errorAt('syntax', `expected "," or "${top === null ? ']' : '}'}", found ${shown(ch)}`, offset);
  }

  /** Starts the value at text[i]; returns where scanning goes on, or -1 when a literal needs more text. */
  private startValue(text: string, i: number, base: number): number {
    const ch = text[i]!;
    if (ch === '{' || ch === '[') {
      if (this.open.length >= this.limits.maxDepth) {
        throw this.errorAt('depth', `objects and arrays are nested more than ${this.limits.maxDepth} deep`, base + i);
      }
      const isArray = ch === '[';
      this.open.push(isArray ? null : new Set());
      this.mode = isArray ? Mode.FirstValueOrEnd : Mode.FirstKeyOrEnd;
      if (isArray) this.events.startArray();
      else this.events.startObject();
      return i + 1;
    }
    if (ch === '"') {
      this.startString(false);
      return i + 1;
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      this.inNumber = true;
      this.numberParts = [];
      return this.scanNumber(text, i);
    }
    for (const [word, value] of LITERALS) {
      if (word[0] !== ch) continue;
      const have = text.slice(i, i + word.length);
      if (have === word) {
        this.valueDone();
        this.events.scalar(value);
        return i + word.length;
      }
      if (have.length < word.length && word.startsWith(have)) return -1;
    }
    throw this.errorAt('syntax', `unexpected ${shown(ch)} where a value should be`, base + i);
  }

  private startString(isKey: boolean): void {
    this.inString = true;
    this.stringIsKey = isKey;
    this.stringParts = [];
  }

  /** Reads string content from text[i]; returns where it stopped (past the closing quote, or at a carried escape). */
  private scanString(text: string, i: number, base: number): number {
    const n = text.length;
    while (i < n) {
      STRING_STOP.lastIndex = i;
      const m = STRING_STOP.exec(text);
      if (m === null) {
        this.stringParts.push(text.slice(i));
        return n;
      }
      const j = m.index;
      if (j > i) this.stringParts.push(text.slice(i, j));
      const c = text.charCodeAt(j);
      if (c === 0x22) {
        this.inString = false;
        this.stringDone(this.stringParts.length === 1 ? this.stringParts[0]! : this.stringParts.join(''));
        return j + 1;
      }
      if (c < 0x20) throw this.errorAt('control', 'a control character written as it is in a string', base + j, { codePoint: c });
      // A backslash: its escape may be cut by the end of the piece; then it is carried.
      if (j + 1 >= n) return j;
      const kind = text[j + 1]!;
      let decoded: string;
      let next: number;
      if (kind === 'u') {
        if (j + 6 > n) return j;
        const hex = text.slice(j + 2, j + 6);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw this.errorAt('syntax', `a \\u escape needs four hex digits, not ${shown(hex)}`, base + j);
        decoded = String.fromCharCode(parseInt(hex, 16));
        next = j + 6;
      } else {
        const short = SHORT_ESCAPES[kind];
        if (short === undefined) throw this.errorAt('syntax', `${shown(`\\${kind}`)} is not an escape`, base + j);
        decoded = short;
        next = j + 2;
      }
      const codePoint = decoded.charCodeAt(0);
      if (this.limits.refuseEscaped?.(codePoint)) throw this.errorAt('control', 'a control character written as an escape', base + j, { codePoint });
      this.stringParts.push(decoded);
      i = next;
    }
    return n;
  }

  private stringDone(value: string): void {
    if (!this.stringIsKey) {
      this.valueDone();
      this.events.scalar(value);
      return;
    }
    const keys = this.open[this.open.length - 1]!;
    if (keys.has(value)) {
      throw this.error('duplicate-key', `the key ${shown(value)} appears twice in one object`, this.tokenLine, this.tokenColumn, { key: value });
    }
    if (keys.size >= this.limits.maxMembers) {
      throw this.error('members', `an object has more than ${this.limits.maxMembers} members`, this.tokenLine, this.tokenColumn);
    }
    keys.add(value);
    this.mode = Mode.Colon;
    this.events.key(value);
  }

  private scanNumber(text: string, i: number): number {
    NUMBER_STOP.lastIndex = i;
    const m = NUMBER_STOP.exec(text);
    const j = m === null ? text.length : m.index;
    if (j > i) this.numberParts.push(text.slice(i, j));
    if (m !== null) this.finishNumber();
    return j;
  }

  private finishNumber(): void {
    this.inNumber = false;
    const written = this.numberParts.join('');
    if (!NUMBER.test(written)) throw this.error('syntax', `${shown(written)} is not a number`, this.tokenLine, this.tokenColumn);
    this.valueDone();
    this.events.scalar(Number(written));
  }

  private close(isArray: boolean): void {
    this.open.pop();
    this.valueDone();
    if (isArray) this.events.endArray();
    else this.events.endObject();
  }

  /** A value ended (a scalar, or a container closed): what may come next. */
  private valueDone(): void {
    this.mode = this.open.length === 0 ? Mode.Done : Mode.After;
  }
}

/** A JSON text's position, as errors name it: "line 3, column 14". */
export function positionOf(err: JsonTextError): string {
  return `line ${err.line}, column ${err.column}`;
}
