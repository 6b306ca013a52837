// Credit settings for tests: the default policy, with a fixed code key so that no key
// file is written, and no file is read, by a test.
import { DEFAULT_CREDIT_CONFIG } from '../../src/credit/defaults.js';
import { CodeSealer } from '../../src/credit/codes.js';
import type { CreditSettings } from '../../src/credit/ledger.js';
import type { CreditPolicy } from '../../src/domain/credit.js';

export const TEST_CODE_KEY = Buffer.alloc(32, 7);

export function testCreditSettings(policy: Partial<CreditPolicy> = {}, codeDownloadDays = DEFAULT_CREDIT_CONFIG.codeDownloadDays): CreditSettings {
  return {
    policy: {
      countries: DEFAULT_CREDIT_CONFIG.countries,
      acceptedCurrencies: DEFAULT_CREDIT_CONFIG.acceptedCurrencies,
      perOrderLimit: DEFAULT_CREDIT_CONFIG.limits.perOrder,
      perOrganisationLimit: DEFAULT_CREDIT_CONFIG.limits.perOrganisation,
      ...policy,
    },
    sealer: CodeSealer.fromKey(TEST_CODE_KEY),
    codeDownloadDays,
  };
}
