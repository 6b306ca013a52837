// The X12 reader (004010, and the later versions a mapping accepts): bytes -> segments -> envelopes checked -> transaction sets
// mapped into canonical documents, streaming, one set in memory at a time.
//
// What a refusal covers follows the envelopes. A problem inside a transaction set (its
// segment count, a bad date, a broken HL) refuses that set only: its errors carry the set
// as `unit` and none of its documents are yielded. A problem with the envelopes
// themselves (ISA, GS/GE, IEA, a missing trailer) leaves the file untrustworthy: those
// errors carry no unit and refuse the whole file. A set's documents are yielded only
// after its SE has been checked; each interchange's results follow its IEA, for the 997.
import type { DocumentError, DocumentReader, ReadContext, ReadItem } from '../types.js';
import type { ErrorCode, MessageParams } from '../../model/error-codes.js';
import { checkElements, grammarFor, isSegmentId, type X12Grammar } from './grammar.js';
import { DEFAULT_X12_VERSIONS, x12TransactionSets, type X12MappingSection } from './mapping-section.js';
import { PurchaseOrderSet } from './po850.js';
import { ShipNoticeSet } from './asn856.js';
import { fileAt, type Segment, type X12Delimiters } from './segment.js';
import { SEGMENT_ERROR, SET_ERROR, SetErrors, type SegmentRef } from './set-errors.js';
import type { SetMapper, SetMapperContext } from './set-mapper.js';
import { X12Tokenizer } from './tokenizer.js';
import { incompleteTail, invalidUtf8Offset } from '../utf8-offset.js';
import { X12_LIMITS } from '../../model/limits.js';
import type { X12GroupResult, X12InterchangeInfo, X12SetResult } from '../../model/x12.js';

/** GS01 each transaction set belongs under. */
const FUNCTIONAL_IDS: Record<string, string> = { '850': 'PO', '856': 'SH', '855': 'PR', '997': 'FA', '810': 'IN' };

/** X12 table 716 (AK905): what is wrong with a functional group. */
const GROUP_ERROR = {
  versionNotSupported: '2',
  trailerMissing: '3',
  controlNumberMismatch: '4',
  setCountMismatch: '5',
  controlNumberSyntax: '6',
} as const;

const MAPPERS: Record<string, (ctx: SetMapperContext) => SetMapper> = {
  '850': (ctx) => new PurchaseOrderSet(ctx),
  '856': (ctx) => new ShipNoticeSet(ctx),
};

interface InterchangeState {
  info: X12InterchangeInfo;
  isa: Segment;
  where: string;
}

interface GroupState {
  result: X12GroupResult;
  gs: Segment;
  where: string;
  versionOk: boolean;
  /** Element rules of the group's version (GS08). */
  grammar: X12Grammar;
  /** ST02 values seen in the group, for uniqueness and unit names. */
  controlNumbers: Map<string, number>;
}

interface SetState {
  result: X12SetResult;
  st: Segment;
  group: GroupState | undefined;
  /** Segments so far, ST included: SE01 must equal it, SE included. */
  count: number;
  errors: SetErrors;
  mapper: SetMapper | undefined;
  tooLong: boolean;
}

const NOTHING = Buffer.alloc(0);

export const readX12: DocumentReader = (input, ctx) => read(input, ctx);

async function* read(input: AsyncIterable<Buffer>, ctx: ReadContext): AsyncGenerator<ReadItem> {
  const reader = new X12Reader(ctx);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let pending: Buffer = NOTHING;
  if (reader.stopped) {
    yield* reader.take();
    return;
  }
  for await (const chunk of input) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      // Read up to the bad byte, so that the error names the segment and line it is in.
      const probe = Buffer.concat([pending, chunk]);
      const offset = Math.max(0, invalidUtf8Offset(probe));
      reader.push(new TextDecoder('utf-8').decode(probe.subarray(0, offset)));
      reader.invalidUtf8(bytes - pending.length + offset);
      yield* reader.take();
      return;
    }
    bytes += chunk.length;
    // The bytes the decoder holds back (a sequence may span several small chunks).
    const joined = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    const held = incompleteTail(joined);
    pending = held > 0 ? Buffer.from(joined.subarray(joined.length - held)) : NOTHING;
    reader.push(text);
    yield* reader.take();
    if (reader.stopped) return;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    reader.invalidUtf8(bytes - pending.length);
    yield* reader.take();
    return;
  }
  reader.end(rest);
  yield* reader.take();
}

