// The core schema: organisations, suppliers and their links, reseller transactions,
// orders, deliveries, order lines, devices, device events and released devices.
// It runs unchanged on SQLite and PostgreSQL: timestamps are ISO-8601 UTC strings
// (they sort as text on both), and every uniqueness rule is a constraint.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('organisations', (t) => {
    t.increments('id');
    t.string('org_id', 32).notNullable().unique();
    t.string('name', 200).notNullable();
    t.string('country', 2).notNullable();
    t.string('created_at', 30).notNullable();
  });
  await knex.schema.createTable('apple_customer_numbers', (t) => {
    t.increments('id');
    t.integer('org_pk').notNullable().references('organisations.id').onDelete('CASCADE');
    // Stored without leading zeros so that "0000123" and "123" cannot both exist.
    t.string('number', 32).notNullable().unique();
  });
  await knex.schema.createTable('org_default_servers', (t) => {
    t.integer('org_pk').notNullable().references('organisations.id').onDelete('CASCADE');
    t.string('family', 20).notNullable();
    t.string('server', 100).notNullable();
    t.primary(['org_pk', 'family']);
  });
  await knex.schema.createTable('suppliers', (t) => {
    t.increments('id');
    t.string('supplier_id', 32).notNullable().unique();
    t.string('kind', 10).notNullable();
    t.string('name', 200).notNullable();
    t.string('created_at', 30).notNullable();
  });
  await knex.schema.createTable('ship_tos', (t) => {
    t.increments('id');
    t.integer('supplier_pk').notNullable().references('suppliers.id').onDelete('CASCADE');
    t.string('ship_to', 10).notNullable().unique();
    t.boolean('active').notNullable().defaultTo(true);
  });
  await knex.schema.createTable('credentials', (t) => {
    t.increments('id');
    t.integer('supplier_pk').notNullable().references('suppliers.id').onDelete('CASCADE');
    t.string('kind', 12).notNullable(); // api-key | certificate
    // api-key: sha256 of the key (the key itself is shown once and never stored);
    // certificate: the client certificate's SHA-256 fingerprint.
    t.string('digest', 64).notNullable().unique();
    t.string('label', 100).notNullable();
    t.string('created_at', 30).notNullable();
    t.string('revoked_at', 30);
  });
  await knex.schema.createTable('org_supplier_links', (t) => {
    t.integer('org_pk').notNullable().references('organisations.id').onDelete('CASCADE');
    t.integer('supplier_pk').notNullable().references('suppliers.id').onDelete('CASCADE');
    t.string('created_at', 30).notNullable();
    t.primary(['org_pk', 'supplier_pk']);
  });
  await knex.schema.createTable('transactions', (t) => {
    t.increments('id');
    t.integer('supplier_pk').notNullable().references('suppliers.id');
    t.string('transaction_id', 64).notNullable();
    t.string('enrollment_id', 80).notNullable().unique();
    t.string('body_sha256', 64).notNullable();
    t.text('request_json').notNullable();
    t.text('outcome_json').notNullable();
    t.string('status_code', 24).notNullable();
    t.string('received_at', 30).notNullable();
    t.string('completed_at', 30).notNullable();
    t.unique(['supplier_pk', 'transaction_id']);
  });
  await knex.schema.createTable('orders', (t) => {
    t.increments('id');
    t.integer('supplier_pk').notNullable().references('suppliers.id');
    t.string('order_number', 32).notNullable();
    t.string('kind', 8).notNullable(); // sale | return
    t.string('last_type', 2).notNullable();
    t.integer('org_pk').notNullable().references('organisations.id');
    t.string('customer_id', 32).notNullable();
    t.string('order_date', 30).notNullable();
    t.string('po_number', 100);
    t.string('status', 8).notNullable(); // open | voided
    t.integer('version').notNullable();
    t.integer('last_transaction_pk').references('transactions.id');
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['supplier_pk', 'order_number']);
    t.index(['org_pk']);
  });
  await knex.schema.createTable('deliveries', (t) => {
    t.increments('id');
    t.integer('order_pk').notNullable().references('orders.id');
    t.string('delivery_number', 32).notNullable();
    t.string('ship_date', 30).notNullable();
    t.unique(['order_pk', 'delivery_number']);
  });
  await knex.schema.createTable('order_lines', (t) => {
    t.increments('id');
    t.integer('order_pk').notNullable().references('orders.id');
    t.string('serial', 20).notNullable();
    t.string('delivery_number', 32).notNullable();
    t.string('asset_tag', 128);
    t.string('status', 10).notNullable();
    t.integer('source_order_pk').references('orders.id');
    // The serial while this line holds the device live in a sale order, else NULL. Its
    // uniqueness is the rule "a serial belongs to at most one live enrollment": two
    // writers racing to enroll one serial cannot both commit.
    t.string('live_serial', 20).unique();
    t.unique(['order_pk', 'serial']);
    t.index(['serial']);
  });
  await knex.schema.createTable('devices', (t) => {
    t.string('serial', 20).primary();
    t.string('state', 10).notNullable();
    t.integer('org_pk').references('organisations.id');
    t.integer('supplier_pk').references('suppliers.id');
    t.integer('order_pk').references('orders.id');
    t.string('family', 20);
    t.string('asset_tag', 128);
    t.string('server', 100);
    t.integer('version').notNullable();
    t.string('updated_at', 30).notNullable();
    t.index(['org_pk', 'state']);
    t.index(['supplier_pk', 'state']);
  });
  await knex.schema.createTable('device_events', (t) => {
    t.bigIncrements('id');
    t.string('serial', 20).notNullable();
    t.string('at', 30).notNullable();
    t.string('kind', 20).notNullable();
    t.string('from_state', 10);
    t.string('to_state', 10).notNullable();
    t.integer('org_pk');
    t.integer('supplier_pk');
    t.string('order_number', 32);
    t.integer('transaction_pk').references('transactions.id');
    t.string('document', 120).notNullable();
    t.string('actor', 120).notNullable();
    t.string('detail', 400);
    t.index(['serial']);
  });
  await knex.schema.createTable('released_devices', (t) => {
    t.string('serial', 20).primary();
    t.integer('org_pk').notNullable().references('organisations.id');
    t.string('reason', 200).notNullable();
    t.string('released_at', 30).notNullable();
    t.string('actor', 120).notNullable();
  });
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.string('at', 30).notNullable();
    t.string('actor', 120).notNullable();
    t.string('origin', 120).notNullable();
    t.string('action', 60).notNullable();
    t.text('detail_json').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'audit_log',
    'released_devices',
    'device_events',
    'devices',
    'order_lines',
    'deliveries',
    'orders',
    'transactions',
    'org_supplier_links',
    'credentials',
    'ship_tos',
    'suppliers',
    'org_default_servers',
    'apple_customer_numbers',
    'organisations',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
