// Volume credit end to end: purchase orders through the intake pipeline issue codes;
// codes are redeemed into accounts, spent, corrected; returns and voids take back only
// what is not redeemed; every write is idempotent; a refused credit line refuses its
// document and changes nothing.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { listAccounts, listCodes, recordSpend, redeemCode, reverseSpend, type OrgRef } from '../../src/credit/ledger.js';
import { DEFAULT_CREDIT_CONFIG } from '../../src/credit/defaults.js';
import type { CreditPolicy } from '../../src/domain/credit.js';
import { toMinor } from '../../src/store/credit.js';
import { databaseKind, sampleDatabase, TEST_ACTOR, type TestDb } from '../support/db.js';
import { creditOrderXml, testCreditSettings } from '../support/credit.js';
import { ingestText, intakeDeps, tableCounts, tempDir } from '../intake/support.js';

const HARBOUR = '2B7D9C10';
const LOCATION = 'Tokyo HQ';

describe(`volume credit flows through intake (${databaseKind()})`, function () {
  this.timeout(30000);
  let t: TestDb;
  let tmp: { dir: string; remove(): void };
  let org: OrgRef;
  const settings = testCreditSettings({ acceptedCurrencies: { '30411': ['USD'] } });
  const deps = (db: Knex, policy: Partial<CreditPolicy> = {}) => ({
    ...intakeDeps(db),
    credit: { ...settings, policy: { ...settings.policy, ...policy } },
  });
  const ingest = (xml: string, policy: Partial<CreditPolicy> = {}) => ingestText(deps(t.db, policy), tmp.dir, 'order.xml', xml, HARBOUR);
  let keySeq = 0;
  const key = () => `k-${++keySeq}`;

  async function codesOf(orderNumber: string) {
    return listCodes(t.db, settings, { org, orderNumber, actor: TEST_ACTOR, limit: 1000 });
  }
  async function balance(currency: string, location = LOCATION): Promise<string | undefined> {
    return (await listAccounts(t.db, org)).find((a) => a.currency === currency && a.location === location)?.balance;
  }
  async function entrySum(kind: string, currency: string): Promise<bigint> {
    const row = (await t.db('credit_entries').where({ kind, currency }).select(t.db.raw('CAST(COALESCE(SUM(amount_minor), 0) AS TEXT) AS s')).first()) as { s: string };
    return toMinor(row.s);
  }

  beforeEach(async () => {
    t = await sampleDatabase();
    tmp = tempDir('gw-credit');
    const row = (await t.db('organisations').where({ org_id: '30411' }).first('id')) as { id: number };
    org = { pk: row.id, orgId: '30411' };
  });
  afterEach(async () => {
    await t.close();
    tmp.remove();
  });

  it('issue -> redeem -> spend -> purchase refund -> return (RE) of what is left; refusal says how much is redeemed', async () => {
    const ordered = await ingest(creditOrderXml('HB-CR-1', 'OR', [{ line: '1', quantity: 4, amount: '4000', currency: 'JPY' }]));
    expect(ordered.status, JSON.stringify(ordered.errors)).to.equal('applied');
    const codes = await codesOf('HB-CR-1');
    expect(codes).to.have.length(4);
    expect(codes.every((c) => c.amount === '1000' && c.currency === 'JPY' && c.state === 'issued' && c.code !== null)).to.equal(true);
    expect(await entrySum('issued', 'JPY')).to.equal(4000n);

    for (const c of codes.slice(0, 2)) {
      const r = await redeemCode(t.db, { org, location: LOCATION, currency: 'JPY', code: c.code, idempotencyKey: key(), actor: TEST_ACTOR });
      expect(r.ok, JSON.stringify(r)).to.equal(true);
    }
    expect(await balance('JPY')).to.equal('2000');

    const spend = await recordSpend(t.db, { org, location: LOCATION, currency: 'JPY', date: '2026-11-05', itemId: 'app-361309726', quantity: 3, unitPrice: '500', idempotencyKey: key(), actor: TEST_ACTOR });
    if (!spend.ok) throw new Error(JSON.stringify(spend.error));
    expect(spend.value.amount).to.equal('1500');
    expect(spend.value.balance).to.equal('500');

    const refund = await reverseSpend(t.db, { org, entryId: spend.value.entryId, idempotencyKey: key(), actor: TEST_ACTOR });
    if (!refund.ok) throw new Error(JSON.stringify(refund.error));
    expect(refund.value.amount).to.equal('-1500');
    expect(await balance('JPY')).to.equal('2000');
    const again = await reverseSpend(t.db, { org, entryId: spend.value.entryId, idempotencyKey: key(), actor: TEST_ACTOR });
    expect(again.ok ? null : again.error.code).to.equal('GW-CR-7027');

    const before = await tableCounts(t.db);
    const tooMuch = await ingest(creditOrderXml('HB-CR-1', 'RE', [{ line: '1', quantity: 3, amount: '3000', currency: 'JPY' }]));
    expect(tooMuch.status).to.equal('rejected');
    expect(tooMuch.errors[0]!.code).to.equal('GW-CR-7016');
    expect(tooMuch.errors[0]!.message).to.contain('2 are redeemed (2000 of 4000 JPY issued)');
    expect(await tableCounts(t.db)).to.deep.equal({ ...before, document_items: before.document_items });

    const returned = await ingest(creditOrderXml('HB-CR-1', 'RE', [{ line: '1', quantity: 2, amount: '2000', currency: 'JPY' }]));
    expect(returned.status, JSON.stringify(returned.errors)).to.equal('applied');
    const after = await codesOf('HB-CR-1');
    expect(after.map((c) => c.state).sort()).to.deep.equal(['redeemed', 'redeemed', 'refunded', 'refunded']);
    expect(await entrySum('refunded', 'JPY')).to.equal(2000n);
    // The refunded codes no longer redeem, and their text is no longer shown.
    const late = await redeemCode(t.db, { org, location: LOCATION, currency: 'JPY', code: codes[3]!.code, idempotencyKey: key(), actor: TEST_ACTOR });
    expect(late.ok ? null : late.error.code).to.equal('GW-CR-7024');
    expect(after.filter((c) => c.state !== 'issued').every((c) => c.code === null)).to.equal(true);
    // Issued 4000 = redeemed 2000 + refunded 2000: nothing outstanding; the balance is the account's.
    expect((await entrySum('issued', 'JPY')) - (await entrySum('redeemed', 'JPY')) - (await entrySum('refunded', 'JPY'))).to.equal(0n);
    expect(await balance('JPY')).to.equal('2000');
  });

  it('VD of a partly redeemed order is refused, saying how much is redeemed; VD of an untouched order voids every code', async () => {
    const a = await ingest(creditOrderXml('HB-CR-2', 'OR', [{ line: '1', quantity: 4, amount: '100.00', currency: 'USD' }]));
    expect(a.status, JSON.stringify(a.errors)).to.equal('applied');
    const codes = await codesOf('HB-CR-2');
    expect(codes.map((c) => c.amount)).to.deep.equal(['25.00', '25.00', '25.00', '25.00']);
    const r = await redeemCode(t.db, { org, location: 'Osaka', currency: 'USD', code: codes[0]!.code, idempotencyKey: key(), actor: TEST_ACTOR });
    expect(r.ok).to.equal(true);

    const before = await tableCounts(t.db);
    const vd = await ingest(creditOrderXml('HB-CR-2', 'VD', []).replace('orderType="VD"', 'orderType="VD"'));
    expect(vd.status).to.equal('rejected');
    expect(vd.errors[0]!.code).to.equal('GW-CR-7016');
    expect(vd.errors[0]!.message).to.contain('1 are redeemed (25.00 of 100.00 USD issued)');
    expect(await tableCounts(t.db)).to.deep.equal(before);
    expect((await codesOf('HB-CR-2')).filter((c) => c.state === 'issued')).to.have.length(3);

    const b = await ingest(creditOrderXml('HB-CR-3', 'OR', [{ line: '1', quantity: 2, amount: '3000', currency: 'JPY' }]));
    expect(b.status).to.equal('applied');
    const vd2 = await ingest(creditOrderXml('HB-CR-3', 'VD', []));
    expect(vd2.status, JSON.stringify(vd2.errors)).to.equal('applied');
    expect((await codesOf('HB-CR-3')).map((c) => c.state)).to.deep.equal(['voided', 'voided']);
    expect(await entrySum('voided', 'JPY')).to.equal(3000n);
    // The order header stays as it was: a void of credit is a ledger movement.
    const po = (await t.db('purchase_orders').where({ order_number: 'HB-CR-3' }).first('order_type')) as { order_type: string };
    expect(po.order_type).to.equal('OR');
  });

  it('an order sent again unchanged issues nothing more; changed, it is refused (GW-CR-7014)', async () => {
    const xml = creditOrderXml('HB-CR-4', 'OR', [{ line: '1', quantity: 2, amount: '2000', currency: 'JPY' }]);
    expect((await ingest(xml)).status).to.equal('applied');
    const resent = await ingest(xml.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="UTF-8"?>\n'));
    expect(resent.status).to.equal('applied');
    expect(await codesOf('HB-CR-4')).to.have.length(2);
    expect(await entrySum('issued', 'JPY')).to.equal(2000n);
    const changed = await ingest(creditOrderXml('HB-CR-4', 'OR', [{ line: '1', quantity: 2, amount: '4000', currency: 'JPY' }]));
    expect(changed.status).to.equal('rejected');
    expect(changed.errors[0]!.code).to.equal('GW-CR-7014');
    expect(changed.errors[0]!.message).to.contain('2 x 1000 JPY');
  });

  it('idempotent writes: same key and request answer the first result; same key, other request is refused', async () => {
    await ingest(creditOrderXml('HB-CR-5', 'OR', [{ line: '1', quantity: 2, amount: '2000', currency: 'JPY' }]));
    const [c1, c2] = await codesOf('HB-CR-5');
    const first = await redeemCode(t.db, { org, location: LOCATION, currency: 'JPY', code: c1!.code, idempotencyKey: 'redeem-1', actor: TEST_ACTOR });
    const retry = await redeemCode(t.db, { org, location: LOCATION, currency: 'JPY', code: c1!.code!.toLowerCase(), idempotencyKey: 'redeem-1', actor: TEST_ACTOR });
    if (!first.ok || !retry.ok) throw new Error('redemption refused');
    expect(retry.value.replayed).to.equal(true);
    expect({ ...retry.value, replayed: false }).to.deep.equal(first.value);
    const other = await redeemCode(t.db, { org, location: LOCATION, currency: 'JPY', code: c2!.code, idempotencyKey: 'redeem-1', actor: TEST_ACTOR });
    expect(other.ok ? null : other.error.code).to.equal('GW-CR-7031');
    expect(await balance('JPY')).to.equal('1000');

    const spend = { org, location: LOCATION, currency: 'JPY', date: '2026-11-06', itemId: 'book-1', quantity: 2, unitPrice: '120', idempotencyKey: 'spend-1', actor: TEST_ACTOR };
    const s1 = await recordSpend(t.db, spend);
    const s2 = await recordSpend(t.db, spend);
    if (!s1.ok || !s2.ok) throw new Error('spend refused');
    expect(s2.value.entryId).to.equal(s1.value.entryId);
    expect(s2.value.replayed).to.equal(true);
    expect(await balance('JPY')).to.equal('760');
    const s3 = await recordSpend(t.db, { ...spend, quantity: 3 });
    expect(s3.ok ? null : s3.error.code).to.equal('GW-CR-7031');
    expect(await balance('JPY')).to.equal('760');
    expect(await entrySum('spent', 'JPY')).to.equal(240n);
  });

  it('refusals: another organisation, another currency, twice, unknown code, overdraw, floats and too many decimals', async () => {
    await ingest(creditOrderXml('HB-CR-6', 'OR', [{ line: '1', quantity: 1, amount: '1000', currency: 'JPY' }]));
    const [c] = await codesOf('HB-CR-6');
    const other = (await t.db('organisations').where({ org_id: '19827' }).first('id')) as { id: number };
    const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code);
    const base = { location: LOCATION, currency: 'JPY', code: c!.code, actor: TEST_ACTOR };
    expect(code(await redeemCode(t.db, { ...base, org: { pk: other.id, orgId: '19827' }, idempotencyKey: key() }))).to.equal('GW-CR-7022');
    expect(code(await redeemCode(t.db, { ...base, org, currency: 'USD', idempotencyKey: key() }))).to.equal('GW-CR-7023');
    expect(code(await redeemCode(t.db, { ...base, org, code: 'AAAAA-BBBBB-CCCCC-DDDDD', idempotencyKey: key() }))).to.equal('GW-CR-7020');
    expect(code(await redeemCode(t.db, { ...base, org, idempotencyKey: key() }))).to.equal('ok');
    expect(code(await redeemCode(t.db, { ...base, org, idempotencyKey: key() }))).to.equal('GW-CR-7021');
    const spend = { org, location: LOCATION, currency: 'JPY', date: '2026-11-06', itemId: 'app-1', quantity: 1, actor: TEST_ACTOR };
    expect(code(await recordSpend(t.db, { ...spend, unitPrice: 1001, idempotencyKey: key() }))).to.equal('GW-CR-7002');
    expect(code(await recordSpend(t.db, { ...spend, unitPrice: '10.5', idempotencyKey: key() }))).to.equal('GW-CR-7004');
    expect(code(await recordSpend(t.db, { ...spend, unitPrice: '1001', idempotencyKey: key() }))).to.equal('GW-CR-7028');
    expect(code(await recordSpend(t.db, { ...spend, location: 'Kyoto', unitPrice: '1', idempotencyKey: key() }))).to.equal('GW-CR-7029');
    expect(code(await recordSpend(t.db, { ...spend, unitPrice: '1000', idempotencyKey: key() }))).to.equal('ok');
    expect(await balance('JPY')).to.equal('0');
  });

  it('a credit line that breaks a rule rejects its document, names the rule, and changes nothing', async () => {
    const cases: { xml: string; policy?: Partial<CreditPolicy>; code: string; says: string }[] = [
      { xml: creditOrderXml('HB-X-1', 'OR', [{ line: '1', quantity: 1, amount: '100.5', currency: 'JPY' }]), code: 'GW-CR-7004', says: 'more decimals than JPY has (0)' },
      { xml: creditOrderXml('HB-X-2', 'OR', [{ line: '1', quantity: 1, amount: '10.125', currency: 'USD' }]), code: 'GW-CR-7004', says: 'USD has (2)' },
      { xml: creditOrderXml('HB-X-3', 'OR', [{ line: '1', quantity: 1, amount: '100.00', currency: 'EUR' }]), code: 'GW-CR-7008', says: 'accepts JPY, USD' },
      { xml: creditOrderXml('HB-X-4', 'OR', [{ line: '1', quantity: 1, amount: '1000', currency: 'JPY' }]), policy: { countries: ['US'] }, code: 'GW-CR-7007', says: 'not sold to organisations in JP' },
      { xml: creditOrderXml('HB-X-5', 'OR', [{ line: '1', quantity: 3, amount: '1000', currency: 'JPY' }]), code: 'GW-CR-7009', says: 'does not divide into 3' },
      {
        xml: creditOrderXml('HB-X-6', 'OR', [{ line: '1', quantity: 1, amount: '15000001', currency: 'JPY' }]),
        code: 'GW-CR-7012',
        says: `per-order limit of ${DEFAULT_CREDIT_CONFIG.limits.perOrder.JPY} JPY`,
      },
      { xml: creditOrderXml('HB-X-7', 'RE', [{ line: '1', quantity: 1, amount: '1000', currency: 'JPY' }]), code: 'GW-CR-7017', says: 'No credit order HB-X-7 line 1' },
    ];
    for (const c of cases) {
      const before = await tableCounts(t.db);
      const result = await ingest(c.xml, c.policy);
      expect(result.status, c.code).to.equal('rejected');
      expect(result.errors[0]!.code, c.says).to.equal(c.code);
      expect(result.errors[0]!.message).to.contain(c.says);
      expect(result.errors[0]!.message, 'names where in the file').to.match(/order\.xml/);
      expect(await tableCounts(t.db), c.code).to.deep.equal(before);
    }
  });

  it('the per-organisation limit counts what the organisation holds: ordered less refunded, voided and spent', async () => {
    const policy = { perOrganisationLimit: { ...settings.policy.perOrganisationLimit, JPY: '5000' } };
    expect((await ingest(creditOrderXml('HB-L-1', 'OR', [{ line: '1', quantity: 4, amount: '4000', currency: 'JPY' }]), policy)).status).to.equal('applied');
    const over = await ingest(creditOrderXml('HB-L-2', 'OR', [{ line: '1', quantity: 2, amount: '2000', currency: 'JPY' }]), policy);
    expect(over.errors[0]?.code).to.equal('GW-CR-7013');
    expect(over.errors[0]!.message).to.contain('holds 4000 JPY');
    expect((await ingest(creditOrderXml('HB-L-1', 'RE', [{ line: '1', quantity: 1, amount: '1000', currency: 'JPY' }]), policy)).status).to.equal('applied');
    // (the refused file itself would be a duplicate now: a new order number)
    expect((await ingest(creditOrderXml('HB-L-3', 'OR', [{ line: '1', quantity: 2, amount: '2000', currency: 'JPY' }]), policy)).status).to.equal('applied');
  });
});
