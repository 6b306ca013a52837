// 856 ship notice -> one canonical ShipNotice per order (O level) it ships, as the
// partner's mapping says. The heading and shipment level give the delivery number and
// ship date; each O level its order number; each item (I) level its devices: one per
// serial the first matching serial source finds there, with the part number of the same
// segment (or of the level) and an asset tag when the mapping names a source.
import { validateShipNotice, type ShipNotice, type ShippedDevice } from '../../model/documents.js';
import { familyForPart } from '../../mapping/values.js';
import type { DeviceFamily } from '../../model/device-family.js';
import { ELEMENT_ERROR } from './grammar.js';
import { HL_LOOP, HlTree, type HlNode } from './hl.js';
import { DEFAULT_CTT01_COUNT, type X12ShipNoticeSection, type X12ValueSource } from './mapping-section.js';
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
import { AllOf, describeSources, FirstOf, matchSource, type Hit } from './sources.js';
import { DOCUMENT_LIMITS } from '../../model/limits.js';

/** Bound on the part-number -> family memo of one set. */
const MAX_REMEMBERED_PARTS = 10_000;

interface OrderDraft {
  node: HlNode;
  orderNumber: FirstOf;
  devices: ShippedDevice[];
  /** The hit each device came from, for schema errors. */
  origins: Hit[];
  items: number;
}

export class ShipNoticeSet implements SetMapper {
  loopId: string | undefined;
  private readonly section: X12ShipNoticeSection;
  private readonly deliveryNumber: FirstOf;
  private readonly shipDate: FirstOf;
  private readonly tree = new HlTree();
  private readonly orders: OrderDraft[] = [];
  private node: HlNode | undefined;
  // Collectors of the item level being read; reset at each HL*I.
  private readonly serials: AllOf;
  private readonly assetTags: AllOf | undefined;
  private itemPart: FirstOf | undefined;
  private ordinal = 0;
  private devices = 0;
  private tooManyDevices = false;
  private ctt: SegmentRef | undefined;
  /** Position of the first HL: where the heading ends. */
  private headingEnd = 0;
  private readonly families = new Map<string, DeviceFamily | undefined>();

  constructor(private readonly ctx: SetMapperContext) {
    const section = ctx.mapping.x12?.shipNotice;
    // The reader only builds this mapper for a mapping with a shipNotice section.
    if (!section) throw new Error(`mapping ${ctx.mapping.id} has no x12.shipNotice section`);
    this.section = section;
    this.deliveryNumber = new FirstOf(section.deliveryNumber);
    this.shipDate = new FirstOf(section.shipDate);
    this.serials = new AllOf(section.serial);
    this.assetTags = section.assetTag ? new AllOf(section.assetTag) : undefined;
  }

  add(seg: Segment, position: number): void {
    const id = seg.e[0];
    if (id === 'HL') {
      this.closeLevel();
      this.loopId = HL_LOOP;
      if (this.headingEnd === 0) this.headingEnd = position;
      const node = this.tree.add(seg, position, this.ctx.errors);
      this.node = node;
      if (node.level === 'O') {
        this.orders.push({ node, orderNumber: new FirstOf(this.section.orderNumber), devices: [], origins: [], items: 0 });
      } else if (node.level === 'I') {
        this.serials.clear();
        this.assetTags?.clear();
        this.itemPart = this.section.partNumber ? new FirstOf(this.section.partNumber) : undefined;
        this.ordinal = 0;
      }
      return;
    }
    if (id === 'CTT') {
      this.closeLevel();
      this.node = undefined;
      this.loopId = undefined;
      this.ctt = { seg, id, position };
      return;
    }
    const level = this.node?.level;
    if (level === undefined || level === 'S') {
      this.deliveryNumber.offer(seg, position);
      this.shipDate.offer(seg, position);
    } else if (level === 'O') {
      this.orders[this.orders.length - 1]?.orderNumber.offer(seg, position);
    } else if (level === 'I') {
      const ordinal = ++this.ordinal;
      this.serials.offer(seg, position, ordinal);
      this.assetTags?.offer(seg, position, ordinal);
      this.itemPart?.offer(seg, position);
    }
  }

