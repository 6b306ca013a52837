// The export benchmark (`npm run bench`, or `npm run bench -- --only export`): builds a
// fresh SQLite database of 1,000,000 devices (`--devices N`) for one organisation and
// 100,000 for another, by bulk SQL (orders, deliveries, order lines and devices as the
// enrollment rules would leave them), starts the gateway in a child process, and asks it
// over HTTP for every available device of each organisation, consuming the CSV here.
//
// Flat memory is the claim under test: the child's peak RSS while it streams 1,000,000 rows
// should be about its peak while it streams 100,000. The peak is the kernel's high-water
// mark (VmHWM in /proc/PID/status), reset before each export by writing 5 to
// /proc/PID/clear_refs; where that is refused, the largest VmRSS sampled every 50 ms.
//
// The same gateway then answers the console's reads as the large organisation's admin
// (bench/console-reads.ts): each screen's /v1 call under 300 ms with 1,000,000 devices.
//
// Reference, in the same run: the sqlite3 command-line shell writing the same rows (the same
// joins and columns, CSV) to /dev/null. The two CSVs of the small organisation are also
// parsed and compared field by field (the shell quotes more than RFC 4180 needs, so the
// bytes differ while the content must not).
import { spawnSync } from 'node:child_process';
import { openSync, closeSync, mkdirSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { migrate, openDatabase } from '../src/store/db.js';
import { createPrincipalKey } from '../src/admin/operations.js';
import { DEVICE_EXPORT_COLUMNS, pendingReason } from '../src/reports/device-export.js';
import { requireTool, ServedChild, sleep } from './support.js';
import { sqliteTarget } from './targets.js';
import { measureConsoleReads } from './console-reads.js';

export const EXPORT_DEVICES_PER_ORDER = 1000;
/** The small export, against which the large one's memory is compared. */
export const SMALL_EXPORT_DEVICES = 100_000;
/** One order in ten is from a reseller the large organisation has not added: pending. */
const PENDING_EVERY_NTH_ORDER = 10;
/** Idle RSS is read this long after the gateway says it listens, once startup work settles. */
const SETTLE_MS = 1000;
const SAMPLE_INTERVAL_MS = 50;
/** Memory target: the large export's peak at most this much above the small one's. */
const FLAT_MARGIN_MIB = 32;

export const ORG_LARGE = 'BENCHEXPL';
export const ORG_SMALL = 'BENCHEXPS';
const RESELLER_LINKED = 'BENCHR1';
const RESELLER_UNLINKED = 'BENCHR2';
const SERVER = 'Bench MDM';

interface Built {
  seconds: number;
  operatorKey: string;
  /** The large organisation's admin: the console's reads are measured as it. */
  largeAdminKey: string;
}

/**
 * Organisations: large (pk 1) and small (2). Resellers: R1 (added by both) and R2 (added
 * by neither): every tenth order is R2's, so a tenth of the devices are pending. Orders 0.. of the large organisation, then of the small one; a
 * thousand devices each, one delivery each; serials numbered across both.
 */
export async function buildDatabase(path: string, large: number, small: number): Promise<Built> {
  const started = process.hrtime.bigint();
  const db = openDatabase({ databaseUrl: null, sqlitePath: path });
  try {
    await migrate(db);
    const now = new Date().toISOString();
    const ordersLarge = Math.ceil(large / EXPORT_DEVICES_PER_ORDER);
    const orders = ordersLarge + Math.ceil(small / EXPORT_DEVICES_PER_ORDER);
    const total = large + small;
    await db.transaction(async (trx) => {
      await trx('organisations').insert([
        { id: 1, org_id: ORG_LARGE, name: 'Export benchmark (large)', country: 'US', created_at: now },
        { id: 2, org_id: ORG_SMALL, name: 'Export benchmark (small)', country: 'US', created_at: now },
      ]);
      await trx('suppliers').insert([
        { id: 1, supplier_id: RESELLER_LINKED, kind: 'reseller', name: 'Bench reseller 1', created_at: now },
        { id: 2, supplier_id: RESELLER_UNLINKED, kind: 'reseller', name: 'Bench reseller 2', created_at: now },
      ]);
      await trx('org_supplier_links').insert([
        { org_pk: 1, supplier_pk: 1, created_at: now },
        { org_pk: 2, supplier_pk: 1, created_at: now },
      ]);
      // Order o (pk o + 1) belongs to the large organisation while o < ordersLarge.
      const orgOf = (o: string) => `CASE WHEN ${o} < ${ordersLarge} THEN 1 ELSE 2 END`;
      const supplierOf = (o: string) => `CASE WHEN ${o} % ${PENDING_EVERY_NTH_ORDER} = ${PENDING_EVERY_NTH_ORDER - 1} THEN 2 ELSE 1 END`;
      const count = (n: number) => `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${n - 1})`;
      await trx.raw(
        `${count(orders)} INSERT INTO orders (id, supplier_pk, order_number, kind, last_type, org_pk, customer_id, order_date, po_number, status, version, created_at, updated_at)
         SELECT i + 1, ${supplierOf('i')}, printf('BX%07d', i), 'sale', 'OR', ${orgOf('i')},
                CASE WHEN i < ${ordersLarge} THEN '${ORG_LARGE}' ELSE '${ORG_SMALL}' END,
                '2026-11-02T00:00:00Z', 'PO-' || i, 'open', 1, ?, ? FROM n`,
        [now, now],
      );
      await trx.raw(`${count(orders)} INSERT INTO deliveries (order_pk, delivery_number, ship_date) SELECT i + 1, 'DL' || i, '2026-11-03T00:00:00Z' FROM n`);
      // Serial j: order j / 1000 (the large organisation's first), every seventh with a tag.
      const orderOfSerial = (j: string) =>
        `CASE WHEN ${j} < ${large} THEN ${j} / ${EXPORT_DEVICES_PER_ORDER} ELSE ${ordersLarge} + (${j} - ${large}) / ${EXPORT_DEVICES_PER_ORDER} END`;
      await trx.raw(
        `${count(total)}, s(j, o) AS (SELECT i, ${orderOfSerial('i')} FROM n)
         INSERT INTO order_lines (order_pk, serial, delivery_number, asset_tag, status)
         SELECT o + 1, printf('C%011d', j), 'DL' || o, CASE WHEN j % 7 = 0 THEN 'TAG-' || j END, 'live' FROM s`,
      );
      await trx.raw(
        `${count(total)}, s(j, o) AS (SELECT i, ${orderOfSerial('i')} FROM n),
         t(j, o, org, sup) AS (SELECT j, o, ${orgOf('o')}, ${supplierOf('o')} FROM s)
         INSERT INTO devices (serial, state, org_pk, supplier_pk, order_pk, family, asset_tag, server, version, updated_at)
         SELECT printf('C%011d', j), CASE WHEN sup = 2 THEN 'pending' ELSE 'enrolled' END, org, sup, o + 1, 'iPad',
                CASE WHEN j % 7 = 0 THEN 'TAG-' || j END, CASE WHEN sup = 2 THEN NULL ELSE '${SERVER}' END, 1, ? FROM t`,
        [now],
      );
    });
    const key = await createPrincipalKey(db, { name: 'bench', origin: 'bench' }, { role: 'operator' });
    const admin = await createPrincipalKey(db, { name: 'bench', origin: 'bench' }, { role: 'org_admin', orgId: ORG_LARGE });
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, operatorKey: key.key, largeAdminKey: admin.key };
  } finally {
    await db.destroy();
  }
}

