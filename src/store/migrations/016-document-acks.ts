// The acknowledgements a partner wanted of a document (its mapping's `acks`), frozen with
// the document when it is read: a mapping edited, reloaded or removed later does not
// change which acknowledgements an earlier document has. Documents from before have none
// recorded; theirs come from their mapping while it is loaded.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('documents', (t) => {
    t.text('acks_json');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('documents', (t) => {
    t.dropColumn('acks_json');
  });
}