class X12Reader {
  stopped = false;
  private out: ReadItem[] = [];
  private readonly tok: X12Tokenizer;
  private readonly section: X12MappingSection | undefined;
  private readonly sets: Set<string>;
  private readonly versions: readonly string[];
  private delims: X12Delimiters = { element: '*', component: '>', segment: '~' };
  private interchange: InterchangeState | undefined;
  private group: GroupState | undefined;
  private set: SetState | undefined;
  private errorCount = 0;

  constructor(private readonly ctx: ReadContext) {
    this.tok = new X12Tokenizer(ctx.limits.maxLineBytes);
    this.section = ctx.mapping.x12;
    this.versions = this.section?.versions ?? DEFAULT_X12_VERSIONS;
    const section = this.section;
    // A set is handled only when the mapping lists it and says how to map it.
    this.sets = new Set(
      section
        ? x12TransactionSets(section).filter((id) => (id === '850' && section.purchaseOrder) || (id === '856' && section.shipNotice))
        : [],
    );
    if (!section) this.fatal('GW-DOC-6005', { detail: `mapping ${ctx.mapping.id} has no x12 section` }, true);
  }

  /** Items ready to yield; the queue is emptied. */
  take(): ReadItem[] {
    const items = this.out;
    this.out = [];
    return items;
  }

  push(text: string): void {
    this.tok.push(text);
    this.pump();
  }

  end(text: string): void {
    if (this.stopped) return;
    this.tok.push(text);
    this.tok.end();
    this.pump();
    if (this.stopped) return;
    if (!this.tok.sawContent) {
      this.fatal('GW-DOC-6007', {}, true);
      return;
    }
    if (this.interchange) this.truncatedAtEnd();
  }

  /** `offset` counts from 0; the message counts bytes from 1, as lines and segments. */
  invalidUtf8(offset: number): void {
    this.fatal('GW-DOC-6001', { at: `byte ${offset + 1}, ${this.tok.position}` }, true);
    if (this.interchange) this.closeInterchange();
  }

  private pump(): void {
    const tok = this.tok;
    for (let seg = tok.next(); seg !== undefined; seg = tok.next()) {
      this.segment(seg);
      if (this.stopped) return;
    }
    const failure = tok.failure;
    if (failure) {
      this.fatal(failure.code, { at: failure.at, detail: failure.detail }, true);
      if (this.interchange) this.closeInterchange();
    }
  }

  private segment(seg: Segment): void {
    const id = seg.e[0]!;
    const set = this.set;
    if (set) {
      if (id === 'SE') return this.endSet(set, seg);
      if (id !== 'ST' && id !== 'GE' && id !== 'GS' && id !== 'IEA' && id !== 'ISA') return this.setSegment(set, seg);
      this.setWithoutTrailer(set, seg);
    }
    switch (id) {
      case 'ISA':
        return this.startInterchange(seg);
      case 'GS':
        return this.startGroup(seg);
      case 'ST':
        return this.startSet(seg);
      case 'GE':
        return this.endGroup(seg);
      case 'IEA':
        return this.endInterchange(seg);
      default:
        this.fatal('GW-X12-6402', {
          segment: id,
          at: this.fileAt(seg),
          detail: id === 'SE' ? 'an SE without its ST' : 'a segment outside a transaction set (between ST and SE)',
        });
    }
  }

  // ---- interchange -------------------------------------------------------------------------

  private startInterchange(isa: Segment): void {
    if (this.interchange) {
      if (this.group) this.groupWithoutTrailer(this.group, isa);
      const ich = this.interchange;
      this.fatal('GW-X12-6405', {
        at: this.fileAt(isa),
        detail: `interchange ${ich.info.controlNumber} (${this.fileAt(ich.isa)}) has no IEA before the next ISA`,
      });
      this.closeInterchange();
    }
    const d = this.tok.delimiters!;
    this.delims = d;
    const e = isa.e;
    const control = e[13]!;
    this.interchange = {
      isa,
      where: `interchange ${control}`,
      info: {
        controlNumber: control,
        senderQualifier: e[5]!,
        senderId: e[6]!.trim(),
        receiverQualifier: e[7]!,
        receiverId: e[8]!.trim(),
        elementSeparator: d.element,
        componentSeparator: d.component,
        segmentTerminator: d.segment,
        usageIndicator: e[15]!,
        repetitionSeparator: e[11]!,
        version: e[12]!,
        groups: [],
      },
    };
    this.out.push({ type: 'x12InterchangeStart', controlNumber: control, at: this.fileAt(isa) });
  }

