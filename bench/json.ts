// JSON documents at the size limit (`--only json`): each of three 32 MiB documents
// (bench/generate.ts writeJsonDocument: orders of 1,000 devices, one order of 100,000-device
// deliveries, orders that are nested arrays) is posted to POST /v1/documents of a fresh
// `serve`, while GET /healthz and check-transaction-status are probed every 50 ms. Printed:
// the answer, how long it took, the probes' worst latency, and the peak resident memory
// of the serving process and of its largest intake process, each against 256 MiB.
// The reference, in the same run: the probes on the idle gateway for 2 s before.
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonDocument, type JsonBenchShape } from './generate.js';
import { postProbedTransaction, probeWhile, PROBE_INTERVAL_MS, TARGET_WORST_MS, type Series } from './probe.js';
import { ResellerClient, serveSeeded } from './reseller.js';
import { MIB, against, httpRequest, int, keptAliveAgent, secondsSince, sleep, summarise, table, type ServedChild } from './support.js';
import type { Database, MakeTarget } from './targets.js';

/** The gateway's default JSON document limit (INTAKE_LIMITS.maxJsonDocumentBytes): the documents fill it. */
const DOCUMENT_BYTES = 32 * MIB;
/** The issue's memory target for the serving process (and each intake process). */
const TARGET_PEAK_MIB = 256;
const IDLE_PROBE_MS = 2000;

interface Shape {
  shape: JsonBenchShape;
  /** The answer expected: applied with every device enrolled, or rejected. */
  expect: 'applied' | 'rejected';
}

const SHAPES: Shape[] = [
  { shape: 'orders', expect: 'applied' },
  { shape: 'one-order', expect: 'applied' },
  { shape: 'nested-arrays', expect: 'rejected' },
];

interface Row {
  database: Database;
  shape: JsonBenchShape;
  answer: string;
  seconds: number;
  idle: Series;
  loaded: Series;
  /** serve's resident memory just before the upload: started, seeded, one transaction applied. */
  serveBeforeMib: number;
  servePeakMib: number;
  intakePeakMib: number;
}

/** Posts the document and checks the answer; what it was, for the table. */
async function upload(gatewayUrl: string, key: string, path: string, expected: Shape['expect'], devices: number): Promise<string> {
  const agent = keptAliveAgent(1);
  try {
    const a = await httpRequest(`${gatewayUrl}/v1/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'x-file-name': 'bench.json', 'content-type': 'application/json' },
      body: { stream: createReadStream(path), bytes: statSync(path).size },
      agent,
    });
    const body = JSON.parse(a.body) as { status?: string; summary?: { devicesEnrolled?: number }; errors?: { code: string }[] };
    const answer = `${a.status} ${body.status ?? '?'}${body.errors?.[0] ? ` (${body.errors[0].code})` : ''}`;
    const right = expected === 'applied' ? a.status === 201 && body.status === 'applied' && body.summary?.devicesEnrolled === devices : a.status === 422 && body.status === 'rejected';
    if (!right) {
      process.exitCode = 1;
      process.stdout.write(`the document was answered HTTP ${a.status}, not ${expected}${expected === 'applied' ? ` with ${int(devices)} devices` : ''}: ${a.body.slice(0, 500)}\n`);
    }
    return answer;
  } finally {
    agent.destroy();
  }
}

async function measureOne(make: MakeTarget, workDir: string, s: Shape, path: string, devices: number): Promise<Row> {
  const target = make(workDir, `json-${s.shape}`);
  let gateway: ServedChild | undefined;
  let api: ResellerClient | undefined;
  try {
    const served = await serveSeeded(target, workDir, `json-${s.shape}`);
    gateway = served.gateway;
    api = new ResellerClient(gateway.url, served.key);
    const enrollmentId = await postProbedTransaction(api);
    const idle = await probeWhile(gateway.url, api, enrollmentId, sleep(IDLE_PROBE_MS));
    const serveBeforeMib = gateway.status().rssKb / 1024;
    const started = process.hrtime.bigint();
    const posted = upload(gateway.url, served.key, path, s.expect, devices);
    const loaded = await probeWhile(gateway.url, api, enrollmentId, posted);
    const answer = await posted;
    const seconds = secondsSince(started);
    // VmHWM over the process's life: start, seeding reads and the document.
    const servePeakMib = gateway.status().hwmKb / 1024;
    // Each intake process against the target: on PostgreSQL there are two, and one takes a document.
    const intakePeakMib = Math.max(0, ...gateway.helperPeaksKb()) / 1024;
    for (const f of [...idle.failures, ...loaded.failures]) process.stdout.write(`${target.database} ${s.shape}: probe failed: ${f}\n`);
    if ([idle, loaded].some((x) => x.healthz.failed + x.status.failed > 0)) process.exitCode = 1;
    process.stdout.write(`${target.database}: ${s.shape} answered ${answer} in ${seconds.toFixed(1)} s\n`);
    return { database: target.database, shape: s.shape, answer, seconds, idle, loaded, serveBeforeMib, servePeakMib, intakePeakMib };
  } finally {
    api?.close();
    await gateway?.stop();
    target.dispose();
  }
}

export async function runJsonBench(targets: readonly MakeTarget[], workDir: string): Promise<void> {
  process.stdout.write(
    `JSON documents of ${DOCUMENT_BYTES / MIB} MiB posted to POST /v1/documents, GET /healthz and check-transaction-status probed every ${PROBE_INTERVAL_MS} ms ` +
      `(idle for ${IDLE_PROBE_MS / 1000} s first)\n`,
  );
  const rows: Row[] = [];
  for (const s of SHAPES) {
    const path = join(workDir, `json-${s.shape}.json`);
    const devices = await writeJsonDocument(path, s.shape, DOCUMENT_BYTES);
    process.stdout.write(`${s.shape}: ${(statSync(path).size / MIB).toFixed(1)} MiB, ${int(devices)} devices\n`);
    for (const make of targets) rows.push(await measureOne(make, workDir, s, path, devices));
  }
  const worst = (x: Series) => Math.max(summarise(x.healthz.ms).maxMs, summarise(x.status.ms).maxMs);
  process.stdout.write(
    '\n' +
      table(
        [
          'database',
          'document',
          'answer',
          's',
          'idle: worst probe ms',
          `during: worst probe ms (target <= ${TARGET_WORST_MS})`,
          'serve RSS before MiB',
          `serve peak RSS MiB (target < ${TARGET_PEAK_MIB})`,
          'largest intake process peak RSS MiB',
        ],
        rows.map((r) => [
          r.database,
          r.shape,
          r.answer,
          r.seconds.toFixed(1),
          worst(r.idle).toFixed(0),
          against(worst(r.loaded).toFixed(0), worst(r.loaded) <= TARGET_WORST_MS),
          r.serveBeforeMib.toFixed(0),
          against(r.servePeakMib.toFixed(0), r.servePeakMib < TARGET_PEAK_MIB),
          against(r.intakePeakMib.toFixed(0), r.intakePeakMib < TARGET_PEAK_MIB),
        ]),
      ),
  );
}
