// Raw bytes kept compressed: each chunk of document_content says how it is kept, gzip
// (what the gateway writes from now on) or identity (every chunk written before). Old
// chunks stay as they are and read as before.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('document_content', (t) => {
    t.string('encoding', 8).notNullable().defaultTo('identity');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('document_content', (t) => {
    t.dropColumn('encoding');
  });
}
