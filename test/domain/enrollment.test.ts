// Unit tests of the enrollment rules: OR, RE, VD and OV orders, device conflicts,
// pending devices of organisations that have not added their reseller, release, and the
// field and transaction codes of the reseller protocol. Pure functions over small Worlds.
import { expect } from 'chai';
import { applyTransaction, devicesEnrolled, onlyNewSerials, rollUpTransaction } from '../../src/domain/enrollment.js';
import { checkTransaction, isCodedError } from '../../src/domain/order-fields.js';
import { matchOrganisation, normaliseAppleCustomerNumber } from '../../src/domain/matching.js';
import { lineStatusOnRelease, releaseDevice } from '../../src/domain/release.js';
import { enrollPendingOnLink } from '../../src/domain/linking.js';
import type { Device, Organisation, Supplier } from '../../src/model/state.js';
import type { Changes, EnrollmentResult, OrderOutcome, World } from '../../src/model/enrollment.js';
import type { DeliveryInput, DeviceInput, OrderInput } from '../../src/model/commands.js';

// ---- fixtures ---------------------------------------------------------------------------

const R1: Supplier = { pk: 1, supplierId: '16FCE4A0', kind: 'reseller', name: 'Reseller One' };
const R2: Supplier = { pk: 2, supplierId: '2B7DE911', kind: 'reseller', name: 'Reseller Two' };
const APPLE: Supplier = { pk: 9, supplierId: 'APPLE', kind: 'apple', name: 'Apple' };

/** Linked to both resellers. */
const ORG_A: Organisation = {
  pk: 10,
  orgId: '19827',
  name: 'Org A',
  country: 'LT',
  appleCustomerNumbers: ['000123'],
  linkedSupplierPks: [1, 2],
  defaultServers: { iPhone: 'mdm-a-phones', Mac: 'mdm-a-macs' },
};
/** Linked to R1 only. */
const ORG_B: Organisation = {
  pk: 20,
  orgId: '55501',
  name: 'Org B',
  country: 'DE',
  appleCustomerNumbers: ['456'],
  linkedSupplierPks: [1],
  defaultServers: { iPhone: 'mdm-b' },
};
/** Linked to nobody. */
const ORG_C: Organisation = {
  pk: 30,
  orgId: '77700',
  name: 'Org C',
  country: 'FR',
  appleCustomerNumbers: ['0789'],
  linkedSupplierPks: [],
  defaultServers: { iPad: 'mdm-c-ipads' },
};

const S1 = 'C02XA0000001';
const S2 = 'C02XA0000002';
const S3 = 'C02XA0000003';
const S4 = 'C02XA0000004';
const S5 = 'C02XA0000005';
const S9 = 'C02XA0000009';

const ORDER_DATE = '2024-03-01T09:00:00Z';
const SHIP_DATE = '2024-03-02T09:00:00Z';
const RETURN_DATE = '2024-04-01T09:00:00Z';
const RETURN_SHIP = '2024-04-02T09:00:00Z';

function emptyWorld(): World {
  return {
    organisations: structuredClone([ORG_A, ORG_B, ORG_C]),
    orders: new Map(),
    devices: new Map(),
    released: new Map(),
  };
}

// ---- order builders ---------------------------------------------------------------------

type DeviceSpec = string | DeviceInput;

function delivery(deliveryNumber: string, list: DeviceSpec[], shipDate: string = SHIP_DATE): DeliveryInput {
  return { deliveryNumber, shipDate, devices: list.map((d) => (typeof d === 'string' ? { deviceId: d } : d)) };
}

function sale(orderNumber: string, customerId: string, list: DeviceSpec[], extra: Partial<OrderInput> = {}): OrderInput {
  return { orderNumber, orderDate: ORDER_DATE, orderType: 'OR', customerId, poNumber: 'PO-1', deliveries: [delivery('D1', list)], ...extra };
}

function ret(orderNumber: string, customerId: string, list: DeviceSpec[], extra: Partial<OrderInput> = {}): OrderInput {
  return { orderNumber, orderDate: RETURN_DATE, orderType: 'RE', customerId, deliveries: [delivery('R1', list, RETURN_SHIP)], ...extra };
}

function voidOrder(orderNumber: string, customerId: string, extra: Partial<OrderInput> = {}): OrderInput {
  return { orderNumber, orderDate: RETURN_DATE, orderType: 'VD', customerId, ...extra };
}

function override(orderNumber: string, customerId: string, list: DeviceSpec[], extra: Partial<OrderInput> = {}): OrderInput {
  return { orderNumber, orderDate: ORDER_DATE, orderType: 'OV', customerId, poNumber: 'PO-1', deliveries: [delivery('SELF', list)], ...extra };
}

// ---- running and chaining ---------------------------------------------------------------

/** A copy of the World with a result's changes written into it (as storage would). */
function merge(world: World, changes: Changes): World {
  const next = structuredClone(world);
  for (const order of changes.orders) next.orders.set(order.orderNumber, structuredClone(order));
  for (const { orderNumber, line } of changes.lines) next.orders.get(orderNumber)!.lines.set(line.serial, structuredClone(line));
  for (const device of changes.devices) next.devices.set(device.serial, structuredClone(device));
  return next;
}

function post(world: World, supplier: Supplier, ...orders: OrderInput[]): { result: EnrollmentResult; world: World } {
  const result = applyTransaction(world, supplier, orders);
  return { result, world: merge(world, result.changes) };
}

/** serial -> devicePostStatus over every order and delivery of the outcome. */
function deviceStatuses(result: EnrollmentResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of result.outcome.orders) for (const d of o.deliveries) for (const dev of d.devices) out[dev.deviceId] = dev.status;
  return out;
}

function changedDevice(result: EnrollmentResult, serial: string): Device {
  const device = result.changes.devices.find((d) => d.serial === serial);
  expect(device, `device ${serial} in changes`).to.not.equal(undefined);
  return device!;
}

function expectNoChanges(result: EnrollmentResult): void {
  expect(result.changes.orders).to.deep.equal([]);
  expect(result.changes.lines).to.deep.equal([]);
  expect(result.changes.devices).to.deep.equal([]);
  expect(result.changes.events).to.deep.equal([]);
}

function lineStatus(world: World, orderNumber: string, serial: string): string | undefined {
  return world.orders.get(orderNumber)?.lines.get(serial)?.status;
}

function withOrgs(world: World, patch: (orgs: Organisation[]) => void): World {
  const next = structuredClone(world);
  patch(next.organisations);
  return next;
}

// ---- tests ------------------------------------------------------------------------------

