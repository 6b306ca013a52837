// The credit reconciliation report (src/reports/credit.ts) as CSV for a spreadsheet:
// the figures, and the mismatches. RFC 4180: fields quoted when they hold a comma, a
// quote or a line break; lines end with CRLF. Amounts are the report's decimal strings,
// as they are ("-12.50"), never reformatted.
//
// Names, locations and ids come from partners and admins: src/reports/csv.ts defuses a
// field a spreadsheet would run as a formula (OWASP's advice on CSV injection), and
// leaves plain numbers, negative amounts included, as they are.
import type { Knex } from 'knex';
import { parseReportPeriod, reportScopeOf, type CreditReport, type Mismatch, type ReportRequest } from './credit.js';
import { formatMinor } from '../domain/credit.js';
import type { CodedError } from '../model/error-codes.js';
import { REPORT_LIMITS } from '../model/limits.js';
import { ledgerEntriesPage } from '../store/credit-report.js';
import { csvLine as line, decimalIn, RFC_4180, type CsvConvention } from '../formats/csv/write.js';

/** A CRLF-ended line; the fields at `amounts` (column indexes) carry the convention's decimal mark. */
function csvLine(fields: readonly (string | number)[], c: CsvConvention, amounts: ReadonlySet<number> = NO_AMOUNTS): string {
  return `${line(fields.map((f, i) => (amounts.has(i) && typeof f === 'string' ? decimalIn(f, c) : f)), c)}\r\n`;
}
const NO_AMOUNTS: ReadonlySet<number> = new Set();

export const CREDIT_REPORT_CSV_HEADER = [
  'level',
  'currency',
  'org_id',
  'org_name',
  'supplier_id',
  'supplier_name',
  'ordered',
  'issued',
  'redeemed',
  'spent',
  'refunded',
  'voided',
  'outstanding',
  'balance',
] as const;

export const CREDIT_MISMATCHES_CSV_HEADER = [
  'kind',
  'currency',
  'org_id',
  'supplier_id',
  'order_number',
  'line',
  'code_id',
  'account_id',
  'location',
  'expected',
  'actual',
  'message',
] as const;

/** The figures as CSV (reportRows), and a row saying so when nothing moved in the period. */
export function creditReportCsv(report: CreditReport, c: CsvConvention = RFC_4180): string {
  let out = csvLine(CREDIT_REPORT_CSV_HEADER, c);
  for (const row of reportRows(report)) out += csvLine(row, c, REPORT_AMOUNT_COLUMNS);
  // A file of figures only would leave a reader wondering whether the export failed.
  if (!hasMovement(report)) out += csvLine(['none', '', '', `no credit movement from ${report.period.from} to ${report.period.to}`, '', '', '', '', '', '', '', '', '', ''], c);
  return out;
}

/**
 * The figures' rows, in CREDIT_REPORT_CSV_HEADER order: per currency, each organisation's
 * supplier rows (spent and balance empty: they belong to the organisation's accounts),
 * then the organisation's row; then the currency's total row. The CSV and the XLSX both.
 */
export function reportRows(report: CreditReport): (string | number)[][] {
  const rows: (string | number)[][] = [];
  for (const section of report.currencies) {
    for (const org of section.organisations) {
      for (const s of org.suppliers) {
        rows.push(['supplier', section.currency, org.orgId, org.name, s.supplierId, s.name, s.ordered, s.issued, s.redeemed, '', s.refunded, s.voided, s.outstanding, '']);
      }
      rows.push(['organisation', section.currency, org.orgId, org.name, '', '', org.ordered, org.issued, org.redeemed, org.spent, org.refunded, org.voided, org.outstanding, org.balance]);
    }
    const t = section.totals;
    rows.push(['currency', section.currency, '', '', '', '', t.ordered, t.issued, t.redeemed, t.spent, t.refunded, t.voided, t.outstanding, t.balance]);
  }
  return rows;
}

/** The report's flow columns, from ordered to balance: what carries the decimal mark. */
const REPORT_AMOUNT_COLUMNS: ReadonlySet<number> = new Set(CREDIT_REPORT_CSV_HEADER.map((_, i) => i).filter((i) => i >= CREDIT_REPORT_CSV_HEADER.indexOf('ordered')));

/** Whether anything was ordered, issued, redeemed, spent, refunded or voided in the period. */
export function hasMovement(report: CreditReport): boolean {
  const FLOWS = ['ordered', 'issued', 'redeemed', 'spent', 'refunded', 'voided'] as const;
  return report.currencies.some((s) => FLOWS.some((f) => !/^-?0(\.0+)?$/.test(s.totals[f])));
}

