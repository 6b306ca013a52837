// Rules for purchase orders and ship notices received as documents. They add no
// enrollment rule of their own: a ship notice is applied as the reseller protocol's
// order-with-one-delivery through applyTransaction (enrollment.ts); a purchase order
// alone is checked with the same header and matching rules, and waits as an open order.
import type { CodedError } from '../model/error-codes.js';
import type { DeviceOutcomeStatus, DocumentStatus, DocumentSummary, PurchaseOrder, ShipNotice } from '../model/documents.js';
import { checkOrderHeader, isCodedError } from './order-fields.js';
import { matchOrganisation } from './matching.js';
import { creditLinesOf } from './credit.js';
import type { Organisation, Supplier } from '../model/state.js';
import type { OrderInput } from '../model/commands.js';
import type { OrderHeaderOnFile } from '../model/commands.js';
import type { DeviceOutcome, TransactionStatus } from '../model/enrollment.js';
import type { X12GroupResult, X12InterchangeInfo, X12SetResult } from '../model/x12.js';

export type PurchaseOrderCheck = { ok: true; org: Organisation } | { ok: false; error: CodedError };

/**
 * A purchase order on its own: the header rules of the protocol (deliveries come later)
 * and the organisation it names (organisation id from a reseller, Apple customer number
 * from Apple). Credit lines are the credit rules' business, not checked here.
 */
export function checkPurchaseOrder(organisations: Organisation[], supplier: Supplier, po: PurchaseOrder): PurchaseOrderCheck {
  const header = checkOrderHeader(toOrderInput(po), false);
  if (isCodedError(header)) return { ok: false, error: header };
  const org = matchOrganisation(organisations, supplier, po.customerId);
  if (!org) return { ok: false, error: { code: 'DEP-ERR-OR-4102', params: { customerId: po.customerId } } };
  return { ok: true, org };
}

/**
 * An order implied by ship-notice rows (rows that carry their order's customer, sent as a
 * ship notice, not as an order) is made when it is new. When the order is on file already,
 * from an earlier file or an order of its own, the order on file stands: the rows' date is
 * only their first delivery's, and their part counts only what they shipped. Its type,
 * customer and PO number must still agree, as on any order number used again.
 */
export function impliedOrderAgainstFile(po: PurchaseOrder, onFile: OrderHeaderOnFile | undefined): 'new' | 'onFile' | CodedError {
  if (!onFile) return 'new';
  const mismatch = (field: string): CodedError => ({ code: 'DEP-ERR-OR-4110', params: { orderNumber: po.orderNumber, field } });
  if (onFile.orderType !== po.orderType) return mismatch('order type');
  if (onFile.customerId !== po.customerId) return mismatch('customerId');
  if ((onFile.poNumber ?? null) !== (po.poNumber ?? null)) return mismatch('poNumber');
  return 'onFile';
}

function toOrderInput(po: PurchaseOrder): OrderInput {
  return {
    orderNumber: po.orderNumber,
    orderType: po.orderType,
    orderDate: po.orderDate,
    customerId: po.customerId,
    ...(po.poNumber ? { poNumber: po.poNumber } : {}),
  };
}

/** A VD purchase order voids its order at once: it has nothing to wait for. */
export function voidOrderInput(po: PurchaseOrder): OrderInput {
  return toOrderInput(po);
}

/** Whether a purchase order of this type is applied when it arrives rather than with a ship notice. */
export function appliesOnArrival(po: Pick<PurchaseOrder, 'orderType'>): boolean {
  return po.orderType === 'VD';
}

/** The protocol order a ship notice amounts to: its order's header with one delivery. */
export function orderInputForShipNotice(order: OrderHeaderOnFile, notice: ShipNotice): OrderInput {
  if (order.orderNumber !== notice.orderNumber) {
    throw new Error(`ship notice of order ${notice.orderNumber} paired with order ${order.orderNumber}`);
  }
  return {
    orderNumber: order.orderNumber,
    // A VD order has no deliveries: a notice for a voided order is refused by the rules.
    orderType: order.orderType,
    orderDate: order.orderDate,
    customerId: order.customerId,
    ...(order.poNumber ? { poNumber: order.poNumber } : {}),
    deliveries: [
      {
        deliveryNumber: notice.deliveryNumber,
        shipDate: notice.shipDate,
        devices: notice.devices.map((d) => ({
          deviceId: d.serial,
          ...(d.assetTag ? { assetTag: d.assetTag } : {}),
          ...(d.deviceFamily ? { deviceFamily: d.deviceFamily } : {}),
        })),
      },
    ],
  };
}

