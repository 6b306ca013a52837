// Document intake from the command line, each command in its own process on one fresh
// database (a temp SQLite file, or a fresh PostgreSQL schema when DATABASE_URL is set):
// ingest a file, look at the document, fetch its ack, replay it after a correction.
// Runs the built CLI (dist/, as `npm test` builds it); GW_CLI_PATH points it elsewhere.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
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

  it('the same file again: "duplicate", naming the first document and its status; exit code 6', function () {
    const r = cli(env, 'ingest', 'samples/documents/brightline-ship-notice.csv', '--partner', '16FCE4A0');
    expect(r.code, r.stderr).to.equal(6);
    expect(r.stdout).to.include(`document ${sampleId}: duplicate (first received as ${sampleId})`);
    expect(r.stdout).to.include('GW-DOC-6003').and.to.include('(applied)');
    expect(r.stdout).to.not.include('replay');
  });

  it('some devices refused: applied_with_errors, each refused device with its code and line; exit code 4', function () {
    // BLC0NWIPAD01 is in the sample's order BL-CSV-2001 already.
    const path = file('refused.csv', `${HEADER}\nCLI-AWE-1,OR,2026-11-02,19827,PO-1,D-AWE-1,2026-11-03,BLC0NWIPAD01,,MW6F3LL/A\nCLI-AWE-1,OR,2026-11-02,19827,PO-1,D-AWE-1,2026-11-03,CLIAWE00002,,MW6F3LL/A\n`);
    const r = cli(env, 'ingest', path, '--partner', '16FCE4A0');
    expect(r.code, r.stdout + r.stderr).to.equal(4);
    expect(r.stdout).to.match(/^document doc_[0-9a-f-]{36}: applied_with_errors$/m);
    expect(r.stdout).to.include('  REFUSED BLC0NWIPAD01 (line 2): DEP-ERR-DE-4303 Device BLC0NWIPAD01 cannot be in different OR/OV orders');
    const id = /^document (doc_[0-9a-f-]{36})/m.exec(r.stdout)![1]!;
    const shown = JSON.parse(cli(env, 'document', 'show', id).stdout) as { refused: { listed: { serial: string; code: string }[]; total: number } };
    expect(shown.refused.total).to.equal(1);
    expect(shown.refused.listed.map((d) => [d.serial, d.code])).to.deep.equal([['BLC0NWIPAD01', 'DEP-ERR-DE-4303']]);
  });

  it('a ship notice before its order: awaiting_order; exit code 5', function () {
    const r = cli(env, 'ingest', 'samples/documents/brightline-cxml-shipnotice.xml', '--partner', '16FCE4A0', '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(5);
    expect((JSON.parse(r.stdout) as { status: string }).status).to.equal('awaiting_order');
  });

  it('a rejected file sent again: duplicate, with the command that replays the rejected one; exit code 6', function () {
    const path = file('rejected-twice.csv', `${HEADER}\nCLI-DUP-1,OR,2026-11-02,45454,PO-1,D-1,2026-11-03,CLIDUP00001,,MW6F3LL/A\n`);
    const first = cli(env, 'ingest', path, '--partner', '16FCE4A0');
    expect(first.code, first.stdout + first.stderr).to.equal(3);
    const id = /^document (doc_[0-9a-f-]{36}): rejected$/m.exec(first.stdout)![1]!;
    const again = cli(env, 'ingest', path, '--partner', '16FCE4A0', '--json');
    expect(again.code, again.stdout + again.stderr).to.equal(6);
    const result = JSON.parse(again.stdout) as { status: string; duplicateOf: string; duplicateOfStatus: string; replay: { command: string }; errors: { message: string }[] };
    expect(result).to.include({ status: 'duplicate', duplicateOf: id, duplicateOfStatus: 'rejected' });
    expect(result.replay.command).to.equal(`document replay ${id}`);
    expect(result.errors[0]!.message).to.include(`document replay ${id}`);
  });

  it('a file over the size limit: GW-DOC-6002 from its size alone, nothing recorded; exit code 3', function () {
    const before = (JSON.parse(cli(env, 'document', 'list', '--limit', '10000').stdout) as unknown[]).length;
    const path = join(dir, 'too-large.csv');
    // 600 MB, sparse: stat says its size without a byte written.
    writeFileSync(path, '');
    truncateSync(path, 600 * 1000 * 1000);
    const r = cli(env, 'ingest', path, '--partner', '16FCE4A0');
    expect(r.code, r.stdout + r.stderr).to.equal(3);
    expect(r.stderr).to.include('GW-DOC-6002').and.to.include('600000000 bytes, at most 536870912').and.to.include('too-large.csv');
    expect((JSON.parse(cli(env, 'document', 'list', '--limit', '10000').stdout) as unknown[]).length).to.equal(before);
    rmSync(path);
  });

  it('ingest --help lists the exit code of each outcome', function () {
    const r = cli(env, 'ingest', '--help');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.include('Its outcome: 0 applied; 3 rejected').and.to.include('4 applied with errors').and.to.include('5 applied, ship notices waiting for their order').and.to.include('6 a duplicate');
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
