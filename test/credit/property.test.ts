// Volume credit, property-based: a seeded random sequence of operations (orders, returns,
// voids, redemptions, spends, reversals, re-issues, idempotent retries) over three
// organisations, two suppliers, currencies of 0, 2 and 3 decimals and several locations,
// each operation one call, each answer checked against an in-memory reference model
// (test/credit/model.ts). Afterwards the ledger must agree with itself (balances with
// entries, outstanding credit with the codes), with the model, and the reconciliation
// report must say exactly what SQL sums over the tables and the model say, for the whole
// period and for parts of it.
//
// A failure names the seed and the operation: CREDIT_SEED=<seed> replays the same run,
// CREDIT_OPS=<n> sets its length.
import { expect } from 'chai';
import type { Knex } from 'knex';
import {
  applyOrderCredit,
  listCodes,
  recordSpend,
  redeemCode,
  reissueCode,
  reverseSpend,
  type CreditSettings,
  type EntryResult,
  type OrderCreditOutcome,
  type CodeListing,
  type OrgRef,
} from '../../src/credit/ledger.js';
import { newRedemptionCode } from '../../src/credit/codes.js';
import type { Checked } from '../../src/domain/credit.js';
import type { Organisation, Supplier } from '../../src/model/state.js';
import type { CreditLine, PurchaseOrder } from '../../src/model/documents.js';
import { creditReport, type CreditReport } from '../../src/reports/credit.js';
import { heldByOrganisation, toMinor } from '../../src/store/credit.js';
import { loadOrganisations } from '../../src/store/organisations.js';
import { findSupplier } from '../../src/store/suppliers.js';
import { databaseKind, sampleDatabase, TEST_ACTOR, type TestDb } from '../support/db.js';
import { testCreditSettings } from '../support/credit.js';
import { random } from '../support/read-items.js';
import {
  canonicalCode,
  CreditModel,
  expectedReport,
  fmt,
  MINOR_UNITS,
  modelMovements,
  type Answer,
  type ExpectedSection,
  type ModelCode,
  type Movement,
  type OrderLineInput,
  type Prediction,
} from './model.js';

const SEED = Number(process.env.CREDIT_SEED ?? 20261121);
const OPS = Number(process.env.CREDIT_OPS ?? 3000);

const ORGS = ['19827', '55120', '30411'] as const;
const SUPPLIERS = ['16FCE4A0', '2B7D9C10'] as const;
const CURRENCIES = ['JPY', 'USD', 'KWD'] as const;
const LOCATIONS = ['Main Library', 'north-campus', 'HQ.3', 'lab@west'];
const PARTS = ['D6701Z/A', 'D6702Z/A', 'VPP-BOOKS'];
const DAY_MS = 24 * 60 * 60 * 1000;

// Limits low enough that the random run meets them: per order, and per organisation.
const PER_ORDER = { JPY: '30000', USD: '300.00', KWD: '90.000' };
const PER_ORGANISATION = { JPY: '600000', USD: '6000.00', KWD: '1800.000' };
/** Largest random unit amount, in minor units. */
const MAX_UNIT: Record<string, number> = { JPY: 5000, USD: 5000, KWD: 15000 };

const ACCEPTED = Object.fromEntries(ORGS.map((o) => [o, [...CURRENCIES]]));

class Rollback extends Error {
  constructor(readonly result: Checked<OrderCreditOutcome>) {
    super('refused: rolled back');
  }
}

interface KeyedCall {
  op: 'redeem' | 'spend' | 'reverse';
  org: string;
  key: string;
  args: RedeemArgs | SpendArgs | ReverseArgs;
}
interface RedeemArgs {
  location: string;
  currency: string;
  code: string;
}
interface SpendArgs {
  location: string;
  currency: string;
  date: string;
  itemId: string;
  quantity: number;
  unitPrice: string;
}
interface ReverseArgs {
  entryId: string;
}

