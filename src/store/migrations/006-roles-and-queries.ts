// Roles and the query API: operator and metrics keys join organisation-admin and finance
// keys; a finance key may be limited to a set of organisations; audit entries carry the
// request id that the request log and the answer's X-Request-Id also carry; and the
// indexes that keyset pagination and exports walk, so that page N costs what page 1 does.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A finance key with rows here sees only these organisations; with none, every one.
  await knex.schema.createTable('principal_key_orgs', (t) => {
    t.integer('key_pk').notNullable().references('principal_keys.id');
    t.integer('org_pk').notNullable().references('organisations.id');
    t.primary(['key_pk', 'org_pk']);
  });
  await knex.schema.alterTable('audit_log', (t) => {
    t.string('request_id', 40).nullable();
    t.index(['at']);
  });
  await knex.schema.alterTable('devices', (t) => {
    // "Every available device of organisation X", walked in serial order.
    t.index(['org_pk', 'serial']);
  });
  await knex.schema.alterTable('orders', (t) => {
    t.index(['po_number']);
    t.index(['order_number']);
    t.index(['org_pk', 'id']);
    t.index(['supplier_pk', 'id']);
  });
  await knex.schema.alterTable('transactions', (t) => {
    t.index(['supplier_pk', 'id']);
  });
  await knex.schema.alterTable('documents', (t) => {
    t.index(['supplier_pk', 'id']);
  });
  await knex.schema.alterTable('device_events', (t) => {
    t.index(['serial', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('device_events', (t) => t.dropIndex(['serial', 'id']));
  await knex.schema.alterTable('documents', (t) => t.dropIndex(['supplier_pk', 'id']));
  await knex.schema.alterTable('transactions', (t) => t.dropIndex(['supplier_pk', 'id']));
  await knex.schema.alterTable('orders', (t) => {
    t.dropIndex(['po_number']);
    t.dropIndex(['order_number']);
    t.dropIndex(['org_pk', 'id']);
    t.dropIndex(['supplier_pk', 'id']);
  });
  await knex.schema.alterTable('devices', (t) => t.dropIndex(['org_pk', 'serial']));
  await knex.schema.alterTable('audit_log', (t) => {
    t.dropIndex(['at']);
    t.dropColumn('request_id');
  });
  await knex.schema.dropTableIfExists('principal_key_orgs');
}
