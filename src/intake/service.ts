// Where receive() runs. Channels hand their bytes to an Intake; whether it runs in this
// thread (the command line, the reseller API's small requests, the tests) or in a
// intake process with its own database connection (`serve`'s files: a long ingest must
// not hold up the HTTP loop) is the composition's choice, not the channel's.
import { gatewayMetrics } from '../metrics/metrics.js';
import { receive, replayDocument, type IntakeDeps } from './receive.js';
import type { IngestRequest, IngestResult } from './types.js';

export interface Intake {
  receive(req: IngestRequest): Promise<IngestResult>;
  replay(documentId: string, actor: string, mappingId?: string): Promise<IngestResult>;
  /** Finishes what is in hand and releases what it holds (workers, connections). */
  close(): Promise<void>;
}

/**
 * Counts a received document once its outcome is committed (a retried attempt is not a
 * second document), in the thread that serves /metrics, wherever it ran.
 */
export function countReceived(req: Pick<IngestRequest, 'channel'>, result: IngestResult): IngestResult {
  gatewayMetrics.documentReceived(req.channel, result.format, result.status);
  gatewayMetrics.devicesEnrolled(req.channel, result.enrolled);
  return result;
}

/** A replay is the same document again: only what it enrolled is counted. */
export function countReplayed(channel: string, result: IngestResult): IngestResult {
  gatewayMetrics.devicesEnrolled(channel, result.enrolled);
  return result;
}

/** receive() in this thread, on the given connection. */
export function inlineIntake(deps: IntakeDeps): Intake {
  return {
    receive: async (req) => countReceived(req, await receive(deps, req)),
    replay: async (documentId, actor, mappingId) => {
      const result = await replayDocument(deps, documentId, actor, mappingId);
      return countReplayed(result.channel, result);
    },
    close: async () => undefined,
  };
}
