// The data scope of an authenticated principal (src/model/reads.ts).
import type { Scope } from '../../../model/reads.js';
import type { Principal } from '../principal.js';

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
