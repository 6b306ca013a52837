// Volume (VPP) credit rules, as plain functions over plain data: amounts and their
// currencies, which credit lines an organisation may be sold, what a return or void may
// take back, what a redemption or a spend may do, and what each ledger entry does to an
// account and to the credit still outstanding. Storage (src/store/credit.ts) and the
// operations (src/credit/) call these; they call nothing back.
//
// Money is integer minor units in a bigint (cents for USD, yen for JPY, fils for KWD).
// A JavaScript number is never an amount: an amount arrives as a decimal string with no
// more decimals than its currency has, and leaves as one.
import { createHash } from 'node:crypto';
import type { CodedError } from '../model/error-codes.js';
import type { CreditLine, PurchaseOrder } from '../model/documents.js';
import { currencyInfo } from '../model/currencies.js';
import { localCurrencyOf } from '../model/country-currencies.js';
import type { OrderType, Organisation } from '../model/state.js';
import { CREDIT_LIMITS } from '../model/limits.js';
import type { CodeState, EntryKind } from '../model/credit.js';

/** Where, in what currencies and up to what amounts volume credit is sold. */
export interface CreditPolicy {
  /** ISO 3166-1 alpha-2 codes of the countries where volume credit is sold. */
  countries: readonly string[];
  /** Currencies an organisation accepts besides its country's own, by organisation id. */
  acceptedCurrencies: Readonly<Record<string, readonly string[]>>;
  /** Most credit one purchase order may carry, per currency (decimal strings). */
  perOrderLimit: Readonly<Record<string, string>>;
  /** Most credit an organisation may hold (ordered, less refunded, voided and spent), per currency. */
  perOrganisationLimit: Readonly<Record<string, string>>;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: CodedError };
const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const refuse = <T>(code: CodedError['code'], params: CodedError['params'] = {}): Checked<T> => ({ ok: false, error: { code, params } });

/** The number of decimals of a currency that credit may be sold in. */
export function minorUnitOf(currency: string): Checked<number> {
  const info = typeof currency === 'string' ? currencyInfo(currency) : undefined;
  if (!info) return refuse('GW-CR-7001', { currency: String(currency).slice(0, 10) });
  if (info.minorUnit === null) return refuse('GW-CR-7001', { currency, detail: ' (it has no minor unit)' });
  return ok(info.minorUnit);
}

const DECIMAL = /^(\d{1,18})(?:\.(\d{1,18}))?$/;

/**
 * An amount written as a decimal string ("1500.00", "10000", "12.345") in minor units of
 * its currency. A JSON number is refused: 0.1 + 0.2 is not money.
 */
export function parseAmount(value: unknown, currency: string, field = 'amount'): Checked<bigint> {
  const unit = minorUnitOf(currency);
  if (!unit.ok) return unit;
  if (typeof value === 'number') return refuse('GW-CR-7002', { field, value: String(value) });
  if (typeof value !== 'string') return refuse('GW-CR-7002', { field, value: typeof value });
  const m = DECIMAL.exec(value);
  if (!m) return refuse('GW-CR-7002', { field, value: value.slice(0, 40) });
  const fraction = m[2] ?? '';
  if (fraction.length > unit.value) {
    return refuse('GW-CR-7004', { field, value, currency, minorUnit: unit.value });
  }
  const minor = BigInt(m[1]! + fraction.padEnd(unit.value, '0'));
  if (minor <= 0n) return refuse('GW-CR-7003', { field, value });
  if (minor > CREDIT_LIMITS.maxMinorUnits) return refuse('GW-CR-7010', { field, value, currency });
  return ok(minor);
}

