// API keys of people and programs that are not resellers: an organisation's admin (its
// own organisation's credit codes, accounts and spending) and finance (credit reports for
// every organisation). Like reseller keys, a key is shown once and stored as its SHA-256.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('principal_keys', (t) => {
    t.increments('id');
    t.string('key_id', 40).notNullable().unique();
    // org_admin | finance
    t.string('role', 12).notNullable();
    t.integer('org_pk').nullable().references('organisations.id');
    t.string('digest', 64).notNullable().unique();
    t.string('label', 100).notNullable();
    t.string('created_at', 30).notNullable();
    t.string('revoked_at', 30).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('principal_keys');
}
