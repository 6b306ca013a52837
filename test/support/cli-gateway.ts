// A gateway run as its users run it: `node dist/src/cli.js serve` (or `demo`) in a child
// process, on a database of its own (a SQLite file in a temporary folder, or a fresh
// PostgreSQL schema when DATABASE_URL is set), found by its "listening on URL" line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';

export const CLI = process.env.GW_CLI_PATH ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli.js');

/** A folder and a database for gateway processes: the environment they share, and its removal. */
export interface GatewayHome {
  dir: string;
  env: NodeJS.ProcessEnv;
  remove(): Promise<void>;
}

export function gatewayHome(name: string): GatewayHome {
  const dir = mkdtempSync(join(tmpdir(), `gw-${name}-`));
  const schema = `gw_${name.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GATEWAY_SQLITE_PATH: join(dir, 'gateway.sqlite3'),
    GATEWAY_SPOOL_DIR: join(dir, 'spool'),
    GATEWAY_CREDIT_CODE_KEY_FILE: join(dir, 'credit-code.key'),
  };
  if (process.env.DATABASE_URL) env.GATEWAY_PG_SCHEMA = schema;
  return {
    dir,
    env,
    async remove() {
      rmSync(dir, { recursive: true, force: true });
      if (process.env.DATABASE_URL) {
        const db = knexFactory({ client: 'pg', connection: process.env.DATABASE_URL });
        await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
        await db.destroy();
      }
    },
  };
}

/** `node cli.js ARGS` (serve or demo, with --port 0); answers once it listens. */
export async function startCliGateway(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
      const found = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (found) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited (${code}): ${stderr.slice(-2000)}`)));
  });
  return { child, url };
}

/** SIGTERM, and the exit waited for (a child that has exited already is left as it is). */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
