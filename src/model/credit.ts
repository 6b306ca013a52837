// The kinds of volume-credit ledger entries, the states of a redemption code, and the
// credit section of the configuration (src/config.ts reads it; src/credit/defaults.ts has its defaults).

export const ENTRY_KINDS = ['issued', 'redeemed', 'spent', 'refunded', 'voided'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export const CODE_STATES = ['issued', 'redeemed', 'refunded', 'voided'] as const;
export type CodeState = (typeof CODE_STATES)[number];

/** Volume (VPP) credit: where it is sold, in what currencies, up to what amounts. */
export interface CreditConfig {
  /** ISO 3166-1 alpha-2 countries where volume credit is sold; an order for an organisation elsewhere is refused (GW-CR-7007). */
  countries: string[];
  /** Currencies an organisation accepts besides its country's own, by organisation id. */
  acceptedCurrencies: Record<string, string[]>;
  limits: {
    /** Most credit one purchase order may carry, per currency, as a decimal string. */
    perOrder: Record<string, string>;
    /** Most credit an organisation may hold (ordered less refunded, voided and spent), per currency. */
    perOrganisation: Record<string, string>;
  };
  /** Days an issued code can be downloaded; afterwards it is re-issued on request. */
  codeDownloadDays: number;
  /** File holding the key that seals codes (made on first use); GATEWAY_CREDIT_CODE_KEY wins. */
  codeKeyFile: string;
  /** Rows one purchase-history CSV may hold. */
  maxPurchaseRows: number;
}
