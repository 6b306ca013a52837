// The ISO 4217 table and the country → default currency table: spot checks against
// List One (amendment as of 2026-01-01) and consistency between the two tables.
import { expect } from 'chai';
import { CURRENCIES, ISO_4217_SOURCE, currencyInfo } from '../../src/model/currencies.js';
import { COUNTRY_CURRENCY, isCountryCode, localCurrencyOf } from '../../src/model/country-currencies.js';

const THREE_UPPER = /^[A-Z]{3}$/;
const TWO_UPPER = /^[A-Z]{2}$/;

describe('ISO 4217 currency table', () => {
  it('names its source and amendment date', () => {
    expect(ISO_4217_SOURCE).to.contain('ISO 4217 List One (current currency & funds)');
    expect(ISO_4217_SOURCE).to.contain('SIX Group');
    expect(ISO_4217_SOURCE).to.match(/amendment as of \d{4}-\d{2}-\d{2}/);
  });

  it('holds the 178 distinct codes of List One', () => {
    expect(CURRENCIES.size).to.equal(178);
  });

  it('has minor unit 0 for the zero-decimal currencies', () => {
    for (const code of [
      'JPY', 'KRW', 'VND', 'CLP', 'ISK', 'UGX', 'XAF', 'XOF', 'XPF',
      'BIF', 'DJF', 'GNF', 'KMF', 'PYG', 'RWF', 'VUV', 'UYI',
    ]) {
      expect(currencyInfo(code)?.minorUnit, code).to.equal(0);
    }
  });

  it('has minor unit 3 for the three-decimal currencies, and only for them', () => {
    const three = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];
    for (const code of three) expect(currencyInfo(code)?.minorUnit, code).to.equal(3);
    const all = [...CURRENCIES.values()].filter((c) => c.minorUnit === 3).map((c) => c.code);
    expect(all.sort()).to.deep.equal(three);
  });

  it('has minor unit 4 for CLF and UYW, and only for them', () => {
    expect(currencyInfo('CLF')?.minorUnit).to.equal(4);
    expect(currencyInfo('UYW')?.minorUnit).to.equal(4);
    const all = [...CURRENCIES.values()].filter((c) => c.minorUnit === 4).map((c) => c.code);
    expect(all.sort()).to.deep.equal(['CLF', 'UYW']);
  });

  it('has minor unit 2 for the common currencies', () => {
    for (const code of ['USD', 'EUR', 'GBP', 'CHF', 'CAD', 'AUD', 'CNY', 'INR', 'BRL', 'MXN', 'SEK']) {
      expect(currencyInfo(code)?.minorUnit, code).to.equal(2);
    }
  });

  it('gives null minor unit to exactly the "N.A." codes', () => {
    const na = ['XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XPD', 'XPT', 'XSU', 'XTS', 'XUA', 'XXX'];
    for (const code of na) {
      const info = currencyInfo(code);
      expect(info, code).to.not.equal(undefined);
      expect(info?.minorUnit, code).to.equal(null);
    }
    const all = [...CURRENCIES.values()].filter((c) => c.minorUnit === null).map((c) => c.code);
    expect(all.sort()).to.deep.equal(na);
  });

  it('includes the recent additions with their numeric codes', () => {
    const expected: Record<string, string> = {
      VES: '928', VED: '926', SLE: '925', ZWG: '924', STN: '930', MRU: '929', XCG: '532', XAD: '396',
    };
    for (const [code, numeric] of Object.entries(expected)) {
      const info = currencyInfo(code);
      expect(info, code).to.not.equal(undefined);
      expect(info?.numeric, code).to.equal(numeric);
      expect(info?.minorUnit, code).to.equal(2);
    }
  });

  it('leaves out withdrawn codes', () => {
    for (const code of ['HRK', 'SLL', 'CUC', 'ZWL', 'ANG', 'BGN', 'VEF', 'MRO', 'STD', 'LTL', 'LVL']) {
      expect(currencyInfo(code), code).to.equal(undefined);
    }
  });

  it('keys every entry by its own code, three upper-case letters', () => {
    for (const [key, info] of CURRENCIES) {
      expect(key).to.match(THREE_UPPER);
      expect(info.code).to.equal(key);
      expect(info.name.trim(), key).to.not.equal('');
      expect(info.name, key).to.equal(info.name.trim());
    }
  });

  it('has numeric codes of three digits, all different', () => {
    const seen = new Map<string, string>();
    for (const info of CURRENCIES.values()) {
      expect(info.numeric, info.code).to.match(/^\d{3}$/);
      expect(seen.get(info.numeric), `${info.code} shares ${info.numeric}`).to.equal(undefined);
      seen.set(info.numeric, info.code);
    }
  });

  it('spot-checks numeric codes', () => {
    expect(currencyInfo('USD')?.numeric).to.equal('840');
    expect(currencyInfo('EUR')?.numeric).to.equal('978');
    expect(currencyInfo('JPY')?.numeric).to.equal('392');
    expect(currencyInfo('ALL')?.numeric).to.equal('008');
    expect(currencyInfo('KWD')?.numeric).to.equal('414');
  });

  it('matches codes exactly: lower-case and padded lookups fail', () => {
    for (const code of ['usd', 'Usd', 'eur', 'jpy', ' USD', 'USD ', '', 'US', 'USDD']) {
      expect(currencyInfo(code), JSON.stringify(code)).to.equal(undefined);
    }
    expect(CURRENCIES.has('usd')).to.equal(false);
  });
});

