// Outcomes frozen at commit: what became of every document, line and device is written
// in the transaction that applies it, and every acknowledgement is rendered from these
// rows (never by reading the received bytes again).
//
// document_devices: one row per device a document (a file or a reseller-API transaction)
// named, in the order it named them, with its status, code and where it was in the file.
// On SQLite it is a WITHOUT ROWID table clustered on its key: a million-device document
// writes one b-tree, not a table and an index.
//
// document_items gains the code and parameters of an item's outcome (a refused order, a
// pending one); outcome_json keeps what an acknowledgement needs besides (an order's
// lines for the 855, its credit). A reseller-API transaction's items are its orders and
// their deliveries, whose status is the protocol's own (COMPLETE, POSTED_WITH_ERRORS,
// ERROR or a code). documents gains the hash of the mapping's content, so
// that a document always says exactly which mapping read it.
//
// A reseller-API transaction becomes a received document like any other: its raw
// request is kept (document_content), its outcome is rows, and transactions keeps the
// protocol's index (transaction id, enrollment id, body digest, status). Transactions
// received before this migration are converted: their stored request (the protocol
// fields as JSON, the closest to the raw bytes they kept) becomes the document's
// content, and their stored outcome becomes rows. Device refusals recorded before are
// moved; accepted devices of documents received before were never recorded one by one,
// so those documents' acknowledgements list their refusals only.
import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { isPostgres } from '../dialect.js';


interface OldOutcome {
  statusCode: string;
  orders: {
    orderNumber: string;
    status: string;
    error?: { code: string; params?: Record<string, unknown> };
    deliveries: {
      deliveryNumber: string;
      status: string;
      error?: { code: string; params?: Record<string, unknown> };
      devices: { deviceId: string; status: string; error?: { code: string; params?: Record<string, unknown> } }[];
    }[];
  }[];
}

