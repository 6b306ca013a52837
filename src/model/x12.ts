// What an X12 interchange held and what became of it, per functional group and
// transaction set: read by the X12 reader, completed with the outcome of each set when
// the document is committed, and written back as the 997.

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
  /** ST03, the implementation convention reference (versions after 004010), when sent: AK203 repeats it. */
  implementationReference?: string;
  /**
   * AK501: A accepted, E accepted with errors noted, R rejected. As read, the syntax's
   * verdict; once the document is committed, what became of the set (a set refused by
   * the rules, or in a document that applied nothing, is R).
   */
  status: 'A' | 'E' | 'R';
  /** The reader's name for the set ("interchange 000000905, group 905, set 0001"): the unit its documents carry. */
  unit?: string;
  /** AK502..: X12 table 718 codes, e.g. "4" segment count wrong, "5" segments in error. */
  errorCodes: string[];
  segmentErrors: X12SegmentError[];
}

export interface X12GroupResult {
  /** GS01 functional identifier: "PO" (850), "SH" (856). */
  functionalId: string;
  /** GS06 */
  controlNumber: string;
  /** GS08 version, "004010", "005010": the 997 and 855 answer in it. */
  version: string;
  /** GS02 / GS03: sender and receiver application codes, swapped in the answer. */
  senderCode: string;
  receiverCode: string;
  /** GE01 as declared (null when the GE is missing). */
  declaredSets: number | null;
  sets: X12SetResult[];
  /** AK905.. group-level error codes (X12 table 716), e.g. "4" group control number mismatch. */
  errorCodes: string[];
  /** AK901, frozen when the document is committed; absent as read (then derived from the sets). */
  status?: 'A' | 'E' | 'P' | 'R';
}

export interface X12InterchangeInfo {
  /** ISA13 */
  controlNumber: string;
  /** ISA05/ISA06, ISA07/ISA08 */
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  /** ISA16, element and segment separators. */
  elementSeparator: string;
  componentSeparator: string;
  segmentTerminator: string;
  usageIndicator: string;
  /** ISA11: "U" in 004010, the repetition separator from 00402 on; absent in documents read before it was kept. */
  repetitionSeparator?: string;
  /** ISA12, "00401", "00501": the answer's interchange uses it; absent in documents read before it was kept. */
  version?: string;
  groups: X12GroupResult[];
}
