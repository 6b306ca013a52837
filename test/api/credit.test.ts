// Volume credit over real HTTP against a real database (SQLite, or PostgreSQL when
// DATABASE_URL is set), loaded with samples/: reseller 2B7D9C10 sells organisation 30411
// three 1000 JPY codes through a gateway-XML purchase order; the organisation's admin
// lists, redeems, spends, reverses and re-issues them; finance reads the report.
import { join } from 'node:path';
import { expect } from 'chai';
import { createPrincipalKey, revokePrincipalKey } from '../../src/admin/operations.js';
import { createApp } from '../../src/channels/http/app.js';
import { startServer, type RunningServer } from '../../src/channels/http/server.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import { jsonLogger } from '../../src/log/logger.js';
import { databaseKind, sampleDatabase, TEST_ACTOR, type TestDb } from '../support/db.js';
import { KEY_B, RESELLER_B, startGateway } from '../support/http.js';
import { testCreditSettings } from '../support/credit.js';
import { ingestText, intakeDeps, tempDir } from '../intake/support.js';

interface Reply {
  status: number;
  contentType: string;
  headers: Headers;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers of many shapes, read field by field
}

const CREDIT_ORDER = `<?xml version="1.0" encoding="UTF-8"?>
<GatewayDocuments xmlns="urn:abm-edi-gateway:documents:1">
  <PurchaseOrder orderNumber="HB-2026-CR01" orderType="OR" orderDate="2026-11-02" customerId="30411" poNumber="FAB-PO-CR1">
    <Line lineNumber="1" partNumber="D6701Z/A" quantity="3" amount="3000" currency="JPY"/>
  </PurchaseOrder>
</GatewayDocuments>
`;

const CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/;
const CODES_CSV_HEADER = 'code_id,code,hint,supplier_id,order_number,line,unit,amount,currency,state,issued_at,download_until,settled_at';
const MONEY_FIELDS = new Set(['amount', 'balance', 'total', 'unitPrice']);