  /** At the end of an item level: its devices join its order. */
  private closeLevel(): void {
    const node = this.node;
    if (node?.level !== 'I') return;
    this.node = undefined;
    const E = this.ctx.errors;
    const order = this.orders[node.order];
    if (!order) return; // the hierarchy error is reported already
    order.items++;
    const serials = this.serials.best();
    if (serials.length === 0) {
      const ref: SegmentRef = { ...node.ref, id: this.section.serial[0]?.segment ?? 'REF' };
      E.segment(ref, SEGMENT_ERROR.mandatoryMissing, 'GW-MAP-6201', {
        field: `serial (${describeSources(this.section.serial)})`,
        at: E.atRef(node.ref),
      });
      return;
    }
    const tags = this.assetTags?.best() ?? [];
    const levelPart = this.itemPart?.best()?.value;
    const partSources = this.section.partNumber ?? [];
    let tag = 0;
    for (let i = 0; i < serials.length; i++) {
      const hit = serials[i]!;
      if (this.devices >= DOCUMENT_LIMITS.devicesPerShipNotice) {
        this.reportTooMany(hit);
        return;
      }
      this.devices++;
      // Short on purpose: a million devices each carry one, and the schema measures it.
      const device: ShippedDevice = { serial: hit.value, at: `segment ${hit.seg.n} (${hit.seg.e[0]}), line ${hit.seg.line}` };
      const part = (partSources.length > 0 ? partInSegment(partSources, hit.seg) : undefined) ?? levelPart;
      if (part) {
        device.partNumber = part;
        const family = this.familyOf(part);
        if (family) device.deviceFamily = family;
      }
      // An asset tag belongs to the last serial before it in the level (the first
      // serial takes tags that come before any serial).
      const nextOrdinal = serials[i + 1]?.ordinal ?? Number.POSITIVE_INFINITY;
      while (tag < tags.length && tags[tag]!.ordinal < nextOrdinal) {
        if (device.assetTag === undefined) device.assetTag = tags[tag]!.value;
        tag++;
      }
      order.devices.push(device);
      order.origins.push(hit);
    }
  }

  /** familyForPart, remembered: a shipment repeats a few part numbers many times. */
  private familyOf(part: string): DeviceFamily | undefined {
    if (this.families.has(part)) return this.families.get(part);
    const family = familyForPart(this.ctx.mapping, part);
    if (this.families.size < MAX_REMEMBERED_PARTS) this.families.set(part, family);
    return family;
  }

  private reportTooMany(hit: Hit): void {
    if (this.tooManyDevices) return;
    this.tooManyDevices = true;
    const E = this.ctx.errors;
    const ref = hitRef(hit, HL_LOOP);
    E.segment(ref, SEGMENT_ERROR.loopOverMax, 'GW-DOC-6009', {
      at: E.atRef(ref),
      detail: `a ship notice set has at most ${DOCUMENT_LIMITS.devicesPerShipNotice} serials`,
    });
  }

