// 850 purchase order -> canonical PurchaseOrder, as the partner's mapping says. The
// heading (BEG, REF, CUR, N1 loop) gives the order; each PO1 loop gives a line: a device
// line, or volume credit when its part number is a credit part. Credit amounts are
// PO102 x PO104 in exact decimals, never JavaScript numbers.
import { Decimal } from 'decimal.js';
import { validatePurchaseOrder, type PurchaseOrder, type PurchaseOrderLine } from '../../model/documents.js';
import { familyForPart, isCreditPart, parseDecimal, parseQuantity } from '../../mapping/values.js';
import type { OrderType } from '../../model/state.js';
import { ELEMENT_ERROR } from './grammar.js';
import type { X12PurchaseOrderSection } from './mapping-section.js';
import type { Segment } from './segment.js';
import { SEGMENT_ERROR, type SegmentRef } from './set-errors.js';
import {
  hitRef,
  mapDate,
  reportMissing,
  reportSchemaError,
  type FieldOrigin,
  type MappedItem,
  type SetMapper,
  type SetMapperContext,
} from './set-mapper.js';
import { FirstOf, type Hit } from './sources.js';
import { DOCUMENT_LIMITS } from '../../model/limits.js';

interface LineDraft {
  ref: SegmentRef & { seg: Segment };
  part: FirstOf;
}

interface LineOrigin {
  ref: SegmentRef;
  partElement?: number;
}

/** Enough digits that PO102 x PO104 is never rounded (9 + 17 digits). */
const ExactDecimal = Decimal.clone({ precision: 64 });

const LOOP_PO1 = 'PO1';
const LOOP_N1 = 'N1';

export class PurchaseOrderSet implements SetMapper {
  loopId: string | undefined;
  private readonly section: X12PurchaseOrderSection;
  private readonly orderNumber: FirstOf;
  private readonly orderDate: FirstOf;
  private readonly customerId: FirstOf;
  private readonly poNumber: FirstOf | undefined;
  private readonly currency: FirstOf | undefined;
  private beg: SegmentRef | undefined;
  private readonly lines: LineDraft[] = [];
  private current: LineDraft | undefined;
  private inDetail = false;
  private ctt: SegmentRef | undefined;
  private tooManyLines = false;
  /** Where the heading ended (first PO1): where a missing heading segment was expected. */
  private headingEnd = 0;

  constructor(private readonly ctx: SetMapperContext) {
    const section = ctx.mapping.x12?.purchaseOrder;
    // The reader only builds this mapper for a mapping with a purchaseOrder section.
    if (!section) throw new Error(`mapping ${ctx.mapping.id} has no x12.purchaseOrder section`);
    this.section = section;
    this.orderNumber = new FirstOf(section.orderNumber);
    this.orderDate = new FirstOf(section.orderDate);
    this.customerId = new FirstOf(section.customerId);
    this.poNumber = section.poNumber ? new FirstOf(section.poNumber) : undefined;
    this.currency = section.currency ? new FirstOf(section.currency) : undefined;
  }

  add(seg: Segment, position: number): void {
    const id = seg.e[0];
    if (id === 'PO1') {
      this.loopId = LOOP_PO1;
      if (!this.inDetail) this.headingEnd = position;
      this.inDetail = true;
      this.startLine(seg, position);
    } else if (id === 'CTT') {
      this.loopId = undefined;
      this.current = undefined;
      this.ctt = { seg, id, position };
      return;
    } else if (id === 'N1' && !this.inDetail) {
      this.loopId = LOOP_N1;
    }
    if (this.current) {
      this.current.part.offer(seg, position);
    } else if (!this.inDetail) {
      if (id === 'BEG' && !this.beg) this.beg = { seg, id, position };
      this.orderNumber.offer(seg, position);
      this.orderDate.offer(seg, position);
      this.customerId.offer(seg, position);
      this.poNumber?.offer(seg, position);
      this.currency?.offer(seg, position);
    }
  }

