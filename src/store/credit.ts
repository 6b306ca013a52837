// Queries over the credit tables (migration 004-credit). Amounts cross this boundary as
// bigint minor units: drivers answer bigint columns as a number (sqlite3) or a string (pg),
// and sums as text (cast here), so every read goes through toMinor.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { CREDIT_LIMITS } from '../model/limits.js';
import type { CodeState, EntryKind } from '../model/credit.js';

/** A bigint column or sum as read from either driver, exactly. */
export function toMinor(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`amount ${value} read as an inexact number`);
    return BigInt(value);
  }
  const text = String(value);
  if (!/^-?\d+$/.test(text)) throw new Error(`amount ${text} is not a whole number of minor units`);
  return BigInt(text);
}

/** Minor units as a value to write: a decimal string, which both drivers take for bigint. */
export function minorParam(minor: bigint): string {
  if (minor > CREDIT_LIMITS.maxMinorUnits || minor < -CREDIT_LIMITS.maxMinorUnits) throw new Error(`amount ${minor} outside the ledger's range`);
  return minor.toString();
}

export interface CreditOrderLineRow {
  id: number;
  supplier_pk: number;
  order_number: string;
  line_number: string;
  org_pk: number;
  part_number: string;
  currency: string;
  amount_minor: unknown;
  quantity: number;
  unit_minor: unknown;
  document_pk: number | null;
  order_date: string;
  ordered_at: string;
}

export interface CreditCodeRow {
  id: number;
  code_id: string;
  order_line_pk: number;
  unit_index: number;
  org_pk: number;
  supplier_pk: number;
  currency: string;
  amount_minor: unknown;
  code_hash: string;
  code_hint: string;
  code_sealed: string;
  issued_at: string;
  download_until: string;
  state: CodeState;
  account_pk: number | null;
  settled_at: string | null;
  reissues: number;
}

export interface CreditAccountRow {
  id: number;
  account_id: string;
  org_pk: number;
  location: string;
  currency: string;
  balance_minor: unknown;
  created_at: string;
  updated_at: string;
}

export interface CreditEntryRow {
  id: number;
  entry_id: string;
  kind: EntryKind;
  org_pk: number;
  supplier_pk: number | null;
  currency: string;
  amount_minor: unknown;
  code_pk: number | null;
  account_pk: number | null;
  order_line_pk: number | null;
  reverses_entry_pk: number | null;
  idempotency_key: string;
  request_hash: string;
  at: string;
  actor: string;
  document_pk: number | null;
  detail_json: string;
}

export interface NewEntry {
  /** Made by the caller when its stored result must name the entry; otherwise made here. */
  entryId?: string;
  kind: EntryKind;
  orgPk: number;
  supplierPk: number | null;
  currency: string;
  amountMinor: bigint;
  codePk?: number | null;
  accountPk?: number | null;
  orderLinePk?: number | null;
  reversesEntryPk?: number | null;
  idempotencyKey: string;
  requestHash: string;
  at: string;
  actor: string;
  documentPk?: number | null;
  detail: Record<string, unknown>;
}

export function newEntryId(): string {
  return `cre_${randomUUID()}`;
}

function entryRow(e: NewEntry) {
  return {
    entry_id: e.entryId ?? newEntryId(),
    kind: e.kind,
    org_pk: e.orgPk,
    supplier_pk: e.supplierPk,
    currency: e.currency,
    amount_minor: minorParam(e.amountMinor),
    code_pk: e.codePk ?? null,
    account_pk: e.accountPk ?? null,
    order_line_pk: e.orderLinePk ?? null,
    reverses_entry_pk: e.reversesEntryPk ?? null,
    idempotency_key: e.idempotencyKey.slice(0, 200),
    request_hash: e.requestHash,
    at: e.at,
    actor: e.actor.slice(0, 120),
    document_pk: e.documentPk ?? null,
    detail_json: JSON.stringify(e.detail),
  };
}

