// An in-memory reference model of volume credit, for the property test: plain maps and
// bigint, written from the rules as documented (src/domain/credit.ts, src/credit/ledger.ts,
// src/reports/credit.ts), not from their code. Each operation first predicts what the
// gateway must answer (a refusal code, or the fields of the result); once the answer is
// checked, `apply` moves the model's state, taking the entry id and time from the answer.
//
// The model also keeps a timed log of every ledger movement, from which it computes what
// the reconciliation report must say for any period.

export type CodeState = 'issued' | 'redeemed' | 'refunded' | 'voided';
export type FlowKind = 'issued' | 'redeemed' | 'spent' | 'refunded' | 'voided';

export const MINOR_UNITS: Readonly<Record<string, number>> = { JPY: 0, USD: 2, KWD: 3, EUR: 2 };

/** Minor units as the decimal string of their currency (1050n USD -> "10.50"). */
export function fmt(minor: bigint, currency: string): string {
  const unit = MINOR_UNITS[currency];
  if (unit === undefined) throw new Error(`model: no minor unit for ${currency}`);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(unit + 1, '0');
  const whole = unit === 0 ? digits : digits.slice(0, -unit);
  const fraction = unit === 0 ? '' : `.${digits.slice(-unit)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** A decimal string as minor units, or the refusal the rules give for it. */
export function parseMoney(text: string, currency: string): { ok: true; minor: bigint } | { ok: false; code: string } {
  const unit = MINOR_UNITS[currency];
  if (unit === undefined) return { ok: false, code: 'GW-CR-7001' };
  const m = /^(\d{1,18})(?:\.(\d{1,18}))?$/.exec(text);
  if (!m) return { ok: false, code: 'GW-CR-7002' };
  const fraction = m[2] ?? '';
  if (fraction.length > unit) return { ok: false, code: 'GW-CR-7004' };
  const minor = BigInt(m[1]! + fraction.padEnd(unit, '0'));
  if (minor <= 0n) return { ok: false, code: 'GW-CR-7003' };
  if (minor > 10n ** 15n) return { ok: false, code: 'GW-CR-7010' };
  return { ok: true, minor };
}

/** A code as typed, in canonical form: upper case, no spaces or dashes, O as 0, I and L as 1. */
export function canonicalCode(typed: string): string | undefined {
  const text = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return /^[0-9A-HJKMNP-TV-Z]{20}$/.test(text) ? text : undefined;
}

export interface ModelCode {
  codeId: string;
  /** Canonical form of the code now in force (a re-issue replaces it). */
  plain: string;
  org: string;
  supplier: string;
  currency: string;
  amount: bigint;
  state: CodeState;
  unit: number;
  line: ModelLine;
  /** The redeemed entry, once redeemed. */
  redeemedBy?: string;
}

export interface ModelLine {
  supplier: string;
  orderNumber: string;
  lineNumber: string;
  org: string;
  partNumber: string;
  currency: string;
  amount: bigint;
  quantity: number;
  unitMinor: bigint;
  codes: ModelCode[];
}

export interface ModelOrder {
  supplier: string;
  orderNumber: string;
  org: string;
  /** In the order they were put on file (the ledger's id order). */
  lines: ModelLine[];
  /** The credit lines as first sent, for resending. */
  sent: OrderLineInput[];
}

export interface OrderLineInput {
  lineNumber: string;
  partNumber: string;
  amount: string;
  currency: string;
  quantity: number;
}

export interface ModelSpend {
  entryId: string;
  org: string;
  account: string;
  currency: string;
  amount: bigint;
  itemId: string | undefined;
  /** The entry this one reverses, for a reversal. */
  reverses: string | undefined;
  reversedBy: string | undefined;
}

export interface ModelEvent {
  at: string;
  kind: FlowKind;
  org: string;
  supplier: string | null;
  currency: string;
  /** Signed as the ledger stores it: a reversal's spent amount is negative. */
  amount: bigint;
}

export interface OrderedEvent {
  at: string;
  org: string;
  supplier: string;
  currency: string;
  amount: bigint;
}

export type Refusal = { ok: false; code: string };
export type Prediction<T> = { expect: { ok: true; value: T } | Refusal; apply: (actual: T) => void };

export interface ResultFields {
  kind: string;
  orgId: string;
  location: string;
  currency: string;
  amount: string;
  balance: string;
  codeId?: string;
  reverses?: string;
  itemId?: string;
  quantity?: number;
  unitPrice?: string;
  date?: string;
}

/** What the gateway answers for a keyed write (entryId and at are the gateway's own). */
export interface Answer extends ResultFields {
  entryId: string;
  at: string;
  replayed: boolean;
}

export interface OrderOutcome {
  issued: number;
  refunded: number;
  voided: number;
  amounts: Record<string, string>;
}

export interface ModelPolicy {
  /** Each organisation's own currency, then the others it accepts. */
  accepted: Record<string, string[]>;
  perOrder: Record<string, bigint>;
  perOrganisation: Record<string, bigint>;
}

const refuse = (code: string): Refusal => ({ ok: false, code });
const noChange = () => undefined;

export class CreditModel {
  readonly orders = new Map<string, ModelOrder>();
  readonly lines = new Map<string, ModelLine>();
  readonly codes: ModelCode[] = [];
  readonly codeByPlain = new Map<string, ModelCode>();
  readonly codeById = new Map<string, ModelCode>();
  /** Canonical codes replaced by a re-issue. */
  readonly retired = new Set<string>();
  /** Account balances by `${org}|${location}|${currency}`. */
  readonly accounts = new Map<string, bigint>();
  readonly spends = new Map<string, ModelSpend>();
  /** Redeemed entries: entry id -> organisation. */
  readonly redemptions = new Map<string, string>();
  /** Keyed writes on file: `${op}:${org}:${key}` -> fingerprint and first answer. */
  readonly keyed = new Map<string, { fingerprint: string; answer: Answer }>();
  readonly events: ModelEvent[] = [];
  readonly ordered: OrderedEvent[] = [];

  constructor(readonly policy: ModelPolicy) {}

  static lineKey(supplier: string, orderNumber: string, lineNumber: string): string {
    return `${supplier}|${orderNumber}|${lineNumber}`;
  }

  static accountKey(org: string, location: string, currency: string): string {
    return `${org}|${location}|${currency}`;
  }

  /** What an organisation holds in a currency, against its limit: ordered, less refunded, voided and spent. */
  held(org: string, currency: string): bigint {
    let held = 0n;
    for (const o of this.ordered) if (o.org === org && o.currency === currency) held += o.amount;
    for (const e of this.events) {
      if (e.org !== org || e.currency !== currency) continue;
      if (e.kind === 'refunded' || e.kind === 'voided' || e.kind === 'spent') held -= e.amount;
    }
    return held;
  }

  // -------------------------------------------------------------------------------------
  // Purchase orders

  /** The per-line checks every credit line gets (OR, RE, VD alike), in line order. */
  private checkLines(org: string, lines: OrderLineInput[]): Refusal | { ok: true; parsed: bigint[] } {
    const parsed: bigint[] = [];
    for (const line of lines) {
      const amount = parseMoney(line.amount, line.currency);
      if (!amount.ok) return refuse(amount.code);
      if (!this.policy.accepted[org]!.includes(line.currency)) return refuse('GW-CR-7008');
      if (line.quantity < 1 || line.quantity > 10_000) return refuse('GW-CR-7005');
      if (amount.minor % BigInt(line.quantity) !== 0n) return refuse('GW-CR-7009');
      parsed.push(amount.minor);
    }
    return { ok: true, parsed };
  }

  /** OR: issues one code per unit of each line not yet on file; a line on file must be identical. */
  order(supplier: string, org: string, orderNumber: string, lines: OrderLineInput[], at: string): Prediction<OrderOutcome> {
    const checked = this.checkLines(org, lines);
    if (!checked.ok) return { expect: checked, apply: noChange };
    const fresh: { line: OrderLineInput; minor: bigint }[] = [];
    const perCurrency = new Map<string, bigint>();
    const freshPerCurrency = new Map<string, bigint>();
    for (const [i, line] of lines.entries()) {
      const minor = checked.parsed[i]!;
      perCurrency.set(line.currency, (perCurrency.get(line.currency) ?? 0n) + minor);
      const onFile = this.lines.get(CreditModel.lineKey(supplier, orderNumber, line.lineNumber));
      if (!onFile) {
        fresh.push({ line, minor });
        freshPerCurrency.set(line.currency, (freshPerCurrency.get(line.currency) ?? 0n) + minor);
      }
    }
    for (const [currency, total] of perCurrency) {
      const orderLimit = this.policy.perOrder[currency];
      if (orderLimit === undefined) return { expect: refuse('GW-CR-7011'), apply: noChange };
      if (total > orderLimit) return { expect: refuse('GW-CR-7012'), apply: noChange };
      const orgLimit = this.policy.perOrganisation[currency];
      if (orgLimit === undefined) return { expect: refuse('GW-CR-7011'), apply: noChange };
      // Only what the order adds counts: lines on file are held already, so a resent order,
      // which adds nothing, passes even when reversed spending took the holding past the limit.
      const added = freshPerCurrency.get(currency) ?? 0n;
      if (added > 0n && this.held(org, currency) + added > orgLimit) return { expect: refuse('GW-CR-7013'), apply: noChange };
    }
    for (const [i, line] of lines.entries()) {
      const onFile = this.lines.get(CreditModel.lineKey(supplier, orderNumber, line.lineNumber));
      if (!onFile) continue;
      const same = onFile.currency === line.currency && onFile.amount === checked.parsed[i] && onFile.quantity === line.quantity && onFile.partNumber === line.partNumber;
      if (!same) return { expect: refuse('GW-CR-7014'), apply: noChange };
    }
    const amounts: Record<string, bigint> = {};
    let issued = 0;
    for (const { line, minor } of fresh) {
      amounts[line.currency] = (amounts[line.currency] ?? 0n) + minor;
      issued += line.quantity;
    }
    return {
      expect: { ok: true, value: { issued, refunded: 0, voided: 0, amounts: formatAll(amounts) } },
      apply: () => {
        const key = `${supplier}|${orderNumber}`;
        let order = this.orders.get(key);
        if (!order) this.orders.set(key, (order = { supplier, orderNumber, org, lines: [], sent: lines }));
        for (const { line, minor } of fresh) {
          const unitMinor = minor / BigInt(line.quantity);
          const ml: ModelLine = { supplier, orderNumber, lineNumber: line.lineNumber, org, partNumber: line.partNumber, currency: line.currency, amount: minor, quantity: line.quantity, unitMinor, codes: [] };
          this.lines.set(CreditModel.lineKey(supplier, orderNumber, line.lineNumber), ml);
          order.lines.push(ml);
          this.ordered.push({ at, org, supplier, currency: line.currency, amount: minor });
          for (let u = 1; u <= line.quantity; u++) {
            this.events.push({ at, kind: 'issued', org, supplier, currency: line.currency, amount: unitMinor });
          }
        }
      },
    };
  }

  /** After an OR: the codes the gateway issued, as listed (plain text), bound to the model's units. */
  bindCodes(supplier: string, orderNumber: string, listed: { codeId: string; code: string; line: string; unit: number; amount: string; currency: string; state: string }[]): string[] {
    const problems: string[] = [];
    for (const c of listed) {
      const line = this.lines.get(CreditModel.lineKey(supplier, orderNumber, c.line));
      if (!line) {
        problems.push(`code ${c.codeId} of unknown line ${c.line}`);
        continue;
      }
      if (this.codeById.has(c.codeId)) continue;
      if (c.amount !== fmt(line.unitMinor, line.currency) || c.currency !== line.currency || c.state !== 'issued') {
        problems.push(`code ${c.codeId}: ${c.amount} ${c.currency} ${c.state}, expected ${fmt(line.unitMinor, line.currency)} ${line.currency} issued`);
      }
      const plain = canonicalCode(c.code);
      if (!plain) {
        problems.push(`code ${c.codeId}: ${c.code} is not a code`);
        continue;
      }
      const code: ModelCode = { codeId: c.codeId, plain, org: line.org, supplier, currency: line.currency, amount: line.unitMinor, state: 'issued', unit: c.unit, line };
      line.codes.push(code);
      this.codes.push(code);
      this.codeByPlain.set(plain, code);
      this.codeById.set(c.codeId, code);
    }
    for (const line of this.orders.get(`${supplier}|${orderNumber}`)?.lines ?? []) {
      line.codes.sort((a, b) => a.unit - b.unit);
      if (line.codes.length !== line.quantity) problems.push(`line ${line.lineNumber}: ${line.codes.length} codes for ${line.quantity} units`);
      if (line.codes.some((c, i) => c.unit !== i + 1)) problems.push(`line ${line.lineNumber}: units ${line.codes.map((c) => c.unit).join(',')}`);
    }
    return problems;
  }

  /** RE: takes back `quantity` unredeemed units of each line, lowest unit first; all lines or none. */
  returnUnits(supplier: string, org: string, orderNumber: string, lines: OrderLineInput[], at: string): Prediction<OrderOutcome> {
    const checked = this.checkLines(org, lines);
    if (!checked.ok) return { expect: checked, apply: noChange };
    const plan: { line: ModelLine; codes: ModelCode[] }[] = [];
    const taken = new Set<ModelCode>();
    for (const [i, line] of lines.entries()) {
      const onFile = this.lines.get(CreditModel.lineKey(supplier, orderNumber, line.lineNumber));
      if (!onFile) return { expect: refuse('GW-CR-7017'), apply: noChange };
      if (onFile.currency !== line.currency) return { expect: refuse('GW-CR-7018'), apply: noChange };
      if (checked.parsed[i] !== onFile.unitMinor * BigInt(line.quantity)) return { expect: refuse('GW-CR-7015'), apply: noChange };
      const left = onFile.codes.filter((c) => c.state === 'issued' && !taken.has(c));
      if (line.quantity > left.length) return { expect: refuse('GW-CR-7016'), apply: noChange };
      const codes = left.slice(0, line.quantity);
      for (const c of codes) taken.add(c);
      plan.push({ line: onFile, codes });
    }
    const amounts: Record<string, bigint> = {};
    let refunded = 0;
    for (const p of plan) {
      amounts[p.line.currency] = (amounts[p.line.currency] ?? 0n) + p.codes.reduce((s, c) => s + c.amount, 0n);
      refunded += p.codes.length;
    }
    return {
      expect: { ok: true, value: { issued: 0, refunded, voided: 0, amounts: formatAll(amounts) } },
      apply: () => {
        for (const p of plan) {
          for (const c of p.codes) {
            c.state = 'refunded';
            this.events.push({ at, kind: 'refunded', org, supplier, currency: c.currency, amount: c.amount });
          }
        }
      },
    };
  }

  /** VD: takes back every unit left of every line of the order; refused if any unit is redeemed. */
  voidOrder(supplier: string, org: string, orderNumber: string, at: string): Prediction<OrderOutcome> {
    const order = this.orders.get(`${supplier}|${orderNumber}`);
    const lines = order?.lines ?? [];
    if (lines.some((l) => l.codes.some((c) => c.state === 'redeemed'))) return { expect: refuse('GW-CR-7016'), apply: noChange };
    const amounts: Record<string, bigint> = {};
    let voided = 0;
    for (const l of lines) {
      const left = l.codes.filter((c) => c.state === 'issued');
      amounts[l.currency] = (amounts[l.currency] ?? 0n) + left.reduce((s, c) => s + c.amount, 0n);
      voided += left.length;
    }
    return {
      expect: { ok: true, value: { issued: 0, refunded: 0, voided, amounts: formatAll(amounts) } },
      apply: () => {
        for (const l of lines) {
          for (const c of l.codes) {
            if (c.state !== 'issued') continue;
            c.state = 'voided';
            this.events.push({ at, kind: 'voided', org, supplier, currency: c.currency, amount: c.amount });
          }
        }
      },
    };
  }

  // -------------------------------------------------------------------------------------
  // Keyed writes: redeem, spend, reverse

  /** The same key again: the first answer for the same request, a refusal for another. */
  private replay(op: string, org: string, key: string, fingerprint: string): Prediction<Answer> | undefined {
    const first = this.keyed.get(`${op}:${org}:${key}`);
    if (!first) return undefined;
    if (first.fingerprint !== fingerprint) return { expect: refuse('GW-CR-7031'), apply: noChange };
    return { expect: { ok: true, value: { ...first.answer, replayed: true } }, apply: noChange };
  }

  private remember(op: string, org: string, key: string, fingerprint: string, answer: Answer): void {
    this.keyed.set(`${op}:${org}:${key}`, { fingerprint, answer: { ...answer, replayed: false } });
  }

  redeem(org: string, location: string, currency: string, typed: string, key: string): Prediction<Answer> {
    if (!validLocation(location)) return { expect: refuse('GW-CR-7006'), apply: noChange };
    if (MINOR_UNITS[currency] === undefined) return { expect: refuse('GW-CR-7001'), apply: noChange };
    const plain = canonicalCode(typed);
    if (!plain) return { expect: refuse('GW-CR-7020'), apply: noChange };
    const fingerprint = JSON.stringify(['redeem', location, currency, plain]);
    const replayed = this.replay('redeem', org, key, fingerprint);
    if (replayed) return replayed;
    const code = this.codeByPlain.get(plain);
    if (!code) return { expect: refuse(this.retired.has(plain) ? 'GW-CR-7025' : 'GW-CR-7020'), apply: noChange };
    if (code.org !== org) return { expect: refuse('GW-CR-7022'), apply: noChange };
    if (code.state === 'redeemed') return { expect: refuse('GW-CR-7021'), apply: noChange };
    if (code.state !== 'issued') return { expect: refuse('GW-CR-7024'), apply: noChange };
    if (code.currency !== currency) return { expect: refuse('GW-CR-7023'), apply: noChange };
    const account = CreditModel.accountKey(org, location, currency);
    const balance = (this.accounts.get(account) ?? 0n) + code.amount;
    const value = { kind: 'redeemed', orgId: org, location, currency, amount: fmt(code.amount, currency), balance: fmt(balance, currency), codeId: code.codeId } as Answer;
    return {
      expect: { ok: true, value },
      apply: (actual) => {
        this.accounts.set(account, balance);
        code.state = 'redeemed';
        code.redeemedBy = actual.entryId;
        this.redemptions.set(actual.entryId, org);
        this.events.push({ at: actual.at, kind: 'redeemed', org, supplier: code.supplier, currency, amount: code.amount });
        this.remember('redeem', org, key, fingerprint, actual);
      },
    };
  }

  spend(
    org: string,
    req: { location: string; currency: string; date: string; itemId: string; quantity: number; unitPrice: string },
    key: string,
  ): Prediction<Answer> {
    if (!validLocation(req.location)) return { expect: refuse('GW-CR-7006'), apply: noChange };
    if (MINOR_UNITS[req.currency] === undefined) return { expect: refuse('GW-CR-7001'), apply: noChange };
    if (!/^\d{4}-\d{2}-\d{2}$/.test(req.date) || new Date(`${req.date}T00:00:00Z`).toISOString().slice(0, 10) !== req.date) return { expect: refuse('GW-CR-7006'), apply: noChange };
    if (req.itemId.trim() === '' || req.itemId.length > 100) return { expect: refuse('GW-CR-7006'), apply: noChange };
    const price = parseMoney(req.unitPrice, req.currency);
    if (!price.ok) return { expect: refuse(price.code), apply: noChange };
    if (!Number.isInteger(req.quantity) || req.quantity < 1 || req.quantity > 100_000) return { expect: refuse('GW-CR-7005'), apply: noChange };
    const amount = price.minor * BigInt(req.quantity);
    const fingerprint = JSON.stringify(['spend', req.location, req.currency, req.date, req.itemId, req.quantity, price.minor.toString()]);
    const replayed = this.replay('spend', org, key, fingerprint);
    if (replayed) return replayed;
    const account = CreditModel.accountKey(org, req.location, req.currency);
    const before = this.accounts.get(account);
    if (before === undefined) return { expect: refuse('GW-CR-7029'), apply: noChange };
    if (before < amount) return { expect: refuse('GW-CR-7028'), apply: noChange };
    const value = {
      kind: 'spent',
      orgId: org,
      location: req.location,
      currency: req.currency,
      amount: fmt(amount, req.currency),
      balance: fmt(before - amount, req.currency),
      itemId: req.itemId,
      quantity: req.quantity,
      unitPrice: fmt(price.minor, req.currency),
      date: req.date,
    } as Answer;
    return {
      expect: { ok: true, value },
      apply: (actual) => {
        this.accounts.set(account, before - amount);
        this.spends.set(actual.entryId, { entryId: actual.entryId, org, account, currency: req.currency, amount, itemId: req.itemId, reverses: undefined, reversedBy: undefined });
        this.events.push({ at: actual.at, kind: 'spent', org, supplier: null, currency: req.currency, amount });
        this.remember('spend', org, key, fingerprint, actual);
      },
    };
  }

  reverse(org: string, entryId: string, key: string): Prediction<Answer> {
    const fingerprint = JSON.stringify(['reverse', entryId]);
    const replayed = this.replay('reverse', org, key, fingerprint);
    if (replayed) return replayed;
    const spend = this.spends.get(entryId);
    const redeemedBy = this.redemptions.get(entryId);
    if (spend === undefined && redeemedBy === undefined) return { expect: refuse('GW-CR-7033'), apply: noChange };
    if ((spend?.org ?? redeemedBy) !== org) return { expect: refuse('GW-CR-7033'), apply: noChange };
    if (!spend || spend.reverses !== undefined) return { expect: refuse('GW-CR-7026'), apply: noChange };
    if (spend.reversedBy !== undefined) return { expect: refuse('GW-CR-7027'), apply: noChange };
    const balance = this.accounts.get(spend.account)! + spend.amount;
    const location = spend.account.split('|')[1]!;
    const value = {
      kind: 'spent',
      orgId: org,
      location,
      currency: spend.currency,
      amount: fmt(-spend.amount, spend.currency),
      balance: fmt(balance, spend.currency),
      reverses: entryId,
      ...(spend.itemId ? { itemId: spend.itemId } : {}),
    } as Answer;
    return {
      expect: { ok: true, value },
      apply: (actual) => {
        this.accounts.set(spend.account, balance);
        spend.reversedBy = actual.entryId;
        this.spends.set(actual.entryId, { entryId: actual.entryId, org, account: spend.account, currency: spend.currency, amount: -spend.amount, itemId: spend.itemId, reverses: entryId, reversedBy: undefined });
        this.events.push({ at: actual.at, kind: 'spent', org, supplier: null, currency: spend.currency, amount: -spend.amount });
        this.remember('reverse', org, key, fingerprint, actual);
      },
    };
  }

  // -------------------------------------------------------------------------------------
  // Re-issue

  reissue(org: string, codeId: string): Prediction<{ codeId: string; code: string; state: string; amount: string; currency: string }> {
    const code = this.codeById.get(codeId);
    if (!code || code.org !== org) return { expect: refuse('GW-CR-7033'), apply: noChange };
    if (code.state !== 'issued') return { expect: refuse('GW-CR-7032'), apply: noChange };
    return {
      expect: { ok: true, value: { codeId, code: '(new)', state: 'issued', amount: fmt(code.amount, code.currency), currency: code.currency } },
      apply: (actual) => {
        const plain = canonicalCode(actual.code)!;
        this.retired.add(code.plain);
        this.codeByPlain.delete(code.plain);
        code.plain = plain;
        this.codeByPlain.set(plain, code);
      },
    };
  }

  // -------------------------------------------------------------------------------------
  // Positions and the report

  /** Per `${org}|${currency}`: codes in state issued (count and amount), and outstanding by the flows. */
  outstanding(): Map<string, { codes: number; codesMinor: bigint; byFlows: bigint }> {
    const out = new Map<string, { codes: number; codesMinor: bigint; byFlows: bigint }>();
    const at = (k: string) => {
      let v = out.get(k);
      if (!v) out.set(k, (v = { codes: 0, codesMinor: 0n, byFlows: 0n }));
      return v;
    };
    for (const c of this.codes) {
      if (c.state !== 'issued') continue;
      const v = at(`${c.org}|${c.currency}`);
      v.codes++;
      v.codesMinor += c.amount;
    }
    for (const e of this.events) {
      const sign = e.kind === 'issued' ? 1n : e.kind === 'spent' ? 0n : -1n;
      at(`${e.org}|${e.currency}`).byFlows += sign * e.amount;
    }
    return out;
  }
}

function formatAll(amounts: Record<string, bigint>): Record<string, string> {
  return Object.fromEntries(Object.entries(amounts).map(([c, m]) => [c, fmt(m, c)]));
}

function validLocation(location: string): boolean {
  return location.length >= 1 && location.length <= 64 && /^[A-Za-z0-9][A-Za-z0-9 ._@-]*$/.test(location);
}

// ---------------------------------------------------------------------------------------
// The report, computed from timed movements (the model's, or rows read with SQL)

export interface Movement {
  at: string;
  /** 'ordered' for an order line, else the entry's kind. */
  kind: FlowKind | 'ordered';
  currency: string;
  org: string;
  supplier: string | null;
  amount: bigint;
}

export const SUPPLIER_FIGURES = ['ordered', 'issued', 'redeemed', 'refunded', 'voided', 'outstanding'] as const;
export const ALL_FIGURES = ['ordered', 'issued', 'redeemed', 'spent', 'refunded', 'voided', 'outstanding', 'balance'] as const;
type SupplierSums = Record<(typeof SUPPLIER_FIGURES)[number], bigint>;
type AllSums = Record<(typeof ALL_FIGURES)[number], bigint>;

export interface ExpectedSupplier {
  supplierId: string;
  [figure: string]: string;
}

export interface ExpectedOrganisation {
  orgId: string;
  suppliers: ExpectedSupplier[];
  [figure: string]: string | ExpectedSupplier[];
}

export interface ExpectedSection {
  currency: string;
  totals: Record<string, string>;
  suppliers: ExpectedSupplier[];
  organisations: ExpectedOrganisation[];
}

/**
 * What the report must say for the period [fromAt, toAt): flows are sums of the movements
 * inside it, positions (outstanding, balance) sums of every movement before its end. Rows
 * whose figures are all zero are left out; sections and rows are sorted by their ids.
 */
export function expectedReport(movements: Movement[], fromAt: string, toAt: string): ExpectedSection[] {
  const byCurrency = new Map<string, Map<string, { suppliers: Map<string, SupplierSums>; spent: bigint; balance: bigint }>>();
  const orgOf = (currency: string, org: string) => {
    let orgs = byCurrency.get(currency);
    if (!orgs) byCurrency.set(currency, (orgs = new Map()));
    let o = orgs.get(org);
    if (!o) orgs.set(org, (o = { suppliers: new Map(), spent: 0n, balance: 0n }));
    return o;
  };
  const supplierOf = (currency: string, org: string, supplier: string) => {
    const o = orgOf(currency, org);
    let s = o.suppliers.get(supplier);
    if (!s) o.suppliers.set(supplier, (s = { ordered: 0n, issued: 0n, redeemed: 0n, refunded: 0n, voided: 0n, outstanding: 0n }));
    return s;
  };
  for (const m of movements) {
    if (m.at >= toAt) continue;
    const inPeriod = m.at >= fromAt;
    if (m.kind === 'spent') {
      const o = orgOf(m.currency, m.org);
      if (inPeriod) o.spent += m.amount;
      o.balance -= m.amount;
      continue;
    }
    const s = supplierOf(m.currency, m.org, m.supplier ?? '(none)');
    if (m.kind === 'ordered') {
      if (inPeriod) s.ordered += m.amount;
      continue;
    }
    if (inPeriod) s[m.kind] += m.amount;
    s.outstanding += m.kind === 'issued' ? m.amount : -m.amount;
    if (m.kind === 'redeemed') orgOf(m.currency, m.org).balance += m.amount;
  }
  const nonZero = (sums: Record<string, bigint>) => Object.values(sums).some((v) => v !== 0n);
  const text = <K extends string>(sums: Record<K, bigint>, keys: readonly K[], currency: string) =>
    Object.fromEntries(keys.map((k) => [k, fmt(sums[k], currency)])) as Record<K, string>;
  const sections: ExpectedSection[] = [];
  for (const currency of [...byCurrency.keys()].sort()) {
    const totals: AllSums = { ordered: 0n, issued: 0n, redeemed: 0n, spent: 0n, refunded: 0n, voided: 0n, outstanding: 0n, balance: 0n };
    const supplierTotals = new Map<string, SupplierSums>();
    const organisations: ExpectedSection['organisations'] = [];
    for (const [org, o] of [...byCurrency.get(currency)!].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const sums: AllSums = { ordered: 0n, issued: 0n, redeemed: 0n, spent: o.spent, refunded: 0n, voided: 0n, outstanding: 0n, balance: o.balance };
      const rows: ExpectedSection['suppliers'] = [];
      for (const [supplier, s] of [...o.suppliers].sort(([a], [b]) => (a < b ? -1 : 1))) {
        for (const k of SUPPLIER_FIGURES) sums[k] += s[k];
        if (!nonZero(s)) continue;
        let t = supplierTotals.get(supplier);
        if (!t) supplierTotals.set(supplier, (t = { ordered: 0n, issued: 0n, redeemed: 0n, refunded: 0n, voided: 0n, outstanding: 0n }));
        for (const k of SUPPLIER_FIGURES) t[k] += s[k];
        rows.push({ supplierId: supplier, ...text(s, SUPPLIER_FIGURES, currency) });
      }
      if (!nonZero(sums)) continue;
      for (const k of ALL_FIGURES) totals[k] += sums[k];
      organisations.push({ orgId: org, ...text(sums, ALL_FIGURES, currency), suppliers: rows });
    }
    if (organisations.length === 0) continue;
    sections.push({
      currency,
      totals: text(totals, ALL_FIGURES, currency),
      suppliers: [...supplierTotals]
        .filter(([, s]) => nonZero(s))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([supplier, s]) => ({ supplierId: supplier, ...text(s, SUPPLIER_FIGURES, currency) })),
      organisations,
    });
  }
  return sections;
}

/** The model's movements: order lines (ordered) and every ledger entry. */
export function modelMovements(model: CreditModel): Movement[] {
  return [
    ...model.ordered.map((o): Movement => ({ at: o.at, kind: 'ordered', currency: o.currency, org: o.org, supplier: o.supplier, amount: o.amount })),
    ...model.events.map((e): Movement => ({ at: e.at, kind: e.kind, currency: e.currency, org: e.org, supplier: e.supplier, amount: e.amount })),
  ];
}
