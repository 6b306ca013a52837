// A gateway killed while a partner's upload is spooling leaves the partner's bytes in its
// spool folder; the next `serve` removes them at start. The real process, SIGKILLed.
import { expect } from 'chai';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { databaseKind } from '../support/db.js';
import { KEY_A } from '../support/http.js';
import { CLI, startCliGateway } from '../support/cli-gateway.js';


/** `serve` on a free port; answers the child and its URL once it listens. */
function serve(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  return startCliGateway(['serve', '--port', '0'], env);
}

/** The spool folder's upload files (none while it does not exist yet). */
function uploads(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.startsWith('http-'));
  } catch {
    return [];
  }
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe(`serve: an upload cut short by a killed gateway leaves no spool file (${databaseKind()})`, function () {
  this.timeout(60_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const spool = () => join(dir, 'spool');
  const children: ChildProcess[] = [];
  const schema = `gw_cli_spool_${randomBytes(4).toString('hex')}`;

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'gw-cli-spool-'));
    env = { ...process.env, GATEWAY_SQLITE_PATH: join(dir, 'g.sqlite3'), GATEWAY_SPOOL_DIR: spool() };
    if (process.env.DATABASE_URL) env.GATEWAY_PG_SCHEMA = schema;
    expect(spawnSync(process.execPath, [CLI, 'seed'], { env }).status).to.equal(0);
  });
  after(async function () {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    if (process.env.DATABASE_URL) {
      const db = knexFactory({ client: 'pg', connection: process.env.DATABASE_URL });
      await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
      await db.destroy();
    }
  });

  it('the next serve removes the partner file a killed one was receiving', async function () {
    const first = await serve(env);
    children.push(first.child);
    // An upload that sends its first bytes and then waits: the gateway is spooling it.
    const req = http.request(`${first.url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'text/csv', 'content-length': '1000000' } });
    req.on('error', () => undefined); // the gateway dies under it
    req.write('order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number\n');
    await until('the upload to be spooled', () => uploads(spool()).length > 0);
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    req.destroy();
    expect(uploads(spool())).to.have.lengthOf(1);

    const second = await serve(env);
    children.push(second.child);
    expect(uploads(spool())).to.deep.equal([]);
    const exitedAgain = new Promise((resolve) => second.child.once('exit', resolve));
    second.child.kill('SIGTERM');
    await exitedAgain;
  });
});