export async function insertEntry(trx: Knex, entry: NewEntry): Promise<CreditEntryRow> {
  const row = entryRow(entry);
  const [inserted] = (await trx('credit_entries').insert(row).returning('id')) as ({ id: number } | number)[];
  const id = typeof inserted === 'object' ? inserted!.id : inserted!;
  return { ...row, id } as CreditEntryRow;
}

/** Many entries at once (a credit line's codes), in statements of a bounded size. */
export async function insertEntries(trx: Knex, entries: NewEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 200) await trx('credit_entries').insert(entries.slice(i, i + 200).map(entryRow));
}

export async function findEntryByKey(db: Knex, key: string): Promise<CreditEntryRow | undefined> {
  return (await db('credit_entries').where({ idempotency_key: key }).first()) as CreditEntryRow | undefined;
}

export async function findEntryById(db: Knex, entryId: string): Promise<CreditEntryRow | undefined> {
  return (await db('credit_entries').where({ entry_id: entryId }).first()) as CreditEntryRow | undefined;
}

export async function findReversalOf(db: Knex, entryPk: number): Promise<CreditEntryRow | undefined> {
  return (await db('credit_entries').where({ reverses_entry_pk: entryPk }).first()) as CreditEntryRow | undefined;
}

export async function findOrderLine(db: Knex, supplierPk: number, orderNumber: string, lineNumber: string): Promise<CreditOrderLineRow | undefined> {
  return (await db('credit_order_lines').where({ supplier_pk: supplierPk, order_number: orderNumber, line_number: lineNumber }).first()) as
    | CreditOrderLineRow
    | undefined;
}

export async function orderLinesOfOrder(db: Knex, supplierPk: number, orderNumber: string): Promise<CreditOrderLineRow[]> {
  return (await db('credit_order_lines').where({ supplier_pk: supplierPk, order_number: orderNumber }).orderBy('id')) as CreditOrderLineRow[];
}

export async function insertOrderLine(trx: Knex, row: Omit<CreditOrderLineRow, 'id' | 'amount_minor' | 'unit_minor'> & { amount_minor: string; unit_minor: string }): Promise<number> {
  const [inserted] = (await trx('credit_order_lines').insert(row).returning('id')) as ({ id: number } | number)[];
  return typeof inserted === 'object' ? inserted!.id : inserted!;
}

export async function codesOfLine(db: Knex, orderLinePk: number): Promise<CreditCodeRow[]> {
  return (await db('credit_codes').where({ order_line_pk: orderLinePk }).orderBy('unit_index')) as CreditCodeRow[];
}

export async function insertCodes(trx: Knex, rows: Omit<CreditCodeRow, 'id'>[]): Promise<Map<number, number>> {
  // unit_index -> code pk, for the entries that reference them.
  const pks = new Map<number, number>();
  for (let i = 0; i < rows.length; i += 200) {
    const batch = rows.slice(i, i + 200);
    await trx('credit_codes').insert(batch);
  }
  if (rows.length > 0) {
    const stored = (await trx('credit_codes').where({ order_line_pk: rows[0]!.order_line_pk }).select('id', 'unit_index')) as { id: number; unit_index: number }[];
    for (const r of stored) pks.set(r.unit_index, r.id);
  }
  return pks;
}

export async function findCodeByHash(db: Knex, hash: string): Promise<CreditCodeRow | undefined> {
  return (await db('credit_codes').where({ code_hash: hash }).first()) as CreditCodeRow | undefined;
}

export async function findRetiredCode(db: Knex, hash: string): Promise<{ code_pk: number; retired_at: string } | undefined> {
  return (await db('credit_retired_codes').where({ code_hash: hash }).first()) as { code_pk: number; retired_at: string } | undefined;
}

export async function findCodeById(db: Knex, codeId: string): Promise<CreditCodeRow | undefined> {
  return (await db('credit_codes').where({ code_id: codeId }).first()) as CreditCodeRow | undefined;
}