describe(`volume credit: ${OPS} random operations against a reference model (${databaseKind()})`, function () {
  this.timeout(240000);
  const settings: CreditSettings = testCreditSettings({ acceptedCurrencies: ACCEPTED, perOrderLimit: PER_ORDER, perOrganisationLimit: PER_ORGANISATION });
  const model = new CreditModel({
    accepted: { '19827': ['USD', 'JPY', 'KWD'], '55120': ['EUR', 'JPY', 'USD', 'KWD'], '30411': ['JPY', 'USD', 'KWD'] },
    perOrder: Object.fromEntries(Object.entries(PER_ORDER).map(([c, v]) => [c, minorOf(v, c)])),
    perOrganisation: Object.fromEntries(Object.entries(PER_ORGANISATION).map(([c, v]) => [c, minorOf(v, c)])),
  });
  let t: TestDb;
  const orgs = new Map<string, Organisation>();
  const suppliers = new Map<string, Supplier>();
  let runStart = 0;
  let finished = false;

  before(async function () {
    t = await sampleDatabase();
    for (const o of await loadOrganisations(t.db, { orgIds: [...ORGS], appleCustomerNumbers: [] })) orgs.set(o.orgId, o);
    for (const id of SUPPLIERS) suppliers.set(id, (await findSupplier(t.db, id))!);
    expect(orgs.size).to.equal(3);
  });
  after(async () => t?.close());

  const ref = (org: string): OrgRef => ({ pk: orgs.get(org)!.pk, orgId: org });

  async function orderCredit(db: Knex, supplier: string, org: string, po: PurchaseOrder, now: string): Promise<Checked<OrderCreditOutcome>> {
    try {
      return await db.transaction(async (trx) => {
        const r = await applyOrderCredit(trx, settings, { supplier: suppliers.get(supplier)!, org: orgs.get(org)!, po, documentPk: null, actor: 'property-test', now });
        // A refused document changes nothing: the caller rolls its transaction back.
        if (!r.ok) throw new Rollback(r);
        return r;
      });
    } catch (e) {
      if (e instanceof Rollback) return e.result;
      throw e;
    }
  }

  it('answers every operation as the model does', async function () {
    const rnd = random(SEED);
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    const chance = (p: number) => rnd() < p;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const otherThan = <T>(xs: readonly T[], x: T): T => pick(xs.filter((y) => y !== x));

    runStart = Date.now();
    const clockStart = runStart - 20 * DAY_MS;
    const orderTime = (i: number) => new Date(clockStart + Math.floor((i * 19 * DAY_MS) / OPS)).toISOString();
    const stats = new Map<string, number>();
    const count = (what: string) => stats.set(what, (stats.get(what) ?? 0) + 1);
    const done: KeyedCall[] = [];
    const entryIds = new Set<string>();
    const disagreements: string[] = [];
    let orderSeq = 0;
    let keySeq = 0;
    const newKey = () => `k-${SEED}-${++keySeq}`;

    /**
     * Compares an answer with the model's prediction; on success moves the model. A refusal
     * where the model expected something else is noted and the run goes on: a refused
     * operation changes nothing, so the model (not moved) and the ledger still agree. Any
     * other disagreement stops the run at once.
     */
    function check<T>(label: string, actual: Checked<T> | { ok: true; value: T }, prediction: Prediction<T>, compare: (a: T, e: T) => void): boolean {
      const { expect: expected } = prediction;
      const kind = label.split(' ')[1];
      if (!actual.ok) {
        const got = (actual as { error: { code: string; params?: unknown } }).error;
        if (expected.ok || expected.code !== got.code) {
          disagreements.push(`${label}: expected ${expected.ok ? `success ${JSON.stringify(expected.value)}` : expected.code}, got ${got.code} ${JSON.stringify(got.params ?? {})}`);
          count(`${kind} DISAGREES`);
          return false;
        }
        count(`${kind} ${got.code}`);
        return false;
      }
      if (!expected.ok) expect.fail(`${label}: expected refusal ${expected.code}, got ${JSON.stringify(actual)}`);
      const value = (actual as { ok: true; value: T }).value;
      compare(value, (expected as { ok: true; value: T }).value);
      prediction.apply(value);
      count(`${kind} ok`);
      return true;
    }

    function compareAnswer(label: string) {
      return (actual: EntryResult, expected: Answer) => {
        if ((expected as Partial<Answer>).entryId !== undefined) {
          // A replay: the first answer, word for word.
          expect(actual, `${label}: replay`).to.deep.equal(expected);
          return;
        }
        const { entryId, at, ...rest } = actual;
        expect(entryId, `${label}: entry id`).to.match(/^cre_[0-9a-f-]{36}$/);
        expect(entryIds.has(entryId), `${label}: entry id ${entryId} answered before`).to.equal(false);
        entryIds.add(entryId);
        expect(Date.parse(at), `${label}: at ${at}`).to.be.within(runStart - 1000, Date.now() + 1000);
        expect(rest, label).to.deep.equal({ ...expected, replayed: false });
      };
    }

    // -- the operations ------------------------------------------------------------------

    const amountText = (minor: bigint, currency: string): string => {
      const text = fmt(minor, currency);
      // Sometimes written without trailing zeros ("12.5", "12"): the same amount.
      return chance(0.2) && text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
    };

    function randomLine(lineNumber: string): OrderLineInput {
      const currency = pick(CURRENCIES);
      const quantity = int(1, 5);
      const unit = BigInt(int(1, MAX_UNIT[currency]!));
      const line: OrderLineInput = { lineNumber, partNumber: pick(PARTS), amount: amountText(unit * BigInt(quantity), currency), currency, quantity };
      if (chance(0.015)) {
        // A line the rules refuse.
        switch (int(0, 4)) {
          case 0:
            line.amount = `${fmt(unit * BigInt(quantity), currency)}${currency === 'JPY' ? '.5' : '1'}`; // too many decimals
            break;
          case 1:
            line.quantity = Math.max(2, quantity);
            line.amount = fmt(unit * BigInt(line.quantity) + 1n, currency); // does not divide
            break;
          case 2:
            line.currency = 'EUR'; // 55120 (DE) accepts it but no limit is set; the others do not accept it
            line.amount = '100.00';
            line.quantity = 1;
            break;
          case 3:
            line.quantity = 0;
            break;
          default:
            line.amount = currency === 'JPY' ? '0' : '0.00';
        }
      }
      return line;
    }

    const po = (orderNumber: string, orderType: 'OR' | 'RE' | 'VD', org: string, lines: OrderLineInput[]): PurchaseOrder => ({
      orderNumber,
      orderType,
      orderDate: '2026-11-02T00:00:00Z',
      customerId: org,
      lines: lines.map((l): CreditLine => ({ type: 'credit', ...l })),
    });

    async function opOrder(i: number) {
      const supplier = pick(SUPPLIERS);
      const org = pick(ORGS);
      let orderNumber = `PO-${++orderSeq}`;
      // Sometimes the other supplier's order number: order numbers are per supplier.
      const others = [...model.orders.values()].filter((o) => o.supplier !== supplier && !model.orders.has(`${supplier}|${o.orderNumber}`));
      if (others.length > 0 && chance(0.08)) orderNumber = pick(others).orderNumber;
      const lines = Array.from({ length: int(1, 3) }, (_, k) => randomLine(String((k + 1) * (chance(0.2) ? 10 : 1))));
      const now = orderTime(i);
      const label = `#${i} order OR ${supplier} ${orderNumber} for ${org}: ${JSON.stringify(lines)}`;
      const prediction = model.order(supplier, org, orderNumber, lines, now);
      const actual = await orderCredit(t.db, supplier, org, po(orderNumber, 'OR', org, lines), now);
      if (check(label, actual, prediction, (a, e) => expect(a, label).to.deep.equal(e)) && (actual as { value: OrderCreditOutcome }).value.issued > 0) {
        await bind(label, supplier, org, orderNumber);
      }
    }

    async function bind(label: string, supplier: string, org: string, orderNumber: string) {
      const listed = await listCodes(t.db, settings, { org: ref(org), orderNumber, actor: TEST_ACTOR, limit: 10000 });
      const fresh = listed.filter((c) => c.supplierId === supplier && !model.codeById.has(c.codeId));
      for (const c of fresh) expect(c.code, `${label}: new code ${c.codeId} shown`).to.be.a('string');
      const problems = model.bindCodes(
        supplier,
        orderNumber,
        fresh.map((c) => ({ codeId: c.codeId, code: c.code!, line: c.line, unit: c.unit, amount: c.amount, currency: c.currency, state: c.state })),
      );
      expect(problems, label).to.deep.equal([]);
    }

    async function opResend(i: number) {
      const orders = [...model.orders.values()];
      if (orders.length === 0) return opOrder(i);
      const order = pick(orders);
      let lines = order.sent.map((l) => ({ ...l }));
      if (chance(0.3)) {
        const l = pick(lines);
        l.partNumber = otherThan(PARTS, l.partNumber); // a changed line: refused
      }
      if (chance(0.2)) lines = [...lines, randomLine('77')]; // and a line added
      const now = orderTime(i);
      const label = `#${i} resend OR ${order.supplier} ${order.orderNumber}: ${JSON.stringify(lines)}`;
      const prediction = model.order(order.supplier, order.org, order.orderNumber, lines, now);
      const actual = await orderCredit(t.db, order.supplier, order.org, po(order.orderNumber, 'OR', order.org, lines), now);
      if (check(label, actual, prediction, (a, e) => expect(a, label).to.deep.equal(e)) && (actual as { value: OrderCreditOutcome }).value.issued > 0) {
        await bind(label, order.supplier, order.org, order.orderNumber);
      }
    }

    async function opReturn(i: number) {
      const lines = [...model.lines.values()];
      if (lines.length === 0) return opOrder(i);
      const line = pick(lines);
      const left = line.codes.filter((c) => c.state === 'issued').length;
      const r = rnd();
      let k = int(1, Math.max(1, left));
      let lineNumber = line.lineNumber;
      let currency = line.currency;
      let amountMinor = line.unitMinor * BigInt(k);
      if (r < 0.1) {
        k = left + int(1, 2); // more than is left
        amountMinor = line.unitMinor * BigInt(k);
      } else if (r < 0.17) amountMinor = (line.unitMinor + 1n) * BigInt(k); // not what the units are worth
      else if (r < 0.22) lineNumber = '99'; // no such line
      let amount = fmt(amountMinor, currency);
      if (r >= 0.22 && r < 0.27) {
        currency = otherThan(CURRENCIES, line.currency); // the line was sold in another currency
        k = 1;
        amount = '1';
      }
      const reLines: OrderLineInput[] = [{ lineNumber, partNumber: line.partNumber, amount, currency, quantity: k }];
      const order = model.orders.get(`${line.supplier}|${line.orderNumber}`)!;
      const second = order.lines.find((l) => l !== line);
      if (second && chance(0.15)) {
        const left2 = second.codes.filter((c) => c.state === 'issued').length;
        const k2 = chance(0.7) ? int(1, Math.max(1, left2)) : left2 + 1;
        reLines.push({ lineNumber: second.lineNumber, partNumber: second.partNumber, amount: fmt(second.unitMinor * BigInt(k2), second.currency), currency: second.currency, quantity: k2 });
      }
      const now = orderTime(i);
      const label = `#${i} return RE ${line.supplier} ${line.orderNumber} for ${line.org}: ${JSON.stringify(reLines)}`;
      const prediction = model.returnUnits(line.supplier, line.org, line.orderNumber, reLines, now);
      const actual = await orderCredit(t.db, line.supplier, line.org, po(line.orderNumber, 'RE', line.org, reLines), now);
      check(label, actual, prediction, (a, e) => expect(a, label).to.deep.equal(e));
    }

    async function opVoid(i: number) {
      const orders = [...model.orders.values()];
      let supplier: string = pick(SUPPLIERS);
      let org: string = pick(ORGS);
      let orderNumber = `PO-NONE-${i}`;
      if (orders.length > 0 && chance(0.9)) {
        const order = pick(orders);
        ({ supplier, org, orderNumber } = order);
      }
      const now = orderTime(i);
      const label = `#${i} void VD ${supplier} ${orderNumber} for ${org}`;
      const prediction = model.voidOrder(supplier, org, orderNumber, now);
      const actual = await orderCredit(t.db, supplier, org, po(orderNumber, 'VD', org, []), now);
      check(label, actual, prediction, (a, e) => expect(a, label).to.deep.equal(e));
    }

    /** A code as a person might type it: grouped, lower case, without dashes. */
    function typed(plain: string): string {
      const grouped = `${plain.slice(0, 5)}-${plain.slice(5, 10)}-${plain.slice(10, 15)}-${plain.slice(15)}`;
      const r = rnd();
      if (r < 0.7) return grouped;
      if (r < 0.8) return grouped.toLowerCase();
      if (r < 0.9) return plain;
      return grouped.replace(/-/g, ' ');
    }

    /** A key: new, or one another organisation (or another operation) used already. */
    function keyFor(op: KeyedCall['op'], org: string): string {
      if (done.length > 0 && chance(0.05)) {
        const foreign = done.filter((d) => d.org !== org || d.op !== op);
        if (foreign.length > 0) return pick(foreign).key;
      }
      return newKey();
    }

    async function callKeyed(call: KeyedCall): Promise<Checked<EntryResult>> {
      const org = ref(call.org);
      if (call.op === 'redeem') {
        const a = call.args as RedeemArgs;
        return redeemCode(t.db, { org, location: a.location, currency: a.currency, code: a.code, idempotencyKey: call.key, actor: TEST_ACTOR });
      }
      if (call.op === 'spend') {
        const a = call.args as SpendArgs;
        return recordSpend(t.db, { org, ...a, idempotencyKey: call.key, actor: TEST_ACTOR });
      }
      const a = call.args as ReverseArgs;
      return reverseSpend(t.db, { org, entryId: a.entryId, idempotencyKey: call.key, actor: TEST_ACTOR });
    }

    function predictKeyed(call: KeyedCall): Prediction<Answer> {
      if (call.op === 'redeem') {
        const a = call.args as RedeemArgs;
        return model.redeem(call.org, a.location, a.currency, a.code, call.key);
      }
      if (call.op === 'spend') return model.spend(call.org, call.args as SpendArgs, call.key);
      return model.reverse(call.org, (call.args as ReverseArgs).entryId, call.key);
    }

    async function runKeyed(i: number, what: string, call: KeyedCall) {
      const label = `#${i} ${what} ${call.org} key ${call.key}: ${JSON.stringify(call.args)}`;
      const prediction = predictKeyed(call);
      const actual = await callKeyed(call);
      const isReplay = prediction.expect.ok && (prediction.expect.value as Partial<Answer>).entryId !== undefined;
      if (check(label, actual, prediction as Prediction<EntryResult>, compareAnswer(label) as (a: EntryResult, e: EntryResult) => void) && !isReplay) done.push(call);
    }

    async function opRedeem(i: number) {
      let code: ModelCode | undefined;
      const issued = model.codes.filter((c) => c.state === 'issued');
      const r = rnd();
      let text: string;
      if (r < 0.03) text = newRedemptionCode(); // unknown
      else if (r < 0.04) text = 'NOT-A-CODE';
      else if (r < 0.06 && model.retired.size > 0) text = typed(pick([...model.retired]));
      else {
        code = issued.length > 0 && r < 0.85 ? pick(issued) : model.codes.length > 0 ? pick(model.codes) : undefined;
        if (!code) return opOrder(i);
        text = typed(code.plain);
      }
      const org = code && chance(0.92) ? code.org : pick(ORGS);
      const currency = code && chance(0.93) ? code.currency : pick(CURRENCIES);
      const location = chance(0.01) ? 'no/slash' : pick(LOCATIONS);
      await runKeyed(i, 'redeem', { op: 'redeem', org, key: keyFor('redeem', org), args: { location, currency, code: text } });
    }

    async function opSpend(i: number) {
      const org = pick(ORGS);
      const accounts = [...model.accounts.entries()].filter(([k]) => k.startsWith(`${org}|`));
      const funded = accounts.filter(([, b]) => b > 0n);
      let location = pick(LOCATIONS);
      let currency: string = pick(CURRENCIES);
      let balance: bigint;
      const r = rnd();
      const chosen = r < 0.8 && funded.length > 0 ? pick(funded) : r < 0.93 && accounts.length > 0 ? pick(accounts) : undefined;
      if (chosen) [location, currency] = chosen[0].split('|').slice(1) as [string, string];
      // Otherwise a random location and currency: often an account that does not exist.
      balance = model.accounts.get(CreditModel.accountKey(org, location, currency)) ?? 0n;
      const quantity = chance(0.7) ? 1 : int(2, 4);
      const most = balance / BigInt(quantity);
      let unit: bigint;
      if (most >= 1n && chance(0.85)) unit = BigInt(int(1, Number(most > 20000n ? 20000n : most)));
      else unit = most + BigInt(int(1, 500)); // more than the balance
      let unitPrice = amountText(unit, currency);
      if (chance(0.01)) unitPrice = `${fmt(unit, currency)}${currency === 'JPY' ? '.1' : '9'}`; // too many decimals
      const args: SpendArgs = { location, currency, date: `2026-11-${String(int(1, 20)).padStart(2, '0')}`, itemId: `app-${int(1, 60)}`, quantity, unitPrice };
      await runKeyed(i, 'spend', { op: 'spend', org, key: keyFor('spend', org), args });
    }

    async function opReverse(i: number) {
      const spends = [...model.spends.values()];
      const r = rnd();
      let org: string = pick(ORGS);
      let entryId: string;
      const open = spends.filter((s) => s.reverses === undefined && s.reversedBy === undefined);
      if (r < 0.72 && open.length > 0) {
        const s = pick(open);
        [org, entryId] = [s.org, s.entryId];
      } else if (r < 0.84 && spends.some((s) => s.reversedBy)) {
        const s = pick(spends.filter((x) => x.reversedBy));
        [org, entryId] = [s.org, s.entryId]; // already reversed
      } else if (r < 0.9 && spends.some((s) => s.reverses)) {
        const s = pick(spends.filter((x) => x.reverses));
        [org, entryId] = [s.org, s.entryId]; // a reversal
      } else if (r < 0.95 && model.redemptions.size > 0) {
        const [id, o] = pick([...model.redemptions]);
        [org, entryId] = [o, id]; // not a spend
      } else if (r < 0.98 && spends.length > 0) {
        const s = pick(spends);
        [org, entryId] = [otherThan(ORGS, s.org), s.entryId]; // another organisation's
      } else entryId = `cre_00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      await runKeyed(i, 'reverse', { op: 'reverse', org, key: keyFor('reverse', org), args: { entryId } });
    }

    async function opRetry(i: number, same: boolean) {
      if (done.length === 0) return opSpend(i);
      const first = pick(done);
      if (same) return runKeyed(i, 'retry-same', first);
      let args: KeyedCall['args'];
      if (first.op === 'redeem') {
        const a = first.args as RedeemArgs;
        args = chance(0.5) || model.codes.length < 2 ? { ...a, location: otherThan(LOCATIONS, a.location) } : { ...a, code: typed(pick(model.codes).plain) };
      } else if (first.op === 'spend') {
        const a = first.args as SpendArgs;
        args = chance(0.5) ? { ...a, itemId: `${a.itemId}-b` } : { ...a, quantity: a.quantity + 1 };
      } else {
        const ids = [...model.spends.keys()];
        args = { entryId: otherThan(ids, (first.args as ReverseArgs).entryId) ?? 'cre_none' };
      }
      return runKeyed(i, 'retry-changed', { ...first, args });
    }

    async function opReissue(i: number) {
      if (model.codes.length === 0) return opOrder(i);
      const issued = model.codes.filter((c) => c.state === 'issued');
      const code = issued.length > 0 && chance(0.75) ? pick(issued) : pick(model.codes);
      const org = chance(0.85) ? code.org : otherThan(ORGS, code.org);
      const label = `#${i} reissue ${org} ${code.codeId} (${code.state}, of ${code.org})`;
      const old = code.plain;
      const prediction = model.reissue(org, code.codeId) as unknown as Prediction<CodeListing>;
      const actual = await reissueCode(t.db, settings, { org: ref(org), codeId: code.codeId, actor: TEST_ACTOR });
      check(label, actual, prediction, (a, e) => {
        expect({ codeId: a.codeId, state: a.state, amount: a.amount, currency: a.currency }, label).to.deep.equal({ codeId: e.codeId, state: e.state, amount: e.amount, currency: e.currency });
        const plain = canonicalCode(a.code ?? '');
        expect(plain, `${label}: new code`).to.be.a('string');
        expect(plain, `${label}: new code differs`).to.not.equal(old);
      });
    }

    const table: [number, (i: number) => Promise<void>][] = [
      [20, opOrder],
      [3, opResend],
      [8, opReturn],
      [3, opVoid],
      [26, opRedeem],
      [22, opSpend],
      [7, opReverse],
      [6, (i) => opRetry(i, true)],
      [3, (i) => opRetry(i, false)],
      [2, opReissue],
    ];
    const weight = table.reduce((s, [w]) => s + w, 0);
    for (let i = 0; i < OPS; i++) {
      let x = rnd() * weight;
      const [, op] = table.find(([w]) => (x -= w) < 0) ?? table[0]!;
      try {
        await op(i);
      } catch (e) {
        (e as Error).message = `seed ${SEED}, ${(e as Error).message}`;
        throw e;
      }
    }
    const elapsed = Date.now() - runStart;
    console.log(`      seed ${SEED}: ${OPS} operations in ${(elapsed / 1000).toFixed(1)} s (${databaseKind()})`);
    console.log(
      `      outcomes: ${[...stats]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
    finished = true;
    expect(disagreements.length, `seed ${SEED}: ${disagreements.length} answers refused where the model expected otherwise:\n${disagreements.slice(0, 20).join('\n')}`).to.equal(0);
  });

  // ---------------------------------------------------------------------------------------

  /** Signed sums of entries per account, by SQL. */
  async function entrySumsByAccount(): Promise<Map<number, bigint>> {
    const rows = (await t
      .db('credit_entries')
      .whereNotNull('account_pk')
      .groupBy('account_pk')
      .select('account_pk', t.db.raw("CAST(SUM(CASE WHEN kind = 'redeemed' THEN amount_minor WHEN kind = 'spent' THEN -amount_minor ELSE 0 END) AS TEXT) AS s"))) as {
      account_pk: number;
      s: unknown;
    }[];
    return new Map(rows.map((r) => [Number(r.account_pk), toMinor(r.s)]));
  }

  it('keeps every balance equal to its entries and to the model; none negative', async function () {
    if (!finished) throw new Error('the random run stopped early (see the failure above): these checks need its end state');
    const accounts = (await t.db('credit_accounts as a').join('organisations as o', 'o.id', 'a.org_pk').select('a.id', 'a.location', 'a.currency', 'a.balance_minor', 'o.org_id')) as {
      id: number;
      location: string;
      currency: string;
      balance_minor: unknown;
      org_id: string;
    }[];
    const sums = await entrySumsByAccount();
    const seen = new Set<string>();
    for (const a of accounts) {
      const key = CreditModel.accountKey(a.org_id, a.location, a.currency);
      const balance = toMinor(a.balance_minor);
      expect(balance >= 0n, `${key}: ${balance}`).to.equal(true);
      expect(sums.get(Number(a.id)) ?? 0n, `${key}: entries`).to.equal(balance);
      expect(model.accounts.get(key), `${key}: model`).to.equal(balance);
      seen.add(key);
    }
    expect([...model.accounts.keys()].filter((k) => !seen.has(k)), 'accounts the model has and the database not').to.deep.equal([]);
    const negative = (await t.db('credit_accounts').where('balance_minor', '<', 0).count({ n: '*' })) as { n: unknown }[];
    expect(Number(negative[0]!.n)).to.equal(0);
  });

  it('keeps outstanding credit (issued - redeemed - refunded - voided) equal to the unredeemed codes and to the model', async function () {
    if (!finished) throw new Error('the random run stopped early (see the failure above): these checks need its end state');
    const byKind = (await t
      .db('credit_entries as e')
      .join('organisations as o', 'o.id', 'e.org_pk')
      .groupBy('o.org_id', 'e.currency', 'e.kind')
      .select('o.org_id', 'e.currency', 'e.kind', t.db.raw('CAST(SUM(e.amount_minor) AS TEXT) AS s'), t.db.raw('COUNT(*) AS n'))) as {
      org_id: string;
      currency: string;
      kind: string;
      s: unknown;
      n: unknown;
    }[];
    const codes = (await t
      .db('credit_codes as c')
      .join('organisations as o', 'o.id', 'c.org_pk')
      .where('c.state', 'issued')
      .groupBy('o.org_id', 'c.currency')
      .select('o.org_id', 'c.currency', t.db.raw('CAST(SUM(c.amount_minor) AS TEXT) AS s'), t.db.raw('COUNT(*) AS n'))) as { org_id: string; currency: string; s: unknown; n: unknown }[];
    const expected = model.outstanding();
    const keys = new Set([...expected.keys(), ...byKind.map((r) => `${r.org_id}|${r.currency}`), ...codes.map((r) => `${r.org_id}|${r.currency}`)]);
    for (const key of keys) {
      const [org, currency] = key.split('|') as [string, string];
      const sum = (kind: string) => toMinor(byKind.find((r) => r.org_id === org && r.currency === currency && r.kind === kind)?.s);
      const outstanding = sum('issued') - sum('redeemed') - sum('refunded') - sum('voided');
      const c = codes.find((r) => r.org_id === org && r.currency === currency);
      const m = expected.get(key) ?? { codes: 0, codesMinor: 0n, byFlows: 0n };
      expect(outstanding, `${key}: outstanding by entries vs model`).to.equal(m.byFlows);
      expect(toMinor(c?.s), `${key}: unredeemed codes' amount`).to.equal(outstanding);
      expect(Number(c?.n ?? 0), `${key}: unredeemed codes`).to.equal(m.codes);
      expect(m.codesMinor, `${key}: model codes vs model flows`).to.equal(m.byFlows);
      // What the organisation holds, against its limit.
      expect(await heldByOrganisation(t.db, orgs.get(org)!.pk, currency), `${key}: held`).to.equal(model.held(org, currency));
    }
    // Entry counts by kind, and every code's state.
    const counts: Record<string, number> = {};
    for (const r of byKind) counts[r.kind] = (counts[r.kind] ?? 0) + Number(r.n);
    const modelCounts: Record<string, number> = {};
    for (const e of model.events) modelCounts[e.kind] = (modelCounts[e.kind] ?? 0) + 1;
    expect(counts, 'entries by kind').to.deep.equal(modelCounts);
    const states = (await t.db('credit_codes').select('code_id', 'state')) as { code_id: string; state: string }[];
    expect(states.length, 'codes').to.equal(model.codes.length);
    for (const s of states) expect(s.state, `code ${s.code_id}`).to.equal(model.codeById.get(s.code_id)?.state);
  });

  /** Movements by SQL sums: per group, what falls in the period (at fromAt) and what came before it. */
  async function sqlMovements(fromAt: string, toAt: string): Promise<Movement[]> {
    const out: Movement[] = [];
    const ordered = (await t
      .db('credit_order_lines as l')
      .join('organisations as o', 'o.id', 'l.org_pk')
      .join('suppliers as s', 's.id', 'l.supplier_pk')
      .where('l.ordered_at', '>=', fromAt)
      .andWhere('l.ordered_at', '<', toAt)
      .groupBy('l.currency', 'o.org_id', 's.supplier_id')
      .select('l.currency', 'o.org_id', 's.supplier_id', t.db.raw('CAST(SUM(l.amount_minor) AS TEXT) AS s'))) as { currency: string; org_id: string; supplier_id: string; s: unknown }[];
    for (const r of ordered) out.push({ at: fromAt, kind: 'ordered', currency: r.currency, org: r.org_id, supplier: r.supplier_id, amount: toMinor(r.s) });
    const sums = async (from: string | null) => {
      let q = t
        .db('credit_entries as e')
        .join('organisations as o', 'o.id', 'e.org_pk')
        .leftJoin('suppliers as s', 's.id', 'e.supplier_pk')
        .where('e.at', '<', toAt);
      if (from !== null) q = q.andWhere('e.at', '>=', from);
      return (await q
        .groupBy('e.currency', 'o.org_id', 's.supplier_id', 'e.kind')
        .select('e.currency', 'o.org_id', 's.supplier_id', 'e.kind', t.db.raw('CAST(SUM(e.amount_minor) AS TEXT) AS s'))) as {
        currency: string;
        org_id: string;
        supplier_id: string | null;
        kind: Movement['kind'];
        s: unknown;
      }[];
    };
    const inPeriod = await sums(fromAt);
    const upToEnd = await sums(null);
    for (const r of upToEnd) {
      const flow = toMinor(inPeriod.find((p) => p.currency === r.currency && p.org_id === r.org_id && p.supplier_id === r.supplier_id && p.kind === r.kind)?.s);
      const base = { kind: r.kind, currency: r.currency, org: r.org_id, supplier: r.supplier_id };
      out.push({ ...base, at: fromAt, amount: flow });
      out.push({ ...base, at: '0000-00-00T00:00:00.000Z', amount: toMinor(r.s) - flow });
    }
    return out;
  }

  /** The report without names and minor units: what the figures are. */
  function figuresOf(report: CreditReport): ExpectedSection[] {
    return report.currencies.map((c) => ({
      currency: c.currency,
      totals: { ...c.totals },
      suppliers: c.suppliers.map(({ name, ...s }) => (void name, s)),
      organisations: c.organisations.map(({ name, suppliers: rows, ...o }) => (void name, { ...o, suppliers: rows.map(({ name: n, ...s }) => (void n, s)) })),
    })) as unknown as ExpectedSection[];
  }

  it('reports exactly what SQL sums and the model say, for the whole period, parts of it and filtered, with no mismatch', async function () {
    if (!finished) throw new Error('the random run stopped early (see the failure above): these checks need its end state');
    const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const start = runStart - 21 * DAY_MS;
    const end = Date.now() + DAY_MS;
    const mid = runStart - 10 * DAY_MS;
    const periods: { from: string; to: string; currency?: string; orgId?: string; name: string }[] = [
      { name: 'everything', from: date(start), to: date(end) },
      { name: 'the first half (orders only)', from: date(start), to: date(mid) },
      { name: 'the second half', from: date(mid + DAY_MS), to: date(end) },
      { name: 'one day', from: date(start + 6 * DAY_MS), to: date(start + 6 * DAY_MS) },
      { name: 'before anything', from: '2020-01-01', to: '2020-01-31' },
      { name: 'KWD of 55120', from: date(start), to: date(end), currency: 'KWD', orgId: '55120' },
      { name: 'USD', from: date(start), to: date(end), currency: 'USD' },
      { name: 'organisation 30411, second half', from: date(mid + DAY_MS), to: date(end), orgId: '30411' },
    ];
    const movements = modelMovements(model);
    let sections = 0;
    for (const p of periods) {
      const fromAt = `${p.from}T00:00:00.000Z`;
      const toAt = new Date(Date.parse(`${p.to}T00:00:00.000Z`) + DAY_MS).toISOString();
      const keep = (m: Movement) => (p.currency === undefined || m.currency === p.currency) && (p.orgId === undefined || m.org === p.orgId);
      const fromModel = expectedReport(movements.filter(keep), fromAt, toAt);
      const fromSql = expectedReport((await sqlMovements(fromAt, toAt)).filter(keep), fromAt, toAt);
      expect(fromSql, `${p.name}: SQL sums vs model`).to.deep.equal(fromModel);
      const result = await creditReport(t.db, { from: p.from, to: p.to, ...(p.currency ? { currency: p.currency } : {}), ...(p.orgId ? { orgId: p.orgId } : {}) });
      expect(result.ok, JSON.stringify(result)).to.equal(true);
      const report = (result as { ok: true; report: CreditReport }).report;
      expect(report.mismatchCounts, `${p.name}: mismatch counts`).to.deep.equal({ ordered_not_issued: 0, code_unredeemed_past_window: 0, balance_mismatch: 0 });
      expect(report.mismatches, `${p.name}: mismatches`).to.deep.equal([]);
      const figures = figuresOf(report);
      for (const [i, section] of fromModel.entries()) {
        expect(figures[i]?.currency, `${p.name}: currencies`).to.equal(section.currency);
        expect(figures[i]!.totals, `${p.name}: ${section.currency} totals`).to.deep.equal(section.totals);
        expect(figures[i]!.suppliers, `${p.name}: ${section.currency} suppliers`).to.deep.equal(section.suppliers);
        for (const [j, org] of section.organisations.entries()) {
          expect(figures[i]!.organisations[j], `${p.name}: ${section.currency} organisation ${org.orgId}`).to.deep.equal(org);
        }
      }
      expect(figures, `${p.name}: the whole report`).to.deep.equal(fromModel);
      sections += fromModel.length;
    }
    // The run must have reached every currency, and the periods must not all be empty.
    expect(expectedReport(movements, '0000', '9999').map((s) => s.currency)).to.deep.equal(['JPY', 'KWD', 'USD']);
    expect(sections).to.be.greaterThan(8);
  });
});

