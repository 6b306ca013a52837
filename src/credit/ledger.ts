// The credit operations: each one checks with the rules (src/domain/credit.ts), then writes
// its entries and the balances or code states they move, in one database transaction.
//   order      credit lines of a purchase order: issue (OR, OV), refund (RE), void (VD)
//   redeem     a code into a location's account
//   spend      a content purchase out of an account
//   reverse    a correcting entry for a spend (a purchase refunded by the store)
// Writes that come from a person or a program carry an idempotency key: the same key with
// the same request answers the first result, with another request it is refused.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import {
  checkCreditLines,
  checkIdempotencyKey,
  checkIdempotentReplay,
  checkLocation,
  checkRedemption,
  checkReissue,
  checkReturnLine,
  checkReversal,
  compareWithLineOnFile,
  creditLinesOf,
  downloadWindowEnd,
  formatMinor,
  isCodeDownloadable,
  minorUnitOf,
  orderCreditEffect,
  orderOfAnotherOrganisation,
  otherOwnerOf,
  planTakeBack,
  purchaseAmount,
  checkItemId,
  checkPurchaseDate,
  requestHash,
  sellsCredit,
  type Checked,
  type CheckedCreditLine,
  type CreditPolicy,
} from '../domain/credit.js';
import type { Organisation, Supplier } from '../model/state.js';
import type { PurchaseOrder } from '../model/documents.js';
import type { CodedError } from '../model/error-codes.js';
import { audit } from '../store/audit.js';
import { ConcurrentChange, withRetry } from '../store/db.js';
import {
  accountsOfOrganisation,
  codeAmounts,
  codesOfLine,
  codesOfOrganisation,
  creditAccount,
  debitAccount,
  findAccount,
  findAccountByPk,
  findCodeByHash,
  findCodeById,
  findEntryById,
  findEntryByKey,
  findOrCreateAccount,
  findOrderLine,
  findOrderLineByPk,
  findOrgRefByPk,
  findRetiredCode,
  findReversalOf,
  heldByOrganisation,
  insertCodes,
  insertEntries,
  insertEntry,
  insertOrderLine,
  minorParam,
  newEntryId,
  orderLinesOfOrder,
  replaceCode,
  settleCodes,
  toMinor,
  type CreditCodeRow,
  type CreditEntryRow,
  type NewEntry,
} from '../store/credit.js';
import { findSupplierByPk } from '../store/suppliers.js';
import { codeHash, codeHint, formatCode, newRedemptionCode, normaliseCode, type CodeSealer } from './codes.js';

export interface CreditSettings {
  policy: CreditPolicy;
  sealer: CodeSealer;
  /** Days an issued code can be downloaded; after that it is re-issued on request. */
  codeDownloadDays: number;
}

export interface Actor {
  name: string;
  origin: string;
  /** The HTTP request that acts, when one does: its audit entries carry its id. */
  requestId?: string;
}

function refused<T>(error: CodedError): Checked<T> {
  return { ok: false, error };
}

// ---------------------------------------------------------------------------------------
// Purchase orders

export interface OrderCreditOutcome {
  /** Codes issued by this order (0 when its lines were on file already). */
  issued: number;
  refunded: number;
  voided: number;
  /** Per currency, what moved, as decimal strings. */
  amounts: Record<string, string>;
}

/**
 * The credit lines of one purchase order, inside the document's transaction. OR and OV
 * issue one code per unit of each new line; a line on file already must be identical.
 * RE takes back unredeemed codes line by line; VD takes back every code of the order.
 */