  private endInterchange(iea: Segment): void {
    const ich = this.interchange;
    if (!ich) return this.fatal('GW-X12-6402', { segment: 'IEA', at: this.fileAt(iea), detail: 'an IEA without its ISA' });
    if (this.group) {
      this.groupWithoutTrailer(this.group, iea);
      this.group = undefined;
    }
    const at = this.fileAt(iea);
    const declared = iea.e[1] ?? '';
    const counted = ich.info.groups.length;
    if (!sameNumber(declared, String(counted))) {
      this.fatal('GW-X12-6404', { segment: 'IEA01', declared, counted, at });
    }
    const control = iea.e[2] ?? '';
    if (!sameNumber(control, ich.info.controlNumber)) {
      this.fatal('GW-X12-6403', { at, detail: `IEA02 ${control} does not match ISA13 ${ich.info.controlNumber}` });
    }
    this.closeInterchange();
  }

  private closeInterchange(): void {
    const ich = this.interchange!;
    this.interchange = undefined;
    this.group = undefined;
    this.set = undefined;
    this.out.push({ type: 'x12Interchange', interchange: ich.info });
  }

  // ---- functional group ----------------------------------------------------------------------

  private startGroup(gs: Segment): void {
    const ich = this.interchange;
    if (!ich) return; // the tokenizer hands out nothing before an ISA
    if (this.group) {
      this.groupWithoutTrailer(this.group, gs);
      this.fatal('GW-X12-6405', { at: this.fileAt(gs), detail: `${this.group.where} has no GE before the next GS` });
    }
    const e = gs.e;
    const result: X12GroupResult = {
      functionalId: e[1] ?? '',
      controlNumber: e[6] ?? '',
      version: e[8] ?? '',
      senderCode: e[2] ?? '',
      receiverCode: e[3] ?? '',
      declaredSets: null,
      sets: [],
      errorCodes: [],
    };
    const group: GroupState = {
      result,
      gs,
      where: `${ich.where}, group ${result.controlNumber}`,
      versionOk: true,
      grammar: grammarFor(result.version),
      controlNumbers: new Map(),
    };
    this.group = group;
    if (ich.info.groups.length >= X12_LIMITS.groupsPerInterchange) {
      this.fatal('GW-DOC-6009', { at: this.fileAt(gs), detail: `an interchange has at most ${X12_LIMITS.groupsPerInterchange} functional groups` });
      this.stop();
      return;
    }
    ich.info.groups.push(result);
    for (const issue of checkElements(e) ?? []) {
      if (issue.position === 6) result.errorCodes.push(GROUP_ERROR.controlNumberSyntax);
      this.fatal('GW-X12-6402', { segment: 'GS', at: this.fileAt(gs), detail: `GS${pad2(issue.position)} "${issue.value}" ${issue.detail}` });
    }
    if (!this.versions.some((v) => result.version.startsWith(v))) {
      group.versionOk = false;
      result.errorCodes.push(GROUP_ERROR.versionNotSupported);
      this.fatal('GW-X12-6402', {
        segment: 'GS',
        at: this.fileAt(gs),
        detail: `GS08 version "${result.version}" is not supported (expected ${this.versions.join(' or ')})`,
      });
    }
  }

  private endGroup(ge: Segment): void {
    const group = this.group;
    if (!group) return this.fatal('GW-X12-6402', { segment: 'GE', at: this.fileAt(ge), detail: 'a GE without its GS' });
    this.group = undefined;
    const result = group.result;
    const at = this.fileAt(ge);
    const declared = ge.e[1] ?? '';
    const counted = result.sets.length;
    result.declaredSets = /^\d{1,6}$/.test(declared) ? Number(declared) : null;
    if (result.declaredSets !== counted) {
      result.errorCodes.push(GROUP_ERROR.setCountMismatch);
      this.fatal('GW-X12-6404', { segment: 'GE01', declared, counted, at });
    }
    const control = ge.e[2] ?? '';
    if (!sameNumber(control, result.controlNumber)) {
      result.errorCodes.push(GROUP_ERROR.controlNumberMismatch);
      this.fatal('GW-X12-6403', { at, detail: `GE02 ${control} does not match GS06 ${result.controlNumber}` });
    }
  }

  /** A group cut short by the segment `next` (or the end of the file): refused whole. */
  private groupWithoutTrailer(group: GroupState, next: Segment | undefined): void {
    if (!group.result.errorCodes.includes(GROUP_ERROR.trailerMissing)) group.result.errorCodes.push(GROUP_ERROR.trailerMissing);
    if (next && next.e[0] !== 'GS') {
      this.fatal('GW-X12-6405', { at: this.fileAt(next), detail: `${group.where} has no GE before ${next.e[0]}` });
    }
  }

