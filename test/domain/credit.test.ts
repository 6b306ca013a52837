// Unit tests of the volume-credit rules (src/domain/credit.ts): amounts in minor units of
// their currency, the credit lines an organisation may be sold, what a return or void takes
// back, redemption, content purchases, ledger effects, idempotency fingerprints, and the
// coherence of the default limit tables. Pure functions over plain data.
import { expect } from 'chai';
import {
  accountEffect,
  checkCreditLines,
  checkIdempotencyKey,
  checkIdempotentReplay,
  checkLimitTable,
  checkLocation,
  checkPurchaseDate,
  checkRedemption,
  checkReissue,
  checkReturnLine,
  checkReversal,
  downloadWindowEnd,
  formatMinor,
  isCodeDownloadable,
  minorUnitOf,
  orderCreditEffect,
  orderOfAnotherOrganisation,
  otherOwnerOf,
  outstandingEffect,
  parseAmount,
  planTakeBack,
  purchaseAmount,
  requestHash,
  sellsCredit,
  type Checked,
  type CodeOnFile,
  type CreditPolicy,
  type UnitOnFile,
} from '../../src/domain/credit.js';
import { DEFAULT_CREDIT_CONFIG } from '../../src/credit/defaults.js';
import { localCurrencyOf } from '../../src/model/country-currencies.js';
import type { CodedError } from '../../src/model/error-codes.js';
import type { CreditLine, PurchaseOrderLine } from '../../src/model/documents.js';
import type { OrderType } from '../../src/model/state.js';
import { CREDIT_LIMITS } from '../../src/model/limits.js';
import type { CodeState, EntryKind } from '../../src/model/credit.js';

// ---- helpers ----------------------------------------------------------------------------

