// Device outcomes kept per item rather than per device (store/outcomes.ts): one row per
// item of a document, its devices' outcomes in order as one JSON text, with the counts
// that listings and acknowledgements ask for without reading them (devices, with a code,
// refused). The rows of document_devices are carried over, item by item, and the table
// goes. The JSON written here is the store's: [serial, at, status] for a device without a
// code, [serial, at, status, code, params_json] for one with.
import type { Knex } from 'knex';
import { isPostgres } from '../dialect.js';

/** Old rows read at once while carrying them over: bounded, whatever the table's size. */
const COPY_BATCH_ROWS = 20_000;
/** New rows per insert: within both databases' bound-parameter limits at 6 columns. */
const INSERT_BATCH_ROWS = 500;

interface OldRow {
  document_pk: number;
  item_seq: number;
  device_seq: number;
  serial: string;
  at: string | null;
  status: string;
  code: string | null;
  params_json: string | null;
}

type Stored = [string, string | null, string] | [string, string | null, string, string, string | null];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('document_item_devices', (t) => {
    t.increments('id');
    t.integer('document_pk').notNullable().references('id').inTable('documents');
    t.integer('item_seq').notNullable();
    t.integer('device_count').notNullable();
    t.integer('coded_count').notNullable();
    t.integer('refused_count').notNullable();
    t.text('outcomes_json').notNullable();
    t.unique(['document_pk', 'item_seq']);
  });
  let pending: Record<string, unknown>[] = [];
  const flush = async (all: boolean) => {
    while (pending.length >= (all ? 1 : INSERT_BATCH_ROWS)) await knex('document_item_devices').insert(pending.splice(0, INSERT_BATCH_ROWS));
  };
  let item: { document_pk: number; item_seq: number; outcomes: Stored[]; coded: number; refused: number } | undefined;
  const close = () => {
    if (!item) return;
    pending.push({
      document_pk: item.document_pk,
      item_seq: item.item_seq,
      device_count: item.outcomes.length,
      coded_count: item.coded,
      refused_count: item.refused,
      outcomes_json: JSON.stringify(item.outcomes),
    });
    item = undefined;
  };
  let after: [number, number, number] = [0, 0, 0];
  for (;;) {
    const rows = (await knex('document_devices')
      .whereRaw('(document_pk, item_seq, device_seq) > (?, ?, ?)', after)
      .orderBy(['document_pk', 'item_seq', 'device_seq'])
      .limit(COPY_BATCH_ROWS)) as OldRow[];
    for (const r of rows) {
      if (!item || item.document_pk !== r.document_pk || item.item_seq !== r.item_seq) {
        close();
        item = { document_pk: r.document_pk, item_seq: r.item_seq, outcomes: [], coded: 0, refused: 0 };
      }
      item.outcomes.push(r.code === null ? [r.serial, r.at, r.status] : [r.serial, r.at, r.status, r.code, r.params_json]);
      if (r.code !== null) item.coded++;
      if (r.status === 'REFUSED' || r.status === 'REJECTED') item.refused++;
    }
    await flush(false);
    if (rows.length < COPY_BATCH_ROWS) break;
    const last = rows[rows.length - 1]!;
    after = [last.document_pk, last.item_seq, last.device_seq];
  }
  close();
  await flush(true);
  await knex.schema.dropTable('document_devices');
}

export async function down(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    // As migration 009 left it on PostgreSQL: no foreign key.
    await knex.schema.createTable('document_devices', (t) => {
      t.integer('document_pk').notNullable();
      t.integer('item_seq').notNullable();
      t.integer('device_seq').notNullable();
      t.string('serial', 20).notNullable();
      t.string('at', 200).nullable();
      t.string('status', 16).notNullable();
      t.string('code', 24).nullable();
      t.text('params_json').nullable();
      t.primary(['document_pk', 'item_seq', 'device_seq']);
    });
  } else {
    await knex.raw(`CREATE TABLE document_devices (
      document_pk integer NOT NULL REFERENCES documents(id),
      item_seq integer NOT NULL,
      device_seq integer NOT NULL,
      serial varchar(20) NOT NULL,
      at varchar(200),
      status varchar(16) NOT NULL,
      code varchar(24),
      params_json text,
      PRIMARY KEY (document_pk, item_seq, device_seq)
    ) WITHOUT ROWID`);
  }
  let afterId = 0;
  for (;;) {
    const items = (await knex('document_item_devices').where('id', '>', afterId).orderBy('id').limit(100)) as {
      id: number;
      document_pk: number;
      item_seq: number;
      outcomes_json: string;
    }[];
    for (const item of items) {
      const rows = (JSON.parse(item.outcomes_json) as Stored[]).map(([serial, at, status, code, params], i) => ({
        document_pk: item.document_pk,
        item_seq: item.item_seq,
        device_seq: i + 1,
        serial,
        at,
        status,
        code: code ?? null,
        params_json: params ?? null,
      }));
      for (let i = 0; i < rows.length; i += INSERT_BATCH_ROWS) await knex('document_devices').insert(rows.slice(i, i + INSERT_BATCH_ROWS));
    }
    if (items.length < 100) break;
    afterId = items[items.length - 1]!.id;
  }
  await knex.schema.dropTable('document_item_devices');
}