/**
 * The portions a ship notice is applied in, one after the other, each as the same delivery
 * of its order with some of its devices: what applying the notice at once holds grows with
 * its devices (INTAKE_LIMITS.noticePortionDevices). They come to what one application
 * would, as outcomeOfPortions puts them together, only for a sale (OR: each device is
 * added to the delivery on its own; a return or an override works on the order whole) whose
 * serials are all different (a serial listed twice is refused as such, DEP-ERR-DE-4301, only
 * when both are decided at once). Anything else is one portion, the notice itself.
 */
export function shipNoticePortions(order: Pick<OrderHeaderOnFile, 'orderType'>, notice: ShipNotice, maxDevices: number): ShipNotice[] {
  if (!(maxDevices > 0)) throw new Error(`invariant: portions of at least one device, not ${maxDevices}`);
  if (notice.devices.length <= maxDevices || order.orderType !== 'OR') return [notice];
  const serials = new Set<string>();
  for (const d of notice.devices) {
    if (serials.has(d.serial)) return [notice];
    serials.add(d.serial);
  }
  const portions: ShipNotice[] = [];
  for (let i = 0; i < notice.devices.length; i += maxDevices) portions.push({ ...notice, devices: notice.devices.slice(i, i + maxDevices) });
  return portions;
}

/** The header a purchase order files for its order: what its ship notices apply under. */
export function headerOfPurchaseOrder(po: PurchaseOrder): OrderHeaderOnFile {
  return { orderNumber: po.orderNumber, orderType: po.orderType, orderDate: po.orderDate, customerId: po.customerId, poNumber: po.poNumber ?? null };
}

/**
 * Whether a run of a document's items (purchase orders, and ship notices with the header
 * each applies under, in file order) comes to the same applied together as one by one:
 * every ship notice adds a delivery to a sale (OR) of its own and ships serials that no
 * other of them ships, so that none decides on what another changed; every purchase order
 * is a sale filed once, that moves no credit and is not applied on arrival. What is on
 * file (the orders, ship notices waiting for them) is the caller's to check.
 */
export function independentOfEachOther(items: ({ po: PurchaseOrder } | { notice: ShipNotice; header: OrderHeaderOnFile })[]): boolean {
  const purchaseOrders = new Set<string>();
  const noticeOrders = new Set<string>();
  const serials = new Set<string>();
  for (const item of items) {
    if ('po' in item) {
      const { po } = item;
      if (po.orderType !== 'OR' || appliesOnArrival(po) || creditLinesOf(po).length > 0 || purchaseOrders.has(po.orderNumber)) return false;
      purchaseOrders.add(po.orderNumber);
      continue;
    }
    if (item.header.orderType !== 'OR' || noticeOrders.has(item.notice.orderNumber)) return false;
    noticeOrders.add(item.notice.orderNumber);
    // A serial listed twice in one notice is that notice's own refusal; in two notices, one decides on the other.
    const own = new Set(item.notice.devices.map((d) => d.serial));
    for (const serial of own) {
      if (serials.has(serial)) return false;
      serials.add(serial);
    }
  }
  return true;
}

/** What a document's items came to, counted per kind and status: the input of its status. */
export interface ItemTally {
  kind: 'purchaseOrder' | 'shipNotice' | 'order' | 'delivery';
  status: string;
  items: number;
  devices: number;
  refused: number;
}

/**
 * A document's status and summary from its items. Refused devices, rejected items or
 * errors kept while reading (a refused X12 set) make it applied_with_errors; ship notices
 * still waiting for their order make it awaiting_order; otherwise it is applied.
 */
