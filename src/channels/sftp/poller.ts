// The mailbox poller: lists a partner's inbound folder, takes each file once it is
// complete (stable size and mtime over several polls, old enough, not a temporary name),
// claims it in the database so that exactly one gateway takes it, feeds it to the intake
// pipeline, and after the commit moves it to the archive (or error) folder and writes its
// acknowledgements to the outbound folder.
//
// Crash safety comes from the order of things:
//   claim (database) -> download -> ingest, whose transaction also marks the claim done
//   -> move the remote file -> write acks (temp name, then rename) -> claim finished.
// A gateway that dies before the commit leaves a pending claim whose lease runs out: it
// is taken again (and the pipeline refuses an exact duplicate anyway). One that dies after
// the commit leaves a done claim: the next poll finishes the move and the acks without
// ingesting again.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, posix } from 'node:path';
import type { IntakeDeps } from '../../intake/receive.js';
import { inlineIntake, type Intake } from '../../intake/service.js';
import { documentAcks } from '../../intake/acks.js';
import type { Logger } from '../../log/logger.js';
import { findDocument } from '../../store/documents.js';
import {
  ClaimLostError,
  ensureClaim,
  forgetSeen,
  getClaim,
  markFinished,
  markSetAside,
  orphanedDone,
  pruneClaims,
  recordAcksWritten,
  recordError,
  recordMoved,
  recordSeen,
  recordStatus,
  release,
  renewLease,
  reopen,
  takeDone,
  takeExhausted,
  takePending,
  type Claim,
} from '../../store/sftp-claims.js';
import { errorCode, errorText, RemoteSession } from './remote.js';
import type { RemoteFile } from '../../model/sftp.js';
import { MIN_STABLE_POLLS, type ResolvedMailbox } from './settings.js';

/** What the pipeline says about a committed document, for the acks. */
export type AckSource = (deps: IntakeDeps, documentId: string) => Promise<{ fileName: string; body: string }[]>;

export interface PollerOptions {
  /** The database (claims) and mappings (acks) of this thread. */
  deps: IntakeDeps;
  /** Where files are received: under `serve`, an intake process; by default, this thread. */
  intake?: Intake;
  mailbox: ResolvedMailbox;
  /** The gateway's spool folder; this mailbox uses a folder of its own under it. */
  spoolDir: string;
  logger: Logger;
  /** Names this poller in claims; unique per poller (default: host, pid and a random tag). */
  holderId?: string;
  acks?: AckSource;
}

export interface PollReport {
  ok: boolean;
  error?: string;
  /** After a failed poll: how long the running loop waits before the next attempt. */
  retryInMs?: number;
  /** Candidate files in inboundDir (temporary names and folders left out). */
  listed: number;
  /** Files ingested by this poll, with the pipeline's status. */
  taken: { name: string; documentId: string; status: string }[];
  /** Files whose move and acks were completed by this poll. */
  finished: string[];
}

/** Names a partner's client uses while a file is still being written, and hidden files. */
export function isTemporaryName(name: string): boolean {
  return name.startsWith('.') || /\.(tmp|part|filepart)$/i.test(name);
}

/** How often finished claims are pruned (each poller, at most). */
const PRUNE_EVERY_MS = 60 * 60 * 1000;
/** SFTP v3 gives mtime in whole seconds: the file may be up to this much younger. */
const MTIME_RESOLUTION_MS = 1000;
/** Longest acknowledgement name accepted from the pipeline (common file-system limit). */
const MAX_ACK_NAME_CHARS = 255;

export class MailboxPoller {
  readonly holder: string;
  private readonly deps: IntakeDeps;
  private readonly intake: Intake;
  private readonly mailbox: ResolvedMailbox;
  private readonly logger: Logger;
  private readonly spoolDir: string;
  private readonly acks: AckSource;
  private session: RemoteSession | null = null;
  private failures = 0;
  private stopping = false;
  private queue: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastPruneMs = 0;

