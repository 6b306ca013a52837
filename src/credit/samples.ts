// The sample trial's credit activity (`npm start`): after the sample documents have issued
// their codes (10000 JPY for Fabrikam Retail; 10 x 25.00 USD and 500.00 USD for Northwind
// Schools), an admin of each organisation redeems some codes into a location's account and
// records content purchases, so that the reconciliation report has every column to show.
// It runs once per database: an organisation with an account already is left alone.
import { join } from 'node:path';
import type { Knex } from 'knex';
import { findOrgRef, organisationHasAccounts } from '../store/credit.js';
import type { Actor, CreditSettings, OrgRef } from './ledger.js';
import { listCodes, recordSpend, redeemCode } from './ledger.js';
import { importPurchases } from './purchases-csv.js';

async function redeemSome(db: Knex, settings: CreditSettings, org: OrgRef, location: string, pick: (amount: string) => boolean, max: number, actor: Actor): Promise<number> {
  const codes = await listCodes(db, settings, { org, state: 'issued', actor, limit: 1000 });
  let redeemed = 0;
  for (const c of codes.filter((x) => x.code !== null && pick(x.amount)).slice(0, max)) {
    const r = await redeemCode(db, { org, location, currency: c.currency, code: c.code, idempotencyKey: `sample-redeem-${c.codeId}`, actor });
    if (!r.ok) throw new Error(`sample redemption refused: ${r.error.code}`);
    redeemed++;
  }
  return redeemed;
}

export async function loadSampleCredit(db: Knex, settings: CreditSettings, samplesDir: string, actor: Actor, write: (line: string) => void): Promise<void> {
  const fabrikam = await findOrgRef(db, '30411');
  if (fabrikam && !(await organisationHasAccounts(db, fabrikam.pk))) {
    const n = await redeemSome(db, settings, fabrikam, 'Tokyo HQ', () => true, 1, actor);
    const file = join(samplesDir, 'credit', 'purchases-30411.csv');
    const imported = await importPurchases(db, { org: fabrikam, location: 'Tokyo HQ', path: file, fileName: 'purchases-30411.csv', actor, maxRows: 1000 });
    write(`Fabrikam Retail (30411): ${n} JPY code redeemed into "Tokyo HQ"; purchase history ${imported.status}: ${imported.recorded} purchase(s), ${JSON.stringify(imported.totals)}\n`);
  }
  const northwind = await findOrgRef(db, '19827');
  if (northwind && !(await organisationHasAccounts(db, northwind.pk))) {
    const location = 'District Office';
    const small = await redeemSome(db, settings, northwind, location, (a) => a === '25.00', 4, actor);
    const large = await redeemSome(db, settings, northwind, location, (a) => a === '500.00', 1, actor);
    const spend = await recordSpend(db, {
      org: northwind,
      location,
      currency: 'USD',
      date: '2026-11-09',
      itemId: 'app-1108187390',
      quantity: 3,
      unitPrice: '4.99',
      idempotencyKey: 'sample-spend-1',
      actor,
    });
    if (!spend.ok) throw new Error(`sample spend refused: ${spend.error.code}`);
    write(`Northwind Schools (19827): ${small + large} USD codes redeemed into "${location}"; 3 x 4.99 USD spent, balance ${spend.value.balance} USD\n`);
  }
}
