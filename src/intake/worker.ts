// receive() off the thread that serves HTTP, for `serve`: a file of a million serials
// takes seconds to read and apply, and the thread that answers HTTP (/healthz, the
// reseller API, the query API) must not wait for it. Each intake worker opens its own
// connection and its own mappings; the serving thread hands it a request (a spooled
// file's path or a request's bytes, a partner, a channel) and gets the result back, with
// the metrics counted there, where /metrics is served.
//   SQLite: one intake process (a child process, not a thread). SQLite has one writer, so
//     one worker; a process of its own may use better-sqlite3, whose synchronous calls
//     carry a reseller-API transaction of 1,000 devices in about half the time sqlite3's
//     thread-pool round trips take (200 transactions in one thread: 57,700 against 32,600
//     devices/s), while the serving process keeps sqlite3, whose waits for the write lock
//     never block its HTTP loop. Two SQLite libraries must not share one process (see
//     store/db.ts): a child process has its own.
//   PostgreSQL: two intake processes, ingesting side by side. Processes, not threads: a
//     document that needs much memory (an order of 600,000 devices takes about 2 GB to
//     apply) grows, and at worst ends, its intake process, never the serving one; and
//     the serving process stays small (about 125 MiB idle; with two worker threads inside
//     it, about 200 MiB before any document).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CreditConfig } from '../model/credit.js';
import { INTAKE_LIMITS } from '../model/limits.js';
import { creditSettingsFrom } from '../credit/defaults.js';
import { BUILTIN_MAPPINGS_DIR, loadMappings, mappingSetVersion, replaceMappings, type Mapping } from '../mapping/mapping.js';
import type { CodedError } from '../model/error-codes.js';
import { openDatabase, type DatabaseSettings, type SqliteDriver } from '../store/db.js';
import { ClaimLostError } from '../store/sftp-claims.js';
import { IntakeError, receive, replayDocument, ReplayRefused, type IntakeDeps, type IntakeLimits } from './receive.js';
import { countReceived, countReplayed, type Intake } from './service.js';
import type { TransactionLimits } from '../domain/order-fields.js';
import type { IngestRequest, IngestResult } from './types.js';

/** What a worker needs to open its own connection and mappings: plain data, copied into it. */
export interface IntakeWorkerSettings {
  database: DatabaseSettings;
  mappingDirs: string[];
  limits: IntakeLimits;
  credit: CreditConfig;
  transactions: TransactionLimits;
}

/**
 * `mappings`: the serving process's set, with its version: a worker whose own set differs
 * (a reload since) takes it, so that it reads with the set in use when the call was made.
 */
type CallBody = ({ op: 'receive'; req: Omit<IngestRequest, 'onProgress'> } | { op: 'replay'; documentId: string; actor: string; mappingId?: string }) & {
  mappings?: { version: string; list: Mapping[] };
};
type Call = CallBody & { id: number };

/** An error, as it crosses back: the kinds the channels tell apart, and the message. */
interface WireError {
  kind: 'intake' | 'replay-refused' | 'claim-lost' | 'other';
  message: string;
  coded?: CodedError;
  claim?: { claimId: number; holder: string };
}

type Reply = { id: number; ok: true; result: IngestResult } | { id: number; ok: false; error: WireError };

