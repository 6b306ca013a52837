// The credit reconciliation report as an XLSX workbook: the figures on one sheet, the
// mismatches on another, amounts as numbers in their currency's decimals (0 for JPY, 2
// for USD, 3 for KWD) so that a spreadsheet sums them.
//
// Exactness: an XLSX number is decimal text in the file (<v>12.5</v>). An amount goes in
// as a number only when that text is exactly the amount (at most 15 significant digits,
// which every amount under a trillion with 3 decimals is); a larger one goes in as text
// rather than be rounded.
import writeXlsxFile, { type Cell, type SheetData } from 'write-excel-file/node';
import { minorUnitOf } from '../domain/credit.js';
import type { Knex } from 'knex';
import { REPORT_LIMITS } from '../model/limits.js';
import {
  CREDIT_MISMATCHES_CSV_HEADER,
  CREDIT_REPORT_CSV_HEADER,
  hasMovement,
  LEDGER_ENTRIES_CSV_HEADER,
  ledgerEntryRows,
  mismatchFields,
  noEntriesRow,
  ReportRefused,
  reportRows,
} from './credit-csv.js';
import type { CreditReport, ReportRequest } from './credit.js';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** `amount` ("-12.50") as a numeric cell shown with the currency's decimals, or as text when a number could not hold it exactly. */
function amountCell(amount: string | number, currency: string): Cell {
  if (typeof amount === 'number' || amount === '') return amount === '' ? null : amount;
  const n = Number(amount);
  const canonical = amount.replace(/^(-?)0*(\d)/, '$1$2').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  if (!Number.isFinite(n) || String(n) !== (canonical === '-0' ? '0' : canonical)) return amount;
  const unit = minorUnitOf(currency);
  const decimals = unit.ok ? unit.value : 2;
  return { value: n, type: Number, format: decimals === 0 ? '#,##0' : `#,##0.${'0'.repeat(decimals)}` };
}

const bold = (names: readonly string[]): Cell[] => names.map((value) => ({ value, fontWeight: 'bold' as const }));

export async function creditReportXlsx(report: CreditReport): Promise<Buffer> {
  const amountFrom = CREDIT_REPORT_CSV_HEADER.indexOf('ordered');
  const totals: SheetData = [bold(CREDIT_REPORT_CSV_HEADER)];
  for (const row of reportRows(report)) {
    const currency = String(row[1]);
    totals.push(row.map((v, i) => (i >= amountFrom ? amountCell(v, currency) : v === '' ? null : v)));
  }
  if (!hasMovement(report)) totals.push(['none', null, null, `no credit movement from ${report.period.from} to ${report.period.to}`]);
  const amountColumns = new Set([CREDIT_MISMATCHES_CSV_HEADER.indexOf('expected'), CREDIT_MISMATCHES_CSV_HEADER.indexOf('actual')]);
  const mismatches: SheetData = [bold(CREDIT_MISMATCHES_CSV_HEADER)];
  for (const m of report.mismatches) {
    const fields = mismatchFields(m);
    mismatches.push(fields.map((v, i) => (amountColumns.has(i) ? amountCell(v, m.currency) : v === '' ? null : v)));
  }
  const period: SheetData = [
    bold(['from', 'to', 'generated_at']),
    [report.period.from, report.period.to, report.generatedAt],
  ];
  return writeXlsxFile([
    { sheet: 'Totals', data: totals, stickyRowsCount: 1 },
    { sheet: 'Mismatches', data: mismatches, stickyRowsCount: 1 },
    { sheet: 'Period', data: period },
  ]).toBuffer();
}

/**
 * The ledger entries of a period as a workbook (the rows of the entries CSV, amounts as
 * numbers in their currency's decimals). A workbook is built whole in memory, so a period
 * of more than REPORT_LIMITS.xlsxEntryRows entries is refused (ReportRefused GW-CR-7036)
 * rather than risk the process: the CSV streams any number.
 */
export async function ledgerEntriesXlsx(db: Knex, req: ReportRequest): Promise<Buffer> {
  const amountAt = LEDGER_ENTRIES_CSV_HEADER.indexOf('amount');
  const currencyAt = LEDGER_ENTRIES_CSV_HEADER.indexOf('currency');
  const entries: SheetData = [bold(LEDGER_ENTRIES_CSV_HEADER)];
  let count = 0;
  for await (const page of ledgerEntryRows(db, req)) {
    count += page.length;
    if (count > REPORT_LIMITS.xlsxEntryRows) throw new ReportRefused({ code: 'GW-CR-7036', params: { max: REPORT_LIMITS.xlsxEntryRows } });
    for (const row of page) entries.push(row.map((v, i) => (i === amountAt ? amountCell(v, row[currencyAt]!) : v === '' ? null : v)));
  }
  if (count === 0) entries.push(noEntriesRow(req).map((v) => (v === '' ? null : v)));
  return writeXlsxFile([
    { sheet: 'Entries', data: entries, stickyRowsCount: 1 },
    { sheet: 'Period', data: [bold(['from', 'to', 'entries']), [req.from, req.to, count]] },
  ]).toBuffer();
}