/**
 * The mismatches listed in the report, one a line. expected and actual are the two
 * figures that disagree: an order line's ordered and issued amounts, an account's entries
 * (what the ledger says) and its stored balance. An unredeemed code has no such pair: its
 * amount and window are in the message.
 */
export function creditMismatchesCsv(report: CreditReport, c: CsvConvention = RFC_4180): string {
  const amounts = new Set([CREDIT_MISMATCHES_CSV_HEADER.indexOf('expected'), CREDIT_MISMATCHES_CSV_HEADER.indexOf('actual')]);
  let out = csvLine(CREDIT_MISMATCHES_CSV_HEADER, c);
  for (const m of report.mismatches) out += csvLine(mismatchFields(m), c, amounts);
  return out;
}

export function mismatchFields(m: Mismatch): (string | number)[] {
  switch (m.kind) {
    case 'ordered_not_issued':
      return [m.kind, m.currency, m.orgId, m.supplierId, m.orderNumber, m.line, '', '', '', m.ordered, m.issued, m.message];
    case 'code_unredeemed_past_window':
      return [m.kind, m.currency, m.orgId, m.supplierId, m.orderNumber, m.line, m.codeId, '', '', '', '', m.message];
    case 'balance_mismatch':
      return [m.kind, m.currency, m.orgId, '', '', '', '', m.accountId, m.location, m.entries, m.balance, m.message];
  }
}

export const LEDGER_ENTRIES_CSV_HEADER = [
  'entry_id',
  'at',
  'kind',
  'currency',
  'amount',
  'org_id',
  'location',
  'account_id',
  'supplier_id',
  'order_number',
  'line',
  'code_id',
  'reverses_entry_id',
  'document_id',
  'actor',
] as const;

/**
 * The ledger entries of a period, oldest first, a page of rows at a time, each row's
 * fields in LEDGER_ENTRIES_CSV_HEADER's order (amounts as exact decimal text): for tying
 * the report's figures to invoices, each with the order line, code, account, document and
 * entry it refers to. Read a page at a time (REPORT_LIMITS.entriesPerPage) by entry id, so
 * a period of millions of entries streams in flat memory. The period and scope are checked
 * at the first next() (ReportRefused). Entries are never changed: a past period reads the
 * same every time; one that ends today may gain entries written meanwhile.
 */
export async function* ledgerEntryRows(db: Knex, req: ReportRequest): AsyncGenerator<string[][]> {
  const period = parseReportPeriod(req);
  if (!period.ok) throw new ReportRefused(period.error);
  const orgIds = req.orgIds === undefined ? null : [...new Set(req.orgIds)].sort();
  const resolved = await reportScopeOf(db, req, orgIds);
  if (!resolved.ok) throw new ReportRefused(resolved.error);
  for (let after = 0; ; ) {
    const page = await ledgerEntriesPage(db, resolved.scope, period.fromAt, period.toAt, after, REPORT_LIMITS.entriesPerPage);
    if (page.length === 0) return;
    yield page.map((e) => [
      e.entryId,
      e.at,
      e.kind,
      e.currency,
      formatMinor(e.amountMinor, e.currency),
      e.orgId,
      e.location ?? '',
      e.accountId ?? '',
      e.supplierId ?? '',
      e.orderNumber ?? '',
      e.lineNumber ?? '',
      e.codeId ?? '',
      e.reversesEntryId ?? '',
      e.documentId ?? '',
      e.actor,
    ]);
    after = page[page.length - 1]!.pk;
  }
}

/** The row that says a period had no movement, in place of entries (a bare header reads as a failed export). */
export function noEntriesRow(req: ReportRequest): string[] {
  return ['', '', 'none', '', '', '', '', '', '', '', '', '', '', '', `no credit movement from ${req.from} to ${req.to}`];
}

/** The ledger entries of a period as CSV (ledgerEntryRows), the header once the period and scope are checked. */
export async function* ledgerEntriesCsv(db: Knex, req: ReportRequest, c: CsvConvention = RFC_4180): AsyncGenerator<string> {
  const pages = ledgerEntryRows(db, req);
  const first = await pages.next();
  yield csvLine(LEDGER_ENTRIES_CSV_HEADER, c);
  if (first.done) {
    yield csvLine(noEntriesRow(req), c);
    return;
  }
  const lines = (page: string[][]) => page.map((row) => csvLine(row, c, ENTRY_AMOUNT)).join('');
  yield lines(first.value);
  for await (const page of pages) yield lines(page);
}

const ENTRY_AMOUNT: ReadonlySet<number> = new Set([LEDGER_ENTRIES_CSV_HEADER.indexOf('amount')]);

/** A report request refused (bad period, unknown organisation): the caller answers it. */
export class ReportRefused extends Error {
  constructor(readonly error: CodedError) {
    super(error.code);
  }
}
