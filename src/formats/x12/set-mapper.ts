// The contract between the reader (envelopes, counts) and the mapping of one kind of
// transaction set: the reader hands over each segment of the set as it arrives, then
// asks for the documents once the SE has been checked.
import type { ValidateFunction } from 'ajv';
import type { PurchaseOrder, ShipNotice } from '../../model/documents.js';
import type { Mapping } from '../../mapping/mapping.js';
import { parseDate } from '../../mapping/values.js';
import { ELEMENT_ERROR } from './grammar.js';
import type { Segment } from './segment.js';
import { describeSources, type FirstOf, type Hit } from './sources.js';
import { SEGMENT_ERROR, type SegmentRef, type SetErrors } from './set-errors.js';

export type MappedItem =
  | { type: 'purchaseOrder'; doc: PurchaseOrder; at: string }
  | { type: 'shipNotice'; doc: ShipNotice; at: string };

export interface SetMapper {
  /** AK303 loop of the segment last added ("PO1", "HL"), for errors the reader finds in it. */
  readonly loopId: string | undefined;
  /** One segment of the set, ST excluded and SE excluded; `position` counts ST as 1. */
  add(seg: Segment, position: number): void;
  /** The set's documents, or none when anything in the set was refused. */
  finish(st: SegmentRef, se: SegmentRef): MappedItem[];
}

export interface SetMapperContext {
  mapping: Mapping;
  errors: SetErrors;
}

/** Where a document field came from, for schema errors: its segment and element. */
export interface FieldOrigin {
  ref: SegmentRef;
  element?: number;
}

/**
 * A schema refusal (GW-MAP-6205) naming the segment the offending field came from;
 * `originOf` maps the schema's instance path ("/lines/2/amount") to that segment.
 */
export function reportSchemaError(
  validate: ValidateFunction,
  doc: object,
  errors: SetErrors,
  originOf: (path: string) => FieldOrigin,
): void {
  const e = validate.errors?.[0];
  const path = e?.instancePath ?? '';
  const origin = originOf(path);
  const value = valueAt(doc, path);
  const params = {
    field: path || 'document',
    value: typeof value === 'string' || typeof value === 'number' ? String(value) : '',
    detail: e?.message ?? 'invalid',
    at: errors.atRef(origin.ref),
  };
  const code723 =
    e?.keyword === 'maxLength' || e?.keyword === 'maximum' || e?.keyword === 'maxItems'
      ? ELEMENT_ERROR.tooLong
      : e?.keyword === 'minLength'
        ? ELEMENT_ERROR.tooShort
        : ELEMENT_ERROR.invalidCode;
  if (origin.element !== undefined) errors.element(origin.ref, origin.element, code723, 'GW-MAP-6205', params, params.value);
  else errors.segment(origin.ref, SEGMENT_ERROR.elementErrors, 'GW-MAP-6205', params);
}

function valueAt(doc: object, path: string): unknown {
  let cur: unknown = doc;
  for (const key of path.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/**
 * A mapped field no source found (GW-MAP-6201). When the right segment is there with an
 * empty element, the AK4 names that element; otherwise the AK3 names the segment the
 * first source expects, where it was expected.
 */
export function reportMissing(errors: SetErrors, field: string, picker: FirstOf, expected: SegmentRef): void {
  const label = `${field} (${describeSources(picker.sources)})`;
  const partial = picker.partial;
  if (partial) {
    const ref: SegmentRef = { seg: partial.seg, id: partial.seg.e[0]!, position: partial.position };
    if (expected.loopId) ref.loopId = expected.loopId;
    errors.element(ref, partial.element, ELEMENT_ERROR.mandatoryMissing, 'GW-MAP-6201', { field: label, at: errors.atRef(ref) });
    return;
  }
  const ref: SegmentRef = { ...expected, id: picker.sources[0]?.segment ?? expected.id };
  errors.segment(ref, SEGMENT_ERROR.mandatoryMissing, 'GW-MAP-6201', { field: label, at: errors.atRef(expected) });
}

/** The segment a picker hit came from. */
export function hitRef(hit: Hit, loopId?: string): SegmentRef {
  const ref: SegmentRef = { seg: hit.seg, id: hit.seg.e[0]!, position: hit.position };
  if (loopId) ref.loopId = loopId;
  return ref;
}

/** A date through the mapping's formats, or a GW-MAP-6202 naming the element. */
export function mapDate(errors: SetErrors, mapping: Mapping, field: string, hit: Hit, loopId?: string): string | undefined {
  const date = parseDate(hit.value, mapping.dateFormats);
  if (date === undefined) {
    const ref = hitRef(hit, loopId);
    const params = { field, value: hit.value, formats: mapping.dateFormats.join(', '), at: errors.atRef(ref) };
    errors.element(ref, hit.element, ELEMENT_ERROR.invalidDate, 'GW-MAP-6202', params, hit.value);
  }
  return date;
}
