// The finance reconciliation report of volume credit, on a real database: every figure
// of a yen (0 decimals) and a dollar (2 decimals) ledger with issue, redemption, spend,
// spend reversal, return (RE) and void (VD); period boundaries (flows inside the period
// only, positions over everything before its end); currency and organisation filters;
// no sum across currencies; the three mismatch kinds, made by tampering; CSV output;
// period validation.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { applyOrderCredit, listCodes, recordSpend, redeemCode, reverseSpend, type CreditSettings, type OrgRef } from '../../src/credit/ledger.js';
import type { PurchaseOrder } from '../../src/model/documents.js';
import { loadOrganisations } from '../../src/store/organisations.js';
import { findSupplier } from '../../src/store/suppliers.js';
import { creditReport, parseReportPeriod, type CreditReport, type CurrencySection, type Figures, type OrganisationRow, type ReportRequest, type SupplierRow } from '../../src/reports/credit.js';
import { CREDIT_REPORT_CSV_HEADER, creditMismatchesCsv, creditReportCsv, hasMovement, LEDGER_ENTRIES_CSV_HEADER, ledgerEntriesCsv, ReportRefused } from '../../src/reports/credit-csv.js';
import { csvConventionOf } from '../../src/formats/csv/write.js';
import readXlsxFile from 'read-excel-file/node';
import { creditReportXlsx, ledgerEntriesXlsx } from '../../src/reports/credit-xlsx.js';
import { csvField } from '../../src/formats/csv/write.js';
import { databaseKind, sampleDatabase, TEST_ACTOR, type TestDb } from '../support/db.js';
import { creditOrderXml, testCreditSettings, type CreditLineSpec } from '../support/credit.js';
import { ingestText, intakeDeps, tempDir } from '../intake/support.js';
import { REPORT_LIMITS } from '../../src/model/limits.js';

const HARBOUR = '2B7D9C10';
const BRIGHTLINE = '16FCE4A0';
const APPLE = 'APPLE';
const DAY_MS = 24 * 60 * 60 * 1000;
const dayAfterToday = () => new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);

// Codes stay downloadable for ten years, so that codes of back-dated orders can be listed
// (and so redeemed); 30411 (Japan) may also be sold dollars.
const settings: CreditSettings = testCreditSettings({ acceptedCurrencies: { '30411': ['USD'] } }, 3650);

type LineSpec = CreditLineSpec;

/** A purchase order's credit applied as at `at` (the time its entries and order lines carry). */
async function orderAt(db: Knex, x: { supplierId: string; orgId: string; orderNumber: string; type: PurchaseOrder['orderType']; lines: LineSpec[]; at: string }): Promise<void> {
  const supplier = (await findSupplier(db, x.supplierId))!;
  const [org] = await loadOrganisations(db, { orgIds: [x.orgId] });
  const po: PurchaseOrder = {
    orderNumber: x.orderNumber,
    orderType: x.type,
    orderDate: `${x.at.slice(0, 10)}T00:00:00Z`,
    customerId: x.orgId,
    lines: x.lines.map((l) => ({ type: 'credit' as const, lineNumber: l.line, partNumber: 'D6701Z/A', amount: l.amount, currency: l.currency, quantity: l.quantity })),
  };
  const r = await db.transaction((trx) => applyOrderCredit(trx, settings, { supplier, org: org!, po, documentPk: null, actor: 'test', now: x.at }));
  if (!r.ok) throw new Error(`order ${x.orderNumber}: ${JSON.stringify(r.error)}`);
}

async function orgRef(db: Knex, orgId: string): Promise<OrgRef> {
  const row = (await db('organisations').where({ org_id: orgId }).first('id')) as { id: number };
  return { pk: Number(row.id), orgId };
}

let keySeq = 0;
const key = () => `report-${++keySeq}`;

async function redeem(db: Knex, org: OrgRef, orderNumber: string, count: number, location: string, currency: string): Promise<void> {
  const codes = (await listCodes(db, settings, { org, orderNumber, state: 'issued', actor: TEST_ACTOR, limit: 1000 })).slice(0, count);
  expect(codes).to.have.length(count);
  for (const c of codes) {
    const r = await redeemCode(db, { org, location, currency, code: c.code, idempotencyKey: key(), actor: TEST_ACTOR });
    if (!r.ok) throw new Error(`redeem: ${JSON.stringify(r.error)}`);
  }
}

async function spend(db: Knex, org: OrgRef, location: string, currency: string, unitPrice: string, quantity: number): Promise<string> {
  const r = await recordSpend(db, { org, location, currency, date: '2026-11-05', itemId: `app-${keySeq}`, quantity, unitPrice, idempotencyKey: key(), actor: TEST_ACTOR });
  if (!r.ok) throw new Error(`spend: ${JSON.stringify(r.error)}`);
  return r.value.entryId;
}

async function reverse(db: Knex, org: OrgRef, entryId: string): Promise<void> {
  const r = await reverseSpend(db, { org, entryId, idempotencyKey: key(), actor: TEST_ACTOR });
  if (!r.ok) throw new Error(`reverse: ${JSON.stringify(r.error)}`);
}

async function report(db: Knex, req: ReportRequest, now?: Date): Promise<CreditReport> {
  const r = await creditReport(db, req, now);
  if (!r.ok) throw new Error(`report: ${JSON.stringify(r.error)}`);
  assertTotalsAddUp(r.report);
  return r.report;
}

// ---- expected rows -----------------------------------------------------------------------

const NAMES: Record<string, string> = {
  [HARBOUR]: 'Harbour IT',
  [BRIGHTLINE]: 'Brightline Resellers',
  [APPLE]: 'Apple',
  '19827': 'Northwind Schools',
  '30411': 'Fabrikam Retail',
};

/** ordered, issued, redeemed, refunded, voided, outstanding */
function sup(supplierId: string, [ordered, issued, redeemed, refunded, voided, outstanding]: string[]): SupplierRow {
  return { supplierId, name: NAMES[supplierId]!, ordered: ordered!, issued: issued!, redeemed: redeemed!, refunded: refunded!, voided: voided!, outstanding: outstanding! };
}

/** ordered, issued, redeemed, spent, refunded, voided, outstanding, balance */
function fig([ordered, issued, redeemed, spent, refunded, voided, outstanding, balance]: string[]): Figures {
  return { ordered: ordered!, issued: issued!, redeemed: redeemed!, spent: spent!, refunded: refunded!, voided: voided!, outstanding: outstanding!, balance: balance! };
}