describe('domain/enrollment', () => {
  describe('organisation matching', () => {
    it('normalises Apple customer numbers by dropping leading zeros', () => {
      expect(normaliseAppleCustomerNumber('000123')).to.equal('123');
      expect(normaliseAppleCustomerNumber(' 0042 ')).to.equal('42');
      expect(normaliseAppleCustomerNumber('0000')).to.equal('0');
      expect(normaliseAppleCustomerNumber('123')).to.equal('123');
    });

    it('matches Apple by customer number without leading zeros, resellers by organisation id', () => {
      const orgs = [ORG_A, ORG_B, ORG_C];
      expect(matchOrganisation(orgs, APPLE, '123')?.pk).to.equal(ORG_A.pk);
      expect(matchOrganisation(orgs, APPLE, '0000456')?.pk).to.equal(ORG_B.pk);
      expect(matchOrganisation(orgs, APPLE, '789')?.pk).to.equal(ORG_C.pk);
      expect(matchOrganisation(orgs, APPLE, ORG_A.orgId)).to.equal(undefined);
      expect(matchOrganisation(orgs, R1, ORG_A.orgId)?.pk).to.equal(ORG_A.pk);
      expect(matchOrganisation(orgs, R1, '123')).to.equal(undefined);
    });

    it('enrols an Apple order by customer number, with no link needed', () => {
      const { result } = post(emptyWorld(), APPLE, sale('AP-1', '123', [S1]), sale('AP-2', '789', [S2]));
      expect(result.outcome.statusCode).to.equal('COMPLETE');
      expect(result.outcome.orders.map((o) => o.status)).to.deep.equal(['COMPLETE', 'COMPLETE']);
      expect(changedDevice(result, S1)).to.include({ state: 'enrolled', orgPk: ORG_A.pk, supplierPk: APPLE.pk });
      // ORG_C has added no reseller, but Apple needs no link.
      expect(changedDevice(result, S2)).to.include({ state: 'enrolled', orgPk: ORG_C.pk, supplierPk: APPLE.pk });
    });

    it('refuses an Apple order naming an organisation id and a reseller order naming a customer number (4102)', () => {
      const apple = applyTransaction(emptyWorld(), APPLE, [sale('AP-1', ORG_A.orgId, [S1])]);
      expect(apple.outcome.orders[0]?.status).to.equal('DEP-ERR-OR-4102');
      const reseller = applyTransaction(emptyWorld(), R1, [sale('O-1', '123', [S1])]);
      expect(reseller.outcome.orders[0]?.status).to.equal('DEP-ERR-OR-4102');
      expect(reseller.outcome.statusCode).to.equal('ERROR');
      expectNoChanges(reseller);
    });

    it('treats 000123 and 123 as the same Apple customer when an order number is reused', () => {
      let world = post(emptyWorld(), APPLE, sale('AP-1', '000123', [S1])).world;
      const next = post(world, APPLE, sale('AP-1', '123', [], { deliveries: [delivery('D2', [S2])] }));
      world = next.world;
      expect(next.result.outcome.orders[0]?.status).to.equal('COMPLETE');
      expect(lineStatus(world, 'AP-1', S1)).to.equal('live');
      expect(lineStatus(world, 'AP-1', S2)).to.equal('live');
    });
  });

  describe('OR', () => {
    it('enrols devices to the organisation with its default server per device family', () => {
      const { result } = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [{ deviceId: S1, deviceFamily: 'iPhone', assetTag: 'A-1' }, S2]));
      expect(result.outcome.statusCode).to.equal('COMPLETE');
      const order = result.outcome.orders[0]!;
      expect(order.status).to.equal('COMPLETE');
      expect(order.deliveries.map((d) => d.status)).to.deep.equal(['COMPLETE']);
      expect(deviceStatuses(result)).to.deep.equal({ [S1]: 'COMPLETE', [S2]: 'COMPLETE' });

      expect(changedDevice(result, S1)).to.deep.equal({
        serial: S1,
        state: 'enrolled',
        orgPk: ORG_A.pk,
        supplierPk: R1.pk,
        orderNumber: 'O-1',
        family: 'iPhone',
        assetTag: 'A-1',
        server: 'mdm-a-phones',
        version: 0,
      });
      expect(changedDevice(result, S2)).to.include({ state: 'enrolled', family: null, server: null, assetTag: null });

      expect(result.changes.orders).to.have.length(1);
      const stored = result.changes.orders[0]!;
      expect(stored).to.include({ orderNumber: 'O-1', kind: 'sale', lastType: 'OR', status: 'open', orgPk: ORG_A.pk, supplierPk: R1.pk, poNumber: 'PO-1' });
      expect(stored.deliveries).to.deep.equal([{ deliveryNumber: 'D1', shipDate: SHIP_DATE }]);
      expect([...stored.lines.values()].map((l) => [l.serial, l.status])).to.deep.equal([
        [S1, 'live'],
        [S2, 'live'],
      ]);
      expect(result.changes.events.map((e) => [e.serial, e.kind, e.fromState, e.toState])).to.deep.equal([
        [S1, 'enrolled', null, 'enrolled'],
        [S2, 'enrolled', null, 'enrolled'],
      ]);
    });

    it('does not mutate the World it is given', () => {
      const world = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [{ deviceId: S1, deviceFamily: 'iPhone' }, S2])).world;
      const before = structuredClone(world);
      const result = applyTransaction(world, R1, [
        sale('O-1', ORG_A.orgId, [], { deliveries: [delivery('D2', [S3])] }),
        override('O-1', ORG_B.orgId, [S1]),
        voidOrder('O-1', ORG_B.orgId),
      ]);
      expect(result.outcome.statusCode).to.equal('COMPLETE');
      expect(world).to.deep.equal(before);
      expect(world.devices.get(S1)?.state).to.equal('enrolled');
      expect(world.devices.get(S1)?.orgPk).to.equal(ORG_A.pk);
      expect(world.orders.get('O-1')?.status).to.equal('open');
      expect(world.orders.get('O-1')?.lines.has(S3)).to.equal(false);
      expect(world.devices.has(S3)).to.equal(false);
    });

    it('reusing an order number with a new delivery adds devices to that order', () => {
      const first = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1]));
      const second = post(first.world, R1, sale('O-1', ORG_A.orgId, [], { deliveries: [delivery('D2', [S2], '2024-03-05T09:00:00Z')] }));
      expect(second.result.outcome.statusCode).to.equal('COMPLETE');
      const order = second.world.orders.get('O-1')!;
      expect(order.deliveries.map((d) => d.deliveryNumber)).to.deep.equal(['D1', 'D2']);
      expect(lineStatus(second.world, 'O-1', S1)).to.equal('live');
      expect(lineStatus(second.world, 'O-1', S2)).to.equal('live');
      expect(second.world.devices.get(S2)).to.include({ state: 'enrolled', orderNumber: 'O-1' });
    });

    const mismatches: [string, Partial<OrderInput>][] = [
      ['customerId', { customerId: ORG_B.orgId }],
      ['orderDate', { orderDate: '2024-03-01T09:00:01Z' }],
      ['poNumber', { poNumber: 'PO-2' }],
    ];
    for (const [field, patch] of mismatches) {
      it(`reusing an order number with a different ${field} is refused with DEP-ERR-OR-4110`, () => {
        const { world } = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1]));
        const result = applyTransaction(world, R1, [sale('O-1', ORG_A.orgId, [], { deliveries: [delivery('D2', [S2])], ...patch })]);
        const order = result.outcome.orders[0]!;
        expect(order.status).to.equal('DEP-ERR-OR-4110');
        expect(order.error?.params?.field).to.equal(field);
        expect(result.outcome.statusCode).to.equal('ERROR');
        expectNoChanges(result);
      });
    }

    it('a device already in the same order is COMPLETE and changes nothing', () => {
      const { world } = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [{ deviceId: S1, deviceFamily: 'iPhone' }]));
      const result = applyTransaction(world, R1, [sale('O-1', ORG_A.orgId, [S1])]);
      expect(result.outcome.statusCode).to.equal('COMPLETE');
      expect(deviceStatuses(result)).to.deep.equal({ [S1]: 'COMPLETE' });
      expect(result.changes.devices).to.deep.equal([]);
      expect(result.changes.events).to.deep.equal([]);
    });

    it('a known delivery re-sent with another ship date is refused with DEP-ERR-DL-4207', () => {
      const { world } = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1]));
      const result = applyTransaction(world, R1, [sale('O-1', ORG_A.orgId, [], { deliveries: [delivery('D1', [S2], '2024-03-03T09:00:00Z')] })]);
      const order = result.outcome.orders[0]!;
      expect(order.deliveries[0]?.status).to.equal('DEP-ERR-DL-4207');
      expect(order.status).to.equal('ERROR');
      expect(result.changes.devices).to.deep.equal([]);
    });

    it('reusing a voided order number is refused with GW-OR-4121', () => {
      let world = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1])).world;
      world = post(world, R1, voidOrder('O-1', ORG_A.orgId)).world;
      const result = applyTransaction(world, R1, [sale('O-1', ORG_A.orgId, [S2])]);
      expect(result.outcome.orders[0]?.status).to.equal('GW-OR-4121');
      expect(result.outcome.statusCode).to.equal('ERROR');
      expectNoChanges(result);
    });

    it("reusing a return's order number is refused with DEP-ERR-OR-4110", () => {
      let world = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1])).world;
      world = post(world, R1, ret('O-1-R', ORG_A.orgId, [S1])).world;
      const result = applyTransaction(world, R1, [sale('O-1-R', ORG_A.orgId, [S2], { orderDate: RETURN_DATE, poNumber: undefined })]);
      expect(result.outcome.orders[0]?.status).to.equal('DEP-ERR-OR-4110');
      expectNoChanges(result);
    });

    it('orders of one transaction apply in sequence: a later order sees an earlier one (4303)', () => {
      const { result } = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1]), sale('O-2', ORG_A.orgId, [S1]));
      expect(result.outcome.orders.map((o) => o.status)).to.deep.equal(['COMPLETE', 'ERROR']);
      expect(result.outcome.orders[1]?.deliveries[0]?.devices[0]?.status).to.equal('DEP-ERR-DE-4303');
      expect(result.outcome.statusCode).to.equal('COMPLETE_WITH_ERRORS');
      expect(changedDevice(result, S1).orderNumber).to.equal('O-1');
    });

    it('a re-enrolled device keeps its family and gets the new organisation default server', () => {
      let world = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [{ deviceId: S1, deviceFamily: 'iPhone' }])).world;
      world = post(world, R1, voidOrder('O-1', ORG_A.orgId)).world;
      expect(world.devices.get(S1)?.state).to.equal('voided');
      const { result } = post(world, R2, sale('X-1', ORG_A.orgId, [S1]));
      expect(result.outcome.statusCode).to.equal('COMPLETE');
      expect(changedDevice(result, S1)).to.include({ state: 'enrolled', supplierPk: R2.pk, orderNumber: 'X-1', family: 'iPhone', server: 'mdm-a-phones' });
      const toB = post(world, R1, sale('O-2', ORG_B.orgId, [S1]));
      expect(toB.world.devices.get(S1)).to.include({ state: 'enrolled', orgPk: ORG_B.pk, family: 'iPhone', server: 'mdm-b' });
    });
  });

  describe('device conflicts', () => {
    function enrolledInO1(): World {
      return post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1])).world;
    }

    it('a device live in an order of another organisation is refused with DEP-ERR-DE-4304', () => {
      const result = applyTransaction(enrolledInO1(), R1, [sale('O-2', ORG_B.orgId, [S1])]);
      expect(deviceStatuses(result)).to.deep.equal({ [S1]: 'DEP-ERR-DE-4304' });
      expect(result.outcome.statusCode).to.equal('ERROR');
      expect(result.changes.devices).to.deep.equal([]);
    });

    it("a device in another reseller's order for the same organisation is refused with DEP-ERR-DE-4305", () => {
      const result = applyTransaction(enrolledInO1(), R2, [sale('X-1', ORG_A.orgId, [S1])]);
      expect(deviceStatuses(result)).to.deep.equal({ [S1]: 'DEP-ERR-DE-4305' });
      expect(result.changes.devices).to.deep.equal([]);
    });

    it('Apple ordering a device held by a reseller order of the same organisation gets DEP-ERR-DE-4305', () => {
      const result = applyTransaction(enrolledInO1(), APPLE, [sale('AP-1', '123', [S1])]);
      expect(deviceStatuses(result)).to.deep.equal({ [S1]: 'DEP-ERR-DE-4305' });
      expect(result.changes.devices).to.deep.equal([]);
    });

    it("a device in the same reseller's other order for the same organisation is refused with DEP-ERR-DE-4303", () => {
      const result = applyTransaction(enrolledInO1(), R1, [sale('O-2', ORG_A.orgId, [S1])]);
      const device = result.outcome.orders[0]!.deliveries[0]!.devices[0]!;
      expect(device.status).to.equal('DEP-ERR-DE-4303');
      expect(device.error?.params?.otherOrder).to.equal('O-1');
      expect(result.changes.devices).to.deep.equal([]);
    });

    it('a pending device is live too: another organisation cannot take it (4304)', () => {
      const { world } = post(emptyWorld(), R1, sale('O-1', ORG_C.orgId, [S1]));
      expect(world.devices.get(S1)?.state).to.equal('pending');
      const result = applyTransaction(world, R2, [sale('X-1', ORG_A.orgId, [S1])]);
      expect(deviceStatuses(result)).to.deep.equal({ [S1]: 'DEP-ERR-DE-4304' });
    });

    it('one refused device among good ones: delivery and order POSTED_WITH_ERRORS, transaction COMPLETE_WITH_ERRORS', () => {
      const result = applyTransaction(enrolledInO1(), R1, [sale('O-2', ORG_A.orgId, [S2, S1])]);
      expect(deviceStatuses(result)).to.deep.equal({ [S2]: 'COMPLETE', [S1]: 'DEP-ERR-DE-4303' });
      expect(result.outcome.orders[0]?.deliveries[0]?.status).to.equal('POSTED_WITH_ERRORS');
      expect(result.outcome.orders[0]?.status).to.equal('POSTED_WITH_ERRORS');
      expect(result.outcome.statusCode).to.equal('COMPLETE_WITH_ERRORS');
      expect(result.changes.devices.map((d) => d.serial)).to.deep.equal([S2]);
    });

    describe('released devices (GW-DE-4310)', () => {
      function releasedWorld(): World {
        const world = enrolledInO1();
        const release = releaseDevice(world.devices.get(S1), S1, ORG_A, 'sold', '2024-05-01T12:00:00Z');
        if (isCodedError(release)) throw new Error(`release refused: ${release.code}`);
        world.devices.set(S1, release.device);
        world.orders.get('O-1')!.lines.get(S1)!.status = lineStatusOnRelease();
        world.released.set(S1, release.released);
        return world;
      }

      for (const [label, supplier, customerId] of [
        ['the reseller that sold it', R1, ORG_A.orgId],
        ['another reseller', R2, ORG_A.orgId],
        ['a reseller for another organisation', R1, ORG_B.orgId],
        ['Apple', APPLE, '123'],
      ] as const) {
        it(`refuses an order from ${label}`, () => {
          const result = applyTransaction(releasedWorld(), supplier, [sale('N-1', customerId, [S1])]);
          const device = result.outcome.orders[0]!.deliveries[0]!.devices[0]!;
          expect(device.status).to.equal('GW-DE-4310');
          expect(device.error?.params?.releasedOn).to.equal('2024-05-01');
          expect(result.changes.devices).to.deep.equal([]);
          // The refusal is on the device's history, under the organisation that released it.
          expect(result.changes.events).to.deep.equal([
            { serial: S1, kind: 'refused', fromState: 'released', toState: 'released', orgPk: ORG_A.pk, supplierPk: supplier.pk, orderNumber: 'N-1', detail: `GW-DE-4310: ordered again by ${supplier.supplierId}` },
          ]);
        });
      }

      it('refuses a return of a released device', () => {
        const result = applyTransaction(releasedWorld(), R1, [ret('O-1-R', ORG_A.orgId, [S1])]);
        expect(deviceStatuses(result)).to.deep.equal({ [S1]: 'GW-DE-4310' });
        expect(result.changes.devices).to.deep.equal([]);
        expect(result.changes.events.map((e) => [e.serial, e.kind, e.orderNumber, e.orgPk])).to.deep.equal([[S1, 'refused', 'O-1-R', ORG_A.pk]]);
      });

      it('refuses an override that lists a released device', () => {
        const world = post(releasedWorld(), R1, sale('O-1', ORG_A.orgId, [], { deliveries: [delivery('D2', [S2])] })).world;
        const result = applyTransaction(world, R1, [override('O-1', ORG_A.orgId, [S2, S1])]);
        expect(deviceStatuses(result)).to.deep.equal({ [S2]: 'COMPLETE', [S1]: 'GW-DE-4310' });
        expect(result.changes.devices.map((d) => d.serial)).to.deep.equal([]);
      });
    });
  });

  describe('pending devices (organisation has not added the reseller)', () => {
    it('an OR for an organisation that has not added the reseller holds devices as pending (GW-OR-4120)', () => {
      const { result } = post(emptyWorld(), R1, sale('O-1', ORG_C.orgId, [{ deviceId: S1, deviceFamily: 'iPad' }, S2]));
      const order = result.outcome.orders[0]!;
      expect(order.status).to.equal('GW-OR-4120');
      expect(order.error?.params).to.deep.equal({ customerId: ORG_C.orgId, depResellerId: R1.supplierId, count: 2 });
      expect(order.deliveries[0]?.status).to.equal('COMPLETE');
      expect(deviceStatuses(result)).to.deep.equal({ [S1]: 'COMPLETE', [S2]: 'COMPLETE' });
      expect(result.outcome.statusCode).to.equal('COMPLETE_WITH_ERRORS');
      expect(changedDevice(result, S1)).to.include({ state: 'pending', orgPk: ORG_C.pk, supplierPk: R1.pk, family: 'iPad', server: null });
      expect(changedDevice(result, S2)).to.include({ state: 'pending', server: null });
      expect(result.changes.events.map((e) => e.kind)).to.deep.equal(['pending', 'pending']);
    });

    it('a reseller linked to one organisation but not another: pending only for the other', () => {
      const { result } = post(emptyWorld(), R2, sale('X-1', ORG_A.orgId, [S1]), sale('X-2', ORG_B.orgId, [S2]));
      expect(result.outcome.orders.map((o) => o.status)).to.deep.equal(['COMPLETE', 'GW-OR-4120']);
      expect(changedDevice(result, S1).state).to.equal('enrolled');
      expect(changedDevice(result, S2).state).to.equal('pending');
    });

    it("linking enrols that organisation's pending devices of that reseller, with default servers", () => {
      let world = post(emptyWorld(), R1, sale('O-1', ORG_C.orgId, [{ deviceId: S1, deviceFamily: 'iPad' }, S2])).world;
      world = post(world, R2, sale('X-1', ORG_C.orgId, [S3])).world; // other reseller, same org
      world = post(world, R2, sale('X-2', ORG_B.orgId, [S4])).world; // other org, pending with R2
      world = post(world, APPLE, sale('AP-1', '789', [S5])).world; // enrolled already
      expect([S1, S2, S3, S4, S5].map((s) => world.devices.get(s)?.state)).to.deep.equal(['pending', 'pending', 'pending', 'pending', 'enrolled']);

      const linkedC: Organisation = { ...structuredClone(ORG_C), linkedSupplierPks: [R1.pk] };
      const link = enrollPendingOnLink(linkedC, R1, [...world.devices.values()]);
      expect(link.devices.map((d) => [d.serial, d.state, d.server])).to.deep.equal([
        [S1, 'enrolled', 'mdm-c-ipads'],
        [S2, 'enrolled', null],
      ]);
      expect(link.devices[0]).to.include({ orgPk: ORG_C.pk, supplierPk: R1.pk, orderNumber: 'O-1' });
      expect(link.events.map((e) => [e.serial, e.kind, e.fromState, e.toState])).to.deep.equal([
        [S1, 'enrolled-on-link', 'pending', 'enrolled'],
        [S2, 'enrolled-on-link', 'pending', 'enrolled'],
      ]);
      expect(enrollPendingOnLink(ORG_B, R1, [...world.devices.values()]).devices).to.deep.equal([]);
    });

    it('after linking, new orders of that reseller enrol directly', () => {
      const world = withOrgs(emptyWorld(), (orgs) => orgs.find((o) => o.pk === ORG_C.pk)!.linkedSupplierPks.push(R1.pk));
      const { result } = post(world, R1, sale('O-1', ORG_C.orgId, [{ deviceId: S1, deviceFamily: 'iPad' }]));
      expect(result.outcome.statusCode).to.equal('COMPLETE');
      expect(result.outcome.orders[0]?.status).to.equal('COMPLETE');
      expect(changedDevice(result, S1)).to.include({ state: 'enrolled', server: 'mdm-c-ipads' });
    });

    it('a pending order whose every device is refused is ERROR, not pending', () => {
      const { world } = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1]));
      const result = applyTransaction(world, R1, [sale('O-2', ORG_C.orgId, [S1])]);
      expect(result.outcome.orders[0]?.status).to.equal('ERROR');
      expect(result.outcome.statusCode).to.equal('ERROR');
    });
  });

  describe('RE', () => {
    function saleWorld(): World {
      return post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [{ deviceId: S1, deviceFamily: 'iPhone' }, S2])).world;
    }

    it('returns a device: it leaves the sale order and becomes returned', () => {
      const { result, world } = post(saleWorld(), R1, ret('O-1-R', ORG_A.orgId, [S1]));
      expect(result.outcome.statusCode).to.equal('COMPLETE');
      expect(result.outcome.orders[0]?.status).to.equal('COMPLETE');
      expect(deviceStatuses(result)).to.deep.equal({ [S1]: 'COMPLETE' });
      expect(changedDevice(result, S1)).to.include({ state: 'returned', server: null, orgPk: ORG_A.pk, orderNumber: 'O-1' });
      expect(result.changes.devices).to.have.length(1);
      expect(lineStatus(world, 'O-1', S1)).to.equal('returned');
      expect(lineStatus(world, 'O-1', S2)).to.equal('live');
      const returnOrder = world.orders.get('O-1-R')!;
      expect(returnOrder).to.include({ kind: 'return', lastType: 'RE', status: 'open' });
      expect(returnOrder.lines.get(S1)).to.include({ status: 'returned', sourceOrderNumber: 'O-1' });
      expect(world.devices.get(S2)?.state).to.equal('enrolled');
    });

    it('a returned device can be sold again, to another organisation', () => {
      const world = post(saleWorld(), R1, ret('O-1-R', ORG_A.orgId, [S1])).world;
      const { result } = post(world, R1, sale('O-9', ORG_B.orgId, [S1]));
      expect(result.outcome.statusCode).to.equal('COMPLETE');
      expect(changedDevice(result, S1)).to.include({ state: 'enrolled', orgPk: ORG_B.pk, server: 'mdm-b' });
    });

    const notLocated: [string, Supplier, string, string][] = [
      ['a device in no order', R1, ORG_A.orgId, S5],
      ["another reseller's device", R2, ORG_A.orgId, S1],
      ['a device of another customer', R1, ORG_B.orgId, S1],
    ];
    for (const [label, supplier, customerId, serial] of notLocated) {
      it(`refuses the return of ${label} with DEP-ERR-DE-4306`, () => {
        const result = applyTransaction(saleWorld(), supplier, [ret('R-1', customerId, [serial])]);
        expect(deviceStatuses(result)).to.deep.equal({ [serial]: 'DEP-ERR-DE-4306' });
        expect(result.outcome.orders[0]?.status).to.equal('ERROR');
        expect(result.changes.devices).to.deep.equal([]);
      });
    }

    it('refuses a second return of an already returned device (4306)', () => {
      const world = post(saleWorld(), R1, ret('O-1-R', ORG_A.orgId, [S1])).world;
      const result = applyTransaction(world, R1, [ret('O-1-R2', ORG_A.orgId, [S1])]);
      expect(deviceStatuses(result)).to.deep.equal({ [S1]: 'DEP-ERR-DE-4306' });
    });

    for (const [label, orderDate, shipDate] of [
      ['the same instant as', ORDER_DATE, SHIP_DATE],
      ['before', '2024-02-01T09:00:00Z', '2024-02-02T09:00:00Z'],
    ] as const) {
      it(`refuses a return dated ${label} the order it returns with GW-DE-4312`, () => {
        const result = applyTransaction(saleWorld(), R1, [ret('O-1-R', ORG_A.orgId, [], { orderDate, deliveries: [delivery('R1', [S1], shipDate)] })]);
        const device = result.outcome.orders[0]!.deliveries[0]!.devices[0]!;
        expect(device.status).to.equal('GW-DE-4312');
        expect(device.error?.params?.otherOrder).to.equal('O-1');
        expect(result.changes.devices).to.deep.equal([]);
      });
    }
  });

  describe('VD', () => {
    it('refuses a VD that carries deliveries (DEP-ERR-OR-4113)', () => {
      const { world } = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1]));
      const result = applyTransaction(world, R1, [voidOrder('O-1', ORG_A.orgId, { deliveries: [delivery('D1', [S1], RETURN_SHIP)] })]);
      expect(result.outcome.orders[0]?.status).to.equal('DEP-ERR-OR-4113');
      expectNoChanges(result);
    });

    it('refuses a VD of an unknown order (DEP-ERR-OR-4109)', () => {
      const result = applyTransaction(emptyWorld(), R1, [voidOrder('NOPE-1', ORG_A.orgId)]);
      expect(result.outcome.orders[0]?.status).to.equal('DEP-ERR-OR-4109');
      expect(result.outcome.statusCode).to.equal('ERROR');
      expectNoChanges(result);
    });

    it('voids every live device of a sale order and leaves returned ones alone', () => {
      let world = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [{ deviceId: S1, deviceFamily: 'iPhone' }, S2, S3])).world;
      world = post(world, R1, ret('O-1-R', ORG_A.orgId, [S3])).world;
      const { result, world: after } = post(world, R1, voidOrder('O-1', ORG_A.orgId));
      expect(result.outcome.statusCode).to.equal('COMPLETE');
      expect(result.outcome.orders[0]).to.deep.include({ status: 'COMPLETE', deliveries: [] });
      expect(result.changes.devices.map((d) => [d.serial, d.state, d.server])).to.deep.equal([
        [S1, 'voided', null],
        [S2, 'voided', null],
      ]);
      expect(after.devices.get(S3)?.state).to.equal('returned');
      expect(after.orders.get('O-1')).to.include({ status: 'voided', lastType: 'VD' });
      expect([S1, S2, S3].map((s) => lineStatus(after, 'O-1', s))).to.deep.equal(['voided', 'voided', 'returned']);
      expect(result.changes.events.map((e) => e.kind)).to.deep.equal(['voided', 'voided']);
    });

    it('voids pending devices too', () => {
      const world = post(emptyWorld(), R1, sale('O-1', ORG_C.orgId, [S1])).world;
      const { result } = post(world, R1, voidOrder('O-1', ORG_C.orgId));
      expect(result.outcome.orders[0]?.status).to.equal('COMPLETE');
      expect(changedDevice(result, S1).state).to.equal('voided');
    });

    it('refuses to void an order twice (4109)', () => {
      let world = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1])).world;
      world = post(world, R1, voidOrder('O-1', ORG_A.orgId)).world;
      const result = applyTransaction(world, R1, [voidOrder('O-1', ORG_A.orgId)]);
      expect(result.outcome.orders[0]?.status).to.equal('DEP-ERR-OR-4109');
      expectNoChanges(result);
    });

    it('refuses a VD naming another customer (DEP-ERR-OR-4110)', () => {
      const { world } = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1]));
      const result = applyTransaction(world, R1, [voidOrder('O-1', ORG_B.orgId)]);
      expect(result.outcome.orders[0]?.status).to.equal('DEP-ERR-OR-4110');
      expectNoChanges(result);
    });

    it('voiding a return puts its devices back into the sale order, enrolled with the default server', () => {
      let world = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [{ deviceId: S1, deviceFamily: 'iPhone' }, S2])).world;
      world = post(world, R1, ret('O-1-R', ORG_A.orgId, [S1])).world;
      expect(world.devices.get(S1)?.server).to.equal(null);
      const { result, world: after } = post(world, R1, voidOrder('O-1-R', ORG_A.orgId));
      expect(result.outcome.statusCode).to.equal('COMPLETE');
      expect(changedDevice(result, S1)).to.include({ state: 'enrolled', orgPk: ORG_A.pk, orderNumber: 'O-1', server: 'mdm-a-phones' });
      expect(lineStatus(after, 'O-1', S1)).to.equal('live');
      expect(lineStatus(after, 'O-1-R', S1)).to.equal('voided');
      expect(after.orders.get('O-1-R')).to.include({ status: 'voided', lastType: 'VD' });
      expect(result.changes.events.map((e) => [e.serial, e.kind, e.fromState, e.toState])).to.deep.equal([[S1, 'restored', 'returned', 'enrolled']]);
    });

    it('voiding a return whose sale order was voided reports the device it cannot put back', () => {
      let world = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1, S2])).world;
      world = post(world, R1, ret('O-1-R', ORG_A.orgId, [S1])).world;
      world = post(world, R1, voidOrder('O-1', ORG_A.orgId)).world;
      const { result, world: after } = post(world, R1, voidOrder('O-1-R', ORG_A.orgId));
      const order = result.outcome.orders[0]!;
      expect(order.status).to.equal('POSTED_WITH_ERRORS');
      expect(order.error?.code).to.equal('DEP-ERR-OR-4114');
      expect(String(order.error?.params?.detail)).to.contain(`${S1} (DEP-ERR-DE-4306)`);
      expect(after.devices.get(S1)?.state).to.equal('returned');
      expect(result.outcome.statusCode).to.equal('COMPLETE_WITH_ERRORS');
    });
  });

  describe('OV', () => {
    function threeDevices(): World {
      return post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [{ deviceId: S1, deviceFamily: 'iPhone' }, S2, S3])).world;
    }

    it('refuses an OV of an unknown order (DEP-ERR-OR-4109)', () => {
      const result = applyTransaction(emptyWorld(), R1, [override('NOPE-1', ORG_A.orgId, [S1])]);
      expect(result.outcome.orders[0]?.status).to.equal('DEP-ERR-OR-4109');
      expectNoChanges(result);
    });

    it('refuses an OV of a voided order (4109)', () => {
      const world = post(threeDevices(), R1, voidOrder('O-1', ORG_A.orgId)).world;
      const result = applyTransaction(world, R1, [override('O-1', ORG_A.orgId, [S1])]);
      expect(result.outcome.orders[0]?.status).to.equal('DEP-ERR-OR-4109');
      expectNoChanges(result);
    });

    it('refuses an OV of a return (DEP-ERR-OR-4114)', () => {
      const world = post(threeDevices(), R1, ret('O-1-R', ORG_A.orgId, [S1])).world;
      const result = applyTransaction(world, R1, [override('O-1-R', ORG_A.orgId, [S1], { orderDate: RETURN_DATE, deliveries: [delivery('SELF', [S1], RETURN_SHIP)] })]);
      expect(result.outcome.orders[0]?.status).to.equal('DEP-ERR-OR-4114');
      expectNoChanges(result);
    });

    it('replaces the device list: posting 1 device to a 3-device order removes the other 2', () => {
      const { result, world } = post(threeDevices(), R1, override('O-1', ORG_A.orgId, [S2]));
      expect(result.outcome.statusCode).to.equal('COMPLETE');
      expect(result.outcome.orders[0]?.status).to.equal('COMPLETE');
      expect(deviceStatuses(result)).to.deep.equal({ [S2]: 'COMPLETE' });
      expect(result.changes.devices.map((d) => [d.serial, d.state, d.server])).to.deep.equal([
        [S1, 'voided', null],
        [S3, 'voided', null],
      ]);
      expect(world.devices.get(S2)?.state).to.equal('enrolled');
      expect([S1, S2, S3].map((s) => lineStatus(world, 'O-1', s))).to.deep.equal(['removed', 'live', 'removed']);
      expect(world.orders.get('O-1')?.lines.get(S2)?.deliveryNumber).to.equal('SELF');
      expect(world.orders.get('O-1')).to.deep.include({ lastType: 'OV', status: 'open', deliveries: [{ deliveryNumber: 'SELF', shipDate: SHIP_DATE }] });
      expect(result.changes.events.map((e) => [e.serial, e.kind])).to.deep.equal([
        [S1, 'removed'],
        [S3, 'removed'],
      ]);
    });

    it('can add new devices while replacing', () => {
      const { result, world } = post(threeDevices(), R1, override('O-1', ORG_A.orgId, [S1, S4]));
      expect(result.outcome.statusCode).to.equal('COMPLETE');
      expect(world.devices.get(S4)).to.include({ state: 'enrolled', orderNumber: 'O-1', orgPk: ORG_A.pk });
      expect([S1, S2, S3, S4].map((s) => world.devices.get(s)?.state)).to.deep.equal(['enrolled', 'voided', 'voided', 'enrolled']);
    });

    it('changing the customerId moves the devices to the new organisation', () => {
      const { result, world } = post(threeDevices(), R1, override('O-1', ORG_B.orgId, [S1, S2]));
      expect(result.outcome.statusCode).to.equal('COMPLETE');
      expect(deviceStatuses(result)).to.deep.equal({ [S1]: 'COMPLETE', [S2]: 'COMPLETE' });
      expect(world.devices.get(S1)).to.include({ state: 'enrolled', orgPk: ORG_B.pk, server: 'mdm-b', orderNumber: 'O-1' });
      expect(world.devices.get(S2)).to.include({ state: 'enrolled', orgPk: ORG_B.pk });
      expect(world.devices.get(S3)?.state).to.equal('voided');
      expect(world.orders.get('O-1')).to.include({ orgPk: ORG_B.pk, customerId: ORG_B.orgId });
      expect(result.changes.events.filter((e) => e.kind === 'reassigned').map((e) => e.serial)).to.deep.equal([S1, S2]);
      // The old header no longer matches.
      const again = applyTransaction(world, R1, [sale('O-1', ORG_A.orgId, [], { deliveries: [delivery('D2', [S4])] })]);
      expect(again.outcome.orders[0]?.status).to.equal('DEP-ERR-OR-4110');
    });

    it('moving the order to an organisation that has not added the reseller makes its devices pending', () => {
      const { result, world } = post(threeDevices(), R1, override('O-1', ORG_C.orgId, [S1]));
      expect(result.outcome.orders[0]?.status).to.equal('GW-OR-4120');
      expect(world.devices.get(S1)).to.include({ state: 'pending', orgPk: ORG_C.pk, server: null });
    });

    it('any delivery-level error refuses the whole OV with ERROR and changes nothing', () => {
      const world = threeDevices();
      const result = applyTransaction(world, R1, [
        override('O-1', ORG_A.orgId, [], { deliveries: [delivery('SELF', [S2]), delivery('D2', [S4], '2024-02-01T09:00:00Z')] }),
      ]);
      const order = result.outcome.orders[0]!;
      expect(order.status).to.equal('ERROR');
      expect(order.deliveries.map((d) => d.status)).to.deep.equal(['COMPLETE', 'DEP-ERR-DL-4203']);
      expect(result.outcome.statusCode).to.equal('ERROR');
      expectNoChanges(result);
    });

    it('a device-level error does not refuse the OV: the other devices are replaced', () => {
      const { result, world } = post(threeDevices(), R1, override('O-1', ORG_A.orgId, [S2, 'c02xa0000009']));
      expect(deviceStatuses(result)).to.deep.equal({ [S2]: 'COMPLETE', c02xa0000009: 'DEP-ERR-DE-4301' });
      expect(result.outcome.orders[0]?.status).to.equal('POSTED_WITH_ERRORS');
      expect([S1, S2, S3].map((s) => world.devices.get(s)?.state)).to.deep.equal(['voided', 'enrolled', 'voided']);
    });
  });

  describe('field codes', () => {
    interface Case {
      code: string;
      order: OrderInput;
    }

    const orderLevel: Case[] = [
      { code: 'DEP-ERR-OR-4101', order: sale('F-1', '', [S1]) },
      { code: 'DEP-ERR-OR-4101', order: sale('F-1', '   ', [S1]) },
      { code: 'DEP-ERR-OR-4101', order: sale('F-1', ORG_A.orgId, [S1], { customerId: undefined }) },
      { code: 'DEP-ERR-OR-4102', order: sale('F-1', '99999', [S1]) },
      { code: 'DEP-ERR-OR-4103', order: sale('F-1', '1'.repeat(33), [S1]) },
      { code: 'DEP-ERR-OR-4104', order: sale('F-1', ORG_A.orgId, [S1], { orderDate: undefined }) },
      { code: 'DEP-ERR-OR-4105', order: sale('F-1', ORG_A.orgId, [S1], { orderDate: '2024-02-30T09:00:00Z' }) },
      { code: 'DEP-ERR-OR-4105', order: sale('F-1', ORG_A.orgId, [S1], { orderDate: '2024-03-01 09:00:00' }) },
      { code: 'DEP-ERR-OR-4105', order: sale('F-1', ORG_A.orgId, [S1], { orderDate: '2024-03-01T24:00:00Z' }) },
      { code: 'DEP-ERR-OR-4106', order: sale('F-1', ORG_A.orgId, [S1], { orderType: '' }) },
      { code: 'DEP-ERR-OR-4107', order: sale('F-1', ORG_A.orgId, [S1], { orderType: 'XX' }) },
      { code: 'DEP-ERR-OR-4108', order: sale('F-1', ORG_A.orgId, [S1], { poNumber: 'P'.repeat(101) }) },
      { code: 'DEP-ERR-OR-4111', order: sale('F-1', ORG_A.orgId, [], { deliveries: [{ shipDate: SHIP_DATE, devices: [{ deviceId: S1 }] }] }) },
      { code: 'DEP-ERR-OR-4112', order: sale('F-1', ORG_A.orgId, [], { deliveries: [delivery('D'.repeat(33), [S1])] }) },
      { code: 'DEP-ERR-OR-4113', order: voidOrder('F-1', ORG_A.orgId, { deliveries: [delivery('D1', [S1], RETURN_SHIP)] }) },
      { code: 'DEP-ERR-OR-4114', order: sale('F-1', ORG_A.orgId, [], { deliveries: [] }) },
      { code: 'DEP-ERR-OR-4114', order: ret('F-1', ORG_A.orgId, [], { deliveries: undefined }) },
    ];
    for (const { code, order } of orderLevel) {
      it(`order-level ${code} (${JSON.stringify({ customerId: order.customerId, orderDate: order.orderDate, orderType: order.orderType }).slice(0, 80)})`, () => {
        const result = applyTransaction(emptyWorld(), R1, [order]);
        const outcome: OrderOutcome = result.outcome.orders[0]!;
        expect(outcome.status).to.equal(code);
        expect(outcome.error?.code).to.equal(code);
        expect(outcome.deliveries).to.deep.equal([]);
        expect(result.outcome.statusCode).to.equal('ERROR');
        expectNoChanges(result);
      });
    }

    const deliveryLevel: Case[] = [
      { code: 'DEP-ERR-DL-4201', order: sale('F-1', ORG_A.orgId, [], { deliveries: [{ deliveryNumber: 'D1', devices: [{ deviceId: S1 }] }] }) },
      { code: 'DEP-ERR-DL-4202', order: sale('F-1', ORG_A.orgId, [], { deliveries: [delivery('D1', [S1], '2024-13-01T09:00:00Z')] }) },
      { code: 'DEP-ERR-DL-4203', order: sale('F-1', ORG_A.orgId, [], { deliveries: [delivery('D1', [S1], '2024-03-01T08:59:59Z')] }) },
      { code: 'DEP-ERR-DL-4205', order: sale('F-1', ORG_A.orgId, [S2, { assetTag: 'T-1' }]) },
      { code: 'DEP-ERR-DL-4205', order: sale('F-1', ORG_A.orgId, [S2, '']) },
      { code: 'DEP-ERR-DL-4206', order: sale('F-1', ORG_A.orgId, [S2, 'A'.repeat(21)]) },
      { code: 'DEP-ERR-DL-4207', order: sale('F-1', ORG_A.orgId, []) },
    ];
    for (const { code, order } of deliveryLevel) {
      it(`delivery-level ${code} (${JSON.stringify(order.deliveries).slice(0, 80)})`, () => {
        const result = applyTransaction(emptyWorld(), R1, [order]);
        const outcome = result.outcome.orders[0]!;
        expect(outcome.deliveries[0]?.status).to.equal(code);
        expect(outcome.deliveries[0]?.devices).to.deep.equal([]);
        expect(outcome.status).to.equal('ERROR');
        expect(result.outcome.statusCode).to.equal('ERROR');
        expect(result.changes.devices).to.deep.equal([]);
      });
    }

    it('a ship date equal to the order date is accepted', () => {
      const result = applyTransaction(emptyWorld(), R1, [sale('F-1', ORG_A.orgId, [], { deliveries: [delivery('D1', [S1], ORDER_DATE)] })]);
      expect(result.outcome.statusCode).to.equal('COMPLETE');
    });

    it('a delivery number appearing twice in one order is refused with DEP-ERR-DL-4207 (the first applies)', () => {
      const result = applyTransaction(emptyWorld(), R1, [sale('F-1', ORG_A.orgId, [], { deliveries: [delivery('D1', [S1]), delivery('D1', [S2])] })]);
      const outcome = result.outcome.orders[0]!;
      expect(outcome.deliveries.map((d) => d.status)).to.deep.equal(['COMPLETE', 'DEP-ERR-DL-4207']);
      expect(outcome.status).to.equal('POSTED_WITH_ERRORS');
      expect(result.changes.devices.map((d) => d.serial)).to.deep.equal([S1]);
    });

    const deviceLevel: [string, string, DeviceSpec][] = [
      ['lower case', 'DEP-ERR-DE-4301', 'c02xa0000001'],
      ['bad characters', 'DEP-ERR-DE-4301', 'C02XA-00001'],
      ['too short', 'DEP-ERR-DE-4301', 'C02X'],
      ['unknown deviceFamily', 'DEP-ERR-DE-4301', { deviceId: S1, deviceFamily: 'Toaster' }],
      ['asset tag too long', 'DEP-ERR-DE-4302', { deviceId: S1, assetTag: 'T'.repeat(129) }],
    ];
    for (const [label, code, spec] of deviceLevel) {
      it(`device-level ${code}: ${label}`, () => {
        const result = applyTransaction(emptyWorld(), R1, [sale('F-1', ORG_A.orgId, [S2, spec])]);
        const outcome = result.outcome.orders[0]!;
        const deviceId = typeof spec === 'string' ? spec : spec.deviceId!;
        expect(deviceStatuses(result)).to.deep.equal({ [S2]: 'COMPLETE', [deviceId]: code });
        expect(outcome.deliveries[0]?.status).to.equal('POSTED_WITH_ERRORS');
        expect(outcome.status).to.equal('POSTED_WITH_ERRORS');
        expect(result.outcome.statusCode).to.equal('COMPLETE_WITH_ERRORS');
        expect(result.changes.devices.map((d) => d.serial)).to.deep.equal([S2]);
      });
    }

    it('an asset tag of exactly 128 characters and a known deviceFamily are accepted', () => {
      const result = applyTransaction(emptyWorld(), R1, [sale('F-1', ORG_A.orgId, [{ deviceId: S1, assetTag: 'T'.repeat(128), deviceFamily: 'Mac' }])]);
      expect(result.outcome.statusCode).to.equal('COMPLETE');
      expect(changedDevice(result, S1)).to.include({ family: 'Mac', server: 'mdm-a-macs' });
    });

    it('a device listed twice in one order is refused the second time with DEP-ERR-DE-4301', () => {
      const result = applyTransaction(emptyWorld(), R1, [
        sale('F-1', ORG_A.orgId, [], { deliveries: [delivery('D1', [S1, S2]), delivery('D2', [S1])] }),
      ]);
      const outcome = result.outcome.orders[0]!;
      expect(outcome.deliveries.map((d) => d.devices.map((x) => x.status))).to.deep.equal([['COMPLETE', 'COMPLETE'], ['DEP-ERR-DE-4301']]);
      expect(outcome.deliveries.map((d) => d.status)).to.deep.equal(['COMPLETE', 'ERROR']);
      expect(outcome.status).to.equal('POSTED_WITH_ERRORS');
      expect(result.changes.devices.map((d) => d.serial)).to.deep.equal([S1, S2]);
    });
  });

  describe('checkTransaction', () => {
    const limits = { maxOrdersPerTransaction: 2, maxDevicesPerTransaction: 3 };
    const codes = (transactionId: string | undefined, orders: OrderInput[] | undefined): string[] =>
      checkTransaction(transactionId, orders, limits).map((e) => e.code);

    it('accepts a transaction within every limit', () => {
      expect(codes('TXN_001', [sale('O-1', ORG_A.orgId, [S1, S2]), sale('O-2', ORG_A.orgId, [S3])])).to.deep.equal([]);
      expect(codes('T'.repeat(64), [sale('O'.repeat(32), ORG_A.orgId, [S1])])).to.deep.equal([]);
    });

    it('DEP-ERR-3001 transaction id missing', () => {
      expect(codes(undefined, [sale('O-1', ORG_A.orgId, [S1])])).to.deep.equal(['DEP-ERR-3001']);
      expect(codes('  ', [sale('O-1', ORG_A.orgId, [S1])])).to.deep.equal(['DEP-ERR-3001']);
    });

    it('DEP-ERR-3002 transaction id too long', () => {
      expect(codes('T'.repeat(65), [sale('O-1', ORG_A.orgId, [S1])])).to.deep.equal(['DEP-ERR-3002']);
    });

    it('DEP-ERR-3003 orders missing', () => {
      expect(codes('TXN_001', undefined)).to.deep.equal(['DEP-ERR-3003']);
      expect(codes('TXN_001', [])).to.deep.equal(['DEP-ERR-3003']);
      expect(codes(undefined, [])).to.deep.equal(['DEP-ERR-3001', 'DEP-ERR-3003']);
    });

    it('DEP-ERR-3004 order number missing, naming the order', () => {
      const errors = checkTransaction('TXN_001', [sale('O-1', ORG_A.orgId, [S1]), sale('', ORG_A.orgId, [S2])], limits);
      expect(errors).to.deep.equal([{ code: 'DEP-ERR-3004', params: { index: 2 } }]);
    });

    it('DEP-ERR-3005 device limit per transaction exceeded', () => {
      const errors = checkTransaction('TXN_001', [sale('O-1', ORG_A.orgId, [S1, S2]), sale('O-2', ORG_A.orgId, [S3, S4])], limits);
      expect(errors).to.deep.equal([{ code: 'DEP-ERR-3005', params: { count: 4, max: 3 } }]);
    });

    it('DEP-ERR-3006 order number too long', () => {
      expect(codes('TXN_001', [sale('O'.repeat(33), ORG_A.orgId, [S1])])).to.deep.equal(['DEP-ERR-3006']);
    });

    it('DEP-ERR-3007 order limit per transaction exceeded', () => {
      const orders = [sale('O-1', ORG_A.orgId, [S1]), sale('O-2', ORG_A.orgId, [S2]), sale('O-3', ORG_A.orgId, [S3])];
      expect(codes('TXN_001', orders)).to.deep.equal(['DEP-ERR-3007']);
    });
  });

  describe('roll-up', () => {
    const o = (status: OrderOutcome['status']): OrderOutcome => ({ orderNumber: 'X', status, deliveries: [] });

    it('COMPLETE only when every order is COMPLETE', () => {
      expect(rollUpTransaction([o('COMPLETE'), o('COMPLETE')])).to.equal('COMPLETE');
    });

    it('COMPLETE_WITH_ERRORS when something posted and something did not', () => {
      expect(rollUpTransaction([o('COMPLETE'), o('ERROR')])).to.equal('COMPLETE_WITH_ERRORS');
      expect(rollUpTransaction([o('POSTED_WITH_ERRORS')])).to.equal('COMPLETE_WITH_ERRORS');
      expect(rollUpTransaction([o('DEP-ERR-OR-4102'), o('GW-OR-4120')])).to.equal('COMPLETE_WITH_ERRORS');
    });

    it('ERROR when no order posted anything', () => {
      expect(rollUpTransaction([o('ERROR'), o('DEP-ERR-OR-4109')])).to.equal('ERROR');
    });

    it('a transaction mixing a good, a partly refused and a refused order is COMPLETE_WITH_ERRORS', () => {
      const world = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1])).world;
      const result = applyTransaction(world, R1, [
        sale('O-2', ORG_A.orgId, [S2]),
        sale('O-3', ORG_A.orgId, [S3, S1]),
        voidOrder('NOPE-1', ORG_A.orgId),
      ]);
      expect(result.outcome.orders.map((x) => x.status)).to.deep.equal(['COMPLETE', 'POSTED_WITH_ERRORS', 'DEP-ERR-OR-4109']);
      expect(result.outcome.statusCode).to.equal('COMPLETE_WITH_ERRORS');
    });
  });

  describe('release', () => {
    function enrolled(): World {
      return post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [{ deviceId: S1, deviceFamily: 'iPhone' }])).world;
    }

    it('releases a device enrolled to the organisation', () => {
      const world = enrolled();
      const device = world.devices.get(S1)!;
      const result = releaseDevice(device, S1, ORG_A, '  sold to staff  ', '2024-05-01T12:00:00Z');
      if (isCodedError(result)) throw new Error(`refused: ${result.code}`);
      expect(result.device).to.deep.equal({ ...device, state: 'released', server: null });
      expect(result.released).to.deep.equal({ serial: S1, orgPk: ORG_A.pk, reason: 'sold to staff', releasedAt: '2024-05-01T12:00:00Z' });
      expect(result.event).to.include({ serial: S1, kind: 'released', fromState: 'enrolled', toState: 'released', orderNumber: 'O-1', supplierPk: R1.pk });
      expect(device.state).to.equal('enrolled');
    });

    it('closes the order line that held the device: released, no longer live', () => {
      expect(lineStatusOnRelease()).to.equal('released');
    });

    it('keeps at most 200 characters of the reason', () => {
      const result = releaseDevice(enrolled().devices.get(S1), S1, ORG_A, 'x'.repeat(250), '2024-05-01T12:00:00Z');
      if (isCodedError(result)) throw new Error(`refused: ${result.code}`);
      expect(result.released.reason).to.have.length(200);
    });

    it('refuses a device of another organisation with GW-DE-4311', () => {
      const result = releaseDevice(enrolled().devices.get(S1), S1, ORG_B, 'lost', '2024-05-01T12:00:00Z');
      expect(result).to.deep.equal({ code: 'GW-DE-4311', params: { serial: S1, orgId: ORG_B.orgId, state: 'not in this organisation' } });
    });

    it('refuses an unknown device with GW-DE-4311', () => {
      const result = releaseDevice(undefined, S9, ORG_A, 'lost', '2024-05-01T12:00:00Z');
      expect(isCodedError(result) && result.code).to.equal('GW-DE-4311');
      expect(isCodedError(result) && result.params?.state).to.equal('unknown to the gateway');
    });

    it('refuses pending, returned and voided devices with GW-DE-4311', () => {
      const pending = post(emptyWorld(), R1, sale('O-1', ORG_C.orgId, [S1])).world.devices.get(S1);
      const p = releaseDevice(pending, S1, ORG_C, 'lost', '2024-05-01T12:00:00Z');
      expect(p).to.deep.equal({ code: 'GW-DE-4311', params: { serial: S1, orgId: ORG_C.orgId, state: 'pending' } });

      const returned = post(enrolled(), R1, ret('O-1-R', ORG_A.orgId, [S1])).world.devices.get(S1);
      expect(returned?.state).to.equal('returned');
      const r = releaseDevice(returned, S1, ORG_A, 'lost', '2024-05-01T12:00:00Z');
      expect(isCodedError(r) && r.code).to.equal('GW-DE-4311');

      const voided = post(enrolled(), R1, voidOrder('O-1', ORG_A.orgId)).world.devices.get(S1);
      const v = releaseDevice(voided, S1, ORG_A, 'lost', '2024-05-01T12:00:00Z');
      expect(isCodedError(v) && v.params?.state).to.equal('voided');
    });

    it('a pending device can be released once its organisation adds the reseller', () => {
      const world = post(emptyWorld(), R1, sale('O-1', ORG_C.orgId, [S1])).world;
      const linkedC: Organisation = { ...structuredClone(ORG_C), linkedSupplierPks: [R1.pk] };
      const [device] = enrollPendingOnLink(linkedC, R1, [...world.devices.values()]).devices;
      const result = releaseDevice(device, S1, linkedC, 'sold', '2024-05-01T12:00:00Z');
      expect(isCodedError(result)).to.equal(false);
    });
  });

  describe('new devices as sets', () => {
    /** The sets written out as storage would write them: a line, a device and an event per serial. */
    const expand = (changes: Changes) => ({
      lines: changes.enrolledSets.flatMap((set) =>
        set.serials.map((serial, i) => ({ orderNumber: set.orderNumber, line: { serial, deliveryNumber: set.deliveryNumber, assetTag: set.assetTags[i], status: 'live', sourceOrderNumber: null } })),
      ),
      devices: changes.enrolledSets.flatMap((set) =>
        set.serials.map((serial, i) => ({ serial, state: set.state, orgPk: set.orgPk, supplierPk: set.supplierPk, orderNumber: set.orderNumber, family: set.families[i], assetTag: set.assetTags[i], server: set.servers[i], version: 0 })),
      ),
      events: changes.enrolledSets.flatMap((set) =>
        set.serials.map((serial) => ({ serial, kind: set.state, fromState: null, toState: set.state, orgPk: set.orgPk, supplierPk: set.supplierPk, orderNumber: set.orderNumber, detail: null })),
      ),
    });
    const orders = () => [
      sale('O-1', ORG_A.orgId, [{ deviceId: S1, deviceFamily: 'iPhone', assetTag: 'TAG-1' }, S2, 'bad serial'], {
        deliveries: [delivery('D1', [{ deviceId: S1, deviceFamily: 'iPhone', assetTag: 'TAG-1' }, S2, 'bad serial']), delivery('D2', [{ deviceId: S3, deviceFamily: 'Mac' }])],
      }),
      // Org C has not added R1: its devices are pending, the order GW-OR-4120.
      sale('O-2', ORG_C.orgId, [{ deviceId: S4, deviceFamily: 'iPad' }]),
      // Refused whole: nothing of it is kept.
      sale('O-3', '99999', [S5]),
    ];

    it('answers the same outcome, and the same lines, devices and events, as one by one', () => {
      const world = emptyWorld();
      const byOne = applyTransaction(world, R1, orders());
      const asSets = applyTransaction(world, R1, orders(), { asSets: true });
      expect(asSets.outcome).to.deep.equal(byOne.outcome);
      expect(asSets.changes.orders).to.deep.equal(byOne.changes.orders.map((o) => ({ ...o, lines: new Map() })));
      expect([asSets.changes.lines, asSets.changes.devices, asSets.changes.events]).to.deep.equal([[], [], []]);
      expect(expand(asSets.changes)).to.deep.equal({ lines: byOne.changes.lines, devices: byOne.changes.devices, events: byOne.changes.events });
      expect(asSets.changes.enrolledSets.map((set) => [set.orderNumber, set.deliveryNumber, set.state, set.serials])).to.deep.equal([
        ['O-1', 'D1', 'enrolled', [S1, S2]],
        ['O-1', 'D2', 'enrolled', [S3]],
        ['O-2', 'D1', 'pending', [S4]],
      ]);
      expect(asSets.changes.enrolledSets[0]!.servers).to.deep.equal(['mdm-a-phones', null]);
      expect(devicesEnrolled(asSets.changes)).to.equal(devicesEnrolled(byOne.changes)).and.to.equal(3);
    });

    it('is not taken when a serial is on file, released, named twice, or an order is not a sale', () => {
      const world = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1])).world;
      expect(onlyNewSerials(world, [sale('O-9', ORG_A.orgId, [S2])])).to.equal(true);
      expect(onlyNewSerials(world, [sale('O-9', ORG_A.orgId, [S1])])).to.equal(false);
      const released = emptyWorld();
      released.released.set(S2, { serial: S2, orgPk: ORG_A.pk, reason: 'sold', releasedAt: '2024-05-01T12:00:00Z' });
      expect(onlyNewSerials(released, [sale('O-9', ORG_A.orgId, [S2])])).to.equal(false);
      expect(onlyNewSerials(emptyWorld(), [sale('O-9', ORG_A.orgId, [S2, S2])])).to.equal(false);
      expect(onlyNewSerials(emptyWorld(), [sale('O-9', ORG_A.orgId, [S2]), sale('O-8', ORG_B.orgId, [S2])])).to.equal(false);
      expect(onlyNewSerials(emptyWorld(), [sale('O-9', ORG_A.orgId, [S2]), sale('O-9', ORG_A.orgId, [S3])])).to.equal(false);
      expect(onlyNewSerials(world, [ret('O-1-R', ORG_A.orgId, [S2])])).to.equal(false);
      // Taken or not, the answer is the one-by-one answer.
      const again = applyTransaction(world, R1, [sale('O-9', ORG_A.orgId, [S1])], { asSets: true });
      expect(again.changes.enrolledSets).to.deep.equal([]);
      expect(again.outcome).to.deep.equal(applyTransaction(world, R1, [sale('O-9', ORG_A.orgId, [S1])]).outcome);
    });
  });

  // The rules below fail with the code as it stands: see the report. An order whose
  // outcome is ERROR posted nothing, yet the engine still records an (empty) order under
  // its number, so the natural correction (re-send with the same number) hits 4110.
  describe('refused orders leave no order behind', () => {
    it('an OR refused in full can be re-sent under the same number with a corrected order date', () => {
      const typo = sale('O-1', ORG_A.orgId, [S1], { orderDate: '2024-03-05T09:00:00Z' });
      const first = post(emptyWorld(), R1, typo);
      expect(first.result.outcome.orders[0]?.deliveries[0]?.status).to.equal('DEP-ERR-DL-4203');
      expect(first.result.outcome.statusCode).to.equal('ERROR');
      const corrected = applyTransaction(first.world, R1, [sale('O-1', ORG_A.orgId, [S1])]);
      expect(corrected.outcome.orders[0]?.status).to.equal('COMPLETE');
    });

    it('an RE refused with GW-DE-4312 can be re-sent under the same number with a later date', () => {
      const world = post(emptyWorld(), R1, sale('O-1', ORG_A.orgId, [S1])).world;
      const early = ret('O-1-R', ORG_A.orgId, [], { orderDate: ORDER_DATE, deliveries: [delivery('R1', [S1], SHIP_DATE)] });
      const first = post(world, R1, early);
      expect(deviceStatuses(first.result)).to.deep.equal({ [S1]: 'GW-DE-4312' });
      expect(first.result.outcome.statusCode).to.equal('ERROR');
      const corrected = applyTransaction(first.world, R1, [ret('O-1-R', ORG_A.orgId, [S1])]);
      expect(corrected.outcome.orders[0]?.status).to.equal('COMPLETE');
    });
  });
});
