// What bounds a read of the read side (src/query, src/reports): whose data it may see and
// which page of it. Types only: the queries in src/store apply them in SQL.

/**
 * Whose data a question may see. Every query of the read side and every export takes a
 * Scope and applies it in SQL, so "an organisation admin of A never reads B's devices" is
 * one WHERE clause in one place per query, not a check after the fact.
 */
export type Scope =
  /** The operator: every organisation and supplier. */
  | { kind: 'all' }
  /** An organisation admin (one organisation) or a limited finance key (several). */
  | { kind: 'orgs'; orgPks: number[] }
  /** A reseller or Apple: the documents, transactions and orders it sent. */
  | { kind: 'supplier'; supplierPk: number };

/** A page of a list newest first: at most `limit` rows, strictly older than the row `beforePk` (the cursor). */
export interface PageRequest {
  limit: number;
  beforePk?: number;
}