export async function up(knex: Knex): Promise<void> {
  if (isPostgres(knex)) {
    await knex.schema.createTable('document_devices', (t) => {
      t.integer('document_pk').notNullable().references('id').inTable('documents');
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
  await knex.schema.alterTable('document_items', (t) => {
    t.string('code', 24).nullable();
    t.text('params_json').nullable();
  });
  await knex.schema.alterTable('documents', (t) => {
    t.string('mapping_sha256', 64).nullable();
    // A document refused as a duplicate of another (the same interchange, the same
    // reseller transaction sent again): the one it repeats.
    t.integer('duplicate_of_pk').nullable().references('id').inTable('documents');
  });
  await knex.schema.alterTable('transactions', (t) => {
    t.integer('document_pk').nullable().references('id').inTable('documents');
  });

  const refusals = (await knex('document_device_results').orderBy('id')) as {
    id: number;
    document_pk: number;
    item_seq: number;
    serial: string;
    code: string | null;
    params_json: string | null;
  }[];
  for (let i = 0; i < refusals.length; i += 500) {
    await knex('document_devices').insert(
      refusals.slice(i, i + 500).map((r) => ({
        document_pk: r.document_pk,
        item_seq: r.item_seq,
        device_seq: r.id,
        serial: r.serial,
        at: null,
        status: 'REFUSED',
        code: r.code,
        params_json: r.params_json,
      })),
    );
  }
  await knex.schema.dropTable('document_device_results');

  await convertTransactions(knex);
  await knex.schema.alterTable('transactions', (t) => {
    t.dropColumn('request_json');
    t.dropColumn('outcome_json');
  });
}

/** Each transaction received before: a document with its request as content, and its outcome as rows. */
async function convertTransactions(knex: Knex): Promise<void> {
  const rows = (await knex('transactions as t')
    .join('suppliers as s', 's.id', 't.supplier_pk')
    .select('t.id', 't.supplier_pk', 't.transaction_id', 't.request_json', 't.outcome_json', 't.status_code', 't.received_at', 't.completed_at', 's.supplier_id')
    .orderBy('t.id')) as {
    id: number;
    supplier_pk: number;
    transaction_id: string;
    request_json: string;
    outcome_json: string;
    status_code: string;
    received_at: string;
    completed_at: string;
    supplier_id: string;
  }[];
  for (const r of rows) {
    const bytes = Buffer.from(r.request_json, 'utf8');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const outcome = JSON.parse(r.outcome_json) as OldOutcome;
    if ((await knex('document_content').where({ sha256, seq: 0 }).first('seq')) === undefined) {
      await knex('document_content').insert({ sha256, seq: 0, bytes });
    }
    const status = r.status_code === 'COMPLETE' ? 'applied' : r.status_code === 'COMPLETE_WITH_ERRORS' ? 'applied_with_errors' : 'rejected';
    let devices = 0;
    let refused = 0;
    for (const o of outcome.orders ?? []) for (const d of o.deliveries) for (const x of d.devices) {
      devices++;
      if (x.status !== 'COMPLETE') refused++;
    }
    const summary = { purchaseOrders: outcome.orders?.length ?? 0, shipNotices: 0, devices, devicesEnrolled: devices - refused, devicesRefused: refused, devicesAwaiting: 0 };
    const doc = {
      document_id: `doc_${randomUUID()}`,
      supplier_pk: r.supplier_pk,
      channel: 'reseller-api',
      file_name: `bulk-enroll-devices ${r.transaction_id}`.slice(0, 255),
      format: 'json',
      mapping_id: 'reseller-api',
      sha256,
      size_bytes: bytes.length,
      actor: `reseller:${r.supplier_id}`,
      received_at: r.received_at,
      status,
      summary_json: JSON.stringify(summary),
      errors_json: '[]',
      x12_json: null,
      processed_at: r.completed_at,
    };
    await knex('documents').insert(doc);
    const documentPk = ((await knex('documents').where({ document_id: doc.document_id }).first('id')) as { id: number }).id;
    await knex('transactions').where({ id: r.id }).update({ document_pk: documentPk });
    let seq = 0;
    const item = (kind: string, orderNumber: string, deliveryNumber: string | null, st: string, error: { code: string; params?: Record<string, unknown> } | undefined, deviceCount: number, refusedCount: number) => ({
      document_pk: documentPk,
      seq: ++seq,
      unit: null,
      kind,
      supplier_pk: r.supplier_pk,
      order_number: orderNumber.slice(0, 32),
      delivery_number: deliveryNumber?.slice(0, 32) ?? null,
      at: `order ${orderNumber}`.slice(0, 200),
      status: st,
      device_count: deviceCount,
      refused_count: refusedCount,
      outcome_json: null,
      notice_json: null,
      applied_by_document_pk: documentPk,
      updated_at: r.completed_at,
      code: error?.code ?? null,
      params_json: error?.params ? JSON.stringify(error.params) : null,
    });
    for (const o of outcome.orders ?? []) {
      await knex('document_items').insert(item('order', o.orderNumber, null, o.status, o.error, 0, 0));
      for (const d of o.deliveries) {
        const itemRow = item('delivery', o.orderNumber, d.deliveryNumber, d.status, d.error, d.devices.length, d.devices.filter((x) => x.status !== 'COMPLETE').length);
        await knex('document_items').insert(itemRow);
        const deviceRows = d.devices.map((x, i) => ({
          document_pk: documentPk,
          item_seq: itemRow.seq,
          device_seq: i + 1,
          serial: x.deviceId.slice(0, 20),
          at: null,
          status: x.status !== 'COMPLETE' ? 'REFUSED' : o.status === 'GW-OR-4120' ? 'PENDING' : 'ENROLLED',
          code: x.error?.code ?? null,
          params_json: x.error?.params ? JSON.stringify(x.error.params) : null,
        }));
        for (let i = 0; i < deviceRows.length; i += 500) await knex('document_devices').insert(deviceRows.slice(i, i + 500));
      }
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('transactions', (t) => {
    t.text('request_json').notNullable().defaultTo('{}');
    t.text('outcome_json').notNullable().defaultTo('{}');
  });
  await knex.schema.alterTable('transactions', (t) => t.dropColumn('document_pk'));
  await knex.schema.alterTable('documents', (t) => {
    t.dropColumn('mapping_sha256');
    t.dropColumn('duplicate_of_pk');
  });
  await knex.schema.alterTable('document_items', (t) => {
    t.dropColumn('code');
    t.dropColumn('params_json');
  });
  await knex.schema.createTable('document_device_results', (t) => {
    t.increments('id').primary();
    t.integer('document_pk').notNullable().references('id').inTable('documents');
    t.integer('item_seq').notNullable();
    t.string('serial', 20).notNullable();
    t.string('status', 24).notNullable();
    t.string('code', 24).nullable();
    t.text('params_json').nullable();
    t.index(['document_pk', 'item_seq']);
  });
  await knex.schema.dropTable('document_devices');
}
