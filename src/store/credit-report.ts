// The reads of the finance reconciliation report (src/reports/credit.ts). Every sum is
// done by the database with GROUP BY (the ledger may hold millions of entries; none is
// loaded into memory) and selected as text so that it stays exact on both drivers; it
// leaves here as a bigint. Every filter of the report is a WHERE clause of every query.
//
// The mismatch queries are the ledger's own invariants checked set-wise, for the same
// reason: an order line whose issued entries fall short of its quantity or amount, a code
// still unredeemed after its download window, an account whose stored balance differs from
// the signed sum of its entries (redeemed in, spent out).
import type { Knex } from 'knex';
import { chunks } from './chunks.js';
import { toMinor } from './credit.js';
import { isPostgres } from './db.js';
import { rowIdOf } from './row-ids.js';

/** The report's filters, as the columns hold them. */
export interface ReportScope {
  currency: string | null;
  orgPk: number | null;
  /** null: no set given; [] covers nothing. */
  orgPks: number[] | null;
}

/** Credit ordered in the period, per currency, organisation and supplier. */
export interface OrderedSum {
  currency: string;
  orgPk: number;
  supplierPk: number;
  total: bigint;
}

/** Entries of one kind before the end of the period, per currency, organisation and supplier. */
export interface EntrySum {
  currency: string;
  orgPk: number;
  /** null for an entry with no supplier (spending, which is the accounts'). */
  supplierPk: number | null;
  kind: string;
  /** The sum of the entries at or after the start of the period. */
  flow: bigint;
  /** The sum of every entry before the end of the period. */
  position: bigint;
}

export interface LineNotIssued {
  currency: string;
  amountMinor: bigint;
  quantity: number;
  orderNumber: string;
  lineNumber: string;
  orgId: string;
  supplierId: string;
  issuedUnits: number;
  issuedMinor: bigint;
}

export interface CodePastWindow {
  codeId: string;
  currency: string;
  amountMinor: bigint;
  downloadUntil: string;
  orderNumber: string;
  lineNumber: string;
  orgId: string;
  supplierId: string;
}

export interface AccountOffItsEntries {
  accountId: string;
  location: string;
  currency: string;
  balanceMinor: bigint;
  orgId: string;
  entriesMinor: bigint;
}

/** Some rows of a kind, and how many there are in all. */
export interface Counted<T> {
  listed: T[];
  count: number;
}

function scoped<T extends Knex.QueryBuilder>(q: T, scope: ReportScope, currencyColumn: string, orgColumn: string): T {
  if (scope.currency !== null) q.where(currencyColumn, scope.currency);
  if (scope.orgPk !== null) q.where(orgColumn, scope.orgPk);
  if (scope.orgPks !== null) q.whereIn(orgColumn, scope.orgPks);
  return q;
}

/**
 * Runs `work` on one snapshot of the ledger, so that every figure of a report agrees: on
 * PostgreSQL a read-only REPEATABLE READ transaction; SQLite transactions are serialisable
 * already (and knex warns on an isolation level there).
 */
export function inReadSnapshot<T>(db: Knex, work: (trx: Knex) => Promise<T>): Promise<T> {
  return isPostgres(db) ? db.transaction(work, { isolationLevel: 'repeatable read', readOnly: true }) : db.transaction(work);
}

/** Credit ordered from `fromAt` (inclusive) to `toAt` (exclusive), by order time. */
export async function orderedSums(trx: Knex, scope: ReportScope, fromAt: string, toAt: string): Promise<OrderedSum[]> {
  const rows = (await scoped(trx('credit_order_lines'), scope, 'currency', 'org_pk')
    .where('ordered_at', '>=', fromAt)
    .andWhere('ordered_at', '<', toAt)
    .groupBy('currency', 'org_pk', 'supplier_pk')
    .select('currency', 'org_pk', 'supplier_pk', trx.raw('CAST(COALESCE(SUM(amount_minor), 0) AS TEXT) AS total'))) as {
    currency: string;
    org_pk: unknown;
    supplier_pk: unknown;
    total: unknown;
  }[];
  return rows.map((r) => ({ currency: r.currency, orgPk: rowIdOf(r.org_pk), supplierPk: rowIdOf(r.supplier_pk), total: toMinor(r.total) }));
}

/** One pass over the entries before `toAt`: the flow is the part at or after `fromAt`. */
export async function entrySums(trx: Knex, scope: ReportScope, fromAt: string, toAt: string): Promise<EntrySum[]> {
  const rows = (await scoped(trx('credit_entries'), scope, 'currency', 'org_pk')
    .where('at', '<', toAt)
    .groupBy('currency', 'org_pk', 'supplier_pk', 'kind')
    .select(
      'currency',
      'org_pk',
      'supplier_pk',
      'kind',
      trx.raw('CAST(COALESCE(SUM(CASE WHEN ?? >= ? THEN amount_minor ELSE 0 END), 0) AS TEXT) AS flow', ['at', fromAt]),
      trx.raw('CAST(COALESCE(SUM(amount_minor), 0) AS TEXT) AS position'),
    )) as { currency: string; org_pk: unknown; supplier_pk: unknown; kind: string; flow: unknown; position: unknown }[];
  return rows.map((r) => ({
    currency: r.currency,
    orgPk: rowIdOf(r.org_pk),
    supplierPk: r.supplier_pk === null || r.supplier_pk === undefined ? null : rowIdOf(r.supplier_pk),
    kind: r.kind,
    flow: toMinor(r.flow),
    position: toMinor(r.position),
  }));
}

