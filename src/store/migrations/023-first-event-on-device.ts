// A new device's first event named on its own row: devices.first_event_set_id is the
// history set (migration 018) the device was made in, and that event has no row in
// device_event_serials. Every device the gateway makes is made by an event, so a
// million-serial ship notice wrote a million pairs, and their b-tree, that said no more
// than the device rows written beside them. Written on the row instead, a ship notice
// writes a third fewer rows: the command line's ingest of a million-serial CSV took 13.0
// to 13.5 s against 14.6 to 15.4 s on PostgreSQL, in quiet runs alternating with the code
// before (the server's CPU 6.6 to 7.0 s against 7.7 to 8.2); on SQLite the difference was
// within the machine's noise (medians 6.0 and 6.2 s). The history's readers read device_events
// as before: the view takes a device's events from both. A later event of the device
// (released, reassigned, voided) is a pair, as before; pairs written before this
// migration stay pairs.
import type { Knex } from 'knex';

const SET_COLUMNS_OF_S = 's.at, s.kind, s.from_state, s.to_state, s.org_pk, s.supplier_pk, s.order_number, s.transaction_pk, s.document, s.actor, s.detail';
const PAIRS = `SELECT s.id, e.serial, ${SET_COLUMNS_OF_S} FROM device_event_serials e JOIN device_event_sets s ON s.id = e.set_id`;
const FIRST_EVENTS = `SELECT s.id, d.serial, ${SET_COLUMNS_OF_S} FROM devices d JOIN device_event_sets s ON s.id = d.first_event_set_id`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE devices ADD COLUMN first_event_set_id bigint');
  await knex.raw('DROP VIEW device_events');
  // UNION ALL: a read by serial is one look-up in each (both databases push it into each branch).
  await knex.raw(`CREATE VIEW device_events AS ${PAIRS} UNION ALL ${FIRST_EVENTS}`);
}

/** First events back into device_event_serials, and the view as migration 018 made it. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW device_events');
  await knex.raw('INSERT INTO device_event_serials (serial, set_id) SELECT serial, first_event_set_id FROM devices WHERE first_event_set_id IS NOT NULL');
  await knex.raw('ALTER TABLE devices DROP COLUMN first_event_set_id');
  await knex.raw(`CREATE VIEW device_events AS ${PAIRS}`);
}
