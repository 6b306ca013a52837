// Graceful shutdown. The real `serve` in its own process, on a fresh database (a temp
// SQLite file, or a fresh PostgreSQL schema when DATABASE_URL is set): SIGTERM arrives
// while a large document is still being uploaded; the upload is finished and answered,
// its document committed, new connections refused, and the process exits 0, logging
// every step as JSON. Then the HTTP drain itself, in this process: a request on a
// kept-alive connection during the drain is answered 503, and a request that outlives
// the timeout is cut off and named.
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import express from 'express';
import knexFactory, { type Knex } from 'knex';
import { startServer } from '../../src/channels/http/server.js';
import { jsonLogger } from '../../src/log/logger.js';
import { databaseKind } from '../support/db.js';
import { KEY_A } from '../support/http.js';

/** The CLI built beside this test (dist/ under `npm test`); GW_CLI_PATH points it elsewhere. */
const CLI = process.env.GW_CLI_PATH ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli.js');
const HEADER = 'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number';
/** Generous bounds on waiting (never asserted as durations): the machine may be slow. */
const WAIT_MS = 30_000;

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Resolves once `check` answers something other than undefined; fails after WAIT_MS. */
async function waitFor<T>(what: string, check: () => T | undefined): Promise<T> {
  const until = Date.now() + WAIT_MS;
  for (;;) {
    const found = check();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`serve: graceful shutdown (${databaseKind()})`, function () {
  this.timeout(120_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const schema = `gw_cli_shutdown_${randomBytes(4).toString('hex')}`;
  let child: ChildProcess | undefined;

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'gw-cli-shutdown-'));
    env = { ...process.env, GATEWAY_SQLITE_PATH: join(dir, 'g.sqlite3'), GATEWAY_SPOOL_DIR: join(dir, 'spool') };
    if (process.env.DATABASE_URL) env.GATEWAY_PG_SCHEMA = schema;
    const seeded = cli(env, 'seed');
    expect(seeded.code, seeded.stderr).to.equal(0);
  });
  after(async function () {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    if (process.env.DATABASE_URL) {
      const db = knexFactory({ client: 'pg', connection: process.env.DATABASE_URL });
      await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
      await db.destroy();
    }
  });

  function openDb(): Knex {
    if (process.env.DATABASE_URL) return knexFactory({ client: 'pg', connection: process.env.DATABASE_URL, searchPath: [schema] });
    return knexFactory({ client: 'sqlite3', connection: { filename: join(dir, 'g.sqlite3') }, useNullAsDefault: true });
  }

  it('SIGTERM during an upload: the upload is answered 201 and committed, new connections are refused, exit 0, JSON logs', async function () {
    const started = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let stdout = '';
    let stderr = '';
    started.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    started.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
    const url = await waitFor('the listening line', () => /listening on (http:\/\/\S+)/.exec(stderr)?.[1]);
    const { hostname, port } = new URL(url);

    // A document of 2,000 devices (about 170 KB), sent in 40 pieces.
    const rows: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const n = String(i).padStart(7, '0');
      rows.push(`SHUT-1,OR,2026-11-02,19827,PO-SHUT,SHUT-D-${Math.floor(i / 500)},2026-11-03,SHUT${n},,MW6F3LL/A`);
    }
    const body = Buffer.from(`${HEADER}\n${rows.join('\n')}\n`);
    const pieces: Buffer[] = [];
    const pieceBytes = Math.ceil(body.length / 40);
    for (let at = 0; at < body.length; at += pieceBytes) pieces.push(body.subarray(at, at + pieceBytes));

    const answer = new Promise<{ status: number; requestId: string | undefined; connection: string | undefined; body: any }>((resolve, reject) => {
      const req = http.request(
        {
          host: hostname,
          port,
          method: 'POST',
          path: '/v1/documents',
          headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'text/csv', 'x-file-name': 'shutdown.csv', 'content-length': body.length },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, requestId: res.headers['x-request-id'] as string | undefined, connection: res.headers.connection, body: JSON.parse(text) }),
          );
        },
      );
      req.on('error', reject);
      (async () => {
        // The first half, then SIGTERM once the gateway is spooling it, then the rest.
        const half = Math.floor(pieces.length / 2);
        for (let i = 0; i < half; i++) {
          req.write(pieces[i]);
          await pause(10);
        }
        const spool = join(dir, 'spool');
        await waitFor('the upload to be spooling', () => {
          try {
            return readdirSync(spool).find((f) => f.startsWith('http-') && statSync(join(spool, f)).size > 0);
          } catch {
            return undefined; // the folder is made by the first upload
          }
        });
        started.kill('SIGTERM');
        await waitFor('the gateway to stop listening', () => (stdout.includes('"shutdown: stopped accepting connections"') ? true : undefined));
        // A new connection now: refused (the listening socket is closed).
        const refused = await new Promise<string>((resolveConnect) => {
          const socket = net.connect({ host: hostname, port: Number(port) });
          socket.once('connect', () => {
            socket.destroy();
            resolveConnect('connected');
          });
          socket.once('error', (err: NodeJS.ErrnoException) => resolveConnect(err.code ?? err.message));
        });
        expect(refused).to.equal('ECONNREFUSED');
        for (let i = half; i < pieces.length; i++) {
          req.write(pieces[i]);
          await pause(10);
        }
        req.end();
      })().catch(reject);
    });

    const reply = await answer;
    expect(reply.status, JSON.stringify(reply.body).slice(0, 500)).to.equal(201);
    expect(reply.body).to.include({ status: 'applied', format: 'csv' });
    expect(reply.body.summary.devicesEnrolled).to.equal(2000);
    // Answered during the drain: the connection is not kept for another request.
    expect(reply.connection).to.equal('close');

    const code = await Promise.race([exited, pause(WAIT_MS).then(() => 'still running')]);
    expect(code, stderr).to.equal(0);

    const db = openDb();
    try {
      const doc = (await db('documents').where({ document_id: reply.body.documentId }).first()) as { status: string } | undefined;
      expect(doc?.status).to.equal('applied');
      const devices = (await db('devices').where('serial', 'like', 'SHUT%').count({ n: '*' }).first()) as { n: number | string };
      expect(Number(devices.n)).to.equal(2000);
    } finally {
      await db.destroy();
    }

    // Every line on stdout is JSON; request lines carry their request id.
    const lines = stdout.split('\n').filter((l) => l !== '');
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const l of logged) expect(l).to.include.keys('time', 'level', 'msg');
    const requests = logged.filter((l) => l.msg === 'request');
    expect(requests.length).to.be.greaterThan(0);
    for (const r of requests) expect(r.requestId).to.be.a('string').and.match(/^[0-9a-f-]{36}$/);
    const upload = requests.find((r) => r.requestId === reply.requestId);
    expect(upload, 'the upload request line').to.include({ method: 'POST', path: '/v1/documents', status: 201 });
    expect(logged.find((l) => l.msg === 'document received')?.requestId).to.equal(reply.requestId);
    // The steps, in order.
    const steps = ['shutdown started', 'shutdown: stopped accepting connections', 'shutdown: http server closed', 'shutdown: audit entries written', 'shutdown: database closed; exiting'];
    const at = steps.map((s) => logged.findIndex((l) => l.msg === s));
    expect(at.every((i) => i >= 0), JSON.stringify(at)).to.equal(true);
    expect([...at].sort((a, b) => a - b)).to.deep.equal(at);
    const begun = logged[at[0]!]!;
    expect(begun.signal).to.equal('SIGTERM');
    expect((begun.inFlight as { requestId: string }[]).map((r) => r.requestId)).to.include(reply.requestId);
    expect(logged[at[2]!]).to.include({ finished: true, cutOff: 0 });
    expect(logged[at[4]!]).to.include({ cutOff: false, exitCode: 0 });
    // The upload's write went on the audit log before the database closed.
    const db2 = openDb();
    try {
      const audited = await db2('audit_log').where({ request_id: reply.requestId }).first();
      expect(audited, 'audit entry of the upload').to.not.equal(undefined);
    } finally {
      await db2.destroy();
    }
  });
});

