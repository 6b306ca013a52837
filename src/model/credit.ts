// The kinds of volume-credit ledger entries and the states of a redemption code.

export const ENTRY_KINDS = ['issued', 'redeemed', 'spent', 'refunded', 'voided'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export const CODE_STATES = ['issued', 'redeemed', 'refunded', 'voided'] as const;
export type CodeState = (typeof CODE_STATES)[number];
