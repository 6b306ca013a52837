// The databases a benchmark runs the gateway on, each fresh: a SQLite file in the work
// directory, or a schema of its own in PostgreSQL (GATEWAY_PG_SCHEMA), dropped afterwards.
// A target is only environment variables for the gateway's processes, plus its clean-up.
import { join } from 'node:path';
import { gatewayCli, requireTool, runTimed, type Timed } from './support.js';

export type Database = 'SQLite' | 'PostgreSQL';

export interface Target {
  database: Database;
  /** The environment of every gateway process on this database. */
  env: NodeJS.ProcessEnv;
  /** Drops a PostgreSQL schema; a SQLite file goes with the work directory. */
  dispose(): void;
}

/** What every gateway process of a benchmark is given: its spool and key file in the work directory. */
function baseEnv(workDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GATEWAY_SPOOL_DIR: join(workDir, 'spool'),
    GATEWAY_CREDIT_CODE_KEY_FILE: join(workDir, 'credit-code.key'),
  };
  delete env.DATABASE_URL;
  delete env.GATEWAY_PG_SCHEMA;
  delete env.GATEWAY_SQLITE_PATH;
  return env;
}

/**
 * The file `workDir/NAME.sqlite3`, which the gateway creates (the work directory is fresh).
 * It stays with the work directory, which is removed at the end unless --keep is given.
 */
export function sqliteTarget(workDir: string, name: string): Target {
  const path = join(workDir, `${name}.sqlite3`);
  return { database: 'SQLite', env: { ...baseEnv(workDir), GATEWAY_SQLITE_PATH: path }, dispose: () => undefined };
}

let schemas = 0;
/** A schema name no other run uses at the same time (the gateway's pattern: [a-z_][a-z0-9_]{0,62}). */
export function freshSchemaName(name: string): string {
  return `bench_${process.pid}_${++schemas}_${name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

export function postgresTarget(url: string, workDir: string, name: string): Target {
  const schema = freshSchemaName(name);
  return {
    database: 'PostgreSQL',
    env: { ...baseEnv(workDir), DATABASE_URL: url, GATEWAY_PG_SCHEMA: schema },
    dispose: () => dropSchema(url, schema),
  };
}

/** Makes a fresh target named `name` in the work directory. */
export type MakeTarget = (workDir: string, name: string) => Target;

/** Each benchmark's fresh targets: SQLite always, PostgreSQL when a URL is given. */
export function targetMakers(pgUrl: string | null): MakeTarget[] {
  const makers: MakeTarget[] = [sqliteTarget];
  if (pgUrl) makers.push((workDir, name) => postgresTarget(pgUrl, workDir, name));
  return makers;
}

/** `migrate`, then `seed DIR`: the untimed preparation of a fresh target. */
export function prepare(target: Target, seedDir: string): void {
  gatewayCli(['migrate'], target.env);
  gatewayCli(['seed', seedDir], target.env);
}

/** `psql URL` running `script` (stop at the first error), timed. */
export function psql(url: string, script: string): Timed {
  return runTimed('psql', ['--no-psqlrc', '--quiet', url], process.env, `\\set ON_ERROR_STOP on\n${script}\n`);
}

export function dropSchema(url: string, schema: string): void {
  psql(url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE;`);
}

/** Throws, saying what to do, when PostgreSQL is asked for and psql cannot reach it. */
export function checkPostgres(url: string): void {
  requireTool('psql', ['--version'], 'the psql command-line tool is needed for the PostgreSQL benchmarks: apt-get install postgresql-client');
  try {
    psql(url, 'SELECT 1;');
  } catch (err) {
    throw new Error(`PostgreSQL at ${withoutPassword(url)} does not answer: ${(err as Error).message}`);
  }
}

/** A connection URL fit to print. */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(a connection string)';
  }
}
