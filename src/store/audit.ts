// The audit log: every administrative write, with who did it and from where; and the
// log as the operator reads it (src/query/audit.ts), newest first.
import type { Knex } from 'knex';
import type { PageRequest } from '../model/reads.js';
import { redactSecrets } from '../model/secrets.js';
import type { AuditAction, HttpAuditAction } from '../model/audit-actions.js';

export interface AuditEntry {
  actor: string;
  origin: string;
  /** One of the catalogue's names (src/model/audit-actions.ts). */
  action: AuditAction | HttpAuditAction;
  detail: Record<string, unknown>;
  /** The HTTP request that made the change, when one did (its X-Request-Id). */
  requestId?: string;
}

/** Records an entry; its detail passes through redactSecrets first, whoever wrote it. */
export async function audit(db: Knex, entry: AuditEntry, now: string): Promise<void> {
  await db('audit_log').insert({
    at: now,
    actor: entry.actor.slice(0, 120),
    origin: entry.origin.slice(0, 120),
    action: entry.action,
    detail_json: JSON.stringify(redactSecrets(entry.detail)),
    ...(entry.requestId ? { request_id: entry.requestId.slice(0, 40) } : {}),
  });
}

/** Which entries a reader asks for; `at` bounds are ISO-8601 text. */
export interface AuditFilter {
  /** Exact, or a prefix when it ends with `*` ("org-admin:30411:*"). */
  actor?: string;
  /** Exact, or a prefix when it ends with `*` ("organisation.*"). */
  action?: string;
  atLeast?: string;
  before?: string;
}

export interface AuditListing {
  pk: number;
  at: string;
  actor: string;
  origin: string;
  action: string;
  requestId: string | null;
  detail: unknown;
}

interface AuditRow {
  id: number | string;
  at: string;
  actor: string;
  origin: string;
  action: string;
  request_id: string | null;
  detail_json: string;
}

/**
 * Exact match, or a prefix match for a trailing `*`. The prefix is compared with substr,
 * not LIKE: no wildcard in an actor name (`_` is common) can widen the match, and both
 * databases read it the same way (SQLite's LIKE ignores case, PostgreSQL's does not).
 */
function matchText(q: Knex.QueryBuilder, column: 'actor' | 'action', value: string): void {
  if (value.endsWith('*')) {
    const prefix = value.slice(0, -1);
    if (prefix.length > 0) q.whereRaw(`substr(${column}, 1, ${prefix.length}) = ?`, [prefix]);
    return;
  }
  q.where(column, value);
}

/** Entries newest first, `limit + 1` of them (the extra one says more follow). */
export async function auditEntriesNewestFirst(db: Knex, filter: AuditFilter, page: PageRequest): Promise<AuditListing[]> {
  const q = db('audit_log').select('id', 'at', 'actor', 'origin', 'action', 'request_id', 'detail_json').orderBy('id', 'desc').limit(page.limit + 1);
  if (filter.actor !== undefined) matchText(q, 'actor', filter.actor);
  if (filter.action !== undefined) matchText(q, 'action', filter.action);
  if (filter.atLeast !== undefined) q.where('at', '>=', filter.atLeast);
  if (filter.before !== undefined) q.where('at', '<', filter.before);
  if (page.beforePk !== undefined) q.where('id', '<', page.beforePk);
  const rows = (await q) as AuditRow[];
  return rows.map((r) => ({
    pk: Number(r.id),
    at: r.at,
    actor: r.actor,
    origin: r.origin,
    action: r.action,
    requestId: r.request_id,
    detail: JSON.parse(r.detail_json) as unknown,
  }));
}
