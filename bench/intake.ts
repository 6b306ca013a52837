// The intake benchmark: for each size (100,000 and 1,000,000 serials, or `--serials N`),
// a ship-notice CSV and an X12 856 are ingested end to end with the CLI into a fresh
// database: SQLite, and PostgreSQL when a URL is given. Next to each, in the same run, the
// reference loads the same serials (the CSV) into one table keyed by serial: `sqlite3`'s
// `.import` into a fresh file, or `psql`'s `\copy` into a fresh schema.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_TABLE_SQL, RESELLER_ID, writePurchaseOrders850, writeSeed, writeShipNotices856, writeShipNoticeCsv } from './generate.js';
import { MIB, against, gatewayCli, int, requireTool, runTimed, table, type Timed } from './support.js';
import { dropSchema, freshSchemaName, postgresTarget, prepare, psql, sqliteTarget, type Database, type Target } from './targets.js';

/** The targets: time at most 3.0 x the reference on either database (the aim is 2.0), and peak memory. */
const TARGET_RATIO: Record<Database, number> = { SQLite: 3.0, PostgreSQL: 3.0 };
const TARGET_RSS_MB = 256;

export const DEFAULT_SIZES = [100_000, 1_000_000];

/** A database to run on: a fresh target for the gateway, and the reference on the same database. */
interface Setup {
  database: Database;
  target(workDir: string, name: string): Target;
  /** The tool the reference uses. */
  tool: string;
  /** The reference: the CSV loaded into one table keyed by serial, in a fresh file or schema, timed. */
  reference(csv: string, workDir: string): Timed;
}

const sqlite: Setup = {
  database: 'SQLite',
  target: sqliteTarget,
  tool: 'sqlite3 .import',
  reference(csv, workDir) {
    const db = join(workDir, 'reference.sqlite3');
    rmSync(db, { force: true });
    try {
      return runTimed('sqlite3', [db], process.env, `${REFERENCE_TABLE_SQL}\n.mode csv\n.import --skip 1 ${csv} shipped\n`);
    } finally {
      rmSync(db, { force: true });
    }
  },
};

function postgres(url: string): Setup {
  return {
    database: 'PostgreSQL',
    target: (workDir, name) => postgresTarget(url, workDir, name),
    tool: 'psql \\copy',
    reference(csv) {
      const schema = freshSchemaName('reference');
      try {
        return psql(url, `CREATE SCHEMA "${schema}";\nSET search_path TO "${schema}";\n${REFERENCE_TABLE_SQL}\n\\copy shipped FROM '${csv}' WITH (FORMAT csv, HEADER true)`);
      } finally {
        dropSchema(url, schema);
      }
    },
  };
}

interface Files {
  serials: number;
  seed: string;
  csv: string;
  x850: string;
  x856: string;
}

interface Row {
  input: string;
  setup: Setup;
  serials: number;
  fileMb: number;
  gatewayS: number;
  referenceS: number;
  rssMb: number;
}

async function writeFiles(dir: string, serials: number): Promise<Files> {
  mkdirSync(dir, { recursive: true });
  const files = { serials, seed: join(dir, 'seed'), csv: join(dir, 'ship-notice.csv'), x850: join(dir, 'orders.850.edi'), x856: join(dir, 'ship-notice.856.edi') };
  writeSeed(files.seed);
  await writeShipNoticeCsv(files.csv, serials);
  await writePurchaseOrders850(files.x850, serials);
  await writeShipNotices856(files.x856, serials);
  return files;
}

function expectApplied(out: Timed, serials: number, label: string): void {
  const result = JSON.parse(out.stdout) as { status: string; summary: { devicesEnrolled: number } };
  if (result.status !== 'applied' || result.summary.devicesEnrolled !== serials) {
    throw new Error(`${label}: expected ${serials} devices applied, got ${result.status} with ${result.summary.devicesEnrolled}`);
  }
}

/**
 * One row: a fresh target, migrated and seeded (not timed); for the 856, Apple's 850s first
 * (not timed: a thousand small orders); then the reference and the gateway, timed.
 */
function measure(setup: Setup, input: 'CSV ship notice' | 'X12 856', files: Files, workDir: string): Row {
  const [file, partner] = input === 'X12 856' ? [files.x856, 'APPLE'] : [files.csv, RESELLER_ID];
  const label = `${int(files.serials)} serials, ${input}, ${setup.database}`;
  const target = setup.target(workDir, input === 'X12 856' ? 'x12' : 'csv');
  try {
    prepare(target, files.seed);
    if (input === 'X12 856') {
      const orders = gatewayCli(['ingest', files.x850, '--partner', 'APPLE', '--json'], target.env);
      process.stdout.write(`${label}: the 850s for the 856 took ${orders.seconds.toFixed(2)} s (not in the ratio)\n`);
    }
    const reference = setup.reference(files.csv, workDir);
    const g = gatewayCli(['ingest', file, '--partner', partner, '--json'], target.env);
    expectApplied(g, files.serials, label);
    process.stdout.write(`${label}: gateway ${g.seconds.toFixed(2)} s, ${setup.tool} ${reference.seconds.toFixed(2)} s\n`);
    return { input, setup, serials: files.serials, fileMb: statSync(file).size / MIB, gatewayS: g.seconds, referenceS: reference.seconds, rssMb: g.maxRssMb ?? NaN };
  } finally {
    target.dispose();
  }
}

export async function runIntakeBench(opts: { sizes: readonly number[]; pgUrl: string | null; workDir: string; keep: boolean }): Promise<void> {
  requireTool('sqlite3', ['-version'], 'the sqlite3 command-line tool is needed for the reference timing: apt-get install sqlite3');
  const setups = opts.pgUrl ? [sqlite, postgres(opts.pgUrl)] : [sqlite];
  process.stdout.write(`intake benchmark: ${opts.sizes.map(int).join(' and ')} serials, 1,000 per order, 50 organisations, on ${setups.map((s) => s.database).join(' and ')}\n`);
  const rows: Row[] = [];
  for (const serials of opts.sizes) {
    const dir = join(opts.workDir, `intake-${serials}`);
    const files = await writeFiles(dir, serials);
    try {
      for (const setup of setups) {
        for (const input of ['CSV ship notice', 'X12 856'] as const) rows.push(measure(setup, input, files, dir));
      }
    } finally {
      // A size's files and databases are large: gone before the next size is written.
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(
    '\n' +
      table(
        ['input', 'database', 'serials', 'file MiB', 'gateway s', 'µs per serial', 'reference', 'reference s', `ratio (target <= ${TARGET_RATIO.SQLite.toFixed(1)} on SQLite, <= ${TARGET_RATIO.PostgreSQL.toFixed(1)} on PostgreSQL; aim 2.0)`, `gateway peak RSS MiB (target <= ${TARGET_RSS_MB})`],
        rows.map((r) => {
          const ratio = r.gatewayS / r.referenceS;
          return [
            r.input,
            r.setup.database,
            int(r.serials),
            r.fileMb.toFixed(1),
            r.gatewayS.toFixed(2),
            ((r.gatewayS / r.serials) * 1e6).toFixed(1),
            r.setup.tool,
            r.referenceS.toFixed(2),
            against(ratio.toFixed(2), ratio <= TARGET_RATIO[r.setup.database]),
            against(r.rssMb.toFixed(0), r.rssMb <= TARGET_RSS_MB),
          ];
        }),
      ),
  );
}
