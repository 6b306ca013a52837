// Apple's business API for organisations (spec/abm-org-api.md):
// - business_api_accounts: an organisation's API client (BUSINESSAPI.<uuid>), its key id
//   and EC P-256 public key (JWK text); never deleted, only revoked.
// - business_api_tokens: access tokens, by the SHA-256 of the token only (a copy of the
//   database gives no usable token), each for one account and one hour.
// - mdm_servers: the stable id and times of each device-management server an
//   organisation names. Devices and default servers hold the server's name, as before;
//   this gives the name the opaque id, createdDateTime and updatedDateTime the API
//   answers. Filled here from the names already in use.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('business_api_accounts', (t) => {
    t.increments('id');
    t.string('client_id', 64).notNullable().unique();
    t.string('key_id', 64).notNullable().unique();
    t.integer('org_pk').notNullable().references('organisations.id');
    t.text('public_jwk').notNullable();
    t.string('label', 100).notNullable();
    t.string('created_at', 30).notNullable();
    t.string('revoked_at', 30).nullable();
  });
  await knex.schema.createTable('business_api_tokens', (t) => {
    t.string('digest', 64).primary();
    t.integer('account_pk').notNullable().references('business_api_accounts.id');
    t.string('issued_at', 30).notNullable();
    t.string('expires_at', 30).notNullable();
    t.index(['account_pk']);
  });
  await knex.schema.createTable('mdm_servers', (t) => {
    t.increments('id');
    t.string('server_id', 32).notNullable().unique();
    t.integer('org_pk').notNullable().references('organisations.id');
    t.string('name', 100).notNullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['org_pk', 'name']);
  });
  const named = (await knex
    .select('org_pk', 'server as name')
    .from('org_default_servers')
    .union((q) => q.select('org_pk', 'server as name').from('devices').whereNotNull('server').whereNotNull('org_pk'))) as { org_pk: number; name: string }[];
  const at = new Date().toISOString();
  const rows = named.map((r) => ({ server_id: newServerIdForMigration(), org_pk: r.org_pk, name: r.name, created_at: at, updated_at: at }));
  for (let i = 0; i < rows.length; i += 500) await knex('mdm_servers').insert(rows.slice(i, i + 500));
}

/** As store/mdm-servers.ts makes them (a migration cannot import the store). */
function newServerIdForMigration(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mdm_servers');
  await knex.schema.dropTable('business_api_tokens');
  await knex.schema.dropTable('business_api_accounts');
}