/** The reference: the same rows and columns, by the sqlite3 shell, in one statement. */
function referenceSql(orgId: string, orgPk: number): string {
  // pendingReason() with SQL in place of its arguments, so that the texts cannot drift.
  const reason = pendingReason('\u0001', '\u0002')
    .replace(/'/g, "''")
    .split('\u0001')
    .join(`' || '${orgId}' || '`)
    .split('\u0002')
    .join(`' || s.supplier_id || '`);
  return `SELECT d.serial, d.state, CASE WHEN d.state = 'pending' THEN '${reason}' ELSE '' END,
      d.family, d.asset_tag, d.server, '${orgId}', s.supplier_id, o.order_number, o.po_number, o.order_date, l.delivery_number, dl.ship_date
    FROM devices d
    LEFT JOIN suppliers s ON s.id = d.supplier_pk
    LEFT JOIN orders o ON o.id = d.order_pk
    LEFT JOIN order_lines l ON l.order_pk = d.order_pk AND l.serial = d.serial
    LEFT JOIN deliveries dl ON dl.order_pk = l.order_pk AND dl.delivery_number = l.delivery_number
    WHERE d.org_pk = ${orgPk} AND d.state IN ('enrolled', 'pending')
    ORDER BY d.serial;`;
}

function referenceArgs(db: string, orgId: string, orgPk: number): string[] {
  // -header prints the column names as the query names them: the CSV header is given as
  // the first row instead, so that the bytes compare with the gateway's.
  return ['-csv', '-noheader', db, `SELECT ${DEVICE_EXPORT_COLUMNS.map((c) => `'${c}'`).join(', ')};`, referenceSql(orgId, orgPk)];
}

function timeReference(db: string, orgId: string, orgPk: number): number {
  const out = openSync('/dev/null', 'w');
  try {
    const started = process.hrtime.bigint();
    const r = spawnSync('sqlite3', referenceArgs(db, orgId, orgPk), { stdio: ['ignore', out, 'pipe'] });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.error || r.status !== 0) throw new Error(`sqlite3 reference failed: ${r.error?.message ?? r.stderr.toString()}`);
    return seconds;
  } finally {
    closeSync(out);
  }
}