/**
 * Moves codes from issued to another state in one conditional UPDATE: the answer is how
 * many moved, so a caller that expected more lost a race and must run again.
 */
export async function settleCodes(trx: Knex, codePks: number[], state: Exclude<CodeState, 'issued'>, at: string, accountPk: number | null = null): Promise<number> {
  let moved = 0;
  for (let i = 0; i < codePks.length; i += 500) {
    moved += await trx('credit_codes')
      .whereIn('id', codePks.slice(i, i + 500))
      .andWhere({ state: 'issued' })
      .update({ state, settled_at: at, account_pk: accountPk });
  }
  return moved;
}

export async function findAccount(db: Knex, orgPk: number, location: string, currency: string): Promise<CreditAccountRow | undefined> {
  return (await db('credit_accounts').where({ org_pk: orgPk, location, currency }).first()) as CreditAccountRow | undefined;
}

export async function findOrCreateAccount(trx: Knex, orgPk: number, location: string, currency: string, now: string): Promise<CreditAccountRow> {
  await trx('credit_accounts')
    .insert({ account_id: `cra_${randomUUID()}`, org_pk: orgPk, location, currency, balance_minor: '0', created_at: now, updated_at: now })
    .onConflict(['org_pk', 'location', 'currency'])
    .ignore();
  return (await findAccount(trx, orgPk, location, currency))!;
}

/** Adds to a balance; the ledger's ceiling is checked in the same statement. */
export async function creditAccount(trx: Knex, accountPk: number, amountMinor: bigint, now: string): Promise<boolean> {
  const n = await trx('credit_accounts')
    .where({ id: accountPk })
    .andWhere('balance_minor', '<=', minorParam(CREDIT_LIMITS.maxMinorUnits - amountMinor))
    .update({ balance_minor: trx.raw('balance_minor + ?', [minorParam(amountMinor)]), updated_at: now });
  return n === 1;
}

/**
 * Takes from a balance only if it covers the amount: the check and the take are one
 * statement, so two concurrent spends cannot both see the same balance (SQLite has one
 * writer; PostgreSQL re-checks the WHERE on the row it locked after the other committed).
 */
export async function debitAccount(trx: Knex, accountPk: number, amountMinor: bigint, now: string): Promise<boolean> {
  const n = await trx('credit_accounts')
    .where({ id: accountPk })
    .andWhere('balance_minor', '>=', minorParam(amountMinor))
    .update({ balance_minor: trx.raw('balance_minor - ?', [minorParam(amountMinor)]), updated_at: now });
  return n === 1;
}

/**
 * What an organisation holds in a currency, for its limit: credit ordered, less what was
 * refunded, voided and (net) spent. That is outstanding codes plus account balances.
 */
export async function heldByOrganisation(db: Knex, orgPk: number, currency: string): Promise<bigint> {
  const ordered = (await db('credit_order_lines')
    .where({ org_pk: orgPk, currency })
    .select(db.raw('CAST(COALESCE(SUM(amount_minor), 0) AS TEXT) AS total'))
    .first()) as { total: unknown };
  const gone = (await db('credit_entries')
    .where({ org_pk: orgPk, currency })
    .whereIn('kind', ['refunded', 'voided', 'spent'])
    .select(db.raw('CAST(COALESCE(SUM(amount_minor), 0) AS TEXT) AS total'))
    .first()) as { total: unknown };
  return toMinor(ordered.total) - toMinor(gone.total);
}

/** An organisation by its id, as the credit operations name it, or undefined. */
export async function findOrgRef(db: Knex, orgId: string): Promise<{ pk: number; orgId: string } | undefined> {
  const row = (await db('organisations').where({ org_id: orgId }).first('id', 'org_id')) as { id: number; org_id: string } | undefined;
  return row ? { pk: row.id, orgId: row.org_id } : undefined;
}

