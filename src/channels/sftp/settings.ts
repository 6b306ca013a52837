import { INTAKE_LIMITS } from '../../model/limits.js';
// One partner mailbox on an SFTP server, as configured in the GATEWAY_CONFIG file's
// "mailboxes" list. config.ts validates each entry with MAILBOX_SCHEMA; resolveMailbox
// fills in the defaults, so the poller only ever sees complete settings with every limit
// stated.

export interface MailboxSettings {
  /** Unique among the mailboxes; names the spool folder, the claims and the audit actor. */
  name: string;
  /** Supplier id of the partner whose files arrive here (reseller number or Apple's id). */
  partnerId: string;
  host: string;
  port?: number;
  username: string;
  /** Exactly one of password and privateKeyPath. */
  password?: string;
  privateKeyPath?: string;
  /** Passphrase of the private key, when it has one. */
  passphrase?: string;
  /**
   * The server's host key as `ssh-keygen -lf` prints it ("SHA256:..."). When set, a server
   * showing another key is refused; when absent, any key is accepted (and a warning logged).
   */
  hostKeyFingerprint?: string;
  /** Remote folders (absolute, or relative to the login folder). */
  inboundDir: string;
  archiveDir: string;
  errorDir: string;
  outboundDir: string;
  /** Mapping to use; absent means the partner's one mapping for the detected format. */
  mappingId?: string;
  pollIntervalMs?: number;
  /** A file is taken only when its mtime is at least this old (on the server's clock). */
  minFileAgeMs?: number;
  /**
   * A file is taken only when this many consecutive polls saw the same size and mtime;
   * the first sighting counts as one, so at least 2: with 1 nothing would compare.
   */
  stablePolls?: number;
  /**
   * A claim whose holder neither finished nor renewed it for this long can be taken by
   * another gateway. The holder renews it while it works, but on SQLite (one connection,
   * held by the document's transaction) it cannot renew during a long apply: keep this
   * above the time the largest file takes.
   */
  claimLeaseMs?: number;
  /** Larger files are not downloaded: they go to errorDir, with an error in the log. */
  maxFileBytes?: number;
  /** Files taken per poll at most (oldest first); the rest wait for the next poll. */
  maxFilesPerPoll?: number;
  /** Entries of inboundDir considered per poll at most (a runaway folder cannot exhaust memory). */
  maxListedFiles?: number;
  /** After this many takes that did not finish (crashes, errors), the file goes to errorDir. */
  maxAttempts?: number;
  /** TCP connect plus SSH handshake. */
  connectTimeoutMs?: number;
  /** Listing, stat, rename, mkdir: a server that stops answering is given up on. */
  operationTimeoutMs?: number;
  /** Longest wait between retries while the server is down or failing. */
  maxBackoffMs?: number;
  /** Finished claims are deleted after this long (they are kept for inspection). */
  claimRetentionMs?: number;
}

/** A mailbox with every default applied: what the poller works with. */
export type ResolvedMailbox = Required<Omit<MailboxSettings, OptionalSetting>> & Pick<MailboxSettings, OptionalSetting>;
type OptionalSetting = 'password' | 'privateKeyPath' | 'passphrase' | 'hostKeyFingerprint' | 'mappingId';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * The first sighting of a file counts as one poll: a file is compared with an earlier
 * sighting only from the second on, so fewer would take a file still being written.
 */
export const MIN_STABLE_POLLS = 2;

export const MAILBOX_DEFAULTS = {
  port: 22,
  pollIntervalMs: 30 * SECOND_MS,
  // mtime travels in whole seconds over SFTP v3, and partners' clocks drift: a minute
  // keeps an upload that pauses (a slow link, a client that retries) from being taken.
  minFileAgeMs: 60 * SECOND_MS,
  stablePolls: 2,
  claimLeaseMs: 10 * MINUTE_MS,
  maxFileBytes: INTAKE_LIMITS.maxDocumentBytes,
  maxFilesPerPoll: 100,
  maxListedFiles: 10_000,
  maxAttempts: 5,
  connectTimeoutMs: 20 * SECOND_MS,
  operationTimeoutMs: 60 * SECOND_MS,
  maxBackoffMs: 5 * MINUTE_MS,
  claimRetentionMs: 30 * DAY_MS,
} as const satisfies Partial<MailboxSettings>;

