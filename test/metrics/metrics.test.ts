// /metrics over real HTTP on a real database (SQLite, or PostgreSQL when DATABASE_URL is
// set): documents counted per channel, format and outcome as they are ingested (HTTP
// upload, the command line's path, the reseller API), devices by state read from the
// database, request latency per declared route (never per raw path), process metrics,
// and who may read it. The registry belongs to the process and other suites run in the
// same one: every check is a difference between two scrapes.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import knexFactory from 'knex';
import { join } from 'node:path';
import { expect } from 'chai';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import type { RunningServer } from '../../src/channels/http/server.js';
import { ingestCommand, intakeDeps } from '../../src/cli-documents.js';
import { METRIC_DEVICE_STATES, PrometheusGatewayMetrics } from '../../src/metrics/metrics.js';
import { databaseKind, sampleDatabase, type TestDb } from '../support/db.js';
import { bulk, call, KEY_A, order, startGateway } from '../support/http.js';
import { api, makeKey } from '../support/api.js';
import { tempDir } from '../intake/support.js';
import { METRICS_LIMITS } from '../../src/model/limits.js';

const HEADER = 'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text format, line by line: `name{a="x",b="y"} value`; comments left out. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The series of `name` whose labels are exactly `labels`; 0 when it does not exist yet. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels);
  const found = samples.filter(
    (s) => s.name === name && Object.keys(s.labels).length === want.length && want.every(([k, v]) => s.labels[k] === v),
  );
  expect(found.length, `${name}${JSON.stringify(labels)}`).to.be.at.most(1);
  return found[0]?.value ?? 0;
}

