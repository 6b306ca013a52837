// The shape of a mapping's "x12" section (checked by mappings/x12.schema.json): which
// transaction sets the partner sends and, per canonical field, where its value sits. A
// field names a list of sources tried in order; the first one that matches in the
// field's scope wins. A partner with another layout writes another mapping, not code.
import type { OrderType } from '../../model/state.js';

/** Transaction sets the reader can map: purchase order and ship notice. */
export const X12_SET_IDS = ['850', '856'] as const;
export type X12SetId = (typeof X12_SET_IDS)[number];

/**
 * Where a value sits. Examples:
 * - `{segment:"BEG", element:3}`: BEG03;
 * - `{segment:"REF", qualifier:"SE", element:2}`: REF02 of a REF whose REF01 is SE;
 * - `{segment:"N1", qualifier:"BY", element:4}`: N104 of the N1 whose N101 is BY;
 * - `{segment:"LIN", qualifier:"SN"}`: LIN and PO1 carry qualifier/value pairs (LIN02/03,
 *   04/05...; PO106/07, 08/09...): the value follows its qualifier, wherever the pair is.
 */
export interface X12ValueSource {
  /** Segment id, e.g. "REF". */
  segment: string;
  /** Value the qualifier element must hold. */
  qualifier?: string;
  /** Element holding the qualifier (default 1); ignored for pair segments. */
  qualifierElement?: number;
  /** Element holding the value (default: the one after the qualifier, or 1 without one). */
  element?: number;
}

/** Translates BEG01 (purpose) and BEG02 (purchase order type) into a canonical order type. */
export interface X12OrderTypeRule {
  /** BEG01 codes, e.g. "00" original, "01" cancellation, "05" replace; absent: any. */
  purposes?: string[];
  /** BEG02 codes, e.g. "SA" stand-alone; absent: any. */
  types?: string[];
  orderType: OrderType;
}

/**
 * 850. Scopes: header fields are looked up in the segments before the first PO1 (so an
 * N1 loop of a line never names the customer); partNumber in each PO1 loop.
 */
export interface X12PurchaseOrderSection {
  orderNumber: X12ValueSource[];
  orderDate: X12ValueSource[];
  poNumber?: X12ValueSource[];
  customerId: X12ValueSource[];
  currency?: X12ValueSource[];
  /** Currency of credit lines when no currency source matches. */
  defaultCurrency?: string;
  partNumber: X12ValueSource[];
  /** First matching rule wins; a purchase order no rule matches is refused. */
  orderTypes: X12OrderTypeRule[];
}

/** What an 856's CTT01 may count. */
export type X12Ctt01Count = 'hlSegments' | 'items' | 'either';
export const DEFAULT_CTT01_COUNT: X12Ctt01Count = 'hlSegments';

/**
 * 856. Scopes: deliveryNumber and shipDate in the heading (BSN, DTM before the first HL)
 * and the shipment (S) level; orderNumber in each order (O) level; serial, partNumber and
 * assetTag in each item (I) level. An item level yields one device per serial found by
 * the first serial source that matches there.
 */
export interface X12ShipNoticeSection {
  /**
   * What CTT01 counts, when an 856 has a CTT: "hlSegments" (every HL, the default),
   * "items" (the item levels, HL03 "I": what many partners mean by line items), or
   * "either". A CTT01 that matches neither is GW-X12-6404 and refuses the set.
   */
  ctt01?: X12Ctt01Count;
  deliveryNumber: X12ValueSource[];
  shipDate: X12ValueSource[];
  orderNumber: X12ValueSource[];
  serial: X12ValueSource[];
  partNumber?: X12ValueSource[];
  assetTag?: X12ValueSource[];
}

export interface X12MappingSection {
  /** ST01 values this mapping handles; any other set is refused (GW-X12-6406). */
  transactionSets: X12SetId[];
  /** GS08 versions accepted (a GS08 starting with one matches); default ["004010"]. */
  versions?: string[];
  purchaseOrder?: X12PurchaseOrderSection;
  shipNotice?: X12ShipNoticeSection;
}

export const DEFAULT_X12_VERSIONS: readonly string[] = ['004010'];

/** The transaction sets a mapping handles, for picking the partner's mapping by what a file holds. */
export function x12TransactionSets(section: X12MappingSection): string[] {
  return [...section.transactionSets];
}
