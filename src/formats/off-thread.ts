// A reader run on a worker thread, for large documents: reading a million-serial CSV
// (decoding, splitting, mapping each row) took 1.4 s of its 10.6 s ingest on SQLite, on
// the thread that applies it. On its own thread the reading runs beside the apply, on
// the second core, and hands over what it read in batches, in order.
//
// The caller's thread keeps the source: it sends the bytes as the reader asks for them
// (a few chunks ahead), so a source read inside a database transaction (a replay of kept
// bytes) stays where its connection is. The reader runs a few batches (of about an order
// each) ahead of the consumer, no more: memory stays bounded by what one document already
// needs. How many of each: INTAKE_LIMITS.readOffThread*.
import { Worker } from 'node:worker_threads';
import { INTAKE_LIMITS } from '../model/limits.js';
import type { MappingFormat } from '../mapping/mapping.js';
import type { ReadContext, ReadItem } from './types.js';

/** Sent to the reading thread. */
export type ToReader = { type: 'chunk'; chunk: Uint8Array } | { type: 'end' } | { type: 'ack' };
/** Sent back. */
export type FromReader = { type: 'need' } | { type: 'items'; items: ReadItem[] } | { type: 'done' } | { type: 'fail'; message: string; stack?: string };
export interface ReaderThreadData {
  format: MappingFormat;
  ctx: ReadContext;
}

/** How much a batch of read items weighs: documents count once, and their devices and lines each. */
export function itemWeight(item: ReadItem): number {
  if (item.type === 'shipNotice') return 1 + item.doc.devices.length;
  if (item.type === 'purchaseOrder') return 1 + item.doc.lines.length;
  return 1;
}

/**
 * A reader's thread, started before its input is ready (while the document's bytes are
 * hashed and kept), so that the thread's start (about 90 ms: the thread, then the reader's
 * modules) overlaps that work. `items` may be taken once; `close` ends the thread, and must
 * be called whether or not the items were taken.
 */
export class ReadingThread {
  private readonly worker: Worker;
  private source: AsyncIterator<Buffer> | undefined;
  /** Chunks the reader asked for before `items` gave its input: sent as soon as it does. */
  private askedBeforeInput = 0;
  private taken = false;
  private readonly arrived: FromReader[] = [];
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  // Chunks go out one at a time, in order, each when the reader asks for one.
  private sending: Promise<void> = Promise.resolve();

  constructor(format: MappingFormat, ctx: ReadContext) {
    const data: ReaderThreadData = { format, ctx };
    this.worker = new Worker(new URL('./read-thread.js', import.meta.url), {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: INTAKE_LIMITS.readOffThreadYoungGenerationMb },
    });
    this.worker.on('message', (message: FromReader) => {
      if (message.type !== 'need') this.deliver(message);
      else if (this.source) this.sendNext(this.source);
      else this.askedBeforeInput++;
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the reading thread stopped (exit code ${code}) before the end of the document`)));
  }

  /**
   * The items the reader yields for `input`: the same items, in the same order, as the
   * reader itself gives on this thread (test/formats/off-thread.test.ts). An error of the
   * input (its source failing) or of the reader is thrown from here.
   */
  async *items(input: AsyncIterable<Buffer>): AsyncIterable<ReadItem> {
    if (this.taken) throw new Error('a reading thread reads one input');
    this.taken = true;
    const source = (this.source = input[Symbol.asyncIterator]());
    for (; this.askedBeforeInput > 0; this.askedBeforeInput--) this.sendNext(source);
    for (;;) {
      while (this.arrived.length === 0 && !this.failure) await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
      const message = this.arrived.shift();
      if (!message) throw this.failure!;
      if (message.type === 'done') return;
      if (message.type === 'fail') throw Object.assign(new Error(message.message), { stack: message.stack });
      if (message.type === 'items') {
        yield* message.items;
        // Acknowledged once consumed: the reader stays at most readOffThreadWeightAhead devices and lines ahead of the apply.
        const ack: ToReader = { type: 'ack' };
        this.worker.postMessage(ack);
      }
    }
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    this.worker.removeAllListeners('message');
    await this.worker.terminate();
    await this.sending;
    await this.source?.return?.();
  }

  private sendNext(source: AsyncIterator<Buffer>): void {
    this.sending = this.sending.then(async () => {
      if (this.failure) return;
      try {
        const next = await source.next();
        const message: ToReader = next.done ? { type: 'end' } : { type: 'chunk', chunk: next.value };
        this.worker.postMessage(message);
      } catch (err) {
        this.fail(err as Error);
      }
    });
  }

  private deliver(message: FromReader): void {
    this.arrived.push(message);
    this.wake?.();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake?.();
  }
}

/** The items `format`'s reader yields for `input`, read on a thread of its own (ReadingThread). */
export async function* readOffThread(format: MappingFormat, input: AsyncIterable<Buffer>, ctx: ReadContext): AsyncIterable<ReadItem> {
  const thread = new ReadingThread(format, ctx);
  try {
    yield* thread.items(input);
  } finally {
    await thread.close();
  }
}
