// The finance reconciliation report of volume (VPP) credit: what was ordered, issued,
// redeemed, spent and taken back over a period, what is still outstanding and held in
// accounts at its end, and the places where the ledger disagrees with itself.
//
// Period: `from` and `to` are calendar dates (YYYY-MM-DD, UTC), both inclusive: the
// period is [from 00:00Z, the day after `to` 00:00Z). At most REPORT_LIMITS.maxPeriodDays
// days long.
//
// Flows, over the period:
//   ordered    sum of credit_order_lines.amount_minor, by ordered_at
//   issued, redeemed, refunded, voided   sums of the entries of that kind, by `at`
//   spent      signed sum of spent entries: a reversal (negative) nets out its purchase,
//              so spent may be negative when a purchase before the period was reversed in it
// Positions, as at the end of the period (every entry before it, whenever it was made):
//   outstanding = issued - redeemed - refunded - voided
//   balance     = redeemed - spent (the accounts' credit)
//
// Grouping: per currency (amounts in different currencies are NEVER added together),
// within a currency per organisation, within an organisation per supplier. Supplier rows
// carry ordered, issued, redeemed, refunded, voided and outstanding; spent and balance
// belong to the organisation's accounts, which pool credit from every supplier, so only
// organisation rows and currency totals carry them. Every total is the exact sum of the
// rows under it: an organisation's six supplier columns are the sums of its supplier rows,
// a currency's totals the sums of its organisation rows, and a currency's supplier list
// sums each supplier's rows across organisations. A row whose figures are all zero is
// left out (it adds nothing to any total).
//
// Filters: a currency; an organisation (orgId); a set of organisations (orgIds, the set a
// finance key covers). Given both, the report covers the organisation only if it is in
// the set. Every filter is a WHERE clause of every query, never a filter after the fact.
//
// Mismatches are the ledger's state now (not limited to the period; the currency and
// organisation filters apply): an order line whose issued entries fall short of its
// quantity or amount (ordered_not_issued), a code still unredeemed after its download
// window (code_unredeemed_past_window), an account whose stored balance differs from
// the signed sum of its entries (balance_mismatch). Each kind is counted in full
// (mismatchCounts) and listed up to REPORT_LIMITS.maxMismatchesListed.
//
// Every sum is done by the database with GROUP BY (src/store/credit-report.ts: the ledger
// may hold millions of entries; none is loaded into memory), exact on both drivers, and
// combined here in bigint. All queries run in one transaction, on
// PostgreSQL a read-only REPEATABLE READ one, so that every figure comes from the same
// snapshot of the ledger. Amounts leave as decimal strings of their currency (formatMinor).
import type { Knex } from 'knex';
import { accountEffect, formatMinor, minorUnitOf, outstandingEffect } from '../domain/credit.js';
import { ENTRY_KINDS, type EntryKind } from '../model/credit.js';
import type { CodedError } from '../model/error-codes.js';
import {
  accountsOffTheirEntries,
  codesUnredeemedPastWindow,
  entrySums,
  inReadSnapshot,
  linesNotFullyIssued,
  orderedSums,
  organisationPksByOrgId,
  type ReportScope,
} from '../store/credit-report.js';
import { idsAndNamesByPk } from '../store/organisation-queries.js';
import { REPORT_LIMITS } from '../model/limits.js';

export interface ReportRequest {
  /** Calendar dates YYYY-MM-DD, both inclusive, UTC. */
  from: string;
  to: string;
  currency?: string;
  orgId?: string;
  /** Only these organisations (a limited finance key's set); unknown ids are refused. */
  orgIds?: readonly string[];
}

export interface SupplierFigures {
  ordered: string;
  issued: string;
  redeemed: string;
  refunded: string;
  voided: string;
  outstanding: string;
}

export interface Figures {
  ordered: string;
  issued: string;
  redeemed: string;
  spent: string;
  refunded: string;
  voided: string;
  outstanding: string;
  balance: string;
}

export interface SupplierRow extends SupplierFigures {
  supplierId: string;
  name: string;
}

export interface OrganisationRow extends Figures {
  orgId: string;
  name: string;
  suppliers: SupplierRow[];
}