const dir = { type: 'string', minLength: 1, maxLength: 1024 } as const;

/** JSON Schema (draft-07) of one mailbox entry; config.ts validates the list with it. */
export const MAILBOX_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'partnerId', 'host', 'username', 'inboundDir', 'archiveDir', 'errorDir', 'outboundDir'],
  // Exactly one way to log in: a password, or a private key file.
  oneOf: [{ required: ['password'] }, { required: ['privateKeyPath'] }],
  properties: {
    // Used as a folder name under the spool directory: no slashes, no dots first.
    name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' },
    partnerId: { type: 'string', minLength: 1, maxLength: 32 },
    host: { type: 'string', minLength: 1, maxLength: 255 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    username: { type: 'string', minLength: 1, maxLength: 255 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
    privateKeyPath: { type: 'string', minLength: 1, maxLength: 4096 },
    passphrase: { type: 'string', minLength: 1, maxLength: 1024 },
    hostKeyFingerprint: { type: 'string', pattern: '^SHA256:[A-Za-z0-9+/]{43}=?$' },
    inboundDir: dir,
    archiveDir: dir,
    errorDir: dir,
    outboundDir: dir,
    mappingId: { type: 'string', minLength: 1, maxLength: 100 },
    pollIntervalMs: { type: 'integer', minimum: 10, maximum: DAY_MS },
    minFileAgeMs: { type: 'integer', minimum: 0, maximum: DAY_MS },
    stablePolls: { type: 'integer', minimum: MIN_STABLE_POLLS, maximum: 100 },
    claimLeaseMs: { type: 'integer', minimum: 500, maximum: DAY_MS },
    maxFileBytes: { type: 'integer', minimum: 1, maximum: 4 * 1024 * 1024 * 1024 },
    maxFilesPerPoll: { type: 'integer', minimum: 1, maximum: 10_000 },
    maxListedFiles: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    maxAttempts: { type: 'integer', minimum: 1, maximum: 1000 },
    connectTimeoutMs: { type: 'integer', minimum: 100, maximum: 10 * MINUTE_MS },
    operationTimeoutMs: { type: 'integer', minimum: 100, maximum: 60 * MINUTE_MS },
    maxBackoffMs: { type: 'integer', minimum: 10, maximum: DAY_MS },
    claimRetentionMs: { type: 'integer', minimum: MINUTE_MS, maximum: 3650 * DAY_MS },
  },
} as const;

export class MailboxSettingsError extends Error {}

/** Applies the defaults; refuses what the schema cannot say (names must be unique). */
export function resolveMailboxes(mailboxes: MailboxSettings[]): ResolvedMailbox[] {
  const names = new Set<string>();
  return mailboxes.map((m) => {
    if (names.has(m.name)) throw new MailboxSettingsError(`mailbox name "${m.name}" is used twice`);
    names.add(m.name);
    return resolveMailbox(m);
  });
}

export function resolveMailbox(m: MailboxSettings): ResolvedMailbox {
  if (Boolean(m.password) === Boolean(m.privateKeyPath)) {
    throw new MailboxSettingsError(`mailbox "${m.name}": give exactly one of password and privateKeyPath`);
  }
  const resolved: ResolvedMailbox = { ...MAILBOX_DEFAULTS, ...stripUndefined(m) };
  if (resolved.stablePolls < MIN_STABLE_POLLS) {
    throw new MailboxSettingsError(
      `mailbox "${m.name}": stablePolls ${resolved.stablePolls} would take a file at its first sighting, while it may still be written; give ${MIN_STABLE_POLLS} or more (the first sighting counts as one)`,
    );
  }
  return resolved;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
