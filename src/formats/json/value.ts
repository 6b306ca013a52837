// A small JSON text read whole into a value, through the tokenizer rather than JSON.parse:
// a key twice in one object and nesting past the bound are refused with their line and
// column instead of the last key winning silently. Used for request bodies, which their
// channel's body limit keeps small; documents are read as a stream (reader.ts).
import { INTAKE_LIMITS } from '../../model/limits.js';
import { JsonTokenizer, JsonTextError, type JsonEvents } from './tokenizer.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type Container = JsonValue[] | { [key: string]: JsonValue };

export interface ParseOptions {
  /**
   * An object member whose value is null is left out, as if absent: the reseller
   * protocol's clients send null for a field they do not fill. A null in an array stays.
   */
  nullIsAbsent: boolean;
}

/** Sets a member as JSON.parse does: "__proto__" becomes an own property, never the prototype. */
export function setMember(target: { [key: string]: unknown }, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

class ValueBuilder implements JsonEvents {
  private readonly stack: Container[] = [];
  private readonly keys: string[] = [];
  root: JsonValue | undefined;

  constructor(private readonly options: ParseOptions) {}

  private add(value: JsonValue): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) this.root = value;
    else if (Array.isArray(top)) top.push(value);
    else {
      const key = this.keys.pop()!;
      if (value !== null || !this.options.nullIsAbsent) setMember(top, key, value);
    }
  }

  startObject(): void {
    this.stack.push({});
  }
  startArray(): void {
    this.stack.push([]);
  }
  endObject(): void {
    this.add(this.stack.pop()!);
  }
  endArray(): void {
    this.add(this.stack.pop()!);
  }
  key(name: string): void {
    this.keys.push(name);
  }
  scalar(value: string | number | boolean | null): void {
    this.add(value);
  }
}

/**
 * The value of a complete JSON text, or the JsonTextError saying why and where it was
 * refused. Empty text is a syntax error too: callers that answer it differently check first.
 */
export function parseJsonText(text: string, options: ParseOptions): { value: JsonValue } | { error: JsonTextError } {
  const builder = new ValueBuilder(options);
  const tokenizer = new JsonTokenizer(builder, { maxDepth: INTAKE_LIMITS.jsonDepth, maxMembers: INTAKE_LIMITS.jsonMembersPerObject });
  try {
    tokenizer.push(text);
    tokenizer.end();
  } catch (err) {
    if (err instanceof JsonTextError) return { error: err };
    throw err;
  }
  return { value: builder.root! };
}
