// Document intake from the command line, each command in its own process on one fresh
// database (a temp SQLite file, or a fresh PostgreSQL schema when DATABASE_URL is set):
// ingest a file, look at the document, fetch its ack, replay it after a correction.
// Runs the built CLI (dist/, as `npm test` builds it); GW_CLI_PATH points it elsewhere.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { parse } from 'csv-parse/sync';
import { databaseKind } from '../support/db.js';

const CLI = process.env.GW_CLI_PATH ?? join('dist', 'src', 'cli.js');

const HEADER = 'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number';

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe(`command line: document intake (${databaseKind()})`, function () {
  this.timeout(60000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const schema = `gw_cli_ingest_${randomBytes(4).toString('hex')}`;
  let sampleId: string;

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'gw-cli-ingest-'));
    env = { ...process.env, GATEWAY_SQLITE_PATH: join(dir, 'g.sqlite3'), GATEWAY_SPOOL_DIR: join(dir, 'spool') };
    if (process.env.DATABASE_URL) env.GATEWAY_PG_SCHEMA = schema;
    const seeded = cli(env, 'seed');
    expect(seeded.code, seeded.stderr).to.equal(0);
    expect(JSON.parse(seeded.stdout)).to.be.an('object');
  });
  after(async function () {
    rmSync(dir, { recursive: true, force: true });
    if (process.env.DATABASE_URL) {
      const db = knexFactory({ client: 'pg', connection: process.env.DATABASE_URL });
      await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
      await db.destroy();
    }
  });

  function file(name: string, content: string): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  it('ingest FILE --partner: prints the document id and "applied" with the counts', function () {
    const r = cli(env, 'ingest', 'samples/documents/brightline-ship-notice.csv', '--partner', '16FCE4A0');
    expect(r.code, r.stderr).to.equal(0);
    const m = /^document (doc_[0-9a-f-]{36}): applied$/m.exec(r.stdout);
    expect(m, r.stdout).to.not.equal(null);
    sampleId = m![1]!;
    expect(r.stdout).to.include('format csv, mapping brightline-csv; 2 purchase order(s), 2 ship notice(s), 6 device(s): 6 enrolled, 0 refused, 0 awaiting their order');
  });

  it('ingest --json: prints the whole result, parseable', function () {
    const r = cli(env, 'ingest', 'samples/documents/harbour-orders.json', '--partner', '2B7D9C10', '--json');
    expect(r.code, r.stderr).to.equal(0);
    const result = JSON.parse(r.stdout) as { documentId: string; status: string; format: string; summary: Record<string, number>; errors: unknown[] };
    expect(result).to.include({ status: 'applied', format: 'json' });
    expect(result.documentId).to.match(/^doc_/);
    expect(result.summary).to.deep.equal({ purchaseOrders: 1, shipNotices: 1, devices: 2, devicesEnrolled: 2, devicesRefused: 0, devicesAwaiting: 0 });
    expect(result.errors).to.deep.equal([]);
  });

  it('a broken file: exit code 3, the coded error with its line', function () {
    const path = file(
      'broken.csv',
      `${HEADER}\nCLI-BRK-1,OR,2026-11-02,19827,PO-1,D-1,2026-11-03,CLIBRK00001,,MW6F3LL/A\nCLI-BRK-1,OR,2026-11-02,19827,PO-1,D-1,2026-02-30,CLIBRK00002,,MW6F3LL/A\n`,
    );
    const r = cli(env, 'ingest', path, '--partner', '16FCE4A0');
    expect(r.code, r.stdout + r.stderr).to.equal(3);
    expect(r.stdout).to.match(/^document doc_[0-9a-f-]{36}: rejected$/m);
    expect(r.stdout).to.match(/GW-MAP-6202: .*2026-02-30.*broken\.csv, line 3/);
  });

  it('the same file again: "duplicate", naming the first document', function () {
    const r = cli(env, 'ingest', 'samples/documents/brightline-ship-notice.csv', '--partner', '16FCE4A0');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`document ${sampleId}: duplicate (first received as ${sampleId})`);
    expect(r.stdout).to.include('GW-DOC-6003');
  });

  it('an unknown partner: exit 1 with the reason', function () {
    const r = cli(env, 'ingest', 'samples/documents/brightline-ship-notice.csv', '--partner', 'NOBODY00');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/unknown partner NOBODY00/);
  });

  it('document show ID: status, summary and items', function () {
    const r = cli(env, 'document', 'show', sampleId);
    expect(r.code, r.stderr).to.equal(0);
    const doc = JSON.parse(r.stdout) as { documentId: string; status: string; channel: string; fileName: string; actor: string; summary: Record<string, number>; items: { kind: string; status: string }[] };
    expect(doc).to.include({ documentId: sampleId, status: 'applied', channel: 'cli', fileName: 'brightline-ship-notice.csv' });
    expect(doc.actor).to.match(/^cli:/);
    expect(doc.summary).to.include({ devicesEnrolled: 6 });
    expect(doc.items.map((i) => [i.kind, i.status])).to.deep.equal([
      ['purchaseOrder', 'open'],
      ['shipNotice', 'applied'],
      ['purchaseOrder', 'open'],
      ['shipNotice', 'applied'],
    ]);
    const missing = cli(env, 'document', 'show', 'doc_missing');
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.include('GW-DOC-6012');
  });

  it('document ack ID: the CSV ack with a row per device', function () {
    const r = cli(env, 'document', 'ack', sampleId);
    expect(r.code, r.stderr).to.equal(0);
    const rows = parse(r.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.filter((row) => row.serial !== '').map((row) => [row.serial, row.status])).to.deep.equal([
      ['BLC0NWIPAD01', 'ENROLLED'],
      ['BLC0NWIPAD02', 'ENROLLED'],
      ['BLC0NWIPAD03', 'ENROLLED'],
      ['BLC0NWMAC001', 'ENROLLED'],
      ['BLC0FABIPH01', 'ENROLLED'],
      ['BLC0FABIPH02', 'ENROLLED'],
    ]);
  });

  it('document replay ID: a rejected document applies once the organisation is added and links the reseller; an applied one is refused', function () {
    const path = file('unknown-org.csv', `${HEADER}\nCLI-RPL-1,OR,2026-11-02,44444,PO-1,D-1,2026-11-03,CLIRPL00001,,MW6F3LL/A\n`);
    const first = cli(env, 'ingest', path, '--partner', '16FCE4A0');
    expect(first.code, first.stdout + first.stderr).to.equal(3);
    expect(first.stdout).to.include('DEP-ERR-OR-4102');
    const id = /^document (doc_[0-9a-f-]{36}): rejected$/m.exec(first.stdout)![1]!;

    expect(cli(env, 'org', 'add', '--org-id', '44444', '--name', 'CLI Replay', '--country', 'NL').code).to.equal(0);
    expect(cli(env, 'link', 'add', '--org-id', '44444', '--reseller-id', '16FCE4A0').code).to.equal(0);
    const replayed = cli(env, 'document', 'replay', id);
    expect(replayed.code, replayed.stdout + replayed.stderr).to.equal(0);
    expect(replayed.stdout).to.include(`document ${id}: applied`);
    expect(replayed.stdout).to.include('1 enrolled');

    const again = cli(env, 'document', 'replay', id, '--json');
    expect(again.code).to.equal(1);
    expect(again.stderr).to.include('GW-DOC-6011');
    const shown = JSON.parse(cli(env, 'document', 'show', id).stdout) as { status: string; replays: number };
    expect(shown).to.include({ status: 'applied', replays: 1 });
  });
});
