// Helpers for the XML reader tests: mappings from mappings/, fixtures from fixtures/,
// and byte streams cut into chunks of every size a socket might deliver.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Mapping } from '../../../src/mapping/mapping.js';
import type { DocumentReader, ReadItem } from '../../../src/formats/types.js';
import { documentsOf, errorsOf, random } from '../../support/read-items.js';
export { documentsOf, errorsOf, random };

export function mapping(name: string): Mapping {
  return JSON.parse(readFileSync(join(process.cwd(), 'mappings', `${name}.json`), 'utf8')) as Mapping;
}

export function fixture(name: string): Buffer {
  return readFileSync(join(process.cwd(), 'test/formats/xml/fixtures', name));
}

export function sample(name: string): Buffer {
  return readFileSync(join(process.cwd(), 'samples/documents', name));
}

export async function* whole(bytes: Buffer): AsyncIterable<Buffer> {
  yield bytes;
}

export async function* chunks(bytes: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}


export async function* randomChunks(bytes: Buffer, seed: number, maxSize = 64): AsyncIterable<Buffer> {
  const next = random(seed);
  for (let i = 0; i < bytes.length; ) {
    const size = 1 + Math.floor(next() * maxSize);
    yield bytes.subarray(i, i + size);
    i += size;
  }
}

export async function read(
  reader: DocumentReader,
  input: Buffer | AsyncIterable<Buffer>,
  mappingOrName: string | Mapping,
  fileName = 'test.xml',
  maxErrors = 100,
): Promise<ReadItem[]> {
  const items: ReadItem[] = [];
  const stream = Buffer.isBuffer(input) ? whole(input) : input;
  const m = typeof mappingOrName === 'string' ? mapping(mappingOrName) : mappingOrName;
  for await (const item of reader(stream, { mapping: m, fileName, limits: { maxLineBytes: 64 * 1024, maxErrors } })) {
    items.push(item);
  }
  return items;
}

/** A mapping with its xml section changed. */
export function withXml(name: string, change: Partial<NonNullable<Mapping['xml']>>): Mapping {
  const m = mapping(name);
  m.xml = { ...m.xml!, ...change };
  return m;
}

