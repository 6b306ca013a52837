// What went wrong in one transaction set, kept twice over: as coded errors for the
// partner's report (each naming its segment), and as AK3/AK4/AK5 material for the 997.
// Both come from the same calls, so the 997 says exactly what the report says.
import type { DocumentError } from '../types.js';
import type { ErrorCode, MessageParams } from '../../model/error-codes.js';
import { preview, type Segment } from './segment.js';
import { X12_LIMITS } from '../../model/limits.js';
import type { X12SegmentError } from '../../model/x12.js';

/** X12 table 718 (AK502): why a transaction set was rejected. */
export const SET_ERROR = {
  notSupported: '1',
  trailerMissing: '2',
  controlNumberMismatch: '3',
  countMismatch: '4',
  segmentsInError: '5',
  badSetId: '6',
  controlNumberNotUnique: '23',
} as const;

/** X12 table 720 (AK304): what is wrong with a segment. */
export const SEGMENT_ERROR = {
  unrecognizedId: '1',
  unexpected: '2',
  mandatoryMissing: '3',
  loopOverMax: '4',
  overMaxUse: '5',
  notInSet: '6',
  outOfSequence: '7',
  elementErrors: '8',
} as const;

/** Where a segment sits, for an AK3: the segment, or only its id and position when it is missing. */
export interface SegmentRef {
  seg?: Segment;
  id: string;
  position: number;
  loopId?: string;
}

export class SetErrors {
  readonly errors: DocumentError[] = [];
  readonly segmentErrors: X12SegmentError[] = [];
  /** AK502.. codes, each once, in the order they arose. */
  readonly codes: string[] = [];
  /** Errors past the cap: counted, not kept. */
  dropped = 0;
  private readonly byPosition = new Map<number, X12SegmentError>();
  private readonly seenElements = new Set<string>();

  constructor(
    /**
     * "interchange 000000905, group 1, set 0001": the unit every error of the set carries,
     * and the start of every `at`.
     */
    readonly unit: string,
    private readonly separator: string,
    private readonly maxErrors: number,
  ) {}

  get count(): number {
    return this.errors.length + this.dropped;
  }

  /** "interchange 000000905, group 1, set 0001, segment 12 (REF*SE*C02X), line 58". */
  at(seg: Segment, position: number): string {
    return `${this.unit}, segment ${position} (${preview(seg, this.separator, X12_LIMITS.previewChars)}), line ${seg.line}`;
  }

  /** `at` for a segment that may be missing: names where it was expected. */
  atRef(ref: SegmentRef): string {
    if (ref.seg) return this.at(ref.seg, ref.position);
    return `${this.unit}, segment ${ref.id} expected at position ${ref.position}`;
  }

  addCode(code: string): void {
    if (!this.codes.includes(code)) this.codes.push(code);
  }

  /** An error of the set as a whole (SE count, control numbers): AK5 codes only, no AK3. */
  set(code718: string, code: ErrorCode, params: MessageParams): void {
    this.addCode(code718);
    this.push(code, params);
  }

  /** An error of one element: a coded error, and an AK3 with an AK4 for the 997. */
  element(ref: SegmentRef, element: number, code723: string, code: ErrorCode, params: MessageParams, badValue?: string): void {
    const key = `${ref.position}:${element}`;
    // The grammar and the mapping may both trip over one element: report it once.
    if (this.seenElements.has(key)) return;
    this.seenElements.add(key);
    const segErr = this.segmentError(ref, SEGMENT_ERROR.elementErrors);
    if (segErr && segErr.elements.length < 99) {
      const entry: X12SegmentError['elements'][number] = { position: element, errorCode: code723 };
      if (badValue && badValue.length <= X12_LIMITS.badValueChars) entry.badValue = badValue;
      segErr.elements.push(entry);
    }
    this.push(code, params);
  }

  /** An error of a whole segment (missing, unexpected, over its limit): an AK3 with its table 720 code. */
  segment(ref: SegmentRef, code720: string, code: ErrorCode, params: MessageParams): void {
    const segErr = this.segmentError(ref, code720);
    // A segment may carry element errors and a segment code: the segment code says more.
    if (segErr && code720 !== SEGMENT_ERROR.elementErrors) segErr.segmentErrorCode = code720;
    this.push(code, params);
  }

  private segmentError(ref: SegmentRef, code720: string): X12SegmentError | undefined {
    this.addCode(SET_ERROR.segmentsInError);
    let segErr = this.byPosition.get(ref.position);
    if (!segErr || segErr.segmentId !== ref.id) {
      if (this.segmentErrors.length >= X12_LIMITS.segmentErrorsPerSet) return undefined;
      segErr = { segmentId: ref.id, position: ref.position, segmentErrorCode: code720, elements: [] };
      if (ref.loopId) segErr.loopId = ref.loopId;
      this.segmentErrors.push(segErr);
      this.byPosition.set(ref.position, segErr);
    }
    return segErr;
  }

  private push(code: ErrorCode, params: MessageParams): void {
    if (this.errors.length >= this.maxErrors) {
      this.dropped++;
      return;
    }
    this.errors.push({ code, params, unit: this.unit });
  }
}