  // ---- transaction set -----------------------------------------------------------------------

  private startSet(st: Segment): void {
    const group = this.group;
    const ich = this.interchange!;
    const setId = st.e[1] ?? '';
    const control = st.e[2] ?? '';
    let unit = `${group?.where ?? ich.where}, set ${control}`;
    const seen = group?.controlNumbers.get(control) ?? 0;
    if (seen > 0) unit += ` (#${seen + 1})`;
    group?.controlNumbers.set(control, seen + 1);
    const errors = new SetErrors(unit, this.delims.element, this.ctx.limits.maxErrors);
    const result: X12SetResult = { setId, controlNumber: control, status: 'A', errorCodes: [], segmentErrors: [] };
    const set: SetState = { result, st, group, count: 1, errors, mapper: undefined, tooLong: false };
    this.set = set;
    if (!group) {
      this.fatal('GW-X12-6402', { segment: 'ST', at: this.fileAt(st), detail: 'an ST outside a functional group (GS)' });
      return;
    }
    if (group.result.sets.length >= X12_LIMITS.setsPerGroup) {
      this.fatal('GW-DOC-6009', { at: this.fileAt(st), detail: `a functional group has at most ${X12_LIMITS.setsPerGroup} transaction sets` });
      this.stop();
      return;
    }
    const ref: SegmentRef = { seg: st, id: 'ST', position: 1 };
    if (seen > 0) {
      errors.set(SET_ERROR.controlNumberNotUnique, 'GW-X12-6403', {
        at: errors.atRef(ref),
        detail: `ST02 ${control} is used by another set of ${group.where}`,
      });
    }
    if (!group.versionOk) {
      errors.addCode(SET_ERROR.notSupported);
      return;
    }
    const implementation = st.e[3];
    if (implementation) result.implementationReference = implementation;
    this.checkGrammar(errors, st, 1, undefined, group.grammar);
    const expectedGroup = FUNCTIONAL_IDS[setId];
    if (expectedGroup && expectedGroup !== group.result.functionalId) {
      errors.addCode(SET_ERROR.badSetId);
      errors.element(ref, 1, '7', 'GW-X12-6402', {
        segment: 'ST',
        at: errors.atRef(ref),
        detail: `a ${setId} set belongs in a functional group ${expectedGroup}, not ${group.result.functionalId} (GS01)`,
      }, setId);
    }
    const make = this.sets.has(setId) ? MAPPERS[setId] : undefined;
    if (!make) {
      errors.set(SET_ERROR.notSupported, 'GW-X12-6406', { setId, at: errors.atRef(ref) });
      return;
    }
    set.mapper = make({ mapping: this.ctx.mapping, errors });
  }

  private setSegment(set: SetState, seg: Segment): void {
    const position = ++set.count;
    if (!set.mapper || set.tooLong) return;
    if (position > X12_LIMITS.segmentsPerSet) {
      set.tooLong = true;
      const ref: SegmentRef = { seg, id: seg.e[0]!, position };
      set.errors.segment(ref, SEGMENT_ERROR.overMaxUse, 'GW-DOC-6009', {
        at: set.errors.atRef(ref),
        detail: `a transaction set has at most ${X12_LIMITS.segmentsPerSet} segments`,
      });
      return;
    }
    set.mapper.add(seg, position);
    this.checkGrammar(set.errors, seg, position, set.mapper.loopId, set.group?.grammar);
  }

  private checkGrammar(errors: SetErrors, seg: Segment, position: number, loopId: string | undefined, grammar: X12Grammar | undefined): void {
    const id = seg.e[0]!;
    if (!isSegmentId(id)) {
      const ref: SegmentRef = { seg, id: id.slice(0, 3) || '?', position };
      if (loopId) ref.loopId = loopId;
      errors.segment(ref, SEGMENT_ERROR.unrecognizedId, 'GW-X12-6402', {
        segment: id,
        at: errors.atRef(ref),
        detail: id === '' ? 'the segment is empty' : `"${id}" is not a segment id`,
      });
      return;
    }
    const issues = checkElements(seg.e, grammar);
    if (!issues) return;
    const ref: SegmentRef = { seg, id, position };
    if (loopId) ref.loopId = loopId;
    for (const issue of issues) {
      const name = `${id}${pad2(issue.position)}`;
      const detail = issue.value === '' ? `${name} ${issue.detail}` : `${name} "${issue.value}" ${issue.detail}`;
      errors.element(ref, issue.position, issue.code, 'GW-X12-6402', { segment: id, at: errors.atRef(ref), detail }, issue.value);
    }
  }

