// Before the redaction step, `seed` recorded each reseller's raw API keys in its
// supplier.add audit entry (the entry's detail was the seed record, apiKeys included).
// This rewrites those entries' details through the same redaction every entry now passes
// through; nothing else in them changes. The keys themselves stay valid (they were only
// ever stored as their SHA-256): an operator who wants them changed makes new ones.
import type { Knex } from 'knex';
import { redactSecrets } from '../../model/secrets.js';

const BATCH_ROWS = 1000;

export async function up(knex: Knex): Promise<void> {
  for (let after = 0; ; ) {
    const rows = (await knex('audit_log').where('action', 'supplier.add').where('id', '>', after).orderBy('id').limit(BATCH_ROWS).select('id', 'detail_json')) as { id: number; detail_json: string }[];
    if (rows.length === 0) return;
    for (const row of rows) {
      const redacted = JSON.stringify(redactSecrets(JSON.parse(row.detail_json) as unknown));
      if (redacted !== row.detail_json) await knex('audit_log').where('id', row.id).update({ detail_json: redacted });
    }
    after = Number(rows[rows.length - 1]!.id); // a bigint: text on PostgreSQL
  }
}

/** What was redacted is gone: there is nothing to put back. */
export async function down(): Promise<void> {}