function minorOf(text: string, currency: string): bigint {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole! + fraction.padEnd(MINOR_UNITS[currency]!, '0'));
}

// Cases the random run meets only by chance, each on a fresh database and named plainly,
// so that a failure says which rule broke.
describe(`volume credit: resent orders and take-backs keep the ledger whole (${databaseKind()})`, function () {
  this.timeout(60000);
  let t: TestDb;
  const HARBOUR = '2B7D9C10';
  const line = (quantity: number, amount: string): CreditLine => ({ type: 'credit', lineNumber: '1', partNumber: 'D6701Z/A', amount, currency: 'JPY', quantity });
  const order = (orderNumber: string, orderType: 'OR' | 'RE' | 'VD', customerId: string, lines: CreditLine[]): PurchaseOrder => ({
    orderNumber,
    orderType,
    orderDate: '2026-11-02T00:00:00Z',
    customerId,
    lines,
  });

  beforeEach(async () => {
    t = await sampleDatabase();
  });
  afterEach(async () => t.close());

  async function apply(settings: CreditSettings, orgId: string, po: PurchaseOrder): Promise<Checked<OrderCreditOutcome>> {
    const supplier = (await findSupplier(t.db, HARBOUR))!;
    const [org] = await loadOrganisations(t.db, { orgIds: [orgId], appleCustomerNumbers: [] });
    try {
      return await t.db.transaction(async (trx) => {
        const r = await applyOrderCredit(trx, settings, { supplier, org: org!, po, documentPk: null, actor: 'test', now: new Date().toISOString() });
        if (!r.ok) throw new Rollback(r);
        return r;
      });
    } catch (e) {
      if (e instanceof Rollback) return e.result;
      throw e;
    }
  }

  /** Per organisation: outstanding by its entries, and the amount of its codes still issued. */
  async function positions(): Promise<Record<string, { byEntries: string; byCodes: string }>> {
    const out: Record<string, { byEntries: string; byCodes: string }> = {};
    for (const orgId of ORGS) {
      const pk = ((await t.db('organisations').where({ org_id: orgId }).first('id')) as { id: number }).id;
      const entries = (await t.db('credit_entries').where({ org_pk: pk, currency: 'JPY' }).select('kind', 'amount_minor')) as { kind: string; amount_minor: unknown }[];
      const byEntries = entries.reduce((s, e) => s + (e.kind === 'issued' ? 1n : e.kind === 'spent' ? 0n : -1n) * toMinor(e.amount_minor), 0n);
      const codes = (await t.db('credit_codes').where({ org_pk: pk, currency: 'JPY', state: 'issued' }).select('amount_minor')) as { amount_minor: unknown }[];
      out[orgId] = { byEntries: String(byEntries), byCodes: String(codes.reduce((s, c) => s + toMinor(c.amount_minor), 0n)) };
    }
    return out;
  }

  it('answers an order resent unchanged as a no-op, even when the organisation is at its credit limit', async () => {
    const settings = testCreditSettings({ perOrganisationLimit: { ...PER_ORGANISATION, JPY: '10000' } });
    const first = await apply(settings, '30411', order('LIMIT-1', 'OR', '30411', [line(2, '10000')]));
    expect(first, 'the first time').to.deep.equal({ ok: true, value: { issued: 2, refunded: 0, voided: 0, amounts: { JPY: '10000' } } });
    // The same order again (a supplier's retransmission): nothing new is held, so nothing exceeds the limit.
    const again = await apply(settings, '30411', order('LIMIT-1', 'OR', '30411', [line(2, '10000')]));
    expect(again, 'the same order again').to.deep.equal({ ok: true, value: { issued: 0, refunded: 0, voided: 0, amounts: {} } });
  });

  it('takes nothing back under another organisation: an RE or VD naming another organisation than the order is refused and changes nothing', async () => {
    const settings = testCreditSettings({ acceptedCurrencies: { '19827': ['JPY'] } });
    const sold = await apply(settings, '30411', order('CROSS-1', 'OR', '30411', [line(2, '2000')]));
    expect(sold.ok, JSON.stringify(sold)).to.equal(true);
    const before = await positions();
    const entriesBefore = (await t.db('credit_entries').count({ n: '*' })) as { n: unknown }[];

    const returned = await apply(settings, '19827', order('CROSS-1', 'RE', '19827', [line(1, '1000')]));
    const voided = await apply(settings, '19827', order('CROSS-1', 'VD', '19827', []));
    const after = await positions();
    const entriesAfter = (await t.db('credit_entries').count({ n: '*' })) as { n: unknown }[];
    const states = (await t.db('credit_codes').select('state')) as { state: string }[];
    // Whatever else, the ledger stays whole: each organisation's outstanding credit is its unredeemed codes.
    for (const orgId of ORGS) expect(after[orgId]!.byEntries, `organisation ${orgId}: outstanding by entries = its issued codes`).to.equal(after[orgId]!.byCodes);
    expect(returned.ok ? 'applied' : returned.error.code, `RE naming 19827 for 30411's order`).to.equal('GW-CR-7019');
    expect(voided.ok ? 'applied' : voided.error.code, `VD naming 19827 for 30411's order`).to.equal('GW-CR-7019');
    expect(after).to.deep.equal(before);
    expect(Number(entriesAfter[0]!.n)).to.equal(Number(entriesBefore[0]!.n));
    expect(states.map((s) => s.state)).to.deep.equal(['issued', 'issued']);
  });

  it('refuses an order number on file for another organisation rather than answering it as applied with nothing issued', async () => {
    const settings = testCreditSettings({ acceptedCurrencies: { '19827': ['JPY'] } });
    const sold = await apply(settings, '30411', order('CROSS-2', 'OR', '30411', [line(2, '2000')]));
    expect(sold.ok, JSON.stringify(sold)).to.equal(true);
    const other = await apply(settings, '19827', order('CROSS-2', 'OR', '19827', [line(2, '2000')]));
    const codes19827 = (await t.db('credit_codes as c').join('organisations as o', 'o.id', 'c.org_pk').where('o.org_id', '19827').count({ n: '*' })) as { n: unknown }[];
    // 19827 was sold 2000 JPY of credit: either it gets its codes, or the order is refused.
    expect(other.ok ? 'applied' : other.error.code, `the same order number for 19827`).to.equal('GW-CR-7019');
    expect(Number(codes19827[0]!.n)).to.equal(0);
  });
});
