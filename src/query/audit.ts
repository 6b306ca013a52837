// The audit log as the operator reads it: who did what, when, from where, under which
// request id; newest first (row id: the order entries were written in), filtered by
// actor, action and day. Entries are never changed, so keyset pages on the row id do
// not repeat an entry, and entries written after the first page stay out of the walk.
import type { Knex } from 'knex';
import { dayBounds, isRefusal, type DayRange, type FilterRefusal } from './days.js';
import type { PageRequest } from './reseller-data.js';

export interface AuditFilter extends DayRange {
  /** Exact, or a prefix when it ends with `*` ("org-admin:30411:*"). */
  actor?: string;
  /** Exact, or a prefix when it ends with `*` ("organisation.*"). */
  action?: string;
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

/** Entries newest first; limit + 1 rows, so the caller knows whether more follow. */
export async function listAudit(db: Knex, filter: AuditFilter, page: PageRequest): Promise<AuditListing[] | FilterRefusal> {
  const bounds = dayBounds(filter);
  if (isRefusal(bounds)) return bounds;
  const q = db('audit_log').select('id', 'at', 'actor', 'origin', 'action', 'request_id', 'detail_json').orderBy('id', 'desc').limit(page.limit + 1);
  if (filter.actor !== undefined) matchText(q, 'actor', filter.actor);
  if (filter.action !== undefined) matchText(q, 'action', filter.action);
  if (bounds.atLeast !== undefined) q.where('at', '>=', bounds.atLeast);
  if (bounds.before !== undefined) q.where('at', '<', bounds.before);
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
