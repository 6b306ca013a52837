// What every command-line command is made of: its usage line, its options, and a run
// function given the configuration, the parsed arguments, the actor and the database.
import type { Actor } from './admin/operations.js';
import type { GatewayConfig } from './config.js';
import type { Db, SqliteDriver } from './store/db.js';
import type { DocumentStatus } from './model/documents.js';

/** A command's options by flag name (--org-id is 'org-id'): a value, a repeatable value, or a switch. */
export type Options = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  /** Its synopsis, then three spaces and what it does. */
  usage: string;
  options: Options;
  /** Its positional arguments as commander declares them: '<file>' required, '[dir]' optional. */
  arguments?: string[];
  /** Command lines shown under its --help (without the program's name). */
  examples?: string[];
  /** Its output is not data (serve) or has a format option of its own: no --json. */
  noJson?: true;
  /**
   * The command only reads: on SQLite it never creates a database file, and a missing
   * one is said to be missing, with its path, rather than answered as empty.
   */
  readsOnly?: true;
  /** Exit codes of its own, beyond the program's (EXIT_CODES): listed under its --help. */
  exitCodes?: string;
  /** `db` opens the configured database (migrated); on SQLite, with the driver asked for (store/db.ts). */
  run(ctx: { config: GatewayConfig; values: Values; positionals: string[]; actor: Actor; db: (driver?: SqliteDriver) => Promise<Db> }): Promise<void>;
}

/** A mistake in the command line itself: answered with the command's usage and exit code 2. */
export class UsageError extends Error {}

export function required(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** What a command did: a sentence for a person, or with --json the same as data for a script. */
export function said(values: Values, sentence: string, data: unknown): void {
  if (values.json) print(data);
  else process.stdout.write(sentence + '\n');
}

export const S = { type: 'string' } as const;
export const MULTI = { type: 'string', multiple: true } as const;

/**
 * The exit code of a document's outcome (ingest, document replay), so that a script can
 * tell them apart without reading the output: 3 is the program's "rejected"; 4 to 6 are
 * used by no other command.
 */
export const DOCUMENT_EXIT_CODES: Record<DocumentStatus, number> = {
  applied: 0,
  rejected: 3,
  applied_with_errors: 4,
  awaiting_order: 5,
  duplicate: 6,
};

/** DOCUMENT_EXIT_CODES in words, for --help. */
export const DOCUMENT_EXIT_CODES_HELP =
  `${DOCUMENT_EXIT_CODES.applied} applied; ${DOCUMENT_EXIT_CODES.rejected} rejected, nothing applied (a file over the size limit too, GW-DOC-6002); ` +
  `${DOCUMENT_EXIT_CODES.applied_with_errors} applied with errors (some devices or orders refused); ` +
  `${DOCUMENT_EXIT_CODES.awaiting_order} applied, ship notices waiting for their order; ${DOCUMENT_EXIT_CODES.duplicate} a duplicate, nothing applied`;
