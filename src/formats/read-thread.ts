// The reading thread of off-thread.ts: runs one reader over the chunks its parent sends,
// and sends back what it yields in batches.
import { parentPort, workerData } from 'node:worker_threads';
import { INTAKE_LIMITS } from '../model/limits.js';
import { itemWeight, type FromReader, type ReaderThreadData, type ToReader } from './off-thread.js';
import { readerFor } from './registry.js';
import type { ReadItem } from './types.js';

const port = parentPort!;
const { format, ctx } = workerData as ReaderThreadData;

// Messages from the parent: input chunks (and their end) in one queue; an acknowledgement
// says the oldest batch not yet acknowledged was consumed.
const chunks: (Buffer | null)[] = [];
/** The weight of each batch sent and not yet acknowledged, oldest first, and their sum. */
const unacknowledged: number[] = [];
let weightAhead = 0;
let wake: (() => void) | undefined;
port.on('message', (message: ToReader) => {
  if (message.type === 'ack') weightAhead -= unacknowledged.shift() ?? 0;
  else chunks.push(message.type === 'end' ? null : Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
  wake?.();
});
const until = async (ready: () => boolean): Promise<void> => {
  while (!ready()) await new Promise<void>((resolve) => (wake = resolve));
  wake = undefined;
};
const send = (message: FromReader): void => port.postMessage(message);

async function* input(): AsyncIterable<Buffer> {
  // Chunks asked for ahead, so that the next ones are on their way while this one is read:
  // the parent answers only between its own steps.
  for (let i = 0; i < INTAKE_LIMITS.readOffThreadChunksAhead; i++) send({ type: 'need' });
  for (;;) {
    await until(() => chunks.length > 0);
    const chunk = chunks.shift()!;
    if (chunk === null) return;
    send({ type: 'need' });
    yield chunk;
  }
}

async function main(): Promise<void> {
  const reader = await readerFor(format);
  let batch: ReadItem[] = [];
  let weight = 0;
  const flush = async (): Promise<void> => {
    send({ type: 'items', items: batch });
    unacknowledged.push(weight);
    weightAhead += weight;
    batch = [];
    weight = 0;
    await until(() => weightAhead < INTAKE_LIMITS.readOffThreadWeightAhead);
  };
  for await (const item of reader(input(), ctx)) {
    batch.push(item);
    weight += itemWeight(item);
    if (weight >= INTAKE_LIMITS.readOffThreadBatchWeight) await flush();
  }
  if (batch.length > 0) await flush();
  send({ type: 'done' });
}

main().catch((err: Error) => send({ type: 'fail', message: err.message, stack: err.stack }));
