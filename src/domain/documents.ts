// Rules for purchase orders and ship notices received as documents. They add no
// enrollment rule of their own: a ship notice is applied as the reseller protocol's
// order-with-one-delivery through applyTransaction (enrollment.ts); a purchase order
// alone is checked with the same header and matching rules, and waits as an open order.
import type { CodedError } from '../model/error-codes.js';
import type { PurchaseOrder, ShipNotice } from '../model/documents.js';
import { checkOrderHeader, isCodedError } from './order-fields.js';
import { matchOrganisation } from './matching.js';
import type { Organisation, Supplier } from '../model/state.js';
import type { OrderInput } from '../model/commands.js';
import type { OrderHeaderOnFile } from '../model/commands.js';

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
