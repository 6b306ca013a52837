// Intake: received documents with their raw bytes, what each document held (items) and
// what became of it, purchase orders waiting for their ship notices (and the reverse),
// X12 interchange control numbers seen per partner.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Raw bytes, content-addressed: the same bytes are kept once, in 1 MiB chunks so that
  // neither database holds a whole large file in one value. Never updated or deleted.
  await knex.schema.createTable('document_content', (t) => {
    t.string('sha256', 64).notNullable();
    t.integer('seq').notNullable();
    t.binary('bytes').notNullable();
    t.primary(['sha256', 'seq']);
  });

  await knex.schema.createTable('documents', (t) => {
    t.increments('id').primary();
    t.string('document_id', 48).notNullable().unique();
    t.integer('supplier_pk').notNullable().references('id').inTable('suppliers');
    t.string('channel', 16).notNullable();
    t.string('file_name', 255).notNullable();
    t.string('format', 16).notNullable();
    t.string('mapping_id', 64).nullable();
    t.string('sha256', 64).notNullable();
    t.bigInteger('size_bytes').notNullable();
    t.string('actor', 200).notNullable();
    t.string('received_at', 32).notNullable();
    t.string('status', 24).notNullable();
    t.text('summary_json').notNullable();
    t.text('errors_json').notNullable();
    t.text('x12_json').nullable();
    t.string('processed_at', 32).nullable();
    t.integer('replays').notNullable().defaultTo(0);
    // An exact duplicate from the same partner is refused by this constraint.
    t.unique(['supplier_pk', 'sha256']);
  });

  await knex.schema.createTable('document_items', (t) => {
    t.increments('id').primary();
    t.integer('document_pk').notNullable().references('id').inTable('documents');
    t.integer('seq').notNullable();
    t.string('unit', 100).nullable();
    t.string('kind', 16).notNullable();
    t.integer('supplier_pk').notNullable().references('id').inTable('suppliers');
    t.string('order_number', 32).notNullable();
    t.string('delivery_number', 32).nullable();
    t.string('at', 200).notNullable();
    t.string('status', 24).notNullable();
    t.integer('device_count').notNullable().defaultTo(0);
    t.integer('refused_count').notNullable().defaultTo(0);
    t.text('outcome_json').nullable();
    // A ship notice awaiting its order keeps its canonical form until the order comes.
    t.text('notice_json').nullable();
    t.integer('applied_by_document_pk').nullable().references('id').inTable('documents');
    t.string('updated_at', 32).notNullable();
    t.unique(['document_pk', 'seq']);
    t.index(['supplier_pk', 'order_number', 'status']);
  });

  // Device refusals per document item (accepted devices are not listed one by one: the
  // raw document is kept, and acks re-read it).
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

  // The header of every purchase order received as a document: a ship notice of the
  // order is applied with it. One row per supplier and order number (the last change).
  await knex.schema.createTable('purchase_orders', (t) => {
    t.increments('id').primary();
    t.integer('supplier_pk').notNullable().references('id').inTable('suppliers');
    t.string('order_number', 32).notNullable();
    t.string('order_type', 2).notNullable();
    t.string('order_date', 32).notNullable();
    t.string('customer_id', 32).notNullable();
    t.string('po_number', 100).nullable();
    t.integer('org_pk').notNullable().references('id').inTable('organisations');
    t.text('lines_json').notNullable();
    t.integer('document_pk').notNullable().references('id').inTable('documents');
    t.string('updated_at', 32).notNullable();
    t.unique(['supplier_pk', 'order_number']);
  });

  await knex.schema.createTable('x12_interchanges', (t) => {
    t.integer('supplier_pk').notNullable().references('id').inTable('suppliers');
    t.string('control_number', 9).notNullable();
    t.integer('document_pk').notNullable().references('id').inTable('documents');
    t.primary(['supplier_pk', 'control_number']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['x12_interchanges', 'purchase_orders', 'document_device_results', 'document_items', 'documents', 'document_content']) {
    await knex.schema.dropTableIfExists(table);
  }
}
