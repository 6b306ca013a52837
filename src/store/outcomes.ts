// The outcome of every device a document named, written in the transaction that applies
// it: one row per item (a ship notice, an API delivery) in document_item_devices, holding
// its devices' outcomes in the item's order as one JSON text, with how many there are,
// how many carry a code and how many were refused. An item of a thousand devices is one
// row, not a thousand: on a 1,000,000-serial ship notice the per-device rows were a
// b-tree insert per device, about a tenth of the ingest on SQLite and 3.6 s of COPY on
// PostgreSQL, for rows that are only ever read an item at a time, in order.
// Acknowledgements and the devices API read them back a bounded batch at a time.
import type { Knex } from 'knex';
import type { DeviceOutcomeStatus } from '../model/documents.js';
import { STORE_LIMITS } from '../model/limits.js';
import { insertBehind } from './write-behind.js';

export interface DeviceOutcomeRow {
  document_pk: number;
  item_seq: number;
  /** The device's place in its item, from 1. */
  device_seq: number;
  serial: string;
  /** Where the device was in the file ("line 12", "segment 57"); null for a reseller-API transaction. */
  at: string | null;
  status: DeviceOutcomeStatus;
  code: string | null;
  params_json: string | null;
}

/** A device refused by a rule, or in a unit refused whole. */
export const REFUSED_DEVICE_STATUSES = ['REFUSED', 'REJECTED'] as const satisfies readonly DeviceOutcomeStatus[];
const isRefused = (status: DeviceOutcomeStatus) => (REFUSED_DEVICE_STATUSES as readonly DeviceOutcomeStatus[]).includes(status);

/** One device as the item's JSON holds it: [serial, at, status] or [serial, at, status, code, params_json]. */
type StoredOutcome = [string, string | null, DeviceOutcomeStatus] | [string, string | null, DeviceOutcomeStatus, string, string | null];

const TABLE = 'document_item_devices';

/** Writes the outcomes of each item among `rows` (an item's rows together, in its order) as one row per item. */
export async function insertDeviceOutcomes(trx: Knex, rows: DeviceOutcomeRow[]): Promise<void> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < rows.length; ) {
    const first = rows[start]!;
    let end = start;
    const outcomes: StoredOutcome[] = [];
    let coded = 0;
    let refused = 0;
    for (; end < rows.length && rows[end]!.document_pk === first.document_pk && rows[end]!.item_seq === first.item_seq; end++) {
      const r = rows[end]!;
      if (r.device_seq !== end - start + 1) throw new Error(`invariant: device ${r.serial} is number ${r.device_seq} of item ${r.item_seq}, at place ${end - start + 1}`);
      outcomes.push(r.code === null ? [r.serial, r.at, r.status] : [r.serial, r.at, r.status, r.code, r.params_json]);
      if (r.code !== null) coded++;
      if (isRefused(r.status)) refused++;
    }
    items.push({
      document_pk: first.document_pk,
      item_seq: first.item_seq,
      device_count: outcomes.length,
      coded_count: coded,
      refused_count: refused,
      outcomes_json: JSON.stringify(outcomes),
    });
    start = end;
  }
  // A row per item: few, however many devices.
  for (let i = 0; i < items.length; i += STORE_LIMITS.writeBatchRows) await insertBehind(trx, trx(TABLE).insert(items.slice(i, i + STORE_LIMITS.writeBatchRows)));
}

/** The devices of one item, replaced: a ship notice that waited for its order and has now applied. */
export async function replaceItemDeviceOutcomes(trx: Knex, documentPk: number, itemSeq: number, rows: DeviceOutcomeRow[]): Promise<void> {
  await trx(TABLE).where({ document_pk: documentPk, item_seq: itemSeq }).delete();
  await insertDeviceOutcomes(trx, rows);
}

/** Everything a document recorded of its devices goes (a replay starts from nothing). */
export async function deleteDeviceOutcomes(trx: Knex, documentPk: number): Promise<void> {
  await trx(TABLE).where({ document_pk: documentPk }).delete();
}

function decode(documentPk: number, itemSeq: number, json: string): DeviceOutcomeRow[] {
  return (JSON.parse(json) as StoredOutcome[]).map(([serial, at, status, code, paramsJson], i) => ({
    document_pk: documentPk,
    item_seq: itemSeq,
    device_seq: i + 1,
    serial,
    at,
    status,
    code: code ?? null,
    params_json: paramsJson ?? null,
  }));
}