  private startLine(seg: Segment, position: number): void {
    if (this.lines.length >= DOCUMENT_LIMITS.linesPerPurchaseOrder) {
      this.current = undefined;
      if (!this.tooManyLines) {
        this.tooManyLines = true;
        const ref: SegmentRef = { seg, id: 'PO1', position, loopId: LOOP_PO1 };
        const E = this.ctx.errors;
        E.segment(ref, SEGMENT_ERROR.loopOverMax, 'GW-DOC-6009', {
          at: E.atRef(ref),
          detail: `a purchase order has at most ${DOCUMENT_LIMITS.linesPerPurchaseOrder} PO1 lines`,
        });
      }
      return;
    }
    this.current = { ref: { seg, id: 'PO1', position, loopId: LOOP_PO1 }, part: new FirstOf(this.section.partNumber) };
    this.lines.push(this.current);
  }

  finish(st: SegmentRef, se: SegmentRef): MappedItem[] {
    const E = this.ctx.errors;
    const mapping = this.ctx.mapping;
    const expected: SegmentRef = { id: 'BEG', position: this.headingEnd || se.position };
    const origins = new Map<string, FieldOrigin>();

    const orderType = this.orderType();
    const required = (field: string, picker: FirstOf): Hit | undefined => {
      const hit = picker.best();
      if (!hit) reportMissing(E, field, picker, expected);
      else origins.set(field, { ref: hitRef(hit), element: hit.element });
      return hit;
    };
    const orderNumber = required('orderNumber', this.orderNumber);
    const dateHit = required('orderDate', this.orderDate);
    const customerId = required('customerId', this.customerId);
    const poNumber = this.poNumber?.best();
    if (poNumber) origins.set('poNumber', { ref: hitRef(poNumber), element: poNumber.element });
    const orderDate = dateHit && mapDate(E, mapping, 'orderDate', dateHit);

    const lineOrigins: LineOrigin[] = [];
    const lines: PurchaseOrderLine[] = [];
    this.lines.forEach((draft, i) => {
      const line = this.mapLine(draft, i, lineOrigins);
      if (line) lines.push(line);
    });
    if (this.lines.length === 0) {
      E.segment({ id: 'PO1', position: se.position }, SEGMENT_ERROR.mandatoryMissing, 'GW-MAP-6201', {
        field: 'lines (PO1)',
        at: E.atRef({ id: 'PO1', position: se.position }),
      });
    }
    this.checkLineCount();
    if (E.count > 0 || !orderType || !orderNumber || !orderDate || !customerId) return [];

    const doc: PurchaseOrder = {
      orderNumber: orderNumber.value,
      orderType,
      orderDate,
      customerId: customerId.value,
      lines,
    };
    if (poNumber) doc.poNumber = poNumber.value;
    if (!validatePurchaseOrder(doc)) {
      reportSchemaError(validatePurchaseOrder, doc, E, (path) => originOf(path, origins, lineOrigins, st));
      return [];
    }
    return [{ type: 'purchaseOrder', doc, at: E.atRef(st) }];
  }

  /** BEG01 purpose and BEG02 type through the mapping's rules. */
  private orderType(): OrderType | undefined {
    const E = this.ctx.errors;
    const beg = this.beg;
    if (!beg?.seg) {
      const ref: SegmentRef = { id: 'BEG', position: 2 };
      E.segment(ref, SEGMENT_ERROR.mandatoryMissing, 'GW-MAP-6201', { field: 'BEG (beginning segment)', at: E.atRef(ref) });
      return undefined;
    }
    const purpose = beg.seg.e[1] ?? '';
    const type = beg.seg.e[2] ?? '';
    const rule = this.section.orderTypes.find(
      (r) => (!r.purposes || r.purposes.includes(purpose)) && (!r.types || r.types.includes(type)),
    );
    if (!rule) {
      E.element(beg, 2, ELEMENT_ERROR.invalidCode, 'GW-MAP-6205', {
        field: 'orderType',
        value: `BEG01 ${purpose} BEG02 ${type}`,
        detail: `no order type rule of mapping ${this.ctx.mapping.id} matches`,
        at: E.atRef(beg),
      }, type);
      return undefined;
    }
    return rule.orderType;
  }