/** Minor units as the decimal string of their currency: 1050n USD -> "10.50", 10000n JPY -> "10000". */
export function formatMinor(minor: bigint, currency: string): string {
  const unit = minorUnitOf(currency);
  if (!unit.ok) throw new Error(`formatMinor: ${currency} is not a credit currency`);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(unit.value + 1, '0');
  const whole = unit.value === 0 ? digits : digits.slice(0, -unit.value);
  const fraction = unit.value === 0 ? '' : `.${digits.slice(-unit.value)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** A whole number of units from a JSON number or a string of digits; floats refused. */
export function parseQuantity(value: unknown, max: number, field = 'quantity'): Checked<number> {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,9}$/.test(text)) return refuse('GW-CR-7005', { field, value: String(value).slice(0, 40), max });
  const n = Number(text);
  if (n < 1 || n > max) return refuse('GW-CR-7005', { field, value: text, max });
  return ok(n);
}

const LOCATION = /^[A-Za-z0-9][A-Za-z0-9 ._@-]*$/;

/** A location (content purchaser) name: the account's second key, after the organisation. */
export function checkLocation(value: unknown): Checked<string> {
  if (typeof value !== 'string' || value.length > CREDIT_LIMITS.locationChars || !LOCATION.test(value)) {
    return refuse('GW-CR-7006', { field: 'location', value: String(value).slice(0, 80), detail: `1 to ${CREDIT_LIMITS.locationChars} letters, digits, spaces or . _ @ -` });
  }
  return ok(value);
}

export function checkItemId(value: unknown): Checked<string> {
  if (typeof value !== 'string' || value.trim() === '' || value.length > CREDIT_LIMITS.itemIdChars || /[\u0000-\u001f]/.test(value)) {
    return refuse('GW-CR-7006', { field: 'itemId', value: String(value).slice(0, 80), detail: `1 to ${CREDIT_LIMITS.itemIdChars} printable characters` });
  }
  return ok(value);
}

export function checkPurchaseDate(value: unknown): Checked<string> {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    return refuse('GW-CR-7006', { field: 'date', value: String(value).slice(0, 40), detail: 'a calendar date YYYY-MM-DD' });
  }
  return ok(value);
}

export function checkIdempotencyKey(value: unknown): Checked<string> {
  if (typeof value !== 'string' || value.length < 1 || value.length > CREDIT_LIMITS.idempotencyKeyChars || !/^[\x21-\x7e]+$/.test(value)) {
    return refuse('GW-CR-7030', { max: CREDIT_LIMITS.idempotencyKeyChars });
  }
  return ok(value);
}

/** The currencies an organisation may be sold credit in: its country's own, then any configured. */
export function currenciesFor(org: Pick<Organisation, 'orgId' | 'country'>, policy: CreditPolicy): string[] {
  const local = localCurrencyOf(org.country);
  const extra = policy.acceptedCurrencies[org.orgId] ?? [];
  return [...new Set([...(local ? [local] : []), ...extra])];
}

export interface CheckedCreditLine {
  lineNumber: string;
  partNumber: string;
  currency: string;
  amountMinor: bigint;
  quantity: number;
  /** One code's worth: the line's amount divided by its quantity, exactly. */
  unitMinor: bigint;
}

/**
 * What a purchase order of each type does to its credit lines: a sale (OR, and OV, which
 * overrides an order) issues codes; a return (RE) refunds unredeemed codes line by line;
 * a void (VD) takes back every code of the order.
 */
export type OrderCreditEffect = 'sell' | 'refund' | 'void';

export function orderCreditEffect(orderType: OrderType): OrderCreditEffect {
  if (orderType === 'RE') return 'refund';
  if (orderType === 'VD') return 'void';
  return 'sell';
}

/**
 * Whether an order sells credit, and so is held to the per-order and per-organisation
 * limits: only a sale adds to what the organisation holds; a return or void is not limited.
 */
export function sellsCredit(orderType: OrderType): boolean {
  return orderCreditEffect(orderType) === 'sell';
}

export function creditLinesOf(po: Pick<PurchaseOrder, 'lines'>): CreditLine[] {
  return po.lines.filter((l): l is CreditLine => l.type === 'credit');
}

/**
 * The credit lines of a purchase order, checked for this organisation: currency, amount,
 * country, the per-order limit and (with `heldMinor`, what the organisation holds already
 * per currency) the per-organisation limit. Returns return (RE) and void (VD) lines too:
 * their amounts are checked the same way; what they may take back is planTakeBack's business.
 */
export function checkCreditLines(
  po: Pick<PurchaseOrder, 'orderNumber' | 'orderType' | 'lines'>,
  org: Pick<Organisation, 'orgId' | 'country'>,
  policy: CreditPolicy,
  heldMinor: (currency: string) => bigint,
  /** Lines already on file (a resent order) are held already: only new ones count again. */
  isNewLine: (lineNumber: string) => boolean = () => true,
): Checked<CheckedCreditLine[]> {
  const lines = creditLinesOf(po);
  if (lines.length === 0) return ok([]);
  if (!policy.countries.includes(org.country)) return refuse('GW-CR-7007', { orgId: org.orgId, country: org.country });
  const accepted = currenciesFor(org, policy);
  const checked: CheckedCreditLine[] = [];
  const perCurrency = new Map<string, bigint>();
  const newPerCurrency = new Map<string, bigint>();
  for (const line of lines) {
    const amount = parseAmount(line.amount, line.currency);
    if (!amount.ok) return refuse(amount.error.code, { ...amount.error.params, line: line.lineNumber });
    if (!accepted.includes(line.currency)) {
      return refuse('GW-CR-7008', { line: line.lineNumber, currency: line.currency, orgId: org.orgId, accepted: accepted.join(', ') || 'none' });
    }
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > CREDIT_LIMITS.maxUnitsPerLine) {
      return refuse('GW-CR-7005', { field: `line ${line.lineNumber} quantity`, value: line.quantity, max: CREDIT_LIMITS.maxUnitsPerLine });
    }
    const quantity = BigInt(line.quantity);
    if (amount.value % quantity !== 0n) {
      return refuse('GW-CR-7009', { line: line.lineNumber, amount: line.amount, currency: line.currency, quantity: line.quantity });
    }
    perCurrency.set(line.currency, (perCurrency.get(line.currency) ?? 0n) + amount.value);
    if (isNewLine(line.lineNumber)) newPerCurrency.set(line.currency, (newPerCurrency.get(line.currency) ?? 0n) + amount.value);
    checked.push({
      lineNumber: line.lineNumber,
      partNumber: line.partNumber,
      currency: line.currency,
      amountMinor: amount.value,
      quantity: line.quantity,
      unitMinor: amount.value / quantity,
    });
  }
  if (!sellsCredit(po.orderType)) return ok(checked);
  for (const [currency, total] of perCurrency) {
    const orderLimit = limitIn(policy.perOrderLimit, currency);
    if (orderLimit === undefined) return refuse('GW-CR-7011', { currency, which: 'per-order' });
    if (total > orderLimit) {
      return refuse('GW-CR-7012', { orderNumber: po.orderNumber, total: formatMinor(total, currency), limit: formatMinor(orderLimit, currency), currency });
    }
    const orgLimit = limitIn(policy.perOrganisationLimit, currency);
    if (orgLimit === undefined) return refuse('GW-CR-7011', { currency, which: 'per-organisation' });
    const held = heldMinor(currency);
    const added = newPerCurrency.get(currency) ?? 0n;
    if (added > 0n && held + added > orgLimit) {
      return refuse('GW-CR-7013', {
        orgId: org.orgId,
        held: formatMinor(held, currency),
        total: formatMinor(added, currency),
        limit: formatMinor(orgLimit, currency),
        currency,
      });
    }
  }
  return ok(checked);
}

function limitIn(limits: Readonly<Record<string, string>>, currency: string): bigint | undefined {
  const text = limits[currency];
  if (text === undefined) return undefined;
  const parsed = parseAmount(text, currency, 'limit');
  if (!parsed.ok) throw new Error(`credit limit for ${currency} is invalid: ${text}`);
  return parsed.value;
}

/** Checks a configured limit table: every value a valid amount of its currency. */
export function checkLimitTable(limits: Readonly<Record<string, string>>, name: string): string[] {
  const problems: string[] = [];
  for (const [currency, text] of Object.entries(limits)) {
    const parsed = parseAmount(text, currency, name);
    if (!parsed.ok) problems.push(`${name}.${currency}: ${text} is not an amount of ${currency}`);
  }
  return problems;
}

/** An order line on file, as an incoming line of the same order is compared with. */
export interface CreditLineOnFile {
  lineNumber: string;
  partNumber: string;
  currency: string;
  amountMinor: bigint;
  quantity: number;
}

/**
 * The same order line sent again (a resent or changed order): identical is a no-op;
 * anything else is refused, because credit once issued is corrected by RE or VD.
 */
export function compareWithLineOnFile(orderNumber: string, line: CheckedCreditLine, onFile: CreditLineOnFile): CodedError | undefined {
  if (onFile.currency === line.currency && onFile.amountMinor === line.amountMinor && onFile.quantity === line.quantity && onFile.partNumber === line.partNumber) {
    return undefined;
  }
  return {
    code: 'GW-CR-7014',
    params: {
      orderNumber,
      line: line.lineNumber,
      onFile: `${onFile.quantity} x ${formatMinor(onFile.amountMinor / BigInt(onFile.quantity), onFile.currency)} ${onFile.currency}`,
    },
  };
}

/**
 * An order number belongs to one organisation: the organisation of the first of its lines
 * on file that is not `orgPk`'s, or undefined when every line on file is `orgPk`'s.
 */
export function otherOwnerOf(onFileOrgPks: readonly number[], orgPk: number): number | undefined {
  return onFileOrgPks.find((pk) => pk !== orgPk);
}

/** The refusal of an order whose number `onFileOrgId` holds credit lines of already. */
export function orderOfAnotherOrganisation(orderNumber: string, onFileOrgId: string, orgId: string): CodedError {
  return { code: 'GW-CR-7019', params: { orderNumber, onFileOrgId, orgId } };
}

/**
 * A return (RE) line takes back credit of a line of the same order on file, in its
 * currency: a line not on file, or in another currency, is refused. Answers the line on file.
 */
export function checkReturnLine<L extends { currency: string }>(orderNumber: string, line: Pick<CheckedCreditLine, 'lineNumber' | 'currency'>, onFile: L | undefined): Checked<L> {
  if (!onFile) return refuse('GW-CR-7017', { orderNumber, line: line.lineNumber });
  if (onFile.currency !== line.currency) return refuse('GW-CR-7018', { orderNumber, line: line.lineNumber, currency: line.currency, lineCurrency: onFile.currency });
  return ok(onFile);
}

export interface UnitOnFile {
  codePk: number;
  unitIndex: number;
  state: CodeState;
  amountMinor: bigint;
}

/**
 * What a return (RE) or void (VD) of a credit order line takes back: only units not yet
 * redeemed. VD takes back every unit left, and is refused if any unit is redeemed; RE
 * takes back `quantity` units, and is refused if fewer are left. The refusal says how much
 * is redeemed. Units already taken back are not taken twice.
 */
export function planTakeBack(
  kind: 'RE' | 'VD',
  orderNumber: string,
  line: { lineNumber: string; currency: string; quantity: number | null; amountMinor: bigint | null },
  units: UnitOnFile[],
): Checked<number[]> {
  const issued = units.filter((u) => u.state === 'issued').sort((a, b) => a.unitIndex - b.unitIndex);
  const redeemed = units.filter((u) => u.state === 'redeemed');
  const redeemedMinor = redeemed.reduce((sum, u) => sum + u.amountMinor, 0n);
  const issuedMinor = units.reduce((sum, u) => sum + u.amountMinor, 0n);
  const refusal = (wanted: number): Checked<number[]> =>
    refuse('GW-CR-7016', {
      orderNumber,
      line: line.lineNumber,
      wanted,
      left: issued.length,
      redeemedUnits: redeemed.length,
      redeemed: formatMinor(redeemedMinor, line.currency),
      issued: formatMinor(issuedMinor, line.currency),
      currency: line.currency,
    });
  if (kind === 'VD') {
    if (redeemed.length > 0) return refusal(units.length);
    return ok(issued.map((u) => u.codePk));
  }
  const wanted = line.quantity ?? 0;
  const unitMinor = units[0]?.amountMinor ?? 0n;
  if (line.amountMinor !== null && line.amountMinor !== unitMinor * BigInt(wanted)) {
    return refuse('GW-CR-7015', {
      orderNumber,
      line: line.lineNumber,
      amount: formatMinor(line.amountMinor, line.currency),
      expected: formatMinor(unitMinor * BigInt(wanted), line.currency),
      currency: line.currency,
    });
  }
  if (wanted > issued.length) return refusal(wanted);
  return ok(issued.slice(0, wanted).map((u) => u.codePk));
}

export interface CodeOnFile {
  orgPk: number;
  currency: string;
  state: CodeState;
  settledAt: string | null;
}

/**
 * Whether a code may be redeemed into an account of this organisation and currency.
 * Another organisation's code is refused before anything about it is said.
 */
export function checkRedemption(code: CodeOnFile, into: { orgPk: number; currency: string }): CodedError | undefined {
  if (code.orgPk !== into.orgPk) return { code: 'GW-CR-7022' };
  if (code.state === 'redeemed') return { code: 'GW-CR-7021', params: { at: code.settledAt ?? '' } };
  if (code.state !== 'issued') return { code: 'GW-CR-7024', params: { state: code.state, at: code.settledAt ?? '' } };
  if (code.currency !== into.currency) return { code: 'GW-CR-7023', params: { codeCurrency: code.currency, currency: into.currency } };
  return undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** When a code issued (or re-issued) at `now` stops being downloadable: `days` whole days later. */
export function downloadWindowEnd(now: string, days: number): string {
  return new Date(Date.parse(now) + days * DAY_MS).toISOString();
}

/**
 * Whether a code is shown to its organisation: only while it is unredeemed (issued) and its
 * download window is open. ISO-8601 UTC timestamps compare as text.
 */
export function isCodeDownloadable(code: { state: CodeState; downloadUntil: string }, now: string): boolean {
  return code.state === 'issued' && code.downloadUntil > now;
}

/** Only an unredeemed code (issued) gets a new one; a redeemed, refunded or voided one has nothing left to replace. */
export function checkReissue(code: { codeId: string; state: CodeState }): CodedError | undefined {
  return code.state === 'issued' ? undefined : { code: 'GW-CR-7032', params: { codeId: code.codeId, state: code.state } };
}

/** A content purchase's amount: unit price times quantity, exactly, in minor units. */
export function purchaseAmount(unitPrice: unknown, quantity: unknown, currency: string): Checked<{ unitMinor: bigint; quantity: number; amountMinor: bigint }> {
  const price = parseAmount(unitPrice, currency, 'unitPrice');
  if (!price.ok) return price;
  const q = parseQuantity(quantity, CREDIT_LIMITS.maxPurchaseQuantity);
  if (!q.ok) return q;
  const amountMinor = price.value * BigInt(q.value);
  if (amountMinor > CREDIT_LIMITS.maxMinorUnits) return refuse('GW-CR-7010', { field: 'unitPrice x quantity', value: formatMinor(amountMinor, currency), currency });
  return ok({ unitMinor: price.value, quantity: q.value, amountMinor });
}

/** What an entry does to its account's balance (redeemed credit in, spending out). */
export function accountEffect(kind: EntryKind, amountMinor: bigint): bigint {
  if (kind === 'redeemed') return amountMinor;
  if (kind === 'spent') return -amountMinor;
  return 0n;
}

/** What an entry does to the credit issued and not yet redeemed (outstanding). */
export function outstandingEffect(kind: EntryKind, amountMinor: bigint): bigint {
  if (kind === 'issued') return amountMinor;
  if (kind === 'redeemed' || kind === 'refunded' || kind === 'voided') return -amountMinor;
  return 0n;
}

/** Which entries may be reversed by a correcting entry: a content purchase (spent). */
export function checkReversal(entry: { kind: EntryKind; amountMinor: bigint; reversesEntry: boolean; reversedAlready: boolean }, entryId: string): CodedError | undefined {
  if (entry.kind !== 'spent' || entry.reversesEntry) return { code: 'GW-CR-7026', params: { entryId, kind: entry.kind } };
  if (entry.reversedAlready) return { code: 'GW-CR-7027', params: { entryId } };
  return undefined;
}

/** The fingerprint of a write request, for idempotency: canonical JSON (sorted keys), SHA-256. */
export function requestHash(request: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(typeof value === 'bigint' ? value.toString() : value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** A key seen before: the same request answers the first result, another request is refused. */
export function checkIdempotentReplay(firstHash: string, hash: string, key: string): CodedError | undefined {
  return firstHash === hash ? undefined : { code: 'GW-CR-7031', params: { key } };
}

/** What the gateway knows of an order number before a return or void of it applies. */
export interface OrderNumberOnFile {
  /** Volume-credit lines were issued under this order number. */
  creditLines: boolean;
  /** Devices were shipped under it (an enrollment order exists). */
  enrollmentOrder: boolean;
}

/**
 * Whether a purchase order moves volume credit, and whether it is only a take-back of
 * credit. An OR or OV with credit lines issues credit; an RE or VD takes back credit
 * issued under its order number. A return or void of credit alone (no device lines, no
 * enrollment order under that number to void) is a ledger movement only: the order's
 * header on file stays as it is, so its ship notices still apply under it.
 */
export function orderCreditRole(po: Pick<PurchaseOrder, 'orderType' | 'lines'>, onFile: OrderNumberOnFile): { movesCredit: boolean; takeBackOnly: boolean } {
  const takeBack = po.orderType === 'RE' || po.orderType === 'VD';
  const movesCredit = creditLinesOf(po).length > 0 || (takeBack && onFile.creditLines);
  if (!movesCredit) return { movesCredit: false, takeBackOnly: false };
  const hasDeviceLines = po.lines.some((l) => l.type === 'device');
  const voidsEnrollment = po.orderType === 'VD' && onFile.enrollmentOrder;
  return { movesCredit: true, takeBackOnly: takeBack && !hasDeviceLines && !voidsEnrollment };
}
