// Whose data a question may see. Every query of src/query and every export takes a Scope
// and applies it in SQL, so "an organisation admin of A never reads B's devices" is one
// WHERE clause in one place per query, not a check after the fact.
export type Scope =
  /** The operator: every organisation and supplier. */
  | { kind: 'all' }
  /** An organisation admin (one organisation) or a limited finance key (several). */
  | { kind: 'orgs'; orgPks: number[] }
  /** A reseller or Apple: the documents, transactions and orders it sent. */
  | { kind: 'supplier'; supplierPk: number };

export function inScopeOrg(scope: Scope, orgPk: number | null): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'orgs') return orgPk !== null && scope.orgPks.includes(orgPk);
  return false;
}