/** A ledger entry as the finance export lists it: every reference an invoice can be tied by. */
export interface LedgerEntryRow {
  pk: number;
  entryId: string;
  at: string;
  kind: string;
  currency: string;
  amountMinor: bigint;
  orgId: string;
  location: string | null;
  accountId: string | null;
  supplierId: string | null;
  orderNumber: string | null;
  lineNumber: string | null;
  codeId: string | null;
  reversesEntryId: string | null;
  documentId: string | null;
  actor: string;
}

/** Entries from `fromAt` (inclusive) to `toAt` (exclusive), oldest first, `limit` after the entry `afterPk`. */
export async function ledgerEntriesPage(trx: Knex, scope: ReportScope, fromAt: string, toAt: string, afterPk: number, limit: number): Promise<LedgerEntryRow[]> {
  const rows = (await scoped(trx('credit_entries as e'), scope, 'e.currency', 'e.org_pk')
    .join('organisations as g', 'g.id', 'e.org_pk')
    .leftJoin('credit_accounts as a', 'a.id', 'e.account_pk')
    .leftJoin('suppliers as s', 's.id', 'e.supplier_pk')
    .leftJoin('credit_order_lines as l', 'l.id', 'e.order_line_pk')
    .leftJoin('credit_codes as c', 'c.id', 'e.code_pk')
    .leftJoin('credit_entries as r', 'r.id', 'e.reverses_entry_pk')
    .leftJoin('documents as d', 'd.id', 'e.document_pk')
    .where('e.at', '>=', fromAt)
    .andWhere('e.at', '<', toAt)
    .andWhere('e.id', '>', afterPk)
    .orderBy('e.id')
    .limit(limit)
    .select(
      'e.id',
      'e.entry_id',
      'e.at',
      'e.kind',
      'e.currency',
      trx.raw('CAST(e.amount_minor AS TEXT) AS amount_minor'),
      'g.org_id',
      'a.location',
      'a.account_id',
      's.supplier_id',
      'l.order_number',
      'l.line_number',
      'c.code_id',
      'r.entry_id as reverses_entry_id',
      'd.document_id',
      'e.actor',
    )) as Record<string, unknown>[];
  return rows.map((r) => ({
    pk: rowIdOf(r.id),
    entryId: String(r.entry_id),
    at: String(r.at),
    kind: String(r.kind),
    currency: String(r.currency),
    amountMinor: toMinor(r.amount_minor),
    orgId: String(r.org_id),
    location: (r.location as string | null) ?? null,
    accountId: (r.account_id as string | null) ?? null,
    supplierId: (r.supplier_id as string | null) ?? null,
    orderNumber: (r.order_number as string | null) ?? null,
    lineNumber: (r.line_number as string | null) ?? null,
    codeId: (r.code_id as string | null) ?? null,
    reversesEntryId: (r.reverses_entry_id as string | null) ?? null,
    documentId: (r.document_id as string | null) ?? null,
    actor: String(r.actor),
  }));
}

async function countOf(trx: Knex, q: Knex.QueryBuilder): Promise<number> {
  const row = (await trx.from(q.clone().as('m')).count({ n: '*' }).first()) as { n: unknown } | undefined;
  return Number(row?.n ?? 0);
}