export async function applyOrderCredit(
  trx: Knex,
  settings: CreditSettings,
  input: { supplier: Supplier; org: Organisation; po: PurchaseOrder; documentPk: number | null; actor: string; now: string },
): Promise<Checked<OrderCreditOutcome>> {
  const { supplier, org, po, now } = input;
  const outcome: OrderCreditOutcome = { issued: 0, refunded: 0, voided: 0, amounts: {} };
  const currencies = [...new Set(creditLinesOf(po).map((l) => l.currency))];
  const held = new Map<string, bigint>();
  // Only a sale adds to what the organisation holds: its holdings are read for the limit.
  const effect = orderCreditEffect(po.orderType);
  if (sellsCredit(po.orderType)) for (const c of currencies) if (minorUnitOf(c).ok) held.set(c, await heldByOrganisation(trx, org.pk, c));
  // The order's lines on file must be this organisation's: an order number belongs to one.
  const onFile = await orderLinesOfOrder(trx, supplier.pk, po.orderNumber);
  const otherOrgPk = otherOwnerOf(onFile.map((l) => l.org_pk), org.pk);
  if (otherOrgPk !== undefined) {
    const owner = await findOrgRefByPk(trx, otherOrgPk);
    return refused(orderOfAnotherOrganisation(po.orderNumber, owner?.orgId ?? '', org.orgId));
  }
  const onFileNumbers = new Set(onFile.map((l) => l.line_number));
  const checked = checkCreditLines(po, org, settings.policy, (c) => held.get(c) ?? 0n, (n) => !onFileNumbers.has(n));
  if (!checked.ok) return checked;
  const moved = new Map<string, bigint>();
  const add = (currency: string, minor: bigint) => moved.set(currency, (moved.get(currency) ?? 0n) + minor);
  const done = (): Checked<OrderCreditOutcome> => {
    for (const [currency, minor] of moved) outcome.amounts[currency] = formatMinor(minor, currency);
    return { ok: true, value: outcome };
  };

  if (effect === 'void') {
    for (const line of onFile) {
      const units = (await codesOfLine(trx, line.id)).map(unitOf);
      const plan = planTakeBack('VD', po.orderNumber, { lineNumber: line.line_number, currency: line.currency, quantity: null, amountMinor: null }, units);
      if (!plan.ok) return plan;
      add(line.currency, await takeBack(trx, 'voided', plan.value, { supplier, org, line, input }));
      outcome.voided += plan.value.length;
    }
    return done();
  }

  for (const line of checked.value) {
    const onFile = await findOrderLine(trx, supplier.pk, po.orderNumber, line.lineNumber);
    if (effect === 'refund') {
      const returned = checkReturnLine(po.orderNumber, line, onFile);
      if (!returned.ok) return returned;
      const units = (await codesOfLine(trx, returned.value.id)).map(unitOf);
      const plan = planTakeBack('RE', po.orderNumber, { lineNumber: line.lineNumber, currency: line.currency, quantity: line.quantity, amountMinor: line.amountMinor }, units);
      if (!plan.ok) return plan;
      add(line.currency, await takeBack(trx, 'refunded', plan.value, { supplier, org, line: returned.value, input }));
      outcome.refunded += plan.value.length;
      continue;
    }
    if (onFile) {
      const difference = compareWithLineOnFile(po.orderNumber, line, {
        lineNumber: onFile.line_number,
        partNumber: onFile.part_number,
        currency: onFile.currency,
        amountMinor: toMinor(onFile.amount_minor),
        quantity: onFile.quantity,
      });
      if (difference) return refused(difference);
      continue;
    }
    await issueLine(trx, settings, { supplier, org, po, line, documentPk: input.documentPk, actor: input.actor, now });
    outcome.issued += line.quantity;
    add(line.currency, line.amountMinor);
  }
  return done();
}

function unitOf(c: CreditCodeRow) {
  return { codePk: c.id, unitIndex: c.unit_index, state: c.state, amountMinor: toMinor(c.amount_minor) };
}

async function issueLine(
  trx: Knex,
  settings: CreditSettings,
  x: { supplier: Supplier; org: Organisation; po: PurchaseOrder; line: CheckedCreditLine; documentPk: number | null; actor: string; now: string },
): Promise<void> {
  const { line } = x;
  const linePk = await insertOrderLine(trx, {
    supplier_pk: x.supplier.pk,
    order_number: x.po.orderNumber,
    line_number: line.lineNumber,
    org_pk: x.org.pk,
    part_number: line.partNumber,
    currency: line.currency,
    amount_minor: minorParam(line.amountMinor),
    quantity: line.quantity,
    unit_minor: minorParam(line.unitMinor),
    document_pk: x.documentPk,
    order_date: x.po.orderDate,
    ordered_at: x.now,
  });
  const downloadUntil = downloadWindowEnd(x.now, settings.codeDownloadDays);
  const codes = [];
  for (let unit = 1; unit <= line.quantity; unit++) {
    const canonical = normaliseCode(newRedemptionCode())!;
    const codeId = `crc_${randomUUID()}`;
    codes.push({
      code_id: codeId,
      order_line_pk: linePk,
      unit_index: unit,
      org_pk: x.org.pk,
      supplier_pk: x.supplier.pk,
      currency: line.currency,
      amount_minor: minorParam(line.unitMinor),
      code_hash: codeHash(canonical),
      code_hint: codeHint(canonical),
      code_sealed: settings.sealer.seal(canonical, codeId),
      issued_at: x.now,
      download_until: downloadUntil,
      state: 'issued' as const,
      account_pk: null,
      settled_at: null,
      reissues: 0,
    });
  }
  const pks = await insertCodes(trx, codes);
  const hash = requestHash({ op: 'issue', currency: line.currency, amountMinor: line.amountMinor, quantity: line.quantity, partNumber: line.partNumber });
  const entries: NewEntry[] = codes.map((c) => ({
    kind: 'issued',
    orgPk: x.org.pk,
    supplierPk: x.supplier.pk,
    currency: line.currency,
    amountMinor: line.unitMinor,
    codePk: pks.get(c.unit_index)!,
    orderLinePk: linePk,
    idempotencyKey: `issued:${x.supplier.pk}:${x.po.orderNumber}:${line.lineNumber}:${c.unit_index}`,
    requestHash: hash,
    at: x.now,
    actor: x.actor,
    documentPk: x.documentPk,
    detail: { orderNumber: x.po.orderNumber, line: line.lineNumber, unit: c.unit_index, codeId: c.code_id },
  }));
  await insertEntries(trx, entries);
}

