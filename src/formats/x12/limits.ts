// Limits of the X12 reader, named so that each refusal can say which one it hit.
import { DOCUMENT_LIMITS } from '../../model/documents.js';

export const X12_LIMITS = {
  /**
   * Segments one transaction set may hold: a ship notice of the largest size, with room
   * for a few segments per device (HL, LIN, SN1, REF, MAN...) and its heading.
   */
  segmentsPerSet: DOCUMENT_LIMITS.devicesPerShipNotice * 10 + 1_000,
  /** Functional groups per interchange and sets per group: bounds the 997 we write back. */
  groupsPerInterchange: 10_000,
  setsPerGroup: 100_000,
  /** Element errors kept per set for the 997 (AK4s), and segment errors (AK3s). */
  segmentErrorsPerSet: 1_000,
  /** Characters of a segment repeated in an error's `at`. */
  previewChars: 40,
  /** AK404 repeats a bad value of at most this many characters. */
  badValueChars: 99,
} as const;
