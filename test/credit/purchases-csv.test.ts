// Purchase-history CSV import (src/credit/purchases-csv.ts) on a real database: each row a
// spend, the whole file one transaction, nothing recorded twice on re-import or overlap,
// every refusal coded and naming the file and line, the raw bytes and an import record kept
// whatever happened.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { importPurchases, type PurchaseImportResult } from '../../src/credit/purchases-csv.js';
import { applyOrderCredit, listAccounts, listCodes, redeemCode, type OrgRef } from '../../src/credit/ledger.js';
import type { PurchaseOrder } from '../../src/model/documents.js';
import { readContent } from '../../src/store/documents.js';
import { loadOrganisations } from '../../src/store/organisations.js';
import { findSupplier } from '../../src/store/suppliers.js';
import { testCreditSettings } from '../support/credit.js';
import { databaseKind, sampleDatabase, TEST_ACTOR, type TestDb } from '../support/db.js';
import { PURCHASE_CSV_LIMITS } from '../../src/model/limits.js';
import { keptBytes } from '../support/content.js';

const LOCATION = 'Tokyo HQ';
const SAMPLE = 'samples/credit/purchases-30411.csv';
const HEADER = 'date,item_id,quantity,unit_price,currency,purchase_id';

describe(`purchase-history CSV import (${databaseKind()})`, function () {
  this.timeout(30000);
  let t: TestDb;
  let dir: string;
  let org: OrgRef;
  const settings = testCreditSettings();

  /** Credit into Tokyo HQ's JPY account: an order of one code, redeemed. */
  async function fund(orderNumber: string, amount: string): Promise<void> {
    const supplier = (await findSupplier(t.db, '2B7D9C10'))!;
    const [organisation] = await loadOrganisations(t.db, { orgIds: ['30411'], appleCustomerNumbers: [] });
    const po: PurchaseOrder = {
      orderNumber,
      orderType: 'OR',
      orderDate: '2026-11-02T00:00:00Z',
      customerId: '30411',
      lines: [{ type: 'credit', lineNumber: '1', partNumber: 'D6701Z/A', amount, currency: 'JPY', quantity: 1 }],
    };
    const issued = await t.db.transaction((trx) =>
      applyOrderCredit(trx, settings, { supplier, org: organisation!, po, documentPk: null, actor: 'test', now: new Date().toISOString() }),
    );
    expect(issued.ok, JSON.stringify(issued)).to.equal(true);
    const [code] = await listCodes(t.db, settings, { org, orderNumber, actor: TEST_ACTOR, limit: 10 });
    const redeemed = await redeemCode(t.db, { org, location: LOCATION, currency: 'JPY', code: code!.code, idempotencyKey: `redeem-${orderNumber}`, actor: TEST_ACTOR });
    expect(redeemed.ok, JSON.stringify(redeemed)).to.equal(true);
  }

  async function balance(): Promise<string | undefined> {
    return (await listAccounts(t.db, org)).find((a) => a.currency === 'JPY' && a.location === LOCATION)?.balance;
  }

  async function spentCount(): Promise<number> {
    const row = (await t.db('credit_entries').where({ kind: 'spent' }).count({ n: '*' }).first()) as { n: number | string };
    return Number(row.n);
  }

  function file(name: string, content: string | Buffer): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  function run(path: string, fileName: string, maxRows = 1000): Promise<PurchaseImportResult> {
    return importPurchases(t.db, { org, location: LOCATION, path, fileName, actor: TEST_ACTOR, maxRows });
  }

  async function importText(fileName: string, text: string | Buffer, maxRows = 1000): Promise<PurchaseImportResult> {
    return run(file(fileName, text), fileName, maxRows);
  }

  /** A refused file: nothing applied, the balance as it was, the refusal recorded. */
  async function expectRejected(result: PurchaseImportResult, balanceBefore: string): Promise<void> {
    expect(result.status).to.equal('rejected');
    expect(result.recorded).to.equal(0);
    expect(result.alreadyRecorded).to.equal(0);
    expect(result.entries).to.deep.equal([]);
    expect(result.totals).to.deep.equal({});
    expect(await balance()).to.equal(balanceBefore);
    expect(await spentCount()).to.equal(0);
    const record = (await t.db('credit_imports').where({ import_id: result.importId }).first()) as { status: string; errors_json: string };
    expect(record.status).to.equal('rejected');
    expect(JSON.parse(record.errors_json)).to.deep.equal(result.errors);
    for (const e of result.errors) {
      expect(String(e.params?.at)).to.match(new RegExp(`^${result.fileName.replace('.', '\\.')}( line \\d+)?$`));
      expect(e.message).to.contain(String(e.params?.at));
    }
  }

  beforeEach(async () => {
    t = await sampleDatabase();
    dir = mkdtempSync(join(tmpdir(), 'gw-purchases-'));
    const row = (await t.db('organisations').where({ org_id: '30411' }).first('id')) as { id: number };
    org = { pk: row.id, orgId: '30411' };
    await fund('HB-1', '10000');
  });

  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records every row of a valid file as a spend: the balance goes down by the exact sum', async () => {
    const result = await run(SAMPLE, 'purchases-30411.csv');
    expect(result.errors).to.deep.equal([]);
    expect(result).to.include({ status: 'applied', fileName: 'purchases-30411.csv', rows: 4, recorded: 4, alreadyRecorded: 0 });
    expect(result.importId).to.match(/^cri_/);
    expect(result.sha256).to.equal(createHash('sha256').update(readFileSync(SAMPLE)).digest('hex'));
    // 10 x 120 + 5 x 600 + 2 x 480 + 4 x 120
    expect(result.totals).to.deep.equal({ JPY: '5640' });
    expect(await balance()).to.equal('4360');
    expect(result.entries.map((e) => e.line)).to.deep.equal([2, 3, 4, 5]);
    expect(result.entries.every((e) => !e.replayed)).to.equal(true);

    const itemIds = ['361309726', '1232780281', '409183694', '310633997'];
    const amounts = [1200, 3000, 960, 480];
    for (const [i, e] of result.entries.entries()) {
      const entry = (await t.db('credit_entries').where({ entry_id: e.entryId }).first()) as { kind: string; amount_minor: unknown; detail_json: string; currency: string };
      expect(entry.kind).to.equal('spent');
      expect(entry.currency).to.equal('JPY');
      expect(Number(entry.amount_minor)).to.equal(amounts[i]);
      expect((JSON.parse(entry.detail_json) as { result: { itemId: string } }).result.itemId).to.equal(itemIds[i]);
    }
    const keys = (await t.db('credit_entries').where({ kind: 'spent' }).orderBy('id').pluck('idempotency_key')) as string[];
    expect(keys.slice(0, 3)).to.deep.equal([`spend:${org.pk}:purchase:VPP-30411-0001`, `spend:${org.pk}:purchase:VPP-30411-0002`, `spend:${org.pk}:purchase:VPP-30411-0003`]);
    expect(keys[3]).to.match(new RegExp(`^spend:${org.pk}:row:[0-9a-f]{64}:0$`));

    const record = (await t.db('credit_imports').where({ import_id: result.importId }).first()) as Record<string, unknown>;
    expect(record).to.include({ status: 'applied', rows: 4, recorded: 4, already_recorded: 0, file_name: 'purchases-30411.csv', sha256: result.sha256, location: LOCATION, actor: TEST_ACTOR.name });
    expect(Number(record.size_bytes)).to.equal(readFileSync(SAMPLE).length);
    expect(JSON.parse(record.result_json as string)).to.deep.equal(result);
    const kept: Buffer[] = [];
    for await (const chunk of readContent(t.db, result.sha256)) kept.push(chunk);
    expect(Buffer.concat(kept).equals(readFileSync(SAMPLE))).to.equal(true);
  });

  it('records nothing twice when the same file is imported again', async () => {
    const first = await run(SAMPLE, 'purchases-30411.csv');
    const second = await run(SAMPLE, 'purchases-30411.csv');
    expect(second).to.include({ status: 'applied', rows: 4, recorded: 0, alreadyRecorded: 4 });
    expect(second.totals).to.deep.equal({});
    expect(second.entries.every((e) => e.replayed)).to.equal(true);
    expect(second.entries.map((e) => e.entryId)).to.deep.equal(first.entries.map((e) => e.entryId));
    expect(second.importId).to.not.equal(first.importId);
    expect(await balance()).to.equal('4360');
    expect(await spentCount()).to.equal(4);
    expect(await t.db('credit_imports').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 2);
  });

  it('records only the new rows of a later export that repeats earlier rows (no purchase ids)', async () => {
    const rows = ['2026-11-03,361309726,1,120,JPY', '2026-11-04,409183694,2,480,JPY', '2026-11-05,361309726,1,120,JPY'];
    const header = 'date,item_id,quantity,unit_price,currency';
    const october = await importText('early.csv', [header, ...rows.slice(0, 2)].join('\n') + '\n');
    expect(october).to.include({ status: 'applied', recorded: 2, alreadyRecorded: 0 });
    expect(await balance()).to.equal(String(10000 - 120 - 960));
    // The later export ends its lines differently: the same rows are still the same purchases.
    const november = await importText('later.csv', [header, ...rows].join('\r\n') + '\r\n');
    expect(november).to.include({ status: 'applied', rows: 3, recorded: 1, alreadyRecorded: 2 });
    expect(november.totals).to.deep.equal({ JPY: '120' });
    expect(november.entries.map((e) => e.replayed)).to.deep.equal([true, true, false]);
    expect(november.entries.slice(0, 2).map((e) => e.entryId)).to.deep.equal(october.entries.map((e) => e.entryId));
    expect(await balance()).to.equal(String(10000 - 120 - 960 - 120));
    expect(await spentCount()).to.equal(3);
  });

  it('records two identical rows of one file as two spends, and neither again on re-import', async () => {
    const text = ['date,item_id,quantity,unit_price,currency', '2026-11-06,361309726,1,250,JPY', '2026-11-06,361309726,1,250,JPY'].join('\n') + '\n';
    const first = await importText('twice.csv', text);
    expect(first).to.include({ status: 'applied', rows: 2, recorded: 2, alreadyRecorded: 0 });
    expect(first.totals).to.deep.equal({ JPY: '500' });
    expect(first.entries[0]!.entryId).to.not.equal(first.entries[1]!.entryId);
    expect(await balance()).to.equal('9500');
    const again = await importText('twice-again.csv', text);
    expect(again).to.include({ recorded: 0, alreadyRecorded: 2 });
    expect(await balance()).to.equal('9500');
    expect(await spentCount()).to.equal(2);
  });

  it('applies nothing when the 3rd row overdraws: the error names line 4, and the bytes are kept', async () => {
    const text =
      [HEADER, '2026-11-07,361309726,1,3000,JPY,P-1', '2026-11-08,409183694,2,2000,JPY,P-2', '2026-11-09,310633997,1,5000,JPY,P-3', '2026-11-10,310633997,1,1,JPY,P-4'].join('\n') + '\n';
    const result = await importText('over.csv', text);
    await expectRejected(result, '10000');
    expect(result.rows).to.equal(4);
    expect(result.errors).to.have.length(1);
    const [error] = result.errors;
    expect(error!.code).to.equal('GW-CR-7028');
    expect(error!.params).to.include({ at: 'over.csv line 4', balance: '3000', amount: '5000', currency: 'JPY' });
    expect(error!.message).to.match(/^over\.csv line 4: Insufficient credit/);
    expect((await keptBytes(t.db, result.sha256)).toString('utf8')).to.equal(text);
    // Corrected and imported again, it applies.
    await fund('HB-2', '2001');
    const corrected = await importText('over.csv', text);
    expect(corrected).to.include({ status: 'applied', recorded: 4 });
    expect(await balance()).to.equal('0');
  });

  it('refuses a unit price with more decimals than JPY has (GW-CR-7004), naming the line', async () => {
    const result = await importText('decimals.csv', [HEADER, '2026-11-07,361309726,1,120,JPY,P-1', '2026-11-07,409183694,1,120.5,JPY,P-2'].join('\n') + '\n');
    await expectRejected(result, '10000');
    expect(result.errors.map((e) => [e.code, e.params?.at, e.params?.field])).to.deep.equal([['GW-CR-7004', 'decimals.csv line 3', 'unit_price']]);
  });

  it('refuses float-looking values such as 1e3, and reports every bad row', async () => {
    const result = await importText(
      'floats.csv',
      [HEADER, '2026-11-07,361309726,1,1e3,JPY,P-1', '2026-11-07,361309726,1e3,100,JPY,P-2', '2026-11-31,361309726,1,100,XXX,P-3', '2026-11-07,361309726,1,100,JPY,P-4'].join('\n') + '\n',
    );
    await expectRejected(result, '10000');
    expect(result.errors.map((e) => [e.code, e.params?.at])).to.deep.equal([
      ['GW-CR-7002', 'floats.csv line 2'],
      ['GW-CR-7005', 'floats.csv line 3'],
      ['GW-CR-7006', 'floats.csv line 4'],
      ['GW-CR-7001', 'floats.csv line 4'],
    ]);
  });

  it('refuses an unknown column, naming it', async () => {
    const result = await importText('unknown.csv', ['date,item_id,quantity,unit_price,currency,store', '2026-11-07,361309726,1,100,JPY,x'].join('\n') + '\n');
    await expectRejected(result, '10000');
    expect(result.errors).to.have.length(1);
    expect(result.errors[0]).to.include({ code: 'GW-CR-7034' });
    expect(result.errors[0]!.params).to.include({ at: 'unknown.csv line 1' });
    expect(result.errors[0]!.message).to.contain('"store"');
    expect(result.rows).to.equal(0);
  });

  it('refuses a header without a required column', async () => {
    const result = await importText('missing.csv', ['date,item_id,quantity,currency', '2026-11-07,361309726,1,JPY'].join('\n') + '\n');
    await expectRejected(result, '10000');
    expect(result.errors.map((e) => e.code)).to.deep.equal(['GW-CR-7034']);
    expect(result.errors[0]!.message).to.contain('no column unit_price');
  });

  it('reads a header in any case and order, after a byte-order mark', async () => {
    const text = '\ufeffCurrency,Unit_Price,QUANTITY,Item_ID,Date\r\nJPY,100,3,361309726,2026-11-12\r\n';
    const result = await importText('bom.csv', text);
    expect(result.errors).to.deep.equal([]);
    expect(result).to.include({ status: 'applied', recorded: 1 });
    expect(await balance()).to.equal('9700');
  });

  it('refuses a file of more than maxRows rows, without applying the first ones', async () => {
    const rows = [1, 2, 3].map((i) => `2026-11-1${i},361309726,1,100,JPY,P-${i}`);
    const result = await importText('long.csv', [HEADER, ...rows].join('\n') + '\n', 2);
    await expectRejected(result, '10000');
    expect(result.errors.map((e) => [e.code, e.params?.at])).to.deep.equal([['GW-DOC-6009', 'long.csv line 4']]);
    const exactly = await importText('exact.csv', [HEADER, ...rows].join('\n') + '\n', 3);
    expect(exactly).to.include({ status: 'applied', recorded: 3 });
  });

  it('refuses invalid UTF-8, naming the line', async () => {
    const bytes = Buffer.concat([Buffer.from(`${HEADER}\n2026-11-07,361309726,1,100,JPY,P-1\n2026-11-07,app`), Buffer.from([0xff, 0xfe]), Buffer.from(',1,100,JPY,P-2\n')]);
    const result = await importText('latin.csv', bytes);
    await expectRejected(result, '10000');
    expect(result.errors.map((e) => [e.code, e.params?.at])).to.deep.equal([['GW-DOC-6001', 'latin.csv line 3']]);
    expect((await keptBytes(t.db, result.sha256)).equals(bytes)).to.equal(true);
  });

  it('refuses a line over 64 KiB', async () => {
    const item = 'x'.repeat(PURCHASE_CSV_LIMITS.maxLineBytes);
    const result = await importText('wide.csv', [HEADER, '2026-11-07,361309726,1,100,JPY,P-1', `2026-11-07,${item},1,100,JPY,P-2`].join('\n') + '\n');
    await expectRejected(result, '10000');
    expect(result.errors.map((e) => [e.code, e.params?.at])).to.deep.equal([['GW-DOC-6009', 'wide.csv line 3']]);
  });

  it('refuses a purchase id reused for a different purchase (GW-CR-7031), and a currency with no account (GW-CR-7029)', async () => {
    expect(await importText('a.csv', `${HEADER}\n2026-11-07,361309726,1,100,JPY,P-1\n`)).to.include({ status: 'applied', recorded: 1 });
    const reuse = await importText('b.csv', `${HEADER}\n2026-11-07,361309726,1,100,JPY,P-9\n2026-11-07,361309726,2,100,JPY,P-1\n`);
    expect(reuse.status).to.equal('rejected');
    expect(reuse.errors.map((e) => [e.code, e.params?.at])).to.deep.equal([['GW-CR-7031', 'b.csv line 3']]);
    const usd = await importText('c.csv', `${HEADER}\n2026-11-07,361309726,1,1.99,USD,P-10\n`);
    expect(usd.errors.map((e) => [e.code, e.params?.at])).to.deep.equal([['GW-CR-7029', 'c.csv line 2']]);
    expect(await balance()).to.equal('9900');
    expect(await spentCount()).to.equal(1);
  });

  it('keeps at most 100 errors, the last saying that reading stopped', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => `2026-11-07,361309726,1,1.5,JPY,P-${i}`);
    const result = await importText('many.csv', [HEADER, ...rows].join('\n') + '\n');
    await expectRejected(result, '10000');
    expect(result.errors).to.have.length(PURCHASE_CSV_LIMITS.maxErrors);
    expect(result.errors[98]).to.include({ code: 'GW-CR-7004' });
    expect(result.errors[99]).to.include({ code: 'GW-DOC-6008' });
    expect(result.errors[99]!.params).to.include({ at: 'many.csv line 101' });
  });
});
