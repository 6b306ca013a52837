// The benchmarks (`npm run bench`): intake, the reseller API under load, the probe under
// load, JSON documents at their size limit, then exports, then the command line's start-up;
// `--only intake|api|probe|json|export|cli` runs one (or a comma-separated few). Each prints its figures
// next to a reference measured in the same run, and the machine's state is printed at the
// start and the end, to read them against.
//
//   intake (bench/intake.ts)   --serials N (default 100,000 and 1,000,000)
//   api    (bench/api-load.ts) --api-seconds N (default 60), --api-clients N (default 20)
//   probe  (bench/probe.ts)    the largest intake size, ingested over HTTP under a probe
//   json   (bench/json.ts)     three 32 MiB JSON documents over HTTP under the probe: memory and latency
//   export (bench/export.ts)   --devices N (default 1,000,000)
//   cli    (bench/cli-start.ts) --help, --version and two lookups, against node -e 0
//
// PostgreSQL: with DATABASE_URL set, or `--pg URL`, intake, api, probe and json also run on
// PostgreSQL, each in fresh schemas that are dropped afterwards. `--keep` keeps the work
// directory (generated files, SQLite databases, the gateway's spool).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runApiLoadBench } from './api-load.js';
import { runCliStartBench } from './cli-start.js';
import { runExportBench } from './export.js';
import { DEFAULT_SIZES, runIntakeBench } from './intake.js';
import { runJsonBench } from './json.js';
import { runProbeBench } from './probe.js';
import { machineState } from './support.js';
import { checkPostgres, targetMakers, withoutPassword } from './targets.js';

const PARTS = ['intake', 'api', 'probe', 'json', 'export', 'cli'] as const;
function whole(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number ${min}..${max}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      serials: { type: 'string' },
      devices: { type: 'string' },
      pg: { type: 'string' },
      'api-seconds': { type: 'string' },
      'api-clients': { type: 'string' },
      keep: { type: 'boolean' },
    },
  });
  const asked = values.only?.split(',') ?? PARTS;
  const unknown = asked.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0) throw new Error(`--only takes parts among ${PARTS.join(', ')} (comma-separated), not ${unknown.join(', ')}`);
  // In the usual order, whatever the order asked.
  const parts = PARTS.filter((p) => asked.includes(p));
  const sizes = values.serials === undefined ? DEFAULT_SIZES : [whole(values.serials, 'serials', 0, 1000, 10_000_000)];
  const devices = whole(values.devices, 'devices', 1_000_000, 1000, 10_000_000);
  const api = { seconds: whole(values['api-seconds'], 'api-seconds', 60, 1, 3600), clients: whole(values['api-clients'], 'api-clients', 20, 1, 99) };
  const pgUrl = values.pg ?? (process.env.DATABASE_URL || null);
  const usesPg = pgUrl !== null && parts.some((p) => p !== 'export' && p !== 'cli');
  if (usesPg) checkPostgres(pgUrl);

  process.stdout.write(`${await machineState('start')}\n`);
  process.stdout.write(usesPg ? `PostgreSQL: ${withoutPassword(pgUrl)}\n` : 'PostgreSQL: not measured (set DATABASE_URL or give --pg URL)\n');
  const workDir = mkdtempSync(join(tmpdir(), 'gw-bench-'));
  process.stdout.write(`work directory: ${workDir}${values.keep ? ' (kept)' : ''}\n`);
  const targets = targetMakers(pgUrl);
  try {
    for (const [i, part] of parts.entries()) {
      // Other work can start during a long run: the state between parts says when.
      process.stdout.write(i === 0 ? '\n' : `\n${await machineState(`before ${part}`)}\n`);
      if (part === 'intake') await runIntakeBench({ sizes, pgUrl, workDir, keep: values.keep === true });
      if (part === 'api') await runApiLoadBench(targets, api, workDir);
      if (part === 'probe') await runProbeBench(targets, Math.max(...sizes), workDir);
      if (part === 'json') await runJsonBench(targets, workDir);
      if (part === 'export') await runExportBench({ devices, workDir });
      if (part === 'cli') runCliStartBench(workDir);
    }
  } finally {
    if (!values.keep) rmSync(workDir, { recursive: true, force: true });
  }
  process.stdout.write(`\n${await machineState('end')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
