// receive() in worker threads, for `serve`: a file of a million serials takes seconds to
// read and apply, and the thread that answers HTTP (/healthz, the reseller API, the query
// API) must not wait for it. Each worker opens its own connection (on SQLite with the
// same driver as the serving thread: see store/db.ts) and its own mappings;
// the serving thread hands it a request (a spooled file's path, a partner, a channel)
// and gets the result back, with the metrics counted here, where /metrics is served.
// On SQLite there is one worker: SQLite has one writer, and a second worker would only
// wait for the first. On PostgreSQL two ingest side by side.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { CreditConfig } from '../model/credit.js';
import { creditSettingsFrom } from '../credit/defaults.js';
import { BUILTIN_MAPPINGS_DIR, loadMappings } from '../mapping/mapping.js';
import type { CodedError } from '../model/error-codes.js';
import { openDatabase, type DatabaseSettings } from '../store/db.js';
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

type CallBody = { op: 'receive'; req: Omit<IngestRequest, 'onProgress'> } | { op: 'replay'; documentId: string; actor: string; mappingId?: string };
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

/** The worker side: serve calls one at a time, each on this worker's own connection. */
async function serveCalls(settings: IntakeWorkerSettings): Promise<void> {
  const db = openDatabase(settings.database, 'sqlite3');
  const deps: IntakeDeps = {
    db,
    mappings: loadMappings([BUILTIN_MAPPINGS_DIR, ...settings.mappingDirs]),
    limits: settings.limits,
    credit: creditSettingsFrom(settings.credit),
    transactions: settings.transactions,
  };
  const port = parentPort!;
  let queue = Promise.resolve();
  port.on('message', (call: Call | { op: 'close' }) => {
    if (call.op === 'close') {
      queue = queue.then(() => db.destroy()).then(() => port.close());
      return;
    }
    queue = queue.then(async () => {
      let reply: Reply;
      try {
        const result = call.op === 'receive' ? await receive(deps, call.req) : await replayDocument(deps, call.documentId, call.actor, call.mappingId);
        reply = { id: call.id, ok: true, result };
      } catch (err) {
        reply = { id: call.id, ok: false, error: toWire(err, call) };
      }
      port.postMessage(reply);
    });
  });
}

if (!isMainThread && (workerData as { intakeWorker?: IntakeWorkerSettings } | null)?.intakeWorker) {
  void serveCalls((workerData as { intakeWorker: IntakeWorkerSettings }).intakeWorker);
}

/** Intake on `count` worker threads; each call goes to the worker with the fewest calls in hand. */
export function workerIntake(settings: IntakeWorkerSettings, count = settings.database.databaseUrl ? 2 : 1): Intake {
  const workers = Array.from({ length: count }, () => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { intakeWorker: settings } });
    const pending = new Map<number, { resolve(r: IngestResult): void; reject(e: Error): void }>();
    worker.on('message', (reply: Reply) => {
      const call = pending.get(reply.id);
      if (!call) return;
      pending.delete(reply.id);
      if (reply.ok) call.resolve(reply.result);
      else call.reject(fromWire(reply.error));
    });
    // A worker that dies fails what it had in hand; the next call fails loudly too.
    worker.on('error', (err) => {
      for (const call of pending.values()) call.reject(new Error(`intake worker failed: ${err.message}`));
      pending.clear();
    });
    return { worker, pending };
  });
  let nextId = 0;
  const call = (message: CallBody): Promise<IngestResult> => {
    const target = workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = ++nextId;
    return new Promise<IngestResult>((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      target.worker.postMessage({ ...message, id });
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
      await Promise.all(
        workers.map(
          ({ worker }) =>
            new Promise<void>((resolve) => {
              worker.once('exit', () => resolve());
              worker.postMessage({ op: 'close' });
            }),
        ),
      );
    },
  };
}