  constructor(options: PollerOptions) {
    if (options.mailbox.stablePolls < MIN_STABLE_POLLS) throw new Error(`invariant: mailbox ${options.mailbox.name} compares at least ${MIN_STABLE_POLLS} polls (settings.ts refuses fewer)`);
    this.deps = options.deps;
    this.intake = options.intake ?? inlineIntake(options.deps);
    this.mailbox = options.mailbox;
    this.logger = options.logger;
    this.spoolDir = join(options.spoolDir, options.mailbox.name);
    this.acks = options.acks ?? documentAcks;
    this.holder = options.holderId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** Polls until stop(): never throws; failures are logged and retried with backoff. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = (async () => {
      while (!this.stopping) {
        let delayMs = this.mailbox.maxBackoffMs;
        try {
          const report = await this.pollOnce();
          delayMs = report.ok ? this.mailbox.pollIntervalMs : report.retryInMs ?? this.mailbox.pollIntervalMs;
        } catch {
          // pollOnce reports its failures instead of throwing; this only guards the loop
          // (a logger that throws, say) so that the process keeps serving.
        }
        if (this.stopping) break;
        await this.sleep(delayMs);
      }
    })();
  }

  /** Finishes the file in hand (ingest, move, acks), then closes the connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
    await this.queue;
    await this.dropSession();
  }

  /** One poll (polls never overlap). Never throws: a failure is logged and reported. */
  pollOnce(): Promise<PollReport> {
    const run = this.queue.then(() => this.guardedPoll());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async guardedPoll(): Promise<PollReport> {
    const report: PollReport = { ok: true, listed: 0, taken: [], finished: [] };
    try {
      await this.poll(report);
      this.failures = 0;
    } catch (err) {
      this.failures++;
      const retryInMs = this.backoffMs();
      report.ok = false;
      report.error = errorText(err);
      report.retryInMs = retryInMs;
      this.log('warn', 'sftp poll failed', { error: errorText(err), code: errorCode(err), failures: this.failures, retryInMs });
      await this.dropSession();
    }
    return report;
  }

  /** Exponential from the poll interval, capped, with jitter (so that gateways that lost
   * one server together do not all come back in the same instant). */
  private backoffMs(): number {
    const exp = this.mailbox.pollIntervalMs * 2 ** Math.min(this.failures - 1, 30);
    const capped = Math.min(this.mailbox.maxBackoffMs, exp);
    return Math.max(1, Math.round(capped * (0.5 + Math.random() * 0.5)));
  }

  private async poll(report: PollReport): Promise<void> {
    const session = await this.connect();
    const db = this.deps.db;
    const m = this.mailbox;

    // Files committed earlier whose move or acks were interrupted (a crash, a dropped
    // connection): finish them first, without ingesting again.
    for (const claim of await orphanedDone(db, m.name, m.maxFilesPerPoll)) {
      if (this.stopping) return;
      if (!(await takeDone(db, claim.id, this.holder, m.claimLeaseMs))) continue;
      this.log('info', 'sftp resuming committed file', { file: claim.remoteName, claimId: claim.id, documentId: claim.documentId });
      await this.finish(session, { ...claim, holder: this.holder });
      report.finished.push(claim.remoteName);
    }

    let files = (await session.list(m.inboundDir)).filter((f) => f.type === '-' && !isTemporaryName(f.name));
    files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (files.length > m.maxListedFiles) {
      this.log('warn', 'sftp inbound folder holds more files than maxListedFiles; the oldest are considered first', {
        files: files.length,
        maxListedFiles: m.maxListedFiles,
      });
      files = files.slice(0, m.maxListedFiles);
    }
    report.listed = files.length;
    const remote: RemoteFile[] = files.map((f) => ({ name: f.name, size: f.size, mtimeMs: f.mtimeMs }));
    const stableFor = await recordSeen(db, m.name, remote);

    const now = Date.now();
    const ready = remote.filter(
      (f) => (stableFor.get(f.name) ?? 0) >= m.stablePolls && (m.minFileAgeMs === 0 || now - f.mtimeMs - MTIME_RESOLUTION_MS >= m.minFileAgeMs),
    );
    let handled = 0;
    for (const file of ready) {
      if (this.stopping || handled >= m.maxFilesPerPoll) break;
      const outcome = await this.consider(session, file);
      if (outcome) {
        handled++;
        if (outcome.documentId) report.taken.push({ name: file.name, documentId: outcome.documentId, status: outcome.status });
        if (outcome.finished) report.finished.push(file.name);
      }
    }

    if (now - this.lastPruneMs >= PRUNE_EVERY_MS) {
      this.lastPruneMs = now;
      const pruned = await pruneClaims(db, m.name, new Date(now - m.claimRetentionMs).toISOString());
      if (pruned > 0) this.log('info', 'sftp old claims pruned', { pruned });
    }
  }

  /** A stable file: take it if its claim is free. Returns what was done, or null. */
  private async consider(
    session: RemoteSession,
    file: RemoteFile,
  ): Promise<{ documentId?: string; status: string; finished: boolean } | null> {
    const db = this.deps.db;
    const m = this.mailbox;
    let claim = await ensureClaim(db, m.name, file);
    if (claim.state === 'finished' || claim.state === 'set_aside') {
      // Listed again after it was moved away? Only a fresh look, made after reading the
      // final state (the move precedes it), tells a new upload from a stale listing.
      const now = await session.stat(session.join(m.inboundDir, file.name));
      if (!now || now.size !== file.size || now.mtimeMs !== file.mtimeMs) return null;
      if (!(await reopen(db, claim.id))) return null;
      this.log('info', 'sftp file uploaded again under the same name, size and mtime: taking it anew', { file: file.name, claimId: claim.id });
      claim = (await getClaim(db, claim.id))!;
    }
    if (claim.state !== 'pending') return null; // done: the orphan sweep finishes it

    if (file.size > m.maxFileBytes) {
      const held =
        (await takePending(db, claim.id, this.holder, m.claimLeaseMs, m.maxAttempts)) ||
        (await takeExhausted(db, claim.id, this.holder, m.claimLeaseMs, m.maxAttempts));
      if (!held) return null;
      await this.setAside(session, claim, `file of ${file.size} bytes exceeds maxFileBytes ${m.maxFileBytes}`);
      return { status: 'set_aside', finished: true };
    }
    if (await takePending(db, claim.id, this.holder, m.claimLeaseMs, m.maxAttempts)) {
      return this.process(session, { ...claim, holder: this.holder, attempts: claim.attempts + 1 });
    }
    if (await takeExhausted(db, claim.id, this.holder, m.claimLeaseMs, m.maxAttempts)) {
      await this.setAside(session, claim, `not finished after ${claim.attempts} attempts; last error: ${claim.lastError ?? 'none recorded (the gateway stopped)'}`);
      return { status: 'set_aside', finished: true };
    }
    return null; // held by another gateway, or waiting out a retry delay
  }

  /** Download, ingest (the claim is marked done in the document's transaction), finish. */
  private async process(session: RemoteSession, claim: Claim): Promise<{ documentId?: string; status: string; finished: boolean }> {
    const m = this.mailbox;
    const db = this.deps.db;
    const remotePath = session.join(m.inboundDir, claim.remoteName);
    this.log('info', 'sftp file taken', { file: claim.remoteName, size: claim.size, claimId: claim.id, attempt: claim.attempts });
    mkdirSync(this.spoolDir, { recursive: true });
    // Named after the claim and the holder: two holders of one claim (a lease that ran
    // out under a live gateway) never write the same spool file.
    const local = join(this.spoolDir, `${claim.id}-${this.holder.replace(/[^A-Za-z0-9_-]/g, '_')}.spool`);
    this.removeStaleSpool(claim.id, local);
    const heartbeat = this.heartbeat(claim);
    let result;
    try {
      await session.download(remotePath, local);
      const after = await session.stat(remotePath);
      const localSize = statSync(local).size;
      if (!after || after.size !== claim.size || after.mtimeMs !== claim.mtimeMs || localSize !== claim.size) {
        // Changed under us (the partner overwrote it): the new version gets a claim of its own.
        await heartbeat.stop();
        await release(db, claim.id, this.holder, 'pending', 'file changed while it was downloaded', 0);
        this.log('warn', 'sftp file changed while downloading; left for the next poll', { file: claim.remoteName, claimId: claim.id });
        return { status: 'changed', finished: false };
      }
      result = await this.intake.receive({
        partnerId: m.partnerId,
        channel: 'sftp',
        fileName: claim.remoteName,
        path: local,
        actor: `sftp:${m.name}`,
        ...(m.mappingId !== undefined ? { mappingId: m.mappingId } : {}),
        claim: { claimId: claim.id, holder: this.holder },
      });
    } catch (err) {
      // Before the claim is given back: a renewal landing after it would undo the delay.
      await heartbeat.stop();
      if (err instanceof ClaimLostError) {
        this.log('warn', 'sftp claim lost to another gateway; its document was rolled back', { file: claim.remoteName, claimId: claim.id });
        return { status: 'claim_lost', finished: false };
      }
      const retryInMs = Math.min(m.claimLeaseMs, m.pollIntervalMs * 2 ** Math.min(claim.attempts - 1, 30));
      this.log('error', 'sftp file not ingested; it will be retried', {
        file: claim.remoteName,
        claimId: claim.id,
        attempt: claim.attempts,
        error: errorText(err),
        code: errorCode(err),
        retryInMs,
      });
      await release(db, claim.id, this.holder, 'pending', errorText(err), retryInMs).catch(() => undefined);
      throw err;
    } finally {
      await heartbeat.stop();
      rmSync(local, { force: true });
    }
    // For an exact duplicate the pipeline hands back the first document's id; the status
    // it reports (duplicate) is this file's, and decides where the file goes.
    await recordStatus(db, claim.id, result.status);
    this.log('info', 'sftp file ingested', {
      file: claim.remoteName,
      claimId: claim.id,
      documentId: result.documentId,
      status: result.status,
      format: result.format,
      mappingId: result.mappingId,
      summary: result.summary,
      errors: result.errors.length,
      ...(result.duplicateOf ? { duplicateOf: result.duplicateOf } : {}),
    });
    await this.finish(session, { ...claim, state: 'done', documentId: result.documentId, status: result.status });
    return { documentId: result.documentId, status: result.status, finished: true };
  }

  /** After the commit: move the remote file and write the acks, each step recorded so
   * that a resumed finish does only what is left. */
  private async finish(session: RemoteSession, claim: Claim): Promise<void> {
    const m = this.mailbox;
    const db = this.deps.db;
    const documentId = claim.documentId;
    if (!documentId) throw new Error(`claim ${claim.id} is done without a document`);
    const heartbeat = this.heartbeat(claim);
    try {
      let status = claim.status;
      if (!status) status = (await findDocument(db, documentId))?.status ?? 'applied';
      if (!claim.movedTo) {
        const dir = status === 'rejected' ? m.errorDir : m.archiveDir;
        const movedTo = await this.move(session, claim, dir, documentId);
        await recordMoved(db, claim.id, this.holder, movedTo);
      }
      const acks = await this.acks(this.deps, documentId);
      for (let i = claim.acksWritten; i < acks.length; i++) {
        const ack = acks[i]!;
        const path = await this.writeAck(session, ack.fileName, Buffer.from(ack.body, 'utf8'), documentId);
        await recordAcksWritten(db, claim.id, this.holder, i + 1);
        this.log('info', 'sftp ack written', { file: claim.remoteName, documentId, ack: path });
      }
      if (await markFinished(db, claim.id, this.holder)) await forgetSeen(db, m.name, claim.remoteName);
      this.log('info', 'sftp file finished', { file: claim.remoteName, claimId: claim.id, documentId, status, acks: acks.length });
    } catch (err) {
      await heartbeat.stop();
      // Committed already: only the move or acks are left; retried after a short delay.
      const retryInMs = Math.min(m.claimLeaseMs, m.pollIntervalMs);
      await recordError(db, claim.id, errorText(err)).catch(() => undefined);
      await release(db, claim.id, this.holder, 'done', errorText(err), retryInMs).catch(() => undefined);
      throw err;
    } finally {
      await heartbeat.stop();
    }
  }

  /** Moves the inbound file into `dir`; returns where it went. */
  private async move(session: RemoteSession, claim: Claim, dir: string, tag: string): Promise<string> {
    const from = session.join(this.mailbox.inboundDir, claim.remoteName);
    const now = await session.stat(from);
    if (!now || now.size !== claim.size || now.mtimeMs !== claim.mtimeMs) {
      // A resumed finish after the move had happened (or the partner removed the file).
      this.log('warn', 'sftp file no longer in inbound; taking it as moved', { file: claim.remoteName, claimId: claim.id });
      return `(not in ${this.mailbox.inboundDir})`;
    }
    let to = session.join(dir, claim.remoteName);
    if (await session.stat(to)) to = session.join(dir, withTag(claim.remoteName, tag)); // keep the earlier file
    await session.rename(from, to);
    this.log('info', 'sftp file moved', { file: claim.remoteName, claimId: claim.id, to });
    return to;
  }

  /** Writes under a temporary name, then renames: the partner never reads half an ack. */
  private async writeAck(session: RemoteSession, fileName: string, body: Buffer, tag: string): Promise<string> {
    if (fileName.length === 0 || fileName.length > MAX_ACK_NAME_CHARS || /[\\/]/.test(fileName) || fileName.startsWith('.')) {
      throw new Error(`acknowledgement name "${fileName}" is not a plain file name`);
    }
    const out = this.mailbox.outboundDir;
    const temp = session.join(out, `.${fileName}.tmp`);
    await session.write(temp, body);
    for (const name of [fileName, withTag(fileName, tag)]) {
      const target = session.join(out, name);
      const existing = await session.stat(target);
      if (!existing) {
        await session.rename(temp, target);
        return target;
      }
      if (existing.size === body.length && (await session.read(target)).equals(body)) {
        // The same ack is there already (written before an interruption): keep it.
        await session.remove(temp);
        return target;
      }
      // Another document's unread ack has this name: never overwrite it.
    }
    await session.remove(temp);
    throw new Error(`acknowledgement ${fileName} and its tagged name are both taken in ${out}`);
  }

  /** Moves a file that is not ingested (too large, too many failed attempts) to errorDir. */
  private async setAside(session: RemoteSession, claim: Claim, reason: string): Promise<void> {
    const from = session.join(this.mailbox.inboundDir, claim.remoteName);
    const now = await session.stat(from);
    let movedTo: string | null = null;
    if (now && now.size === claim.size && now.mtimeMs === claim.mtimeMs) {
      movedTo = session.join(this.mailbox.errorDir, claim.remoteName);
      if (await session.stat(movedTo)) movedTo = session.join(this.mailbox.errorDir, withTag(claim.remoteName, `claim-${claim.id}`));
      await session.rename(from, movedTo);
    }
    await markSetAside(this.deps.db, claim.id, this.holder, reason, movedTo);
    await forgetSeen(this.deps.db, this.mailbox.name, claim.remoteName);
    this.log('error', 'sftp file set aside without ingesting', { file: claim.remoteName, claimId: claim.id, reason, to: movedTo });
  }

  /**
   * Spool files of this claim left by earlier holders (a gateway killed mid-file). Their
   * leases ran out, or we could not hold the claim: a holder still reading one keeps its
   * open file after the unlink.
   */
  private removeStaleSpool(claimId: number, ours: string): void {
    for (const name of readdirSync(this.spoolDir)) {
      const path = join(this.spoolDir, name);
      if (name.startsWith(`${claimId}-`) && name.endsWith('.spool') && path !== ours) rmSync(path, { force: true });
    }
  }

  /** Renews the claim's lease while the file is in hand; stop() waits for a renewal in flight. */
  private heartbeat(claim: Claim): { stop(): Promise<void> } {
    let inFlight: Promise<void> | null = null;
    const timer = setInterval(
      () => {
        if (inFlight) return; // on SQLite it waits for the document's transaction
        inFlight = renewLease(this.deps.db, claim.id, this.holder, this.mailbox.claimLeaseMs)
          .then((held) => {
            if (!held) this.log('warn', 'sftp claim no longer held', { file: claim.remoteName, claimId: claim.id });
          })
          .catch((err: unknown) => this.log('warn', 'sftp claim lease not renewed', { file: claim.remoteName, claimId: claim.id, error: errorText(err) }))
          .finally(() => {
            inFlight = null;
          });
      },
      Math.max(100, Math.floor(this.mailbox.claimLeaseMs / 3)),
    );
    timer.unref();
    return {
      stop: async () => {
        clearInterval(timer);
        await inFlight;
      },
    };
  }

  private async connect(): Promise<RemoteSession> {
    if (this.session?.usable) return this.session;
    await this.dropSession();
    const m = this.mailbox;
    const session = await RemoteSession.open(m, this.logger);
    try {
      for (const dir of [m.archiveDir, m.errorDir, m.outboundDir]) await session.ensureDir(dir);
    } catch (err) {
      await session.close();
      throw err;
    }
    this.log('info', 'sftp connected', { host: m.host, port: m.port, username: m.username, holder: this.holder });
    this.session = session;
    return session;
  }

  private async dropSession(): Promise<void> {
    const s = this.session;
    this.session = null;
    if (s) await s.close();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
    this.logger.log(level, msg, { mailbox: this.mailbox.name, ...fields });
  }
}

/** "orders.csv" with tag "doc_1" -> "orders.doc_1.csv" (a name beside an existing one). */
export function withTag(name: string, tag: string): string {
  const ext = posix.extname(name);
  const stem = ext ? name.slice(0, -ext.length) : name;
  return `${stem}.${tag.replace(/[^A-Za-z0-9_-]/g, '_')}${ext}`;
}