/** The organisation with this row id, as the credit operations name it, or undefined. */
export async function findOrgRefByPk(db: Knex, orgPk: number): Promise<{ pk: number; orgId: string } | undefined> {
  const row = (await db('organisations').where({ id: orgPk }).first('id', 'org_id')) as { id: number; org_id: string } | undefined;
  return row ? { pk: row.id, orgId: row.org_id } : undefined;
}

export async function findOrderLineByPk(db: Knex, orderLinePk: number): Promise<CreditOrderLineRow | undefined> {
  return (await db('credit_order_lines').where({ id: orderLinePk }).first()) as CreditOrderLineRow | undefined;
}

/** The amount and id of each of these codes. */
export async function codeAmounts(db: Knex, codePks: number[]): Promise<{ codePk: number; codeId: string; amountMinor: bigint }[]> {
  const rows = (await db('credit_codes').whereIn('id', codePks).select('id', 'amount_minor', 'code_id')) as { id: number; amount_minor: unknown; code_id: string }[];
  return rows.map((r) => ({ codePk: r.id, codeId: r.code_id, amountMinor: toMinor(r.amount_minor) }));
}

/** An organisation's codes with their order line and supplier, in issue order, at most `limit`. */
export async function codesOfOrganisation(
  db: Knex,
  orgPk: number,
  filter: { orderNumber?: string; state?: string; limit: number },
): Promise<(CreditCodeRow & { order_number: string; line_number: string; supplier_id: string })[]> {
  let q = db('credit_codes as c')
    .join('credit_order_lines as l', 'l.id', 'c.order_line_pk')
    .join('suppliers as s', 's.id', 'c.supplier_pk')
    .where('c.org_pk', orgPk)
    .select('c.*', 'l.order_number', 'l.line_number', 's.supplier_id')
    .orderBy('c.id')
    .limit(filter.limit);
  if (filter.orderNumber) q = q.andWhere('l.order_number', filter.orderNumber);
  if (filter.state) q = q.andWhere('c.state', filter.state);
  return (await q) as (CreditCodeRow & { order_number: string; line_number: string; supplier_id: string })[];
}

/**
 * Gives an issued code a new secret: the old hash is retired first (a redemption with it
 * is told the code was replaced), then the row changes only if it still holds the old hash
 * and is still issued. False when another writer changed the code meanwhile.
 */
export async function replaceCode(
  trx: Knex,
  code: Pick<CreditCodeRow, 'id' | 'code_hash'>,
  next: Pick<CreditCodeRow, 'code_hash' | 'code_hint' | 'code_sealed' | 'download_until' | 'reissues'>,
  now: string,
): Promise<boolean> {
  await trx('credit_retired_codes').insert({ code_hash: code.code_hash, code_pk: code.id, retired_at: now });
  const n = await trx('credit_codes').where({ id: code.id, code_hash: code.code_hash, state: 'issued' }).update(next);
  return n === 1;
}

export async function findAccountByPk(db: Knex, accountPk: number): Promise<CreditAccountRow | undefined> {
  return (await db('credit_accounts').where({ id: accountPk }).first()) as CreditAccountRow | undefined;
}

/** An organisation's accounts by currency, then location. */
export async function accountsOfOrganisation(db: Knex, orgPk: number): Promise<CreditAccountRow[]> {
  return (await db('credit_accounts').where({ org_pk: orgPk }).orderBy(['currency', 'location'])) as CreditAccountRow[];
}

export async function organisationHasAccounts(db: Knex, orgPk: number): Promise<boolean> {
  return (await db('credit_accounts').where({ org_pk: orgPk }).first('id')) !== undefined;
}

/** The record of a purchase-history import: what the file came to, applied or refused. */
export async function insertPurchaseImport(
  trx: Knex,
  row: {
    import_id: string;
    org_pk: number;
    location: string;
    file_name: string;
    sha256: string;
    size_bytes: number;
    status: string;
    rows: number;
    recorded: number;
    already_recorded: number;
    errors_json: string;
    result_json: string;
    actor: string;
    received_at: string;
  },
): Promise<void> {
  await trx('credit_imports').insert(row);
}
