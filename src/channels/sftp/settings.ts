// Placeholder until the SFTP channel lands: one partner mailbox, as configured in the
// GATEWAY_CONFIG file's "mailboxes" list.
export interface MailboxSettings {
  [key: string]: unknown;
}

/** JSON Schema of one mailbox entry; config.ts validates the list with it. */
export const MAILBOX_SCHEMA = { type: 'object' } as const;
