// The audit log as the operator reads it: who did what, when, from where, under which
// request id; newest first (row id: the order entries were written in), filtered by
// actor, action and day. Entries are never changed, so keyset pages on the row id do
// not repeat an entry, and entries written after the first page stay out of the walk.
import type { Knex } from 'knex';
import { dayBounds, isRefusal, type DayRange, type FilterRefusal } from './days.js';
import type { PageRequest } from '../model/reads.js';
import { auditEntriesNewestFirst, type AuditListing } from '../store/audit.js';

export type { AuditListing };

export interface AuditFilter extends DayRange {
  /** Exact, or a prefix when it ends with `*` ("org-admin:30411:*"). */
  actor?: string;
  /** Exact, or a prefix when it ends with `*` ("organisation.*"). */
  action?: string;
}

/** Entries newest first; limit + 1 rows, so the caller knows whether more follow. */
export async function listAudit(db: Knex, filter: AuditFilter, page: PageRequest): Promise<AuditListing[] | FilterRefusal> {
  const bounds = dayBounds(filter);
  if (isRefusal(bounds)) return bounds;
  return auditEntriesNewestFirst(db, { actor: filter.actor, action: filter.action, ...bounds }, page);
}