/** Order lines whose issued entries fall short of their quantity or amount: the first `limit` by line, and the count. */
export async function linesNotFullyIssued(trx: Knex, scope: ReportScope, limit: number): Promise<Counted<LineNotIssued>> {
  // Through the codes: credit_entries is indexed by code_pk, not by order line.
  const q = scoped(trx('credit_order_lines as l'), scope, 'l.currency', 'l.org_pk')
    .join('organisations as o', 'o.id', 'l.org_pk')
    .join('suppliers as s', 's.id', 'l.supplier_pk')
    .leftJoin('credit_codes as c', 'c.order_line_pk', 'l.id')
    .leftJoin('credit_entries as e', (j) => j.on('e.code_pk', '=', 'c.id').andOnVal('e.kind', '=', 'issued'))
    .groupBy('l.id', 'l.currency', 'l.amount_minor', 'l.quantity', 'l.order_number', 'l.line_number', 'o.org_id', 's.supplier_id')
    .havingRaw('COUNT(e.id) < l.quantity OR COALESCE(SUM(e.amount_minor), 0) < l.amount_minor')
    .select(
      'l.id',
      'l.currency',
      'l.amount_minor',
      'l.quantity',
      'l.order_number',
      'l.line_number',
      'o.org_id',
      's.supplier_id',
      trx.raw('COUNT(e.id) AS issued_units'),
      trx.raw('CAST(COALESCE(SUM(e.amount_minor), 0) AS TEXT) AS issued_total'),
    );
  const count = await countOf(trx, q);
  const rows = (await q.clone().orderBy('l.id').limit(limit)) as {
    currency: string;
    amount_minor: unknown;
    quantity: number;
    order_number: string;
    line_number: string;
    org_id: string;
    supplier_id: string;
    issued_units: unknown;
    issued_total: unknown;
  }[];
  const listed = rows.map((r) => ({
    currency: r.currency,
    amountMinor: toMinor(r.amount_minor),
    quantity: Number(r.quantity),
    orderNumber: r.order_number,
    lineNumber: r.line_number,
    orgId: r.org_id,
    supplierId: r.supplier_id,
    issuedUnits: Number(r.issued_units),
    issuedMinor: toMinor(r.issued_total),
  }));
  return { listed, count };
}

/** Codes still issued whose download window closed before `nowAt`: the first `limit` by window, and the count. */
export async function codesUnredeemedPastWindow(trx: Knex, scope: ReportScope, nowAt: string, limit: number): Promise<Counted<CodePastWindow>> {
  const q = scoped(trx('credit_codes as c'), scope, 'c.currency', 'c.org_pk')
    .join('credit_order_lines as l', 'l.id', 'c.order_line_pk')
    .join('organisations as o', 'o.id', 'c.org_pk')
    .join('suppliers as s', 's.id', 'c.supplier_pk')
    .where('c.state', 'issued')
    .andWhere('c.download_until', '<', nowAt)
    .select('c.id', 'c.code_id', 'c.currency', 'c.amount_minor', 'c.download_until', 'l.order_number', 'l.line_number', 'o.org_id', 's.supplier_id');
  const count = await countOf(trx, q);
  const rows = (await q.clone().orderBy([{ column: 'c.download_until' }, { column: 'c.id' }]).limit(limit)) as {
    code_id: string;
    currency: string;
    amount_minor: unknown;
    download_until: string;
    order_number: string;
    line_number: string;
    org_id: string;
    supplier_id: string;
  }[];
  const listed = rows.map((r) => ({
    codeId: r.code_id,
    currency: r.currency,
    amountMinor: toMinor(r.amount_minor),
    downloadUntil: r.download_until,
    orderNumber: r.order_number,
    lineNumber: r.line_number,
    orgId: r.org_id,
    supplierId: r.supplier_id,
  }));
  return { listed, count };
}

/** The signed sum of an account's entries: redeemed credit in, spending out. */
const SIGNED_ENTRIES = "COALESCE(SUM(CASE WHEN e.kind = 'redeemed' THEN e.amount_minor WHEN e.kind = 'spent' THEN -e.amount_minor ELSE 0 END), 0)";

/** Accounts whose stored balance differs from the signed sum of their entries: the first `limit` by account, and the count. */
export async function accountsOffTheirEntries(trx: Knex, scope: ReportScope, limit: number): Promise<Counted<AccountOffItsEntries>> {
  const q = scoped(trx('credit_accounts as a'), scope, 'a.currency', 'a.org_pk')
    .join('organisations as o', 'o.id', 'a.org_pk')
    .leftJoin('credit_entries as e', 'e.account_pk', 'a.id')
    .groupBy('a.id', 'a.account_id', 'a.location', 'a.currency', 'a.balance_minor', 'o.org_id')
    .havingRaw(`a.balance_minor <> ${SIGNED_ENTRIES}`)
    .select('a.id', 'a.account_id', 'a.location', 'a.currency', 'a.balance_minor', 'o.org_id', trx.raw(`CAST(${SIGNED_ENTRIES} AS TEXT) AS entries_total`));
  const count = await countOf(trx, q);
  const rows = (await q.clone().orderBy('a.id').limit(limit)) as {
    account_id: string;
    location: string;
    currency: string;
    balance_minor: unknown;
    org_id: string;
    entries_total: unknown;
  }[];
  const listed = rows.map((r) => ({
    accountId: r.account_id,
    location: r.location,
    currency: r.currency,
    balanceMinor: toMinor(r.balance_minor),
    orgId: r.org_id,
    entriesMinor: toMinor(r.entries_total),
  }));
  return { listed, count };
}

/** The row id of each organisation among `orgIds` that exists. */
export async function organisationPksByOrgId(trx: Knex, orgIds: string[]): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const part of chunks(orgIds)) {
    const rows = (await trx('organisations').whereIn('org_id', part).select('id', 'org_id')) as { id: unknown; org_id: string }[];
    for (const r of rows) found.set(r.org_id, rowIdOf(r.id));
  }
  return found;
}
