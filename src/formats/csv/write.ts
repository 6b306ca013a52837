// CSV output for people's spreadsheets: RFC 4180 quoting, CRLF line ends, and a leading
// quote mark on text a spreadsheet would run as a formula (=, +, -, @, tab, CR). A plain
// number ("-12.50", "+3") is data, not a formula, and is left as it is.
const NUMBER = /^[+-]?\d+([.,]\d+)?$/;

/**
 * How a spreadsheet in the reader's locale splits and reads a CSV: a Dutch or German one
 * wants `;` between fields and `,` before decimals; RFC 4180 (the default) `,` and `.`.
 */
export interface CsvConvention {
  delimiter: ',' | ';' | '\t';
  decimal: '.' | ',';
}

export const RFC_4180: CsvConvention = { delimiter: ',', decimal: '.' };

/** A convention whose decimal mark is not also its delimiter (a spreadsheet could not tell them apart). */
export function checkConvention(c: CsvConvention): string | undefined {
  return c.delimiter === c.decimal ? `the decimal separator ${c.decimal} cannot also be the delimiter: use ; or tab between fields` : undefined;
}

/**
 * The convention a reader asks for by name (`;`, `,`, `tab` and `,`, `.`), or why it
 * cannot be: the default for what is not given.
 */
export function csvConventionOf(delimiter: string | undefined, decimal: string | undefined): CsvConvention | string {
  const d = delimiter === undefined ? RFC_4180.delimiter : delimiter === 'tab' || delimiter === '\t' ? '\t' : delimiter;
  const m = decimal ?? RFC_4180.decimal;
  if (d !== ',' && d !== ';' && d !== '\t') return `the delimiter is ",", ";" or tab, not ${JSON.stringify(delimiter)}`;
  if (m !== '.' && m !== ',') return `the decimal separator is "." or ",", not ${JSON.stringify(decimal)}`;
  const convention: CsvConvention = { delimiter: d, decimal: m };
  return checkConvention(convention) ?? convention;
}

export function csvField(value: string | number, convention: CsvConvention = RFC_4180): string {
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s) && !NUMBER.test(s)) s = `'${s}`;
  const special = convention.delimiter === ',' ? /[",\r\n]/ : convention.delimiter === ';' ? /[";\r\n]/ : /["\t\r\n]/;
  return special.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: (string | number)[], convention: CsvConvention = RFC_4180): string {
  return fields.map((f) => csvField(f, convention)).join(convention.delimiter);
}

/** An exact decimal string ("-12.50") with the convention's decimal mark ("-12,50"); other text as it is. */
export function decimalIn(amount: string, convention: CsvConvention): string {
  return convention.decimal === '.' || !/^[+-]?\d+\.\d+$/.test(amount) ? amount : amount.replace('.', ',');
}

export function toCsv(header: string[], rows: (string | number)[][]): string {
  return [csvLine(header), ...rows.map((r) => csvLine(r))].join('\r\n') + '\r\n';
}