export interface CurrencySection {
  currency: string;
  minorUnit: number;
  totals: Figures;
  /** Each supplier's rows summed across the organisations. */
  suppliers: SupplierRow[];
  organisations: OrganisationRow[];
}

export interface OrderedNotIssued {
  kind: 'ordered_not_issued';
  supplierId: string;
  orderNumber: string;
  line: string;
  orgId: string;
  currency: string;
  quantity: number;
  issuedUnits: number;
  ordered: string;
  issued: string;
  message: string;
}

export interface CodeUnredeemedPastWindow {
  kind: 'code_unredeemed_past_window';
  codeId: string;
  orgId: string;
  supplierId: string;
  orderNumber: string;
  line: string;
  amount: string;
  currency: string;
  downloadUntil: string;
  message: string;
}

export interface BalanceMismatch {
  kind: 'balance_mismatch';
  accountId: string;
  orgId: string;
  location: string;
  currency: string;
  /** credit_accounts.balance_minor, as stored. */
  balance: string;
  /** The signed sum of the account's entries (redeemed +, spent -). */
  entries: string;
  message: string;
}

export type Mismatch = OrderedNotIssued | CodeUnredeemedPastWindow | BalanceMismatch;
export type MismatchKind = Mismatch['kind'];

export interface CreditReport {
  period: { from: string; to: string };
  /** orgIds: the organisations the report was limited to (sorted), null when it was not. */
  filters: { currency: string | null; orgId: string | null; orgIds: string[] | null };
  generatedAt: string;
  currencies: CurrencySection[];
  /** At most REPORT_LIMITS.maxMismatchesListed of each kind. */
  mismatches: Mismatch[];
  /** Every mismatch of each kind, listed or not. */
  mismatchCounts: Record<MismatchKind, number>;
}

export type PeriodResult = { ok: true; fromAt: string; toAt: string } | { ok: false; error: CodedError };
export type ReportResult = { ok: true; report: CreditReport } | { ok: false; error: CodedError };

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function periodError(detail: string): PeriodResult {
  return { ok: false, error: { code: 'GW-CR-7035', params: { detail } } };
}

