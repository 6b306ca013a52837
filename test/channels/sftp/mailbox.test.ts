// SFTP mailbox poller against a real OpenSSH sshd: files are taken only when complete,
// once even with two gateways, temporary names never; rejected files go to the error
// folder with their ack; a server that is down is retried until it is back.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import { MailboxPoller, isTemporaryName, type PollReport } from '../../../src/channels/sftp/poller.js';
import { listClaims } from '../../../src/store/sftp-claims.js';
import { loadConfig, ConfigError } from '../../../src/config.js';
import { startMailboxes, MailboxSettingsError } from '../../../src/channels/sftp/index.js';
import { databaseKind, sampleDatabase, type TestDb } from '../../support/db.js';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { countRows, filesIn, intakeDeps, memoryLogger, serialsOf, shipNoticeCsv, sleep, testMailbox, waitFor, CSV_HEADER, ORG } from './helpers.js';

describe(`SFTP mailbox poller against OpenSSH sshd (${databaseKind()})`, function () {
  let sshd: Sshd;
  let work: string;
  let t: TestDb;
  const pollers: MailboxPoller[] = [];

  // One database for the suite (a fresh one per test costs a second on PostgreSQL): each
  // test has a mailbox and serials of its own, and counts only its own documents.
  before(async function () {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), 'gw-sftp-'));
    t = await sampleDatabase();
  });
  after(async function () {
    await t?.close();
    await sshd?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });
  afterEach(async function () {
    for (const p of pollers.splice(0)) await p.stop();
  });

  function poller(name: string, overrides: Parameters<typeof testMailbox>[3] = {}, db = t.db) {
    const { mailbox, dirs } = testMailbox(sshd, join(work, name), name, overrides);
    const logger = memoryLogger(Boolean(process.env.SFTP_TEST_LOG));
    const p = new MailboxPoller({ deps: intakeDeps(db), mailbox, spoolDir: join(work, 'spool'), logger });
    pollers.push(p);
    return { p, dirs, logger, mailbox };
  }

  async function sftpClient(): Promise<SftpClient> {
    const c = new SftpClient('test-partner', { error: () => undefined, end: () => undefined, close: () => undefined });
    await c.connect({ host: sshd.host, port: sshd.port, username: sshd.username, privateKey: readFileSync(sshd.clientKeyPath) });
    return c;
  }

  async function enrolledCount(serials: string[]): Promise<number> {
    const rows = (await t.db('devices as d')
      .join('organisations as o', 'o.id', 'd.org_pk')
      .whereIn('d.serial', serials)
      .andWhere('d.state', 'enrolled')
      .andWhere('o.org_id', ORG)
      .count({ n: '*' })) as { n: number | string }[];
    return Number(rows[0]!.n);
  }

  it('does not take a file uploaded in two halves before it is complete; then applies, archives and acknowledges it', async function () {
    // A minimum age far beyond the test's polls: however slow the machine, the half file
    // is held back by the size check and the age, never by luck of timing. The finished
    // file is then dated back past the minimum age.
    const { p, dirs, logger } = poller('halves', { stablePolls: 2, minFileAgeMs: 60_000 });
    const devices = 40;
    const body = Buffer.from(shipNoticeCsv('HALF', devices, 10));
    const cut = Math.floor(body.length / 2);
    const partner = await sftpClient();
    try {
      await partner.put(body.subarray(0, cut), join(dirs.inbound, 'orders.csv'));
      const first = await p.pollOnce();
      const second = await p.pollOnce();
      expect(first.ok && second.ok, `${first.error ?? ''} ${second.error ?? ''}`).to.equal(true);
      expect(first.taken).to.deep.equal([]);
      expect(second.taken).to.deep.equal([]);
      // What was seen is in the database: two polls saw the same (half) size.
      const seen = (await t.db('sftp_seen').where({ mailbox: 'halves', remote_name: 'orders.csv' }).first()) as { size: number | string; stable_polls: number };
      expect(Number(seen.size)).to.equal(cut);
      expect(Number(seen.stable_polls)).to.equal(2);

      await partner.append(body.subarray(cut), join(dirs.inbound, 'orders.csv'));
      const third = await p.pollOnce();
      expect(third.taken).to.deep.equal([]);
      const reset = (await t.db('sftp_seen').where({ mailbox: 'halves', remote_name: 'orders.csv' }).first()) as { size: number | string; stable_polls: number };
      expect(Number(reset.size)).to.equal(body.length);
      expect(Number(reset.stable_polls), 'a changed size starts the count again').to.equal(1);
      expect(await listClaims(t.db, 'halves')).to.deep.equal([]);
      expect(await countRows(t.db, 'documents', { actor: 'sftp:halves' })).to.equal(0);
      const fiveMinutesAgo = new Date(Date.now() - 5 * 60_000);
      utimesSync(join(dirs.inbound, 'orders.csv'), fiveMinutesAgo, fiveMinutesAgo);
    } finally {
      await partner.end();
    }

    let report: PollReport | undefined;
    await waitFor('the completed file to be taken', async () => {
      report = await p.pollOnce();
      expect(report.ok, report.error).to.equal(true);
      return report.taken.length > 0;
    }, 10_000, 100);
    expect(report!.taken).to.have.length(1);
    expect(report!.taken[0]!.status).to.equal('applied');

    expect(await enrolledCount(serialsOf('HALF', devices))).to.equal(devices);
    expect(await countRows(t.db, 'documents', { actor: 'sftp:halves' })).to.equal(1);
    const doc = (await t.db('documents').where({ actor: 'sftp:halves' }).first()) as { document_id: string; channel: string; file_name: string; actor: string; status: string };
    expect(doc).to.include({ channel: 'sftp', file_name: 'orders.csv', actor: 'sftp:halves', status: 'applied', document_id: report!.taken[0]!.documentId });

    expect(filesIn(dirs.inbound)).to.deep.equal([]);
    expect(filesIn(dirs.archive)).to.deep.equal(['orders.csv']);
    expect(readFileSync(join(dirs.archive, 'orders.csv')).equals(body)).to.equal(true);
    expect(filesIn(dirs.outbound), 'the ack under its final name, no temporary name left').to.deep.equal(['orders.ack.csv']);
    expect(readFileSync(join(dirs.outbound, 'orders.ack.csv'), 'utf8').length).to.be.greaterThan(0);

    const [claim] = await listClaims(t.db, 'halves');
    expect(claim).to.include({ state: 'finished', status: 'applied', documentId: doc.document_id, acksWritten: 1, attempts: 1 });
    expect(await countRows(t.db, 'sftp_seen', { mailbox: 'halves' })).to.equal(0);
    for (const msg of ['sftp file taken', 'sftp file ingested', 'sftp file moved', 'sftp ack written', 'sftp file finished']) {
      expect(logger.messages(msg), msg).to.have.length(1);
      expect(logger.messages(msg)[0]!.fields.mailbox).to.equal('halves');
    }
  });

  it('waits for stablePolls unchanged polls even when the file is old enough', async function () {
    const { p, dirs } = poller('stable', { stablePolls: 3, minFileAgeMs: 0 });
    const path = join(dirs.inbound, 'slow.csv');
    writeFileSync(path, CSV_HEADER + '\n');
    const old = new Date(Date.now() - 3600_000);
    utimesSync(path, old, old); // a client that keeps the original timestamp
    expect((await p.pollOnce()).taken).to.deep.equal([]);
    expect((await p.pollOnce()).taken).to.deep.equal([]);
    writeFileSync(path, shipNoticeCsv('SLOW', 5));
    utimesSync(path, old, old);
    expect((await p.pollOnce()).taken, 'size changed: count starts again').to.deep.equal([]);
    expect((await p.pollOnce()).taken).to.deep.equal([]);
    const taken = await p.pollOnce();
    expect(taken.taken.map((x) => x.status)).to.deep.equal(['applied']);
    expect(await enrolledCount(serialsOf('SLOW', 5))).to.equal(5);
  });

  it('takes a file once with two gateways (two connection pools) polling concurrently', async function () {
    const a = poller('shared', { stablePolls: 2 });
    const other = t.openAnother();
    const { mailbox } = a;
    const bLogger = memoryLogger();
    const b = new MailboxPoller({ deps: intakeDeps(other), mailbox, spoolDir: join(work, 'spool-b'), logger: bLogger });
    pollers.push(b);
    expect(a.p.holder).to.not.equal(b.holder);
    const names = ['ship-1.csv', 'ship-2.csv', 'ship-3.csv'];
    names.forEach((n, i) => {
      const path = join(a.dirs.inbound, n);
      writeFileSync(path, shipNoticeCsv(`TWO${i}`, 20, 10));
      const old = new Date(Date.now() - 60_000);
      utimesSync(path, old, old);
    });
    const reports: PollReport[] = [];
    for (let round = 0; round < 6; round++) {
      reports.push(...(await Promise.all([a.p.pollOnce(), b.pollOnce()])));
    }
    const taken = reports.flatMap((r) => r.taken.map((x) => x.name)).sort();
    expect(taken, 'each file taken by exactly one poller, once').to.deep.equal(names);
    expect(await countRows(t.db, 'documents', { actor: 'sftp:shared' })).to.equal(3);
    expect(await countRows(t.db, 'documents', { actor: 'sftp:shared', status: 'applied' })).to.equal(3);
    const claims = await listClaims(t.db, 'shared');
    expect(claims.map((c) => [c.remoteName, c.state, c.attempts])).to.deep.equal(names.map((n) => [n, 'finished', 1]));
    const takes = a.logger.messages('sftp file taken').length + bLogger.messages('sftp file taken').length;
    expect(takes, 'one ingest per file').to.equal(3);
    for (let i = 0; i < 3; i++) expect(await enrolledCount(serialsOf(`TWO${i}`, 20))).to.equal(20);
    expect(filesIn(a.dirs.archive)).to.deep.equal(names);
    expect(filesIn(a.dirs.outbound)).to.deep.equal(names.map((n) => n.replace('.csv', '.ack.csv')));
    expect(filesIn(a.dirs.inbound)).to.deep.equal([]);
  });

  it('never takes temporary names, dot files or folders', async function () {
    const { p, dirs } = poller('temps', { stablePolls: 2 });
    const body = shipNoticeCsv('TEMP', 3);
    for (const n of ['orders.csv.tmp', 'orders.part', 'big.csv.filepart', '.hidden.csv', '.orders.csv.swp', 'ORDERS.TMP']) {
      writeFileSync(join(dirs.inbound, n), body);
    }
    mkdirSync(join(dirs.inbound, 'folder.csv'));
    for (let i = 0; i < 3; i++) {
      const r = await p.pollOnce();
      expect(r.ok, r.error).to.equal(true);
      expect(r.taken).to.deep.equal([]);
      expect(r.listed).to.equal(0);
    }
    expect(await listClaims(t.db, 'temps')).to.deep.equal([]);
    expect(await countRows(t.db, 'sftp_seen', { mailbox: 'temps' })).to.equal(0);
    expect(filesIn(dirs.inbound)).to.have.length(7);
    expect(isTemporaryName('orders.csv')).to.equal(false);
  });

  it('moves a rejected file to the error folder and writes its error ack to outbound', async function () {
    const { p, dirs, logger } = poller('rejects', { stablePolls: 2 });
    const bad = 'order_number,colour\nSO-1,red\n';
    writeFileSync(join(dirs.inbound, 'bad.csv'), bad);
    expect((await p.pollOnce()).taken).to.deep.equal([]); // first sighting
    const r = await p.pollOnce();
    expect(r.ok, r.error).to.equal(true);
    expect(r.taken.map((x) => x.status)).to.deep.equal(['rejected']);
    expect(filesIn(dirs.inbound)).to.deep.equal([]);
    expect(filesIn(dirs.archive)).to.deep.equal([]);
    expect(filesIn(dirs.error)).to.deep.equal(['bad.csv']);
    expect(readFileSync(join(dirs.error, 'bad.csv'), 'utf8')).to.equal(bad);
    expect(filesIn(dirs.outbound)).to.deep.equal(['bad.ack.csv']);
    const ack = readFileSync(join(dirs.outbound, 'bad.ack.csv'), 'utf8');
    expect(ack).to.match(/GW-/); // the pipeline's coded error
    const doc = (await t.db('documents').where({ actor: 'sftp:rejects' }).first()) as { status: string };
    expect(doc.status).to.equal('rejected');
    expect(logger.messages('sftp file moved')[0]!.fields.to).to.equal(join(dirs.error, 'bad.csv'));
  });

  it('retries a server that is down at first, with backoff, and then takes the file; the loop never throws', async function () {
    const { p, dirs, logger } = poller('downfirst', { stablePolls: 2, pollIntervalMs: 50, maxBackoffMs: 300 });
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      await sshd.stop();
      writeFileSync(join(dirs.inbound, 'late.csv'), shipNoticeCsv('DOWN', 5));
      p.start();
      await waitFor('three failed polls', () => logger.messages('sftp poll failed').length >= 3, 10_000);
      const failures = logger.messages('sftp poll failed');
      for (const f of failures) {
        expect(f.level).to.equal('warn');
        expect(f.fields.mailbox).to.equal('downfirst');
        expect(String(f.fields.error)).to.match(/refused|ECONNREFUSED/i);
        expect(f.fields.retryInMs).to.be.a('number').at.most(300);
      }
      expect(failures.map((f) => f.fields.failures)).to.deep.equal(failures.map((_, i) => i + 1));
      await sshd.start();
      await waitFor('the file to be archived', () => filesIn(dirs.archive).includes('late.csv'), 15_000);
      await waitFor('its ack', () => filesIn(dirs.outbound).includes('late.ack.csv'), 5_000);
      await p.stop();
      expect(rejections).to.deep.equal([]);
      expect(await enrolledCount(serialsOf('DOWN', 5))).to.equal(5);
      expect(logger.messages('sftp connected').length).to.be.greaterThan(0);
    } finally {
      process.off('unhandledRejection', onRejection);
      if (!sshd.running()) await sshd.start();
    }
  });

  it('reconnects after the server dropped its sessions between polls', async function () {
    const { p, dirs, logger } = poller('dropped', { stablePolls: 2 });
    expect((await p.pollOnce()).ok).to.equal(true);
    expect(sshd.dropSessions(), 'an open session to drop').to.be.greaterThan(0);
    await sleep(100);
    writeFileSync(join(dirs.inbound, 'after-drop.csv'), shipNoticeCsv('DROP', 3));
    await waitFor('the file to be taken after the reconnect', async () => (await p.pollOnce()).taken.length === 1, 10_000, 100);
    expect(filesIn(dirs.archive)).to.deep.equal(['after-drop.csv']);
    expect(logger.messages('sftp connected').length).to.equal(2);
  });

  it('takes a file sent again (same name, size and mtime) anew: the pipeline calls it a duplicate and nothing applies twice', async function () {
    const { p, dirs } = poller('again', { stablePolls: 2 });
    const body = shipNoticeCsv('AGAIN', 6);
    const path = join(dirs.inbound, 'again.csv');
    const when = new Date(Date.now() - 60_000);
    writeFileSync(path, body);
    utimesSync(path, when, when);
    expect((await p.pollOnce()).taken).to.deep.equal([]); // first sighting
    const first = await p.pollOnce();
    expect(first.taken.map((x) => x.status)).to.deep.equal(['applied']);
    writeFileSync(path, body);
    utimesSync(path, when, when);
    expect((await p.pollOnce()).taken).to.deep.equal([]); // first sighting of the file sent again
    const second = await p.pollOnce();
    expect(second.ok, second.error).to.equal(true);
    expect(second.taken.map((x) => x.status)).to.deep.equal(['duplicate']);
    expect(second.taken[0]!.documentId, 'the first document').to.equal(first.taken[0]!.documentId);
    expect(await countRows(t.db, 'documents', { actor: 'sftp:again' })).to.equal(1);
    expect(await enrolledCount(serialsOf('AGAIN', 6))).to.equal(6);
    const archived = filesIn(dirs.archive);
    expect(archived).to.have.length(2);
    expect(archived).to.include('again.csv');
    expect(filesIn(dirs.inbound)).to.deep.equal([]);
    const claims = await listClaims(t.db, 'again');
    expect(claims.map((c) => [c.state, c.status])).to.deep.equal([['finished', 'duplicate']]);
  });

  it('sets a file larger than maxFileBytes aside in the error folder without downloading it', async function () {
    const { p, dirs, logger } = poller('toolarge', { stablePolls: 2, maxFileBytes: 100 });
    writeFileSync(join(dirs.inbound, 'huge.csv'), shipNoticeCsv('HUGE', 10));
    expect(filesIn(dirs.error)).to.deep.equal([]);
    await p.pollOnce(); // first sighting
    const r = await p.pollOnce();
    expect(r.ok, r.error).to.equal(true);
    expect(filesIn(dirs.error)).to.deep.equal(['huge.csv']);
    expect(await countRows(t.db, 'documents', { actor: 'sftp:toolarge' })).to.equal(0);
    const [claim] = await listClaims(t.db, 'toolarge');
    expect(claim!.state).to.equal('set_aside');
    expect(claim!.lastError).to.match(/maxFileBytes/);
    expect(logger.messages('sftp file set aside without ingesting')[0]!.level).to.equal('error');
  });

  it('retries a file the pipeline cannot take, then sets it aside after maxAttempts', async function () {
    const { p, dirs, logger } = poller('attempts', { stablePolls: 2, pollIntervalMs: 20, maxAttempts: 2, partnerId: 'NOSUCHPARTNER' });
    writeFileSync(join(dirs.inbound, 'orphan.csv'), shipNoticeCsv('ORPH', 2));
    await waitFor('the file to be set aside', async () => {
      await p.pollOnce();
      return filesIn(dirs.error).includes('orphan.csv');
    }, 10_000, 30);
    const failures = logger.messages('sftp file not ingested; it will be retried');
    expect(failures.map((f) => f.fields.attempt)).to.deep.equal([1, 2]);
    expect(String(failures[0]!.fields.error)).to.match(/NOSUCHPARTNER/);
    const [claim] = await listClaims(t.db, 'attempts');
    expect(claim).to.include({ state: 'set_aside', attempts: 2 });
    expect(claim!.lastError).to.match(/after 2 attempts.*NOSUCHPARTNER/);
    expect(await countRows(t.db, 'documents', { actor: 'sftp:attempts' })).to.equal(0);
  });

  it('stop() finishes the file in hand and takes no other', async function () {
    const { p, dirs, logger } = poller('stopping', { stablePolls: 2, pollIntervalMs: 50 });
    const a = join(dirs.inbound, 'a-first.csv');
    const b = join(dirs.inbound, 'b-second.csv');
    writeFileSync(a, shipNoticeCsv('STOPA', 3000));
    writeFileSync(b, shipNoticeCsv('STOPB', 10));
    utimesSync(a, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    utimesSync(b, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    p.start();
    await waitFor('the first file to be taken', () => logger.messages('sftp file taken').length > 0, 10_000, 5);
    await p.stop();
    expect(logger.messages('sftp file taken').map((e) => e.fields.file)).to.deep.equal(['a-first.csv']);
    expect(filesIn(dirs.archive)).to.deep.equal(['a-first.csv']);
    expect(filesIn(dirs.outbound)).to.deep.equal(['a-first.ack.csv']);
    expect(filesIn(dirs.inbound)).to.deep.equal(['b-second.csv']);
    expect(await enrolledCount(serialsOf('STOPA', 3000))).to.equal(3000);
  });

  it('refuses stablePolls below 2, saying why: the first sighting would be taken while it may still be written', function () {
    expect(() => testMailbox(sshd, join(work, 'once'), 'once', { stablePolls: 1, minFileAgeMs: 0 })).to.throw(MailboxSettingsError, /stablePolls 1 would take a file at its first sighting.*give 2 or more/);
    const { mailbox } = testMailbox(sshd, join(work, 'twice'), 'twice');
    const settings = { name: mailbox.name, partnerId: mailbox.partnerId, host: mailbox.host, username: mailbox.username, password: 'x', inboundDir: 'in', archiveDir: 'a', errorDir: 'e', outboundDir: 'o' };
    expect(loadConfig({}, { mailboxes: [{ ...settings, stablePolls: 2 }] }).mailboxes).to.have.lengthOf(1);
    expect(() => loadConfig({}, { mailboxes: [{ ...settings, stablePolls: 1 }] })).to.throw(ConfigError, /\/mailboxes\/0\/stablePolls must be >= 2/);
  });

  it('startMailboxes polls every configured mailbox until stopped, and refuses a mapping that is not loaded', async function () {
    const { mailbox, dirs } = testMailbox(sshd, join(work, 'started'), 'started', { stablePolls: 2, pollIntervalMs: 50, mappingId: 'brightline-csv' });
    const logger = memoryLogger();
    const deps = intakeDeps(t.db);
    expect(() => startMailboxes(deps, [{ ...mailbox, mappingId: 'no-such-mapping' }], logger)).to.throw(MailboxSettingsError, /no-such-mapping/);
    expect(() => startMailboxes(deps, [mailbox, mailbox], logger)).to.throw(MailboxSettingsError, /twice/);
    const running = startMailboxes(deps, [mailbox], logger, { spoolDir: join(work, 'spool-started') });
    try {
      writeFileSync(join(dirs.inbound, 'started.csv'), shipNoticeCsv('START', 4));
      await waitFor('the file to be archived', () => filesIn(dirs.archive).includes('started.csv') && filesIn(dirs.outbound).includes('started.ack.csv'), 10_000);
    } finally {
      await running.stop();
    }
    expect(logger.messages('sftp mailboxes stopped')).to.have.length(1);
    const doc = (await t.db('documents').where({ actor: 'sftp:started' }).first()) as { mapping_id: string; actor: string };
    expect(doc).to.include({ mapping_id: 'brightline-csv', actor: 'sftp:started' });
  });

  it('refuses a server whose host key is not the configured one, and keeps polling', async function () {
    const { p, logger } = poller('wrongkey', { hostKeyFingerprint: 'SHA256:' + 'A'.repeat(43) });
    const r = await p.pollOnce();
    expect(r.ok).to.equal(false);
    expect(r.error).to.match(/host key/i);
    expect(logger.messages('sftp poll failed')).to.have.length(1);
  });

  it('validates mailbox settings in the gateway configuration', function () {
    const dir = mkdtempSync(join(tmpdir(), 'gw-sftp-config-'));
    const base = {
      name: 'brightline',
      partnerId: '16FCE4A0',
      host: 'sftp.example.com',
      username: 'gw',
      inboundDir: '/in',
      archiveDir: '/archive',
      errorDir: '/error',
      outboundDir: '/out',
    };
    const load = (mailbox: Record<string, unknown>) => {
      const file = join(dir, 'config.json');
      writeFileSync(file, JSON.stringify({ mailboxes: [mailbox] }));
      return loadConfig({ GATEWAY_CONFIG: file });
    };
    try {
      expect(load({ ...base, privateKeyPath: '/keys/id', pollIntervalMs: 5000 }).mailboxes[0]!.name).to.equal('brightline');
      expect(() => load(base), 'neither password nor key').to.throw(ConfigError);
      expect(() => load({ ...base, password: 'p', privateKeyPath: '/k' }), 'both').to.throw(ConfigError);
      expect(() => load({ ...base, password: 'p', pollIntrevalMs: 5 }), 'a typo').to.throw(ConfigError, /additional/);
      expect(() => load({ ...base, password: 'p', stablePolls: 0 })).to.throw(ConfigError);
      expect(() => load({ ...base, name: '../x', password: 'p' })).to.throw(ConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
