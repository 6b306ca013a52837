// What every format reader yields. A reader turns a byte stream into canonical documents
// (through the partner's mapping), coded errors that say where, and, for X12, what its
// envelopes held so that a 997 can be written from the real results.
//
// Units: a reader may group what it yields into units (an X12 transaction set). An
// error with a `unit` refuses that unit only, and the reader yields no document of a unit
// it refuses. An error without a unit refuses the whole file: nothing of it applies.
import type { CodedError } from '../model/error-codes.js';
import type { PurchaseOrder, ShipNotice } from '../model/documents.js';
import type { ResellerTransactionCommand } from '../model/commands.js';
import type { Mapping } from '../mapping/mapping.js';
import { INTAKE_LIMITS } from '../model/limits.js';
import type { X12InterchangeInfo } from '../model/x12.js';

/** A coded error that says where: `params.at` is "line 12", "segment 57 (SN1)", "/cXML/Request/...". */
export interface DocumentError extends CodedError {
  unit?: string;
}

export type ReadItem =
  /**
   * impliedByShipment: made by the reader from ship-notice rows that carry their order's
   * header, not sent as an order: its date is the first delivery's (domain/documents.ts).
   */
  | { type: 'purchaseOrder'; at: string; unit?: string; doc: PurchaseOrder; impliedByShipment?: true }
  | { type: 'shipNotice'; at: string; unit?: string; doc: ShipNotice }
  /** A reseller-API transaction: one request, applied as the protocol says (per order). */
  | { type: 'transaction'; at: string; unit?: undefined; doc: ResellerTransactionCommand }
  | { type: 'error'; error: DocumentError }
  /**
   * X12 only: yielded at each ISA, before anything of the interchange, so that a
   * repeated interchange is refused before its sets apply.
   */
  | { type: 'x12InterchangeStart'; controlNumber: string; at: string }
  /** X12 only: yielded once per interchange, after its IEA (or at end of file when it is missing). */
  | { type: 'x12Interchange'; interchange: X12InterchangeInfo };

/** Limits every reader honours; a file past one gets GW-DOC-6009 naming where. */
export interface ReadLimits {
  maxLineBytes: number;
  maxErrors: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { maxLineBytes: INTAKE_LIMITS.maxLineBytes, maxErrors: INTAKE_LIMITS.maxErrorsPerDocument };

export interface ReadContext {
  mapping: Mapping;
  /** For messages only. */
  fileName: string;
  limits: ReadLimits;
}

/**
 * A reader consumes the stream as it arrives and keeps at most one document (one order's
 * rows, one transaction set, one XML document element) in memory.
 */
export type DocumentReader = (input: AsyncIterable<Buffer>, ctx: ReadContext) => AsyncIterable<ReadItem>;
