// The command line as a newcomer and an operator use it: the sample trial that `npm start`
// runs, and the admin commands, each in its own process on a fresh database.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { createRequire } from 'node:module';
import { CONFIG_SCHEMAS } from '../../src/config.js';
import { DOCUMENT_SCHEMAS } from '../../src/model/documents.js';
import { mappingSchemas } from '../../src/mapping/mapping.js';
import { schemaSetHash } from '../../src/model/validators.js';
import { databaseKind } from '../support/db.js';

const CLI = join('dist', 'src', 'cli.js');

/** Environment for one fresh database: a temp SQLite file, or a fresh PostgreSQL schema. */
function freshEnv(): { env: NodeJS.ProcessEnv; cleanup(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'gw-cli-'));
  const env: NodeJS.ProcessEnv = { ...process.env, GATEWAY_SQLITE_PATH: join(dir, 'g.sqlite3') };
  const schema = `gw_cli_${randomBytes(4).toString('hex')}`;
  if (process.env.DATABASE_URL) env.GATEWAY_PG_SCHEMA = schema;
  return {
    env,
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
      if (process.env.DATABASE_URL) {
        const db = knexFactory({ client: 'pg', connection: process.env.DATABASE_URL });
        await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
        await db.destroy();
      }
    },
  };
}

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe(`command line (${databaseKind()})`, function () {
  this.timeout(60000);

  it('--help, help COMMAND, COMMAND --help and --version exit 0; an unknown command or option is 2, on stderr', async function () {
    const { env, cleanup } = freshEnv();
    try {
      const all = cli(env, '--help');
      expect(all.code).to.equal(0);
      expect(all.stdout).to.match(/^usage: abm-edi-gateway <command>/);
      expect(all.stdout).to.include('ingest FILE --partner ID').and.to.include('Exit codes: 0 done');
      expect(cli(env, 'help').code).to.equal(0);
      expect(cli(env).code).to.equal(0);
      const one = cli(env, 'ingest', '--help');
      expect(one.code).to.equal(0);
      expect(one.stdout).to.match(/^Usage: abm-edi-gateway ingest FILE --partner ID/);
      expect(one.stdout).to.include('--partner <value>  who sent the file: a reseller number, or APPLE').and.include('--json').and.include('Examples:').and.not.include('org add');
      const two = cli(env, 'help', 'key', 'create');
      expect(two.code).to.equal(0);
      expect(two.stdout).to.match(/^Usage: abm-edi-gateway key create/);
      expect(two.stdout).to.include('abm-edi-gateway key create --role org-admin --org-id');
      // A group alone lists its commands, as a mistake (it names no command).
      const group = cli(env, 'org');
      expect(group.code).to.equal(2);
      expect(group.stdout + group.stderr).to.include('set-server');
      const version = cli(env, '--version');
      expect(version.code).to.equal(0);
      expect(version.stdout).to.match(/^abm-edi-gateway \d+\.\d+\.\d+\n$/);
      const unknown = cli(env, 'frobnicate');
      expect(unknown.code).to.equal(2);
      expect(unknown.stderr).to.match(/^error: unknown command 'frobnicate'/);
      expect(unknown.stdout).to.equal('');
      const badOption = cli(env, 'org', 'list', '--bogus');
      expect(badOption.code).to.equal(2);
      expect(badOption.stderr).to.match(/^error: unknown option '--bogus'/);
      const missing = cli(env, 'ingest');
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.include("missing required argument 'file'");
      const usageMistake = cli(env, 'reseller', 'ship-to-status', '--ship-to', '0000052010');
      expect(usageMistake.code).to.equal(2);
      expect(usageMistake.stderr).to.include('give exactly one of --active or --inactive').and.include('usage: abm-edi-gateway reseller ship-to-status');
      // Which database the command line opens, said without opening (or creating) it; never a password.
      const which = cli(env, 'database');
      expect(which.code).to.equal(0);
      const answer = JSON.parse(which.stdout) as Record<string, unknown>;
      if (process.env.DATABASE_URL) expect(answer).to.include({ database: 'postgresql', schema: env.GATEWAY_PG_SCHEMA });
      else expect(answer).to.deep.equal({ database: 'sqlite', path: env.GATEWAY_SQLITE_PATH, exists: false });
      if (!process.env.DATABASE_URL) {
        // A command that only reads never creates a database: run from the wrong folder, it says where it looked.
        const missing = cli(env, 'device', 'show', '--serial', 'ABCDEFGH1234');
        expect(missing.code).to.equal(1);
        expect(missing.stderr).to.include(`no database at ${env.GATEWAY_SQLITE_PATH}`);
        expect(existsSync(env.GATEWAY_SQLITE_PATH!)).to.equal(false);
      }
    } finally {
      await cleanup();
    }
  });

  it('demo: loads samples, prints where it listens and a curl that enrolls the sample order', async function () {
    const { env, cleanup } = freshEnv();
    const child = spawn(process.execPath, [CLI, 'demo', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stderr = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 30000);
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const m = /listening on (http:\/\/[^\s]+)/.exec(stderr);
          if (m && stderr.includes('Stop with Ctrl-C')) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('exit', (code) => reject(new Error(`demo exited ${code}: ${stderr}`)));
      });
      // The printed curl, taken apart: its URL, its key and its body file.
      const curl = stderr.split('\n').find((l) => l.includes('bulk-enroll-devices'))!;
      const endpoint = /(http:\/\/\S+bulk-enroll-devices)/.exec(curl)![1]!;
      expect(endpoint.startsWith(url)).to.equal(true);
      const key = /Bearer ([^']+)'/.exec(curl)![1]!;
      const file = /--data @(\S+)/.exec(curl)![1]!;
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
      const bulk = (await (await fetch(endpoint, { method: 'POST', headers, body: readFileSync(file) })).json()) as {
        deviceEnrollmentTransactionId: string;
        enrollDevicesResponse: { statusCode: string };
      };
      expect(bulk.enrollDevicesResponse.statusCode).to.equal('SUCCESS');
      const statusBody = JSON.stringify({
        requestContext: { shipTo: '0000052010', timeZone: '420', langCode: 'en' },
        depResellerId: '16FCE4A0',
        deviceEnrollmentTransactionId: bulk.deviceEnrollmentTransactionId,
      });
      const status = (await (await fetch(endpoint.replace('bulk-enroll-devices', 'check-transaction-status'), { method: 'POST', headers, body: statusBody })).json()) as {
        statusCode: string;
        orders: { deliveries: { devices: { devicePostStatus: string }[] }[] }[];
      };
      expect(status.statusCode).to.equal('COMPLETE');
      const devices = status.orders[0]!.deliveries[0]!.devices;
      expect(devices).to.have.length(3);
      expect(devices.every((d) => d.devicePostStatus === 'COMPLETE')).to.equal(true);
      // Every printed example works as pasted: a key for each role, and a request each may make.
      const examples = stderr.split('\n').filter((l) => /^\s+curl -s "http/.test(l));
      expect(examples).to.have.length(3);
      for (const line of examples) {
        const [, target, exampleKey] = /curl -s "([^"]+)" -H 'Authorization: Bearer ([^']+)'/.exec(line)!;
        expect((await fetch(target!, { headers: { authorization: `Bearer ${exampleKey!}` } })).status, line).to.equal(200);
      }
      for (const role of ['operator', 'org_admin 19827', 'finance', 'metrics']) expect(stderr).to.match(new RegExp(`^  ${role}\\s+gwk_`, 'm'));
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).to.equal(0);
      // The device is where the sample order put it, on the default server for iPads.
      const shown = cli(env, 'device', 'show', '--serial', 'DMPX1A2B3C4D');
      expect(shown.code).to.equal(0);
      const report = JSON.parse(shown.stdout) as { state: string; organisation: string; server: string };
      expect(report).to.include({ state: 'enrolled', organisation: '19827', server: 'Northwind MDM (iPad)' });
      // A second npm start says what it found and how to start over, instead of seven duplicates.
      const again = spawnSync(process.execPath, [CLI, 'demo', '--no-serve'], { env, encoding: 'utf8' });
      expect(again.status).to.equal(0);
      expect(again.stderr).to.match(/The sample data is loaded already, in .*: .*\nTo start over/);
      expect(again.stderr).not.to.include('duplicate');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await cleanup();
    }
  });

  it('admin commands: add, key, link, release, lookups; refusals are coded and exit non-zero', async function () {
    const { env, cleanup } = freshEnv();
    try {
      expect(cli(env, 'org', 'add', '--org-id', 'ORG1', '--name', 'Org One', '--country', 'FR', '--apple-customer-number', '000042').code).to.equal(0);
      const dup = cli(env, 'org', 'add', '--org-id', 'ORG2', '--name', 'Org Two', '--country', 'FR', '--apple-customer-number', '42');
      expect(dup.code).to.equal(1);
      expect(dup.stderr).to.match(/GW-ADM-EXISTS.*42/);
      expect(cli(env, 'reseller', 'add', '--reseller-id', 'AB12CD34', '--name', 'R', '--ship-to', '0000000001').code).to.equal(0);
      const key = cli(env, 'key', 'create', '--reseller-id', 'AB12CD34');
      expect(key.code).to.equal(0);
      expect(key.stdout).to.match(/^credential \d+\ngwk_[A-Za-z0-9_-]{32}\n$/);
      const listed = cli(env, 'key', 'list', '--reseller-id', 'AB12CD34');
      expect(listed.stdout).to.not.include(key.stdout.split('\n')[1]!);
      expect(cli(env, 'link', 'add', '--org-id', 'ORG1', '--reseller-id', 'AB12CD34').stdout).to.match(/linked; 0 pending/);
      const bad = cli(env, 'org', 'set-server', '--org-id', 'ORG1', '--family', 'Toaster', '--server', 'X');
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.match(/unknown device family Toaster/);
      const release = cli(env, 'device', 'release', '--org-id', 'ORG1', '--serial', 'ABCDEFGH1234', '--reason', 'sold');
      expect(release.code).to.equal(1);
      expect(release.stderr).to.match(/GW-DE-4311/);
      const missing = cli(env, 'device', 'show', '--serial', 'NOPE00000000');
      expect(missing.code).to.equal(1);
      const usage = cli(env, 'org', 'add', '--name', 'x');
      expect(usage.code).to.equal(2);
      expect(usage.stderr).to.match(/--org-id is required/);
      const orgs = JSON.parse(cli(env, 'org', 'list').stdout) as { orgId: string; appleCustomerNumbers: string[]; resellers: string[] }[];
      expect(orgs).to.deep.equal([{ orgId: 'ORG1', name: 'Org One', country: 'FR', appleCustomerNumbers: ['42'], defaultServers: {}, resellers: ['AB12CD34'] }]);
    } finally {
      await cleanup();
    }
  });

  it('--json: a command that says what it did says it as data for a script', async function () {
    const { env, cleanup } = freshEnv();
    try {
      const json = (...args: string[]) => {
        const r = cli(env, ...args, '--json');
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(0);
        return JSON.parse(r.stdout) as Record<string, unknown>;
      };
      expect(json('migrate')).to.deep.equal({ schema: 'up to date' });
      expect(json('org', 'add', '--org-id', 'ORG1', '--name', 'Org One', '--country', 'FR')).to.deep.equal({ orgId: 'ORG1', name: 'Org One', country: 'FR' });
      expect(json('org', 'add-customer-number', '--org-id', 'ORG1', '--number', '77')).to.deep.equal({ orgId: 'ORG1', appleCustomerNumber: '77' });
      expect(json('reseller', 'add', '--reseller-id', 'AB12CD34', '--name', 'R')).to.deep.equal({ supplierId: 'AB12CD34', kind: 'reseller', name: 'R' });
      expect(json('reseller', 'add-ship-to', '--reseller-id', 'AB12CD34', '--ship-to', '0000000001')).to.deep.equal({ resellerId: 'AB12CD34', shipTo: '0000000001', active: true });
      expect(json('reseller', 'ship-to-status', '--ship-to', '0000000001', '--inactive')).to.deep.equal({ shipTo: '0000000001', active: false });
      const key = json('key', 'create', '--role', 'org-admin', '--org-id', 'ORG1');
      expect(key).to.include({ role: 'org_admin' });
      expect(key.key).to.match(/^gwk_org_[A-Za-z0-9_-]+$/);
      const listed = JSON.parse(cli(env, 'key', 'list', '--role', 'org-admin', '--json').stdout) as { keyId: string }[];
      expect(listed.map((k) => k.keyId)).to.deep.equal([key.keyId]);
      expect(json('link', 'add', '--org-id', 'ORG1', '--reseller-id', 'AB12CD34')).to.deep.equal({ orgId: 'ORG1', resellerId: 'AB12CD34', pendingDevicesEnrolled: 0 });
      expect(json('org', 'set-server', '--org-id', 'ORG1', '--family', 'Mac', '--server', 'MDM 1')).to.deep.equal({ orgId: 'ORG1', family: 'Mac', server: 'MDM 1' });
      expect(json('key', 'revoke', '--key-id', String(key.keyId))).to.deep.equal({ keyId: key.keyId, revoked: true });
      expect(json('link', 'remove', '--org-id', 'ORG1', '--reseller-id', 'AB12CD34')).to.deep.equal({ orgId: 'ORG1', resellerId: 'AB12CD34', linked: false });
      // Without --json, the same kind of command says it in a sentence.
      expect(cli(env, 'link', 'add', '--org-id', 'ORG1', '--reseller-id', 'AB12CD34').stdout).to.equal('linked; 0 pending device(s) enrolled\n');
    } finally {
      await cleanup();
    }
  });

  it('the build ships the validators generated from the schemas in use, so a process does not compile them', function () {
    for (const [dir, set] of [['src', CONFIG_SCHEMAS], ['src/model', DOCUMENT_SCHEMAS], ['src/mapping', mappingSchemas()]] as const) {
      const generated = createRequire(import.meta.url)(join(process.cwd(), 'dist', dir, set.file)) as Record<string, unknown> & { schemaHash: string };
      expect(generated.schemaHash, set.file).to.equal(schemaSetHash(set));
      for (const name of Object.keys(set.schemas)) expect(generated[name], `${set.file}: ${name}`).to.be.a('function');
    }
  });
});
