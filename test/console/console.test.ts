// The console in a real browser against a real gateway with the demo's data, as each role
// uses it. Every test asserts what the page shows; every screen looked at is saved as a
// screenshot (test-artifacts/console/<database>/) and must pass axe-core's serious and
// critical rules.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import readXlsxFile from 'read-excel-file/node';
import { databaseKind } from '../support/db.js';
import { TRIAL_KEYS, launchBrowser, look, startDemoGateway, type DemoGateway } from '../support/console.js';

describe(`console in Chromium (${databaseKind()})`, function () {
  this.timeout(120_000);
  let gateway: DemoGateway;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const blocked: string[] = [];
  afterEach(function () {
    expect(blocked.splice(0), 'what the Content-Security-Policy blocked').to.deep.equal([]);
  });

  before(async function () {
    gateway = await startDemoGateway();
    browser = await launchBrowser();
  });
  after(async function () {
    for (const c of contexts) await c.close();
    await browser?.close();
    await gateway?.stop();
  });

  /** A fresh browser profile (no cookie, English unless told), at the gateway's root. */
  async function freshPage(opts: { locale?: string; viewport?: { width: number; height: number } } = {}): Promise<Page> {
    const context = await browser.newContext({ locale: opts.locale ?? 'en-GB', timezoneId: 'Europe/Amsterdam', acceptDownloads: true, ...(opts.viewport ? { viewport: opts.viewport } : {}) });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => {
      throw new Error(`page error: ${e.message}`);
    });
    // The page's Content-Security-Policy allows this origin only: anything it blocks is a bug of the console.
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });
    return page;
  }

  async function signIn(page: Page, key: string, path = '/'): Promise<void> {
    await page.goto(gateway.url + path);
    await page.getByLabel('Your key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  /**
   * Waits for a list answered again (a search, a filter) to show `count` rows: the list
   * before it is on the page until the new answer replaces it.
   */
  async function rowCount(page: Page, selector: string, count: number): Promise<void> {
    await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel as string).length === n, [selector, count] as const);
  }

  async function expectAccessible(page: Page, name: string): Promise<void> {
    expect(await look(page, name), `accessibility of ${name}`).to.deep.equal([]);
  }

  it('sends a visitor without a session to sign-in, from / and from a screen\'s own address', async function () {
    const page = await freshPage();
    await page.goto(gateway.url + '/');
    expect(new URL(page.url()).pathname).to.equal('/console/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectAccessible(page, 'sign-in');
    await page.goto(gateway.url + '/console/devices/DMPX1A2B3C01');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByText('DMPX1A2B3C01').count()).to.equal(0);
    await page.getByLabel('Your key').fill('gwk_org_not_a_key_at_all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'GW-AUTH-401' }).waitFor();
    // The key never stays in the page's storage.
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).not.to.include('gwk_');
  });

  it('an organisation admin finds a device by its serial, reads its history, and releases it after a confirmation that names it', async function () {
    const page = await freshPage();
    await signIn(page, TRIAL_KEYS.northwindAdmin, '/console/devices');
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    await expectAccessible(page, 'admin-devices');
    // A key's long principal does not push the header onto a second line on a wide screen; it is there whole, as the title.
    const [brand, signOut] = [await page.locator('header .brand').boundingBox(), await page.getByRole('button', { name: 'Sign out' }).boundingBox()];
    expect(signOut!.y, 'Sign out on the header\'s one line').to.be.below(brand!.y + brand!.height);
    expect(await page.getByTestId('who').getAttribute('title')).to.match(/^org-admin:19827:pkey_[0-9a-f]{24}$/);
    await page.getByLabel('Serial (or its beginning)').fill('dmpx1a2b3c');
    await page.getByRole('button', { name: 'Search' }).click();
    await rowCount(page, 'tbody tr', 3);
    expect(await page.locator('tbody td:first-child').allInnerTexts()).to.deep.equal(['DMPX1A2B3C01', 'DMPX1A2B3C02', 'DMPX1A2B3C03']);
    await page.getByRole('link', { name: 'DMPX1A2B3C01' }).click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    expect(await page.locator('h1').innerText()).to.include('enrolled');
    expect(await page.locator('table').innerText()).to.include('APL-850-1001');
    await expectAccessible(page, 'admin-device');

    await page.getByRole('button', { name: 'Release this device' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.innerText()).to.include('Releasing DMPX1A2B3C01').and.include('cannot be undone');
    await expectAccessible(page, 'admin-release-confirmation');
    // Cancel leaves it as it was.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.locator('h1').innerText()).to.include('enrolled');
    await page.getByRole('button', { name: 'Release this device' }).click();
    await dialog.getByLabel('Reason (kept in the audit log)').fill('sold to a staff member');
    await dialog.getByRole('button', { name: 'Release DMPX1A2B3C01' }).click();
    await page.getByTestId('released').waitFor();
    expect(await page.getByTestId('released').innerText()).to.include('sold to a staff member');
    expect(await page.locator('h1').innerText()).to.include('released');
    expect(await page.getByRole('button', { name: 'Release this device' }).count()).to.equal(0);
  });

  it('an organisation admin assigns a device to a server, downloads its devices as CSV, and reads its orders', async function () {
    const page = await freshPage();
    await signIn(page, TRIAL_KEYS.northwindAdmin, '/console/devices/DMPX1A2B3C02');
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.getByLabel('Device-management server').fill('Northwind Lab');
    await page.getByRole('button', { name: 'Assign' }).click();
    await page.getByRole('status').filter({ hasText: 'Assigned to Northwind Lab.' }).waitFor();
    await page.locator('tbody tr', { hasText: 'server-assigned' }).waitFor();
    expect(await page.locator('dl.facts').innerText()).to.include('Northwind Lab');
    await page.getByRole('link', { name: 'Devices' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-devices').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const row = csv.split('\n').find((l) => l.startsWith('DMPX1A2B3C02,'));
    expect(row, csv.slice(0, 300)).to.include('Northwind Lab');
    expect(csv).not.to.include('BLC0FABIPH01'); // Fabrikam's
    // The devices on that server, by the list's server filter.
    await page.getByLabel('Server').fill('Northwind Lab');
    await page.getByRole('button', { name: 'Search' }).click();
    await rowCount(page, 'tbody tr', 1);
    expect(await page.locator('tbody td:first-child').allInnerTexts()).to.deep.equal(['DMPX1A2B3C02']);
    // An order found by its PO number, with its deliveries and devices.
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    await page.getByLabel('PO number').fill('NW-PO-2026-118');
    await page.getByRole('button', { name: 'Search' }).click();
    await rowCount(page, '[data-testid="orders"] tbody tr', 1);
    expect(await page.getByTestId('orders').locator('tbody td:first-child').allInnerTexts()).to.deep.equal(['APL-850-1001']);
    await expectAccessible(page, 'admin-orders');
    await page.getByRole('link', { name: 'APL-850-1001' }).click();
    await page.getByTestId('order-devices').waitFor();
    expect(await page.getByTestId('order-devices').innerText()).to.include('DMPX1A2B3C02').and.include('Northwind Lab');
    expect(await page.locator('main').innerText()).to.include('8000123401');
    await expectAccessible(page, 'admin-order');
  });

  it('an organisation admin sets a default server for a device family and sees what arrived lately', async function () {
    const page = await freshPage();
    await signIn(page, TRIAL_KEYS.fabrikamAdmin);
    await page.getByTestId('recent-orders').waitFor();
    expect(await page.getByTestId('recent-orders').locator('tbody tr').count()).to.be.greaterThan(0);
    const form = page.getByRole('form', { name: 'Set the default server' });
    await form.getByLabel('Family').selectOption('Mac');
    await form.getByLabel('Server').fill('Fabrikam Mac MDM');
    await form.getByRole('button', { name: 'Set the default server' }).click();
    await page.getByRole('status').filter({ hasText: 'Default server of Mac: Fabrikam Mac MDM.' }).waitFor();
    await page.getByTestId('default-servers').getByText('Fabrikam Mac MDM').waitFor();
  });

  it('an organisation admin reads its credit balances and codes, downloads them, and redeems one', async function () {
    const page = await freshPage();
    await signIn(page, TRIAL_KEYS.northwindAdmin, '/console/credit');
    const balance = page.getByTestId('balances').locator('tr', { hasText: 'District Office' });
    await balance.waitFor();
    const before = await balance.locator('td.amount').innerText();
    expect(before).to.equal('$585.03');
    await page.getByTestId('codes').waitFor();
    const code = await page.getByTestId('codes').locator('code.secret').first().innerText();
    expect(code).to.match(/^[A-Z0-9]{5}(-[A-Z0-9]{5}){3}$/);
    await expectAccessible(page, 'admin-credit');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-codes').click()]);
    expect(readFileSync((await download.path())!, 'utf8')).to.include(code);
    await page.getByLabel('Code', { exact: true }).fill(code.toLowerCase());
    await page.getByLabel('Location', { exact: true }).fill('District Office');
    await page.getByLabel('Currency', { exact: true }).fill('usd');
    await page.getByRole('button', { name: 'Redeem a code' }).click();
    await page.getByRole('status').filter({ hasText: 'Redeemed into District Office.' }).waitFor();
    await balance.locator('td.amount', { hasText: '$610.03' }).waitFor();
  });

  it('a reseller uploads a ship notice for the released device and sees it refused with its code', async function () {
    const page = await freshPage();
    await signIn(page, TRIAL_KEYS.brightline);
    await page.getByRole('heading', { name: 'Documents' }).waitFor();
    await page.getByRole('link', { name: 'Upload a file' }).click();
    const csv =
      'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number\n' +
      'BL-CONSOLE-1,OR,2026-11-20,19827,NW-PO-9,DL-9,2026-11-21,DMPX1A2B3C01,,MW6F3LL/A\n';
    await page.getByLabel(/^File/).setInputFiles({ name: 'later-order.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByTestId('upload-status').waitFor();
    await page.getByTestId('device-outcomes').waitFor();
    expect(await page.getByTestId('upload-status').innerText()).to.equal('applied_with_errors');
    const refused = await page.getByTestId('device-outcomes').locator('tbody tr').allInnerTexts();
    expect(refused).to.have.lengthOf(1);
    expect(refused[0]).to.include('DMPX1A2B3C01').and.include('REFUSED').and.include('GW-DE-4310').and.include('was released by an organisation').and.include('line 2');
    await expectAccessible(page, 'reseller-upload-refused');
    // The organisation that released it sees the later order turned away, on the device's history.
    const admin = await freshPage();
    await signIn(admin, TRIAL_KEYS.northwindAdmin, '/console/devices/DMPX1A2B3C01');
    await admin.getByRole('heading', { name: 'History' }).waitFor();
    const lastEvent = await admin.locator('tbody tr').last().innerText();
    expect(lastEvent).to.include('refused').and.include('released → released').and.include('BL-CONSOLE-1').and.include('document doc_');
    await expectAccessible(admin, 'admin-device-later-order-refused');
  });

  it('a reseller tries files without applying them, then uploads a broken one, sees the coded error with its line, and downloads the acknowledgement', async function () {
    const page = await freshPage();
    await signIn(page, TRIAL_KEYS.brightline, '/console/upload');
    // Tried first: what the mapping reads, or every error with its line; nothing is received.
    const documentsBefore = await page.evaluate(async () => ((await (await fetch('/v1/documents')).json()) as { items: unknown[] }).items.length);
    const header = 'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number\n';
    await page.getByLabel(/^File/).setInputFiles({ name: 'try-me.csv', mimeType: 'text/csv', buffer: Buffer.from(header + 'BL-CONSOLE-TRY,OR,2026-11-20,19827,NW-PO-11,DL-TRY-1,2026-11-21,CNSLTRY00001,,MW6F3LL/A\n') });
    await page.getByRole('button', { name: 'Try without applying' }).click();
    await page.getByTestId('mapping-test-verdict').waitFor();
    expect(await page.getByTestId('mapping-test-verdict').innerText()).to.include('Readable');
    const read = await page.getByTestId('mapping-test').innerText();
    expect(read).to.include('Read with mapping brightline-csv').and.include('DL-TRY-1').and.include('CNSLTRY00001');
    await expectAccessible(page, 'reseller-upload-try');
    await page.getByLabel(/^File/).setInputFiles({ name: 'try-broken.csv', mimeType: 'text/csv', buffer: Buffer.from(header + 'BL-CONSOLE-TRY,OR,2026-11-20,19827,NW-PO-11,DL-TRY-1,21.11.2026,CNSLTRY00002,,MW6F3LL/A\n') });
    await page.getByRole('button', { name: 'Try without applying' }).click();
    await page.getByTestId('mapping-test-verdict').filter({ hasText: 'Not readable' }).waitFor();
    expect(await page.getByTestId('document-errors').innerText()).to.include('GW-MAP-6202').and.include('try-broken.csv, line 2');
    const documentsAfter = await page.evaluate(async () => ((await (await fetch('/v1/documents')).json()) as { items: unknown[] }).items.length);
    expect(documentsAfter, 'trying a file receives nothing').to.equal(documentsBefore);
    const csv =
      'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number\n' +
      'BL-CONSOLE-2,OR,2026-13-45,19827,NW-PO-10,DL-10,2026-11-21,CNSLBRK00001,,MW6F3LL/A\n';
    await page.getByLabel(/^File/).setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByTestId('upload-status').waitFor();
    const errors = await page.getByTestId('document-errors').innerText();
    expect(errors).to.include('GW-MAP-6202').and.include('broken.csv, line 2');
    await page.getByRole('link', { name: 'Open the document' }).click();
    await page.getByTestId('document-status').waitFor();
    expect(await page.getByTestId('document-status').innerText()).to.equal('rejected');
    expect(await page.getByTestId('document-supplier').innerText(), 'the partner it came from').to.equal('16FCE4A0');
    await expectAccessible(page, 'reseller-document');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ack-link').click()]);
    const ack = readFileSync((await download.path())!, 'utf8');
    expect(ack).to.include('GW-MAP-6202');
    await page.getByRole('link', { name: 'Documents' }).click();
    await page.getByRole('link', { name: 'broken.csv' }).first().waitFor();
    await expectAccessible(page, 'reseller-documents');
  });

  it('a reseller runs a refused file again once its cause is mended, from the document\'s page', async function () {
    const page = await freshPage();
    await signIn(page, TRIAL_KEYS.brightline, '/console/upload');
    const csv =
      'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number\n' +
      'BL-CONSOLE-4,OR,2026-11-20,77123,PO-77,DL-77,2026-11-21,CNSLRPLY0001,,MW6F3LL/A\n';
    await page.getByLabel(/^File/).setInputFiles({ name: 'new-customer.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByTestId('upload-status').waitFor();
    expect(await page.getByTestId('upload-status').innerText()).to.equal('rejected');
    expect(await page.getByTestId('document-errors').innerText()).to.include('77123');
    await page.getByRole('link', { name: 'Open the document' }).click();
    await page.getByRole('button', { name: 'Run it again' }).waitFor();
    // The operator adds the organisation, which adds the reseller.
    const op = { authorization: `Bearer ${TRIAL_KEYS.operator}`, 'content-type': 'application/json' };
    expect((await fetch(`${gateway.url}/v1/organisations`, { method: 'POST', headers: op, body: JSON.stringify({ orgId: '77123', name: 'Contoso College', country: 'NL' }) })).status).to.equal(201);
    expect((await fetch(`${gateway.url}/v1/organisations/77123/suppliers/16FCE4A0`, { method: 'PUT', headers: op })).status).to.equal(200);
    await page.getByRole('button', { name: 'Run it again' }).click();
    await page.getByRole('status').filter({ hasText: 'Run again: applied.' }).waitFor();
    await page.getByTestId('document-status').filter({ hasText: /^applied$/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Run it again' }).count()).to.equal(0);
    await page.getByRole('link', { name: 'API transactions' }).click();
    await page.getByRole('heading', { name: 'Reseller API transactions' }).waitFor();
    await expectAccessible(page, 'reseller-transactions');
  });

  it('an organisation admin cannot see or act on another organisation\'s devices, even by a direct address', async function () {
    const page = await freshPage();
    await signIn(page, TRIAL_KEYS.fabrikamAdmin, '/console/devices');
    await page.locator('tbody tr').first().waitFor();
    const serials = await page.locator('tbody td:first-child').allInnerTexts();
    expect(serials).not.to.include('BLC0NWIPAD02');
    await page.goto(`${gateway.url}/console/devices/BLC0NWIPAD02`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).to.include('GW-DE-4320').and.include('BLC0NWIPAD02');
    expect(await page.getByRole('button', { name: 'Release this device' }).count()).to.equal(0);
    // A write forged from the page without the session's CSRF token is refused.
    const forged = await page.evaluate(async () => {
      const res = await fetch('/v1/devices/BLC0NWIPAD02/release', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'x' }) });
      return { status: res.status, body: await res.text() };
    });
    expect(forged.status).to.equal(403);
    expect(forged.body).to.include('X-CSRF-Token');
  });

  it('a period first shown that answers after the one asked for does not replace it', async function () {
    const page = await freshPage();
    // The default period's answers (the last 30 days: from is not 2026-01-01) are held back
    // until the period asked for has been shown: a slow server, as CI's busy cores make it.
    let release!: () => void;
    const asked = new Promise<void>((r) => (release = r));
    await page.route('**/v1/reports/credit?**', async (route) => {
      if (new URL(route.request().url()).searchParams.get('from') !== '2026-01-01') await asked;
      await route.continue();
    });
    await signIn(page, TRIAL_KEYS.finance);
    await page.getByRole('heading', { name: 'Credit reconciliation' }).waitFor();
    await page.getByLabel('From', { exact: true }).fill('2026-01-01');
    await page.getByLabel('To', { exact: true }).fill(new Date().toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Show' }).click();
    const chart = page.getByTestId('chart-USD');
    await chart.locator('figcaption', { hasText: '2026-01-01' }).waitFor();
    release();
    // The held answers arrive now; what is shown stays the period asked for.
    await page.waitForLoadState('networkidle');
    expect(await chart.locator('figcaption').innerText()).to.include('2026-01-01');
  });

  it('finance picks a period and downloads CSV and XLSX whose figures equal the API\'s report', async function () {
    const page = await freshPage({ locale: 'de-DE' });
    await page.goto(gateway.url + '/');
    // The browser's German: the sign-in speaks it; the switch brings English back.
    await page.getByRole('heading', { name: 'Anmelden' }).waitFor();
    await page.getByLabel('Sprache').selectOption('en');
    await signIn(page, TRIAL_KEYS.finance);
    await page.getByRole('heading', { name: 'Credit reconciliation' }).waitFor();
    const from = '2026-01-01';
    const to = new Date().toISOString().slice(0, 10);
    await page.getByLabel('From', { exact: true }).fill(from);
    await page.getByLabel('To', { exact: true }).fill(to);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByTestId('currency-USD').waitFor();
    const report = (await (await fetch(`${gateway.url}/v1/reports/credit?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${TRIAL_KEYS.finance}` } })).json()) as {
      currencies: { currency: string; totals: Record<string, string>; suppliers: { supplierId: string; outstanding: string }[] }[];
    };
    const usd = report.currencies.find((c) => c.currency === 'USD')!;
    // The flows, month by month, drawn with the chart library bundled in the console.
    const chart = page.getByTestId('chart-USD');
    await chart.locator('canvas').waitFor();
    // The chart of the period first shown may still be on the page until the one asked for answers.
    await chart.locator('figcaption', { hasText: from }).waitFor();
    expect(await chart.locator('figcaption').innerText()).to.include('Credit flows in USD').and.include(from);
    // Drawn once the month-by-month reports have answered: wait for paint on the canvas.
    const canvas = await chart.locator('canvas').elementHandle();
    await page.waitForFunction((c) => {
      const el = c as HTMLCanvasElement;
      const pixels = el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
      return el.width > 100 && painted > 1000;
    }, canvas);
    const shownBalance = await page.getByTestId('currency-USD').locator('tfoot td[data-flow="balance"]').innerText();
    expect(shownBalance.replace(/[^0-9.]/g, '')).to.equal(usd.totals.balance);
    // Per supplier too: what Brightline sold that is still outstanding.
    const brightline = usd.suppliers.find((x) => x.supplierId === '16FCE4A0')!;
    const supplierRow = await page.getByTestId('suppliers-USD').locator('tr', { hasText: '16FCE4A0' }).locator('td').allInnerTexts();
    expect(supplierRow[supplierRow.length - 1]!.replace(/[^0-9.]/g, '')).to.equal(brightline.outstanding);
    await expectAccessible(page, 'finance-reconciliation');

    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
    const csv = readFileSync((await csvDownload.path())!, 'utf8');
    const direct = await (await fetch(`${gateway.url}/v1/reports/credit?from=${from}&to=${to}&format=csv`, { headers: { authorization: `Bearer ${TRIAL_KEYS.finance}` } })).text();
    expect(csv).to.equal(direct);
    expect(csv).to.include(usd.totals.balance);

    const [xlsxDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-xlsx').click()]);
    const sheets = await readXlsxFile(readFileSync((await xlsxDownload.path())!), { parseNumber: (text: string) => text });
    const rows = sheets[0]!.data as unknown[][];
    const header = rows[0] as string[];
    const usdTotal = rows.find((r) => r[header.indexOf('level')] === 'currency' && r[header.indexOf('currency')] === 'USD');
    expect(usdTotal, JSON.stringify(rows.slice(0, 3))).to.not.equal(undefined);
    // The cell's text in the file is the exact amount (585.03; a trailing zero is not written).
    expect(String(usdTotal![header.indexOf('balance')])).to.equal(usd.totals.balance.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''));

    // The ledger entries behind the figures, as a workbook: the same entries as the API's CSV.
    const [entriesDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-entries-xlsx').click()]);
    const entrySheets = await readXlsxFile(readFileSync((await entriesDownload.path())!), { parseNumber: (text: string) => text });
    const entryRows = entrySheets[0]!.data as unknown[][];
    const entriesCsv = await (await fetch(`${gateway.url}/v1/reports/credit?from=${from}&to=${to}&format=csv&section=entries`, { headers: { authorization: `Bearer ${TRIAL_KEYS.finance}` } })).text();
    const csvIds = entriesCsv.split('\r\n').slice(1, -1).map((l) => l.split(',')[0]);
    expect(entryRows[0]![0]).to.equal('entry_id');
    expect(entryRows.slice(1).map((r) => r[0])).to.deep.equal(csvIds);
    expect(csvIds.length).to.be.greaterThan(0);
  });

  it('finance in a German browser gets amounts and the CSV in the German convention', async function () {
    const page = await freshPage({ locale: 'de-DE' });
    await page.goto(gateway.url + '/');
    await page.getByLabel('Ihr Schlüssel').fill(TRIAL_KEYS.finance);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('heading', { name: 'Abstimmung des Guthabens' }).waitFor();
    await page.getByLabel('Von', { exact: true }).fill('2026-01-01');
    await page.getByRole('button', { name: 'Anzeigen' }).click();
    await page.getByTestId('currency-USD').waitFor();
    expect(await page.getByTestId('currency-USD').locator('tfoot td[data-flow="ordered"]').innerText()).to.match(/^750,00\s\$$/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\n')[0]).to.include(';');
    expect(csv).to.include(';750,00;');
    await expectAccessible(page, 'finance-german');
  });

  it('an operator makes a key, sees it once, finds its creation in the audit log, and revokes it', async function () {
    const page = await freshPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, TRIAL_KEYS.operator);
    await page.getByRole('link', { name: 'Keys' }).click();
    await page.getByTestId('keys').waitFor();
    await page.getByLabel('Role', { exact: true }).selectOption('org_admin');
    await page.getByLabel('Organisation').fill('30411');
    await page.getByLabel('Label').fill('Fabrikam helpdesk');
    await page.getByRole('button', { name: 'Make a key' }).click();
    await page.getByTestId('made-key').waitFor();
    const key = await page.getByTestId('made-key').locator('code').innerText();
    expect(key).to.match(/^gwk_org_[A-Za-z0-9_-]{32}$/);
    const keyId = /Key (pkey_[0-9a-f]{24}) made/.exec(await page.getByTestId('made-key').innerText())![1]!;
    await page.getByTestId('keys').getByText('Fabrikam helpdesk').waitFor();
    expect(await page.getByTestId('keys').innerText()).not.to.include(key);
    await expectAccessible(page, 'operator-keys');
    // The new key signs in, as the organisation admin it was made for.
    const holder = await freshPage();
    await signIn(holder, key);
    expect(await holder.getByTestId('who').innerText()).to.equal(`org-admin:30411:${keyId}`);

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action (key.* for a prefix)').fill('key.*');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('tbody tr').first().waitFor();
    const first = await page.locator('tbody tr').first().innerText();
    expect(first).to.include('key.create').and.include(keyId).and.include('Fabrikam helpdesk');
    expect(await page.locator('tbody').innerText()).not.to.include(key);
    await expectAccessible(page, 'operator-audit');

    await page.getByRole('link', { name: 'Keys' }).click();
    await page.getByRole('button', { name: `Revoke ${keyId}` }).click();
    await page.getByTestId('keys').locator('tr', { hasText: keyId }).getByRole('button').waitFor({ state: 'detached' });
    // Its session in the other browser ends with it.
    const status = await holder.evaluate(async () => (await fetch('/v1/devices')).status);
    expect(status).to.equal(401);
  });

  it('an operator adds an organisation and its reseller, reads the suppliers with their Ship-To accounts, and the mappings in use', async function () {
    const page = await freshPage();
    await signIn(page, TRIAL_KEYS.operator, '/console/organisations');
    await page.getByTestId('organisations').waitFor();
    const form = page.getByRole('form', { name: 'Add organisation' });
    await form.getByLabel('Organisation id').fill('88001');
    await form.getByLabel('Name').fill('Tailspin Academy');
    await form.getByLabel('Country (ISO code)').fill('nl');
    await form.getByRole('button', { name: 'Add organisation' }).click();
    await page.getByRole('status').filter({ hasText: 'Organisation 88001 added.' }).waitFor();
    const link = page.getByRole('form', { name: 'Add reseller to organisation' });
    await link.getByLabel('Organisation id').fill('88001');
    await link.getByLabel('Reseller number').fill('2B7D9C10');
    await link.getByRole('button', { name: 'Add reseller to organisation' }).click();
    await page.getByRole('status').filter({ hasText: 'Reseller 2B7D9C10 added: 0 pending device(s) enrolled.' }).waitFor();
    await page.getByTestId('organisations').locator('tr', { hasText: 'Tailspin Academy' }).filter({ hasText: '2B7D9C10' }).waitFor();
    expect(await page.getByTestId('organisations').locator('tr', { hasText: 'Tailspin Academy' }).innerText()).to.include('NL');
    await expectAccessible(page, 'operator-organisations');
    // A country that is no ISO 3166-1 code is refused, with the gateway's coded message.
    await form.getByLabel('Organisation id').fill('88002');
    await form.getByLabel('Name').fill('Nowhere School');
    await form.getByLabel('Country (ISO code)').fill('QQ');
    await form.getByRole('button', { name: 'Add organisation' }).click();
    await page.getByRole('alert').filter({ hasText: 'QQ' }).waitFor();
    await page.getByRole('link', { name: 'Suppliers' }).click();
    await page.getByTestId('suppliers').locator('tr', { hasText: '16FCE4A0' }).filter({ hasText: '0000052010' }).waitFor();
    await expectAccessible(page, 'operator-suppliers');
    // The mappings in use, their version, a reload, and a partner's file tried through its mapping.
    await page.getByRole('link', { name: 'Mappings' }).click();
    await page.getByTestId('mappings').locator('tr', { hasText: 'brightline-csv' }).waitFor();
    const version = await page.getByTestId('mappings-version').innerText();
    const api = (await (await fetch(`${gateway.url}/v1/mappings`, { headers: { authorization: `Bearer ${TRIAL_KEYS.operator}` } })).json()) as { version: string };
    expect(version).to.include(api.version);
    await page.getByRole('button', { name: 'Reload from the mapping folders' }).click();
    await page.getByRole('status').filter({ hasText: `Reloaded: version ${api.version} (no mapping changed).` }).waitFor();
    await page.getByLabel('Partner (reseller number or APPLE)').fill('16FCE4A0');
    await page.getByLabel(/^File/).setInputFiles({ name: 'brightline-ship-notice.csv', mimeType: 'text/csv', buffer: readFileSync('samples/documents/brightline-ship-notice.csv') });
    await page.getByRole('button', { name: 'Try without applying' }).click();
    await page.getByTestId('mapping-test-documents').waitFor();
    expect(await page.getByTestId('mapping-test').innerText()).to.include('2 purchase orders (3 lines), 2 ship notices (6 devices).');
    await expectAccessible(page, 'operator-mappings');
  });

  it('is usable by keyboard alone: sign in, move between screens, open a device', async function () {
    const page = await freshPage();
    await page.goto(gateway.url + '/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    /** Tab until the focused element is the one described, as a keyboard user would. */
    const tabTo = async (want: { id?: string; link?: string }) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => ({ id: document.activeElement?.id ?? '', tag: document.activeElement?.tagName ?? '', text: document.activeElement?.textContent ?? '' }));
        if (want.id !== undefined ? focused.id === want.id : focused.tag === 'A' && focused.text === want.link) return;
      }
      throw new Error(`Tab never reached ${JSON.stringify(want)}`);
    };
    await tabTo({ id: 'key' });
    await page.keyboard.type(TRIAL_KEYS.northwindAdmin);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await tabTo({ link: 'Devices' });
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    await tabTo({ link: 'BLC0NWIPAD02' });
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'History' }).waitFor();
    expect(await page.locator('h1').innerText()).to.include('BLC0NWIPAD02');
  });

  it('is usable at phone width: nothing runs off the side of the screen', async function () {
    const page = await freshPage({ viewport: { width: 390, height: 844 } });
    await signIn(page, TRIAL_KEYS.northwindAdmin, '/console/devices');
    await page.locator('tbody tr').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).to.be.at.most(0);
    await expectAccessible(page, 'phone-devices');
  });

  it('an organisation admin removes a reseller, finds the devices it ships next pending and why, adds it back and sees them enrolled', async function () {
    const page = await freshPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, TRIAL_KEYS.northwindAdmin);
    await page.getByRole('heading', { name: 'Northwind Schools (19827)' }).waitFor();
    await page.getByRole('button', { name: 'Remove 16FCE4A0' }).click();
    await page.getByRole('status').filter({ hasText: 'Reseller 16FCE4A0 removed' }).waitFor();
    // The reseller ships two devices to Northwind through its own channel, the HTTP upload.
    const csv =
      'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number\n' +
      'BL-CONSOLE-3,OR,2026-11-25,19827,NW-PO-11,DL-11,2026-11-26,CNSLPEND0001,,MW6F3LL/A\n' +
      'BL-CONSOLE-3,OR,2026-11-25,19827,NW-PO-11,DL-11,2026-11-26,CNSLPEND0002,,MW6F3LL/A\n';
    const shipped = await fetch(`${gateway.url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${TRIAL_KEYS.brightline}`, 'x-file-name': 'pending.csv' }, body: csv });
    expect(shipped.status).to.equal(201);
    await page.reload();
    await page.getByTestId('device-counts').waitFor();
    await expectAccessible(page, 'admin-overview');
    await page.getByRole('link', { name: /pending\s+2/ }).click();
    await rowCount(page, 'tbody tr', 2);
    expect(await page.locator('tbody td:first-child').allInnerTexts()).to.deep.equal(['CNSLPEND0001', 'CNSLPEND0002']);
    await page.getByRole('link', { name: 'CNSLPEND0001' }).click();
    await page.getByTestId('pending-reason').waitFor();
    expect(await page.getByTestId('pending-reason').innerText()).to.include('GW-OR-4120').and.include('has not added reseller 16FCE4A0');
    await expectAccessible(page, 'admin-pending-device');
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByLabel('Reseller number').fill('16fce4a0');
    await page.getByRole('button', { name: 'Add reseller' }).click();
    await page.getByRole('status').filter({ hasText: 'Reseller 16FCE4A0 added: 2 pending device(s) enrolled.' }).waitFor();
    await page.getByTestId('resellers').getByText('Brightline Resellers (16FCE4A0)').waitFor();
    await page.goto(`${gateway.url}/console/devices/CNSLPEND0002`);
    await page.getByRole('heading', { name: 'History' }).waitFor();
    expect(await page.locator('h1').innerText()).to.include('enrolled');
    expect(await page.getByTestId('pending-reason').count()).to.equal(0);
  });

  it('signs out: the session ends and the screens ask for a key again', async function () {
    const page = await freshPage();
    await signIn(page, TRIAL_KEYS.northwindAdmin);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const after = await page.evaluate(async () => (await fetch('/v1/devices')).status);
    expect(after).to.equal(401);
    await page.goto(`${gateway.url}/console/devices`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
});