/** Paths of number-valued fields named like money (amount, unitPrice, openingBalance...), anywhere in a JSON value; counts are numbers. */
function numericMoneyFields(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => numericMoneyFields(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [
    ...(typeof v === 'number' && (MONEY_FIELDS.has(k) || /(Amount|Balance|Total|Price)$/.test(k)) ? [`${path}.${k}`] : []),
    ...numericMoneyFields(v, `${path}.${k}`),
  ]);
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

describe(`volume credit API (${databaseKind()})`, function () {
  this.timeout(20000);
  let t: TestDb;
  let gw: RunningServer;
  let logged: RunningServer;
  const logLines: string[] = [];
  let spool: ReturnType<typeof tempDir>;
  let orgKey: string;
  let otherOrgKey: string;
  let financeKey: string;
  /** Every JSON answer of the suite, walked at the end for amounts that are numbers. */
  const answers: { what: string; body: unknown }[] = [];

  before(async function () {
    t = await sampleDatabase();
    spool = tempDir('gw-credit-api');
    const overrides = { intake: { ...DEFAULT_CONFIG.intake, spoolDir: join(spool.dir, 'spool') } };
    gw = await startGateway(t.db, overrides);
    // A second gateway on the same database, logging every request, to show what is logged.
    const config: GatewayConfig = { ...DEFAULT_CONFIG, port: 0, ...overrides, requestLog: true };
    logged = await startServer(createApp(t.db, config, jsonLogger((l) => logLines.push(l)), testCreditSettings()), config);
    const order = await ingestText(intakeDeps(t.db), join(spool.dir, 'in'), 'credit-order.xml', CREDIT_ORDER, RESELLER_B);
    expect(order.status, JSON.stringify(order)).to.equal('applied');
    orgKey = (await createPrincipalKey(t.db, TEST_ACTOR, { role: 'org_admin', orgId: '30411', label: 'Fabrikam IT' })).key;
    otherOrgKey = (await createPrincipalKey(t.db, TEST_ACTOR, { role: 'org_admin', orgId: '19827' })).key;
    financeKey = (await createPrincipalKey(t.db, TEST_ACTOR, { role: 'finance' })).key;
  });
  after(async function () {
    await gw?.close();
    await logged?.close();
    await t?.close();
    spool?.remove();
  });

  async function request(
    method: 'GET' | 'POST',
    path: string,
    opts: { key?: string | null; json?: unknown; body?: string; headers?: Record<string, string>; idempotencyKey?: string; base?: string } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? orgKey : opts.key;
    if (key) headers.authorization = `Bearer ${key}`;
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${opts.base ?? gw.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(text);
      answers.push({ what: `${method} ${path}`, body: parsed });
    } catch {
      /* CSV: tests read `text` */
    }
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', headers: res.headers, text, body: parsed };
  }

  const redeem = (code: string, idempotencyKey: string, opts: { currency?: string; location?: string; key?: string } = {}) =>
    request('POST', '/v1/credit/redemptions', {
      json: { code, location: opts.location ?? 'Tokyo HQ', currency: opts.currency ?? 'JPY' },
      idempotencyKey,
      ...(opts.key ? { key: opts.key } : {}),
    });

  const spend = (fields: Record<string, unknown>, idempotencyKey: string) =>
    request('POST', '/v1/credit/spends', {
      json: { location: 'Tokyo HQ', currency: 'JPY', date: '2026-11-05', itemId: '361309726', quantity: 2, unitPrice: '300', ...fields },
      idempotencyKey,
    });

  function expectCodedError(r: Reply, status: number, code: string): void {
    expect(r.status, r.text).to.equal(status);
    expect(r.contentType).to.match(/^application\/json/);
    expect(r.body.error.code, r.text).to.equal(code);
    expect(r.body.error.message).to.be.a('string').that.is.not.empty;
    expect(r.text).to.not.match(/\n\s+at\s/);
  }

  let codes: { codeId: string; code: string; amount: string; state: string }[];

  describe('who may call', function () {
    it('401 GW-AUTH-401 without a key and with an unknown key', async function () {
      expectCodedError(await request('GET', '/v1/credit/accounts', { key: null }), 401, 'GW-AUTH-401');
      expectCodedError(await request('GET', '/v1/credit/accounts', { key: 'gwk_org_not-a-key-of-ours-at-all-000000' }), 401, 'GW-AUTH-401');
      expectCodedError(await request('GET', '/v1/reports/credit?from=2026-01-01&to=2026-01-02', { key: 'nope' }), 401, 'GW-AUTH-401');
    });

    it('a revoked organisation admin key: 401 from the next request on', async function () {
      const made = await createPrincipalKey(t.db, TEST_ACTOR, { role: 'org_admin', orgId: '30411', label: 'to revoke' });
      const before = await request('GET', '/v1/credit/accounts', { key: made.key });
      expect(before.status, before.text).to.equal(200);
      await revokePrincipalKey(t.db, TEST_ACTOR, made.keyId);
      expectCodedError(await request('GET', '/v1/credit/accounts', { key: made.key }), 401, 'GW-AUTH-401');
    });

    it('403 GW-AUTH-403 for a reseller key, and for finance on the organisation routes', async function () {
      const reseller = await request('GET', '/v1/credit/codes', { key: KEY_B });
      expectCodedError(reseller, 403, 'GW-AUTH-403');
      expect(reseller.body.error.message).to.match(/organisation admin key/);
      const finance = await request('GET', '/v1/credit/accounts', { key: financeKey });
      expectCodedError(finance, 403, 'GW-AUTH-403');
      expect(finance.body.error.message).to.match(/organisation admin key.*finance key/);
      expectCodedError(await request('POST', '/v1/credit/redemptions', { key: financeKey, json: { code: 'x', location: 'L', currency: 'JPY' }, idempotencyKey: 'f1' }), 403, 'GW-AUTH-403');
      expectCodedError(await request('GET', '/v1/reports/credit?from=2026-01-01&to=2026-01-02', { key: KEY_B }), 403, 'GW-AUTH-403');
    });
  });

  describe('codes', function () {
    it('GET /v1/credit/codes: the order\'s three 1000 JPY codes, Cache-Control no-store', async function () {
      const r = await request('GET', '/v1/credit/codes');
      expect(r.status, r.text).to.equal(200);
      expect(r.headers.get('cache-control')).to.equal('no-store');
      expect(r.body).to.include({ orgId: '30411', count: 3, limit: 1000 });
      codes = r.body.codes;
      expect(codes).to.have.length(3);
      for (const c of r.body.codes) {
        expect(c).to.include({ supplierId: RESELLER_B, orderNumber: 'HB-2026-CR01', line: '1', amount: '1000', currency: 'JPY', state: 'issued', settledAt: null });
        expect(c.code).to.match(CODE_PATTERN);
        expect(c.codeId).to.match(/^crc_/);
      }
      expect(new Set(codes.map((c) => c.code)).size).to.equal(3);
    });

    it('GET /v1/credit/codes?format=csv: the CSV columns, one row per code, no-store', async function () {
      const r = await request('GET', '/v1/credit/codes?format=csv&order=HB-2026-CR01&state=issued&limit=2');
      expect(r.status, r.text).to.equal(200);
      expect(r.contentType).to.match(/^text\/csv/);
      expect(r.headers.get('cache-control')).to.equal('no-store');
      const lines = r.text.trimEnd().split('\r\n');
      expect(lines[0]).to.equal(CODES_CSV_HEADER);
      expect(lines).to.have.length(3);
      expect(lines[1]!.split(',').slice(0, 2)).to.deep.equal([codes[0]!.codeId, codes[0]!.code]);
      expect(lines[1]!.split(',').slice(7, 10)).to.deep.equal(['1000', 'JPY', 'issued']);
    });

    it('bad listing parameters are 422 GW-CR-7006', async function () {
      expectCodedError(await request('GET', '/v1/credit/codes?limit=10001'), 422, 'GW-CR-7006');
      expectCodedError(await request('GET', '/v1/credit/codes?state=lost'), 422, 'GW-CR-7006');
      expectCodedError(await request('GET', '/v1/credit/codes?format=xml'), 422, 'GW-CR-7006');
    });

    it('another organisation\'s admin sees none of them', async function () {
      const r = await request('GET', '/v1/credit/codes', { key: otherOrgKey });
      expect(r.status, r.text).to.equal(200);
      expect(r.body).to.include({ orgId: '19827', count: 0 });
    });
  });

  describe('redemption', function () {
    let first: Reply;

    it('201 the first time, into the location\'s account', async function () {
      first = await redeem(codes[0]!.code, 'redeem-1');
      expect(first.status, first.text).to.equal(201);
      expect(first.headers.get('idempotent-replayed')).to.equal(null);
      expect(first.body).to.include({ kind: 'redeemed', orgId: '30411', location: 'Tokyo HQ', currency: 'JPY', amount: '1000', balance: '1000', codeId: codes[0]!.codeId });
      expect(first.body.entryId).to.match(/^cre_/);
      expect(first.body).to.not.have.property('replayed');
      expect(first.text).to.not.include(codes[0]!.code);
    });

    it('the same key and body again: 200, the same body, Idempotent-Replayed: true', async function () {
      const again = await redeem(codes[0]!.code, 'redeem-1');
      expect(again.status, again.text).to.equal(200);
      expect(again.headers.get('idempotent-replayed')).to.equal('true');
      expect(again.body).to.deep.equal(first.body);
    });

    it('the same key with another body: 409 GW-CR-7031', async function () {
      expectCodedError(await redeem(codes[1]!.code, 'redeem-1'), 409, 'GW-CR-7031');
    });

    it('another organisation\'s code: 403 GW-CR-7022', async function () {
      expectCodedError(await redeem(codes[1]!.code, 'other-1', { key: otherOrgKey }), 403, 'GW-CR-7022');
    });

    it('a code redeemed already, under a new key: 409 GW-CR-7021', async function () {
      expectCodedError(await redeem(codes[0]!.code, 'redeem-2'), 409, 'GW-CR-7021');
    });

    it('into an account of another currency: GW-CR-7023', async function () {
      expectCodedError(await redeem(codes[1]!.code, 'redeem-usd', { currency: 'USD' }), 422, 'GW-CR-7023');
    });

    it('an unknown code: 404 GW-CR-7020', async function () {
      expectCodedError(await redeem('00000-00000-00000-00000', 'redeem-unknown'), 404, 'GW-CR-7020');
    });

    it('the envelope: unknown keys and non-objects 400, missing fields 422, no Idempotency-Key 400 GW-CR-7030, too large 413, not JSON 415', async function () {
      expectCodedError(
        await request('POST', '/v1/credit/redemptions', { json: { code: codes[1]!.code, location: 'Tokyo HQ', currency: 'JPY', extra: 1 }, idempotencyKey: 'env-1' }),
        400,
        'GW-CR-7006',
      );
      expectCodedError(await request('POST', '/v1/credit/redemptions', { json: [codes[1]!.code], idempotencyKey: 'env-2' }), 400, 'GW-CR-7006');
      expectCodedError(await request('POST', '/v1/credit/redemptions', { body: '{"code":', headers: { 'content-type': 'application/json' }, idempotencyKey: 'env-3' }), 400, 'GW-CR-7006');
      expectCodedError(await request('POST', '/v1/credit/redemptions', { json: { code: codes[1]!.code, location: 'Tokyo HQ' }, idempotencyKey: 'env-4' }), 422, 'GW-CR-7006');
      expectCodedError(await request('POST', '/v1/credit/redemptions', { json: { code: codes[1]!.code, location: 'Tokyo HQ', currency: 'JPY' } }), 400, 'GW-CR-7030');
      // Size and content type are checked before the body is read, with the /v1 codes.
      expectCodedError(await request('POST', '/v1/credit/redemptions', { body: 'x'.repeat(70 * 1024), headers: { 'content-type': 'application/json' }, idempotencyKey: 'env-5' }), 413, 'GW-API-4130');
      expectCodedError(await request('POST', '/v1/credit/redemptions', { body: 'code=x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, idempotencyKey: 'env-6' }), 415, 'GW-API-4150');
    });
  });

  describe('spending', function () {
    let spent: Reply;

    it('a content purchase: 201, the balance as a string', async function () {
      spent = await spend({}, 'spend-1');
      expect(spent.status, spent.text).to.equal(201);
      expect(spent.body).to.include({ kind: 'spent', location: 'Tokyo HQ', currency: 'JPY', amount: '600', balance: '400', unitPrice: '300', quantity: 2, itemId: '361309726', date: '2026-11-05' });
      expect(spent.body.balance).to.be.a('string');
      const replay = await spend({}, 'spend-1');
      expect(replay.status, replay.text).to.equal(200);
      expect(replay.headers.get('idempotent-replayed')).to.equal('true');
      expect(replay.body).to.deep.equal(spent.body);
    });

    it('a JSON number as unitPrice: 422 GW-CR-7002, the ledger\'s own refusal', async function () {
      expectCodedError(await spend({ unitPrice: 0.5 }, 'spend-float'), 422, 'GW-CR-7002');
      expectCodedError(await spend({ unitPrice: 300 }, 'spend-number'), 422, 'GW-CR-7002');
    });

    it('more than the balance: 422 GW-CR-7028, and the balance is untouched', async function () {
      expectCodedError(await spend({ quantity: 1, unitPrice: '500' }, 'spend-over'), 422, 'GW-CR-7028');
      const accounts = await request('GET', '/v1/credit/accounts');
      expect(accounts.body.accounts.map((a: { location: string; balance: string }) => [a.location, a.balance])).to.deep.equal([['Tokyo HQ', '400']]);
    });

    it('a reversal restores the balance; a second reversal is refused', async function () {
      const r = await request('POST', `/v1/credit/spends/${spent.body.entryId}/reversal`, { idempotencyKey: 'reverse-1' });
      expect(r.status, r.text).to.equal(201);
      expect(r.body).to.include({ kind: 'spent', amount: '-600', balance: '1000', reverses: spent.body.entryId });
      const replay = await request('POST', `/v1/credit/spends/${spent.body.entryId}/reversal`, { idempotencyKey: 'reverse-1' });
      expect(replay.status, replay.text).to.equal(200);
      expect(replay.body).to.deep.equal(r.body);
      expectCodedError(await request('POST', `/v1/credit/spends/${spent.body.entryId}/reversal`, { idempotencyKey: 'reverse-2' }), 409, 'GW-CR-7027');
      expectCodedError(await request('POST', '/v1/credit/spends/cre_nope/reversal', { idempotencyKey: 'reverse-3' }), 404, 'GW-CR-7033');
      const accounts = await request('GET', '/v1/credit/accounts');
      expect(accounts.body.accounts[0]).to.include({ location: 'Tokyo HQ', currency: 'JPY', balance: '1000' });
    });
  });

  describe('re-issue', function () {
    it('a new code for an unredeemed unit; the old one is refused GW-CR-7025, the new one redeems', async function () {
      const old = codes[2]!;
      const r = await request('POST', `/v1/credit/codes/${old.codeId}/reissue`);
      expect(r.status, r.text).to.equal(201);
      expect(r.headers.get('cache-control')).to.equal('no-store');
      expect(r.body).to.include({ codeId: old.codeId, amount: '1000', currency: 'JPY', state: 'issued' });
      expect(r.body.code).to.match(CODE_PATTERN).and.not.equal(old.code);
      expectCodedError(await redeem(old.code, 'reissued-old'), 409, 'GW-CR-7025');
      const fresh = await redeem(r.body.code, 'reissued-new');
      expect(fresh.status, fresh.text).to.equal(201);
      expect(fresh.body).to.include({ amount: '1000', balance: '2000', codeId: old.codeId });
      expectCodedError(await request('POST', `/v1/credit/codes/${old.codeId}/reissue`), 409, 'GW-CR-7032');
      expectCodedError(await request('POST', '/v1/credit/codes/crc_nope/reissue'), 404, 'GW-CR-7033');
      expectCodedError(await request('POST', `/v1/credit/codes/${codes[1]!.codeId}/reissue`, { key: otherOrgKey }), 404, 'GW-CR-7033');
    });
  });

  describe('purchase history import', function () {
    const csv = (rows: string[]) => ['date,item_id,quantity,unit_price,currency,purchase_id', ...rows].join('\r\n') + '\r\n';
    const upload = (body: string, location = 'Tokyo%20HQ', contentType = 'text/csv') =>
      request('POST', `/v1/credit/purchases?location=${location}`, { body, headers: { 'content-type': contentType, 'x-file-name': 'purchases.csv' } });

    it('a CSV of purchases: 201 applied, the balance spent', async function () {
      const r = await upload(csv(['2026-11-06,361309726,1,100,JPY,VPP-30411-0001', '2026-11-06,284417350,2,50,JPY,VPP-30411-0002']));
      expect(r.status, r.text).to.equal(201);
      expect(r.body).to.include({ status: 'applied', rows: 2, recorded: 2, fileName: 'purchases.csv' });
      expect(r.body.errors).to.deep.equal([]);
      const accounts = await request('GET', '/v1/credit/accounts');
      expect(accounts.body.accounts[0]).to.include({ balance: '1800' });
    });

    it('a file the ledger refuses: 422 rejected, nothing spent', async function () {
      const r = await upload(csv(['2026-11-07,361309726,1,100,JPY,VPP-30411-0003', '2026-11-07,361309726,1,99999,JPY,VPP-30411-0004']));
      expect(r.status, r.text).to.equal(422);
      expect(r.body.status).to.equal('rejected');
      expect(r.body.errors).to.have.length.above(0);
      const accounts = await request('GET', '/v1/credit/accounts');
      expect(accounts.body.accounts[0]).to.include({ balance: '1800' });
    });

    it('no valid location 422, not CSV 415', async function () {
      expectCodedError(await upload(csv([]), ''), 422, 'GW-CR-7006');
      expectCodedError(await upload(csv([]), 'Tokyo%20HQ', 'application/json'), 415, 'GW-CR-7006');
    });
  });

  describe('report', function () {
    const from = isoDay(Date.now() - 30 * 86_400_000);
    const to = isoDay(Date.now() + 86_400_000);

    it('finance: JSON for every organisation, with 30411\'s JPY figures', async function () {
      const r = await request('GET', `/v1/reports/credit?from=${from}&to=${to}`, { key: financeKey });
      expect(r.status, r.text).to.equal(200);
      expect(r.body.period).to.deep.equal({ from, to });
      expect(r.body.filters).to.deep.equal({ currency: null, orgId: null, orgIds: null });
      const jpy = r.body.currencies.find((c: { currency: string }) => c.currency === 'JPY');
      expect(jpy, r.text).to.not.equal(undefined);
      const org = jpy.organisations.find((o: { orgId: string }) => o.orgId === '30411');
      expect(org).to.include({ issued: '3000', redeemed: '2000', balance: '1800' });
    });

    it('finance: CSV totals and mismatches', async function () {
      const totals = await request('GET', `/v1/reports/credit?from=${from}&to=${to}&format=csv&currency=JPY`, { key: financeKey });
      expect(totals.status, totals.text).to.equal(200);
      expect(totals.contentType).to.match(/^text\/csv/);
      expect(totals.text).to.include('30411');
      const mismatches = await request('GET', `/v1/reports/credit?from=${from}&to=${to}&format=csv&section=mismatches`, { key: financeKey });
      expect(mismatches.status, mismatches.text).to.equal(200);
      expect(mismatches.contentType).to.match(/^text\/csv/);
      expect(mismatches.text.split('\r\n')[0]).to.be.a('string').that.is.not.empty;
    });

    it('an organisation admin is held to its own organisation; naming another is 403', async function () {
      const own = await request('GET', `/v1/reports/credit?from=${from}&to=${to}`);
      expect(own.status, own.text).to.equal(200);
      expect(own.body.filters.orgId).to.equal('30411');
      for (const c of own.body.currencies) for (const o of c.organisations) expect(o.orgId).to.equal('30411');
      const named = await request('GET', `/v1/reports/credit?from=${from}&to=${to}&org=30411`);
      expect(named.status, named.text).to.equal(200);
      expectCodedError(await request('GET', `/v1/reports/credit?from=${from}&to=${to}&org=19827`), 403, 'GW-AUTH-403');
    });

    it('a bad period: 422 GW-CR-7035', async function () {
      expectCodedError(await request('GET', `/v1/reports/credit?from=${to}`, { key: financeKey }), 422, 'GW-CR-7035');
      expectCodedError(await request('GET', `/v1/reports/credit?from=${to}&to=${from}`, { key: financeKey }), 422, 'GW-CR-7035');
    });
  });

  describe('what is logged', function () {
    it('request logs name the principal and never a code', async function () {
      const listed = await request('GET', '/v1/credit/codes', { base: logged.url });
      expect(listed.status, listed.text).to.equal(200);
      const reissued = await request('POST', `/v1/credit/codes/${codes[1]!.codeId}/reissue`, { base: logged.url });
      expect(reissued.status, reissued.text).to.equal(201);
      const redeemed = await request('POST', '/v1/credit/redemptions', { base: logged.url, json: { code: reissued.body.code, location: 'Osaka', currency: 'JPY' }, idempotencyKey: 'logged-1' });
      expect(redeemed.status, redeemed.text).to.equal(201);
      const text = logLines.join('\n');
      expect(text).to.include('org-admin:30411:pkey_');
      for (const c of [...codes.map((x) => x.code), reissued.body.code as string]) {
        expect(text).to.not.include(c);
        expect(text).to.not.include(c.replace(/-/g, ''));
      }
      expect(text).to.not.include(orgKey);
    });
  });

  // Last: mocha runs a block's own tests before its nested blocks.
  describe('amounts', function () {
    it('every amount in every JSON answer above is a string', function () {
      expect(answers.length).to.be.above(40);
      const numbers = answers.flatMap((a) => numericMoneyFields(a.body).map((p) => `${a.what}: ${p}`));
      expect(numbers).to.deep.equal([]);
    });
  });
});
