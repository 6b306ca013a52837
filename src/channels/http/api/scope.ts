// The data scope of an authenticated principal (src/model/reads.ts).
import type { Scope } from '../../../model/reads.js';
import type { Response } from 'express';
import { sendHttpError, type Principal } from '../principal.js';

/**
 * An organisation admin naming another organisation (org=, orgId) is refused with 403,
 * saying whose it is, on every route: a filter that silently matched nothing would read as
 * "the other organisation has none". Answers true when it refused.
 */
export function refusedOtherOrganisation(res: Response, p: Principal, named: unknown, name: 'org' | 'orgId'): boolean {
  if (p.role !== 'org_admin' || named === undefined || named === p.org.orgId) return false;
  sendHttpError(res, 403, 'GW-AUTH-403', `An organisation admin key acts for its own organisation (${p.org.orgId}) only: ${name} ${String(named)} is another.`);
  return true;
}

export function scopeOf(p: Principal): Scope {
  switch (p.role) {
    case 'operator':
      return { kind: 'all' };
    case 'reseller':
      return { kind: 'supplier', supplierPk: p.supplier.pk };
    case 'org_admin':
    case 'api_client':
      return { kind: 'orgs', orgPks: [p.org.pk] };
    case 'finance':
      return p.orgs === null ? { kind: 'all' } : { kind: 'orgs', orgPks: p.orgs.map((o) => o.pk) };
    case 'metrics':
      // A metrics key reads no data; routes never give it a scope, this is the safe answer.
      return { kind: 'orgs', orgPks: [] };
  }
}
