// A received document's raw bytes as the gateway keeps them, read back whole through the
// store (which knows how each chunk is kept).
import type { Knex } from 'knex';
import { readContent } from '../../src/store/documents.js';

export async function keptBytes(db: Knex, sha256: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of readContent(db, sha256)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