async function takeBack(
  trx: Knex,
  kind: 'refunded' | 'voided',
  codePks: number[],
  x: { supplier: Supplier; org: Organisation; line: { id: number; currency: string; order_number: string; line_number: string }; input: { documentPk: number | null; actor: string; now: string } },
): Promise<bigint> {
  if (codePks.length === 0) return 0n;
  const moved = await settleCodes(trx, codePks, kind, x.input.now);
  if (moved !== codePks.length) throw new ConcurrentChange(`codes of order ${x.line.order_number} line ${x.line.line_number}`);
  const codes = await codeAmounts(trx, codePks);
  let total = 0n;
  const entries: NewEntry[] = codes.map((c) => {
    const amount = c.amountMinor;
    total += amount;
    return {
      kind,
      orgPk: x.org.pk,
      supplierPk: x.supplier.pk,
      currency: x.line.currency,
      amountMinor: amount,
      codePk: c.codePk,
      orderLinePk: x.line.id,
      // A code is taken back once: the key is the code's.
      idempotencyKey: `${kind}:${c.codePk}`,
      requestHash: requestHash({ op: kind, code: c.codeId }),
      at: x.input.now,
      actor: x.input.actor,
      documentPk: x.input.documentPk,
      detail: { orderNumber: x.line.order_number, line: x.line.line_number, codeId: c.codeId },
    };
  });
  await insertEntries(trx, entries);
  return total;
}

// ---------------------------------------------------------------------------------------
// Redemption, spending, reversal

export interface EntryResult {
  entryId: string;
  kind: string;
  orgId: string;
  location: string;
  currency: string;
  amount: string;
  /** The account's balance just after this entry. */
  balance: string;
  at: string;
  /** True when this is the first result of an earlier request with the same key. */
  replayed: boolean;
  codeId?: string;
  reverses?: string;
  itemId?: string;
  quantity?: number;
  unitPrice?: string;
  date?: string;
}

export interface OrgRef {
  pk: number;
  orgId: string;
}

function replayOf(entry: CreditEntryRow): EntryResult {
  const detail = JSON.parse(entry.detail_json) as { result: Omit<EntryResult, 'replayed'> };
  return { ...detail.result, replayed: true };
}

/** Runs a keyed write: the first result again for the same key and request, a refusal for another request. */
async function keyed(
  db: Knex,
  key: string,
  hash: string,
  shownKey: string,
  work: (trx: Knex) => Promise<Checked<EntryResult>>,
  outer?: Knex,
): Promise<Checked<EntryResult>> {
  const run = async (trx: Knex): Promise<Checked<EntryResult>> => {
    const first = await findEntryByKey(trx, key);
    if (first) {
      const differs = checkIdempotentReplay(first.request_hash, hash, shownKey);
      return differs ? refused(differs) : { ok: true, value: replayOf(first) };
    }
    return work(trx);
  };
  if (outer) return run(outer);
  return withRetry(() => db.transaction(run));
}

