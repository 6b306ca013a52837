// What every format reader yields. A reader turns a byte stream into canonical documents
// (through the partner's mapping), coded errors that say where, and, for X12, what its
// envelopes held so that a 997 can be written from the real results.
//
// Units: a reader may group what it yields into units (an X12 transaction set). An
// error with a `unit` refuses that unit only, and the reader yields no document of a unit
// it refuses. An error without a unit refuses the whole file: nothing of it applies.
import type { CodedError } from '../model/error-codes.js';
import type { PurchaseOrder, ShipNotice } from '../model/documents.js';
import type { Mapping } from '../mapping/mapping.js';
import { INTAKE_LIMITS } from '../model/limits.js';

/** A coded error that says where: `params.at` is "line 12", "segment 57 (SN1)", "/cXML/Request/...". */
export interface DocumentError extends CodedError {
  unit?: string;
}

export interface X12SegmentError {
  /** Segment id (AK301), e.g. "SN1". */
  segmentId: string;
  /** Position of the segment in its transaction set, ST = 1 (AK302). */
  position: number;
  /** Loop identifier (AK303), when known. */
  loopId?: string;
  /** AK304 syntax error code (X12 table 720), e.g. "8" segment has data element errors. */
  segmentErrorCode?: string;
  elements: {
    /** Element position in the segment (AK401). */
    position: number;
    /** AK403 data element syntax error code (X12 table 723), e.g. "8" invalid date. */
    errorCode: string;
    /** AK404: the bad value, when it can be repeated safely (at most 99 characters). */
    badValue?: string;
  }[];
}

export interface X12SetResult {
  /** ST01: "850", "856". */
  setId: string;
  /** ST02 */
  controlNumber: string;
  /** AK501: A accepted, E accepted with errors noted, R rejected. */
  status: 'A' | 'E' | 'R';
  /** AK502..: X12 table 718 codes, e.g. "4" segment count wrong, "5" segments in error. */
  errorCodes: string[];
  segmentErrors: X12SegmentError[];
}

export interface X12GroupResult {
  /** GS01 functional identifier: "PO" (850), "SH" (856). */
  functionalId: string;
  /** GS06 */
  controlNumber: string;
  /** GS08 version, "004010". */
  version: string;
  /** GS02 / GS03: sender and receiver application codes, swapped in the answer. */
  senderCode: string;
  receiverCode: string;
  /** GE01 as declared (null when the GE is missing). */
  declaredSets: number | null;
  sets: X12SetResult[];
  /** AK905.. group-level error codes (X12 table 716), e.g. "4" group control number mismatch. */
  errorCodes: string[];
}

export interface X12InterchangeInfo {
  /** ISA13 */
  controlNumber: string;
  /** ISA05/ISA06, ISA07/ISA08 */
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  /** ISA11 repetition separator (004010: "U" or a character), ISA16, element and segment separators. */
  elementSeparator: string;
  componentSeparator: string;
  segmentTerminator: string;
  usageIndicator: string;
  groups: X12GroupResult[];
}

export type ReadItem =
  | { type: 'purchaseOrder'; at: string; unit?: string; doc: PurchaseOrder }
  | { type: 'shipNotice'; at: string; unit?: string; doc: ShipNotice }
  | { type: 'error'; error: DocumentError }
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
