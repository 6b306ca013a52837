// The outcome of every device a document named (document_devices), written in the
// transaction that applies it. Acknowledgements read these rows, in the order the
// document named the devices, a bounded batch at a time.
import type { Knex } from 'knex';
import { insertRows, type WriteMode } from './sets.js';
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

const OUTCOME_COLUMNS = ['document_pk', 'item_seq', 'device_seq', 'serial', 'at', 'status', 'code', 'params_json'] as const;

export async function insertDeviceOutcomes(trx: Knex, rows: DeviceOutcomeRow[], mode: WriteMode): Promise<void> {
  await insertRows(trx, 'document_devices', OUTCOME_COLUMNS, rows.map((r) => OUTCOME_COLUMNS.map((c) => r[c])), mode);
}

/** The devices of one item, replaced: a ship notice that waited for its order and has now applied. */
export async function replaceItemDeviceOutcomes(trx: Knex, documentPk: number, itemSeq: number, rows: DeviceOutcomeRow[], mode: WriteMode): Promise<void> {
  await trx('document_devices').where({ document_pk: documentPk, item_seq: itemSeq }).delete();
  await insertDeviceOutcomes(trx, rows, mode);
}

/** One batch of a document's device outcomes after (itemSeq, deviceSeq), in the document's order; of one status when given. */
export async function deviceOutcomesAfter(
  db: Knex,
  documentPk: number,
  after: { itemSeq: number; deviceSeq: number },
  limit: number,
  status?: DeviceOutcomeStatus,
): Promise<DeviceOutcomeRow[]> {
  const q = db('document_devices').where('document_pk', documentPk);
  if (status !== undefined) q.andWhere('status', status);
  return (await q
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

/** A device the document named and that was not taken: refused by the rules, or in a unit refused whole. */
export const REFUSED_DEVICE_STATUSES = ['REFUSED', 'REJECTED'] as const satisfies readonly DeviceOutcomeStatus[];

/** A document's first `limit` refused devices, in its order, and how many there are in all. */
export async function refusedDeviceOutcomes(db: Knex, documentPk: number, limit: number): Promise<{ rows: DeviceOutcomeRow[]; total: number }> {
  const refused = () => db('document_devices').where('document_pk', documentPk).whereIn('status', REFUSED_DEVICE_STATUSES);
  const rows = (await refused()
    .orderBy([
      { column: 'item_seq', order: 'asc' },
      { column: 'device_seq', order: 'asc' },
    ])
    .limit(limit)) as DeviceOutcomeRow[];
  if (rows.length < limit) return { rows, total: rows.length };
  const counted = (await refused().count({ n: '*' }).first()) as { n: number | string };
  return { rows, total: Number(counted.n) };
}