/** What every account write names: its idempotency key, location and currency. */
function checkAccountWrite(req: { idempotencyKey: unknown; location: unknown; currency: unknown }): Checked<{ key: string; location: string; currency: string }> {
  const key = checkIdempotencyKey(req.idempotencyKey);
  if (!key.ok) return key;
  const location = checkLocation(req.location);
  if (!location.ok) return location;
  const currency = String(req.currency);
  const unit = minorUnitOf(currency);
  if (!unit.ok) return unit;
  return { ok: true, value: { key: key.value, location: location.value, currency } };
}

export interface RedeemRequest {
  org: OrgRef;
  location: unknown;
  currency: unknown;
  code: unknown;
  idempotencyKey: unknown;
  actor: Actor;
}

export async function redeemCode(db: Knex, req: RedeemRequest): Promise<Checked<EntryResult>> {
  const target = checkAccountWrite(req);
  if (!target.ok) return target;
  const { key, location, currency } = target.value;
  const canonical = normaliseCode(req.code);
  if (!canonical) return refused({ code: 'GW-CR-7020' });
  const hash = codeHash(canonical);
  // The code is in the request's fingerprint only as its hash: keys are stored, codes never.
  const fingerprint = requestHash({ op: 'redeem', location: location, currency, code: hash });
  return keyed(db, `redeem:${req.org.pk}:${key}`, fingerprint, key, async (trx) => {
    const now = new Date().toISOString();
    const code = await findCodeByHash(trx, hash);
    if (!code) {
      const retired = await findRetiredCode(trx, hash);
      return refused(retired ? { code: 'GW-CR-7025', params: { at: retired.retired_at } } : { code: 'GW-CR-7020' });
    }
    const refusal = checkRedemption({ orgPk: code.org_pk, currency: code.currency, state: code.state, settledAt: code.settled_at }, { orgPk: req.org.pk, currency });
    if (refusal) return refused(refusal);
    const account = await findOrCreateAccount(trx, req.org.pk, location, currency, now);
    const amount = toMinor(code.amount_minor);
    // The balance first: a refusal here has written nothing; a lost race on the code after
    // it throws, and the whole transaction (balance included) rolls back and runs again.
    if (!(await creditAccount(trx, account.id, amount, now))) {
      return refused({ code: 'GW-CR-7010', params: { field: 'balance', value: formatMinor(toMinor(account.balance_minor) + amount, currency), currency } });
    }
    if ((await settleCodes(trx, [code.id], 'redeemed', now, account.id)) !== 1) throw new ConcurrentChange(`code ${code.code_id}`);
    const balance = toMinor((await findAccount(trx, req.org.pk, location, currency))!.balance_minor);
    const result: Omit<EntryResult, 'replayed'> = {
      entryId: newEntryId(),
      kind: 'redeemed',
      orgId: req.org.orgId,
      location: location,
      currency,
      amount: formatMinor(amount, currency),
      balance: formatMinor(balance, currency),
      at: now,
      codeId: code.code_id,
    };
    await insertEntry(trx, {
      entryId: result.entryId,
      kind: 'redeemed',
      orgPk: req.org.pk,
      supplierPk: code.supplier_pk,
      currency,
      amountMinor: amount,
      codePk: code.id,
      accountPk: account.id,
      orderLinePk: code.order_line_pk,
      idempotencyKey: `redeem:${req.org.pk}:${key}`,
      requestHash: fingerprint,
      at: now,
      actor: req.actor.name,
      detail: { result },
    });
    return { ok: true, value: { ...result, replayed: false } };
  });
}

export interface SpendRequest {
  org: OrgRef;
  location: unknown;
  currency: unknown;
  date: unknown;
  itemId: unknown;
  quantity: unknown;
  unitPrice: unknown;
  idempotencyKey: unknown;
  actor: Actor;
}