describe('country → default currency table', () => {
  it('maps the examples', () => {
    const expected: Record<string, string> = {
      US: 'USD', JP: 'JPY', DE: 'EUR', HR: 'EUR', GB: 'GBP', KW: 'KWD', CH: 'CHF', LI: 'CHF',
      BG: 'EUR', SL: 'SLE', CU: 'CUP', CW: 'XCG', SX: 'XCG', ZW: 'ZWG', VE: 'VES', ST: 'STN', MR: 'MRU',
    };
    for (const [country, currency] of Object.entries(expected)) {
      expect(localCurrencyOf(country), country).to.equal(currency);
    }
  });

  it('covers every assigned ISO 3166-1 alpha-2 code except the three without a currency', () => {
    expect(COUNTRY_CURRENCY.size).to.equal(249 - 3);
    for (const none of ['AQ', 'GS', 'PS']) expect(localCurrencyOf(none), none).to.equal(undefined);
  });

  it('uses two upper-case letters for countries and three for currencies', () => {
    for (const [country, currency] of COUNTRY_CURRENCY) {
      expect(country).to.match(TWO_UPPER);
      expect(currency, country).to.match(THREE_UPPER);
    }
  });

  it('names only currencies that are in the ISO 4217 table with a minor unit', () => {
    for (const [country, currency] of COUNTRY_CURRENCY) {
      const info = currencyInfo(currency);
      expect(info, `${country} → ${currency}`).to.not.equal(undefined);
      expect(info?.minorUnit, `${country} → ${currency}`).to.be.a('number');
    }
  });

  it('matches countries exactly: lower-case lookups fail', () => {
    for (const country of ['us', 'Us', 'de', 'jp', ' US', 'USA', '']) {
      expect(localCurrencyOf(country), JSON.stringify(country)).to.equal(undefined);
    }
  });
});

describe('ISO 3166-1 country codes', () => {
  it('knows the 249 assigned codes, those without a currency of their own too, and no user-assigned one', () => {
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const all = [...letters].flatMap((a) => [...letters].map((b) => a + b)).filter(isCountryCode);
    expect(all).to.have.lengthOf(249);
    for (const code of ['AQ', 'GS', 'PS', 'GB', 'US', 'JP']) expect(isCountryCode(code), code).to.equal(true);
    // User-assigned (AA, QM-QZ, XA-XZ, ZZ) and lower case are no country.
    for (const code of ['AA', 'QQ', 'QZ', 'XX', 'XK', 'ZZ', 'gb', 'GBR', '']) expect(isCountryCode(code), code).to.equal(false);
  });
});
