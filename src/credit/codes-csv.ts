// Volume-credit codes as the CSV an organisation downloads, from the command line and
// over HTTP alike.
import { toCsv } from '../formats/csv/write.js';
import type { CodeListing } from './ledger.js';

export const CODE_COLUMNS = ['code_id', 'code', 'hint', 'supplier_id', 'order_number', 'line', 'unit', 'amount', 'currency', 'state', 'issued_at', 'download_until', 'settled_at'];

export function codesCsv(codes: CodeListing[]): string {
  return toCsv(
    CODE_COLUMNS,
    codes.map((c) => [c.codeId, c.code ?? '', c.hint, c.supplierId, c.orderNumber, c.line, String(c.unit), c.amount, c.currency, c.state, c.issuedAt, c.downloadUntil, c.settledAt ?? '']),
  );
}