describe(`metrics (${databaseKind()})`, function () {
  this.timeout(30000);
  let t: TestDb;
  let gw: RunningServer;
  let spool: ReturnType<typeof tempDir>;
  let config: GatewayConfig;
  let metricsKey: string;

  before(async function () {
    t = await sampleDatabase();
    spool = tempDir('gw-metrics');
    config = { ...DEFAULT_CONFIG, intake: { ...DEFAULT_CONFIG.intake, spoolDir: join(spool.dir, 'spool') } };
    gw = await startGateway(t.db, { intake: config.intake });
    metricsKey = (await makeKey(t.db, 'metrics')).key;
  });
  after(async function () {
    await gw?.close();
    await t?.close();
    spool?.remove();
  });

  async function scrape(key = metricsKey): Promise<{ samples: Sample[]; text: string; contentType: string }> {
    const r = await api(gw.url, 'GET', '/metrics', key);
    expect(r.status, r.text).to.equal(200);
    return { samples: parseExposition(r.text), text: r.text, contentType: r.headers.get('content-type') ?? '' };
  }

  async function upload(csv: string, fileName: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`${gw.url}/v1/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'text/csv', 'x-file-name': fileName },
      body: csv,
    });
    return { status: res.status, body: await res.json() };
  }

  function file(name: string, content: string): string {
    const path = join(spool.dir, name);
    writeFileSync(path, content);
    return path;
  }

  it('counts documents per channel, format and outcome, devices enrolled, and requests per declared route', async function () {
    const before = (await scrape()).samples;

    // HTTP upload: one applied (2 devices for 19827, which has added 16FCE4A0), one rejected (no such organisation).
    const good = await upload(`${HEADER}\nMET-H-1,OR,2026-11-02,19827,PO-1,D-1,2026-11-03,METH0000001,,MW6F3LL/A\nMET-H-1,OR,2026-11-02,19827,PO-1,D-1,2026-11-03,METH0000002,,MW6F3LL/A\n`, 'met-h-good.csv');
    expect(good.status, JSON.stringify(good.body)).to.equal(201);
    expect(good.body).to.include({ status: 'applied', format: 'csv' });
    expect(good.body.summary.devicesEnrolled).to.equal(2);
    const bad = await upload(`${HEADER}\nMET-H-2,OR,2026-11-02,66666,PO-1,D-1,2026-11-03,METH0000003,,MW6F3LL/A\n`, 'met-h-bad.csv');
    expect(bad.status, JSON.stringify(bad.body)).to.equal(422);
    expect(bad.body.status).to.equal('rejected');

    // The command line's path: the same pipeline, channel cli.
    const deps = intakeDeps(t.db, config);
    const cliGood = await ingestCommand(
      deps,
      file('met-c-good.csv', `${HEADER}\nMET-C-1,OR,2026-11-02,19827,PO-1,D-1,2026-11-03,METC0000001,,MW6F3LL/A\nMET-C-1,OR,2026-11-02,19827,PO-1,D-1,2026-11-03,METC0000002,,MW6F3LL/A\nMET-C-1,OR,2026-11-02,19827,PO-1,D-1,2026-11-03,METC0000003,,MW6F3LL/A\n`),
      '16FCE4A0',
      undefined,
      'cli:test',
    );
    expect(cliGood.status).to.equal('applied');
    const cliBad = await ingestCommand(deps, file('met-c-bad.csv', `${HEADER}\nMET-C-2,OR,2026-11-02,66666,PO-1,D-1,2026-11-03,METC0000004,,MW6F3LL/A\n`), '16FCE4A0', undefined, 'cli:test');
    expect(cliBad.status).to.equal('rejected');
    // The same bytes again: a duplicate, not a second document.
    const cliAgain = await ingestCommand(deps, file('met-c-bad-again.csv', `${HEADER}\nMET-C-2,OR,2026-11-02,66666,PO-1,D-1,2026-11-03,METC0000004,,MW6F3LL/A\n`), '16FCE4A0', undefined, 'cli:test');
    expect(cliAgain.status).to.equal('duplicate');

    // The reseller API: a transaction applied, then the same one again (answered, not applied again).
    const tx = bulk('MET-TX-1', [order('MET-R-1', 'OR', '19827', ['METR0000001'])]);
    expect((await call(gw.url, 'bulk-enroll-devices', tx)).status).to.equal(200);
    expect((await call(gw.url, 'bulk-enroll-devices', tx)).status).to.equal(200);
    // One refused whole (no orders: DEP-ERR-3003): received, and failed.
    const empty = await call(gw.url, 'bulk-enroll-devices', bulk('MET-TX-2', []));
    expect(empty.text).to.include('DEP-ERR-3003');

    // A raw path with an id in it: its series is the route's pattern.
    const shown = await api(gw.url, 'GET', `/v1/documents/${good.body.documentId}`, KEY_A);
    expect(shown.status, shown.text).to.equal(200);

    const after = (await scrape()).samples;
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    const received = 'gateway_documents_received_total';
    expect(delta(received, { channel: 'http', format: 'csv', status: 'applied' })).to.equal(1);
    expect(delta(received, { channel: 'http', format: 'csv', status: 'rejected' })).to.equal(1);
    expect(delta('gateway_documents_failed_total', { channel: 'http', format: 'csv' })).to.equal(1);
    expect(delta(received, { channel: 'cli', format: 'csv', status: 'applied' })).to.equal(1);
    expect(delta(received, { channel: 'cli', format: 'csv', status: 'rejected' })).to.equal(1);
    expect(delta(received, { channel: 'cli', format: 'csv', status: 'duplicate' })).to.equal(1);
    expect(delta('gateway_documents_failed_total', { channel: 'cli', format: 'csv' })).to.equal(1);
    expect(delta(received, { channel: 'reseller-api', format: 'reseller-api', status: 'applied' })).to.equal(1);
    expect(delta(received, { channel: 'reseller-api', format: 'reseller-api', status: 'duplicate' })).to.equal(1);
    expect(delta(received, { channel: 'reseller-api', format: 'reseller-api', status: 'rejected' })).to.equal(1);
    expect(delta('gateway_documents_failed_total', { channel: 'reseller-api', format: 'reseller-api' })).to.equal(1);
    expect(delta('gateway_devices_enrolled_total', { channel: 'http' })).to.equal(2);
    expect(delta('gateway_devices_enrolled_total', { channel: 'cli' })).to.equal(3);
    // The reseller API's one device, once: the repeated transaction enrolls nothing again.
    expect(delta('gateway_devices_enrolled_total', { channel: 'reseller-api' })).to.equal(1);

    const count = 'gateway_http_request_duration_seconds_count';
    expect(delta(count, { method: 'POST', route: '/v1/documents', status: '201' })).to.equal(1);
    expect(delta(count, { method: 'POST', route: '/v1/documents', status: '422' })).to.equal(1);
    expect(delta(count, { method: 'GET', route: '/v1/documents/{id}', status: '200' })).to.equal(1);
    expect(delta(count, { method: 'POST', route: '/enroll-service/1.0/bulk-enroll-devices', status: '200' })).to.equal(2);
    // Each series has its buckets up to +Inf, which holds every observation.
    const inf = valueOf(after, 'gateway_http_request_duration_seconds_bucket', { method: 'POST', route: '/v1/documents', status: '201', le: '+Inf' });
    expect(inf).to.equal(valueOf(after, count, { method: 'POST', route: '/v1/documents', status: '201' }));
    const routes = new Set(after.filter((s) => s.name === count).map((s) => s.labels.route!));
    expect([...routes].filter((r) => r.includes(good.body.documentId as string) || r.includes('doc_'))).to.deep.equal([]);
    expect([...routes].filter((r) => r.includes(':'))).to.deep.equal([]);
  });

  it('reports devices by state as the database holds them, every state present', async function () {
    const { samples } = await scrape();
    const rows = (await t.db('devices').select('state').count({ n: '*' }).groupBy('state')) as { state: string; n: number | string }[];
    const inDb = new Map(rows.map((r) => [r.state, Number(r.n)]));
    expect(inDb.get('enrolled') ?? 0).to.be.greaterThan(0);
    for (const state of METRIC_DEVICE_STATES) expect(valueOf(samples, 'gateway_devices', { state }), state).to.equal(inDb.get(state) ?? 0);
    // Changed in the database: the next scrape says so (read at scrape time, not cached).
    const serial = (await t.db('devices').where({ state: 'enrolled' }).first('serial')) as { serial: string };
    const enrolled = valueOf(samples, 'gateway_devices', { state: 'enrolled' });
    await t.db('devices').where({ serial: serial.serial }).update({ state: 'released' });
    const next = (await scrape()).samples;
    expect(valueOf(next, 'gateway_devices', { state: 'enrolled' })).to.equal(enrolled - 1);
    await t.db('devices').where({ serial: serial.serial }).update({ state: 'enrolled' });
  });

  it('answers the text format 0.0.4 with help and types, and process metrics prefixed gateway_', async function () {
    const { text, contentType, samples } = await scrape();
    expect(contentType).to.match(/^text\/plain; version=0\.0\.4/);
    expect(text).to.include('# TYPE gateway_documents_received_total counter');
    expect(text).to.include('# TYPE gateway_documents_failed_total counter');
    expect(text).to.include('# TYPE gateway_devices gauge');
    expect(text).to.include('# TYPE gateway_devices_enrolled_total counter');
    expect(text).to.include('# TYPE gateway_http_request_duration_seconds histogram');
    expect(samples.some((s) => s.name === 'gateway_process_cpu_user_seconds_total')).to.equal(true);
    expect(samples.some((s) => s.name === 'gateway_nodejs_heap_size_used_bytes')).to.equal(true);
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).to.equal(false);
    // Series exist from the start (at 0 until counted), so rate() sees their first increase.
    const sftpX12Rejected = samples.filter((s) => s.name === 'gateway_documents_received_total' && s.labels.channel === 'sftp' && s.labels.format === 'x12' && s.labels.status === 'rejected');
    expect(sftpX12Rejected).to.have.length(1);
    expect(samples.filter((s) => s.name === 'gateway_devices_enrolled_total' && s.labels.channel === 'sftp')).to.have.length(1);
  });

  it('needs a metrics or operator key: 401 without one, 403 for an organisation admin, in the error schema', async function () {
    const none = await api(gw.url, 'GET', '/metrics', null);
    expect(none.status).to.equal(401);
    expect(none.body.error.code).to.be.a('string');
    expect(none.body.error.requestId).to.equal(none.headers.get('x-request-id'));
    const orgAdmin = await makeKey(t.db, 'org_admin', { orgId: '19827' });
    const refused = await api(gw.url, 'GET', '/metrics', orgAdmin.key);
    expect(refused.status).to.equal(403);
    expect(refused.headers.get('content-type')).to.match(/^application\/json/);
    expect(refused.body.error.code).to.be.a('string');
    expect(refused.text).to.not.include('gateway_');
    const reseller = await api(gw.url, 'GET', '/metrics', KEY_A);
    expect(reseller.status).to.equal(403);
    const operator = await makeKey(t.db, 'operator');
    const ok = await scrape(operator.key);
    expect(ok.text).to.include('gateway_http_request_duration_seconds_bucket');
  });
});

describe('metrics labels stay bounded', function () {
  it('maps unknown methods, statuses, channels and formats to "other", and caps distinct routes', async function () {
    const m = new PrometheusGatewayMetrics();
    m.observeRequest('BREW', '/v1/orders/:supplierId', 999, 0.01);
    m.documentReceived('carrier-pigeon', 'papyrus', 'applied');
    for (let i = 0; i < METRICS_LIMITS.maxRouteLabels + 50; i++) m.observeRequest('GET', `/generated/${i}`, 200, 0.001);
    const samples = parseExposition(await m.registry.metrics());
    expect(valueOf(samples, 'gateway_http_request_duration_seconds_count', { method: 'other', route: '/v1/orders/{supplierId}', status: 'other' })).to.equal(1);
    expect(valueOf(samples, 'gateway_documents_received_total', { channel: 'other', format: 'other', status: 'applied' })).to.equal(1);
    const routes = new Set(samples.filter((s) => s.name === 'gateway_http_request_duration_seconds_count').map((s) => s.labels.route));
    expect(routes.size).to.equal(METRICS_LIMITS.maxRouteLabels + 1); // the cap, and "other" for the rest
    expect(valueOf(samples, 'gateway_http_request_duration_seconds_count', { method: 'GET', route: 'other', status: '200' })).to.equal(51); // 550 routes: 499 fit beside the first, 51 do not
    expect(() => m.devicesEnrolled('http', -1)).to.throw(/invariant/);
  });

  it('a database that does not answer leaves the device gauge out, counts the failure, and still answers the rest', async function () {
    const m = new PrometheusGatewayMetrics();
    const broken = knexFactory({ client: 'sqlite3', connection: { filename: join(tmpdir(), 'gw-no-such-dir', 'nothing', 'x.sqlite3') },
      useNullAsDefault: true,
      // Its refusal to open is the point: not printed.
      log: { warn() {}, error() {}, debug() {}, deprecate() {} },
    });
    try {
      m.observeRequest('GET', '/healthz', 200, 0.001);
      const { body } = await m.render(broken);
      const samples = parseExposition(body);
      expect(samples.filter((s) => s.name === 'gateway_devices')).to.deep.equal([]);
      expect(valueOf(samples, 'gateway_devices_query_failures_total', {})).to.equal(1);
      expect(valueOf(samples, 'gateway_http_request_duration_seconds_count', { method: 'GET', route: '/healthz', status: '200' })).to.equal(1);
    } finally {
      await broken.destroy();
    }
  });
});