/** Midnight UTC of a calendar date, or undefined when it is not one (2026-02-30). */
function midnightOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || !DATE.test(value)) return undefined;
  const ms = Date.parse(`${value}T00:00:00.000Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) return undefined;
  return ms;
}

/**
 * The period as timestamps to compare the stored ones with: fromAt inclusive, toAt (the
 * day after `to`) exclusive. Stored timestamps are ISO 8601 UTC strings, so they compare
 * as text; these end in ".000Z", which also places a stored "...T00:00:00Z" correctly.
 */
export function parseReportPeriod(req: ReportRequest): PeriodResult {
  const fromMs = midnightOf(req.from);
  if (fromMs === undefined) return periodError(`from ${JSON.stringify(String(req.from).slice(0, 40))} is not a calendar date YYYY-MM-DD`);
  const toMs = midnightOf(req.to);
  if (toMs === undefined) return periodError(`to ${JSON.stringify(String(req.to).slice(0, 40))} is not a calendar date YYYY-MM-DD`);
  if (fromMs > toMs) return periodError(`from ${req.from} is after to ${req.to}`);
  const days = (toMs - fromMs) / DAY_MS + 1;
  if (days > REPORT_LIMITS.maxPeriodDays) return periodError(`${days} days from ${req.from} to ${req.to}; at most ${REPORT_LIMITS.maxPeriodDays}`);
  const endMs = toMs + DAY_MS;
  // A five-digit year would not compare as text with the stored four-digit ones.
  if (new Date(endMs).getUTCFullYear() > 9999) return periodError(`to ${req.to} is past the last reportable day, 9999-12-30`);
  if (req.currency !== undefined) {
    const unit = minorUnitOf(req.currency);
    if (!unit.ok) return unit;
  }
  return { ok: true, fromAt: new Date(fromMs).toISOString(), toAt: new Date(endMs).toISOString() };
}

// ---------------------------------------------------------------------------------------
// Accumulation, in bigint

interface SupplierSums {
  ordered: bigint;
  issued: bigint;
  redeemed: bigint;
  refunded: bigint;
  voided: bigint;
  outstanding: bigint;
}

interface OrgSums {
  /** By supplier pk; null for an entry with no supplier that should have one (never written by the ledger). */
  suppliers: Map<number | null, SupplierSums>;
  spent: bigint;
  /** redeemed - spent over every entry before the end. */
  balance: bigint;
}

const SUPPLIER_COLUMNS = ['ordered', 'issued', 'redeemed', 'refunded', 'voided', 'outstanding'] as const;
const ALL_COLUMNS = ['ordered', 'issued', 'redeemed', 'spent', 'refunded', 'voided', 'outstanding', 'balance'] as const;

const zeroSupplier = (): SupplierSums => ({ ordered: 0n, issued: 0n, redeemed: 0n, refunded: 0n, voided: 0n, outstanding: 0n });
type AllSums = Record<(typeof ALL_COLUMNS)[number], bigint>;
const zeroAll = (): AllSums => ({ ordered: 0n, issued: 0n, redeemed: 0n, spent: 0n, refunded: 0n, voided: 0n, outstanding: 0n, balance: 0n });

class Accumulator {
  readonly byCurrency = new Map<string, Map<number, OrgSums>>();

  org(currency: string, orgPk: number): OrgSums {
    let orgs = this.byCurrency.get(currency);
    if (!orgs) this.byCurrency.set(currency, (orgs = new Map()));
    let org = orgs.get(orgPk);
    if (!org) orgs.set(orgPk, (org = { suppliers: new Map(), spent: 0n, balance: 0n }));
    return org;
  }

  supplier(currency: string, orgPk: number, supplierPk: number | null): SupplierSums {
    const org = this.org(currency, orgPk);
    let s = org.suppliers.get(supplierPk);
    if (!s) org.suppliers.set(supplierPk, (s = zeroSupplier()));
    return s;
  }
}

const isEntryKind = (kind: string): kind is EntryKind => (ENTRY_KINDS as readonly string[]).includes(kind);

/**
 * Adds the period's sums to the accumulator: each entry kind's flow in its own column, and
 * its position (every entry before the end) to what the rules say it does to the credit
 * outstanding and to the accounts' balance (src/domain/credit.ts). Spending is the
 * accounts', which pool credit from every supplier: it has no supplier row.
 */
async function sumFlowsAndPositions(trx: Knex, scope: ReportScope, fromAt: string, toAt: string, acc: Accumulator): Promise<void> {
  for (const r of await orderedSums(trx, scope, fromAt, toAt)) acc.supplier(r.currency, r.orgPk, r.supplierPk).ordered += r.total;
  for (const r of await entrySums(trx, scope, fromAt, toAt)) {
    const org = acc.org(r.currency, r.orgPk);
    if (!isEntryKind(r.kind)) throw new Error(`credit entry of unknown kind ${JSON.stringify(r.kind)}`);
    org.balance += accountEffect(r.kind, r.position);
    if (r.kind === 'spent') {
      org.spent += r.flow;
      continue;
    }
    const s = acc.supplier(r.currency, r.orgPk, r.supplierPk);
    s[r.kind] += r.flow;
    s.outstanding += outstandingEffect(r.kind, r.position);
  }
}

// ---------------------------------------------------------------------------------------
// Mismatches

async function orderedNotIssued(trx: Knex, scope: ReportScope): Promise<{ listed: OrderedNotIssued[]; count: number }> {
  const { listed, count } = await linesNotFullyIssued(trx, scope, REPORT_LIMITS.maxMismatchesListed);
  return {
    count,
    listed: listed.map((r): OrderedNotIssued => {
      const ordered = formatMinor(r.amountMinor, r.currency);
      const issued = formatMinor(r.issuedMinor, r.currency);
      return {
        kind: 'ordered_not_issued',
        supplierId: r.supplierId,
        orderNumber: r.orderNumber,
        line: r.lineNumber,
        orgId: r.orgId,
        currency: r.currency,
        quantity: r.quantity,
        issuedUnits: r.issuedUnits,
        ordered,
        issued,
        message:
          `Order ${r.orderNumber} line ${r.lineNumber} of supplier ${r.supplierId} for organisation ${r.orgId} ordered ` +
          `${r.quantity} units worth ${ordered} ${r.currency}, but ${r.issuedUnits} codes worth ${issued} ${r.currency} were issued.`,
      };
    }),
  };
}

async function codesPastWindow(trx: Knex, scope: ReportScope, nowAt: string): Promise<{ listed: CodeUnredeemedPastWindow[]; count: number }> {
  const { listed, count } = await codesUnredeemedPastWindow(trx, scope, nowAt, REPORT_LIMITS.maxMismatchesListed);
  return {
    count,
    listed: listed.map((r): CodeUnredeemedPastWindow => {
      const amount = formatMinor(r.amountMinor, r.currency);
      return {
        kind: 'code_unredeemed_past_window',
        codeId: r.codeId,
        orgId: r.orgId,
        supplierId: r.supplierId,
        orderNumber: r.orderNumber,
        line: r.lineNumber,
        amount,
        currency: r.currency,
        downloadUntil: r.downloadUntil,
        message:
          `Code ${r.codeId} (${amount} ${r.currency}, order ${r.orderNumber} line ${r.lineNumber} of supplier ${r.supplierId}, ` +
          `organisation ${r.orgId}) is unredeemed and its download window closed at ${r.downloadUntil}: re-issue it or take it back.`,
      };
    }),
  };
}

async function balanceMismatches(trx: Knex, scope: ReportScope): Promise<{ listed: BalanceMismatch[]; count: number }> {
  const { listed, count } = await accountsOffTheirEntries(trx, scope, REPORT_LIMITS.maxMismatchesListed);
  return {
    count,
    listed: listed.map((r): BalanceMismatch => {
      const balance = formatMinor(r.balanceMinor, r.currency);
      const entries = formatMinor(r.entriesMinor, r.currency);
      return {
        kind: 'balance_mismatch',
        accountId: r.accountId,
        orgId: r.orgId,
        location: r.location,
        currency: r.currency,
        balance,
        entries,
        message: `Account ${r.accountId} (organisation ${r.orgId}, location ${r.location}) holds ${balance} ${r.currency}, but its entries sum to ${entries} ${r.currency}.`,
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------
// The report

const byText = <T>(key: (x: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
const anyNonZero = (sums: object): boolean => Object.values(sums).some((v) => v !== 0n);

function formatted<K extends string>(sums: Record<K, bigint>, columns: readonly K[], currency: string): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const c of columns) out[c] = formatMinor(sums[c], currency);
  return out;
}

const NO_SUPPLIER = { id: '(none)', name: '(no supplier)' };

function buildSections(
  acc: Accumulator,
  orgNames: Map<number, { id: string; name: string }>,
  supplierNames: Map<number, { id: string; name: string }>,
): CurrencySection[] {
  const sections: CurrencySection[] = [];
  for (const currency of [...acc.byCurrency.keys()].sort()) {
    const unit = minorUnitOf(currency);
    // The ledger writes only credit currencies; anything else is a corrupted row.
    if (!unit.ok) throw new Error(`credit ledger holds currency ${currency}, which is not a credit currency`);
    const supplierName = (pk: number | null) => (pk === null ? NO_SUPPLIER : supplierNames.get(pk) ?? { id: `#${pk}`, name: '' });
    const totals = zeroAll();
    const supplierTotals = new Map<number | null, SupplierSums>();
    const organisations: OrganisationRow[] = [];
    for (const [orgPk, org] of acc.byCurrency.get(currency)!) {
      const orgSums = zeroAll();
      orgSums.spent = org.spent;
      orgSums.balance = org.balance;
      const supplierRows: SupplierRow[] = [];
      for (const [supplierPk, s] of org.suppliers) {
        for (const c of SUPPLIER_COLUMNS) orgSums[c] += s[c];
        if (!anyNonZero(s)) continue;
        let total = supplierTotals.get(supplierPk);
        if (!total) supplierTotals.set(supplierPk, (total = zeroSupplier()));
        for (const c of SUPPLIER_COLUMNS) total[c] += s[c];
        const name = supplierName(supplierPk);
        supplierRows.push({ supplierId: name.id, name: name.name, ...formatted(s, SUPPLIER_COLUMNS, currency) });
      }
      if (!anyNonZero(orgSums)) continue;
      for (const c of ALL_COLUMNS) totals[c] += orgSums[c];
      const name = orgNames.get(orgPk) ?? { id: `#${orgPk}`, name: '' };
      organisations.push({ orgId: name.id, name: name.name, ...formatted(orgSums, ALL_COLUMNS, currency), suppliers: supplierRows.sort(byText((r) => r.supplierId)) });
    }
    if (organisations.length === 0) continue;
    const suppliers: SupplierRow[] = [...supplierTotals].filter(([, s]) => anyNonZero(s)).map(([supplierPk, s]) => {
      const name = supplierName(supplierPk);
      return { supplierId: name.id, name: name.name, ...formatted(s, SUPPLIER_COLUMNS, currency) };
    });
    sections.push({
      currency,
      minorUnit: unit.value,
      totals: formatted(totals, ALL_COLUMNS, currency),
      suppliers: suppliers.sort(byText((r) => r.supplierId)),
      organisations: organisations.sort(byText((r) => r.orgId)),
    });
  }
  return sections;
}