function valueOf<T>(result: Checked<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code} ${JSON.stringify(result.error.params)}`);
  return result.value;
}

/** Asserts a refusal with `code` and answers its params. */
function refusal<T>(result: Checked<T>, code: CodedError['code']): Record<string, unknown> {
  if (result.ok) throw new Error(`expected ${code}, got ok: ${String(result.value)}`);
  expect(result.error.code).to.equal(code);
  return (result.error.params ?? {}) as Record<string, unknown>;
}

function credit(lineNumber: string, amount: string, currency: string, quantity = 1, partNumber = 'VPP-CREDIT'): CreditLine {
  return { type: 'credit', lineNumber, partNumber, amount, currency, quantity };
}

function po(orderType: OrderType, lines: PurchaseOrderLine[], orderNumber = 'PO-1') {
  return { orderNumber, orderType, lines };
}

const US_ORG = { orgId: 'ORG-US', country: 'US' };
const US_ORG_EUR = { orgId: 'ORG-US-EUR', country: 'US' };
const JP_ORG = { orgId: 'ORG-JP', country: 'JP' };
const KW_ORG = { orgId: 'ORG-KW', country: 'KW' };
const FR_ORG = { orgId: 'ORG-FR', country: 'FR' };

const POLICY: CreditPolicy = {
  countries: ['US', 'JP', 'KW'],
  acceptedCurrencies: { 'ORG-US-EUR': ['EUR', 'GBP'] },
  perOrderLimit: { USD: '1000.00', JPY: '100000', KWD: '300.000', EUR: '500.00' },
  // EUR has a per-order limit but no per-organisation one; GBP has neither.
  perOrganisationLimit: { USD: '2000.00', JPY: '1000000', KWD: '3000.000' },
};

const nothingHeld = (): bigint => 0n;

// ---- amounts ----------------------------------------------------------------------------

describe('credit amounts', () => {
  describe('minorUnitOf', () => {
    it('answers the minor unit of a currency credit can be sold in', () => {
      expect(valueOf(minorUnitOf('JPY'))).to.equal(0);
      expect(valueOf(minorUnitOf('USD'))).to.equal(2);
      expect(valueOf(minorUnitOf('KWD'))).to.equal(3);
      expect(valueOf(minorUnitOf('CLF'))).to.equal(4);
    });

    it('refuses a currency with no minor unit, saying so', () => {
      const params = refusal(minorUnitOf('XAU'), 'GW-CR-7001');
      expect(params.currency).to.equal('XAU');
      expect(String(params.detail)).to.contain('no minor unit');
    });
  });

  describe('parseAmount', () => {
    it('reads JPY (0 decimals) as yen', () => {
      expect(valueOf(parseAmount('10000', 'JPY'))).to.equal(10000n);
      expect(valueOf(parseAmount('1', 'JPY'))).to.equal(1n);
    });

    it('refuses a JPY amount with any decimals, even .0 (GW-CR-7004)', () => {
      const params = refusal(parseAmount('10000.5', 'JPY'), 'GW-CR-7004');
      expect(params).to.include({ value: '10000.5', currency: 'JPY', minorUnit: 0, field: 'amount' });
      refusal(parseAmount('100.0', 'JPY'), 'GW-CR-7004');
    });

    it('reads USD (2 decimals) as cents', () => {
      expect(valueOf(parseAmount('1500.00', 'USD'))).to.equal(150000n);
      expect(valueOf(parseAmount('1500', 'USD'))).to.equal(150000n);
      expect(valueOf(parseAmount('1500.5', 'USD'))).to.equal(150050n);
      expect(valueOf(parseAmount('0.01', 'USD'))).to.equal(1n);
      expect(valueOf(parseAmount('0.10', 'USD'))).to.equal(10n);
    });

    it('refuses a USD amount with a third decimal (GW-CR-7004)', () => {
      const params = refusal(parseAmount('1.005', 'USD', 'unitPrice'), 'GW-CR-7004');
      expect(params).to.include({ field: 'unitPrice', minorUnit: 2, currency: 'USD' });
      refusal(parseAmount('1.000', 'USD'), 'GW-CR-7004');
    });

    it('reads KWD (3 decimals) as fils', () => {
      expect(valueOf(parseAmount('12.345', 'KWD'))).to.equal(12345n);
      expect(valueOf(parseAmount('12.3', 'KWD'))).to.equal(12300n);
      refusal(parseAmount('1.2345', 'KWD'), 'GW-CR-7004');
    });

    it('reads CLF (4 decimals)', () => {
      expect(valueOf(parseAmount('1.2345', 'CLF'))).to.equal(12345n);
      expect(valueOf(parseAmount('0.0001', 'CLF'))).to.equal(1n);
      refusal(parseAmount('1.23456', 'CLF'), 'GW-CR-7004');
    });

    it('refuses a currency with no minor unit (XAU), unknown and lower-case codes (GW-CR-7001)', () => {
      for (const currency of ['XAU', 'XDR', 'XXX', 'ZZZ', 'usd', 'Usd', '', 'USDX']) {
        refusal(parseAmount('1', currency), 'GW-CR-7001');
      }
    });

    it('refuses JSON numbers, even whole ones (GW-CR-7002)', () => {
      for (const value of [0.1, 10, 1e3, 1500, 0, Number.NaN]) {
        const params = refusal(parseAmount(value, 'USD'), 'GW-CR-7002');
        expect(params.value).to.equal(String(value));
      }
    });

    it('refuses values that are not strings (GW-CR-7002)', () => {
      for (const value of [null, undefined, 10n, true, {}, ['1']]) {
        refusal(parseAmount(value, 'USD'), 'GW-CR-7002');
      }
    });

    it('refuses strings that are not plain decimals (GW-CR-7002)', () => {
      for (const value of ['1e3', '1,000.00', ' 5', '5 ', '-5', '+5', '0x10', '', '.5', '5.', '1.2.3', '5\n', 'NaN', 'Infinity', '١٢']) {
        refusal(parseAmount(value, 'USD'), 'GW-CR-7002');
      }
    });

    it('refuses zero (GW-CR-7003)', () => {
      for (const value of ['0', '0.00', '000', '0.0']) refusal(parseAmount(value, 'USD'), 'GW-CR-7003');
      refusal(parseAmount('0', 'JPY'), 'GW-CR-7003');
    });

    it('accepts CREDIT_LIMITS.maxMinorUnits and refuses one minor unit more (GW-CR-7010)', () => {
      expect(CREDIT_LIMITS.maxMinorUnits).to.equal(10n ** 15n);
      expect(valueOf(parseAmount('10000000000000.00', 'USD'))).to.equal(CREDIT_LIMITS.maxMinorUnits);
      const params = refusal(parseAmount('10000000000000.01', 'USD'), 'GW-CR-7010');
      expect(params).to.include({ currency: 'USD', value: '10000000000000.01' });
      expect(valueOf(parseAmount('1000000000000000', 'JPY'))).to.equal(CREDIT_LIMITS.maxMinorUnits);
      refusal(parseAmount('1000000000000001', 'JPY'), 'GW-CR-7010');
      refusal(parseAmount('999999999999999999', 'JPY'), 'GW-CR-7010');
    });
  });

  describe('formatMinor', () => {
    it('writes minor units as the decimal string of their currency', () => {
      expect(formatMinor(150000n, 'USD')).to.equal('1500.00');
      expect(formatMinor(5n, 'USD')).to.equal('0.05');
      expect(formatMinor(50n, 'USD')).to.equal('0.50');
      expect(formatMinor(0n, 'USD')).to.equal('0.00');
      expect(formatMinor(10000n, 'JPY')).to.equal('10000');
      expect(formatMinor(0n, 'JPY')).to.equal('0');
      expect(formatMinor(1n, 'KWD')).to.equal('0.001');
      expect(formatMinor(12345n, 'KWD')).to.equal('12.345');
      expect(formatMinor(1n, 'CLF')).to.equal('0.0001');
    });

    it('writes negative amounts with a leading minus', () => {
      expect(formatMinor(-5n, 'USD')).to.equal('-0.05');
      expect(formatMinor(-150000n, 'USD')).to.equal('-1500.00');
      expect(formatMinor(-7n, 'JPY')).to.equal('-7');
      expect(formatMinor(-12345n, 'KWD')).to.equal('-12.345');
    });

    it('round-trips with parseAmount', () => {
      const cases: Array<[string, string]> = [
        ['1500.00', 'USD'], ['0.01', 'USD'], ['0.05', 'USD'], ['10000', 'JPY'], ['12.345', 'KWD'],
        ['0.001', 'KWD'], ['1.2345', 'CLF'], ['10000000000000.00', 'USD'],
      ];
      for (const [text, currency] of cases) {
        const minor = valueOf(parseAmount(text, currency));
        expect(formatMinor(minor, currency), `${text} ${currency}`).to.equal(text);
        expect(valueOf(parseAmount(formatMinor(minor, currency), currency))).to.equal(minor);
        expect(formatMinor(-minor, currency)).to.equal(`-${text}`);
      }
    });

    it('throws for a currency credit cannot be sold in', () => {
      expect(() => formatMinor(1n, 'XAU')).to.throw(/XAU/);
      expect(() => formatMinor(1n, 'usd')).to.throw();
    });
  });
});

// ---- credit lines of a purchase order ---------------------------------------------------

describe('checkCreditLines', () => {
  it('passes a purchase order with no credit lines with []', () => {
    const device: PurchaseOrderLine = { type: 'device', lineNumber: '1', partNumber: 'MW6F3J/A', quantity: 2 };
    expect(valueOf(checkCreditLines(po('OR', [device]), US_ORG, POLICY, nothingHeld))).to.deep.equal([]);
    // Even for an organisation in a country where credit is not sold.
    expect(valueOf(checkCreditLines(po('OR', [device]), FR_ORG, POLICY, nothingHeld))).to.deep.equal([]);
    expect(valueOf(checkCreditLines(po('OR', []), FR_ORG, POLICY, nothingHeld))).to.deep.equal([]);
  });

  it('answers the credit lines, with the unit amount computed exactly, skipping device lines', () => {
    const device: PurchaseOrderLine = { type: 'device', lineNumber: '1', partNumber: 'MW6F3J/A', quantity: 2 };
    const lines = valueOf(checkCreditLines(po('OR', [device, credit('2', '10.00', 'USD', 4, 'D6701Z/A'), credit('3', '0.03', 'USD', 3)]), US_ORG, POLICY, nothingHeld));
    expect(lines).to.deep.equal([
      { lineNumber: '2', partNumber: 'D6701Z/A', currency: 'USD', amountMinor: 1000n, quantity: 4, unitMinor: 250n },
      { lineNumber: '3', partNumber: 'VPP-CREDIT', currency: 'USD', amountMinor: 3n, quantity: 3, unitMinor: 1n },
    ]);
    const kwd = valueOf(checkCreditLines(po('OR', [credit('1', '1.000', 'KWD', 8)]), KW_ORG, POLICY, nothingHeld));
    expect(kwd[0]!.unitMinor).to.equal(125n);
    const jpy = valueOf(checkCreditLines(po('OR', [credit('1', '30000', 'JPY', 3)]), JP_ORG, POLICY, nothingHeld));
    expect(jpy[0]).to.include({ amountMinor: 30000n, unitMinor: 10000n, quantity: 3 });
  });

  it('refuses an organisation in a country where credit is not sold (GW-CR-7007)', () => {
    const params = refusal(checkCreditLines(po('OR', [credit('1', '10.00', 'EUR')]), FR_ORG, POLICY, nothingHeld), 'GW-CR-7007');
    expect(params).to.include({ orgId: 'ORG-FR', country: 'FR' });
  });

  it("refuses a currency that is not the organisation's own (GW-CR-7008)", () => {
    const params = refusal(checkCreditLines(po('OR', [credit('7', '10.00', 'EUR')]), US_ORG, POLICY, nothingHeld), 'GW-CR-7008');
    expect(params).to.include({ line: '7', currency: 'EUR', orgId: 'ORG-US', accepted: 'USD' });
    refusal(checkCreditLines(po('OR', [credit('1', '1000', 'JPY')]), US_ORG, POLICY, nothingHeld), 'GW-CR-7008');
    refusal(checkCreditLines(po('OR', [credit('1', '10.00', 'USD')]), JP_ORG, POLICY, nothingHeld), 'GW-CR-7008');
  });

  it('accepts a currency listed in policy.acceptedCurrencies for that organisation only', () => {
    const policy: CreditPolicy = { ...POLICY, perOrganisationLimit: { ...POLICY.perOrganisationLimit, EUR: '5000.00' } };
    const lines = valueOf(checkCreditLines(po('OR', [credit('1', '10.00', 'EUR'), credit('2', '10.00', 'USD')]), US_ORG_EUR, policy, nothingHeld));
    expect(lines.map((l) => l.currency)).to.deep.equal(['EUR', 'USD']);
    // Another organisation of the same country is not.
    const params = refusal(checkCreditLines(po('OR', [credit('1', '10.00', 'EUR')]), US_ORG, policy, nothingHeld), 'GW-CR-7008');
    expect(params.accepted).to.equal('USD');
    // The organisation's own currency comes first, then the configured ones.
    const other = refusal(checkCreditLines(po('OR', [credit('1', '10', 'JPY')]), US_ORG_EUR, policy, nothingHeld), 'GW-CR-7008');
    expect(other.accepted).to.equal('USD, EUR, GBP');
  });

  it("refuses a line's amount refused by parseAmount, naming the line", () => {
    let params = refusal(checkCreditLines(po('OR', [credit('4', '10.005', 'USD')]), US_ORG, POLICY, nothingHeld), 'GW-CR-7004');
    expect(params.line).to.equal('4');
    params = refusal(checkCreditLines(po('OR', [credit('5', '0.00', 'USD')]), US_ORG, POLICY, nothingHeld), 'GW-CR-7003');
    expect(params.line).to.equal('5');
    refusal(checkCreditLines(po('OR', [credit('1', '1e3', 'USD')]), US_ORG, POLICY, nothingHeld), 'GW-CR-7002');
    refusal(checkCreditLines(po('OR', [credit('1', '10', 'usd')]), US_ORG, POLICY, nothingHeld), 'GW-CR-7001');
  });

  it('refuses a quantity outside 1 to maxUnitsPerLine (GW-CR-7005)', () => {
    refusal(checkCreditLines(po('OR', [credit('1', '10.00', 'USD', 0)]), US_ORG, POLICY, nothingHeld), 'GW-CR-7005');
    refusal(checkCreditLines(po('OR', [credit('1', '100.01', 'USD', CREDIT_LIMITS.maxUnitsPerLine + 1)]), US_ORG, POLICY, nothingHeld), 'GW-CR-7005');
    refusal(checkCreditLines(po('OR', [credit('1', '10.00', 'USD', 1.5)]), US_ORG, POLICY, nothingHeld), 'GW-CR-7005');
    refusal(checkCreditLines(po('OR', [credit('1', '10.00', 'USD', Number.NaN)]), US_ORG, POLICY, nothingHeld), 'GW-CR-7005');
    const lines = valueOf(checkCreditLines(po('OR', [credit('1', '100.00', 'USD', CREDIT_LIMITS.maxUnitsPerLine)]), US_ORG, POLICY, nothingHeld));
    expect(lines[0]!.unitMinor).to.equal(1n);
  });

  it('refuses an amount that does not divide into quantity equal codes (GW-CR-7009)', () => {
    const params = refusal(checkCreditLines(po('OR', [credit('2', '10.00', 'USD', 3)]), US_ORG, POLICY, nothingHeld), 'GW-CR-7009');
    expect(params).to.include({ line: '2', amount: '10.00', currency: 'USD', quantity: 3 });
    refusal(checkCreditLines(po('OR', [credit('1', '10000', 'JPY', 3)]), JP_ORG, POLICY, nothingHeld), 'GW-CR-7009');
    refusal(checkCreditLines(po('OR', [credit('1', '0.01', 'USD', 2)]), US_ORG, POLICY, nothingHeld), 'GW-CR-7009');
  });

  it('refuses a currency with no per-order limit configured (GW-CR-7011)', () => {
    const params = refusal(checkCreditLines(po('OR', [credit('1', '10.00', 'GBP')]), US_ORG_EUR, POLICY, nothingHeld), 'GW-CR-7011');
    expect(params).to.include({ currency: 'GBP', which: 'per-order' });
  });

  it('refuses a currency with no per-organisation limit configured (GW-CR-7011)', () => {
    const params = refusal(checkCreditLines(po('OR', [credit('1', '10.00', 'EUR')]), US_ORG_EUR, POLICY, nothingHeld), 'GW-CR-7011');
    expect(params).to.include({ currency: 'EUR', which: 'per-organisation' });
  });

  it('passes an order exactly at the per-order limit and refuses one minor unit above (GW-CR-7012)', () => {
    valueOf(checkCreditLines(po('OR', [credit('1', '1000.00', 'USD')]), US_ORG, POLICY, nothingHeld));
    const params = refusal(checkCreditLines(po('OR', [credit('1', '1000.01', 'USD')], 'PO-9'), US_ORG, POLICY, nothingHeld), 'GW-CR-7012');
    expect(params).to.include({ orderNumber: 'PO-9', total: '1000.01', limit: '1000.00', currency: 'USD' });
    valueOf(checkCreditLines(po('OR', [credit('1', '100000', 'JPY')]), JP_ORG, POLICY, nothingHeld));
    refusal(checkCreditLines(po('OR', [credit('1', '100001', 'JPY')]), JP_ORG, POLICY, nothingHeld), 'GW-CR-7012');
    valueOf(checkCreditLines(po('OR', [credit('1', '300.000', 'KWD')]), KW_ORG, POLICY, nothingHeld));
    refusal(checkCreditLines(po('OR', [credit('1', '300.001', 'KWD')]), KW_ORG, POLICY, nothingHeld), 'GW-CR-7012');
  });

  it('adds up the lines of one currency against the per-order limit', () => {
    const params = refusal(checkCreditLines(po('OR', [credit('1', '600.00', 'USD'), credit('2', '400.01', 'USD')]), US_ORG, POLICY, nothingHeld), 'GW-CR-7012');
    expect(params.total).to.equal('1000.01');
    valueOf(checkCreditLines(po('OR', [credit('1', '600.00', 'USD'), credit('2', '400.00', 'USD')]), US_ORG, POLICY, nothingHeld));
  });

  it('checks the per-organisation limit against what the organisation holds (GW-CR-7013)', () => {
    const asked: string[] = [];
    const held = (amount: bigint) => (currency: string): bigint => {
      asked.push(currency);
      return amount;
    };
    // 1500.00 held + 500.00 = 2000.00: exactly at the limit.
    valueOf(checkCreditLines(po('OR', [credit('1', '500.00', 'USD')]), US_ORG, POLICY, held(150000n)));
    expect(asked).to.deep.equal(['USD']);
    const params = refusal(checkCreditLines(po('OR', [credit('1', '500.00', 'USD')]), US_ORG, POLICY, held(150001n)), 'GW-CR-7013');
    expect(params).to.include({ orgId: 'ORG-US', held: '1500.01', total: '500.00', limit: '2000.00', currency: 'USD' });
    // Nothing held: the order alone is checked against the organisation's limit too.
    valueOf(checkCreditLines(po('OR', [credit('1', '1000.00', 'USD')]), US_ORG, POLICY, nothingHeld));
  });

  it('checks the per-organisation limit per currency', () => {
    const held = (currency: string): bigint => (currency === 'USD' ? 199_999n : 0n);
    // 1999.99 USD held: 0.01 more reaches the USD limit; the EUR line counts against EUR only.
    const policy: CreditPolicy = { ...POLICY, perOrganisationLimit: { ...POLICY.perOrganisationLimit, EUR: '500.00' } };
    valueOf(checkCreditLines(po('OR', [credit('1', '0.01', 'USD'), credit('2', '500.00', 'EUR')]), US_ORG_EUR, policy, held));
    const params = refusal(checkCreditLines(po('OR', [credit('1', '0.02', 'USD'), credit('2', '500.00', 'EUR')]), US_ORG_EUR, policy, held), 'GW-CR-7013');
    expect(params.currency).to.equal('USD');
  });

  for (const orderType of ['RE', 'VD'] as const) {
    it(`does not apply the limits to ${orderType} lines`, () => {
      const lines = valueOf(checkCreditLines(po(orderType, [credit('1', '5000.00', 'USD', 2)]), US_ORG, POLICY, () => 10n ** 12n));
      expect(lines).to.deep.equal([{ lineNumber: '1', partNumber: 'VPP-CREDIT', currency: 'USD', amountMinor: 500000n, quantity: 2, unitMinor: 250000n }]);
      // Even in a currency with no limit configured at all.
      valueOf(checkCreditLines(po(orderType, [credit('1', '10.00', 'GBP')]), US_ORG_EUR, POLICY, nothingHeld));
    });

    it(`still checks the country, currency and divisibility of ${orderType} lines`, () => {
      refusal(checkCreditLines(po(orderType, [credit('1', '10.00', 'EUR')]), FR_ORG, POLICY, nothingHeld), 'GW-CR-7007');
      refusal(checkCreditLines(po(orderType, [credit('1', '10.00', 'EUR')]), US_ORG, POLICY, nothingHeld), 'GW-CR-7008');
      refusal(checkCreditLines(po(orderType, [credit('1', '10.00', 'USD', 3)]), US_ORG, POLICY, nothingHeld), 'GW-CR-7009');
    });
  }

  it('applies the limits to OV lines', () => {
    refusal(checkCreditLines(po('OV', [credit('1', '1000.01', 'USD')]), US_ORG, POLICY, nothingHeld), 'GW-CR-7012');
  });
});

// ---- returns and voids ------------------------------------------------------------------

describe('planTakeBack', () => {
  /** Units 0..n-1 with codePk 100+index, handed over in a shuffled order. */
  function units(states: CodeState[], amountMinor = 250n): UnitOnFile[] {
    const all = states.map((state, unitIndex) => ({ codePk: 100 + unitIndex, unitIndex, state, amountMinor }));
    return [...all.filter((_, i) => i % 2 === 1).reverse(), ...all.filter((_, i) => i % 2 === 0)];
  }
  const line = (quantity: number | null, amountMinor: bigint | null) => ({ lineNumber: '3', currency: 'USD', quantity, amountMinor });

  it('VD of untouched units takes every issued unit', () => {
    const plan = valueOf(planTakeBack('VD', 'PO-1', line(null, null), units(['issued', 'issued', 'issued', 'issued'])));
    expect([...plan].sort()).to.deep.equal([100, 101, 102, 103]);
  });

  it('VD does not take units already refunded or voided again', () => {
    const plan = valueOf(planTakeBack('VD', 'PO-1', line(null, null), units(['refunded', 'issued', 'voided', 'issued'])));
    expect([...plan].sort()).to.deep.equal([101, 103]);
    expect(valueOf(planTakeBack('VD', 'PO-1', line(null, null), units(['voided', 'voided'])))).to.deep.equal([]);
  });

  it('refuses VD when any unit is redeemed, saying how much is redeemed (GW-CR-7016)', () => {
    const params = refusal(planTakeBack('VD', 'PO-7', line(null, null), units(['issued', 'redeemed', 'issued', 'redeemed', 'refunded'])), 'GW-CR-7016');
    expect(params).to.include({
      orderNumber: 'PO-7',
      line: '3',
      redeemedUnits: 2,
      redeemed: '5.00',
      issued: '12.50',
      left: 2,
      currency: 'USD',
    });
  });

  it('RE of k units takes the k lowest-index issued units', () => {
    const plan = valueOf(planTakeBack('RE', 'PO-1', line(2, 500n), units(['issued', 'issued', 'issued', 'issued', 'issued'])));
    expect(plan).to.deep.equal([100, 101]);
  });

  it('RE skips redeemed, refunded and voided units', () => {
    const plan = valueOf(planTakeBack('RE', 'PO-1', line(2, 500n), units(['redeemed', 'refunded', 'issued', 'voided', 'issued', 'issued'])));
    expect(plan).to.deep.equal([102, 104]);
  });

  it('refuses RE of more units than are left (GW-CR-7016)', () => {
    const params = refusal(planTakeBack('RE', 'PO-2', line(3, 750n), units(['issued', 'redeemed', 'refunded', 'issued'])), 'GW-CR-7016');
    expect(params).to.include({ orderNumber: 'PO-2', wanted: 3, left: 2, redeemedUnits: 1, redeemed: '2.50', issued: '10.00' });
    // Exactly what is left passes.
    expect(valueOf(planTakeBack('RE', 'PO-2', line(2, 500n), units(['issued', 'redeemed', 'refunded', 'issued'])))).to.deep.equal([100, 103]);
  });

  it('refuses RE whose amount is not k times the unit amount (GW-CR-7015)', () => {
    const params = refusal(planTakeBack('RE', 'PO-3', line(2, 501n), units(['issued', 'issued', 'issued'])), 'GW-CR-7015');
    expect(params).to.include({ orderNumber: 'PO-3', line: '3', amount: '5.01', expected: '5.00', currency: 'USD' });
    refusal(planTakeBack('RE', 'PO-3', line(2, 250n), units(['issued', 'issued', 'issued'])), 'GW-CR-7015');
  });

  it('does not take again units a previous RE took back', () => {
    const first = valueOf(planTakeBack('RE', 'PO-1', line(1, 250n), units(['issued', 'issued', 'issued'])));
    expect(first).to.deep.equal([100]);
    const after = units(['refunded', 'issued', 'issued']);
    expect(valueOf(planTakeBack('RE', 'PO-1', line(1, 250n), after))).to.deep.equal([101]);
    refusal(planTakeBack('RE', 'PO-1', line(3, 750n), after), 'GW-CR-7016');
  });
});

// ---- redemption -------------------------------------------------------------------------

describe('checkRedemption', () => {
  const code = (over: Partial<CodeOnFile> = {}): CodeOnFile => ({ orgPk: 1, currency: 'USD', state: 'issued', settledAt: null, ...over });

  it("refuses another organisation's code before saying anything else about it (GW-CR-7022)", () => {
    for (const c of [code(), code({ state: 'redeemed', settledAt: '2026-01-02T03:04:05Z' }), code({ state: 'voided', settledAt: '2026-01-02T03:04:05Z' }), code({ currency: 'EUR' })]) {
      const refused = checkRedemption(c, { orgPk: 2, currency: 'USD' });
      expect(refused?.code).to.equal('GW-CR-7022');
      expect(refused?.params ?? {}).to.deep.equal({});
    }
  });

  it('refuses a redeemed code, saying when (GW-CR-7021)', () => {
    const refused = checkRedemption(code({ state: 'redeemed', settledAt: '2026-01-02T03:04:05Z' }), { orgPk: 1, currency: 'EUR' });
    expect(refused).to.deep.equal({ code: 'GW-CR-7021', params: { at: '2026-01-02T03:04:05Z' } });
  });

  it('refuses a refunded or voided code (GW-CR-7024)', () => {
    for (const state of ['refunded', 'voided'] as const) {
      const refused = checkRedemption(code({ state, settledAt: '2026-03-01T00:00:00Z' }), { orgPk: 1, currency: 'USD' });
      expect(refused).to.deep.equal({ code: 'GW-CR-7024', params: { state, at: '2026-03-01T00:00:00Z' } });
    }
  });

  it('refuses a code of another currency (GW-CR-7023)', () => {
    const refused = checkRedemption(code({ currency: 'USD' }), { orgPk: 1, currency: 'EUR' });
    expect(refused).to.deep.equal({ code: 'GW-CR-7023', params: { codeCurrency: 'USD', currency: 'EUR' } });
  });

  it('lets an issued code of the organisation and currency be redeemed', () => {
    expect(checkRedemption(code(), { orgPk: 1, currency: 'USD' })).to.equal(undefined);
  });
});

// ---- content purchases ------------------------------------------------------------------

describe('purchaseAmount', () => {
  it('multiplies the unit price by the quantity exactly', () => {
    expect(valueOf(purchaseAmount('0.99', 3, 'USD'))).to.deep.equal({ unitMinor: 99n, quantity: 3, amountMinor: 297n });
    expect(valueOf(purchaseAmount('0.99', '3', 'USD'))).to.deep.equal({ unitMinor: 99n, quantity: 3, amountMinor: 297n });
    // 0.1 x 3 is 0.30000000000000004 in floating point.
    expect(valueOf(purchaseAmount('0.10', 3, 'USD')).amountMinor).to.equal(30n);
    expect(valueOf(purchaseAmount('120', 7, 'JPY')).amountMinor).to.equal(840n);
    expect(valueOf(purchaseAmount('0.125', 100000, 'KWD')).amountMinor).to.equal(12_500_000n);
  });

  it('refuses a floating-point unit price (GW-CR-7002) and one with too many decimals (GW-CR-7004)', () => {
    const params = refusal(purchaseAmount(0.99, 3, 'USD'), 'GW-CR-7002');
    expect(params.field).to.equal('unitPrice');
    refusal(purchaseAmount('0.999', 3, 'USD'), 'GW-CR-7004');
    refusal(purchaseAmount('0', 3, 'USD'), 'GW-CR-7003');
  });

  it('refuses a quantity that is not a whole number from 1 to maxPurchaseQuantity (GW-CR-7005)', () => {
    for (const quantity of ['1.5', 1.5, 0, '0', -1, '-1', 100001, '100001', '', ' 3', '3 ', null, undefined, '1e3', Number.NaN, Infinity]) {
      refusal(purchaseAmount('0.99', quantity, 'USD'), 'GW-CR-7005');
    }
    expect(CREDIT_LIMITS.maxPurchaseQuantity).to.equal(100000);
    expect(valueOf(purchaseAmount('0.01', 100000, 'USD')).amountMinor).to.equal(100000n);
    expect(valueOf(purchaseAmount('0.01', 1, 'USD')).amountMinor).to.equal(1n);
  });

  it('refuses a total above the largest amount the ledger holds (GW-CR-7010)', () => {
    valueOf(purchaseAmount('5000000000000.00', 2, 'USD'));
    const params = refusal(purchaseAmount('5000000000000.01', 2, 'USD'), 'GW-CR-7010');
    expect(params).to.include({ value: '10000000000000.02', currency: 'USD' });
  });
});

// ---- ledger effects ---------------------------------------------------------------------

describe('ledger entry effects', () => {
  const cases: Array<[EntryKind, bigint, bigint]> = [
    // kind, account effect, outstanding effect of 100n
    ['issued', 0n, 100n],
    ['redeemed', 100n, -100n],
    ['spent', -100n, 0n],
    ['refunded', 0n, -100n],
    ['voided', 0n, -100n],
  ];
  for (const [kind, account, outstanding] of cases) {
    it(`${kind}: account ${account}, outstanding ${outstanding}`, () => {
      expect(accountEffect(kind, 100n)).to.equal(account);
      expect(outstandingEffect(kind, 100n)).to.equal(outstanding);
    });
  }

  it('a code issued then redeemed then spent leaves nothing outstanding and nothing in the account', () => {
    const kinds: EntryKind[] = ['issued', 'redeemed', 'spent'];
    expect(kinds.reduce((s, k) => s + accountEffect(k, 250n), 0n)).to.equal(0n);
    expect(kinds.reduce((s, k) => s + outstandingEffect(k, 250n), 0n)).to.equal(0n);
  });
});

describe('checkReversal', () => {
  const entry = (kind: EntryKind, over: { reversesEntry?: boolean; reversedAlready?: boolean } = {}) => ({
    kind,
    amountMinor: 297n,
    reversesEntry: over.reversesEntry ?? false,
    reversedAlready: over.reversedAlready ?? false,
  });

  it('lets a content purchase (spent) be reversed once', () => {
    expect(checkReversal(entry('spent'), 'E-1')).to.equal(undefined);
  });

  it('refuses to reverse anything other than a purchase (GW-CR-7026)', () => {
    for (const kind of ['issued', 'redeemed', 'refunded', 'voided'] as const) {
      expect(checkReversal(entry(kind), 'E-2')).to.deep.equal({ code: 'GW-CR-7026', params: { entryId: 'E-2', kind } });
    }
  });

  it('refuses to reverse a reversal (GW-CR-7026)', () => {
    expect(checkReversal(entry('spent', { reversesEntry: true }), 'E-3')?.code).to.equal('GW-CR-7026');
  });

  it('refuses to reverse a purchase twice (GW-CR-7027)', () => {
    expect(checkReversal(entry('spent', { reversedAlready: true }), 'E-4')).to.deep.equal({ code: 'GW-CR-7027', params: { entryId: 'E-4' } });
  });
});

// ---- idempotency ------------------------------------------------------------------------

describe('requestHash', () => {
  const request = { op: 'spend', location: 'Store 1', currency: 'USD', unitPrice: '0.99', quantity: 3, item: { id: 'A1', kind: 'app', tags: ['x', 'y'] } };

  it('is a SHA-256 hex digest, the same for the same request', () => {
    const hash = requestHash(request);
    expect(hash).to.match(/^[0-9a-f]{64}$/);
    expect(requestHash(JSON.parse(JSON.stringify(request)) as Record<string, unknown>)).to.equal(hash);
  });

  it('does not depend on key order, at any depth', () => {
    const reordered = { item: { tags: ['x', 'y'], kind: 'app', id: 'A1' }, quantity: 3, unitPrice: '0.99', currency: 'USD', location: 'Store 1', op: 'spend' };
    expect(requestHash(reordered)).to.equal(requestHash(request));
  });

  it('changes with any value, the type of a value, or the order of an array', () => {
    const base = requestHash(request);
    const variants: Array<Record<string, unknown>> = [
      { ...request, quantity: 4 },
      { ...request, quantity: '3' },
      { ...request, unitPrice: '0.98' },
      { ...request, location: 'Store 2' },
      { ...request, item: { ...request.item, id: 'A2' } },
      { ...request, item: { ...request.item, tags: ['y', 'x'] } },
      { ...request, extra: null },
      { op: 'spend' },
    ];
    const hashes = variants.map((v) => requestHash(v));
    for (const h of hashes) expect(h).to.not.equal(base);
    expect(new Set(hashes).size).to.equal(hashes.length);
  });

  it('treats a key with an undefined value as absent', () => {
    expect(requestHash({ ...request, note: undefined })).to.equal(requestHash(request));
  });

  it('hashes bigint amounts', () => {
    expect(requestHash({ amountMinor: 297n })).to.not.equal(requestHash({ amountMinor: 298n }));
  });
});

describe('checkIdempotentReplay', () => {
  it('answers nothing for the same fingerprint and GW-CR-7031 for another', () => {
    const a = requestHash({ op: 'redeem', code: 'x' });
    const b = requestHash({ op: 'redeem', code: 'y' });
    expect(checkIdempotentReplay(a, a, 'key-1')).to.equal(undefined);
    expect(checkIdempotentReplay(a, b, 'key-1')).to.deep.equal({ code: 'GW-CR-7031', params: { key: 'key-1' } });
  });
});

describe('checkIdempotencyKey', () => {
  it('accepts 1 to 150 printable ASCII characters', () => {
    for (const key of ['k', 'abc-123_XYZ:~!', 'a'.repeat(CREDIT_LIMITS.idempotencyKeyChars)]) {
      expect(valueOf(checkIdempotencyKey(key))).to.equal(key);
    }
  });

  it('refuses empty, too long, spaces, control and non-ASCII characters and non-strings (GW-CR-7030)', () => {
    for (const key of ['', 'a'.repeat(CREDIT_LIMITS.idempotencyKeyChars + 1), 'a b', 'a\tb', 'a\nb', 'clé', '\x7f', 42, null, undefined]) {
      const params = refusal(checkIdempotencyKey(key), 'GW-CR-7030');
      expect(params.max).to.equal(150);
    }
  });
});

// ---- purchase fields --------------------------------------------------------------------

describe('checkLocation', () => {
  it('accepts letters, digits, spaces and . _ @ -, up to 64 characters', () => {
    for (const location of ['Store 12', 'a', 'lab.north_wing@site-2', '7', 'x'.repeat(CREDIT_LIMITS.locationChars)]) {
      expect(valueOf(checkLocation(location))).to.equal(location);
    }
  });

  it('refuses empty, too long, a leading space or punctuation, other characters and non-strings (GW-CR-7006)', () => {
    for (const location of ['', 'x'.repeat(CREDIT_LIMITS.locationChars + 1), ' Store', '-Store', '.x', 'a/b', 'a\\b', 'a:b', 'Café', 'a\nb', 'a\tb', 12, null, undefined]) {
      const params = refusal(checkLocation(location), 'GW-CR-7006');
      expect(params.field).to.equal('location');
    }
  });
});

describe('checkPurchaseDate', () => {
  it('accepts calendar dates', () => {
    for (const date of ['2026-01-01', '2026-02-28', '2024-02-29', '2026-12-31', '2000-02-29']) {
      expect(valueOf(checkPurchaseDate(date))).to.equal(date);
    }
  });

  it('refuses dates that do not exist, other formats and non-strings (GW-CR-7006)', () => {
    for (const date of ['2026-02-30', '2025-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '2026-1-01', '2026-01-01T00:00:00Z', '20260101', '01/02/2026', ' 2026-01-01', '', 20260101, null]) {
      const params = refusal(checkPurchaseDate(date), 'GW-CR-7006');
      expect(params.field).to.equal('date');
    }
  });
});

// ---- the default configuration ----------------------------------------------------------

describe('default credit limits', () => {
  const { perOrder, perOrganisation } = DEFAULT_CREDIT_CONFIG.limits;

  it('checkLimitTable finds a bad value (so that the checks below mean something)', () => {
    const problems = checkLimitTable({ USD: '1.005', JPY: '1.5', XAU: '1', EUR: '10.00', GBP: '0' }, 'perOrder');
    expect(problems).to.have.length(4);
    expect(problems[0]).to.equal('perOrder.USD: 1.005 is not an amount of USD');
  });

  it('every per-order and per-organisation limit is a valid amount of its currency', () => {
    expect(checkLimitTable(perOrder, 'perOrder')).to.deep.equal([]);
    expect(checkLimitTable(perOrganisation, 'perOrganisation')).to.deep.equal([]);
  });

  it('configures both limits for the currency of every default country, per organisation above per order', () => {
    expect(DEFAULT_CREDIT_CONFIG.countries.length).to.be.greaterThan(0);
    for (const country of DEFAULT_CREDIT_CONFIG.countries) {
      const currency = localCurrencyOf(country);
      expect(currency, country).to.be.a('string');
      expect(perOrder, `${country} ${currency}`).to.have.property(currency!);
      expect(perOrganisation, `${country} ${currency}`).to.have.property(currency!);
      const order = valueOf(parseAmount(perOrder[currency!], currency!));
      const org = valueOf(parseAmount(perOrganisation[currency!], currency!));
      expect(org > order, `${currency}: ${perOrganisation[currency!]} > ${perOrder[currency!]}`).to.equal(true);
    }
  });

  it('lets every default country be sold an order at its per-order limit, and refuses one unit more', () => {
    const policy: CreditPolicy = {
      countries: DEFAULT_CREDIT_CONFIG.countries,
      acceptedCurrencies: DEFAULT_CREDIT_CONFIG.acceptedCurrencies,
      perOrderLimit: perOrder,
      perOrganisationLimit: perOrganisation,
    };
    for (const country of DEFAULT_CREDIT_CONFIG.countries) {
      const currency = localCurrencyOf(country)!;
      const org = { orgId: `ORG-${country}`, country };
      const limit = perOrder[currency]!;
      const lines = valueOf(checkCreditLines(po('OR', [credit('1', limit, currency)]), org, policy, nothingHeld));
      expect(formatMinor(lines[0]!.amountMinor, currency)).to.equal(limit);
      const above = formatMinor(lines[0]!.amountMinor + 1n, currency);
      refusal(checkCreditLines(po('OR', [credit('1', above, currency)]), org, policy, nothingHeld), 'GW-CR-7012');
    }
  });
});

describe('what an order type does to credit', () => {
  it('OR and OV sell (and are limited); RE refunds and VD voids (not limited)', () => {
    expect((['OR', 'OV', 'RE', 'VD'] as OrderType[]).map(orderCreditEffect)).to.deep.equal(['sell', 'sell', 'refund', 'void']);
    expect((['OR', 'OV', 'RE', 'VD'] as OrderType[]).map(sellsCredit)).to.deep.equal([true, true, false, false]);
  });

  it('an order number belongs to one organisation: the first other owner of its lines on file refuses it (GW-CR-7019)', () => {
    expect(otherOwnerOf([], 7)).to.equal(undefined);
    expect(otherOwnerOf([7, 7], 7)).to.equal(undefined);
    expect(otherOwnerOf([7, 8, 9], 7)).to.equal(8);
    expect(orderOfAnotherOrganisation('PO-1', '30411', '19827')).to.deep.equal({ code: 'GW-CR-7019', params: { orderNumber: 'PO-1', onFileOrgId: '30411', orgId: '19827' } });
  });

  it('a return line needs its line on file, in the same currency (GW-CR-7017, GW-CR-7018)', () => {
    const line = { lineNumber: '2', currency: 'USD' };
    refusal(checkReturnLine('PO-1', line, undefined), 'GW-CR-7017');
    const other = checkReturnLine('PO-1', line, { id: 5, currency: 'EUR' });
    refusal(other, 'GW-CR-7018');
    expect(!other.ok && other.error.params).to.deep.equal({ orderNumber: 'PO-1', line: '2', currency: 'USD', lineCurrency: 'EUR' });
    expect(valueOf(checkReturnLine('PO-1', line, { id: 5, currency: 'USD' }))).to.deep.equal({ id: 5, currency: 'USD' });
  });
});

describe('redemption codes: download window and re-issue', () => {
  it('a code can be downloaded for whole days after it was issued', () => {
    expect(downloadWindowEnd('2026-11-01T10:00:00.000Z', 30)).to.equal('2026-12-01T10:00:00.000Z');
    expect(downloadWindowEnd('2026-11-01T10:00:00.000Z', 0)).to.equal('2026-11-01T10:00:00.000Z');
  });

  it('a code is shown only while it is issued and its window is open', () => {
    const until = '2026-12-01T10:00:00.000Z';
    expect(isCodeDownloadable({ state: 'issued', downloadUntil: until }, '2026-12-01T09:59:59.999Z')).to.equal(true);
    expect(isCodeDownloadable({ state: 'issued', downloadUntil: until }, until)).to.equal(false);
    for (const state of ['redeemed', 'refunded', 'voided'] as CodeState[]) {
      expect(isCodeDownloadable({ state, downloadUntil: until }, '2026-11-02T00:00:00.000Z')).to.equal(false);
    }
  });

  it('only an issued code is re-issued (GW-CR-7032)', () => {
    expect(checkReissue({ codeId: 'crc_1', state: 'issued' })).to.equal(undefined);
    for (const state of ['redeemed', 'refunded', 'voided'] as CodeState[]) {
      expect(checkReissue({ codeId: 'crc_1', state })).to.deep.equal({ code: 'GW-CR-7032', params: { codeId: 'crc_1', state } });
    }
  });
});
