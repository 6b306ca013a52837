// SQLite's bulk tables without foreign keys, as PostgreSQL's have been since migration 009.
// A ship notice writes a device, an order line and a history pair per serial, and SQLite
// checked each row's keys with a probe of each parent (a device has three: organisation,
// reseller, order): five probes a serial. A million-serial CSV took 7.16 to 7.26 s
// without them against 7.72 to 7.75 s with them (the CLI's ingest, three alternating
// runs each; migration 009 had measured no difference, when other costs hid it).
//
// The parents (organisations, suppliers, orders, history sets) are never deleted, and
// every key a unit writes comes from a row it loaded or wrote in its transaction: the
// store asserts that for each set before writing it (enrollment-store.ts
// assertKnownParents, and a history pair's set is inserted by the same call).
//
// SQLite cannot drop a foreign key: each table is built again without them, its rows
// copied, its indexes made again as they were, and the view over the history pairs
// (migration 018) dropped and made again around it. The migration runs in one
// transaction: an upgrade is whole or not at all.
import type { Knex } from 'knex';
import { isPostgres } from '../dialect.js';

interface BulkTable {
  name: string;
  columns: string[];
  /** Without foreign keys (up). */
  unkeyed: string;
  /** As migrations 001 and 018 made it (down). */
  keyed: string;
}

const DEVICE_COLUMNS = ['serial', 'state', 'org_pk', 'supplier_pk', 'order_pk', 'family', 'asset_tag', 'server', 'version', 'updated_at'];
const DEVICES_BODY =
  '`serial` varchar(20), `state` varchar(10) not null, `org_pk` integer, `supplier_pk` integer, `order_pk` integer, `family` varchar(20), `asset_tag` varchar(128), `server` varchar(100), `version` integer not null, `updated_at` varchar(30) not null';
const LINE_COLUMNS = ['id', 'order_pk', 'serial', 'delivery_number', 'asset_tag', 'status', 'source_order_pk'];
const LINES_BODY =
  '`id` integer not null primary key autoincrement, `order_pk` integer not null, `serial` varchar(20) not null, `delivery_number` varchar(32) not null, `asset_tag` varchar(128), `status` varchar(10) not null, `source_order_pk` integer';

const BULK_TABLES: BulkTable[] = [
  {
    name: 'devices',
    columns: DEVICE_COLUMNS,
    unkeyed: `(${DEVICES_BODY}, primary key (\`serial\`))`,
    keyed: `(${DEVICES_BODY}, foreign key(\`org_pk\`) references \`organisations\`(\`id\`), foreign key(\`supplier_pk\`) references \`suppliers\`(\`id\`), foreign key(\`order_pk\`) references \`orders\`(\`id\`), primary key (\`serial\`))`,
  },
  {
    name: 'order_lines',
    columns: LINE_COLUMNS,
    unkeyed: `(${LINES_BODY})`,
    keyed: `(${LINES_BODY}, foreign key(\`order_pk\`) references \`orders\`(\`id\`), foreign key(\`source_order_pk\`) references \`orders\`(\`id\`))`,
  },
  {
    name: 'device_event_serials',
    columns: ['serial', 'set_id'],
    unkeyed: '(serial varchar(20) NOT NULL, set_id bigint NOT NULL, PRIMARY KEY (serial, set_id)) WITHOUT ROWID',
    keyed: '(serial varchar(20) NOT NULL, set_id bigint NOT NULL REFERENCES device_event_sets (id), PRIMARY KEY (serial, set_id)) WITHOUT ROWID',
  },
];

export async function up(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) await rebuild(knex, 'unkeyed');
}

export async function down(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) await rebuild(knex, 'keyed');
}

async function rebuild(knex: Knex, shape: 'unkeyed' | 'keyed'): Promise<void> {
  // Views over the tables are dropped first: renaming a table checks every view in the schema.
  const views = (await knex.raw("SELECT name, sql FROM sqlite_master WHERE type = 'view' AND sql IS NOT NULL")) as { name: string; sql: string }[];
  for (const view of views) await knex.raw(`DROP VIEW "${view.name}"`);
  for (const table of BULK_TABLES) {
    const indexes = (await knex.raw("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [table.name])) as { sql: string }[];
    const sequence = (await knex.raw('SELECT seq FROM sqlite_sequence WHERE name = ?', [table.name])) as { seq: number }[];
    const columns = table.columns.map((c) => `"${c}"`).join(', ');
    await knex.raw(`CREATE TABLE "${table.name}_rebuilt" ${table[shape]}`);
    await knex.raw(`INSERT INTO "${table.name}_rebuilt" (${columns}) SELECT ${columns} FROM "${table.name}"`);
    await knex.raw(`DROP TABLE "${table.name}"`);
    await knex.raw(`ALTER TABLE "${table.name}_rebuilt" RENAME TO "${table.name}"`);
    for (const index of indexes) await knex.raw(index.sql);
    // The ids given so far are never given again, even those of lines deleted since.
    if (sequence[0]) {
      await knex.raw('DELETE FROM sqlite_sequence WHERE name = ?', [table.name]);
      await knex.raw('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)', [table.name, sequence[0].seq]);
    }
  }
  for (const view of views) await knex.raw(view.sql);
}
