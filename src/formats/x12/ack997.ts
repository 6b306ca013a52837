// The 997 functional acknowledgment, written from what the reader found: one 997 per
// functional group received, with AK2/AK3/AK4/AK5 per set and AK9 for the group. It is
// never a blanket "accepted": every status and count comes from X12InterchangeInfo.
import type { X12Delimiters } from './segment.js';
import { cleanText, writeInterchange, type GroupContent } from './writer.js';
import type { X12GroupResult, X12InterchangeInfo, X12SetResult } from '../../model/x12.js';

/** AK5 and AK9 carry at most five error codes each; AK3 loop ids are at most 6 characters. */
const MAX_CODES = 5;
const LOOP_ID_CHARS = 6;
const BAD_VALUE_CHARS = 99;

export interface Write997Options {
  /** ISA13 of the 997's interchange, and the base of its GS06 and ST02 values. */
  controlNumber: string;
  now: Date;
  /** The 997's sender and receiver: by default the original's receiver and sender, swapped. */
  senderQualifier?: string;
  senderId?: string;
  receiverQualifier?: string;
  receiverId?: string;
  /** Written after each segment terminator; default none. */
  lineBreak?: string;
}

/** AK9 status of a group: A all accepted, E accepted with errors, P some accepted, R none (or a group error). */
export function groupStatus(group: X12GroupResult): 'A' | 'E' | 'P' | 'R' {
  // Frozen when the document was committed: what applying the group's sets came to.
  if (group.status) return group.status;
  if (group.errorCodes.length > 0) return 'R';
  const accepted = group.sets.filter((s) => s.status !== 'R').length;
  if (accepted === group.sets.length) return group.sets.some((s) => s.status === 'E') ? 'E' : 'A';
  return accepted === 0 ? 'R' : 'P';
}

export function write997(interchange: X12InterchangeInfo, opts: Write997Options): string {
  const delimiters: X12Delimiters = {
    element: interchange.elementSeparator,
    component: interchange.componentSeparator,
    segment: interchange.segmentTerminator,
  };
  const groups: GroupContent[] = interchange.groups.map((group) => ({
    functionalId: 'FA',
    applicationSender: group.receiverCode || interchange.receiverId,
    applicationReceiver: group.senderCode || interchange.senderId,
    // The 997 answers in the version of the group it acknowledges.
    version: group.version,
    sets: [{ setId: '997', segments: ackSegments(group, delimiters) }],
  }));
  const envelope = {
    controlNumber: opts.controlNumber,
    now: opts.now,
    senderQualifier: opts.senderQualifier ?? interchange.receiverQualifier,
    senderId: opts.senderId ?? interchange.receiverId,
    receiverQualifier: opts.receiverQualifier ?? interchange.senderQualifier,
    receiverId: opts.receiverId ?? interchange.senderId,
    usageIndicator: interchange.usageIndicator,
    delimiters,
    ...(interchange.version !== undefined ? { isaVersion: interchange.version } : {}),
    ...(interchange.repetitionSeparator !== undefined ? { repetitionSeparator: interchange.repetitionSeparator } : {}),
  };
  return writeInterchange(opts.lineBreak === undefined ? envelope : { ...envelope, lineBreak: opts.lineBreak }, groups);
}

function ackSegments(group: X12GroupResult, d: X12Delimiters): string[][] {
  const out: string[][] = [['AK1', group.functionalId, group.controlNumber]];
  for (const set of group.sets) out.push(...setSegments(set, d));
  const accepted = group.sets.filter((s) => s.status !== 'R').length;
  const included = group.declaredSets ?? group.sets.length;
  out.push([
    'AK9',
    groupStatus(group),
    String(included),
    String(group.sets.length),
    String(accepted),
    ...group.errorCodes.slice(0, MAX_CODES),
  ]);
  return out;
}

function setSegments(set: X12SetResult, d: X12Delimiters): string[][] {
  // AK203 (versions after 004010) repeats the set's ST03 when it had one.
  const out: string[][] = [['AK2', set.setId, set.controlNumber, set.implementationReference ?? '']];
  for (const err of set.segmentErrors) {
    out.push(['AK3', err.segmentId, String(err.position), (err.loopId ?? '').slice(0, LOOP_ID_CHARS), err.segmentErrorCode ?? '']);
    for (const el of err.elements) {
      const bad = el.badValue === undefined ? '' : cleanText(el.badValue, d, BAD_VALUE_CHARS);
      out.push(['AK4', String(el.position), '', el.errorCode, bad]);
    }
  }
  out.push(['AK5', set.status, ...set.errorCodes.slice(0, MAX_CODES)]);
  return out;
}
