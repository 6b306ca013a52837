// Which runs of a document's items may be applied together (independentOfEachOther):
// only those whose outcome cannot depend on the order they are applied in. Which ship
// notices are applied in portions, and how the portions' outcomes make the notice's.
import { expect } from 'chai';
import { headerOfPurchaseOrder, independentOfEachOther, shipNoticePortions } from '../../src/domain/documents.js';
import { outcomeOfPortions } from '../../src/domain/enrollment.js';
import type { DeviceOutcome, OrderOutcome } from '../../src/model/enrollment.js';
import type { CodedError } from '../../src/model/error-codes.js';
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

describe('domain: a ship notice in portions', () => {
  const serials = (n: number) => Array.from({ length: n }, (_, i) => `P${String(i).padStart(6, '0')}`);

  it('a sale of more devices than a portion: portions of that many, in order, each the same delivery', () => {
    const whole = notice('A', serials(23));
    const portions = shipNoticePortions({ orderType: 'OR' }, whole, 10);
    expect(portions.map((p) => p.devices.length)).to.deep.equal([10, 10, 3]);
    expect(portions.flatMap((p) => p.devices)).to.deep.equal(whole.devices);
    for (const p of portions) expect({ ...p, devices: [] }).to.deep.equal({ ...whole, devices: [] });
  });

  it('no more devices than a portion, a serial listed twice, or a return or override: the notice whole', () => {
    const small = notice('A', serials(10));
    expect(shipNoticePortions({ orderType: 'OR' }, small, 10)).to.deep.equal([small]);
    const twice = notice('A', [...serials(20), 'P000003']);
    expect(shipNoticePortions({ orderType: 'OR' }, twice, 10)).to.deep.equal([twice]);
    for (const orderType of ['RE', 'OV'] as const) expect(shipNoticePortions({ orderType }, notice('A', serials(23)), 10)).to.have.length(1);
    expect(() => shipNoticePortions({ orderType: 'OR' }, small, 0)).to.throw(/invariant/);
  });
});

describe('domain: the outcome of a delivery applied in portions', () => {
  const device = (deviceId: string, ok: boolean): DeviceOutcome =>
    ok ? { deviceId, status: 'COMPLETE' } : { deviceId, status: 'DEP-ERR-DE-4303', error: { code: 'DEP-ERR-DE-4303', params: { deviceId } } };
  const portion = (devices: DeviceOutcome[], status: OrderOutcome['status'], error?: OrderOutcome['error']): OrderOutcome => ({
    orderNumber: 'A',
    status,
    ...(error ? { error } : {}),
    deliveries: [{ deliveryNumber: 'D1', status: devices.every((d) => d.status === 'COMPLETE') ? 'COMPLETE' : 'POSTED_WITH_ERRORS', devices }],
  });

  it('its devices in order; a refusal in an early portion makes the delivery and order POSTED_WITH_ERRORS, as at once', () => {
    const out = outcomeOfPortions([portion([device('S1', false), device('S2', true)], 'POSTED_WITH_ERRORS'), portion([device('S3', true)], 'COMPLETE')]);
    expect(out.status).to.equal('POSTED_WITH_ERRORS');
    expect(out.deliveries).to.have.length(1);
    expect(out.deliveries[0]!.status).to.equal('POSTED_WITH_ERRORS');
    expect(out.deliveries[0]!.devices.map((d) => d.deviceId)).to.deep.equal(['S1', 'S2', 'S3']);
  });

  it('every device refused: ERROR; every device enrolled: COMPLETE', () => {
    expect(outcomeOfPortions([portion([device('S1', false)], 'ERROR'), portion([device('S2', false)], 'ERROR')]).status).to.equal('ERROR');
    expect(outcomeOfPortions([portion([device('S1', true)], 'COMPLETE'), portion([device('S2', true)], 'COMPLETE')]).status).to.equal('COMPLETE');
  });

  it('waiting for the organisation (GW-OR-4120): as the last portion says, its count taking in every portion', () => {
    const waiting: CodedError = { code: 'GW-OR-4120', params: { customerId: '19827', depResellerId: '16FCE4A0', count: 2 } };
    const out = outcomeOfPortions([portion([device('S1', true)], 'GW-OR-4120', { ...waiting, params: { ...waiting.params, count: 1 } }), portion([device('S2', true)], 'GW-OR-4120', waiting)]);
    expect(out).to.deep.include({ status: 'GW-OR-4120', error: waiting });
  });

  it('portions that are not one delivery each, applied: an invariant, not an outcome', () => {
    expect(() => outcomeOfPortions([])).to.throw(/invariant/);
    const other = { ...portion([device('S1', true)], 'COMPLETE'), deliveries: [{ deliveryNumber: 'D2', status: 'COMPLETE' as const, devices: [] }] };
    expect(() => outcomeOfPortions([portion([device('S1', true)], 'COMPLETE'), other])).to.throw(/invariant/);
  });
});
