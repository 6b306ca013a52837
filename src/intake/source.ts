// The bytes a channel hands over: a local file it spooled (uploads, SFTP downloads, the
// command line), a buffer it holds (a reseller-API request, bounded by the body limit),
// or, for a replay, the bytes kept when the document was received. Intake reads them,
// hashes them and keeps them the same way whichever it is.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import type { Knex } from 'knex';
import { INTAKE_LIMITS } from '../model/limits.js';
import { readContent } from '../store/documents.js';

export type Source = { path: string } | { bytes: Buffer } | { kept: { db: Knex; sha256: string; size: number } };

/** A channel's mistake (unknown partner, missing file), not the document's: no record is made. */
export class IntakeError extends Error {}

export function sourceSize(source: Source): number {
  if ('bytes' in source) return source.bytes.length;
  if ('kept' in source) return source.kept.size;
  try {
    return statSync(source.path).size;
  } catch (err) {
    throw new IntakeError(`cannot read ${source.path}: ${(err as Error).message}`);
  }
}

/**
 * The bytes in chunks of at most `chunkBytes`, read as they are needed. Kept bytes are
 * read through `within` when given: inside a transaction on SQLite's one connection, a
 * read through the pool would wait for the transaction that waits for it.
 */
export async function* sourceChunks(source: Source, chunkBytes: number = INTAKE_LIMITS.readChunkBytes, within?: Knex): AsyncIterable<Buffer> {
  if ('bytes' in source) {
    for (let i = 0; i < source.bytes.length; i += chunkBytes) yield source.bytes.subarray(i, i + chunkBytes);
    return;
  }
  if ('kept' in source) {
    // Kept in chunks of their own size (INTAKE_LIMITS.contentChunkBytes): cut to the size asked for.
    for await (const chunk of readContent(within ?? source.kept.db, source.kept.sha256)) {
      for (let i = 0; i < chunk.length; i += chunkBytes) yield chunk.subarray(i, i + chunkBytes);
    }
    return;
  }
  yield* createReadStream(source.path, { highWaterMark: chunkBytes }) as AsyncIterable<Buffer>;
}

export async function sourceSha256(source: Source): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of sourceChunks(source)) hash.update(chunk);
  return hash.digest('hex');
}

/** The first bytes: enough to guess the format (detect.ts decodes them); the readers decode strictly. */
export async function sourceHead(source: Source): Promise<Buffer> {
  let head: Buffer;
  if ('bytes' in source) head = source.bytes.subarray(0, INTAKE_LIMITS.headBytes);
  else if ('kept' in source) {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of sourceChunks(source, INTAKE_LIMITS.headBytes)) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= INTAKE_LIMITS.headBytes) break;
    }
    head = Buffer.concat(parts).subarray(0, INTAKE_LIMITS.headBytes);
  } else {
    const fd = openSync(source.path, 'r');
    try {
      const buf = Buffer.alloc(INTAKE_LIMITS.headBytes);
      head = buf.subarray(0, readSync(fd, buf, 0, INTAKE_LIMITS.headBytes, 0));
    } finally {
      closeSync(fd);
    }
  }
  return head;
}
