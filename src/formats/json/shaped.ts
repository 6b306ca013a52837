// Builds from tokenizer events only what a shape asks for, and hands each element of an
// array to the shape's `each` as soon as it is complete: a reader keeps one order, not the
// document. Whatever the shape does not name (an unknown key, a container where a scalar
// belongs) is tokenized, so still checked for syntax and duplicate keys, but never built:
// a 32 MiB document of nested arrays costs the tokenizer's stack and nothing more.
import type { JsonEvents } from './tokenizer.js';
import { setMember } from './value.js';

export type JsonObject = { [key: string]: unknown };

export type Shape =
  | { kind: 'scalar' }
  | { kind: 'object'; fields: Readonly<Record<string, Shape>> }
  | {
      kind: 'array';
      of: Shape;
      /**
       * Called with each element once it is complete (an object built to its shape, a scalar,
       * or NOT_BUILT for a container of the wrong kind) and its JSON pointer; what it returns
       * is kept in the array, unless undefined.
       */
      each?: (value: unknown, pointer: string) => unknown;
      /** Elements kept at most; later ones are still given to `each`, but not kept. */
      keepItems?: number;
    };

/** An array element that is a container of the kind its shape does not expect: there, but not built. */
export const NOT_BUILT: unique symbol = Symbol('not built');

interface Frame {
  /** null: a container being skipped. */
  shape: Shape | null;
  value: JsonObject | unknown[] | null;
  /** How its parent names it in a JSON pointer. */
  name: string;
  /** Elements seen so far (arrays). */
  count: number;
  /** The key whose value comes next (objects). */
  key: string;
}

export class ShapedBuilder implements JsonEvents {
  private readonly frames: Frame[] = [];
  /** The top-level value, when it was an object (built to the root shape). */
  root: JsonObject | undefined;

  constructor(private readonly rootShape: Shape) {}

  /** The JSON pointer of the top frame ('' for the top-level value). */
  private pointer(): string {
    let p = '';
    for (let i = 1; i < this.frames.length; i++) p += `/${this.frames[i]!.name}`;
    return p;
  }

  /** The shape the next value has, given where it appears. */
  private next(): Shape | null {
    const top = this.frames[this.frames.length - 1];
    if (top === undefined) return this.rootShape;
    if (top.shape?.kind === 'object') return top.shape.fields[top.key] ?? null;
    if (top.shape?.kind === 'array') return top.shape.of;
    return null;
  }

  /** How the next value is named in a JSON pointer (only containers need one). */
  private nextName(): string {
    const top = this.frames[this.frames.length - 1];
    if (top === undefined || top.shape === null) return '';
    return top.shape.kind === 'array' ? String(top.count) : escapePointer(top.key);
  }

  private start(isArray: boolean): void {
    const shape = this.next();
    const fits = shape !== null && shape.kind === (isArray ? 'array' : 'object');
    this.frames.push({ shape: fits ? shape : null, value: fits ? (isArray ? [] : {}) : null, name: fits ? this.nextName() : '', count: 0, key: '' });
  }

  private end(): void {
    const frame = this.frames.pop()!;
    const parent = this.frames[this.frames.length - 1];
    if (parent === undefined) {
      if (frame.value !== null && !Array.isArray(frame.value)) this.root = frame.value;
      return;
    }
    // A container nobody asked for is dropped; one in an array of objects still counts as an element.
    if (frame.value === null) {
      if (parent.shape?.kind === 'array') this.add(parent, NOT_BUILT);
      return;
    }
    this.add(parent, frame.value);
  }

  /** A complete value for the parent frame: a member of an object, or an element of an array. */
  private add(parent: Frame, value: unknown): void {
    if (parent.shape === null || parent.value === null) return;
    if (parent.shape.kind === 'object') {
      if (value !== null) setMember(parent.value as JsonObject, parent.key, value); // null is absent
      return;
    }
    if (parent.shape.kind !== 'array') return;
    const index = parent.count++;
    const each = parent.shape.each;
    const kept = each ? each(value, `${this.pointer()}/${index}`) : value;
    const list = parent.value as unknown[];
    if (kept !== undefined && list.length < (parent.shape.keepItems ?? Infinity)) list.push(kept);
  }

  startObject(): void {
    this.start(false);
  }
  startArray(): void {
    this.start(true);
  }
  endObject(): void {
    this.end();
  }
  endArray(): void {
    this.end();
  }
  key(name: string): void {
    this.frames[this.frames.length - 1]!.key = name;
  }
  scalar(value: string | number | boolean | null): void {
    const top = this.frames[this.frames.length - 1];
    if (top === undefined) return; // a top-level scalar: not the document's shape
    const shape = this.next();
    // A scalar where an object or array belongs is kept only as an array element (so that
    // the reader can say the element is not an object); as a member it is absent.
    if (top.shape?.kind === 'array' || shape?.kind === 'scalar') this.add(top, value);
  }
}

/** A key as a JSON pointer names it (RFC 6901). */
function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
