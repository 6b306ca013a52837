// The reseller API under load (`--only api`): the gateway serves a fresh, seeded database
// (SQLite; PostgreSQL too when a URL is given), and 20 clients (`--api-clients N`) each post
// bulk-enroll-devices transactions of 1,000 new serials, one after another on a kept-alive
// connection, for 60 s (`--api-seconds N`). Every answer must be SUCCESS; at the end a few
// transactions are read back with check-transaction-status and must be COMPLETE, device by
// device. Prints devices and transactions per second, latency, errors, and the CPU the
// gateway and the clients used.
//
// The reference, in the same run: the same clients against a server that answers at once
// (null-server.ts) for a few seconds: what this harness can send on this machine, so that
// a gateway figure near it would say the clients, not the gateway, are the limit.
import { serial } from './generate.js';
import { bulkEnrollBody, ResellerClient, serveSeeded } from './reseller.js';
import { against, int, secondsSince, ServedChild, summarise, table, type Latencies } from './support.js';
import type { Database, MakeTarget } from './targets.js';

export const DEVICES_PER_TRANSACTION = 1000;
/** The target, on SQLite. */
const TARGET_DEVICES_PER_SECOND = 40_000;
/** How long the clients run against the null server. */
const CEILING_SECONDS = 3;
/** Transactions read back at the end with check-transaction-status. */
const VERIFIED_TRANSACTIONS = 5;
/** Error messages kept to print (the rest are counted). */
const ERRORS_SHOWN = 3;

export interface LoadOptions {
  seconds: number;
  clients: number;
}

interface Load {
  seconds: number;
  transactions: number;
  latencies: Latencies;
  errors: number;
  firstErrors: string[];
  /** Accepted transactions' enrollment ids, in the order they were answered. */
  enrollmentIds: string[];
  /** CPU seconds of the client side (this process) during the load. */
  clientCpuS: number;
}

/** Client `c`'s serial number `i` (i below a billion): "L" and the two as 11 digits. */
const loadSerial = (c: number, i: number) => serial(c * 1e9 + i, 'L');

/** Runs `clients` loops posting transactions of new serials until `seconds` are up, and waits for the last answers. */
async function drive(api: ResellerClient, opts: LoadOptions, runTag: string): Promise<Load> {
  const latencies: number[] = [];
  const enrollmentIds: string[] = [];
  const firstErrors: string[] = [];
  let errors = 0;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const until = performance.now() + opts.seconds * 1000;
  const client = async (c: number) => {
    for (let n = 0; performance.now() < until; n++) {
      const serials = Array.from({ length: DEVICES_PER_TRANSACTION }, (_, k) => loadSerial(c, n * DEVICES_PER_TRANSACTION + k));
      const body = bulkEnrollBody(`${runTag}-C${c}-T${n}`, `LO${String(c).padStart(2, '0')}${String(n).padStart(7, '0')}`, c + n, serials);
      const answer = await api.bulkEnroll(body);
      latencies.push(answer.ms);
      if (answer.ok) enrollmentIds.push(answer.enrollmentId);
      else {
        errors++;
        if (firstErrors.length < ERRORS_SHOWN) firstErrors.push(answer.error);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.clients }, (_, c) => client(c)));
  const seconds = secondsSince(started);
  const cpu = process.cpuUsage(cpuBefore);
  return { seconds, transactions: enrollmentIds.length, latencies: summarise(latencies), errors, firstErrors, enrollmentIds, clientCpuS: (cpu.user + cpu.system) / 1e6 };
}

/** Reads back a few transactions spread over the run: each must be COMPLETE with all its devices. */
async function verify(api: ResellerClient, ids: readonly string[]): Promise<string> {
  if (ids.length === 0) return 'nothing to verify: no transaction was accepted';
  const picks = [...new Set(Array.from({ length: VERIFIED_TRANSACTIONS }, (_, i) => ids[Math.floor((i * (ids.length - 1)) / Math.max(1, VERIFIED_TRANSACTIONS - 1))]!))];
  const problems: string[] = [];
  let devices = 0;
  for (const id of picks) {
    const r = await api.completeDevices(id);
    if ('error' in r) problems.push(`${id}: ${r.error}`);
    else if (r.devices !== DEVICES_PER_TRANSACTION) problems.push(`${id}: ${r.devices} devices, expected ${DEVICES_PER_TRANSACTION}`);
    else devices += r.devices;
  }
  if (problems.length > 0) throw new Error(`check-transaction-status after the load:\n${problems.join('\n')}`);
  return `check-transaction-status of ${picks.length} transactions spread over the run: COMPLETE, ${int(devices)} devices COMPLETE`;
}

