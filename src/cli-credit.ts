// Command-line commands for volume credit, for the operator: an organisation's codes and
// accounts, redemption, spending and its corrections, purchase-history imports, and the
// finance reconciliation report. Every write goes through the same operations as the
// HTTP API (src/credit/), with the same rules, idempotency keys and audit.
import { randomUUID } from 'node:crypto';
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { basename } from 'node:path';
import type { Knex } from 'knex';
import { AdminError } from './admin/admin-error.js';
import { S, UsageError, print, required, type Command, type Values } from './cli-support.js';
import type { GatewayConfig } from './config.js';
import type { OrgRef } from './credit/ledger.js';
import type { Checked } from './domain/credit.js';
import type { CsvConvention } from './formats/csv/write.js';
import type { ReportRequest } from './reports/credit.js';

// What the credit commands run, loaded on first use (the command line starts without them).
const ledger = () => import('./credit/ledger.js');
const messages = () => import('./model/messages.js');
const csvReports = () => import('./reports/credit-csv.js');

async function orgRef(db: Knex, orgId: string): Promise<OrgRef> {
  const [{ findOrgRef }, { renderMessage }] = await Promise.all([import('./store/credit.js'), messages()]);
  const org = await findOrgRef(db, orgId);
  if (!org) throw new AdminError('GW-CR-7033', renderMessage({ code: 'GW-CR-7033', params: { what: 'organisation', id: orgId } }));
  return org;
}

async function valueOf<T>(result: Checked<T>): Promise<T> {
  if (!result.ok) throw new AdminError(result.error.code, (await messages()).renderMessage(result.error));
  return result.value;
}

/** The key the operator gave, or a new one: a CLI retry of the same command then is a new request. */
function keyOf(values: Values): string {
  return (values.key as string | undefined) ?? `cli-${randomUUID()}`;
}

function writeOut(text: string, out: string | undefined): void {
  if (out) {
    // Codes are bearer value: the file is readable by its owner only.
    writeFileSync(out, text, { mode: 0o600 });
    process.stderr.write(`written to ${out}\n`);
  } else process.stdout.write(text);
}

/** The ledger entries of a period as CSV, streamed to the file (0600) or stdout. */
async function writeEntries(db: Knex, request: ReportRequest, convention: CsvConvention, out: string | undefined): Promise<void> {
  const [{ ledgerEntriesCsv, ReportRefused }, { renderMessage }] = await Promise.all([csvReports(), messages()]);
  const sink = out ? createWriteStream(out, { mode: 0o600 }) : process.stdout;
  try {
    for await (const chunk of ledgerEntriesCsv(db, request, convention)) if (!sink.write(chunk)) await once(sink, 'drain');
  } catch (err) {
    if (err instanceof ReportRefused) throw new AdminError(err.error.code, renderMessage(err.error));
    throw err;
  } finally {
    if (out) await new Promise<void>((resolve) => (sink as ReturnType<typeof createWriteStream>).end(resolve));
  }
  if (out) process.stderr.write(`written to ${out}\n`);
}

const settingsOf = async (config: GatewayConfig) => (await import('./credit/defaults.js')).creditSettingsFrom(config.credit);

