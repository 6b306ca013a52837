// The intake pipeline's contract with its channels (HTTP upload, SFTP mailbox, CLI):
// a channel hands over a local file holding the raw bytes, and gets the document's id
// and outcome back. Every channel feeds the same pipeline; none has rules of its own.
import type { Knex } from 'knex';
import type { DocumentError } from '../formats/types.js';
import type { DocumentStatus, DocumentSummary } from '../model/documents.js';

export type IntakeChannel = 'http' | 'sftp' | 'cli';

export interface IngestRequest {
  /** Supplier id of the sending partner (reseller number, or Apple's id). */
  partnerId: string;
  channel: IntakeChannel;
  /** The name the partner gave the file (upload name, remote file name). */
  fileName: string;
  /** Local file with the raw bytes, as received (spooled by the channel). */
  path: string;
  /** Mapping to use; absent means the partner's one mapping for the detected format. */
  mappingId?: string;
  /** Who sent it, for the audit trail: "reseller:16FCE4A0", "sftp:mailbox-name", "cli". */
  actor: string;
  /**
   * Runs inside the database transaction that records the document's result (applied,
   * rejected or duplicate), after everything else is written: a channel's own
   * bookkeeping (an SFTP claim marked done) commits with the document, or not at all.
   */
  beforeCommit?: (trx: Knex, documentId: string) => Promise<void>;
  /** Progress of the read, for a terminal progress bar. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface IngestResult {
  documentId: string;
  status: DocumentStatus;
  /** For a duplicate: the document that was received first. */
  duplicateOf?: string;
  format: string;
  mappingId: string | null;
  sha256: string;
  summary: DocumentSummary;
  /** Coded errors with messages, at most the configured number. */
  errors: (DocumentError & { message: string })[];
}
