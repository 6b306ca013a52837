// The intake pipeline's contract with its channels (reseller API, HTTP upload, SFTP
// mailbox, CLI): a channel hands over the raw bytes (a spooled file, or a buffer), and
// gets the document's id and outcome back. Every channel feeds the same pipeline; none
// has rules of its own.
import type { DocumentError } from '../formats/types.js';
import type { DocumentStatus, DocumentSummary } from '../model/documents.js';

export type IntakeChannel = 'http' | 'sftp' | 'cli' | 'reseller-api';

export interface IngestRequest {
  /** Supplier id of the sending partner (reseller number, or Apple's id). */
  partnerId: string;
  channel: IntakeChannel;
  /** The name the partner gave the file (upload name, remote file name). */
  fileName: string;
  /** Local file with the raw bytes, as received (spooled by the channel); or `bytes`, exactly one. */
  path?: string;
  /** The raw bytes, as received, when the channel holds them in memory (a reseller-API request). */
  bytes?: Buffer;
  /** Mapping to use; absent means the partner's one mapping for the detected format. */
  mappingId?: string;
  /** Who sent it, for the audit trail: "reseller:16FCE4A0", "sftp:mailbox-name", "cli". */
  actor: string;
  /**
   * An SFTP mailbox's claim of the file: marked done inside the database transaction
   * that records the document's result (applied, rejected or duplicate), so that the
   * file counts as processed exactly when its document exists. Data, not a callback:
   * intake may run in an intake process.
   */
  claim?: { claimId: number; holder: string };
  /** Progress of the read, for a terminal progress bar. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface IngestResult {
  documentId: string;
  status: DocumentStatus;
  /** The channel it came in by (a replay: the channel of the first receipt). */
  channel: IntakeChannel;
  /** For a duplicate: the document that was received first. */
  duplicateOf?: string;
  /** For a duplicate: what became of the document received first. */
  duplicateOfStatus?: DocumentStatus | 'processing';
  /**
   * For a duplicate of a rejected document: how to run that one again once its mapping or
   * data is corrected (sending the same bytes again is refused as a duplicate).
   */
  replay?: ReplayHint;
  format: string;
  mappingId: string | null;
  sha256: string;
  summary: DocumentSummary;
  /** Coded errors with messages, at most the configured number. */
  errors: (DocumentError & { message: string })[];
  /** Devices this run newly enrolled, whichever document named them (waiting ship notices freed by an order too). */
  enrolled: number;
  /** A reseller-API request: what became of it as a transaction. */
  transaction?: TransactionReceipt;
  /** A reseller-API request, once read: its transaction id and the language its messages are wanted in. */
  request?: { transactionId?: string; langCode: string };
}

export interface TransactionReceipt {
  /** applied: by this request; repeated: the same transaction id and body were applied before. */
  kind: 'applied' | 'repeated';
  transactionId: string;
  enrollmentId: string;
  /** Devices this request enrolled (0 when repeated), for the metrics. */
  devicesEnrolled: number;
}

/** Where a rejected document is replayed: over HTTP (as its partner), or on the command line. */
export interface ReplayHint {
  /** "POST /v1/documents/doc_.../replay"; the header X-Gateway-Mapping names another mapping. */
  endpoint: string;
  /** "document replay doc_..."; --mapping ID names another mapping. */
  command: string;
}