describe('http drain', function () {
  this.timeout(60_000);

  /** An app with a route that answers its head at once and its end when told to. */
  function slowApp() {
    const app = express();
    const releases: (() => void)[] = [];
    let n = 0;
    app.use((_req, res, next) => {
      res.setHeader('X-Request-Id', `req-${++n}`);
      next();
    });
    app.get('/slow', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('started\n');
      releases.push(() => res.end('done\n'));
    });
    app.get('/fast', (_req, res) => {
      res.send('fast\n');
    });
    return { app, releases };
  }

  it('a request on a kept-alive connection during the drain is answered 503 with Connection: close, in the error schema', async function () {
    const { app, releases } = slowApp();
    const lines: string[] = [];
    const running = await startServer(app, { host: '127.0.0.1', port: 0, tls: null }, { logger: jsonLogger((l) => lines.push(l)) });
    const { port } = new URL(running.url);
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString()));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('GET /slow HTTP/1.1\r\nHost: gw\r\n\r\n');
    await waitFor('the slow answer to begin', () => (received.includes('started') ? true : undefined));
    const drained = running.drain(WAIT_MS);
    // The same connection, another request, after the drain began.
    socket.write('GET /v1/anything HTTP/1.1\r\nHost: gw\r\n\r\n');
    await waitFor('the refusal to be logged', () => lines.find((l) => l.includes('request refused: shutting down')));
    releases[0]!();
    await ended;
    const report = await drained;
    expect(report).to.include({ finished: true, inFlightAtStart: 1, refused: 1 });
    expect(received).to.match(/^HTTP\/1\.1 200 OK/);
    const second = received.slice(received.indexOf('HTTP/1.1 503'));
    expect(second).to.match(/^HTTP\/1\.1 503 /);
    expect(second.toLowerCase()).to.include('connection: close');
    expect(second.toLowerCase()).to.include('retry-after: ');
    const body = JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4)) as { error: { code: string; requestId: string } };
    expect(body.error.code).to.equal('GW-API-5030');
    const logged = JSON.parse(lines.find((l) => l.includes('request refused'))!) as { requestId: string; path: string };
    expect(logged).to.include({ requestId: body.error.requestId, path: '/v1/anything' });
  });

  it('a request that outlives the timeout is cut off and named by its request id', async function () {
    const { app } = slowApp();
    const running = await startServer(app, { host: '127.0.0.1', port: 0, tls: null });
    const { port } = new URL(running.url);
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString()));
    socket.on('error', () => undefined);
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('GET /fast HTTP/1.1\r\nHost: gw\r\n\r\nGET /slow HTTP/1.1\r\nHost: gw\r\n\r\n');
    await waitFor('the slow answer to begin', () => (received.includes('started') ? true : undefined));
    const report = await running.drain(100);
    await ended;
    expect(report.finished).to.equal(false);
    expect(report.cutOff.map((r) => ({ requestId: r.requestId, method: r.method, path: r.path }))).to.deep.equal([{ requestId: 'req-2', method: 'GET', path: '/slow' }]);
    expect(received).to.not.include('done');
    expect(running.server.listening).to.equal(false);
  });
});