  finish(_st: SegmentRef, se: SegmentRef): MappedItem[] {
    this.closeLevel();
    const E = this.ctx.errors;
    const expected: SegmentRef = { id: 'BSN', position: this.headingEnd || se.position };
    const origins = new Map<string, FieldOrigin>();
    const deliveryHit = this.deliveryNumber.best();
    if (!deliveryHit) reportMissing(E, 'deliveryNumber', this.deliveryNumber, expected);
    else origins.set('deliveryNumber', { ref: hitRef(deliveryHit), element: deliveryHit.element });
    const dateHit = this.shipDate.best();
    if (!dateHit) reportMissing(E, 'shipDate', this.shipDate, expected);
    else origins.set('shipDate', { ref: hitRef(dateHit), element: dateHit.element });
    const shipDate = dateHit && mapDate(E, this.ctx.mapping, 'shipDate', dateHit);

    if (this.tree.count === 0 || this.orders.length === 0) {
      const ref: SegmentRef = { id: 'HL', position: se.position, loopId: HL_LOOP };
      E.segment(ref, SEGMENT_ERROR.mandatoryMissing, 'GW-X12-6407', {
        at: E.atRef(ref),
        detail: this.tree.count === 0 ? 'the set has no HL segments' : 'the set has no order level (HL03 "O")',
      });
    }
    const orderNumbers = this.orders.map((order) => {
      const hit = order.orderNumber.best();
      if (!hit) reportMissing(E, 'orderNumber', order.orderNumber, order.node.ref);
      if (order.items === 0) {
        const ref: SegmentRef = { ...order.node.ref, id: 'HL' };
        E.segment(ref, SEGMENT_ERROR.mandatoryMissing, 'GW-MAP-6201', {
          field: `serial (no item level HL03 "I" under order level ${order.node.id})`,
          at: E.atRef(order.node.ref),
        });
      }
      return hit;
    });
    this.checkCttCount();
    if (E.count > 0 || !deliveryHit || !shipDate) return [];

    const out: MappedItem[] = [];
    this.orders.forEach((order, i) => {
      const hit = orderNumbers[i]!;
      const doc: ShipNotice = { deliveryNumber: deliveryHit.value, shipDate, orderNumber: hit.value, devices: order.devices };
      if (!validateShipNotice(doc)) {
        const orderOrigin: FieldOrigin = { ref: hitRef(hit, HL_LOOP), element: hit.element };
        reportSchemaError(validateShipNotice, doc, E, (path) => {
          const parts = path.split('/');
          if (parts[1] === 'devices' && parts[2] !== undefined) {
            const hit = order.origins[Number(parts[2])];
            return hit ? { ref: hitRef(hit, HL_LOOP), element: hit.element } : { ref: order.node.ref };
          }
          if (parts[1] === 'orderNumber') return orderOrigin;
          return origins.get(parts[1] ?? '') ?? { ref: order.node.ref };
        });
        return;
      }
      out.push({ type: 'shipNotice', doc, at: E.atRef(order.node.ref) });
    });
    // One refused order refuses the set: the set is the unit the 997 accepts or rejects.
    return E.count > 0 ? [] : out;
  }

  /** CTT01, when present, is the number of HL segments or of item levels, as the mapping says. */
  private checkCttCount(): void {
    const ctt = this.ctt;
    if (!ctt?.seg) return;
    const declared = ctt.seg.e[1] ?? '';
    if (declared === '') return;
    const rule = this.section.ctt01 ?? DEFAULT_CTT01_COUNT;
    const hl = this.tree.count;
    const items = this.tree.items;
    const fits = (rule !== 'items' && Number(declared) === hl) || (rule !== 'hlSegments' && Number(declared) === items);
    if (fits) return;
    const hlText = `${hl} HL segment${hl === 1 ? '' : 's'}`;
    const itemText = `${items} item level${items === 1 ? '' : 's'}`;
    const counted = rule === 'hlSegments' ? hlText : rule === 'items' ? itemText : `${hlText} and ${itemText}`;
    const E = this.ctx.errors;
    E.element(ctt, 1, ELEMENT_ERROR.invalidCode, 'GW-X12-6404', { segment: 'CTT01', declared, counted, at: E.atRef(ctt) }, declared);
  }
}

function partInSegment(sources: readonly X12ValueSource[], seg: Segment): string | undefined {
  for (const src of sources) {
    const element = matchSource(src, seg.e);
    if (element >= 0) return seg.e[element]!.trim();
  }
  return undefined;
}