/** The shell's CSV, parsed: NULL and '' both read as ''. */
function referenceRows(db: string, orgId: string, orgPk: number): string[][] {
  const r = spawnSync('sqlite3', referenceArgs(db, orgId, orgPk), { maxBuffer: 1 << 30 });
  if (r.error || r.status !== 0) throw new Error(`sqlite3 reference failed: ${r.error?.message ?? r.stderr.toString()}`);
  return parse(r.stdout) as string[][];
}

interface Consumed {
  rows: number;
  bytes: number;
  seconds: number;
  peakKb: number;
  peakBy: 'VmHWM' | 'sampled VmRSS';
  /** The body, when asked to keep it (the small export, for the comparison). */
  body?: Buffer;
}

/** GETs the export, counting rows (line ends) and bytes as they arrive. */
async function consumeExport(gw: ServedChild, key: string, orgId: string, keep: boolean): Promise<Consumed> {
  const exact = gw.resetPeak();
  let sampledKb = gw.status().rssKb;
  const sampler = setInterval(() => {
    sampledKb = Math.max(sampledKb, gw.status().rssKb);
  }, SAMPLE_INTERVAL_MS);
  const started = process.hrtime.bigint();
  try {
    const counted = await new Promise<{ rows: number; bytes: number; body?: Buffer }>((resolve, reject) => {
      const req = http.get(`${gw.url}/v1/exports/devices?available=true&org=${orgId}`, { headers: { authorization: `Bearer ${key}` } }, (res) => {
        if (res.statusCode !== 200) {
          let body = '';
          res.setEncoding('utf8').on('data', (t: string) => (body += t));
          res.on('end', () => reject(new Error(`export answered ${res.statusCode}: ${body}`)));
          return;
        }
        const kept: Buffer[] = [];
        let lines = 0;
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (keep) kept.push(chunk);
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        });
        res.on('aborted', () => reject(new Error('the export was cut short')));
        res.on('error', reject);
        res.on('end', () => resolve({ rows: lines - 1, bytes, ...(keep ? { body: Buffer.concat(kept) } : {}) }));
      });
      req.on('error', reject);
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    sampledKb = Math.max(sampledKb, gw.status().rssKb);
    const peakKb = exact ? gw.status().hwmKb : sampledKb;
    return { ...counted, seconds, peakKb, peakBy: exact ? 'VmHWM' : 'sampled VmRSS' };
  } finally {
    clearInterval(sampler);
  }
}

/** The first differing row of two parsed CSVs, or undefined when they are the same. */
function firstDifference(a: string[][], b: string[][]): string | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = JSON.stringify(a[i] ?? null);
    const y = JSON.stringify(b[i] ?? null);
    if (x !== y) return `row ${i}: gateway ${x}, sqlite3 ${y}`;
  }
  return undefined;
}

