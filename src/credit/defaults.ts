// Default volume-credit settings. The countries are a starting list of where volume
// purchase credit for apps and books is commonly sold; check it against Apple's current
// list for your programme and set `credit.countries` accordingly. Limits are per currency
// (a limit in one currency means nothing in another): per order about 100,000 US dollars'
// worth, per organisation ten times that, rounded. A currency with no limit configured
// cannot be sold (GW-CR-7011): selling in it is a deliberate configuration step.
import type { CreditConfig } from '../model/credit.js';
import { CodeSealer } from './codes.js';
import type { CreditSettings } from './ledger.js';
import { PURCHASE_CSV_LIMITS } from '../model/limits.js';

const PER_ORDER: Record<string, string> = {
  USD: '100000.00',
  CAD: '135000.00',
  MXN: '1700000.00',
  BRL: '500000.00',
  GBP: '80000.00',
  EUR: '95000.00',
  CHF: '90000.00',
  DKK: '700000.00',
  SEK: '1100000.00',
  NOK: '1100000.00',
  PLN: '400000.00',
  CZK: '2300000.00',
  HUF: '36000000.00',
  JPY: '15000000',
  KRW: '140000000',
  AUD: '150000.00',
  NZD: '165000.00',
  SGD: '130000.00',
  HKD: '780000.00',
  INR: '8500000.00',
  AED: '365000.00',
  SAR: '375000.00',
  KWD: '30000.000',
};

const PER_ORGANISATION: Record<string, string> = Object.fromEntries(
  Object.entries(PER_ORDER).map(([currency, amount]) => {
    const [whole, fraction] = amount.split('.');
    return [currency, fraction === undefined ? `${whole}0` : `${whole}0.${fraction}`];
  }),
);

export const DEFAULT_CREDIT_CONFIG: CreditConfig = {
  countries: [
    'US', 'CA', 'MX', 'BR', 'GB', 'IE', 'FR', 'DE', 'IT', 'ES', 'PT', 'NL', 'BE', 'LU', 'AT', 'FI', 'GR',
    'CH', 'LI', 'DK', 'SE', 'NO', 'PL', 'CZ', 'HU', 'JP', 'KR', 'AU', 'NZ', 'SG', 'HK', 'IN', 'AE', 'SA', 'KW',
  ],
  acceptedCurrencies: {},
  limits: { perOrder: PER_ORDER, perOrganisation: PER_ORGANISATION },
  codeDownloadDays: 90,
  codeKeyFile: './data/credit-code.key',
  maxPurchaseRows: PURCHASE_CSV_LIMITS.maxRows,
};

/** The settings the credit operations run with, from the configuration and the environment. */
export function creditSettingsFrom(config: CreditConfig, env: NodeJS.ProcessEnv = process.env): CreditSettings {
  return {
    policy: {
      countries: config.countries,
      acceptedCurrencies: config.acceptedCurrencies,
      perOrderLimit: config.limits.perOrder,
      perOrganisationLimit: config.limits.perOrganisation,
    },
    sealer: CodeSealer.load({ ...(env.GATEWAY_CREDIT_CODE_KEY ? { keyHex: env.GATEWAY_CREDIT_CODE_KEY } : {}), keyFile: config.codeKeyFile }),
    codeDownloadDays: config.codeDownloadDays,
  };
}
