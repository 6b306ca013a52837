// Indexes that cost every enrollment a write and answered no query: the order lines'
// serial index (lines are reached through their order, or a device through devices),
// the devices' (supplier, state) index (no query selects a supplier's devices by state;
// linking reads an organisation's pending devices through (org_pk, state)), and the
// device events' serial index (the (serial, id) index of migration 006 serves every
// lookup by serial). A million-device ship notice writes three million index entries
// fewer.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('order_lines', (t) => t.dropIndex(['serial']));
  await knex.schema.alterTable('devices', (t) => t.dropIndex(['supplier_pk', 'state']));
  await knex.schema.alterTable('device_events', (t) => t.dropIndex(['serial']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('device_events', (t) => t.index(['serial']));
  await knex.schema.alterTable('devices', (t) => t.index(['supplier_pk', 'state']));
  await knex.schema.alterTable('order_lines', (t) => t.index(['serial']));
}