export const CREDIT_COMMANDS: Record<string, Command> = {
  'credit codes': {
    usage: 'credit codes --org-id ID [--order N] [--state issued|redeemed|refunded|voided] [--out FILE.csv] [--json]   download codes (audited)',
    options: { 'org-id': S, order: S, state: S, out: S, json: { type: 'boolean' } },
    async run({ config, values, db, actor }) {
      const [{ listCodes }, { codesCsv }] = await Promise.all([ledger(), import('./credit/codes-csv.js')]);
      const database = await db();
      const codes = await listCodes(database, await settingsOf(config), {
        org: await orgRef(database, required(values, 'org-id')),
        ...(values.order ? { orderNumber: values.order as string } : {}),
        ...(values.state ? { state: values.state as string } : {}),
        actor,
        limit: 100_000,
      });
      if (values.json) print(codes);
      else writeOut(codesCsv(codes), values.out as string | undefined);
    },
  },
  'credit reissue': {
    usage: 'credit reissue --org-id ID --code-id ID   a new code for an unredeemed unit; the old one stops working (audited) (JSON)',
    options: { 'org-id': S, 'code-id': S },
    async run({ config, values, db, actor }) {
      const { reissueCode } = await ledger();
      const database = await db();
      print(await valueOf(await reissueCode(database, await settingsOf(config), { org: await orgRef(database, required(values, 'org-id')), codeId: required(values, 'code-id'), actor })));
    },
  },
  'credit redeem': {
    usage: "credit redeem --org-id ID --location L --currency CUR --code CODE [--key K]   into the location's account (JSON)",
    options: { 'org-id': S, location: S, currency: S, code: S, key: S },
    async run({ values, db, actor }) {
      const { redeemCode } = await ledger();
      const database = await db();
      const org = await orgRef(database, required(values, 'org-id'));
      print(
        await valueOf(
          await redeemCode(database, { org, location: required(values, 'location'), currency: required(values, 'currency'), code: required(values, 'code'), idempotencyKey: keyOf(values), actor }),
        ),
      );
    },
  },
  'credit spend': {
    usage: 'credit spend --org-id ID --location L --currency CUR --date YYYY-MM-DD --item ID --quantity N --unit-price P [--key K]   a purchase paid with credit (JSON)',
    options: { 'org-id': S, location: S, currency: S, date: S, item: S, quantity: S, 'unit-price': S, key: S },
    examples: ['credit spend --org-id 19827 --location main --currency USD --date 2026-12-01 --item 361309556 --quantity 10 --unit-price 4.99'],
    async run({ values, db, actor }) {
      const { recordSpend } = await ledger();
      const database = await db();
      const org = await orgRef(database, required(values, 'org-id'));
      print(
        await valueOf(
          await recordSpend(database, {
            org,
            location: required(values, 'location'),
            currency: required(values, 'currency'),
            date: required(values, 'date'),
            itemId: required(values, 'item'),
            quantity: required(values, 'quantity'),
            unitPrice: required(values, 'unit-price'),
            idempotencyKey: keyOf(values),
            actor,
          }),
        ),
      );
    },
  },
  'credit reverse': {
    usage: 'credit reverse --org-id ID --entry-id ID [--key K]   a refunded purchase: a reversing entry restores the balance (JSON)',
    options: { 'org-id': S, 'entry-id': S, key: S },
    async run({ values, db, actor }) {
      const { reverseSpend } = await ledger();
      const database = await db();
      const org = await orgRef(database, required(values, 'org-id'));
      print(await valueOf(await reverseSpend(database, { org, entryId: required(values, 'entry-id'), idempotencyKey: keyOf(values), actor })));
    },
  },
  'credit import': {
    usage: 'credit import FILE.csv --org-id ID --location L   a purchase history (date,item_id,quantity,unit_price,currency[,purchase_id]); all rows or none (JSON)',
    arguments: ['<file>'],
    options: { 'org-id': S, location: S },
    async run({ config, values, positionals, db, actor }) {
      const file = positionals[0]!;
      const { importPurchases } = await import('./credit/purchases-csv.js');
      const database = await db();
      const result = await importPurchases(database, {
        org: await orgRef(database, required(values, 'org-id')),
        location: required(values, 'location'),
        path: file,
        fileName: basename(file),
        actor,
        maxRows: config.credit.maxPurchaseRows,
      });
      print(result);
      if (result.status === 'rejected') process.exitCode = 3;
    },
  },
  'credit accounts': {
    readsOnly: true,
    usage: 'credit accounts --org-id ID   balances per location and currency (JSON)',
    options: { 'org-id': S },
    async run({ values, db }) {
      const { listAccounts } = await ledger();
      const database = await db();
      print(await listAccounts(database, await orgRef(database, required(values, 'org-id'))));
    },
  },
  'report credit': {
    readsOnly: true,
    usage:
      "report credit --from YYYY-MM-DD --to YYYY-MM-DD [--currency CUR] [--org ID] [--format csv|json|xlsx] [--mismatches | --entries] [--delimiter ';'|','|tab] [--decimal ','|'.'] [--out FILE]   the volume-credit reconciliation, its mismatches, or its ledger entries",
    options: { from: S, to: S, currency: S, org: S, format: S, mismatches: { type: 'boolean' }, entries: { type: 'boolean' }, delimiter: S, decimal: S, out: S },
    noJson: true,
    examples: [
      'report credit --from 2026-01-01 --to 2026-12-31',
      "report credit --from 2026-11-01 --to 2026-11-30 --delimiter ';' --decimal ',' --out november.csv",
      'report credit --from 2026-11-01 --to 2026-11-30 --entries --format xlsx --out entries.xlsx',
    ],
    async run({ values, db }) {
      const format = (values.format as string | undefined) ?? 'csv';
      if (format !== 'csv' && format !== 'json' && format !== 'xlsx') throw new UsageError('--format must be csv, json or xlsx');
      if (format === 'xlsx' && values.out === undefined) throw new UsageError('--format xlsx writes a workbook: give --out FILE.xlsx');
      const { csvConventionOf } = await import('./formats/csv/write.js');
      const convention = csvConventionOf(values.delimiter as string | undefined, values.decimal as string | undefined);
      if (typeof convention === 'string') throw new UsageError(convention);
      const request = {
        from: required(values, 'from'),
        to: required(values, 'to'),
        ...(values.currency ? { currency: values.currency as string } : {}),
        ...(values.org ? { orgId: values.org as string } : {}),
      };
      const [{ creditReport }, { creditMismatchesCsv, creditReportCsv, hasMovement }, { renderMessage }] = await Promise.all([import('./reports/credit.js'), csvReports(), messages()]);
      if (values.entries) {
        if (values.mismatches || format === 'json') throw new UsageError('--entries is a file of its own, CSV or XLSX: give no --mismatches or --format json');
        if (format === 'xlsx') {
          const [{ ledgerEntriesXlsx }, { ReportRefused }] = await Promise.all([import('./reports/credit-xlsx.js'), csvReports()]);
          let workbook: Buffer;
          try {
            workbook = await ledgerEntriesXlsx(await db(), request);
          } catch (err) {
            if (err instanceof ReportRefused) throw new AdminError(err.error.code, renderMessage(err.error));
            throw err;
          }
          writeFileSync(values.out as string, workbook, { mode: 0o600 });
          process.stderr.write(`written to ${String(values.out)}\n`);
          return;
        }
        await writeEntries(await db(), request, convention, values.out as string | undefined);
        return;
      }
      const result = await creditReport(await db(), request);
      if (!result.ok) throw new AdminError(result.error.code, renderMessage(result.error));
      if (format === 'xlsx') {
        const { creditReportXlsx } = await import('./reports/credit-xlsx.js');
        // Both sheets (figures and mismatches) are in the workbook.
        writeFileSync(values.out as string, await creditReportXlsx(result.report), { mode: 0o600 });
        process.stderr.write(`written to ${String(values.out)}\n`);
        return;
      }
      const text =
        format === 'json'
          ? `${JSON.stringify(result.report, null, 2)}\n`
          : values.mismatches
            ? creditMismatchesCsv(result.report, convention)
            : creditReportCsv(result.report, convention);
      writeOut(text, values.out as string | undefined);
      if (!hasMovement(result.report)) process.stderr.write(`no credit movement from ${result.report.period.from} to ${result.report.period.to}\n`);
      const flagged = Object.values(result.report.mismatchCounts).reduce((a, b) => a + b, 0);
      if (flagged > 0) process.stderr.write(`${flagged} mismatch(es) flagged: see --mismatches\n`);
    },
  },
};

/** The demo's last word: this year's credit report, so the trial shows what finance sees. */
export async function printSampleCreditReport(db: Knex, now = new Date()): Promise<void> {
  const [{ creditReport }, { creditReportCsv }, { renderMessage }] = await Promise.all([import('./reports/credit.js'), csvReports(), messages()]);
  const today = now.toISOString().slice(0, 10);
  const from = `${today.slice(0, 4)}-01-01`;
  const result = await creditReport(db, { from, to: today }, now);
  if (!result.ok) throw new AdminError(result.error.code, renderMessage(result.error));
  process.stderr.write(`\nVolume credit reconciliation, ${from} to ${today} (report credit --from ${from} --to ${today}):\n`);
  process.stderr.write(creditReportCsv(result.report));
}