interface Row {
  label: string;
  /** The gateway's database; null for the reference. */
  database: Database | null;
  load: Load;
  gatewayCpuS: number | null;
  peakRssMb: number | null;
  /** Its intake process's, when it has one (SQLite). */
  helpersPeakMb?: number;
}

export async function runApiLoadBench(targets: readonly MakeTarget[], opts: LoadOptions, workDir: string): Promise<void> {
  process.stdout.write(
    `reseller API load: ${opts.clients} clients, each posting bulk-enroll-devices of ${int(DEVICES_PER_TRANSACTION)} new serials back to back, for ${opts.seconds} s per database\n`,
  );
  const rows: Row[] = [];
  // The clients' ceiling, against a server that answers at once.
  const nullServer = await ServedChild.nullServer();
  const nullClient = new ResellerClient(nullServer.url, 'none', opts.clients);
  try {
    const ceiling = await drive(nullClient, { ...opts, seconds: Math.min(CEILING_SECONDS, opts.seconds) }, 'CEILING');
    rows.push({ label: "reference: null server (the clients' ceiling)", database: null, load: ceiling, gatewayCpuS: null, peakRssMb: null });
  } finally {
    nullClient.close();
    await nullServer.stop();
  }
  for (const make of targets) {
    const target = make(workDir, 'api');
    let gateway: ServedChild | undefined;
    let api: ResellerClient | undefined;
    try {
      const served = await serveSeeded(target, workDir, 'api');
      gateway = served.gateway;
      api = new ResellerClient(gateway.url, served.key, opts.clients);
      const cpuBefore = gateway.cpuSeconds();
      const load = await drive(api, opts, `BENCH${Date.now()}`);
      const gatewayCpuS = gateway.cpuSeconds() - cpuBefore;
      process.stdout.write(`${target.database}: ${await verify(api, load.enrollmentIds)}\n`);
      for (const e of load.firstErrors) process.stdout.write(`${target.database}: error: ${e}\n`);
      if (load.errors > 0) process.exitCode = 1;
      const helpersKb = gateway.helpersPeakKb();
      const peakKb = await gateway.stop();
      gateway = undefined;
      rows.push({ label: `gateway on ${target.database}`, database: target.database, load, gatewayCpuS, peakRssMb: peakKb === null ? null : peakKb / 1024, helpersPeakMb: helpersKb / 1024 });
    } finally {
      api?.close();
      await gateway?.stop();
      target.dispose();
    }
  }
  process.stdout.write(
    '\n' +
      table(
        ['server', 'clients', 's', 'transactions', `devices/s (target >= ${int(TARGET_DEVICES_PER_SECOND)} on SQLite)`, 'transactions/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'gateway CPU (cores, with its intake process)', 'clients CPU (cores)', 'gateway peak RSS MiB (+ intake process)'],
        rows.map(({ label, database, load, gatewayCpuS, peakRssMb, helpersPeakMb }) => {
          const devicesPerS = (load.transactions * DEVICES_PER_TRANSACTION) / load.seconds;
          return [
            label,
            String(opts.clients),
            load.seconds.toFixed(1),
            int(load.transactions),
            database === 'SQLite' ? against(int(devicesPerS), devicesPerS >= TARGET_DEVICES_PER_SECOND) : int(devicesPerS),
            (load.transactions / load.seconds).toFixed(1),
            load.latencies.p50Ms.toFixed(0),
            load.latencies.p99Ms.toFixed(0),
            load.latencies.maxMs.toFixed(0),
            int(load.errors),
            gatewayCpuS === null ? '-' : (gatewayCpuS / load.seconds).toFixed(2),
            (load.clientCpuS / load.seconds).toFixed(2),
            peakRssMb === null ? '-' : peakRssMb.toFixed(0) + (helpersPeakMb ? ` + ${helpersPeakMb.toFixed(0)}` : ''),
          ];
        }),
      ),
  );
}
