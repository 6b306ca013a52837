// What every command-line command is made of: its usage line, its options, and a run
// function given the configuration, the parsed arguments, the actor and the database.
import type { Actor } from './admin/operations.js';
import type { GatewayConfig } from './config.js';
import type { Db, SqliteDriver } from './store/db.js';

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
