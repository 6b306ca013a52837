// Device activities of Apple's business API (spec/abm-org-api.md): an organisation's
// request to assign, unassign or release devices, its status, and each device's result
// (what the CSV at its downloadUrl lists). Kept, never deleted: Apple keeps them 30 days.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('org_device_activities', (t) => {
    t.increments('id');
    t.string('activity_id', 36).notNullable().unique();
    t.integer('org_pk').notNullable().references('organisations.id');
    t.integer('account_pk').notNullable().references('business_api_accounts.id');
    t.string('activity_type', 40).notNullable();
    t.integer('server_pk').nullable().references('mdm_servers.id');
    t.string('status', 16).notNullable();
    t.string('sub_status', 40).notNullable();
    t.string('created_at', 30).notNullable();
    // Set by the process that runs it: another takes it over only once this is stale.
    t.string('claimed_at', 30).nullable();
    t.string('completed_at', 30).nullable();
    t.integer('succeeded').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.index(['org_pk', 'id']);
  });
  await knex.schema.createTable('org_device_activity_devices', (t) => {
    t.integer('activity_pk').notNullable().references('org_device_activities.id');
    t.integer('seq').notNullable();
    t.string('serial', 20).notNullable();
    // SUCCESS or FAILED once the activity ran.
    t.string('result', 10).nullable();
    t.string('code', 24).nullable();
    t.string('message', 400).nullable();
    t.primary(['activity_pk', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('org_device_activity_devices');
  await knex.schema.dropTable('org_device_activities');
}