export async function recordSpend(db: Knex, req: SpendRequest, outer?: Knex): Promise<Checked<EntryResult>> {
  const target = checkAccountWrite(req);
  if (!target.ok) return target;
  const { key, location, currency } = target.value;
  const date = checkPurchaseDate(req.date);
  if (!date.ok) return date;
  const itemId = checkItemId(req.itemId);
  if (!itemId.ok) return itemId;
  const amount = purchaseAmount(req.unitPrice, req.quantity, currency);
  if (!amount.ok) return amount;
  const unitPrice = formatMinor(amount.value.unitMinor, currency);
  const fingerprint = requestHash({ op: 'spend', location: location, currency, date: date.value, itemId: itemId.value, quantity: amount.value.quantity, unitPrice });
  const fullKey = `spend:${req.org.pk}:${key}`;
  return keyed(
    db,
    fullKey,
    fingerprint,
    key,
    async (trx) => {
      const now = new Date().toISOString();
      const account = await findAccount(trx, req.org.pk, location, currency);
      if (!account) return refused({ code: 'GW-CR-7029', params: { orgId: req.org.orgId, currency, location: location } });
      if (!(await debitAccount(trx, account.id, amount.value.amountMinor, now))) {
        const current = (await findAccount(trx, req.org.pk, location, currency))!;
        return refused({
          code: 'GW-CR-7028',
          params: { location: location, currency, balance: formatMinor(toMinor(current.balance_minor), currency), amount: formatMinor(amount.value.amountMinor, currency) },
        });
      }
      const balance = toMinor((await findAccount(trx, req.org.pk, location, currency))!.balance_minor);
      const result = {
        entryId: newEntryId(),
        kind: 'spent',
        orgId: req.org.orgId,
        location: location,
        currency,
        amount: formatMinor(amount.value.amountMinor, currency),
        balance: formatMinor(balance, currency),
        at: now,
        itemId: itemId.value,
        quantity: amount.value.quantity,
        unitPrice,
        date: date.value,
      };
      await insertEntry(trx, {
        entryId: result.entryId,
        kind: 'spent',
        orgPk: req.org.pk,
        supplierPk: null,
        currency,
        amountMinor: amount.value.amountMinor,
        accountPk: account.id,
        idempotencyKey: fullKey,
        requestHash: fingerprint,
        at: now,
        actor: req.actor.name,
        detail: { result },
      });
      return { ok: true, value: { ...result, replayed: false } };
    },
    outer,
  );
}

export interface ReverseRequest {
  org: OrgRef;
  entryId: string;
  idempotencyKey: unknown;
  actor: Actor;
}

/** A content purchase refunded: a spent entry of the opposite sign, the balance restored. */
export async function reverseSpend(db: Knex, req: ReverseRequest): Promise<Checked<EntryResult>> {
  const key = checkIdempotencyKey(req.idempotencyKey);
  if (!key.ok) return key;
  const fullKey = `reverse:${req.org.pk}:${key.value}`;
  const fingerprint = requestHash({ op: 'reverse', entryId: req.entryId });
  return keyed(db, fullKey, fingerprint, key.value, async (trx) => {
    const now = new Date().toISOString();
    const entry = await findEntryById(trx, req.entryId);
    if (!entry || entry.org_pk !== req.org.pk) return refused({ code: 'GW-CR-7033', params: { what: 'entry', id: req.entryId.slice(0, 60) } });
    const refusal = checkReversal(
      { kind: entry.kind, amountMinor: toMinor(entry.amount_minor), reversesEntry: entry.reverses_entry_pk !== null, reversedAlready: (await findReversalOf(trx, entry.id)) !== undefined },
      entry.entry_id,
    );
    if (refusal) return refused(refusal);
    const amount = toMinor(entry.amount_minor);
    if (!(await creditAccount(trx, entry.account_pk!, amount, now))) {
      return refused({ code: 'GW-CR-7010', params: { field: 'balance', value: formatMinor(amount, entry.currency), currency: entry.currency } });
    }
    const account = (await findAccountByPk(trx, entry.account_pk!))!;
    const original = (JSON.parse(entry.detail_json) as { result: EntryResult }).result;
    const result = {
      entryId: newEntryId(),
      kind: 'spent',
      orgId: req.org.orgId,
      location: account.location,
      currency: entry.currency,
      amount: formatMinor(-amount, entry.currency),
      balance: formatMinor(toMinor(account.balance_minor), entry.currency),
      at: now,
      reverses: entry.entry_id,
      ...(original.itemId ? { itemId: original.itemId } : {}),
    };
    await insertEntry(trx, {
      entryId: result.entryId,
      kind: 'spent',
      orgPk: req.org.pk,
      supplierPk: null,
      currency: entry.currency,
      amountMinor: -amount,
      accountPk: entry.account_pk,
      reversesEntryPk: entry.id,
      idempotencyKey: fullKey,
      requestHash: fingerprint,
      at: now,
      actor: req.actor.name,
      detail: { result },
    });
    return { ok: true, value: { ...result, replayed: false } };
  });
}

// ---------------------------------------------------------------------------------------
// Codes: download and re-issue

export interface CodeListing {
  codeId: string;
  /** The code itself while its download window is open and it is unredeemed; null otherwise. */
  code: string | null;
  hint: string;
  supplierId: string;
  orderNumber: string;
  line: string;
  unit: number;
  amount: string;
  currency: string;
  state: string;
  issuedAt: string;
  downloadUntil: string;
  settledAt: string | null;
}

