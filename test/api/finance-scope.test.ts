// Who reads which credit report, over real HTTP against a real database (SQLite, or
// PostgreSQL when DATABASE_URL is set). Reseller 2B7D9C10 sells volume credit to three
// organisations, each in its own currency: 30411 (JPY), 19827 (USD), 55120 (EUR), through
// gateway-XML purchase orders; one of 30411's order lines has no codes (a mismatch).
// A finance key limited to a set sees exactly that set; an unlimited one, and an operator,
// every organisation; an organisation admin its own.
import { join } from 'node:path';
import { expect } from 'chai';
import { linkSupplier, revokePrincipalKey } from '../../src/admin/operations.js';
import type { RunningServer } from '../../src/channels/http/server.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { findSupplier } from '../../src/store/suppliers.js';
import { databaseKind, sampleDatabase, TEST_ACTOR, type TestDb } from '../support/db.js';
import { KEY_B, RESELLER_B, startGateway } from '../support/http.js';
import { api, makeKey, type ApiAnswer } from '../support/api.js';
import { ingestText, intakeDeps, tempDir } from '../intake/support.js';

/** A gateway-XML purchase order with one credit line. */
function creditOrder(orderNumber: string, orgId: string, quantity: number, amount: string, currency: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<GatewayDocuments xmlns="urn:abm-edi-gateway:documents:1">
  <PurchaseOrder orderNumber="${orderNumber}" orderType="OR" orderDate="2026-11-02" customerId="${orgId}" poNumber="PO-${orderNumber}">
    <Line lineNumber="1" partNumber="D6701Z/A" quantity="${quantity}" amount="${amount}" currency="${currency}"/>
  </PurchaseOrder>
</GatewayDocuments>
`;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const FROM = day(Date.now() - 30 * 86_400_000);
const TO = day(Date.now() + 86_400_000);
const REPORT = `/v1/reports/credit?from=${FROM}&to=${TO}`;

interface Section {
  currency: string;
  totals: Record<string, string>;
  organisations: { orgId: string; issued: string }[];
}

/** Which organisations a JSON report shows, in which currencies: "USD:19827". */
function shown(body: { currencies: Section[] }): string[] {
  return body.currencies.flatMap((c) => c.organisations.map((o) => `${c.currency}:${o.orgId}`)).sort();
}

describe(`credit report scope by role (${databaseKind()})`, function () {
  this.timeout(30000);
  let t: TestDb;
  let gw: RunningServer;
  let spool: ReturnType<typeof tempDir>;
  let url: string;
  const keys: Record<string, string> = {};
  let limitedKeyId: string;

  before(async function () {
    t = await sampleDatabase();
    spool = tempDir('gw-finance-scope');
    gw = await startGateway(t.db, { intake: { ...DEFAULT_CONFIG.intake, spoolDir: join(spool.dir, 'spool') } });
    url = gw.url;
    // Harbour sells to 19827 and 55120 too once they have added it.
    await linkSupplier(t.db, TEST_ACTOR, '19827', RESELLER_B);
    await linkSupplier(t.db, TEST_ACTOR, '55120', RESELLER_B);
    const orders: [string, string, number, string, string][] = [
      ['HB-FS-JP', '30411', 3, '3000', 'JPY'],
      ['HB-FS-US', '19827', 4, '400.00', 'USD'],
      ['HB-FS-DE', '55120', 2, '50.00', 'EUR'],
    ];
    for (const [orderNumber, orgId, quantity, amount, currency] of orders) {
      const r = await ingestText(intakeDeps(t.db), join(spool.dir, 'in'), `${orderNumber}.xml`, creditOrder(orderNumber, orgId, quantity, amount, currency), RESELLER_B);
      expect(r.status, JSON.stringify(r.errors)).to.equal('applied');
    }
    // An order line of 30411 with no codes: a mismatch only 30411's readers may see.
    const harbour = (await findSupplier(t.db, RESELLER_B))!;
    const fabrikam = (await t.db('organisations').where({ org_id: '30411' }).first('id')) as { id: number };
    await t.db('credit_order_lines').insert({
      supplier_pk: harbour.pk,
      order_number: 'HB-FS-GHOST',
      line_number: '1',
      org_pk: fabrikam.id,
      part_number: 'D6701Z/A',
      currency: 'JPY',
      amount_minor: '2000',
      quantity: 2,
      unit_minor: '1000',
      document_pk: null,
      order_date: '2026-11-02T00:00:00Z',
      ordered_at: new Date().toISOString(),
    });
    keys.finance = (await makeKey(t.db, 'finance')).key;
    const limited = await makeKey(t.db, 'finance', { scopeOrgIds: ['19827'] });
    keys.limited = limited.key;
    limitedKeyId = limited.keyId;
    keys.pair = (await makeKey(t.db, 'finance', { scopeOrgIds: ['55120', '19827'] })).key;
    keys.operator = (await makeKey(t.db, 'operator')).key;
    keys.contoso = (await makeKey(t.db, 'org_admin', { orgId: '55120' })).key;
    keys.metrics = (await makeKey(t.db, 'metrics')).key;
  });
  after(async function () {
    await gw?.close();
    await t?.close();
    spool?.remove();
  });

  const get = (path: string, key: string | null) => api(url, 'GET', path, key);

  function expectRefused(r: ApiAnswer, status: number, code: string): void {
    expect(r.status, r.text).to.equal(status);
    expect(r.body.error.code, r.text).to.equal(code);
    expect(r.body.error.requestId).to.equal(r.headers.get('x-request-id'));
  }

  it('an unlimited finance key reads every organisation, and the mismatch of 30411', async function () {
    const r = await get(REPORT, keys.finance!);
    expect(r.status, r.text).to.equal(200);
    expect(shown(r.body)).to.deep.equal(['EUR:55120', 'JPY:30411', 'USD:19827']);
    expect(r.body.filters).to.deep.equal({ currency: null, orgId: null, orgIds: null });
    expect(r.body.mismatchCounts.ordered_not_issued).to.equal(1);
    expect(r.body.mismatches.map((m: { orgId: string }) => m.orgId)).to.deep.equal(['30411']);
  });

  it('an operator reads the same report as an unlimited finance key', async function () {
    const asOperator = await get(REPORT, keys.operator!);
    const asFinance = await get(REPORT, keys.finance!);
    expect(asOperator.status, asOperator.text).to.equal(200);
    expect({ ...asOperator.body, generatedAt: null }).to.deep.equal({ ...asFinance.body, generatedAt: null });
    const named = await get(`${REPORT}&org=55120`, keys.operator!);
    expect(named.status, named.text).to.equal(200);
    expect(shown(named.body)).to.deep.equal(['EUR:55120']);
  });

  it('a finance key limited to 19827 reads exactly 19827: its figures, none of the others, not their mismatches', async function () {
    const r = await get(REPORT, keys.limited!);
    expect(r.status, r.text).to.equal(200);
    expect(shown(r.body)).to.deep.equal(['USD:19827']);
    expect(r.body.filters).to.deep.equal({ currency: null, orgId: null, orgIds: ['19827'] });
    const usd = r.body.currencies[0] as Section;
    expect(usd.totals).to.include({ ordered: '400.00', issued: '400.00', outstanding: '400.00' });
    expect(r.body.mismatchCounts).to.deep.equal({ ordered_not_issued: 0, code_unredeemed_past_window: 0, balance_mismatch: 0 });
    // The same figures as the operator's report of 19827 alone.
    const operators = await get(`${REPORT}&org=19827`, keys.operator!);
    expect(r.body.currencies).to.deep.equal(operators.body.currencies);
  });

  it('the limited key may name an organisation of its set', async function () {
    const r = await get(`${REPORT}&org=19827&currency=USD`, keys.limited!);
    expect(r.status, r.text).to.equal(200);
    expect(r.body.filters).to.deep.equal({ currency: 'USD', orgId: '19827', orgIds: null });
    expect(shown(r.body)).to.deep.equal(['USD:19827']);
  });

  it('naming an organisation outside the set is 403, saying which it covers, the same whether it exists or not', async function () {
    const other = await get(`${REPORT}&org=30411`, keys.limited!);
    expectRefused(other, 403, 'GW-AUTH-403');
    expect(other.body.error.message).to.include('19827').and.to.include('30411');
    const missing = await get(`${REPORT}&org=99999`, keys.limited!);
    expectRefused(missing, 403, 'GW-AUTH-403');
    expect(missing.body.error.message.replace('99999', 'X')).to.equal(other.body.error.message.replace('30411', 'X'));
  });

  it('CSV, totals and mismatches, hold only the set', async function () {
    const totals = await get(`${REPORT}&format=csv`, keys.limited!);
    expect(totals.status, totals.text).to.equal(200);
    expect(totals.headers.get('content-type')).to.match(/^text\/csv/);
    const rows = totals.text.trimEnd().split('\r\n').slice(1);
    expect(rows.length).to.be.above(0);
    for (const row of rows) expect(row).to.match(/^(supplier|organisation|currency),USD,/);
    expect(totals.text).to.include('19827').and.not.include('30411').and.not.include('55120');
    const mismatches = await get(`${REPORT}&format=csv&section=mismatches`, keys.limited!);
    expect(mismatches.status, mismatches.text).to.equal(200);
    expect(mismatches.text.trimEnd().split('\r\n')).to.have.length(1);
    const all = await get(`${REPORT}&format=csv&section=mismatches`, keys.finance!);
    expect(all.text).to.include('HB-FS-GHOST');
  });

  it('a finance key of two organisations reads both, in their own currencies, and not the third', async function () {
    const r = await get(REPORT, keys.pair!);
    expect(r.status, r.text).to.equal(200);
    expect(shown(r.body)).to.deep.equal(['EUR:55120', 'USD:19827']);
    expect(r.body.filters.orgIds).to.deep.equal(['19827', '55120']);
    expect(r.body.currencies.map((c: Section) => c.currency)).to.deep.equal(['EUR', 'USD']);
    const one = await get(`${REPORT}&org=55120`, keys.pair!);
    expect(shown(one.body)).to.deep.equal(['EUR:55120']);
    expectRefused(await get(`${REPORT}&org=30411`, keys.pair!), 403, 'GW-AUTH-403');
  });

  it('an organisation admin reads its own organisation only', async function () {
    const own = await get(REPORT, keys.contoso!);
    expect(own.status, own.text).to.equal(200);
    expect(shown(own.body)).to.deep.equal(['EUR:55120']);
    expect(own.body.filters.orgId).to.equal('55120');
    expectRefused(await get(`${REPORT}&org=19827`, keys.contoso!), 403, 'GW-AUTH-403');
  });

  it('reseller and metrics keys read no report; a revoked finance key stops at once', async function () {
    expectRefused(await get(REPORT, KEY_B), 403, 'GW-AUTH-403');
    expectRefused(await get(REPORT, keys.metrics!), 403, 'GW-AUTH-403');
    expectRefused(await get(REPORT, null), 401, 'GW-AUTH-401');
    expect((await get(REPORT, keys.limited!)).status).to.equal(200);
    await revokePrincipalKey(t.db, TEST_ACTOR, limitedKeyId);
    expectRefused(await get(REPORT, keys.limited!), 401, 'GW-AUTH-401');
  });

  it('the query is checked: a missing period 422 GW-CR-7035, another parameter 422 GW-CR-7006', async function () {
    const noTo = await get(`/v1/reports/credit?from=${FROM}`, keys.finance!);
    expectRefused(noTo, 422, 'GW-CR-7035');
    expect(noTo.body.error.message).to.include('from and to are required');
    const badDate = await get(`/v1/reports/credit?from=${FROM}&to=tomorrow`, keys.finance!);
    expectRefused(badDate, 422, 'GW-CR-7035');
    expect(badDate.body.error.message).to.include('to is not a calendar date');
    const section = await get(`${REPORT}&section=everything`, keys.finance!);
    expectRefused(section, 422, 'GW-CR-7006');
    expect(section.body.error.message).to.include('section');
    const unknown = await get(`${REPORT}&orgs=19827`, keys.finance!);
    expectRefused(unknown, 422, 'GW-CR-7006');
    expect(unknown.body.error.message).to.include('orgs');
    expectRefused(await get(`${REPORT}&org=99999`, keys.finance!), 404, 'GW-CR-7033');
  });
});
