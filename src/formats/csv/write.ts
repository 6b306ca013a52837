// CSV output for people's spreadsheets: RFC 4180 quoting, CRLF line ends, and a leading
// quote mark on text a spreadsheet would run as a formula (=, +, -, @, tab, CR). A plain
// number ("-12.50", "+3") is data, not a formula, and is left as it is.
const NUMBER = /^[+-]?\d+(\.\d+)?$/;

export function csvField(value: string | number): string {
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s) && !NUMBER.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: (string | number)[]): string {
  return fields.map(csvField).join(',');
}

export function toCsv(header: string[], rows: (string | number)[][]): string {
  return [csvLine(header), ...rows.map(csvLine)].join('\r\n') + '\r\n';
}
