// Which database a knex handle speaks to: for the few places where SQLite and
// PostgreSQL take different SQL (migrations among them, which db.ts itself imports).
import type { Knex } from 'knex';

export function isPostgres(db: Knex): boolean {
  return db.client.config.client === 'pg';
}
