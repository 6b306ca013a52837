// SFTP mailbox poller and gateways that die: killed before the commit (the file is taken
// again once the claim's lease runs out, and applied once), or after it (the next poll
// finishes the move and the acks without ingesting again).
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync, mkdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { MailboxPoller, type PollReport } from '../../../src/channels/sftp/poller.js';
import { listClaims } from '../../../src/store/sftp-claims.js';
import { databaseKind, sampleDatabase, type TestDb } from '../../support/db.js';
import { startSshd, type Sshd } from '../../support/sshd.js';
import type { ChildSettings } from './poll-child.js';
import { countRows, filesIn, intakeDeps, memoryLogger, shipNoticeCsv, sleep, testMailbox, waitFor, ORG } from './helpers.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./poll-child.js', import.meta.url));

describe(`SFTP mailbox: gateways that die mid-file (${databaseKind()})`, function () {
  let sshd: Sshd;
  let work: string;
  let t: TestDb;
  const pollers: MailboxPoller[] = [];
  const children: ChildProcess[] = [];

  // One database for the suite: each test has a mailbox and serials of its own.
  before(async function () {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), 'gw-sftp-crash-'));
    t = await sampleDatabase();
  });
  after(async function () {
    await t?.close();
    await sshd?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });
  afterEach(async function () {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const p of pollers.splice(0)) await p.stop();
  });

  /** Where the test database is, for a gateway in another process. */
  function databaseSettings(db: Knex): ChildSettings['database'] {
    const config = db.client.config as Knex.Config;
    if (config.client === 'pg') {
      const searchPath = config.searchPath as string[] | undefined;
      // knex keeps the connection parsed; the URL is the one the test database was made from.
      return { databaseUrl: process.env.DATABASE_URL!, sqlitePath: '', pgSchema: searchPath?.[0] ?? null };
    }
    return { databaseUrl: null, sqlitePath: (config.connection as { filename: string }).filename, pgSchema: null };
  }

  async function enrolled(prefix: string): Promise<number> {
    const rows = (await t.db('devices as d')
      .join('organisations as o', 'o.id', 'd.org_pk')
      .where('d.serial', 'like', `${prefix}%`)
      .andWhere('d.state', 'enrolled')
      .andWhere('o.org_id', ORG)
      .count({ n: '*' })) as { n: number | string }[];
    return Number(rows[0]!.n);
  }

  it('takes a file again after its gateway was killed mid-file, and applies it once', async function () {
    const devices = 50_000;
    const spoolDir = join(work, 'spool-kill');
    const { mailbox, dirs } = testMailbox(sshd, join(work, 'kill'), 'kill', { stablePolls: 2, pollIntervalMs: 100, claimLeaseMs: 1500 });
    const path = join(dirs.inbound, 'big.csv');
    writeFileSync(path, shipNoticeCsv('KILL', devices, 1000));
    const size = statSync(path).size;
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);

    const settings: ChildSettings = { database: databaseSettings(t.db), mailbox, spoolDir, holderId: 'killed-gateway' };
    const child = spawn(process.execPath, [CHILD_SCRIPT], { env: { ...process.env, SFTP_CHILD: JSON.stringify(settings) }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

    // Its claim is in the database, and its download is complete: it is ingesting.
    const claim = await waitFor(
      () => `the child's claim (child output: ${output.slice(-2000)})`,
      async () => (await listClaims(t.db, 'kill')).find((c) => c.holder === 'killed-gateway' && c.state === 'pending'),
      20_000,
      20,
    );
    const spoolFile = join(spoolDir, 'kill', `${claim.id}-killed-gateway.spool`);
    await waitFor('the download to complete', () => {
      try {
        return statSync(spoolFile).size === size;
      } catch {
        return false;
      }
    }, 10_000, 10);
    await sleep(300);
    child.kill('SIGKILL');
    await exited;
    if (process.env.SFTP_TEST_LOG) process.stderr.write(`killed gateway's output:\n${output}\n`);

    const [afterKill] = await listClaims(t.db, 'kill');
    expect(afterKill!.state, `the child finished before it was killed: use a larger file (output: ${output.slice(-500)})`).to.equal('pending');
    expect(afterKill!.holder).to.equal('killed-gateway');
    expect(await countRows(t.db, 'documents', { actor: 'sftp:kill' }), 'nothing committed by the killed gateway').to.equal(0);
    expect(filesIn(dirs.inbound)).to.deep.equal(['big.csv']);

    const logger = memoryLogger(Boolean(process.env.SFTP_TEST_LOG));
    const restarted = new MailboxPoller({ deps: intakeDeps(t.db), mailbox: { ...mailbox, claimLeaseMs: 1000 }, spoolDir, logger, holderId: 'restarted-gateway' });
    pollers.push(restarted);
    let taken: PollReport['taken'] = [];
    await waitFor('the restarted gateway to take and apply the file', async () => {
      const r = await restarted.pollOnce();
      expect(r.ok, r.error).to.equal(true);
      taken = taken.concat(r.taken);
      return taken.length > 0;
    }, 45_000, 200);

    expect(taken.map((x) => [x.name, x.status])).to.deep.equal([['big.csv', 'applied']]);
    expect(await countRows(t.db, 'documents', { file_name: 'big.csv' })).to.equal(1);
    expect(await countRows(t.db, 'documents', { actor: 'sftp:kill' })).to.equal(1);
    expect(await enrolled('KILL')).to.equal(devices);
    expect(filesIn(dirs.inbound)).to.deep.equal([]);
    expect(filesIn(dirs.archive)).to.deep.equal(['big.csv']);
    expect(filesIn(dirs.outbound)).to.deep.equal(['big.ack.csv']);
    const [final] = await listClaims(t.db, 'kill');
    expect(final).to.include({ state: 'finished', holder: 'restarted-gateway', attempts: 2, status: 'applied' });
    expect(filesIn(join(spoolDir, 'kill')), 'the killed gateway\'s spool file is cleaned up').to.deep.equal([]);
    // More polls change nothing.
    for (let i = 0; i < 3; i++) expect((await restarted.pollOnce()).taken).to.deep.equal([]);
    expect(await countRows(t.db, 'documents', { actor: 'sftp:kill' })).to.equal(1);
  });

  it('after a commit whose move failed, the next gateway moves the file and writes the ack without ingesting again', async function () {
    const spoolDir = join(work, 'spool-move');
    const { mailbox, dirs } = testMailbox(sshd, join(work, 'move'), 'move', { claimLeaseMs: 1000 });
    const first = new MailboxPoller({ deps: intakeDeps(t.db), mailbox, spoolDir, logger: memoryLogger(), holderId: 'first' });
    pollers.push(first);
    expect((await first.pollOnce()).ok).to.equal(true); // connected, folders made
    // The archive folder becomes a file: the move after the commit fails, as if the
    // gateway had died between the commit and the move.
    rmdirSync(dirs.archive);
    writeFileSync(dirs.archive, 'not a folder');
    writeFileSync(join(dirs.inbound, 'committed.csv'), shipNoticeCsv('MOVE', 7));
    expect((await first.pollOnce()).taken).to.deep.equal([]); // first sighting
    const failed = await first.pollOnce();
    expect(failed.ok).to.equal(false);
    await first.stop();
    const [done] = await listClaims(t.db, 'move');
    expect(done).to.include({ state: 'done', status: 'applied', movedTo: null, acksWritten: 0 });
    expect(await countRows(t.db, 'documents', { actor: 'sftp:move' })).to.equal(1);
    expect(filesIn(dirs.inbound)).to.deep.equal(['committed.csv']);

    unlinkSync(dirs.archive);
    mkdirSync(dirs.archive);
    const logger = memoryLogger();
    const second = new MailboxPoller({ deps: intakeDeps(t.db), mailbox, spoolDir, logger, holderId: 'second' });
    pollers.push(second);
    await waitFor('the committed file to be finished', async () => (await second.pollOnce()).finished.includes('committed.csv'), 10_000, 100);
    expect(logger.messages('sftp file taken'), 'not ingested again').to.have.length(0);
    expect(logger.messages('sftp resuming committed file')).to.have.length(1);
    expect(await countRows(t.db, 'documents', { actor: 'sftp:move' })).to.equal(1);
    expect(await enrolled('MOVE')).to.equal(7);
    expect(filesIn(dirs.inbound)).to.deep.equal([]);
    expect(filesIn(dirs.archive)).to.deep.equal(['committed.csv']);
    expect(filesIn(dirs.outbound)).to.deep.equal(['committed.ack.csv']);
    const [finished] = await listClaims(t.db, 'move');
    expect(finished).to.include({ state: 'finished', holder: 'second', acksWritten: 1, attempts: 1 });
  });

  it('after a commit whose acks were not written, the next poll writes them once', async function () {
    const spoolDir = join(work, 'spool-acks');
    const { mailbox, dirs } = testMailbox(sshd, join(work, 'acks'), 'acks', { claimLeaseMs: 1000 });
    let fail = true;
    const first = new MailboxPoller({
      deps: intakeDeps(t.db),
      mailbox,
      spoolDir,
      logger: memoryLogger(),
      acks: async (deps, documentId) => {
        if (fail) throw new Error('simulated crash before the acks');
        const { documentAcks } = await import('../../../src/intake/acks.js');
        return documentAcks(deps, documentId);
      },
    });
    pollers.push(first);
    writeFileSync(join(dirs.inbound, 'noack.csv'), shipNoticeCsv('NOACK', 4));
    expect((await first.pollOnce()).taken).to.deep.equal([]); // first sighting
    const failed = await first.pollOnce();
    expect(failed.ok).to.equal(false);
    expect(failed.error).to.match(/simulated crash/);
    expect(filesIn(dirs.archive)).to.deep.equal(['noack.csv']);
    expect(filesIn(dirs.outbound)).to.deep.equal([]);
    fail = false;
    await waitFor('the ack', async () => (await first.pollOnce()).finished.includes('noack.csv'), 10_000, 100);
    expect(filesIn(dirs.outbound)).to.deep.equal(['noack.ack.csv']);
    expect(await countRows(t.db, 'documents', { actor: 'sftp:acks' })).to.equal(1);
    const [claim] = await listClaims(t.db, 'acks');
    expect(claim).to.include({ state: 'finished', acksWritten: 1, attempts: 1 });
    expect(claim!.lastError).to.match(/simulated crash/);
  });
});
