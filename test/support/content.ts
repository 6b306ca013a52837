// A received document's raw bytes, and its devices' outcomes, as the gateway keeps them,
// read back whole through the store (which knows how each is kept).
import type { Knex } from 'knex';
import { readContent } from '../../src/store/documents.js';
import { deviceOutcomesOf, type DeviceOutcomeRow } from '../../src/store/outcomes.js';

export async function keptBytes(db: Knex, sha256: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of readContent(db, sha256)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function keptDeviceOutcomes(db: Knex, documentPk: number): Promise<DeviceOutcomeRow[]> {
  const rows: DeviceOutcomeRow[] = [];
  for await (const row of deviceOutcomesOf(db, documentPk)) rows.push(row);
  return rows;
}