function org(orgId: string, figures: string[], suppliers: SupplierRow[]): OrganisationRow {
  return { orgId, name: NAMES[orgId]!, ...fig(figures), suppliers };
}

function section(report: CreditReport, currency: string): CurrencySection {
  const s = report.currencies.find((c) => c.currency === currency);
  if (!s) throw new Error(`no ${currency} section in ${JSON.stringify(report.currencies.map((c) => c.currency))}`);
  return s;
}

const minor = (amount: string): bigint => BigInt(amount.replace('.', ''));

/** Every total is the exact sum of its parts, and every amount a string of its currency's decimals. */
function assertTotalsAddUp(report: CreditReport): void {
  const six = ['ordered', 'issued', 'redeemed', 'refunded', 'voided', 'outstanding'] as const;
  const eight = ['ordered', 'issued', 'redeemed', 'spent', 'refunded', 'voided', 'outstanding', 'balance'] as const;
  const shape = (minorUnit: number) => (minorUnit === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${minorUnit}}$`));
  for (const s of report.currencies) {
    const amount = shape(s.minorUnit);
    for (const c of eight) {
      expect(s.totals[c], `${s.currency} ${c}`).to.match(amount);
      expect(minor(s.totals[c]), `${s.currency} total ${c}`).to.equal(s.organisations.reduce((sum, o) => sum + minor(o[c]), 0n));
    }
    for (const c of six) {
      expect(minor(s.totals[c]), `${s.currency} suppliers' ${c}`).to.equal(s.suppliers.reduce((sum, r) => sum + minor(r[c]), 0n));
    }
    for (const o of s.organisations) {
      for (const c of six) {
        for (const r of o.suppliers) expect(r[c]).to.match(amount);
        expect(minor(o[c]), `${s.currency} ${o.orgId} ${c}`).to.equal(o.suppliers.reduce((sum, r) => sum + minor(r[c]), 0n));
      }
      expect(o.suppliers.map((r) => r.supplierId)).to.deep.equal(o.suppliers.map((r) => r.supplierId).sort());
    }
    expect(s.organisations.map((o) => o.orgId)).to.deep.equal(s.organisations.map((o) => o.orgId).sort());
    expect(s.suppliers.map((r) => r.supplierId)).to.deep.equal(s.suppliers.map((r) => r.supplierId).sort());
  }
  expect(report.currencies.map((c) => c.currency)).to.deep.equal(report.currencies.map((c) => c.currency).sort());
  // JSON-safe: no bigint anywhere.
  expect(() => JSON.stringify(report)).not.to.throw();
}