  private endSet(set: SetState, se: Segment): void {
    this.set = undefined;
    const position = ++set.count;
    const errors = set.errors;
    const seRef: SegmentRef = { seg: se, id: 'SE', position };
    const stRef: SegmentRef = { seg: set.st, id: 'ST', position: 1 };
    const declared = se.e[1] ?? '';
    if (!sameNumber(declared, String(position))) {
      errors.set(SET_ERROR.countMismatch, 'GW-X12-6404', { segment: 'SE01', declared, counted: position, at: errors.atRef(seRef) });
    }
    const control = se.e[2] ?? '';
    if (control !== set.result.controlNumber) {
      errors.set(SET_ERROR.controlNumberMismatch, 'GW-X12-6403', {
        at: errors.atRef(seRef),
        detail: `SE02 ${control} does not match ST02 ${set.result.controlNumber}`,
      });
    }
    const mapped = set.mapper && !set.tooLong ? set.mapper.finish(stRef, seRef) : [];
    this.closeSet(set);
    for (const error of errors.errors) this.pushError(error);
    if (errors.count > 0 || errors.codes.length > 0 || this.stopped) return;
    for (const item of mapped) {
      if (item.type === 'purchaseOrder') this.out.push({ type: 'purchaseOrder', at: item.at, unit: errors.unit, doc: item.doc });
      else this.out.push({ type: 'shipNotice', at: item.at, unit: errors.unit, doc: item.doc });
    }
  }

  /** Files the set's result with its group, for the 997. */
  private closeSet(set: SetState): void {
    const result = set.result;
    result.errorCodes = set.errors.codes.slice();
    result.segmentErrors = set.errors.segmentErrors;
    result.status = result.errorCodes.length > 0 || set.errors.count > 0 ? 'R' : 'A';
    result.unit = set.errors.unit;
    if (result.status === 'R' && result.errorCodes.length === 0) result.errorCodes.push(SET_ERROR.segmentsInError);
    set.group?.result.sets.push(result);
  }

  /** A set cut short by an envelope segment: refused, and the file with it. */
  private setWithoutTrailer(set: SetState, next: Segment): void {
    this.set = undefined;
    set.errors.addCode(SET_ERROR.trailerMissing);
    this.closeSet(set);
    this.fatal('GW-X12-6405', { at: this.fileAt(next), detail: `${set.errors.unit} has no SE before ${next.e[0]}` });
  }

  /** The file ended inside an interchange: name every trailer that is missing. */
  private truncatedAtEnd(): void {
    const missing: string[] = [];
    const set = this.set;
    if (set) {
      set.errors.addCode(SET_ERROR.trailerMissing);
      this.closeSet(set);
      this.set = undefined;
      missing.push(`the SE of ${set.errors.unit}`);
    }
    if (this.group) {
      this.groupWithoutTrailer(this.group, undefined);
      missing.push(`the GE of ${this.group.where}`);
    }
    const ich = this.interchange!;
    missing.push(`the IEA of ${ich.where}`);
    this.fatal('GW-X12-6405', { at: `end of file, after segment ${this.tok.segmentCount}`, detail: `missing ${missing.join(', ')}` });
    this.closeInterchange();
  }

  // ---- errors ----------------------------------------------------------------------------------

  private fileAt(seg: Segment): string {
    const at = fileAt(seg, this.delims.element, X12_LIMITS.previewChars);
    return this.interchange ? `${this.interchange.where}, ${at}` : at;
  }

  /** An error of the whole file (no unit); `stop` ends reading. */
  private fatal(code: ErrorCode, params: MessageParams, stop = false): void {
    this.pushError({ code, params });
    if (stop) this.stop();
  }

  private pushError(error: DocumentError): void {
    if (this.stopped) return;
    if (this.errorCount >= this.ctx.limits.maxErrors) {
      this.out.push({ type: 'error', error: { code: 'GW-DOC-6008', params: { max: this.ctx.limits.maxErrors } } });
      this.stop();
      return;
    }
    this.errorCount++;
    this.out.push({ type: 'error', error });
  }

  private stop(): void {
    this.stopped = true;
  }
}

/** N0 values compare as numbers: "0905" and "905" are one control number. */
function sameNumber(a: string, b: string): boolean {
  return /^\d{1,10}$/.test(a) && /^\d{1,10}$/.test(b) ? Number(a) === Number(b) : a === b;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
