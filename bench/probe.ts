// Probe under load (`--only probe`): while the gateway's `serve` ingests a ship-notice CSV
// of 1,000,000 serials (`--serials N`) posted to POST /v1/documents, a probe calls GET
// /healthz and check-transaction-status (of a transaction posted before the ingest) every
// 50 ms, and keeps every answer's latency: does the gateway keep answering while it works?
// The reference, in the same run: the same probe for 2 s on the idle gateway just before.
// On SQLite, and on PostgreSQL when a URL is given.
import { createReadStream, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { serial, writeShipNoticeCsv } from './generate.js';
import { bulkEnrollBody, readComplete, ResellerClient, serveSeeded } from './reseller.js';
import { MIB, against, httpRequest, int, keptAliveAgent, secondsSince, sleep, summarise, table, type Answer, type ServedChild } from './support.js';
import type { Database, MakeTarget, Target } from './targets.js';

export const PROBE_INTERVAL_MS = 50;
/** How long the idle gateway is probed, for the reference. */
const IDLE_PROBE_MS = 2000;
/** The target: no probe answer slower than this. */
export const TARGET_WORST_MS = 250;
/** The transaction the probe asks about: as large as one of the API load's. */
const PROBED_TRANSACTION_DEVICES = 1000;
/** Failures kept to print (the rest are counted). */
const FAILURES_SHOWN = 3;

/** One probe's answers: their latencies, and how many were wrong or failed. */
export interface Probed {
  ms: number[];
  failed: number;
}

export interface Series {
  healthz: Probed;
  status: Probed;
  /** The first failures, to print. */
  failures: string[];
}

/**
 * Probes every 50 ms until `work` settles, then waits for the probes in flight. Each tick
 * sends both calls without waiting for earlier ones: a stalled gateway shows as many slow
 * answers, not as one.
 */
export async function probeWhile(gatewayUrl: string, api: ResellerClient, enrollmentId: string, work: Promise<unknown>): Promise<Series> {
  const series: Series = { healthz: { ms: [], failed: 0 }, status: { ms: [], failed: 0 }, failures: [] };
  const agent = keptAliveAgent();
  const inFlight = new Set<Promise<void>>();
  const track = (call: Promise<Answer>, into: Probed, name: string, check: (a: Answer) => string | undefined) => {
    const fail = (what: string) => {
      into.failed++;
      if (series.failures.length < FAILURES_SHOWN) series.failures.push(`${name}: ${what}`);
    };
    const p = call.then(
      (a) => {
        into.ms.push(a.ms);
        const problem = check(a);
        if (problem) fail(problem);
      },
      (err: unknown) => fail((err as Error).message),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const tick = () => {
    track(httpRequest(`${gatewayUrl}/healthz`, { method: 'GET', agent }), series.healthz, 'healthz', (a) => (a.status === 200 ? undefined : `HTTP ${a.status} ${a.body.slice(0, 200)}`));
    track(api.checkStatus(enrollmentId), series.status, 'check-transaction-status', (a) => {
      const r = readComplete(a);
      return 'error' in r ? r.error : undefined;
    });
  };
  tick();
  const timer = setInterval(tick, PROBE_INTERVAL_MS);
  try {
    await work.catch(() => undefined);
  } finally {
    clearInterval(timer);
    while (inFlight.size > 0) await Promise.all(inFlight);
    agent.destroy();
  }
  return series;
}

/** Posts the transaction that check-transaction-status is probed with; its enrollment id. */
export async function postProbedTransaction(api: ResellerClient): Promise<string> {
  const devices = Array.from({ length: PROBED_TRANSACTION_DEVICES }, (_, i) => serial(i, 'P'));
  const posted = await api.bulkEnroll(bulkEnrollBody('PROBE-1', 'PROBE0000001', 0, devices));
  if (!posted.ok) throw new Error(`the probed transaction was refused: ${posted.error}`);
  return posted.enrollmentId;
}

/** POST /v1/documents of the CSV as the reseller: how long the ingest took; throws unless all of it applied. */
async function upload(gatewayUrl: string, key: string, csv: string, serials: number): Promise<number> {
  const agent = keptAliveAgent(1);
  const started = process.hrtime.bigint();
  try {
    const a = await httpRequest(`${gatewayUrl}/v1/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'x-file-name': basename(csv), 'content-type': 'text/csv' },
      body: { stream: createReadStream(csv), bytes: statSync(csv).size },
      agent,
    });
    const seconds = secondsSince(started);
    const result = a.status === 201 ? (JSON.parse(a.body) as { status: string; summary: { devicesEnrolled?: number } }) : undefined;
    if (result?.status !== 'applied' || result.summary.devicesEnrolled !== serials) {
      throw new Error(`the upload of ${int(serials)} serials was answered HTTP ${a.status}: ${a.body.slice(0, 500)}`);
    }
    return seconds;
  } finally {
    agent.destroy();
  }
}

interface Row {
  database: Database;
  ingestS: number;
  idle: Series;
  loaded: Series;
}

async function probeOne(target: Target, workDir: string, csv: string, serials: number): Promise<Row> {
  let gateway: ServedChild | undefined;
  let api: ResellerClient | undefined;
  try {
    const served = await serveSeeded(target, workDir, 'probe');
    gateway = served.gateway;
    api = new ResellerClient(gateway.url, served.key);
    const enrollmentId = await postProbedTransaction(api);
    const idle = await probeWhile(gateway.url, api, enrollmentId, sleep(IDLE_PROBE_MS));
    const ingest = upload(gateway.url, served.key, csv, serials);
    const loaded = await probeWhile(gateway.url, api, enrollmentId, ingest);
    const ingestS = await ingest;
    process.stdout.write(`${target.database}: the ${int(serials)}-serial CSV took ${ingestS.toFixed(1)} s over POST /v1/documents (applied)\n`);
    for (const f of [...idle.failures, ...loaded.failures]) process.stdout.write(`${target.database}: probe failed: ${f}\n`);
    if ([idle, loaded].some((s) => s.healthz.failed + s.status.failed > 0)) process.exitCode = 1;
    return { database: target.database, ingestS, idle, loaded };
  } finally {
    api?.close();
    await gateway?.stop();
    target.dispose();
  }
}

export async function runProbeBench(targets: readonly MakeTarget[], serials: number, workDir: string): Promise<void> {
  const csv = join(workDir, `probe-ship-notice-${serials}.csv`);
  await writeShipNoticeCsv(csv, serials);
  process.stdout.write(
    `probe under load: GET /healthz and check-transaction-status (${int(PROBED_TRANSACTION_DEVICES)} devices) every ${PROBE_INTERVAL_MS} ms, ` +
      `idle for ${IDLE_PROBE_MS / 1000} s, then while a ${int(serials)}-serial CSV (${(statSync(csv).size / MIB).toFixed(1)} MiB) is ingested over HTTP\n`,
  );
  const rows: Row[] = [];
  for (const make of targets) rows.push(await probeOne(make(workDir, 'probe'), workDir, csv, serials));
  const probes = [
    ['GET /healthz', (s: Series) => s.healthz],
    ['check-transaction-status', (s: Series) => s.status],
  ] as const;
  process.stdout.write(
    '\n' +
      table(
        ['database', 'probe', 'ingest s', 'idle: answers', 'idle: p99 ms', 'idle: worst ms', 'during ingest: answers', 'during ingest: p99 ms', `during ingest: worst ms (target <= ${TARGET_WORST_MS})`, 'failed'],
        rows.flatMap((r) =>
          probes.map(([probe, of]) => {
            const idle = summarise(of(r.idle).ms);
            const loaded = summarise(of(r.loaded).ms);
            return [
              r.database,
              probe,
              r.ingestS.toFixed(1),
              int(idle.count),
              idle.p99Ms.toFixed(0),
              idle.maxMs.toFixed(0),
              int(loaded.count),
              loaded.p99Ms.toFixed(0),
              against(loaded.maxMs.toFixed(0), loaded.maxMs <= TARGET_WORST_MS),
              int(of(r.idle).failed + of(r.loaded).failed),
            ];
          }),
        ),
      ),
  );
}
