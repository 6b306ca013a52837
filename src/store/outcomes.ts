// The outcome of every device a document named (document_devices), written in the
// transaction that applies it. Acknowledgements read these rows, in the order the
// document named the devices, a bounded batch at a time.
import type { Knex } from 'knex';
import { STORE_LIMITS } from '../model/limits.js';
import type { DeviceOutcomeStatus } from '../model/documents.js';

export interface DeviceOutcomeRow {
  document_pk: number;
  item_seq: number;
  device_seq: number;
  serial: string;
  /** Where the device was in the file ("line 12", "segment 57"); null for a reseller-API transaction. */
  at: string | null;
  status: DeviceOutcomeStatus;
  code: string | null;
  params_json: string | null;
}

/** Writes the rows a few hundred at a time (bound parameters stay within both databases' limits). */
export async function insertDeviceOutcomes(trx: Knex, rows: DeviceOutcomeRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += STORE_LIMITS.writeBatchRows) {
    await trx('document_devices').insert(rows.slice(i, i + STORE_LIMITS.writeBatchRows));
  }
}

/** The devices of one item, replaced: a ship notice that waited for its order and has now applied. */
export async function replaceItemDeviceOutcomes(trx: Knex, documentPk: number, itemSeq: number, rows: DeviceOutcomeRow[]): Promise<void> {
  await trx('document_devices').where({ document_pk: documentPk, item_seq: itemSeq }).delete();
  await insertDeviceOutcomes(trx, rows);
}

/** One batch of a document's device outcomes after (itemSeq, deviceSeq), in the document's order. */
export async function deviceOutcomesAfter(
  db: Knex,
  documentPk: number,
  after: { itemSeq: number; deviceSeq: number },
  limit: number,
): Promise<DeviceOutcomeRow[]> {
  return (await db('document_devices')
    .where('document_pk', documentPk)
    .andWhere((q) => q.where('item_seq', '>', after.itemSeq).orWhere((q2) => q2.where('item_seq', after.itemSeq).andWhere('device_seq', '>', after.deviceSeq)))
    .orderBy([
      { column: 'item_seq', order: 'asc' },
      { column: 'device_seq', order: 'asc' },
    ])
    .limit(limit)) as DeviceOutcomeRow[];
}

/** Every device outcome of a document, batch by batch: memory stays flat for a million devices. */
export async function* deviceOutcomesOf(db: Knex, documentPk: number, batchRows = 5000): AsyncIterable<DeviceOutcomeRow> {
  let after = { itemSeq: 0, deviceSeq: 0 };
  for (;;) {
    const rows = await deviceOutcomesAfter(db, documentPk, after, batchRows);
    for (const r of rows) yield r;
    if (rows.length < batchRows) return;
    const last = rows[rows.length - 1]!;
    after = { itemSeq: last.item_seq, deviceSeq: last.device_seq };
  }
}

/** How many device outcomes a document has: an acknowledgement must never be silently empty. */
export async function countDeviceOutcomes(db: Knex, documentPk: number): Promise<number> {
  const row = (await db('document_devices').where({ document_pk: documentPk }).count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}
