// Which runs of a document's items may be applied together (independentOfEachOther):
// only those whose outcome cannot depend on the order they are applied in.
import { expect } from 'chai';
import { headerOfPurchaseOrder, independentOfEachOther } from '../../src/domain/documents.js';
import type { PurchaseOrder, ShipNotice } from '../../src/model/documents.js';

const po = (orderNumber: string, extra: Partial<PurchaseOrder> = {}): PurchaseOrder => ({
  orderNumber,
  orderType: 'OR',
  orderDate: '2026-11-02T00:00:00Z',
  customerId: '19827',
  lines: [{ type: 'device', lineNumber: '1', partNumber: 'MW6F3LL/A', quantity: 2 }],
  ...extra,
});
const notice = (orderNumber: string, serials: string[]): ShipNotice => ({
  orderNumber,
  deliveryNumber: `D-${orderNumber}`,
  shipDate: '2026-11-03T00:00:00Z',
  devices: serials.map((serial, i) => ({ serial, at: `line ${i + 2}` })),
});
const sale = (orderNumber: string, serials: string[]) => [{ po: po(orderNumber) }, { notice: notice(orderNumber, serials), header: headerOfPurchaseOrder(po(orderNumber)) }];

describe('domain: ship notices that may be applied together', () => {
  it('sales of their own, each with serials no other ships: independent, a serial listed twice in one notice included', () => {
    expect(independentOfEachOther([...sale('A', ['S1', 'S2']), ...sale('B', ['S3', 'S3']), ...sale('C', ['S4'])])).to.equal(true);
  });

  it('a serial two notices ship: one decides on the other', () => {
    expect(independentOfEachOther([...sale('A', ['S1', 'S2']), ...sale('B', ['S3', 'S2'])])).to.equal(false);
  });

  it('two notices of one order, or its purchase order twice: the second reads what the first wrote', () => {
    const header = headerOfPurchaseOrder(po('A'));
    expect(independentOfEachOther([...sale('A', ['S1']), { notice: notice('A', ['S2']), header }])).to.equal(false);
    expect(independentOfEachOther([...sale('A', ['S1']), { po: po('A') }, ...sale('B', ['S2'])])).to.equal(false);
  });

  it('a purchase order that moves credit, or is applied on arrival (VD), or is not a sale: one by one', () => {
    const credit = po('A', { lines: [{ type: 'credit', lineNumber: '1', partNumber: 'VPP', amount: '100.00', currency: 'USD', quantity: 1 }] });
    expect(independentOfEachOther([{ po: credit }, ...sale('B', ['S1']), ...sale('C', ['S2'])])).to.equal(false);
    expect(independentOfEachOther([{ po: po('A', { orderType: 'VD' }) }, ...sale('B', ['S1']), ...sale('C', ['S2'])])).to.equal(false);
    expect(independentOfEachOther([{ po: po('A', { orderType: 'RE' }) }, ...sale('B', ['S1']), ...sale('C', ['S2'])])).to.equal(false);
  });

  it('a notice under a return, a void or an override reaches other orders: one by one', () => {
    for (const orderType of ['RE', 'VD', 'OV'] as const) {
      const header = { ...headerOfPurchaseOrder(po('R')), orderType };
      expect(independentOfEachOther([...sale('A', ['S1']), { notice: notice('R', ['S2']), header }]), orderType).to.equal(false);
    }
  });
});