describe(`credit report (${databaseKind()})`, function () {
  this.timeout(60000);

  describe('figures of a yen and a dollar ledger', () => {
    let t: TestDb;
    let tmp: { dir: string; remove(): void };

    before(async () => {
      t = await sampleDatabase();
      tmp = tempDir('gw-credit-report');
      const db = t.db;
      const fabrikam = await orgRef(db, '30411');
      const northwind = await orgRef(db, '19827');

      // Yen, through the intake pipeline (entries made now): 5 x 10000 ordered, 2 redeemed,
      // 3600 spent net (a 500 purchase reversed), 1 unit returned (RE), 2 x 3000 voided (VD).
      const deps = { ...intakeDeps(db), credit: settings };
      const ingest = async (xml: string) => {
        const r = await ingestText(deps, tmp.dir, 'order.xml', xml, HARBOUR);
        expect(r.status, JSON.stringify(r.errors)).to.equal('applied');
      };
      await ingest(creditOrderXml('HB-CR-1', 'OR', [{ line: '1', quantity: 5, amount: '50000', currency: 'JPY' }]));
      await ingest(creditOrderXml('HB-CR-2', 'OR', [{ line: '1', quantity: 2, amount: '6000', currency: 'JPY' }]));
      await redeem(db, fabrikam, 'HB-CR-1', 2, 'Tokyo HQ', 'JPY');
      await spend(db, fabrikam, 'Tokyo HQ', 'JPY', '1200', 3);
      await reverse(db, fabrikam, await spend(db, fabrikam, 'Tokyo HQ', 'JPY', '500', 1));
      await ingest(creditOrderXml('HB-CR-1', 'RE', [{ line: '1', quantity: 1, amount: '10000', currency: 'JPY' }]));
      await ingest(creditOrderXml('HB-CR-2', 'VD', []));

      // Back-dated orders, around the period 2025-01-01 .. 2025-06-30.
      await orderAt(db, { supplierId: APPLE, orgId: '19827', orderNumber: 'AP-CR-0', type: 'OR', lines: [{ line: '1', quantity: 1, amount: '0.99', currency: 'USD' }], at: '2024-12-31T23:59:59.999Z' });
      await orderAt(db, { supplierId: BRIGHTLINE, orgId: '19827', orderNumber: 'BL-CR-1', type: 'OR', lines: [{ line: '1', quantity: 4, amount: '100.00', currency: 'USD' }], at: '2025-03-10T09:00:00.000Z' });
      await orderAt(db, { supplierId: BRIGHTLINE, orgId: '30411', orderNumber: 'BL-JP-1', type: 'OR', lines: [{ line: '1', quantity: 1, amount: '7777', currency: 'JPY' }], at: '2025-03-10T10:00:00.000Z' });
      await orderAt(db, { supplierId: BRIGHTLINE, orgId: '19827', orderNumber: 'BL-CR-1', type: 'RE', lines: [{ line: '1', quantity: 1, amount: '25.00', currency: 'USD' }], at: '2025-04-01T00:00:00.000Z' });
      await orderAt(db, { supplierId: HARBOUR, orgId: '30411', orderNumber: 'HB-US-1', type: 'OR', lines: [{ line: '1', quantity: 1, amount: '5.00', currency: 'USD' }], at: '2025-05-05T00:00:00.000Z' });
      await orderAt(db, { supplierId: APPLE, orgId: '19827', orderNumber: 'AP-CR-1', type: 'OR', lines: [{ line: '1', quantity: 3, amount: '30.03', currency: 'USD' }], at: '2025-06-30T23:59:59.999Z' });
      await orderAt(db, { supplierId: BRIGHTLINE, orgId: '19827', orderNumber: 'BL-CR-2', type: 'OR', lines: [{ line: '1', quantity: 2, amount: '50.00', currency: 'USD' }], at: '2025-07-01T00:00:00.000Z' });
      await orderAt(db, { supplierId: BRIGHTLINE, orgId: '19827', orderNumber: 'BL-CR-2', type: 'VD', lines: [], at: '2025-07-02T08:00:00.000Z' });

      // Dollars redeemed and spent now: 2 x 25.00 + 10.01 in, 25.00 spent net (0.99 reversed).
      await redeem(db, northwind, 'BL-CR-1', 2, 'Main Office', 'USD');
      await redeem(db, northwind, 'AP-CR-1', 1, 'Main Office', 'USD');
      await spend(db, northwind, 'Main Office', 'USD', '12.50', 2);
      await reverse(db, northwind, await spend(db, northwind, 'Main Office', 'USD', '0.99', 1));
    });
    after(async () => {
      await t.close();
      tmp.remove();
    });

    it('everything up to today: every figure, per supplier, organisation and currency', async () => {
      const to = dayAfterToday();
      const r = await report(t.db, { from: '2025-01-01', to });
      expect(r.period).to.deep.equal({ from: '2025-01-01', to });
      expect(r.filters).to.deep.equal({ currency: null, orgId: null, orgIds: null });
      expect(r.currencies.map((c) => c.currency)).to.deep.equal(['JPY', 'USD']);

      const jpy = section(r, 'JPY');
      expect(jpy.minorUnit).to.equal(0);
      const fabrikamJpy = org('30411', ['63777', '63777', '20000', '3600', '10000', '6000', '27777', '16400'], [
        sup(BRIGHTLINE, ['7777', '7777', '0', '0', '0', '7777']),
        sup(HARBOUR, ['56000', '56000', '20000', '10000', '6000', '20000']),
      ]);
      expect(jpy.organisations).to.deep.equal([fabrikamJpy]);
      expect(jpy.totals).to.deep.equal(fig(['63777', '63777', '20000', '3600', '10000', '6000', '27777', '16400']));
      expect(jpy.suppliers).to.deep.equal(fabrikamJpy.suppliers);

      const usd = section(r, 'USD');
      expect(usd.minorUnit).to.equal(2);
      expect(usd.organisations).to.deep.equal([
        // AP-CR-0 (2024) is before the period: not a flow, but still outstanding.
        org('19827', ['180.03', '180.03', '60.01', '25.00', '25.00', '50.00', '46.01', '35.01'], [
          sup(BRIGHTLINE, ['150.00', '150.00', '50.00', '25.00', '50.00', '25.00']),
          sup(APPLE, ['30.03', '30.03', '10.01', '0.00', '0.00', '21.01']),
        ]),
        org('30411', ['5.00', '5.00', '0.00', '0.00', '0.00', '0.00', '5.00', '0.00'], [sup(HARBOUR, ['5.00', '5.00', '0.00', '0.00', '0.00', '5.00'])]),
      ]);
      expect(usd.totals).to.deep.equal(fig(['185.03', '185.03', '60.01', '25.00', '25.00', '50.00', '51.01', '35.01']));
      expect(usd.suppliers).to.deep.equal([
        sup(BRIGHTLINE, ['150.00', '150.00', '50.00', '25.00', '50.00', '25.00']),
        sup(HARBOUR, ['5.00', '5.00', '0.00', '0.00', '0.00', '5.00']),
        sup(APPLE, ['30.03', '30.03', '10.01', '0.00', '0.00', '21.01']),
      ]);
      expect(r.mismatches).to.deep.equal([]);
      expect(r.mismatchCounts).to.deep.equal({ ordered_not_issued: 0, code_unredeemed_past_window: 0, balance_mismatch: 0 });
    });

    it('a period that ends before today: flows inside it only, positions as at its end', async () => {
      const r = await report(t.db, { from: '2025-01-01', to: '2025-06-30' });
      // Yen entries of today are neither flows nor positions; BL-JP-1 (March 2025) is.
      expect(r.currencies.map((c) => c.currency)).to.deep.equal(['JPY', 'USD']);
      expect(section(r, 'JPY').organisations).to.deep.equal([
        org('30411', ['7777', '7777', '0', '0', '0', '0', '7777', '0'], [sup(BRIGHTLINE, ['7777', '7777', '0', '0', '0', '7777'])]),
      ]);
      const usd = section(r, 'USD');
      // AP-CR-1 at 23:59:59.999 on the last day is in; BL-CR-2 at 00:00 the day after is out;
      // AP-CR-0 the last instant of the day before is out of the flows but outstanding.
      expect(usd.organisations).to.deep.equal([
        org('19827', ['130.03', '130.03', '0.00', '0.00', '25.00', '0.00', '106.02', '0.00'], [
          sup(BRIGHTLINE, ['100.00', '100.00', '0.00', '25.00', '0.00', '75.00']),
          sup(APPLE, ['30.03', '30.03', '0.00', '0.00', '0.00', '31.02']),
        ]),
        org('30411', ['5.00', '5.00', '0.00', '0.00', '0.00', '0.00', '5.00', '0.00'], [sup(HARBOUR, ['5.00', '5.00', '0.00', '0.00', '0.00', '5.00'])]),
      ]);
      expect(usd.totals).to.deep.equal(fig(['135.03', '135.03', '0.00', '0.00', '25.00', '0.00', '111.02', '0.00']));
    });

    it('one day, and the day before a period: a row with no flows shows for what is outstanding', async () => {
      const lastDay = await report(t.db, { from: '2025-06-30', to: '2025-06-30', currency: 'USD', orgId: '19827' });
      expect(lastDay.currencies).to.have.length(1);
      expect(section(lastDay, 'USD').organisations).to.deep.equal([
        org('19827', ['30.03', '30.03', '0.00', '0.00', '0.00', '0.00', '106.02', '0.00'], [
          sup(BRIGHTLINE, ['0.00', '0.00', '0.00', '0.00', '0.00', '75.00']),
          sup(APPLE, ['30.03', '30.03', '0.00', '0.00', '0.00', '31.02']),
        ]),
      ]);

      const y2024 = await report(t.db, { from: '2024-01-01', to: '2024-12-31' });
      expect(y2024.currencies).to.have.length(1);
      expect(section(y2024, 'USD').organisations).to.deep.equal([
        org('19827', ['0.99', '0.99', '0.00', '0.00', '0.00', '0.00', '0.99', '0.00'], [sup(APPLE, ['0.99', '0.99', '0.00', '0.00', '0.00', '0.99'])]),
      ]);

      const before = await report(t.db, { from: '2020-01-01', to: '2020-12-31' });
      expect(before.currencies).to.deep.equal([]);
    });

    it('after the back-dated orders: redemptions, spending and the void of today and last July', async () => {
      const r = await report(t.db, { from: '2025-07-01', to: dayAfterToday(), currency: 'USD' });
      expect(r.currencies.map((c) => c.currency)).to.deep.equal(['USD']);
      expect(section(r, 'USD').organisations).to.deep.equal([
        org('19827', ['50.00', '50.00', '60.01', '25.00', '0.00', '50.00', '46.01', '35.01'], [
          sup(BRIGHTLINE, ['50.00', '50.00', '50.00', '0.00', '50.00', '25.00']),
          sup(APPLE, ['0.00', '0.00', '10.01', '0.00', '0.00', '21.01']),
        ]),
        org('30411', ['0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '5.00', '0.00'], [sup(HARBOUR, ['0.00', '0.00', '0.00', '0.00', '0.00', '5.00'])]),
      ]);
    });

    it('filters: currency, organisation, both; an organisation in two currencies is never summed across them', async () => {
      const to = dayAfterToday();
      const jpy = await report(t.db, { from: '2025-01-01', to, currency: 'JPY' });
      expect(jpy.filters).to.deep.equal({ currency: 'JPY', orgId: null, orgIds: null });
      expect(jpy.currencies.map((c) => c.currency)).to.deep.equal(['JPY']);
      expect(section(jpy, 'JPY').totals.ordered).to.equal('63777');

      const fabrikam = await report(t.db, { from: '2025-01-01', to, orgId: '30411' });
      expect(fabrikam.filters).to.deep.equal({ currency: null, orgId: '30411', orgIds: null });
      expect(fabrikam.currencies.map((c) => c.currency)).to.deep.equal(['JPY', 'USD']);
      // 63777 yen and 5 dollars: two sections, each its own currency's, no grand total.
      expect(section(fabrikam, 'JPY').totals.ordered).to.equal('63777');
      expect(section(fabrikam, 'USD').totals).to.deep.equal(fig(['5.00', '5.00', '0.00', '0.00', '0.00', '0.00', '5.00', '0.00']));
      expect(section(fabrikam, 'USD').organisations.map((o) => o.orgId)).to.deep.equal(['30411']);
      expect(Object.keys(fabrikam)).not.to.include('totals');

      const both = await report(t.db, { from: '2025-01-01', to, orgId: '30411', currency: 'USD' });
      expect(both.currencies).to.have.length(1);
      expect(section(both, 'USD').suppliers).to.deep.equal([sup(HARBOUR, ['5.00', '5.00', '0.00', '0.00', '0.00', '5.00'])]);

      const none = await report(t.db, { from: '2025-01-01', to, orgId: '55120' });
      expect(none.currencies).to.deep.equal([]);
    });

    it('refuses an unknown organisation, an unknown currency and a bad period', async () => {
      const unknownOrg = await creditReport(t.db, { from: '2025-01-01', to: '2025-01-31', orgId: '99999' });
      expect(unknownOrg).to.deep.equal({ ok: false, error: { code: 'GW-CR-7033', params: { what: 'organisation', id: '99999' } } });
      const unknownCurrency = await creditReport(t.db, { from: '2025-01-01', to: '2025-01-31', currency: 'XYZ' });
      expect(unknownCurrency.ok ? null : unknownCurrency.error.code).to.equal('GW-CR-7001');
      const badPeriod = await creditReport(t.db, { from: '2025-02-01', to: '2025-01-31' });
      expect(badPeriod.ok ? null : badPeriod.error.code).to.equal('GW-CR-7035');
    });

    it('orgIds (a finance key\'s set): exactly those organisations, in SQL; with orgId, their intersection', async () => {
      const to = dayAfterToday();
      const all = await report(t.db, { from: '2025-01-01', to });
      const fabrikam = await report(t.db, { from: '2025-01-01', to, orgId: '30411' });
      const northwind = await report(t.db, { from: '2025-01-01', to, orgId: '19827' });

      const justFabrikam = await report(t.db, { from: '2025-01-01', to, orgIds: ['30411'] });
      expect(justFabrikam.filters).to.deep.equal({ currency: null, orgId: null, orgIds: ['30411'] });
      expect(justFabrikam.currencies).to.deep.equal(fabrikam.currencies);

      // Both organisations with credit, named out of order: the whole ledger, the set sorted.
      const both = await report(t.db, { from: '2025-01-01', to, orgIds: ['30411', '19827', '30411'] });
      expect(both.filters.orgIds).to.deep.equal(['19827', '30411']);
      expect(both.currencies).to.deep.equal(all.currencies);

      // 55120 holds no credit: the set adds nothing; 30411's yen and dollars are left out.
      const withEmpty = await report(t.db, { from: '2025-01-01', to, orgIds: ['55120', '19827'] });
      expect(withEmpty.currencies.map((c) => c.currency)).to.deep.equal(['USD']);
      expect(withEmpty.currencies).to.deep.equal(northwind.currencies);
      expect(section(withEmpty, 'USD').totals.ordered).to.equal('180.03');

      expect((await report(t.db, { from: '2025-01-01', to, orgIds: [] })).currencies).to.deep.equal([]);
      const inSet = await report(t.db, { from: '2025-01-01', to, orgId: '30411', orgIds: ['19827', '30411'] });
      expect(inSet.currencies).to.deep.equal(fabrikam.currencies);
      expect((await report(t.db, { from: '2025-01-01', to, orgId: '30411', orgIds: ['19827'] })).currencies).to.deep.equal([]);

      const unknown = await creditReport(t.db, { from: '2025-01-01', to, orgIds: ['19827', '99999'] });
      expect(unknown).to.deep.equal({ ok: false, error: { code: 'GW-CR-7033', params: { what: 'organisation', id: '99999' } } });
    });

    it('CSV of the figures: header, levels in order, amounts with their currency\'s decimals, CRLF', async () => {
      const r = await report(t.db, { from: '2025-01-01', to: '2025-06-30' });
      const csv = creditReportCsv(r);
      expect(csv.endsWith('\r\n')).to.equal(true);
      const lines = csv.split('\r\n');
      expect(lines.pop()).to.equal('');
      expect(lines.every((l) => !l.includes('\n') && !l.includes('\r'))).to.equal(true);
      expect(lines[0]).to.equal('level,currency,org_id,org_name,supplier_id,supplier_name,ordered,issued,redeemed,spent,refunded,voided,outstanding,balance');
      expect(lines.slice(1)).to.deep.equal([
        `supplier,JPY,30411,Fabrikam Retail,${BRIGHTLINE},Brightline Resellers,7777,7777,0,,0,0,7777,`,
        'organisation,JPY,30411,Fabrikam Retail,,,7777,7777,0,0,0,0,7777,0',
        'currency,JPY,,,,,7777,7777,0,0,0,0,7777,0',
        // Supplier ids sort as text: 16FCE4A0 before APPLE.
        `supplier,USD,19827,Northwind Schools,${BRIGHTLINE},Brightline Resellers,100.00,100.00,0.00,,25.00,0.00,75.00,`,
        `supplier,USD,19827,Northwind Schools,${APPLE},Apple,30.03,30.03,0.00,,0.00,0.00,31.02,`,
        'organisation,USD,19827,Northwind Schools,,,130.03,130.03,0.00,0.00,25.00,0.00,106.02,0.00',
        `supplier,USD,30411,Fabrikam Retail,${HARBOUR},Harbour IT,5.00,5.00,0.00,,0.00,0.00,5.00,`,
        'organisation,USD,30411,Fabrikam Retail,,,5.00,5.00,0.00,0.00,0.00,0.00,5.00,0.00',
        'currency,USD,,,,,135.03,135.03,0.00,0.00,25.00,0.00,111.02,0.00',
      ]);
      expect(creditMismatchesCsv(r)).to.equal('kind,currency,org_id,supplier_id,order_number,line,code_id,account_id,location,expected,actual,message\r\n');
    });

    it("CSV in a Dutch or German spreadsheet's convention (; and ,): the same figures as the JSON, to the cent", async () => {
      const r = await report(t.db, { from: '2025-01-01', to: '2025-06-30' });
      const convention = csvConventionOf(';', ',');
      if (typeof convention === 'string') throw new Error(convention);
      const lines = creditReportCsv(r, convention).split('\r\n').slice(0, -1);
      expect(lines[0]).to.equal('level;currency;org_id;org_name;supplier_id;supplier_name;ordered;issued;redeemed;spent;refunded;voided;outstanding;balance');
      const header = lines[0]!.split(';');
      const totals = lines.slice(1).filter((l) => l.startsWith('currency;')).map((l) => Object.fromEntries(l.split(';').map((v, i) => [header[i], v])));
      expect(totals.map((t) => t.currency)).to.deep.equal(r.currencies.map((c) => c.currency));
      for (const [i, section] of r.currencies.entries()) {
        for (const f of ['ordered', 'issued', 'redeemed', 'spent', 'refunded', 'voided', 'outstanding', 'balance'] as const) {
          expect(totals[i]![f], `${section.currency} ${f}`).to.equal(section.totals[f].replace('.', ','));
        }
      }
      expect(lines).to.include('currency;USD;;;;;135,03;135,03;0,00;0,00;25,00;0,00;111,02;0,00');
      expect(csvConventionOf(',', ',')).to.match(/cannot also be the delimiter/);
      expect(csvConventionOf('|', '.')).to.match(/the delimiter is/);
    });

    it('the ledger entries of the period add up to the report\'s flows, per currency and kind, exactly', async () => {
      const req = { from: '2025-01-01', to: '2025-06-30' };
      const r = await report(t.db, req);
      let csv = '';
      for await (const chunk of ledgerEntriesCsv(t.db, req)) csv += chunk;
      const [header, ...rows] = csv.split('\r\n').slice(0, -1).map((l) => l.split(','));
      expect(header).to.deep.equal([...LEDGER_ENTRIES_CSV_HEADER]);
      const col = (name: string) => header!.indexOf(name);
      const minor = (amount: string) => BigInt(amount.replace('.', ''));
      const sums = new Map<string, bigint>();
      for (const row of rows) {
        const key = `${row[col('currency')]}:${row[col('kind')]}`;
        sums.set(key, (sums.get(key) ?? 0n) + minor(row[col('amount')]!));
        expect(row[col('entry_id')]).to.match(/\S/);
      }
      expect(rows.length).to.be.greaterThan(0);
      for (const section of r.currencies) {
        for (const kind of ['issued', 'redeemed', 'spent', 'refunded', 'voided'] as const) {
          expect(sums.get(`${section.currency}:${kind}`) ?? 0n, `${section.currency} ${kind}`).to.equal(minor(section.totals[kind]));
        }
      }
      let empty = '';
      for await (const chunk of ledgerEntriesCsv(t.db, { from: '2001-01-01', to: '2001-01-31' })) empty += chunk;
      expect(empty.split('\r\n')[1]).to.match(/,none,.*no credit movement from 2001-01-01 to 2001-01-31$/);
    });

    it('XLSX: the figures as numbers whose text in the file is exactly the report\'s amounts, with the currency\'s decimals', async () => {
      const r = await report(t.db, { from: '2025-01-01', to: '2025-06-30' });
      const workbook = await creditReportXlsx(r);
      const sheets = await readXlsxFile(workbook, { parseNumber: (text: string) => text });
      // Numbers a spreadsheet sums, not text.
      const asNumbers = (await readXlsxFile(workbook))[0]!.data as unknown[][];
      const usdTotal = asNumbers.find((row) => row[0] === 'currency' && row[1] === 'USD')!;
      expect(usdTotal[CREDIT_REPORT_CSV_HEADER.indexOf('ordered')]).to.equal(135.03);
      expect(sheets.map((x) => x.sheet)).to.deep.equal(['Totals', 'Mismatches', 'Period']);
      const [header, ...rows] = sheets[0]!.data as unknown[][];
      expect(header).to.deep.equal([...CREDIT_REPORT_CSV_HEADER]);
      // The same rows as the CSV, amounts as exact decimal text ("135.03"; "0.00" is 0).
      const canonical = (amount: string) => amount.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
      const csvRows = creditReportCsv(r).split('\r\n').slice(1, -1).map((l) => l.split(','));
      expect(rows).to.have.lengthOf(csvRows.length);
      const from = CREDIT_REPORT_CSV_HEADER.indexOf('ordered');
      for (const [i, row] of rows.entries()) {
        for (const [j, cell] of row.entries()) {
          const expected = csvRows[i]![j]!;
          if (j >= from && expected !== '') expect(String(cell), `row ${i} ${header![j]}`).to.equal(canonical(expected));
          else expect(cell ?? '', `row ${i} ${header![j]}`).to.equal(expected);
        }
      }
      expect(sheets[2]!.data[1]).to.deep.equal(['2025-01-01', '2025-06-30', r.generatedAt]);
    });

    it('XLSX of the ledger entries: the CSV\'s rows, amounts as numbers that are exactly its amounts; too many entries is GW-CR-7036', async () => {
      const req = { from: '2025-01-01', to: '2025-06-30' };
      let csv = '';
      for await (const chunk of ledgerEntriesCsv(t.db, req)) csv += chunk;
      const csvRows = csv.split('\r\n').slice(1, -1).map((l) => l.split(','));
      const workbook = await ledgerEntriesXlsx(t.db, req);
      const sheets = await readXlsxFile(workbook, { parseNumber: (text: string) => text });
      expect(sheets.map((x) => x.sheet)).to.deep.equal(['Entries', 'Period']);
      const [header, ...rows] = sheets[0]!.data as unknown[][];
      expect(header).to.deep.equal([...LEDGER_ENTRIES_CSV_HEADER]);
      expect(rows).to.have.lengthOf(csvRows.length);
      const amountAt = LEDGER_ENTRIES_CSV_HEADER.indexOf('amount');
      const canonical = (amount: string) => amount.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
      for (const [i, row] of rows.entries()) {
        for (const [j, cell] of row.entries()) {
          const expected = csvRows[i]![j]!;
          if (j === amountAt) expect(String(cell), `row ${i} amount`).to.equal(canonical(expected));
          else expect(cell ?? '', `row ${i} ${header![j]}`).to.equal(expected);
        }
      }
      // Numbers a spreadsheet sums: per currency, the same total as the CSV's, exactly.
      const asNumbers = ((await readXlsxFile(workbook))[0]!.data as unknown[][]).slice(1);
      expect(asNumbers.every((row) => typeof row[amountAt] === 'number')).to.equal(true);
      expect(sheets[1]!.data[1]).to.deep.equal(['2025-01-01', '2025-06-30', String(rows.length)]);
      const empty = await readXlsxFile(await ledgerEntriesXlsx(t.db, { from: '2001-01-01', to: '2001-01-31' }));
      expect(empty[0]!.data[1]!.join(' ')).to.match(/none .*no credit movement from 2001-01-01 to 2001-01-31$/);
      // More entries than a workbook may hold (the limit lowered for the test): refused, pointing to the CSV.
      const limits = REPORT_LIMITS as { xlsxEntryRows: number };
      const saved = limits.xlsxEntryRows;
      limits.xlsxEntryRows = rows.length - 1;
      try {
        await ledgerEntriesXlsx(t.db, req).then(
          () => expect.fail('a period over the limit must be refused'),
          (err: unknown) => {
            expect(err).to.be.instanceOf(ReportRefused);
            expect((err as ReportRefused).error).to.deep.equal({ code: 'GW-CR-7036', params: { max: rows.length - 1 } });
          },
        );
      } finally {
        limits.xlsxEntryRows = saved;
      }
    });

    it('a period with no movement says so in the file, not with a bare header', async () => {
      const r = await report(t.db, { from: '2001-01-01', to: '2001-01-31' });
      const lines = creditReportCsv(r).split('\r\n');
      expect(lines[1]).to.equal('none,,,no credit movement from 2001-01-01 to 2001-01-31,,,,,,,,,,');
      expect(hasMovement(r)).to.equal(false);
      expect(hasMovement(await report(t.db, { from: '2025-01-01', to: '2025-06-30' }))).to.equal(true);
    });
  });

  describe('mismatches', () => {
    let t: TestDb;
    let tmp: { dir: string; remove(): void };
    let fabrikam: OrgRef;
    const to = () => dayAfterToday();

    beforeEach(async () => {
      t = await sampleDatabase();
      tmp = tempDir('gw-credit-report');
      fabrikam = await orgRef(t.db, '30411');
      const r = await ingestText({ ...intakeDeps(t.db), credit: settings }, tmp.dir, 'order.xml', creditOrderXml('HB-MM-1', 'OR', [{ line: '1', quantity: 3, amount: '3000', currency: 'JPY' }]), HARBOUR);
      expect(r.status, JSON.stringify(r.errors)).to.equal('applied');
      await redeem(t.db, fabrikam, 'HB-MM-1', 1, 'Tokyo HQ', 'JPY');
      await spend(t.db, fabrikam, 'Tokyo HQ', 'JPY', '100', 1);
    });
    afterEach(async () => {
      await t.close();
      tmp.remove();
    });

    it('none in a ledger that agrees with itself', async () => {
      const r = await report(t.db, { from: '2025-01-01', to: to() });
      expect(r.mismatches).to.deep.equal([]);
      expect(r.mismatchCounts).to.deep.equal({ ordered_not_issued: 0, code_unredeemed_past_window: 0, balance_mismatch: 0 });
      expect(section(r, 'JPY').totals).to.deep.equal(fig(['3000', '3000', '1000', '100', '0', '0', '2000', '900']));
    });

    it('balance_mismatch: an account whose stored balance is not the sum of its entries', async () => {
      await t.db('credit_accounts').update({ balance_minor: t.db.raw('balance_minor + 1') });
      const account = (await t.db('credit_accounts').first('account_id')) as { account_id: string };
      const r = await report(t.db, { from: '2025-01-01', to: to() });
      expect(r.mismatchCounts).to.deep.equal({ ordered_not_issued: 0, code_unredeemed_past_window: 0, balance_mismatch: 1 });
      expect(r.mismatches).to.deep.equal([
        {
          kind: 'balance_mismatch',
          accountId: account.account_id,
          orgId: '30411',
          location: 'Tokyo HQ',
          currency: 'JPY',
          balance: '901',
          entries: '900',
          message: `Account ${account.account_id} (organisation 30411, location Tokyo HQ) holds 901 JPY, but its entries sum to 900 JPY.`,
        },
      ]);
      // The figures come from the entries, not from the stored balance.
      expect(section(r, 'JPY').totals.balance).to.equal('900');
      // Filters apply to mismatches too.
      expect((await report(t.db, { from: '2025-01-01', to: to(), currency: 'USD' })).mismatchCounts.balance_mismatch).to.equal(0);
      expect((await report(t.db, { from: '2025-01-01', to: to(), orgId: '19827' })).mismatchCounts.balance_mismatch).to.equal(0);
      expect((await report(t.db, { from: '2025-01-01', to: to(), orgIds: ['19827', '55120'] })).mismatchCounts.balance_mismatch).to.equal(0);
      expect((await report(t.db, { from: '2025-01-01', to: to(), orgIds: ['19827', '30411'] })).mismatchCounts.balance_mismatch).to.equal(1);
      const csv = creditMismatchesCsv(r).split('\r\n');
      expect(csv[1]).to.equal(
        `balance_mismatch,JPY,30411,,,,,${account.account_id},Tokyo HQ,900,901,"Account ${account.account_id} (organisation 30411, location Tokyo HQ) holds 901 JPY, but its entries sum to 900 JPY."`,
      );
    });

    it('ordered_not_issued: an order line with no codes, and one with fewer codes than its quantity', async () => {
      const supplier = (await findSupplier(t.db, HARBOUR))!;
      const now = new Date().toISOString();
      await t.db('credit_order_lines').insert({
        supplier_pk: supplier.pk,
        order_number: 'HB-GHOST',
        line_number: '7',
        org_pk: fabrikam.pk,
        part_number: 'D6701Z/A',
        currency: 'JPY',
        amount_minor: '2000',
        quantity: 2,
        unit_minor: '1000',
        document_pk: null,
        order_date: '2026-11-02T00:00:00Z',
        ordered_at: now,
      });
      await t.db('credit_order_lines').where({ order_number: 'HB-MM-1' }).update({ quantity: 4, amount_minor: '4000' });
      const r = await report(t.db, { from: '2025-01-01', to: to() });
      expect(r.mismatchCounts).to.deep.equal({ ordered_not_issued: 2, code_unredeemed_past_window: 0, balance_mismatch: 0 });
      expect(r.mismatches).to.deep.equal([
        {
          kind: 'ordered_not_issued',
          supplierId: HARBOUR,
          orderNumber: 'HB-MM-1',
          line: '1',
          orgId: '30411',
          currency: 'JPY',
          quantity: 4,
          issuedUnits: 3,
          ordered: '4000',
          issued: '3000',
          message: `Order HB-MM-1 line 1 of supplier ${HARBOUR} for organisation 30411 ordered 4 units worth 4000 JPY, but 3 codes worth 3000 JPY were issued.`,
        },
        {
          kind: 'ordered_not_issued',
          supplierId: HARBOUR,
          orderNumber: 'HB-GHOST',
          line: '7',
          orgId: '30411',
          currency: 'JPY',
          quantity: 2,
          issuedUnits: 0,
          ordered: '2000',
          issued: '0',
          message: `Order HB-GHOST line 7 of supplier ${HARBOUR} for organisation 30411 ordered 2 units worth 2000 JPY, but 0 codes worth 0 JPY were issued.`,
        },
      ]);
      // The report shows the gap in its figures as well: ordered 6000, issued 3000.
      expect(section(r, 'JPY').totals.ordered).to.equal('6000');
      expect(section(r, 'JPY').totals.issued).to.equal('3000');
      const csv = creditMismatchesCsv(r).split('\r\n');
      expect(csv[2]!.startsWith(`ordered_not_issued,JPY,30411,${HARBOUR},HB-GHOST,7,,,,2000,0,"Order HB-GHOST line 7`)).to.equal(true);
      expect((await report(t.db, { from: '2025-01-01', to: to(), currency: 'USD' })).mismatchCounts.ordered_not_issued).to.equal(0);
    });

    it('code_unredeemed_past_window: unredeemed codes whose window closed before now, at most 1000 listed', async () => {
      // Every code's window closed on 2026-01-01: only the two unredeemed ones count.
      await t.db('credit_codes').update({ download_until: '2026-01-01T00:00:00.000Z' });
      const r = await report(t.db, { from: '2025-01-01', to: to() });
      expect(r.mismatchCounts).to.deep.equal({ ordered_not_issued: 0, code_unredeemed_past_window: 2, balance_mismatch: 0 });
      const unredeemed = (await t.db('credit_codes').where({ state: 'issued' }).orderBy('id').select('code_id')) as { code_id: string }[];
      expect(r.mismatches.map((m) => (m.kind === 'code_unredeemed_past_window' ? m.codeId : m.kind))).to.deep.equal(unredeemed.map((c) => c.code_id));
      expect(r.mismatches[0]).to.deep.equal({
        kind: 'code_unredeemed_past_window',
        codeId: unredeemed[0]!.code_id,
        orgId: '30411',
        supplierId: HARBOUR,
        orderNumber: 'HB-MM-1',
        line: '1',
        amount: '1000',
        currency: 'JPY',
        downloadUntil: '2026-01-01T00:00:00.000Z',
        message: `Code ${unredeemed[0]!.code_id} (1000 JPY, order HB-MM-1 line 1 of supplier ${HARBOUR}, organisation 30411) is unredeemed and its download window closed at 2026-01-01T00:00:00.000Z: re-issue it or take it back.`,
      });
      // As seen from before the window closed: none.
      const earlier = await report(t.db, { from: '2025-01-01', to: '2025-12-31' }, new Date('2025-12-31T12:00:00.000Z'));
      expect(earlier.generatedAt).to.equal('2025-12-31T12:00:00.000Z');
      expect(earlier.mismatchCounts.code_unredeemed_past_window).to.equal(0);
      expect((await report(t.db, { from: '2025-01-01', to: to(), orgId: '19827' })).mismatchCounts.code_unredeemed_past_window).to.equal(0);

      // 1001 more: all counted, 1000 listed.
      await orderAt(t.db, { supplierId: HARBOUR, orgId: '30411', orderNumber: 'HB-MANY', type: 'OR', lines: [{ line: '1', quantity: 1001, amount: '1001000', currency: 'JPY' }], at: '2025-01-02T00:00:00.000Z' });
      await t.db('credit_codes').update({ download_until: '2026-01-01T00:00:00.000Z' });
      const many = await report(t.db, { from: '2025-01-01', to: to() });
      expect(many.mismatchCounts.code_unredeemed_past_window).to.equal(1003);
      expect(many.mismatches.filter((m) => m.kind === 'code_unredeemed_past_window')).to.have.length(REPORT_LIMITS.maxMismatchesListed);
      const csv = creditMismatchesCsv(many).split('\r\n');
      expect(csv).to.have.length(1 + 1000 + 1);
      expect(csv[1]!.startsWith('code_unredeemed_past_window,JPY,30411,2B7D9C10,')).to.equal(true);
    });

    it('CSV: names that need quotes are quoted, names that a spreadsheet would run are defused', async () => {
      await t.db('organisations').where({ org_id: '30411' }).update({ name: '=HYPERLINK("http://evil.example","Fabrikam")' });
      await t.db('suppliers').where({ supplier_id: HARBOUR }).update({ name: 'Harbour, "IT"\nJapan' });
      const r = await report(t.db, { from: '2025-01-01', to: to() });
      const csv = creditReportCsv(r);
      expect(csv).to.equal(
        'level,currency,org_id,org_name,supplier_id,supplier_name,ordered,issued,redeemed,spent,refunded,voided,outstanding,balance\r\n' +
          `supplier,JPY,30411,"'=HYPERLINK(""http://evil.example"",""Fabrikam"")",${HARBOUR},"Harbour, ""IT""\nJapan",3000,3000,1000,,0,0,2000,\r\n` +
          `organisation,JPY,30411,"'=HYPERLINK(""http://evil.example"",""Fabrikam"")",,,3000,3000,1000,100,0,0,2000,900\r\n` +
          'currency,JPY,,,,,3000,3000,1000,100,0,0,2000,900\r\n',
      );
    });
  });

  describe('CSV fields', () => {
    it('plain numbers (negative ones too) as they are; formulas prefixed; RFC 4180 quoting', () => {
      expect(csvField('-12.50')).to.equal('-12.50');
      expect(csvField('+3')).to.equal('+3');
      expect(csvField('1500')).to.equal('1500');
      expect(csvField('=1+2')).to.equal("'=1+2");
      expect(csvField('+1+2')).to.equal("'+1+2");
      expect(csvField('-2+3')).to.equal("'-2+3");
      expect(csvField('@SUM(A1:A9)')).to.equal("'@SUM(A1:A9)");
      expect(csvField('\t=cmd')).to.equal("'\t=cmd");
      expect(csvField('=A1,B1')).to.equal(`"'=A1,B1"`);
      expect(csvField('a,b')).to.equal('"a,b"');
      expect(csvField('say "hi"')).to.equal('"say ""hi"""');
      expect(csvField('two\r\nlines')).to.equal('"two\r\nlines"');
      expect(csvField('Tokyo HQ')).to.equal('Tokyo HQ');
      expect(csvField('')).to.equal('');
    });

    it('a negative spent (a reversal of an earlier purchase) is written as a number', () => {
      const zeroUsd = fig(['0.00', '0.00', '0.00', '-12.50', '0.00', '0.00', '0.00', '12.50']);
      const r: CreditReport = {
        period: { from: '2026-01-01', to: '2026-01-31' },
        filters: { currency: null, orgId: null, orgIds: null },
        generatedAt: '2026-02-01T00:00:00.000Z',
        currencies: [{ currency: 'USD', minorUnit: 2, totals: zeroUsd, suppliers: [], organisations: [{ orgId: '19827', name: '-Northwind', ...zeroUsd, suppliers: [] }] }],
        mismatches: [],
        mismatchCounts: { ordered_not_issued: 0, code_unredeemed_past_window: 0, balance_mismatch: 0 },
      };
      expect(creditReportCsv(r).split('\r\n').slice(1)).to.deep.equal([
        "organisation,USD,19827,'-Northwind,,,0.00,0.00,0.00,-12.50,0.00,0.00,0.00,12.50",
        'currency,USD,,,,,0.00,0.00,0.00,-12.50,0.00,0.00,0.00,12.50',
        '',
      ]);
    });
  });

  describe('period', () => {
    const detailOf = (req: ReportRequest): string | undefined => {
      const p = parseReportPeriod(req);
      if (p.ok) return undefined;
      expect(p.error.code).to.equal('GW-CR-7035');
      return String(p.error.params?.detail);
    };

    it('from 00:00Z of the first day to 00:00Z of the day after the last', () => {
      expect(parseReportPeriod({ from: '2025-01-01', to: '2025-01-31' })).to.deep.equal({ ok: true, fromAt: '2025-01-01T00:00:00.000Z', toAt: '2025-02-01T00:00:00.000Z' });
      expect(parseReportPeriod({ from: '2024-02-29', to: '2024-02-29' })).to.deep.equal({ ok: true, fromAt: '2024-02-29T00:00:00.000Z', toAt: '2024-03-01T00:00:00.000Z' });
      expect(parseReportPeriod({ from: '2025-12-31', to: '2025-12-31', currency: 'JPY' })).to.deep.equal({ ok: true, fromAt: '2025-12-31T00:00:00.000Z', toAt: '2026-01-01T00:00:00.000Z' });
    });

    it('refuses what is not a date, from after to, more than 3660 days, an unknown currency', () => {
      expect(detailOf({ from: '2025-02-30', to: '2025-03-01' })).to.contain('not a calendar date');
      expect(detailOf({ from: '2025-1-01', to: '2025-03-01' })).to.match(/^from "2025-1-01" is not a calendar date/);
      expect(detailOf({ from: '2025-01-01', to: '2025-01-01T00:00:00Z' })).to.match(/^to "2025-01-01T00:00:00Z" is not a calendar date/);
      expect(detailOf({ from: '', to: '2025-01-01' })).to.contain('not a calendar date');
      expect(detailOf({ from: '2025-02-01', to: '2025-01-31' })).to.equal('from 2025-02-01 is after to 2025-01-31');
      const from = '2016-01-01';
      const last = (days: number) => new Date(Date.parse(`${from}T00:00:00Z`) + (days - 1) * DAY_MS).toISOString().slice(0, 10);
      expect(parseReportPeriod({ from, to: last(3660) }).ok).to.equal(true);
      expect(detailOf({ from, to: last(3661) })).to.contain('3661 days');
      expect(detailOf({ from: '9999-12-01', to: '9999-12-31' })).to.contain('9999-12-30');
      const currency = parseReportPeriod({ from: '2025-01-01', to: '2025-01-31', currency: 'XYZ' });
      expect(currency.ok ? null : currency.error.code).to.equal('GW-CR-7001');
    });
  });
});
