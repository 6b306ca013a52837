// The benchmarks (`npm run bench`): intake, then exports. `--only intake|export` runs one.
//
// Intake: generates a ship-notice CSV and an X12 856 of N serials (default 1,000,000;
// `npm run bench -- --serials 100000` for a quick run), ingests each end to end with the
// CLI into a fresh SQLite database, and in the same run times the sqlite3 command-line
// tool importing the same serials (CSV) into one table with the serial as primary key.
// Prints both times, the ratio and the peak RSS.
//
// Export (bench/export.ts): `--devices N` (default 1,000,000) available devices streamed
// as CSV over HTTP by a gateway child process, its peak RSS against a 100,000-row export.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runExportBench } from './export.js';
import { REFERENCE_TABLE_SQL, writePurchaseOrders850, writeSeed, writeShipNotices856, writeShipNoticeCsv } from './generate.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI_CHILD = join(HERE, 'measure-child.js');
const TARGET_RATIO = 2.0;
const TARGET_RSS_MB = 256;

interface Timed {
  seconds: number;
  maxRssMb: number | null;
  stdout: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Timed {
  const started = process.hrtime.bigint();
  const r = spawnSync(command, args, { env, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.error) throw new Error(`${command} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  const rss = /BENCH_MAX_RSS_KB=(\d+)/.exec(r.stderr ?? '');
  return { seconds, maxRssMb: rss ? Number(rss[1]) / 1024 : null, stdout: r.stdout };
}

function gateway(args: string[], sqlitePath: string): Timed {
  const env = { ...process.env, GATEWAY_SQLITE_PATH: sqlitePath, DATABASE_URL: '' };
  return run(process.execPath, [CLI_CHILD, ...args], env);
}

function sqliteImport(csv: string, dbPath: string): Timed {
  rmSync(dbPath, { force: true });
  return run('sqlite3', [dbPath], process.env, `${REFERENCE_TABLE_SQL}\n.mode csv\n.import --skip 1 ${csv} shipped\n`);
}

function checkSqliteCli(): void {
  const r = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error('the sqlite3 command-line tool is needed for the reference timing: apt-get install sqlite3');
  }
}

function expectApplied(out: Timed, serials: number, label: string): void {
  const result = JSON.parse(out.stdout) as { status: string; summary: { devicesEnrolled: number } };
  if (result.status !== 'applied' || result.summary.devicesEnrolled !== serials) {
    throw new Error(`${label}: expected ${serials} devices applied, got ${result.status} with ${result.summary.devicesEnrolled}`);
  }
}

interface Row {
  label: string;
  serials: number;
  fileMb: number;
  gatewayS: number;
  referenceS: number;
  rssMb: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { serials: { type: 'string' }, devices: { type: 'string' }, only: { type: 'string' }, keep: { type: 'boolean' } } });
  const serials = values.serials ? Number(values.serials) : 1_000_000;
  if (!Number.isInteger(serials) || serials < 1000 || serials > 10_000_000) throw new Error('--serials must be 1000..10000000');
  const devices = values.devices ? Number(values.devices) : 1_000_000;
  if (!Number.isInteger(devices) || devices < 1000 || devices > 10_000_000) throw new Error('--devices must be 1000..10000000');
  if (values.only !== undefined && values.only !== 'intake' && values.only !== 'export') throw new Error('--only must be intake or export');
  if (values.only !== 'export') await intakeBench(serials, values.keep === true);
  if (values.only !== 'intake') {
    if (values.only !== 'export') process.stdout.write('\n');
    await runExportBench({ devices, keep: values.keep === true });
  }
}

async function intakeBench(serials: number, keep: boolean): Promise<void> {
  checkSqliteCli();
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-'));
  const rows: Row[] = [];
  try {
    process.stdout.write(`benchmark: ${serials.toLocaleString('en')} serials, 1,000 per order, 50 organisations (work dir ${dir})\n`);
    writeSeed(join(dir, 'seed'));
    const csv = join(dir, 'ship-notice.csv');
    const x850 = join(dir, 'orders.850.edi');
    const x856 = join(dir, 'ship-notice.856.edi');
    await writeShipNoticeCsv(csv, serials);
    await writePurchaseOrders850(x850, serials);
    await writeShipNotices856(x856, serials);

    // CSV: the ship notice carries its orders' headers, so one file does it all.
    {
      const db = join(dir, 'csv.sqlite3');
      gateway(['seed', join(dir, 'seed')], db);
      const reference = sqliteImport(csv, join(dir, 'ref-csv.sqlite3'));
      const g = gateway(['ingest', csv, '--partner', '16FCE4A0', '--json'], db);
      expectApplied(g, serials, 'CSV');
      rows.push({ label: 'CSV ship notice', serials, fileMb: statSync(csv).size / 1048576, gatewayS: g.seconds, referenceS: reference.seconds, rssMb: g.maxRssMb ?? NaN });
    }
    // X12: Apple's 850s first (not timed: a thousand small orders), then the 856.
    {
      const db = join(dir, 'x12.sqlite3');
      gateway(['seed', join(dir, 'seed')], db);
      const orders = gateway(['ingest', x850, '--partner', 'APPLE', '--json'], db);
      process.stdout.write(`(850s for the 856: ${orders.seconds.toFixed(2)} s, not in the ratio)\n`);
      const reference = sqliteImport(csv, join(dir, 'ref-x12.sqlite3'));
      const g = gateway(['ingest', x856, '--partner', 'APPLE', '--json'], db);
      expectApplied(g, serials, 'X12 856');
      rows.push({ label: 'X12 856', serials, fileMb: statSync(x856).size / 1048576, gatewayS: g.seconds, referenceS: reference.seconds, rssMb: g.maxRssMb ?? NaN });
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write('\n| input | serials | file MiB | gateway s | sqlite3 .import s | ratio (target <= 2.0) | gateway peak RSS MiB (target <= 256) |\n|---|---|---|---|---|---|---|\n');
  for (const r of rows) {
    const ratio = r.gatewayS / r.referenceS;
    process.stdout.write(
      `| ${r.label} | ${r.serials.toLocaleString('en')} | ${r.fileMb.toFixed(1)} | ${r.gatewayS.toFixed(2)} | ${r.referenceS.toFixed(2)} | ${ratio.toFixed(2)} ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'} | ${r.rssMb.toFixed(0)} ${r.rssMb <= TARGET_RSS_MB ? 'met' : 'MISSED'} |\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});


