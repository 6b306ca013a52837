// Local copies of kept documents, for a replay to read like any received file.
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import { readContent } from '../store/documents.js';

/** Writes the kept bytes of a document to a new file in `dir` and answers its path. */
export async function writeContentToFile(db: Knex, sha256: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `replay-${randomUUID()}`);
  await pipeline(Readable.from(readContent(db, sha256)), createWriteStream(path));
  return path;
}
