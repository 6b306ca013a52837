// Volume (VPP) credit: what was ordered, the units issued against it (one redemption code
// per unit), the accounts codes are redeemed into, and the ledger of every money movement.
//
// Amounts are integer minor units of their currency (bigint: cents for USD, yen for JPY,
// fils for KWD), never floats. The rules keep every amount below 2^53 (see
// src/domain/credit.ts, MAX_MINOR_UNITS), so a driver that answers a JavaScript number
// for a bigint column still answers it exactly.
//
// credit_entries is the ledger. An entry is never updated or deleted (triggers refuse
// both, on SQLite and on PostgreSQL); a correction is a new entry that reverses another.
// Every entry carries an idempotency key (unique) and the hash of the request that made
// it: the same key again answers the first entry, a different request under it is refused.
//
// credit_accounts.balance_minor is the sum of the account's entries, kept beside them so
// that a spend can check and take in one conditional UPDATE (... WHERE balance_minor >= ?)
// and a CHECK forbids a negative balance whatever the code does. The reconciliation
// report compares the two.
//
// credit_codes: one row per issued unit; the code itself is stored only as its SHA-256
// (to look it up) and sealed with a key kept outside the database (to show it to the
// organisation's admin during its download window). A leaked database reveals no usable
// code. State moves issued -> redeemed | refunded | voided, by conditional UPDATE, which is
// what makes a double redemption impossible. A re-issued code replaces the hash and seal;
// the old hash goes to credit_retired_codes so that its holder is told what happened.
import type { Knex } from 'knex';
import { isPostgres } from '../dialect.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('credit_order_lines', (t) => {
    t.increments('id');
    t.integer('supplier_pk').notNullable().references('suppliers.id');
    t.string('order_number', 32).notNullable();
    t.string('line_number', 20).notNullable();
    t.integer('org_pk').notNullable().references('organisations.id');
    t.string('part_number', 40).notNullable();
    t.string('currency', 3).notNullable();
    t.bigInteger('amount_minor').notNullable();
    t.integer('quantity').notNullable();
    t.bigInteger('unit_minor').notNullable();
    t.integer('document_pk').nullable().references('documents.id');
    t.string('order_date', 32).notNullable();
    t.string('ordered_at', 30).notNullable();
    t.unique(['supplier_pk', 'order_number', 'line_number']);
    t.index(['org_pk', 'currency']);
  });
  await knex.schema.createTable('credit_accounts', (t) => {
    t.increments('id');
    t.string('account_id', 40).notNullable().unique();
    t.integer('org_pk').notNullable().references('organisations.id');
    t.string('location', 64).notNullable();
    t.string('currency', 3).notNullable();
    t.bigInteger('balance_minor').notNullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['org_pk', 'location', 'currency']);
    t.check('?? >= 0', ['balance_minor'], 'credit_accounts_balance_not_negative');
  });
  await knex.schema.createTable('credit_codes', (t) => {
    t.increments('id');
    t.string('code_id', 40).notNullable().unique();
    t.integer('order_line_pk').notNullable().references('credit_order_lines.id');
    t.integer('unit_index').notNullable();
    t.integer('org_pk').notNullable().references('organisations.id');
    t.integer('supplier_pk').notNullable().references('suppliers.id');
    t.string('currency', 3).notNullable();
    t.bigInteger('amount_minor').notNullable();
    t.string('code_hash', 64).notNullable().unique();
    t.string('code_hint', 8).notNullable();
    t.text('code_sealed').notNullable();
    t.string('issued_at', 30).notNullable();
    t.string('download_until', 30).notNullable();
    // issued | redeemed | refunded | voided
    t.string('state', 10).notNullable();
    t.integer('account_pk').nullable().references('credit_accounts.id');
    t.string('settled_at', 30).nullable();
    t.integer('reissues').notNullable().defaultTo(0);
    t.unique(['order_line_pk', 'unit_index']);
    t.index(['org_pk', 'state']);
  });
  await knex.schema.createTable('credit_retired_codes', (t) => {
    t.string('code_hash', 64).primary();
    t.integer('code_pk').notNullable().references('credit_codes.id');
    t.string('retired_at', 30).notNullable();
  });
  await knex.schema.createTable('credit_entries', (t) => {
    t.increments('id');
    t.string('entry_id', 40).notNullable().unique();
    // issued | redeemed | spent | refunded | voided
    t.string('kind', 10).notNullable();
    t.integer('org_pk').notNullable().references('organisations.id');
    t.integer('supplier_pk').nullable().references('suppliers.id');
    t.string('currency', 3).notNullable();
    // Signed: a reversing entry carries the opposite sign of the entry it reverses.
    t.bigInteger('amount_minor').notNullable();
    t.integer('code_pk').nullable().references('credit_codes.id');
    t.integer('account_pk').nullable().references('credit_accounts.id');
    t.integer('order_line_pk').nullable().references('credit_order_lines.id');
    // One reversal per entry, at most.
    t.integer('reverses_entry_pk').nullable().unique().references('credit_entries.id');
    t.string('idempotency_key', 200).notNullable().unique();
    t.string('request_hash', 64).notNullable();
    t.string('at', 30).notNullable();
    t.string('actor', 120).notNullable();
    t.integer('document_pk').nullable().references('documents.id');
    t.text('detail_json').notNullable();
    t.index(['currency', 'at']);
    t.index(['account_pk']);
    t.index(['code_pk']);
  });
  // A purchase-history CSV, as received: its bytes are kept (document_content, by sha256)
  // whatever happened to it, with its outcome and errors.
  await knex.schema.createTable('credit_imports', (t) => {
    t.increments('id');
    t.string('import_id', 40).notNullable().unique();
    t.integer('org_pk').notNullable().references('organisations.id');
    t.string('location', 64).notNullable();
    t.string('file_name', 255).notNullable();
    t.string('sha256', 64).notNullable();
    t.bigInteger('size_bytes').notNullable();
    // applied | rejected
    t.string('status', 10).notNullable();
    t.integer('rows').notNullable();
    t.integer('recorded').notNullable();
    t.integer('already_recorded').notNullable();
    t.text('errors_json').notNullable();
    t.text('result_json').notNullable();
    t.string('actor', 120).notNullable();
    t.string('received_at', 30).notNullable();
    t.index(['org_pk', 'received_at']);
  });
  if (isPostgres(knex)) {
    await knex.raw(`CREATE OR REPLACE FUNCTION credit_entries_immutable() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'credit entries are immutable: add a reversing entry instead'; END; $$ LANGUAGE plpgsql`);
    await knex.raw(`CREATE TRIGGER credit_entries_no_update BEFORE UPDATE OR DELETE ON credit_entries
      FOR EACH ROW EXECUTE FUNCTION credit_entries_immutable()`);
  } else {
    for (const event of ['UPDATE', 'DELETE']) {
      await knex.raw(`CREATE TRIGGER credit_entries_no_${event.toLowerCase()} BEFORE ${event} ON credit_entries
        BEGIN SELECT RAISE(ABORT, 'credit entries are immutable: add a reversing entry instead'); END`);
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['credit_imports', 'credit_entries', 'credit_retired_codes', 'credit_codes', 'credit_accounts', 'credit_order_lines']) {
    await knex.schema.dropTableIfExists(table);
  }
  if (isPostgres(knex)) await knex.raw('DROP FUNCTION IF EXISTS credit_entries_immutable()');
}