export async function runExportBench(opts: { devices: number; workDir: string }): Promise<void> {
  const large = opts.devices;
  const small = Math.min(SMALL_EXPORT_DEVICES, Math.max(1000, Math.floor(large / 10)));
  requireTool('sqlite3', ['-version'], 'the sqlite3 command-line tool is needed for the reference timing: apt-get install sqlite3');
  const dir = join(opts.workDir, 'export');
  mkdirSync(dir, { recursive: true });
  const target = sqliteTarget(dir, 'export');
  const dbPath = target.env.GATEWAY_SQLITE_PATH!;
  const mib = (kb: number) => kb / 1024;
  let gw: ServedChild | undefined;
  try {
    process.stdout.write(`export benchmark: ${large.toLocaleString('en')} + ${small.toLocaleString('en')} devices, ${EXPORT_DEVICES_PER_ORDER.toLocaleString('en')} per order (work dir ${dir})\n`);
    const built = await buildDatabase(dbPath, large, small);
    process.stdout.write(`database built in ${built.seconds.toFixed(1)} s (${(statSync(dbPath).size / 1048576).toFixed(0)} MiB, by INSERT ... SELECT)\n`);

    gw = await ServedChild.gateway(target.env, (line) => line.includes('"device export'));
    await sleep(SETTLE_MS);
    const idle = gw.status();
    const smallRun = await consumeExport(gw, built.operatorKey, ORG_SMALL, true);
    const largeRun = await consumeExport(gw, built.operatorKey, ORG_LARGE, false);
    const consoleMet = await measureConsoleReads(gw, built.largeAdminKey, 'C00000543210');
    const logs = [...gw.keptLines];
    const processPeakKb = await gw.stop();
    gw = undefined;
    for (const [run, expected] of [
      [smallRun, small],
      [largeRun, large],
    ] as const) {
      if (run.rows !== expected) throw new Error(`expected ${expected} rows, the export had ${run.rows}`);
    }

    const refSmall = timeReference(dbPath, ORG_SMALL, 2);
    const refLarge = timeReference(dbPath, ORG_LARGE, 1);
    const difference = firstDifference(parse(smallRun.body!) as string[][], referenceRows(dbPath, ORG_SMALL, 2));

    const flat = mib(largeRun.peakKb) - mib(smallRun.peakKb) <= FLAT_MARGIN_MIB;
    const row = (label: string, r: Consumed, ref: number) =>
      `| ${label} | ${r.rows.toLocaleString('en')} | ${(r.bytes / 1048576).toFixed(1)} | ${r.seconds.toFixed(2)} | ${Math.round(r.rows / r.seconds).toLocaleString('en')} | ${ref.toFixed(2)} | ${(r.seconds / ref).toFixed(2)} | ${mib(r.peakKb).toFixed(0)} |\n`;
    process.stdout.write(
      `\n| export (available devices) | rows | MiB | gateway s | rows/s | sqlite3 shell s | ratio | gateway peak RSS MiB (${largeRun.peakBy}) |\n|---|---|---|---|---|---|---|---|\n`,
    );
    process.stdout.write(`| none: idle after start | - | - | - | - | - | - | ${mib(idle.rssKb).toFixed(0)} (VmRSS; VmHWM ${mib(idle.hwmKb).toFixed(0)}) |\n`);
    process.stdout.write(row(`small organisation`, smallRun, refSmall));
    process.stdout.write(row(`large organisation`, largeRun, refLarge));
    process.stdout.write(
      `\nflat memory: ${flat ? 'met' : 'MISSED'} (the ${large.toLocaleString('en')}-row export's peak is ${(mib(largeRun.peakKb) - mib(smallRun.peakKb)).toFixed(0)} MiB above the ${small.toLocaleString('en')}-row export's; allowed ${FLAT_MARGIN_MIB}); ` +
        `child's peak over the whole run ${processPeakKb === null ? 'n/a' : mib(processPeakKb).toFixed(0)} MiB\n`,
    );
    process.stdout.write(`content: the small organisation's CSV ${difference ? `DIFFERS from the sqlite3 shell's: ${difference}` : "equals the sqlite3 shell's, field by field"}\n`);
    for (const l of logs) process.stdout.write(`gateway log: ${l}\n`);
    if (!flat || difference || !consoleMet) process.exitCode = 1;
  } finally {
    if (gw) await gw.stop();
  }
}