/** An organisation's codes; opening them is audited (who, how many, which). */
export async function listCodes(
  db: Knex,
  settings: CreditSettings,
  req: { org: OrgRef; orderNumber?: string; state?: string; actor: Actor; limit: number },
): Promise<CodeListing[]> {
  const now = new Date().toISOString();
  const rows = await codesOfOrganisation(db, req.org.pk, { orderNumber: req.orderNumber, state: req.state, limit: req.limit });
  const listing = rows.map((r) => {
    const open = isCodeDownloadable({ state: r.state, downloadUntil: r.download_until }, now);
    return {
      codeId: r.code_id,
      code: open ? formatCode(settings.sealer.open(r.code_sealed, r.code_id)) : null,
      hint: r.code_hint,
      supplierId: r.supplier_id,
      orderNumber: r.order_number,
      line: r.line_number,
      unit: r.unit_index,
      amount: formatMinor(toMinor(r.amount_minor), r.currency),
      currency: r.currency,
      state: r.state,
      issuedAt: r.issued_at,
      downloadUntil: r.download_until,
      settledAt: r.settled_at,
    };
  });
  const shown = listing.filter((c) => c.code !== null).map((c) => c.codeId);
  await audit(db, { actor: req.actor.name, origin: req.actor.origin, requestId: req.actor.requestId, action: 'credit.codes.download', detail: { orgId: req.org.orgId, listed: listing.length, revealed: shown.length, codeIds: shown.slice(0, 1000) } }, now);
  return listing;
}


/**
 * A new code for an unredeemed unit (its window passed, or the code was lost or exposed).
 * The old code stops working at once; its holder is told it was replaced. Audited.
 */
export async function reissueCode(db: Knex, settings: CreditSettings, req: { org: OrgRef; codeId: string; actor: Actor }): Promise<Checked<CodeListing>> {
  return withRetry(() =>
    db.transaction(async (trx): Promise<Checked<CodeListing>> => {
      const now = new Date().toISOString();
      const code = await findCodeById(trx, req.codeId);
      if (!code || code.org_pk !== req.org.pk) return refused({ code: 'GW-CR-7033', params: { what: 'code', id: req.codeId.slice(0, 60) } });
      const refusal = checkReissue({ codeId: code.code_id, state: code.state });
      if (refusal) return refused(refusal);
      const canonical = normaliseCode(newRedemptionCode())!;
      const downloadUntil = downloadWindowEnd(now, settings.codeDownloadDays);
      const replaced = await replaceCode(
        trx,
        code,
        {
          code_hash: codeHash(canonical),
          code_hint: codeHint(canonical),
          code_sealed: settings.sealer.seal(canonical, code.code_id),
          download_until: downloadUntil,
          reissues: code.reissues + 1,
        },
        now,
      );
      if (!replaced) throw new ConcurrentChange(`code ${code.code_id}`);
      await audit(trx, { actor: req.actor.name, origin: req.actor.origin, requestId: req.actor.requestId, action: 'credit.code.reissue', detail: { orgId: req.org.orgId, codeId: code.code_id, previousHint: code.code_hint, reissues: code.reissues + 1 } }, now);
      const line = (await findOrderLineByPk(trx, code.order_line_pk))!;
      const supplier = (await findSupplierByPk(trx, code.supplier_pk))!;
      return {
        ok: true,
        value: {
          codeId: code.code_id,
          code: formatCode(canonical),
          hint: codeHint(canonical),
          supplierId: supplier.supplierId,
          orderNumber: line.order_number,
          line: line.line_number,
          unit: code.unit_index,
          amount: formatMinor(toMinor(code.amount_minor), code.currency),
          currency: code.currency,
          state: code.state,
          issuedAt: code.issued_at,
          downloadUntil,
          settledAt: null,
        },
      };
    }),
  );
}

export interface AccountView {
  accountId: string;
  location: string;
  currency: string;
  balance: string;
  updatedAt: string;
}

export async function listAccounts(db: Knex, org: OrgRef): Promise<AccountView[]> {
  const rows = await accountsOfOrganisation(db, org.pk);
  return rows.map((r) => ({ accountId: r.account_id, location: r.location, currency: r.currency, balance: formatMinor(toMinor(r.balance_minor), r.currency), updatedAt: r.updated_at }));
}