/** The request's filters as the store applies them; an unknown organisation is refused (GW-CR-7033). */
export async function reportScopeOf(trx: Knex, req: ReportRequest, orgIds: string[] | null): Promise<{ ok: true; scope: ReportScope } | { ok: false; error: CodedError }> {
  let orgPk: number | null = null;
  if (req.orgId !== undefined) {
    const org = (await organisationPksByOrgId(trx, [req.orgId])).get(req.orgId);
    if (org === undefined) return { ok: false, error: { code: 'GW-CR-7033', params: { what: 'organisation', id: String(req.orgId).slice(0, 60) } } };
    orgPk = org;
  }
  let setPks: number[] | null = null;
  if (orgIds !== null) {
    const found = await organisationPksByOrgId(trx, orgIds);
    const unknown = orgIds.find((id) => !found.has(id));
    if (unknown !== undefined) return { ok: false, error: { code: 'GW-CR-7033', params: { what: 'organisation', id: unknown.slice(0, 60) } } };
    setPks = orgIds.map((id) => found.get(id)!);
  }
  return { ok: true, scope: { currency: req.currency ?? null, orgPk, orgPks: setPks } };
}

export async function creditReport(db: Knex, req: ReportRequest, now: Date = new Date()): Promise<ReportResult> {
  const period = parseReportPeriod(req);
  if (!period.ok) return period;
  const orgIds = req.orgIds === undefined ? null : [...new Set(req.orgIds)].sort();
  // A caller's bug, not a request to answer: a finance key never covers more.
  if (orgIds !== null && orgIds.length > REPORT_LIMITS.maxOrgIds) throw new Error(`creditReport: ${orgIds.length} organisations in orgIds, at most ${REPORT_LIMITS.maxOrgIds}`);
  const run = async (trx: Knex): Promise<ReportResult> => {
    const resolved = await reportScopeOf(trx, req, orgIds);
    if (!resolved.ok) return resolved;
    const scope = resolved.scope;
    const acc = new Accumulator();
    await sumFlowsAndPositions(trx, scope, period.fromAt, period.toAt, acc);
    const orgPks = new Set<number>();
    const supplierPks = new Set<number>();
    for (const orgs of acc.byCurrency.values()) {
      for (const [pk, org] of orgs) {
        orgPks.add(pk);
        for (const s of org.suppliers.keys()) if (s !== null) supplierPks.add(s);
      }
    }
    const orgNames = await idsAndNamesByPk(trx, 'organisations', [...orgPks]);
    const supplierNames = await idsAndNamesByPk(trx, 'suppliers', [...supplierPks]);
    const notIssued = await orderedNotIssued(trx, scope);
    const pastWindow = await codesPastWindow(trx, scope, now.toISOString());
    const balances = await balanceMismatches(trx, scope);
    return {
      ok: true,
      report: {
        period: { from: req.from, to: req.to },
        filters: { currency: req.currency ?? null, orgId: req.orgId ?? null, orgIds },
        generatedAt: now.toISOString(),
        currencies: buildSections(acc, orgNames, supplierNames),
        mismatches: [...notIssued.listed, ...pastWindow.listed, ...balances.listed],
        mismatchCounts: {
          ordered_not_issued: notIssued.count,
          code_unredeemed_past_window: pastWindow.count,
          balance_mismatch: balances.count,
        },
      },
    };
  };
  // One snapshot for every figure.
  return inReadSnapshot(db, run);
}
