// PostgreSQL compresses a large text value before storing it, with pglz unless told
// otherwise. A ship notice's device outcomes are one JSON text per item (migration 017),
// about 40 KiB for a thousand devices, and pglz spent about 0.4 s of the server's CPU on a
// million-serial CSV (7.8 and 7.7 s against 7.4 and 7.2 s with lz4, alternating runs),
// for about 1% more WAL. lz4 compresses less and much faster; stored uncompressed, the
// same file wrote 7% more WAL for 0.1 s more saved, so lz4 it is.
//
// lz4 needs PostgreSQL 14 or later built with it (PGDG's and Debian's packages are). On a
// server without it the column keeps pglz: the choice changes cost, never what is stored
// (docs/operations.md says how to see which). Values stored before keep their method.
// SQLite does not compress: nothing to do.
import type { Knex } from 'knex';
import { isPostgres } from '../dialect.js';

export async function up(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  // A server without lz4 refuses the method: the savepoint keeps the upgrade going.
  await knex.raw('SAVEPOINT outcomes_lz4');
  try {
    await knex.raw('ALTER TABLE document_item_devices ALTER COLUMN outcomes_json SET COMPRESSION lz4');
    await knex.raw('RELEASE SAVEPOINT outcomes_lz4');
  } catch (err) {
    await knex.raw('ROLLBACK TO SAVEPOINT outcomes_lz4');
    // Not built with lz4 (feature_not_supported), or before PostgreSQL 14 (syntax_error): pglz stays.
    const code = (err as { code?: string }).code;
    if (code !== '0A000' && code !== '42601') throw err;
  }
}

export async function down(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  await knex.raw('ALTER TABLE document_item_devices ALTER COLUMN outcomes_json SET COMPRESSION pglz');
}
