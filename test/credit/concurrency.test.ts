// Volume credit under concurrency: two gateway processes (two connection pools on one
// database) spend from one account at once, repeat one request at once, and redeem one
// code at once. On PostgreSQL the race is real (a pool of 10 connections each, so up to 20
// transactions in flight); on SQLite the single connection and the file lock serialise the
// writers. Either way the ledger must come out exactly right: no overdraft, no spend lost,
// no entry twice.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { applyOrderCredit, listCodes, recordSpend, redeemCode, reverseSpend, type EntryResult, type OrgRef } from '../../src/credit/ledger.js';
import type { Checked } from '../../src/domain/credit.js';
import type { Organisation, Supplier } from '../../src/model/state.js';
import { toMinor } from '../../src/store/credit.js';
import { retryStats } from '../../src/store/db.js';
import { loadOrganisations } from '../../src/store/organisations.js';
import { findSupplier } from '../../src/store/suppliers.js';
import { databaseKind, sampleDatabase, TEST_ACTOR, type TestDb } from '../support/db.js';
import { testCreditSettings } from '../support/credit.js';

const SUPPLIER = '2B7D9C10';
const ORG = '30411';

describe(`volume credit under concurrent writers (${databaseKind()})`, function () {
  this.timeout(60000);
  const settings = testCreditSettings();
  let t: TestDb;
  let other: Knex;
  let supplier: Supplier;
  let org: Organisation;
  let ref: OrgRef;
  let orderSeq = 0;
  let keySeq = 0;
  const key = (prefix: string) => `${prefix}-${++keySeq}`;

  before(async function () {
    if (databaseKind() === 'sqlite') {
      console.warn('    NOTE: DATABASE_URL is not set: these races run on SQLite only (serialised); CI runs them on PostgreSQL too.');
    }
    t = await sampleDatabase();
    other = t.openAnother();
    supplier = (await findSupplier(t.db, SUPPLIER))!;
    [org] = await loadOrganisations(t.db, { orgIds: [ORG], appleCustomerNumbers: [] });
    ref = { pk: org!.pk, orgId: org!.orgId };
    // Real concurrency on PostgreSQL: each process has a pool of 10 connections.
    if (databaseKind() === 'postgres') {
      const pools = [t.db, other].map((d) => (d.client as { pool: { max: number } }).pool.max);
      expect(pools).to.deep.equal([10, 10]);
    }
  });
  after(async () => t.close());

  /** Issues `quantity` codes of `unit` JPY each and answers them (plain text). */
  async function issue(unit: number, quantity: number): Promise<string[]> {
    const orderNumber = `CONC-${++orderSeq}`;
    const result = await t.db.transaction((trx) =>
      applyOrderCredit(trx, settings, {
        supplier,
        org,
        po: {
          orderNumber,
          orderType: 'OR',
          orderDate: '2026-11-02T00:00:00Z',
          customerId: ORG,
          lines: [{ type: 'credit', lineNumber: '1', partNumber: 'D6701Z/A', amount: String(unit * quantity), currency: 'JPY', quantity }],
        },
        documentPk: null,
        actor: 'test',
        now: new Date().toISOString(),
      }),
    );
    expect(result.ok, JSON.stringify(result)).to.equal(true);
    const codes = await listCodes(t.db, settings, { org: ref, orderNumber, actor: TEST_ACTOR, limit: 1000 });
    expect(codes).to.have.length(quantity);
    return codes.map((c) => c.code!);
  }

  async function redeem(db: Knex, code: string, location: string, idempotencyKey = key('redeem')): Promise<Checked<EntryResult>> {
    return redeemCode(db, { org: ref, location, currency: 'JPY', code, idempotencyKey, actor: TEST_ACTOR });
  }

  function spend(db: Knex, location: string, amount: number, idempotencyKey: string, itemId = 'item-1'): Promise<Checked<EntryResult>> {
    return recordSpend(db, { org: ref, location, currency: 'JPY', date: '2026-11-03', itemId, quantity: 1, unitPrice: String(amount), idempotencyKey, actor: TEST_ACTOR });
  }

  async function accountOf(location: string): Promise<{ id: number; balance: bigint }> {
    const row = (await t.db('credit_accounts').where({ org_pk: org.pk, location, currency: 'JPY' }).first()) as { id: number; balance_minor: unknown };
    return { id: row.id, balance: toMinor(row.balance_minor) };
  }

  async function entriesOf(accountPk: number): Promise<{ kind: string; amount: bigint; key: string; entryId: string }[]> {
    const rows = (await t.db('credit_entries').where({ account_pk: accountPk }).orderBy('id')) as {
      kind: string;
      amount_minor: unknown;
      idempotency_key: string;
      entry_id: string;
    }[];
    return rows.map((r) => ({ kind: r.kind, amount: toMinor(r.amount_minor), key: r.idempotency_key, entryId: r.entry_id }));
  }

  /** Runs `work` while sampling how many connections of both pools are in use at once. */
  async function withPeak<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
    const pools = [t.db, other].map((d) => (d.client as { pool: { numUsed(): number } }).pool);
    let peak = 0;
    let running = true;
    const sample = () => {
      peak = Math.max(peak, pools.reduce((n, p) => n + p.numUsed(), 0));
      if (running) setImmediate(sample);
    };
    sample();
    try {
      return { result: await work(), peak };
    } finally {
      running = false;
    }
  }

  const signed = (e: { kind: string; amount: bigint }) => (e.kind === 'redeemed' ? e.amount : e.kind === 'spent' ? -e.amount : 0n);

  const rounds = [
    { funds: 10000, amount: 700, n: 25 },
    { funds: 10000, amount: 1300, n: 25 },
    { funds: 9999, amount: 333, n: 40 },
  ];
  for (const [i, round] of rounds.entries()) {
    it(`round ${i + 1}: ${round.n} concurrent spends of ${round.amount} JPY from ${round.funds} JPY, half from each process: exactly ${Math.floor(round.funds / round.amount)} succeed`, async () => {
      const location = `Race ${i + 1}`;
      const [code] = await issue(round.funds, 1);
      const funded = await redeem(t.db, code!, location);
      expect(funded.ok, JSON.stringify(funded)).to.equal(true);

      const started = Date.now();
      const { result: answers, peak } = await withPeak(() =>
        Promise.all(Array.from({ length: round.n }, (_, j) => spend(j % 2 === 0 ? t.db : other, location, round.amount, `race-${i}-${j}`, `item-${j}`))),
      );
      const elapsed = Date.now() - started;
      // PostgreSQL: many transactions really in flight at once (SQLite: one connection per process).
      if (databaseKind() === 'postgres') expect(peak, 'connections in use at once').to.be.greaterThan(2);

      const expected = Math.floor(round.funds / round.amount);
      const won = answers.filter((a): a is { ok: true; value: EntryResult } => a.ok);
      const lost = answers.filter((a) => !a.ok);
      expect(won, JSON.stringify(lost.find((a) => !a.ok && a.error.code !== 'GW-CR-7028'))).to.have.length(expected);
      expect(lost.map((a) => (a.ok ? 'ok' : a.error.code))).to.deep.equal(Array(round.n - expected).fill('GW-CR-7028'));
      // Each winner saw its own balance: all different, all in range, none negative.
      const balances = won.map((a) => BigInt(a.value.balance)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      const remainder = BigInt(round.funds - expected * round.amount);
      expect(balances).to.deep.equal(Array.from({ length: expected }, (_, k) => remainder + BigInt(k * round.amount)));
      expect(won.every((a) => a.value.replayed === false && /^cre_/.test(a.value.entryId))).to.equal(true);
      expect(new Set(won.map((a) => a.value.entryId)).size).to.equal(expected);

      const account = await accountOf(location);
      expect(account.balance).to.equal(remainder);
      const entries = await entriesOf(account.id);
      expect(entries.reduce((s, e) => s + signed(e), 0n)).to.equal(account.balance);
      expect(entries.filter((e) => e.kind === 'redeemed')).to.have.length(1);
      const spends = entries.filter((e) => e.kind === 'spent');
      expect(spends).to.have.length(expected);
      expect(spends.every((e) => e.amount === BigInt(round.amount))).to.equal(true);
      expect(entries).to.have.length(expected + 1);
      // The winners' answers name exactly the entries on file.
      expect(new Set(spends.map((e) => e.entryId))).to.deep.equal(new Set(won.map((a) => a.value.entryId)));
      console.log(`      ${round.n} spends in ${elapsed} ms, up to ${peak} connections in use at once`);
    });
  }

  it('one idempotency key fired 10 times at once (same request) records one entry; every answer names it', async () => {
    const location = 'Same Key';
    const [code] = await issue(5000, 1);
    const funded = await redeem(t.db, code!, location);
    expect(funded.ok, JSON.stringify(funded)).to.equal(true);

    const retriesBefore = retryStats.retries;
    const answers = await Promise.all(Array.from({ length: 10 }, (_, j) => spend(j % 2 === 0 ? t.db : other, location, 1200, 'same-key-1', 'book-9')));
    console.log(`      ${retryStats.retries - retriesBefore} lost race(s) retried`);
    for (const a of answers) expect(a.ok, JSON.stringify(a)).to.equal(true);
    const values = answers.map((a) => (a as { ok: true; value: EntryResult }).value);
    expect(values.filter((v) => !v.replayed), 'exactly one answer is the first').to.have.length(1);
    const first = values.find((v) => !v.replayed)!;
    expect(first.entryId).to.match(/^cre_/);

    // One entry, one debit.
    const account = await accountOf(location);
    expect(account.balance).to.equal(3800n);
    const entries = await entriesOf(account.id);
    expect(entries.map((e) => e.kind)).to.deep.equal(['redeemed', 'spent']);
    expect(entries[1]!.entryId).to.equal(first.entryId);

    // The same key with another request, at once from both processes: refused, nothing recorded.
    const changed = await Promise.all([spend(t.db, location, 1300, 'same-key-1', 'book-9'), spend(other, location, 1200, 'same-key-1', 'book-10')]);
    expect(changed.map((a) => (a.ok ? 'ok' : a.error.code))).to.deep.equal(['GW-CR-7031', 'GW-CR-7031']);
    expect(await entriesOf(account.id)).to.have.length(2);
    expect((await accountOf(location)).balance).to.equal(3800n);

    // Every answer is the first one: same amount, balance, time and entry id.
    for (const v of values.filter((x) => x.replayed)) {
      const { entryId, ...rest } = v;
      const { entryId: firstId, ...firstRest } = first;
      expect({ ...rest, replayed: false }).to.deep.equal(firstRest);
      expect(entryId, 'a replayed answer carries the entry id of the first').to.equal(firstId);
    }
  });

  it('one code redeemed at once by two requests (different keys, one per process): one wins, the other gets GW-CR-7021', async () => {
    const codes = await issue(800, 6);
    for (const [i, code] of codes.entries()) {
      const location = `Redeem Race ${i % 2}`;
      const answers = await Promise.all([redeem(t.db, code, location, `rr-a-${i}`), redeem(other, code, location, `rr-b-${i}`)]);
      const won = answers.filter((a) => a.ok);
      expect(won, JSON.stringify(answers)).to.have.length(1);
      const lost = answers.find((a) => !a.ok)!;
      expect(lost.ok ? 'ok' : lost.error.code).to.equal('GW-CR-7021');
    }
    // Ten requests at once for the same code, each with its own key: still one.
    const [code] = await issue(900, 1);
    const many = await Promise.all(Array.from({ length: 10 }, (_, j) => redeem(j % 2 === 0 ? t.db : other, code!, 'Redeem Race 2', `rr-many-${j}`)));
    expect(many.filter((a) => a.ok)).to.have.length(1);
    expect(many.filter((a) => !a.ok).map((a) => (a.ok ? '' : a.error.code))).to.deep.equal(Array(9).fill('GW-CR-7021'));

    for (const location of ['Redeem Race 0', 'Redeem Race 1', 'Redeem Race 2']) {
      const account = await accountOf(location);
      const entries = await entriesOf(account.id);
      expect(account.balance).to.equal(location === 'Redeem Race 2' ? 900n : 2400n);
      expect(entries.reduce((s, e) => s + signed(e), 0n)).to.equal(account.balance);
      expect(entries.every((e) => e.kind === 'redeemed')).to.equal(true);
    }
    const redeemedCodes = (await t.db('credit_codes').where({ org_pk: org.pk, state: 'redeemed' }).whereIn('amount_minor', ['800', '900']).count({ n: '*' })) as {
      n: number | string;
    }[];
    expect(Number(redeemedCodes[0]!.n)).to.equal(7);
    const redeemedEntries = (await t.db('credit_entries').where({ org_pk: org.pk, kind: 'redeemed' }).whereIn('amount_minor', ['800', '900']).count({ n: '*' })) as {
      n: number | string;
    }[];
    expect(Number(redeemedEntries[0]!.n)).to.equal(7);
  });

  it('redemptions, spends and reversals (each spend reversed twice) at once: balance = its entries, never below zero, one reversal per spend', async () => {
    const location = 'Mixed';
    const codes = await issue(1000, 6);
    for (const code of codes.slice(0, 2)) expect((await redeem(t.db, code, location)).ok).to.equal(true);
    const spent: string[] = [];
    for (let j = 0; j < 4; j++) {
      const r = await spend(t.db, location, 300, key('mixed-spend'));
      expect(r.ok, JSON.stringify(r)).to.equal(true);
      spent.push((r as { ok: true; value: EntryResult }).value.entryId);
    }
    const account = await accountOf(location);
    expect(account.balance).to.equal(800n);
    const entriesBefore = (await entriesOf(account.id)).length;

    const db = (j: number) => (j % 2 === 0 ? t.db : other);
    const work: Promise<{ what: string; answer: Checked<EntryResult> }>[] = [];
    codes.slice(2).forEach((code, j) => work.push(redeem(db(j), code, location).then((answer) => ({ what: 'redeem', answer }))));
    spent.forEach((entryId, j) => {
      for (const copy of [0, 1]) {
        work.push(reverseSpend(db(j + copy), { org: ref, entryId, idempotencyKey: `mixed-reverse-${j}-${copy}`, actor: TEST_ACTOR }).then((answer) => ({ what: `reverse ${j}`, answer })));
      }
    });
    for (let j = 0; j < 30; j++) work.push(spend(db(j), location, 250, `mixed-race-${j}`).then((answer) => ({ what: 'spend', answer })));
    const answers = await Promise.all(work);

    const codesOf = (what: string) => answers.filter((a) => a.what === what).map((a) => (a.answer.ok ? 'ok' : a.answer.error.code));
    expect(codesOf('redeem')).to.deep.equal(['ok', 'ok', 'ok', 'ok']);
    for (let j = 0; j < 4; j++) expect(codesOf(`reverse ${j}`).sort(), `spend ${j} reversed once`).to.deep.equal(['GW-CR-7027', 'ok']);
    const spends = codesOf('spend');
    expect(spends.filter((c) => c !== 'ok' && c !== 'GW-CR-7028'), 'spend refusals').to.deep.equal([]);
    const won = spends.filter((c) => c === 'ok').length;
    // 800 + 4 x 1000 redeemed + 4 x 300 reversed = 6000: at most 24 spends of 250 fit.
    expect(won).to.be.within(1, 24);

    const after = await accountOf(location);
    expect(after.balance).to.equal(6000n - 250n * BigInt(won));
    expect(after.balance >= 0n).to.equal(true);
    const entries = await entriesOf(after.id);
    expect(entries.reduce((sum, e) => sum + signed(e), 0n)).to.equal(after.balance);
    expect(entries.length).to.equal(entriesBefore + 4 + 4 + won);
    const reversals = (await t.db('credit_entries').whereIn('reverses_entry_pk', t.db('credit_entries').whereIn('entry_id', spent).select('id')).count({ n: '*' })) as {
      n: number | string;
    }[];
    expect(Number(reversals[0]!.n)).to.equal(4);
    console.log(`      ${won} of 30 racing spends fitted`);
  });
});
