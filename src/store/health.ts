// Whether the database answers: the health check's one statement.
import type { Knex } from 'knex';

/** Resolves when the database answered a trivial query; rejects with the driver's error otherwise. */
export async function pingDatabase(db: Knex): Promise<void> {
  await db.raw('select 1');
}