/**
 * A document's items' device outcomes from item `fromItemSeq` on, in order, an item at a
 * time; `refusedOnly`: only the items with a refused device. Item rows are fetched in
 * groups of at most STORE_LIMITS.outcomeReadDevices devices.
 */
async function* itemOutcomes(db: Knex, documentPk: number, fromItemSeq: number, refusedOnly = false): AsyncIterable<DeviceOutcomeRow[]> {
  const where = (q: Knex.QueryBuilder) => {
    q.where('document_pk', documentPk);
    if (refusedOnly) q.andWhere('refused_count', '>', 0);
    return q;
  };
  let from = fromItemSeq;
  for (;;) {
    const listed = (await where(db(TABLE))
      .andWhere('item_seq', '>=', from)
      .orderBy('item_seq')
      .limit(STORE_LIMITS.outcomeItemsListed)
      .select('item_seq', 'device_count')) as { item_seq: number; device_count: number }[];
    if (listed.length === 0) return;
    for (let i = 0; i < listed.length; ) {
      let devices = 0;
      let j = i;
      do devices += listed[j++]!.device_count;
      while (j < listed.length && devices + listed[j]!.device_count <= STORE_LIMITS.outcomeReadDevices);
      const rows = (await where(db(TABLE))
        .andWhereBetween('item_seq', [listed[i]!.item_seq, listed[j - 1]!.item_seq])
        .orderBy('item_seq')
        .select('item_seq', 'outcomes_json')) as { item_seq: number; outcomes_json: string }[];
      for (const r of rows) yield decode(documentPk, r.item_seq, r.outcomes_json);
      i = j;
    }
    if (listed.length < STORE_LIMITS.outcomeItemsListed) return;
    from = listed[listed.length - 1]!.item_seq + 1;
  }
}

/**
 * The first `limit` device outcomes after (itemSeq, deviceSeq) that `keep` accepts, in the
 * document's order; `refusedOnly`: only items with a refused device are read.
 */
async function firstOutcomes(
  db: Knex,
  documentPk: number,
  after: { itemSeq: number; deviceSeq: number },
  limit: number,
  keep: (d: DeviceOutcomeRow) => boolean,
  refusedOnly: boolean,
): Promise<DeviceOutcomeRow[]> {
  const out: DeviceOutcomeRow[] = [];
  if (limit <= 0) return out;
  for await (const item of itemOutcomes(db, documentPk, after.itemSeq, refusedOnly)) {
    for (const d of item) {
      if (d.item_seq === after.itemSeq && d.device_seq <= after.deviceSeq) continue;
      if (!keep(d)) continue;
      out.push(d);
      if (out.length === limit) return out;
    }
  }
  return out;
}

/** One batch of a document's device outcomes after (itemSeq, deviceSeq), in the document's order; of one status when given. */
export function deviceOutcomesAfter(
  db: Knex,
  documentPk: number,
  after: { itemSeq: number; deviceSeq: number },
  limit: number,
  status?: DeviceOutcomeStatus,
): Promise<DeviceOutcomeRow[]> {
  if (status === undefined) return firstOutcomes(db, documentPk, after, limit, () => true, false);
  return firstOutcomes(db, documentPk, after, limit, (d) => d.status === status, isRefused(status));
}

/** Every device outcome of a document, in its order: memory stays flat for a million devices. */
export async function* deviceOutcomesOf(db: Knex, documentPk: number): AsyncIterable<DeviceOutcomeRow> {
  for await (const item of itemOutcomes(db, documentPk, 0)) yield* item;
}

async function sumOf(db: Knex, documentPk: number, column: 'device_count' | 'refused_count'): Promise<number> {
  const row = (await db(TABLE).where({ document_pk: documentPk }).sum({ n: column }).first()) as { n: number | string | null } | undefined;
  return Number(row?.n ?? 0);
}

/** How many device outcomes a document has: an acknowledgement must never be silently empty. */
export function countDeviceOutcomes(db: Knex, documentPk: number): Promise<number> {
  return sumOf(db, documentPk, 'device_count');
}

/** A document's first `limit` refused devices, in its order, and how many there are in all. */
export async function refusedDeviceOutcomes(db: Knex, documentPk: number, limit: number): Promise<{ rows: DeviceOutcomeRow[]; total: number }> {
  const rows = await firstOutcomes(db, documentPk, { itemSeq: 0, deviceSeq: 0 }, limit, (d) => isRefused(d.status), true);
  if (rows.length < limit) return { rows, total: rows.length };
  return { rows, total: await sumOf(db, documentPk, 'refused_count') };
}
