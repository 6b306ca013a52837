// Unit tests of the server-assignment rule: which devices an organisation may point at a
// device-management server, and what changes when it does. Pure functions, small data.
import { expect } from 'chai';
import {
  allOrNothing,
  candidatesOfOrders,
  checkDeviceCount,
  checkOrders,
  planAssignment,
  renderAssignmentError,
  type AssignmentCandidate,
  type AssignmentPlan,
  type AssignmentRefusal,
} from '../../src/domain/assignment.js';
import type { Device, DeviceState, Organisation } from '../../src/model/state.js';
import { ASSIGNMENT_LIMITS } from '../../src/model/limits.js';

const ORG: Organisation = {
  pk: 10,
  orgId: '19827',
  name: 'Org A',
  country: 'US',
  appleCustomerNumbers: [],
  linkedSupplierPks: [1],
  defaultServers: {},
};
const OTHER_ORG_PK = 11;
const RESELLERS = new Map([
  [1, '16FCE4A0'],
  [2, '2B7D9C10'],
]);

function device(serial: string, state: DeviceState, over: Partial<Device> = {}): Device {
  return { serial, state, orgPk: ORG.pk, supplierPk: 1, orderNumber: 'ORD-1', family: 'iPad', assetTag: null, server: null, version: 3, ...over };
}

function candidates(devices: (Device | string)[]): AssignmentCandidate[] {
  return devices.map((d, i) => (typeof d === 'string' ? { serial: d, at: `serials.${i}`, device: undefined } : { serial: d.serial, at: `serials.${i}`, device: d }));
}

function plan(devices: (Device | string)[], server = 'MDM 1'): AssignmentPlan {
  const p = planAssignment(ORG, server, candidates(devices), RESELLERS);
  if ('refusals' in p) throw new Error(`expected a plan, got ${JSON.stringify(p.refusals)}`);
  return p;
}

function refusals(devices: (Device | string)[], server = 'MDM 1'): AssignmentRefusal[] {
  const p = planAssignment(ORG, server, candidates(devices), RESELLERS);
  if (!('refusals' in p)) throw new Error('expected refusals, got a plan');
  return p.refusals;
}

describe('server assignment rule', () => {
  it('assigns enrolled devices of the organisation, one server-assigned event each, state unchanged', () => {
    const p = plan([device('SN00000001', 'enrolled'), device('SN00000002', 'enrolled', { server: 'Old MDM' })]);
    expect(p.changed.map((d) => [d.serial, d.server, d.state, d.version])).to.deep.equal([
      ['SN00000001', 'MDM 1', 'enrolled', 3],
      ['SN00000002', 'MDM 1', 'enrolled', 3],
    ]);
    expect(p.unchanged).to.deep.equal([]);
    expect(p.events.map((e) => [e.serial, e.kind, e.fromState, e.toState, e.orgPk, e.supplierPk, e.orderNumber])).to.deep.equal([
      ['SN00000001', 'server-assigned', 'enrolled', 'enrolled', ORG.pk, 1, 'ORD-1'],
      ['SN00000002', 'server-assigned', 'enrolled', 'enrolled', ORG.pk, 1, 'ORD-1'],
    ]);
    expect(p.events[0]!.detail).to.equal('server (none) -> "MDM 1"');
    expect(p.events[1]!.detail).to.equal('server "Old MDM" -> "MDM 1"');
  });

  it('counts a device already on the server as unchanged, with no event', () => {
    const p = plan([device('SN00000001', 'enrolled', { server: 'MDM 1' }), device('SN00000002', 'enrolled')]);
    expect(p.unchanged).to.deep.equal(['SN00000001']);
    expect(p.changed.map((d) => d.serial)).to.deep.equal(['SN00000002']);
    expect(p.events).to.have.lengthOf(1);
  });

  it('assigns a serial named twice once', () => {
    const d = device('SN00000001', 'enrolled');
    const p = plan([d, d]);
    expect(p.changed).to.have.lengthOf(1);
    expect(p.events).to.have.lengthOf(1);
  });

  it("refuses an unknown serial and another organisation's device with the same code", () => {
    const r = refusals(['SN00000009', device('SN00000008', 'enrolled', { orgPk: OTHER_ORG_PK })]);
    expect(r.map((x) => [x.at, x.serial, x.error.code])).to.deep.equal([
      ['serials.0', 'SN00000009', 'GW-AS-4401'],
      ['serials.1', 'SN00000008', 'GW-AS-4401'],
    ]);
    // Nothing in the message tells the two apart.
    expect(renderAssignmentError(r[0]!.error)).to.equal('Device SN00000009 is not a device of organisation 19827.');
    expect(renderAssignmentError(r[1]!.error)).to.equal('Device SN00000008 is not a device of organisation 19827.');
  });

  it('refuses a pending device, naming the reseller the organisation has not added', () => {
    const r = refusals([device('SN00000003', 'pending', { supplierPk: 2 })]);
    expect(r[0]!.error.code).to.equal('GW-AS-4403');
    expect(renderAssignmentError(r[0]!.error)).to.equal(
      'Device SN00000003 is pending until organisation 19827 adds reseller 2B7D9C10; assign it once it is enrolled.',
    );
  });

  for (const state of ['returned', 'voided', 'released'] as const) {
    it(`refuses a ${state} device (GW-AS-4402)`, () => {
      const r = refusals([device('SN00000004', state)]);
      expect(r.map((x) => x.error.code)).to.deep.equal(['GW-AS-4402']);
      expect(renderAssignmentError(r[0]!.error)).to.equal(`Device SN00000004 is ${state}: only an enrolled device can be assigned to a server.`);
    });
  }

  it('is all or nothing: one refusal and there is no plan, every refusal listed', () => {
    const r = refusals([device('SN00000001', 'enrolled'), device('SN00000004', 'returned'), 'SN00000009', device('SN00000002', 'enrolled')]);
    expect(r.map((x) => x.at)).to.deep.equal(['serials.1', 'serials.2']);
  });

  it('refuses a blank or over-long server name as a broken invariant (the caller checks it)', () => {
    expect(() => planAssignment(ORG, '  ', candidates([device('SN00000001', 'enrolled')]), RESELLERS)).to.throw(/invariant/);
    expect(() => planAssignment(ORG, 'x'.repeat(ASSIGNMENT_LIMITS.serverChars + 1), [], RESELLERS)).to.throw(/invariant/);
    expect(plan([device('SN00000001', 'enrolled')], 'x'.repeat(ASSIGNMENT_LIMITS.serverChars)).changed).to.have.lengthOf(1);
  });

  it('refuses orders of another organisation like missing ones, and orders that hold no device', () => {
    const r = checkOrders(ORG, [
      { supplierId: '16FCE4A0', orderNumber: 'A', at: 'orders.0', found: undefined },
      { supplierId: '16FCE4A0', orderNumber: 'B', at: 'orders.1', found: { orgPk: OTHER_ORG_PK, liveSerials: ['SN00000001'] } },
      { supplierId: '16FCE4A0', orderNumber: 'C', at: 'orders.2', found: { orgPk: ORG.pk, liveSerials: [] } },
      { supplierId: '16FCE4A0', orderNumber: 'D', at: 'orders.3', found: { orgPk: ORG.pk, liveSerials: ['SN00000001'] } },
    ]);
    expect(r.map((x) => [x.at, x.error.code])).to.deep.equal([
      ['orders.0', 'GW-AS-4404'],
      ['orders.1', 'GW-AS-4404'],
      ['orders.2', 'GW-AS-4405'],
    ]);
    expect(renderAssignmentError(r[1]!.error)).to.equal('Order 16FCE4A0/B is not an order of organisation 19827.');
  });

  it('limits the devices one request reaches', () => {
    expect(checkDeviceCount(ASSIGNMENT_LIMITS.maxDevices)).to.equal(undefined);
    const e = checkDeviceCount(ASSIGNMENT_LIMITS.maxDevices + 1);
    expect(e?.code).to.equal('GW-AS-4406');
    expect(renderAssignmentError(e!)).to.equal(`Too many devices in one assignment: ${ASSIGNMENT_LIMITS.maxDevices + 1}, at most ${ASSIGNMENT_LIMITS.maxDevices}.`);
  });
});

