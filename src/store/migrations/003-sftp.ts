// SFTP mailbox bookkeeping, kept in the database so that a restarted gateway carries on
// where it stopped and several gateways polling one mailbox take each file once.
//
// sftp_seen: what the last polls saw of each inbound file (size, mtime, how many
// consecutive polls saw it unchanged). A file is taken only once it is stable.
//
// sftp_claims: one row per mailbox + remote name + size + mtime. Whoever moves it from
// "pending" with an expired lease to its own holder id (one conditional UPDATE) holds the
// file; it becomes "done" inside the transaction that commits the document, and
// "finished" once the remote file is moved and the acknowledgements are written.
// Leases are milliseconds since the epoch on the database's clock, so gateways on
// machines with different clocks agree on when a lease has run out.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sftp_seen', (t) => {
    t.string('mailbox', 64).notNullable();
    t.string('remote_name', 255).notNullable();
    t.bigInteger('size').notNullable();
    t.bigInteger('mtime_ms').notNullable();
    t.integer('stable_polls').notNullable();
    t.string('first_seen_at', 30).notNullable();
    t.string('last_seen_at', 30).notNullable();
    t.primary(['mailbox', 'remote_name']);
  });
  await knex.schema.createTable('sftp_claims', (t) => {
    t.increments('id');
    t.string('mailbox', 64).notNullable();
    t.string('remote_name', 255).notNullable();
    t.bigInteger('size').notNullable();
    t.bigInteger('mtime_ms').notNullable();
    // pending | done | finished | set_aside
    t.string('state', 12).notNullable();
    t.string('holder', 200);
    t.bigInteger('lease_expires_ms').notNullable();
    t.integer('attempts').notNullable();
    // The document's id (the intake pipeline's) and status, once committed.
    t.string('document_id', 64);
    t.string('status', 24);
    // How many of the document's acknowledgements are in outboundDir already.
    t.integer('acks_written').notNullable();
    // Where the remote file went (archive or error folder), once moved.
    t.string('moved_to', 1300);
    t.text('last_error');
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['mailbox', 'remote_name', 'size', 'mtime_ms']);
    t.index(['mailbox', 'state']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sftp_claims');
  await knex.schema.dropTableIfExists('sftp_seen');
}