function toWire(err: unknown, call: Call): WireError {
  if (err instanceof ReplayRefused) return { kind: 'replay-refused', message: err.message, coded: err.error };
  if (err instanceof IntakeError) return { kind: 'intake', message: err.message };
  if (err instanceof ClaimLostError && call.op === 'receive' && call.req.claim) return { kind: 'claim-lost', message: err.message, claim: call.req.claim };
  return { kind: 'other', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}

function fromWire(e: WireError): Error {
  switch (e.kind) {
    case 'replay-refused':
      return new ReplayRefused(e.coded!);
    case 'intake':
      return new IntakeError(e.message);
    case 'claim-lost':
      return new ClaimLostError(e.claim!.claimId, e.claim!.holder);
    default:
      return new Error(`intake worker: ${e.message}`);
  }
}

/** One end of the line between the serving thread and an intake worker (a thread's port, or a child process's IPC channel). */
interface Line {
  send(message: unknown): void;
  onMessage(handle: (message: Call | { op: 'close' }) => void): void;
  close(): void;
}

/** The worker side: serve calls one at a time, each on this worker's own connection. */
function serveCalls(settings: IntakeWorkerSettings, driver: SqliteDriver, line: Line): void {
  const db = openDatabase(settings.database, driver);
  const deps: IntakeDeps = {
    db,
    mappings: loadMappings([BUILTIN_MAPPINGS_DIR, ...settings.mappingDirs]),
    limits: settings.limits,
    credit: creditSettingsFrom(settings.credit),
    transactions: settings.transactions,
  };
  let queue = Promise.resolve();
  line.onMessage((call: Call | { op: 'close' }) => {
    if (call.op === 'close') {
      queue = queue.then(() => db.destroy()).then(() => line.close());
      return;
    }
    queue = queue.then(async () => {
      // Its own set is compared, not what was last sent: a restarted process read the folders anew.
      if (call.mappings && call.mappings.version !== mappingSetVersion(deps.mappings)) replaceMappings(deps.mappings, call.mappings.list);
      let reply: Reply;
      try {
        const result = call.op === 'receive' ? await receive(deps, call.req) : await replayDocument(deps, call.documentId, call.actor, call.mappingId);
        reply = { id: call.id, ok: true, result };
      } catch (err) {
        reply = { id: call.id, ok: false, error: toWire(err, call) };
      }
      line.send(reply);
    });
  });
}

/** The argument that makes this module, run as a program, an intake process. */
const CHILD_ARGUMENT = '--abm-intake-process';

if (process.argv[2] === CHILD_ARGUMENT && process.send) {
  // The settings arrive as the first message; a parent that goes away takes this process
  // with it (an uncommitted transaction is rolled back by the database). On PostgreSQL
  // the driver named here is not used.
  process.once('message', (settings: IntakeWorkerSettings) => {
    serveCalls(settings, 'better-sqlite3', {
      send: (m) => process.send!(m),
      onMessage: (handle) => process.on('message', handle),
      close: () => process.disconnect(),
    });
  });
  process.on('disconnect', () => process.exit(0));
  // Ctrl-C reaches the whole process group: the serving process stops gracefully and asks
  // this one to finish the document in hand and close; it must not die first.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => undefined);
}

/** A worker as the serving thread sees it: where calls go, and how its end is seen. */
interface WorkerEnd {
  send(message: unknown): void;
  onReply(handle: (reply: Reply) => void): void;
  /** Called when the worker fails or ends unasked: the calls it had in hand are lost. */
  onFailure(handle: (why: string) => void): void;
  /** Asks it to finish what it has and stop; resolves when it has. */
  stop(): Promise<void>;
}

/**
 * The intake process. One that ends unasked (killed, out of memory) fails the calls it
 * had in hand, and the next call starts a new one: what it was applying was rolled back,
 * and a file from SFTP is taken again.
 */
function processWorker(settings: IntakeWorkerSettings): WorkerEnd {
  const replyHandlers: ((reply: Reply) => void)[] = [];
  const failureHandlers: ((why: string) => void)[] = [];
  let stopping = false;
  const start = (): ChildProcess => {
    const started = fork(fileURLToPath(import.meta.url), [CHILD_ARGUMENT], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: settings.database.databaseUrl ? [...process.execArgv, `--max-semi-space-size=${INTAKE_LIMITS.intakeProcessSemiSpaceMb}`] : process.execArgv,
    });
    started.send(settings);
    started.on('message', (reply: Reply) => replyHandlers.forEach((handle) => handle(reply)));
    started.on('error', (err) => failureHandlers.forEach((handle) => handle(err.message)));
    started.on('exit', (code, signal) => {
      if (!stopping) failureHandlers.forEach((handle) => handle(`the intake process ended (${signal ?? `exit code ${code}`})`));
    });
    return started;
  };
  const ended = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
  let child = start();
  return {
    send: (m) => {
      if (ended(child) && !stopping) child = start();
      child.send(m as object);
    },
    onReply: (handle) => replyHandlers.push(handle),
    onFailure: (handle) => failureHandlers.push(handle),
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (ended(child)) return resolve();
        child.once('exit', () => resolve());
        child.send({ op: 'close' });
      }),
  };
}

/**
 * Intake off the serving process: on SQLite one intake process, on PostgreSQL `count`
 * of them; each call goes to the one with the fewest calls in hand.
 */
export function workerIntake(settings: IntakeWorkerSettings, count = settings.database.databaseUrl ? 2 : 1, mappings?: Map<string, Mapping>): Intake {
  const workers = Array.from({ length: count }, () => {
    const end = processWorker(settings);
    const pending = new Map<number, { resolve(r: IngestResult): void; reject(e: Error): void }>();
    end.onReply((reply) => {
      const call = pending.get(reply.id);
      if (!call) return;
      pending.delete(reply.id);
      if (reply.ok) call.resolve(reply.result);
      else call.reject(fromWire(reply.error));
    });
    // A worker that dies fails what it had in hand; the next call fails loudly too.
    end.onFailure((why) => {
      for (const call of pending.values()) call.reject(new Error(`intake worker failed: ${why}`));
      pending.clear();
    });
    return { end, pending };
  });
  let nextId = 0;
  const call = (message: CallBody): Promise<IngestResult> => {
    const target = workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = ++nextId;
    // The set in use goes with every call (a few KiB): the worker takes it when its own differs.
    const withMappings = mappings ? { ...message, mappings: { version: mappingSetVersion(mappings), list: [...mappings.values()] } } : message;
    return new Promise<IngestResult>((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      target.end.send({ ...withMappings, id });
    });
  };
  return {
    async receive(req) {
      const { onProgress: _progress, ...plain } = req;
      return countReceived(req, await call({ op: 'receive', req: plain }));
    },
    async replay(documentId, actor, mappingId) {
      const result = await call({ op: 'replay', documentId, actor, ...(mappingId !== undefined ? { mappingId } : {}) });
      return countReplayed(result.channel, result);
    },
    async close() {
      await Promise.all(workers.map(({ end }) => end.stop()));
    },
  };
}