describe('server assignment by order, and all or nothing', () => {
  it('the orders reach the live devices of the organisation\'s own orders, each named where its order was', () => {
    const orders = [
      { supplierId: '16FCE4A0', orderNumber: 'A', at: 'orders.0', found: { orgPk: ORG.pk, liveSerials: ['SN1', 'SN2'] } },
      { supplierId: '16FCE4A0', orderNumber: 'B', at: 'orders.1', found: { orgPk: OTHER_ORG_PK, liveSerials: ['SN3'] } },
      { supplierId: '16FCE4A0', orderNumber: 'C', at: 'orders.2', found: undefined },
      { supplierId: '16FCE4A0', orderNumber: 'D', at: 'orders.3', found: { orgPk: ORG.pk, liveSerials: ['SN4'] } },
    ];
    expect(candidatesOfOrders(ORG, orders)).to.deep.equal([
      { serial: 'SN1', at: 'orders.0' },
      { serial: 'SN2', at: 'orders.0' },
      { serial: 'SN4', at: 'orders.3' },
    ]);
  });

  it('answers the plan when nothing was refused', () => {
    const plan: AssignmentPlan = { changed: [], unchanged: ['SN1'], events: [] };
    expect(allOrNothing([], plan, 1, 'mdm')).to.deep.equal({ plan });
  });

  it('refuses the whole request (GW-AS-4400) with every refusal, the orders\' first', () => {
    const order: AssignmentRefusal = { at: 'orders.1', serial: null, error: { code: 'GW-AS-4404', params: { supplierId: 'X', orderNumber: 'B', orgId: ORG.orgId } } };
    const device: AssignmentRefusal = { at: 'orders.0', serial: 'SN1', error: { code: 'GW-AS-4402', params: { serial: 'SN1', state: 'returned' } } };
    expect(allOrNothing([order], { refusals: [device] }, 2, 'mdm')).to.deep.equal({
      error: { code: 'GW-AS-4400', params: { count: 2, total: 2, server: 'mdm' } },
      refusals: [order, device],
    });
    const plan: AssignmentPlan = { changed: [], unchanged: [], events: [] };
    expect(allOrNothing([order], plan, 3, 'mdm')).to.deep.equal({ error: { code: 'GW-AS-4400', params: { count: 1, total: 3, server: 'mdm' } }, refusals: [order] });
  });
});