export function rollUpDocument(tallies: ItemTally[], hadErrors: boolean): { status: DocumentStatus; summary: DocumentSummary } {
  const summary: DocumentSummary = { purchaseOrders: 0, shipNotices: 0, devices: 0, devicesEnrolled: 0, devicesRefused: 0, devicesAwaiting: 0 };
  let awaiting = false;
  let withErrors = hadErrors;
  for (const t of tallies) {
    if (t.kind === 'purchaseOrder' || t.kind === 'order') summary.purchaseOrders += t.items;
    else {
      summary.shipNotices += t.kind === 'shipNotice' ? t.items : 0;
      summary.devices += t.devices;
    }
    if (t.kind === 'order') {
      if (t.status !== 'COMPLETE' && t.status !== 'GW-OR-4120') withErrors = true;
      continue;
    }
    if (t.status === 'awaiting_order') {
      awaiting = true;
      summary.devicesAwaiting += t.devices;
    } else if (t.status === 'rejected' || (t.kind === 'delivery' && t.status !== 'COMPLETE' && t.status !== 'POSTED_WITH_ERRORS')) {
      withErrors = true;
      summary.devicesRefused += t.devices;
    } else if (t.kind !== 'purchaseOrder') {
      summary.devicesRefused += t.refused;
      summary.devicesEnrolled += t.devices - t.refused;
      if (t.refused > 0) withErrors = true;
    }
  }
  const status: DocumentStatus = withErrors ? 'applied_with_errors' : awaiting ? 'awaiting_order' : 'applied';
  return { status, summary };
}

/** What became of each device of a delivery the rules applied: its outcome row's status and code. */
export function deviceOutcomeStatus(device: DeviceOutcome, orderPending: boolean): { status: DeviceOutcomeStatus; error?: CodedError } {
  if (device.status !== 'COMPLETE') return { status: 'REFUSED', error: device.error ?? { code: device.status } as CodedError };
  return { status: orderPending ? 'PENDING' : 'ENROLLED' };
}

/** What became of one X12 transaction set once its document was applied or refused. */
export type SetOutcome = { applied: true; withErrors: boolean } | { applied: false };

/**
 * A set's key among a file's sets: its unit name within its interchange, which the file
 * may hold twice (a repeated interchange names its sets as the first one did).
 */
export function setKey(interchangeIndex: number, unit: string): string {
  return `${interchangeIndex}\u0000${unit}`;
}

/** AK502 (X12 table 718) for a set refused after its syntax was accepted: "one or more segments in error". */
const SET_REFUSED_CODE = '5';

/**
 * The 997's content, frozen when the document is committed: each set as the reader found
 * it, then as applying it turned out. A set is accepted (A) only if it was applied, with
 * errors noted (E) if some of its devices were refused; a set refused by the rules, a
 * repeated interchange's sets, and every set of a document that applied nothing are
 * rejected (R). A group's AK9 follows from its sets, and is R when nothing applied.
 */
export function finalX12Results(interchanges: X12InterchangeInfo[], sets: Map<string, SetOutcome>, documentApplied: boolean): X12InterchangeInfo[] {
  return interchanges.map((ich, index) => ({
    ...ich,
    groups: ich.groups.map((group) => {
      const finalSets = group.sets.map((set): X12SetResult => {
        const outcome = set.unit !== undefined ? sets.get(setKey(index, set.unit)) : undefined;
        const refused = !documentApplied || set.status === 'R' || (outcome !== undefined && !outcome.applied);
        if (refused) {
          return { ...set, status: 'R', errorCodes: set.errorCodes.length > 0 ? set.errorCodes : [SET_REFUSED_CODE] };
        }
        return { ...set, status: outcome?.applied && outcome.withErrors ? 'E' : set.status };
      });
      const accepted = finalSets.filter((s) => s.status !== 'R').length;
      const status: X12GroupResult['status'] =
        !documentApplied || group.errorCodes.length > 0 || accepted === 0
          ? 'R'
          : accepted < finalSets.length
            ? 'P'
            : finalSets.some((s) => s.status === 'E')
              ? 'E'
              : 'A';
      return { ...group, sets: finalSets, status };
    }),
  }));
}

/**
 * A reseller-API transaction's document status from the protocol's: COMPLETE is applied,
 * COMPLETE_WITH_ERRORS applied with errors, ERROR (nothing applied) rejected, so that it
 * can be replayed once what refused it is corrected.
 */
export function transactionDocumentStatus(statusCode: TransactionStatus): DocumentStatus {
  return statusCode === 'COMPLETE' ? 'applied' : statusCode === 'COMPLETE_WITH_ERRORS' ? 'applied_with_errors' : 'rejected';
}
