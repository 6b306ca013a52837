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

export interface CreditLineSpec {
  line: string;
  quantity: number;
  amount: string;
  currency: string;
}

/** A gateway-XML purchase order with credit lines only, for organisation 30411 (Fabrikam Retail, Japan). */
export function creditOrderXml(orderNumber: string, type: string, lines: CreditLineSpec[]): string {
  const body = lines
    .map((l) => `    <Line lineNumber="${l.line}" partNumber="D6701Z/A" quantity="${l.quantity}" amount="${l.amount}" currency="${l.currency}"/>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<GatewayDocuments xmlns="urn:abm-edi-gateway:documents:1">
  <PurchaseOrder orderNumber="${orderNumber}" orderType="${type}" orderDate="2026-11-02" customerId="30411" poNumber="FAB-PO-1">
${body}
  </PurchaseOrder>
</GatewayDocuments>
`;
}