  private mapLine(draft: LineDraft, index: number, origins: LineOrigin[]): PurchaseOrderLine | undefined {
    const E = this.ctx.errors;
    const mapping = this.ctx.mapping;
    const ref = draft.ref;
    const e = ref.seg.e;
    const at = E.atRef(ref);
    // PO101 is optional in X12; the canonical line needs a number, so the position stands in.
    const lineNumber = e[1] || String(index + 1);
    const partHit = draft.part.best();
    origins.push(partHit ? { ref, partElement: partHit.element } : { ref });
    if (!partHit) reportMissing(E, 'partNumber', draft.part, ref);
    const quantityText = e[2] ?? '';
    const quantity = this.quantity(ref, quantityText, at);
    if (!partHit || quantity === undefined) return undefined;
    const partNumber = partHit.value;
    if (!isCreditPart(mapping, partNumber)) {
      const family = familyForPart(mapping, partNumber);
      return family ? { type: 'device', lineNumber, partNumber, deviceFamily: family, quantity } : { type: 'device', lineNumber, partNumber, quantity };
    }
    const priceText = e[4] ?? '';
    if (priceText === '') {
      E.element(ref, 4, ELEMENT_ERROR.mandatoryMissing, 'GW-MAP-6201', { field: 'unit price of a credit line (PO104)', at });
      return undefined;
    }
    const price = parseDecimal(priceText, '.');
    if (price === undefined) {
      E.element(ref, 4, ELEMENT_ERROR.invalidCharacter, 'GW-MAP-6203', { field: 'unit price (PO104)', value: priceText, at }, priceText);
      return undefined;
    }
    const currency = this.currency?.best()?.value ?? this.section.defaultCurrency;
    if (!currency) {
      reportMissing(E, 'currency', this.currency ?? new FirstOf([{ segment: 'CUR', element: 2 }]), { id: 'CUR', position: this.headingEnd });
      return undefined;
    }
    const dot = price.indexOf('.');
    const scale = dot < 0 ? 0 : price.length - dot - 1;
    const amount = new ExactDecimal(price).times(quantity).toFixed(scale);
    return { type: 'credit', lineNumber, partNumber, amount, currency, quantity };
  }

  private quantity(ref: SegmentRef, text: string, at: string): number | undefined {
    const E = this.ctx.errors;
    const max = DOCUMENT_LIMITS.quantityPerLine;
    if (text === '') {
      E.element(ref, 2, ELEMENT_ERROR.mandatoryMissing, 'GW-MAP-6201', { field: 'quantity (PO102)', at });
      return undefined;
    }
    const quantity = parseQuantity(text, max);
    if (quantity !== undefined) return quantity;
    if (!/^\d+$/.test(text.trim())) {
      E.element(ref, 2, ELEMENT_ERROR.invalidCharacter, 'GW-MAP-6203', { field: 'quantity (PO102)', value: text, at }, text);
    } else {
      E.element(ref, 2, ELEMENT_ERROR.invalidCode, 'GW-MAP-6205', {
        field: 'quantity (PO102)',
        value: text,
        detail: `must be a whole number from 1 to ${max}`,
        at,
      }, text);
    }
    return undefined;
  }

  /** CTT01, when present, is the number of PO1 lines. */
  private checkLineCount(): void {
    const ctt = this.ctt;
    if (!ctt?.seg || this.tooManyLines) return;
    const declared = ctt.seg.e[1] ?? '';
    if (declared !== '' && Number(declared) !== this.lines.length) {
      const E = this.ctx.errors;
      E.element(ctt, 1, ELEMENT_ERROR.invalidCode, 'GW-X12-6404', {
        segment: 'CTT01',
        declared,
        counted: this.lines.length,
        at: E.atRef(ctt),
      }, declared);
    }
  }
}

/** The segment and element a schema path ("/lines/2/amount") came from. */
function originOf(path: string, origins: Map<string, FieldOrigin>, lines: LineOrigin[], st: SegmentRef): FieldOrigin {
  const parts = path.split('/');
  if (parts[1] === 'lines' && parts[2] !== undefined) {
    const line = lines[Number(parts[2])];
    if (!line) return { ref: st };
    const element = { lineNumber: 1, quantity: 2, amount: 4, partNumber: line.partElement }[parts[3] ?? ''];
    return element === undefined ? { ref: line.ref } : { ref: line.ref, element };
  }
  return origins.get(parts[1] ?? '') ?? { ref: st };
}
