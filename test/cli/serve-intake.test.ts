// `serve` receives files off its HTTP thread (SQLite: an intake process; PostgreSQL:
// two intake processes), each with its own connection. The real process,
// on a fresh database: an upload applies and is answered with its result; a rejected
// one is answered 422 with its coded error; refusals raised in the worker (replaying a
// document that is not rejected) come back as the same HTTP answers; a corrected
// document replays; and while a file is being applied the HTTP loop answers /healthz.
import { expect } from 'chai';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { databaseKind } from '../support/db.js';
import { CLI, gatewayHome, startCliGateway, stopChild, type GatewayHome } from '../support/cli-gateway.js';
import { KEY_A } from '../support/http.js';
import { INTAKE_LIMITS } from '../../src/model/limits.js';

const HEADER = 'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number';

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function csv(order: string, org: string, serials: string[]): string {
  return `${HEADER}\n${serials.map((s) => `${order},OR,2026-11-02,${org},PO-${order},D-${order},2026-11-03,${s},,MW6F3LL/A`).join('\n')}\n`;
}

describe(`serve: files received by its intake workers (${databaseKind()})`, function () {
  this.timeout(120_000);
  let home: GatewayHome;
  let env: NodeJS.ProcessEnv;
  let child: ChildProcess | undefined;
  let url: string;

  before(async function () {
    home = gatewayHome('cli-worker');
    env = home.env;
    expect(cli(env, 'seed').code).to.equal(0);
    ({ child, url } = await startCliGateway(['serve', '--port', '0'], env));
  });
  after(async function () {
    await stopChild(child);
    await home?.remove();
  });

  async function upload(fileName: string, body: string): Promise<{ status: number; body: Record<string, any> }> {
    const res = await fetch(`${url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'text/csv', 'x-file-name': fileName }, body });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  async function replay(documentId: string): Promise<{ status: number; body: Record<string, any> }> {
    const res = await fetch(`${url}/v1/documents/${documentId}/replay`, { method: 'POST', headers: { authorization: `Bearer ${KEY_A}` } });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  it('starts its intake processes with a small young generation on PostgreSQL, V8\'s own on SQLite (INTAKE_LIMITS.intakeProcessSemiSpaceMb)', function () {
    // Linux names a process's children in /proc; the intake processes are serve's only ones.
    const children = readFileSync(`/proc/${child!.pid}/task/${child!.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    const postgres = databaseKind() === 'postgres';
    expect(children).to.have.length(postgres ? 2 : 1);
    for (const pid of children) {
      const capped = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(`--max-semi-space-size=${INTAKE_LIMITS.intakeProcessSemiSpaceMb}`);
      expect(capped, `intake process ${pid}`).to.equal(postgres);
    }
  });

  it('applies an upload, answers its result, and /healthz is answered while a larger file is applied', async function () {
    const serials = Array.from({ length: 20_000 }, (_, i) => `WRK${String(i).padStart(8, '0')}`);
    const big = upload('worker-big.csv', csv('WRK-1', '19827', serials));
    const health = await fetch(`${url}/healthz`);
    expect(health.status).to.equal(200);
    const answer = await big;
    expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    expect(answer.body).to.include({ status: 'applied', channel: 'http' });
    expect(answer.body.summary).to.include({ devicesEnrolled: 20_000 });
  });

  it('a rejected document is 422 with its error; replaying an applied one is refused 409 from the worker; the corrected one replays', async function () {
    const rejected = await upload('worker-rejected.csv', csv('WRK-2', '66001', ['WRKREJECT001']));
    expect(rejected.status).to.equal(422);
    expect(rejected.body.errors.map((e: { code: string }) => e.code)).to.deep.equal(['DEP-ERR-OR-4102']);
    const applied = await upload('worker-ok.csv', csv('WRK-3', '19827', ['WRKAPPLIED01']));
    const refused = await replay(applied.body.documentId as string);
    expect(refused.status).to.equal(409);
    expect(refused.body.error.code).to.equal('GW-DOC-6011');
    expect(cli(env, 'org', 'add', '--org-id', '66001', '--name', 'Worker School', '--country', 'US').code).to.equal(0);
    expect(cli(env, 'link', 'add', '--org-id', '66001', '--reseller-id', '16FCE4A0').code).to.equal(0);
    const replayed = await replay(rejected.body.documentId as string);
    expect(replayed.status, JSON.stringify(replayed.body)).to.equal(200);
    expect(replayed.body).to.include({ documentId: rejected.body.documentId, status: 'applied' });
  });

  it('an intake process that is killed is replaced: the next file applies', async function () {
      const [first] = childrenOf(child!.pid!).filter((pid) => commandLineOf(pid).includes('--abm-intake-process'));
      expect(first, 'an intake process').to.be.a('number');
      process.kill(first!, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const answer = await upload('after-kill.csv', csv('WRK-5', '19827', ['WRKAFTERKILL']));
      expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
      const [second] = childrenOf(child!.pid!).filter((pid) => commandLineOf(pid).includes('--abm-intake-process'));
      expect(second).to.be.a('number').and.not.equal(first);
    });

  it('Ctrl-C (SIGINT to serve and its intake process) while a file is applied: the file is answered, then both exit', async function () {
    const intakeProcesses = childrenOf(child!.pid!).filter((pid) => commandLineOf(pid).includes('--abm-intake-process'));
    // SQLite: one intake process of its own (one writer); PostgreSQL: two, ingesting side by side.
    expect(intakeProcesses.length).to.equal(databaseKind() === 'sqlite' ? 1 : 2);
    const serials = Array.from({ length: 20_000 }, (_, i) => `INT${String(i).padStart(8, '0')}`);
    const big = upload('interrupted.csv', csv('WRK-4', '19827', serials));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the upload has reached the gateway
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    for (const pid of [child!.pid!, ...intakeProcesses]) process.kill(pid, 'SIGINT');
    const answer = await big;
    expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    expect(answer.body.summary).to.include({ devicesEnrolled: 20_000 });
    expect(await exited).to.equal(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const pid of intakeProcesses) expect(existsSync(`/proc/${pid}`), `intake process ${pid} still running`).to.equal(false);
  });
});

/** The processes `pid` started, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function commandLineOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
}
