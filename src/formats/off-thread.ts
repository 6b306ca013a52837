// A reader run on a worker thread, for large documents: reading a million-serial file
// (decoding, splitting, mapping each row) takes about as long as applying what it yields,
// and both on one thread add up. On its own thread the reading runs beside the apply,
// on the second core, and hands over what it read in batches, in order.
//
// The caller's thread keeps the source: it sends the bytes as the reader asks for them
// (two chunks ahead), so a source read inside a database transaction (a replay of kept
// bytes) stays where its connection is. The reader runs at most two batches ahead of
// the consumer: memory stays bounded by what one document already needs.
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
 * The items `format`'s reader yields for `input`, read on a worker thread: the same items,
 * in the same order, as the reader itself gives on this thread (test/formats/off-thread.test.ts).
 * An error of the input (its source failing) or of the reader is thrown from here.
 */
export async function* readOffThread(format: MappingFormat, input: AsyncIterable<Buffer>, ctx: ReadContext): AsyncIterable<ReadItem> {
  const data: ReaderThreadData = { format, ctx };
  const worker = new Worker(new URL('./read-thread.js', import.meta.url), {
    workerData: data,
    resourceLimits: { maxYoungGenerationSizeMb: INTAKE_LIMITS.readOffThreadYoungGenerationMb },
  });
  const source = input[Symbol.asyncIterator]();
  const arrived: FromReader[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  const fail = (err: Error): void => {
    failure ??= err;
    wake?.();
  };
  const deliver = (message: FromReader): void => {
    arrived.push(message);
    wake?.();
  };
  // Chunks go out one at a time, in order, each when the reader asks for one.
  let sending: Promise<void> = Promise.resolve();
  const sendNext = (): void => {
    sending = sending.then(async () => {
      if (failure) return;
      try {
        const next = await source.next();
        const message: ToReader = next.done ? { type: 'end' } : { type: 'chunk', chunk: next.value };
        worker.postMessage(message);
      } catch (err) {
        fail(err as Error);
      }
    });
  };
  worker.on('message', (message: FromReader) => {
    if (message.type === 'need') sendNext();
    else deliver(message);
  });
  worker.on('error', (err) => fail(err));
  worker.on('exit', (code) => fail(new Error(`the reading thread stopped (exit code ${code}) before the end of the document`)));
  try {
    for (;;) {
      while (arrived.length === 0 && !failure) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const message = arrived.shift();
      if (!message) throw failure!;
      if (message.type === 'done') return;
      if (message.type === 'fail') throw Object.assign(new Error(message.message), { stack: message.stack });
      if (message.type === 'items') {
        yield* message.items;
        // Acknowledged once consumed: the reader stays at most two batches ahead of the apply.
        const ack: ToReader = { type: 'ack' };
        worker.postMessage(ack);
      }
    }
  } finally {
    worker.removeAllListeners('exit');
    worker.removeAllListeners('message');
    await worker.terminate();
    await sending;
    await source.return?.();
  }
}

