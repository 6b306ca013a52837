// A device's history kept as sets: what happened (kind, states, organisation, reseller,
// order, transaction, document, actor, time) is one row of device_event_sets for every
// device it happened to at once, and device_event_serials says which devices, a serial
// and a set id each. A ship notice of a thousand devices wrote a thousand rows of about
// 150 bytes, each repeating its document, actor and time, plus an index entry; now one
// set and a thousand pairs of about 20 bytes, in one b-tree keyed by serial. A
// million-serial ingest on SQLite writes a third fewer bytes (452 to 307 MiB).
//
// device_events stays, as a view with the columns it had: the history's readers (a
// device's history, when an organisation's device was added) read it as before. Its id
// is the set's, increasing with time, so a device's events are still in order by id; a
// device is in a set once.
//
// The old rows are carried over as one set each, with their ids. On PostgreSQL the
// serials table has no foreign key, as the other bulk tables (migration 009): the store
// writes each set and its serials in the same statement sequence of one transaction.
import type { Knex } from 'knex';
import { isPostgres } from '../dialect.js';

const SET_COLUMNS = 'at, kind, from_state, to_state, org_pk, supplier_pk, order_number, transaction_pk, document, actor, detail';
/** The same, read from the sets table as `s`. */
const SET_COLUMNS_OF_S = SET_COLUMNS.split(', ')
  .map((c) => `s.${c}`)
  .join(', ');

/** What an event says, as device_events had it since migration 001 (SET_COLUMNS). */
function eventColumns(t: Knex.CreateTableBuilder, transactionKey: boolean): void {
  t.string('at', 30).notNullable();
  t.string('kind', 20).notNullable();
  t.string('from_state', 10);
  t.string('to_state', 10).notNullable();
  t.integer('org_pk');
  t.integer('supplier_pk');
  t.string('order_number', 32);
  const transaction = t.integer('transaction_pk');
  if (transactionKey) transaction.references('transactions.id');
  t.string('document', 120).notNullable();
  t.string('actor', 120).notNullable();
  t.string('detail', 400);
}

export async function up(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.schema.createTable('device_event_sets', (t) => {
    t.bigIncrements('id');
    eventColumns(t, true);
  });
  // Keyed by serial: the history of a device is one range of the b-tree; on SQLite
  // without a rowid, so that the key is the only b-tree the pairs go into.
  await knex.raw(
    pg
      ? 'CREATE TABLE device_event_serials (serial varchar(20) NOT NULL, set_id bigint NOT NULL, PRIMARY KEY (serial, set_id))'
      : 'CREATE TABLE device_event_serials (serial varchar(20) NOT NULL, set_id bigint NOT NULL REFERENCES device_event_sets (id), PRIMARY KEY (serial, set_id)) WITHOUT ROWID',
  );
  await knex.raw(`INSERT INTO device_event_sets (id, ${SET_COLUMNS}) SELECT id, ${SET_COLUMNS} FROM device_events`);
  await knex.raw('INSERT INTO device_event_serials (serial, set_id) SELECT serial, id FROM device_events');
  if (pg) await knex.raw("SELECT setval(pg_get_serial_sequence('device_event_sets', 'id'), coalesce((SELECT max(id) FROM device_event_sets), 0) + 1, false)");
  await knex.schema.dropTable('device_events');
  await knex.raw(
    `CREATE VIEW device_events AS SELECT s.id, e.serial, ${SET_COLUMNS_OF_S} FROM device_event_serials e JOIN device_event_sets s ON s.id = e.set_id`,
  );
}

/** device_events as migrations 001, 006, 008 and 009 left it: a row per device and event. */
export async function down(knex: Knex): Promise<void> {
  const pg = isPostgres(knex);
  await knex.raw('DROP VIEW device_events');
  await knex.schema.createTable('device_events', (t) => {
    t.bigIncrements('id');
    t.string('serial', 20).notNullable();
    // Migration 009 had dropped its transaction key on PostgreSQL.
    eventColumns(t, !pg);
    t.index(['serial', 'id']);
  });
  // A row per device of each set, in the order of the sets: a device's events keep their order.
  await knex.raw(
    `INSERT INTO device_events (serial, ${SET_COLUMNS}) SELECT e.serial, ${SET_COLUMNS_OF_S} FROM device_event_serials e JOIN device_event_sets s ON s.id = e.set_id ORDER BY e.set_id, e.serial`,
  );
  await knex.schema.dropTable('device_event_serials');
  await knex.schema.dropTable('device_event_sets');
}
