// PostgreSQL checks a foreign key with a trigger that runs a query for every row
// inserted; on the four tables a ship notice writes a row per device into, those triggers
// were 57% of the COPY time (100,000 devices: 4.6 s with them, 1.9 s without, measured
// with psql's \copy of the same rows). The parents they point at (organisations,
// suppliers, orders, documents, transactions) are never deleted, and every key written
// comes from a row the same unit loaded or wrote in its transaction; the store asserts
// that for each set before writing it (enrollment-store.ts assertKnownParents). So on
// PostgreSQL these keys are checked once per set instead of once per row.
//
// SQLite checks a foreign key with a b-tree probe inside the insert itself: a
// 1,000,000-serial ingest took the same time with foreign_keys on and off when this was
// written, so its schema kept them. Measured again once other costs were gone, they cost
// a fifteenth of the ingest, and migration 020 drops them on SQLite too.
import type { Knex } from 'knex';
import { isPostgres } from '../dialect.js';

/** The bulk tables' foreign keys: [table, column, referenced table]. */
const BULK_FOREIGN_KEYS: [string, string, string][] = [
  ['devices', 'org_pk', 'organisations'],
  ['devices', 'supplier_pk', 'suppliers'],
  ['devices', 'order_pk', 'orders'],
  ['order_lines', 'order_pk', 'orders'],
  ['order_lines', 'source_order_pk', 'orders'],
  ['device_events', 'transaction_pk', 'transactions'],
  ['document_devices', 'document_pk', 'documents'],
];

export async function up(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  for (const [table, column] of BULK_FOREIGN_KEYS) await knex.schema.alterTable(table, (t) => t.dropForeign([column]));
}

export async function down(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  for (const [table, column, parent] of BULK_FOREIGN_KEYS) await knex.schema.alterTable(table, (t) => t.foreign(column).references(`${parent}.id`));
}
