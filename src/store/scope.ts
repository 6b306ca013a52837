// A reader's Scope (src/model/reads.ts) as the WHERE clause of a query: one spelling of
// "whose rows may this reader see" for every query of the read side.
import type { Knex } from 'knex';
import type { Scope } from '../model/reads.js';

/**
 * Restricts `q` to the rows `scope` may see: those of its organisations (`orgColumn`) or of
 * its supplier (`supplierColumn`). Rows that belong to no supplier (an organisation, a
 * release: an organisation's act) take supplierColumn null, and a supplier sees none of them.
 */
export function whereInScope<Q extends Knex.QueryBuilder>(q: Q, scope: Scope, orgColumn: string, supplierColumn: string | null): Q {
  if (scope.kind === 'orgs') q.whereIn(orgColumn, scope.orgPks);
  else if (scope.kind === 'supplier') {
    if (supplierColumn === null) q.whereRaw('1 = 0');
    else q.where(supplierColumn, scope.supplierPk);
  }
  return q;
}
