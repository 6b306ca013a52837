// The audit log: every administrative write, with who did it and from where.
import type { Knex } from 'knex';

export interface AuditEntry {
  actor: string;
  origin: string;
  action: string;
  detail: Record<string, unknown>;
  /** The HTTP request that made the change, when one did (its X-Request-Id). */
  requestId?: string;
}

export async function audit(db: Knex, entry: AuditEntry, now: string): Promise<void> {
  await db('audit_log').insert({
    at: now,
    actor: entry.actor.slice(0, 120),
    origin: entry.origin.slice(0, 120),
    action: entry.action,
    detail_json: JSON.stringify(entry.detail),
    ...(entry.requestId ? { request_id: entry.requestId.slice(0, 40) } : {}),
  });
}
