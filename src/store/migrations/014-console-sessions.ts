// Sessions of the console: a person signs in with their key once, and the browser holds
// a random session token in an HttpOnly cookie. A session is stored as the token's SHA-256
// and the digest of the key it stands for (what principal_keys and credentials already
// hold), so a copy of the database yields neither a session nor a key, and revoking the
// key ends every session it opened.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('console_sessions', (t) => {
    t.increments('id');
    t.string('session_digest', 64).notNullable().unique();
    t.string('key_digest', 64).notNullable().index();
    t.string('created_at', 30).notNullable();
    t.string('last_seen_at', 30).notNullable();
    t.string('expires_at', 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('console_sessions');
}
