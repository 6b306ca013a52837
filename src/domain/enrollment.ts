// Every enrollment rule: what OR, RE, VD and OV orders do to orders and devices, device
// conflicts between orders, organisations and resellers, released devices, pending
// devices of organisations that have not added their reseller, and default servers.
//
// applyTransaction is a plain function: it reads a snapshot (World), changes a copy and
// returns the outcome (per order, delivery and device) with everything that changed.
// Orders of one transaction apply in sequence, each seeing what the ones before did.
import type { CodedError } from '../model/error-codes.js';
import { checkDelivery, checkDevice, checkOrderHeader, isCodedError, parseProtocolTimestamp, type CheckedDevice } from './order-fields.js';
import { hasAddedSupplier, matchOrganisation } from './matching.js';
import {
  LIVE_STATES,
  type Device,
  type DeviceEvent,
  type DeviceEventKind,
  type DeviceState,
  type Order,
  type OrderLine,
  type Released,
  type Organisation,
  type Supplier,
} from '../model/state.js';
import type { OrderHeader, OrderInput } from '../model/commands.js';
import type { DeviceFamily } from '../model/device-family.js';
import type { Changes, DeliveryOutcome, DeviceOutcome, EnrolledSet, EnrollmentResult, OrderOutcome, PostStatus, TransactionStatus, World } from '../model/enrollment.js';

/**
 * Applies the orders of one transaction from one supplier. `asSets`: when every device
 * the orders name is new to the gateway (onlyNewSerials), its changes are answered as
 * EnrolledSets rather than a line, a device and an event per serial; the outcome is the
 * same either way, and so is what storage writes (test/intake/equivalence.test.ts).
 */
export function applyTransaction(world: World, supplier: Supplier, orders: OrderInput[], options: { asSets?: boolean } = {}): EnrollmentResult {
  const run = new Run(cloneWorld(world), supplier, options.asSets === true && onlyNewSerials(world, orders));
  const outcomes = orders.map((order) => run.applyOrder(order));
  return { outcome: { statusCode: rollUpTransaction(outcomes), orders: outcomes }, changes: run.changes() };
}

/**
 * Whether every device the orders name can go in as a set: sales only, each order and
 * each serial named once, no serial on file, released, or a line of its order already.
 * Then no rule can refuse a device for what another did or for what is on file, and
 * nothing one order does changes what another sees: each valid device is enrolled (or
 * pending) the same way, but for its serial, tag and family.
 */
export function onlyNewSerials(world: World, orders: OrderInput[]): boolean {
  const numbers = new Set<string>();
  const serials = new Set<string>();
  for (const order of orders) {
    if (order.orderType !== 'OR' || typeof order.orderNumber !== 'string' || numbers.has(order.orderNumber)) return false;
    numbers.add(order.orderNumber);
    const onFile = world.orders.get(order.orderNumber);
    for (const delivery of order.deliveries ?? []) {
      for (const device of delivery.devices ?? []) {
        const serial = device.deviceId;
        if (typeof serial !== 'string') continue; // refused by checkDevice, as one by one
        if (serials.has(serial) || world.devices.has(serial) || world.released.has(serial) || onFile?.lines.has(serial)) return false;
        serials.add(serial);
      }
    }
  }
  return true;
}

/**
 * The device-management server an enrolled device gets: its family's default in the
 * organisation (none without a family or a default). A pending device gets none until
 * the organisation adds its reseller (domain/linking.ts).
 */
export function defaultServerFor(org: Pick<Organisation, 'defaultServers'>, family: DeviceFamily | null): string | null {
  return family ? (org.defaultServers[family] ?? null) : null;
}

/** How many devices the changes enroll (pending ones not counted). */
export function devicesEnrolled(changes: Changes): number {
  let enrolled = changes.events.filter((e) => e.kind === 'enrolled').length;
  for (const set of changes.enrolledSets) if (set.state === 'enrolled') enrolled += set.serials.length;
  return enrolled;
}

function cloneWorld(world: World): World {
  return structuredClone(world);
}

export function rollUpTransaction(orders: OrderOutcome[]): TransactionStatus {
  if (orders.every((o) => o.status === 'COMPLETE')) return 'COMPLETE';
  if (orders.every((o) => o.status !== 'COMPLETE' && o.status !== 'POSTED_WITH_ERRORS' && !isPendingOrder(o))) {
    return 'ERROR';
  }
  return 'COMPLETE_WITH_ERRORS';
}

function isPendingOrder(o: OrderOutcome): boolean {
  return o.status === 'GW-OR-4120';
}

function rollUp(statuses: PostStatus[]): PostStatus {
  if (statuses.every((s) => s === 'COMPLETE')) return 'COMPLETE';
  if (statuses.every((s) => s !== 'COMPLETE' && s !== 'POSTED_WITH_ERRORS')) return 'ERROR';
  return 'POSTED_WITH_ERRORS';
}

function deviceError(deviceId: string, error: CodedError): DeviceOutcome {
  return { deviceId, status: error.code, error };
}

const COMPLETE_DEVICE = (deviceId: string): DeviceOutcome => ({ deviceId, status: 'COMPLETE' });

function isLive(device: Device | undefined): device is Device {
  return device !== undefined && LIVE_STATES.includes(device.state);
}

/** A validated delivery: its devices split into checked ones and refusals. */
interface CheckedDelivery {
  deliveryNumber: string;
  shipDate: string;
  error?: CodedError;
  devices: { input: string; checked?: CheckedDevice; error?: CodedError }[];
}

class Run {
  private readonly dirtyOrders = new Set<string>();
  private readonly dirtyLines = new Map<string, Set<string>>();
  private readonly dirtyDevices = new Set<string>();
  private readonly events: DeviceEvent[] = [];
  private readonly enrolledSets: EnrolledSet[] = [];
  /** Per order number, the lines its enrolled sets add (not in order.lines). */
  private readonly linesInSets = new Map<string, number>();

  constructor(
    private readonly world: World,
    private readonly supplier: Supplier,
    /** Every device is new (onlyNewSerials): sales enroll them as sets. */
    private readonly asSets = false,
  ) {}

  changes(): Changes {
    const lines: Changes['lines'] = [];
    for (const [orderNumber, serials] of this.dirtyLines) {
      const order = this.world.orders.get(orderNumber)!;
      for (const serial of serials) lines.push({ orderNumber, line: order.lines.get(serial)! });
    }
    return {
      orders: [...this.dirtyOrders].map((n) => this.world.orders.get(n)!),
      lines,
      devices: [...this.dirtyDevices].map((s) => this.world.devices.get(s)!),
      events: this.events,
      enrolledSets: this.enrolledSets,
    };
  }

  applyOrder(input: OrderInput): OrderOutcome {
    const orderNumber = input.orderNumber!;
    const header = checkOrderHeader(input);
    if (isCodedError(header)) return orderError(orderNumber, header);
    const org = matchOrganisation(this.world.organisations, this.supplier, header.customerId);
    if (!org) return orderError(orderNumber, { code: 'DEP-ERR-OR-4102', params: { customerId: header.customerId } });
    switch (header.orderType) {
      case 'OR':
        return this.applySale(header, org, input);
      case 'RE':
        return this.applyReturn(header, org, input);
      case 'VD':
        return this.applyVoid(header, org);
      case 'OV':
        return this.applyOverride(header, org, input);
    }
  }

  // ---- OR ---------------------------------------------------------------------------

  private applySale(header: OrderHeader, org: Organisation, input: OrderInput): OrderOutcome {
    const existing = this.world.orders.get(header.orderNumber);
    if (existing) {
      const refusal = this.checkReuse(existing, header, org, 'sale');
      if (refusal) return orderError(header.orderNumber, refusal);
    }
    const deliveries = this.checkDeliveries(header, input, existing);
    const order = existing ?? this.newOrder(header, org, 'sale');
    const outcomes: DeliveryOutcome[] = [];
    for (const delivery of deliveries) {
      if (delivery.error) {
        outcomes.push(deliveryError(delivery));
        continue;
      }
      const devices = this.asSets
        ? this.enrollAsSet(order, org, delivery)
        : delivery.devices.map((d) => {
            if (d.error) return deviceError(d.input, d.error);
            return this.enrollInto(order, org, delivery.deliveryNumber, d.checked!);
          });
      this.addDeliveryIfUsed(order, delivery, devices);
      outcomes.push(deliveryOutcome(delivery.deliveryNumber, devices));
    }
    this.discardIfEmpty(order, existing);
    return this.finishSale(order, org, outcomes);
  }

  /** Puts a device into a sale order, or says which rule refuses it. */
  private enrollInto(order: Order, org: Organisation, deliveryNumber: string, device: CheckedDevice): DeviceOutcome {
    const refusal = this.conflict(device.serial, order, org);
    if (refusal === 'already-here') {
      this.touchLine(order, device.serial, { deliveryNumber, assetTag: device.assetTag ?? order.lines.get(device.serial)?.assetTag ?? null });
      return COMPLETE_DEVICE(device.serial);
    }
    if (refusal) return deviceError(device.serial, refusal);
    this.setLine(order, {
      serial: device.serial,
      deliveryNumber,
      assetTag: device.assetTag,
      status: 'live',
      sourceOrderNumber: null,
    });
    const previous = this.world.devices.get(device.serial);
    const family = device.family ?? previous?.family ?? null;
    const linked = hasAddedSupplier(org, this.supplier);
    const state: DeviceState = linked ? 'enrolled' : 'pending';
    this.putDevice(
      {
        serial: device.serial,
        state,
        orgPk: org.pk,
        supplierPk: this.supplier.pk,
        orderNumber: order.orderNumber,
        family,
        // A new enrollment takes the new order's tag: a tag is the owner's, and must
        // not follow the device from one organisation to the next.
        assetTag: device.assetTag,
        server: linked ? defaultServerFor(org, family) : null,
        version: previous?.version ?? 0,
      },
      linked ? 'enrolled' : 'pending',
      null,
    );
    return COMPLETE_DEVICE(device.serial);
  }

  /**
   * A delivery's new devices (onlyNewSerials), each enrolled as enrollInto enrolls a device
   * that nothing conflicts with: a live line, the organisation's device (pending if it has
   * not added the reseller, with its family's default server if it has), an event.
   */
  private enrollAsSet(order: Order, org: Organisation, delivery: CheckedDelivery): DeviceOutcome[] {
    const linked = hasAddedSupplier(org, this.supplier);
    const set: EnrolledSet = {
      orderNumber: order.orderNumber,
      deliveryNumber: delivery.deliveryNumber,
      state: linked ? 'enrolled' : 'pending',
      orgPk: org.pk,
      supplierPk: this.supplier.pk,
      serials: [],
      assetTags: [],
      families: [],
      servers: [],
    };
    const outcomes = delivery.devices.map((d) => {
      if (d.error) return deviceError(d.input, d.error);
      const { serial, assetTag, family } = d.checked!;
      set.serials.push(serial);
      set.assetTags.push(assetTag);
      set.families.push(family);
      set.servers.push(linked ? defaultServerFor(org, family) : null);
      return COMPLETE_DEVICE(serial);
    });
    if (set.serials.length > 0) {
      this.enrolledSets.push(set);
      this.linesInSets.set(order.orderNumber, (this.linesInSets.get(order.orderNumber) ?? 0) + set.serials.length);
    }
    return outcomes;
  }

  /**
   * The one-organisation-at-a-time rule. A device live in another order refuses:
   * 4304 if that order is another organisation's, 4305 if it is the same organisation's
   * but another reseller's, 4303 if it is this reseller's other order for the same
   * organisation. A released device refuses with GW-DE-4310, whoever orders it.
   */
  private conflict(serial: string, order: Order, org: Organisation): CodedError | 'already-here' | undefined {
    const released = this.world.released.get(serial);
    if (released) return this.refuseReleased(released, order.orderNumber);
    const device = this.world.devices.get(serial);
    if (!isLive(device)) return undefined;
    if (device.supplierPk === this.supplier.pk && device.orderNumber === order.orderNumber) return 'already-here';
    if (device.orgPk !== org.pk) return { code: 'DEP-ERR-DE-4304', params: { deviceId: serial } };
    if (device.supplierPk !== this.supplier.pk) return { code: 'DEP-ERR-DE-4305', params: { deviceId: serial } };
    return { code: 'DEP-ERR-DE-4303', params: { deviceId: serial, otherOrder: device.orderNumber ?? '' } };
  }

  private finishSale(order: Order, org: Organisation, deliveries: DeliveryOutcome[]): OrderOutcome {
    const status = rollUp(deliveries.map((d) => d.status));
    if (!hasAddedSupplier(org, this.supplier)) {
      const pending =
        [...order.lines.values()].filter((l) => l.status === 'live').length + (order.liveLinesNotLoaded ?? 0) + (this.linesInSets.get(order.orderNumber) ?? 0);
      if (pending > 0) {
        const error: CodedError = {
          code: 'GW-OR-4120',
          params: { customerId: org.orgId, depResellerId: this.supplier.supplierId, count: pending },
        };
        return { orderNumber: order.orderNumber, status: error.code, error, deliveries };
      }
    }
    return { orderNumber: order.orderNumber, status, deliveries };
  }

  // ---- RE ---------------------------------------------------------------------------

  private applyReturn(header: OrderHeader, org: Organisation, input: OrderInput): OrderOutcome {
    const existing = this.world.orders.get(header.orderNumber);
    if (existing) {
      const refusal = this.checkReuse(existing, header, org, 'return');
      if (refusal) return orderError(header.orderNumber, refusal);
    }
    const deliveries = this.checkDeliveries(header, input, existing);
    const order = existing ?? this.newOrder(header, org, 'return');
    const outcomes: DeliveryOutcome[] = [];
    for (const delivery of deliveries) {
      if (delivery.error) {
        outcomes.push(deliveryError(delivery));
        continue;
      }
      const devices = delivery.devices.map((d) =>
        d.error ? deviceError(d.input, d.error) : this.returnDevice(order, org, delivery.deliveryNumber, d.checked!),
      );
      this.addDeliveryIfUsed(order, delivery, devices);
      outcomes.push(deliveryOutcome(delivery.deliveryNumber, devices));
    }
    this.discardIfEmpty(order, existing);
    return { orderNumber: order.orderNumber, status: rollUp(outcomes.map((d) => d.status)), deliveries: outcomes };
  }

  private returnDevice(ret: Order, org: Organisation, deliveryNumber: string, checked: CheckedDevice): DeviceOutcome {
    const serial = checked.serial;
    const released = this.world.released.get(serial);
    if (released) return deviceError(serial, this.refuseReleased(released, ret.orderNumber));
    const already = ret.lines.get(serial);
    if (already?.status === 'returned') return COMPLETE_DEVICE(serial);
    const device = this.world.devices.get(serial);
    const source = device?.orderNumber ? this.world.orders.get(device.orderNumber) : undefined;
    if (!isLive(device) || device.supplierPk !== this.supplier.pk || device.orgPk !== org.pk || !source) {
      return deviceError(serial, {
        code: 'DEP-ERR-DE-4306',
        params: { deviceId: serial, reason: ` in an order of reseller ${this.supplier.supplierId} for customer ${org.orgId}` },
      });
    }
    if (parseProtocolTimestamp(ret.orderDate)! <= parseProtocolTimestamp(source.orderDate)!) {
      return deviceError(serial, {
        code: 'GW-DE-4312',
        params: { orderNumber: ret.orderNumber, returnDate: ret.orderDate, otherOrder: source.orderNumber, orderDate: source.orderDate },
      });
    }
    this.touchLine(source, serial, { status: 'returned' });
    this.setLine(ret, { serial, deliveryNumber, assetTag: checked.assetTag, status: 'returned', sourceOrderNumber: source.orderNumber });
    this.putDevice({ ...device, state: 'returned', server: null }, 'returned', `returned by order ${ret.orderNumber}`);
    return COMPLETE_DEVICE(serial);
  }

  // ---- VD ---------------------------------------------------------------------------

  private applyVoid(header: OrderHeader, org: Organisation): OrderOutcome {
    const order = this.world.orders.get(header.orderNumber);
    if (!order) return orderError(header.orderNumber, { code: 'DEP-ERR-OR-4109', params: { orderNumber: header.orderNumber, reason: '' } });
    if (order.status === 'voided') {
      return orderError(header.orderNumber, {
        code: 'DEP-ERR-OR-4109',
        params: { orderNumber: header.orderNumber, reason: ': it is already voided' },
      });
    }
    if (order.orgPk !== org.pk) {
      return orderError(header.orderNumber, { code: 'DEP-ERR-OR-4110', params: { orderNumber: header.orderNumber, field: 'customerId' } });
    }
    const failures: string[] = [];
    for (const line of order.lines.values()) {
      if (order.kind === 'sale' && line.status === 'live') {
        this.touchLine(order, line.serial, { status: 'voided' });
        const device = this.world.devices.get(line.serial)!;
        this.putDevice({ ...device, state: 'voided', server: null }, 'voided', `order ${order.orderNumber} voided`);
      } else if (order.kind === 'return' && line.status === 'returned') {
        const refusal = this.restore(line, order.orderNumber);
        if (refusal) failures.push(`${line.serial} (${refusal.code})`);
        else this.touchLine(order, line.serial, { status: 'voided' });
      }
    }
    this.touchOrder(order, { status: 'voided', lastType: 'VD' });
    if (failures.length > 0) {
      const error: CodedError = {
        code: 'DEP-ERR-OR-4114',
        params: { detail: `${failures.length} returned device(s) could not be put back: ${failures.join(', ')}` },
      };
      return { orderNumber: order.orderNumber, status: 'POSTED_WITH_ERRORS', error, deliveries: [] };
    }
    return { orderNumber: order.orderNumber, status: 'COMPLETE', deliveries: [] };
  }

  /** Voiding a return puts its device back into the order it was returned from. */
  private restore(line: OrderLine, voidedOrderNumber: string): CodedError | undefined {
    const serial = line.serial;
    const released = this.world.released.get(serial);
    if (released) return this.refuseReleased(released, voidedOrderNumber);
    const source = line.sourceOrderNumber ? this.world.orders.get(line.sourceOrderNumber) : undefined;
    if (!source || source.status === 'voided') {
      return { code: 'DEP-ERR-DE-4306', params: { deviceId: serial, reason: ': the order it was returned from is voided' } };
    }
    const org = this.world.organisations.find((o) => o.pk === source.orgPk)!;
    const refusal = this.conflict(serial, source, org);
    if (refusal === 'already-here') return undefined;
    if (refusal) return refusal;
    const device = this.world.devices.get(serial)!;
    const linked = hasAddedSupplier(org, this.supplier);
    this.touchLine(source, serial, { status: 'live' });
    this.putDevice(
      {
        ...device,
        state: linked ? 'enrolled' : 'pending',
        orgPk: org.pk,
        supplierPk: this.supplier.pk,
        orderNumber: source.orderNumber,
        server: linked ? defaultServerFor(org, device.family) : null,
      },
      'restored',
      `return voided; back in order ${source.orderNumber}`,
    );
    return undefined;
  }

  // ---- OV ---------------------------------------------------------------------------

  private applyOverride(header: OrderHeader, org: Organisation, input: OrderInput): OrderOutcome {
    const order = this.world.orders.get(header.orderNumber);
    if (!order) return orderError(header.orderNumber, { code: 'DEP-ERR-OR-4109', params: { orderNumber: header.orderNumber, reason: '' } });
    if (order.status === 'voided') {
      return orderError(header.orderNumber, {
        code: 'DEP-ERR-OR-4109',
        params: { orderNumber: header.orderNumber, reason: ': it is voided' },
      });
    }
    if (order.kind !== 'sale') {
      return orderError(header.orderNumber, {
        code: 'DEP-ERR-OR-4114',
        params: { detail: `OV replaces the devices of an OR order; ${header.orderNumber} is a return` },
      });
    }
    // An override replaces the whole device list: a delivery refused for its own fields
    // would silently empty part of the order, so any delivery error refuses the order.
    const deliveries = this.checkDeliveries(header, input, undefined);
    if (deliveries.some((d) => d.error)) {
      return { orderNumber: order.orderNumber, status: 'ERROR', deliveries: deliveries.map((d) => (d.error ? deliveryError(d) : deliveryOutcome(d.deliveryNumber, []))) };
    }
    const orgChanged = order.orgPk !== org.pk;
    this.touchOrder(order, {
      orgPk: org.pk,
      customerId: header.customerId,
      orderDate: header.orderDate,
      poNumber: header.poNumber,
      lastType: 'OV',
      deliveries: deliveries.map((d) => ({ deliveryNumber: d.deliveryNumber, shipDate: d.shipDate })),
    });
    const kept = new Set<string>();
    const outcomes = deliveries.map((delivery) => {
      const devices = delivery.devices.map((d) => {
        if (d.error) return deviceError(d.input, d.error);
        const serial = d.checked!.serial;
        const current = this.world.devices.get(serial);
        const inThisOrder = isLive(current) && current.supplierPk === this.supplier.pk && current.orderNumber === order.orderNumber;
        if (inThisOrder && orgChanged) {
          // Corrected customer: the device moves with its order, no conflict with itself.
          kept.add(serial);
          this.touchLine(order, serial, { deliveryNumber: delivery.deliveryNumber, assetTag: d.checked!.assetTag ?? order.lines.get(serial)!.assetTag });
          this.reassign(current, org, order);
          return COMPLETE_DEVICE(serial);
        }
        const outcome = this.enrollInto(order, org, delivery.deliveryNumber, d.checked!);
        if (outcome.status === 'COMPLETE') kept.add(serial);
        return outcome;
      });
      return deliveryOutcome(delivery.deliveryNumber, devices);
    });
    for (const line of order.lines.values()) {
      if (line.status !== 'live' || kept.has(line.serial)) continue;
      this.touchLine(order, line.serial, { status: 'removed' });
      const device = this.world.devices.get(line.serial)!;
      this.putDevice({ ...device, state: 'voided', server: null }, 'removed', `removed by override of order ${order.orderNumber}`);
    }
    return this.finishSale(order, org, outcomes);
  }

  private reassign(device: Device, org: Organisation, order: Order): void {
    const linked = hasAddedSupplier(org, this.supplier);
    this.putDevice(
      {
        ...device,
        orgPk: org.pk,
        state: linked ? 'enrolled' : 'pending',
        server: linked ? defaultServerFor(org, device.family) : null,
      },
      'reassigned',
      `order ${order.orderNumber} overridden to customer ${org.orgId}`,
    );
  }

  // ---- shared -----------------------------------------------------------------------

  /** An OR or RE reusing an order number must agree with the order's header. */
  private checkReuse(existing: Order, header: OrderHeader, org: Organisation, kind: Order['kind']): CodedError | undefined {
    if (existing.status === 'voided') return { code: 'GW-OR-4121', params: { orderNumber: existing.orderNumber } };
    const mismatch = (field: string): CodedError => ({ code: 'DEP-ERR-OR-4110', params: { orderNumber: existing.orderNumber, field } });
    if (existing.kind !== kind) return mismatch('order type');
    if (existing.orgPk !== org.pk) return mismatch('customerId');
    if (parseProtocolTimestamp(existing.orderDate)!.getTime() !== parseProtocolTimestamp(header.orderDate)!.getTime()) {
      return mismatch('orderDate');
    }
    if ((existing.poNumber ?? null) !== header.poNumber) return mismatch('poNumber');
    return undefined;
  }

  private checkDeliveries(header: OrderHeader, input: OrderInput, existing: Order | undefined): CheckedDelivery[] {
    const seenDeliveries = new Set<string>();
    const seenSerials = new Set<string>();
    return (input.deliveries ?? []).map((delivery) => {
      const deliveryNumber = delivery.deliveryNumber!;
      const checked: CheckedDelivery = { deliveryNumber, shipDate: delivery.shipDate ?? '', devices: [] };
      const fieldError = checkDelivery(delivery, header.orderDate);
      const previous = existing?.deliveries.find((d) => d.deliveryNumber === deliveryNumber);
      if (fieldError) checked.error = fieldError;
      else if (seenDeliveries.has(deliveryNumber)) {
        checked.error = { code: 'DEP-ERR-DL-4207', params: { detail: `delivery ${deliveryNumber} appears twice in order ${header.orderNumber}` } };
      } else if (previous && previous.shipDate !== delivery.shipDate) {
        checked.error = {
          code: 'DEP-ERR-DL-4207',
          params: { detail: `delivery ${deliveryNumber} of order ${header.orderNumber} was shipped on ${previous.shipDate}, not ${delivery.shipDate}` },
        };
      }
      seenDeliveries.add(deliveryNumber);
      if (checked.error) return checked;
      for (const device of delivery.devices ?? []) {
        const result = checkDevice(device);
        if (isCodedError(result)) {
          checked.devices.push({ input: device.deviceId!, error: result });
        } else if (seenSerials.has(result.serial)) {
          checked.devices.push({
            input: result.serial,
            error: { code: 'DEP-ERR-DE-4301', params: { deviceId: result.serial, detail: `listed twice in order ${header.orderNumber}` } },
          });
        } else {
          seenSerials.add(result.serial);
          checked.devices.push({ input: result.serial, checked: result });
        }
      }
      return checked;
    });
  }

  private newOrder(header: OrderHeader, org: Organisation, kind: Order['kind']): Order {
    const order: Order = {
      pk: null,
      supplierPk: this.supplier.pk,
      orderNumber: header.orderNumber,
      kind,
      lastType: header.orderType,
      orgPk: org.pk,
      customerId: header.customerId,
      orderDate: header.orderDate,
      poNumber: header.poNumber,
      status: 'open',
      deliveries: [],
      lines: new Map(),
      version: 0,
    };
    this.world.orders.set(order.orderNumber, order);
    this.dirtyOrders.add(order.orderNumber);
    return order;
  }

  /**
   * A new order that ended with no device in it is not kept: it was refused, and a
   * corrected resubmission under the same number must not meet a header it never had.
   */
  private discardIfEmpty(order: Order, existing: Order | undefined): void {
    if (existing || order.lines.size > 0 || this.linesInSets.has(order.orderNumber)) return;
    this.world.orders.delete(order.orderNumber);
    this.dirtyOrders.delete(order.orderNumber);
    this.dirtyLines.delete(order.orderNumber);
  }

  /** A delivery is recorded once at least one of its devices was accepted. */
  private addDeliveryIfUsed(order: Order, delivery: CheckedDelivery, devices: DeviceOutcome[]): void {
    if (!devices.some((d) => d.status === 'COMPLETE')) return;
    if (order.deliveries.some((d) => d.deliveryNumber === delivery.deliveryNumber)) return;
    this.touchOrder(order, { deliveries: [...order.deliveries, { deliveryNumber: delivery.deliveryNumber, shipDate: delivery.shipDate }] });
  }

  private touchOrder(order: Order, patch: Partial<Order>): void {
    Object.assign(order, patch);
    this.dirtyOrders.add(order.orderNumber);
  }

  private setLine(order: Order, line: OrderLine): void {
    order.lines.set(line.serial, line);
    this.markLine(order, line.serial);
  }

  private touchLine(order: Order, serial: string, patch: Partial<OrderLine>): void {
    const line = order.lines.get(serial);
    if (!line) throw new Error(`invariant: order ${order.orderNumber} has no line for ${serial}`);
    Object.assign(line, patch);
    this.markLine(order, serial);
  }

  private markLine(order: Order, serial: string): void {
    let set = this.dirtyLines.get(order.orderNumber);
    if (!set) this.dirtyLines.set(order.orderNumber, (set = new Set()));
    set.add(serial);
  }

  /**
   * A device its organisation released, named again: refused with GW-DE-4310, whoever
   * orders it. The refusal goes on the device's history under the organisation that
   * released it, so that organisation sees the later order that was turned away.
   */
  private refuseReleased(released: Released, orderNumber: string): CodedError {
    this.events.push({
      serial: released.serial,
      kind: 'refused',
      fromState: 'released',
      toState: 'released',
      orgPk: released.orgPk,
      supplierPk: this.supplier.pk,
      orderNumber,
      detail: `GW-DE-4310: ordered again by ${this.supplier.supplierId}`,
    });
    return { code: 'GW-DE-4310', params: { deviceId: released.serial, releasedOn: released.releasedAt.slice(0, 10) } };
  }

  private putDevice(next: Device, kind: DeviceEventKind, detail: string | null): void {
    const before = this.world.devices.get(next.serial);
    this.world.devices.set(next.serial, next);
    this.dirtyDevices.add(next.serial);
    this.events.push({
      serial: next.serial,
      kind,
      fromState: before?.state ?? null,
      toState: next.state,
      orgPk: next.orgPk,
      supplierPk: next.supplierPk,
      orderNumber: next.orderNumber,
      detail,
    });
  }
}

function orderError(orderNumber: string, error: CodedError): OrderOutcome {
  return { orderNumber, status: error.code, error, deliveries: [] };
}

function deliveryError(delivery: CheckedDelivery): DeliveryOutcome {
  return { deliveryNumber: delivery.deliveryNumber, status: delivery.error!.code, error: delivery.error!, devices: [] };
}

/**
 * A sale's delivery applied in portions (documents.ts shipNoticePortions), as its one
 * application would have come out: its devices' outcomes in order, the delivery's status
 * from all of them, and the order's status that of its one delivery, unless the last
 * portion left it waiting for the organisation to add the reseller (GW-OR-4120), which
 * counts every live line of the order, the earlier portions' included.
 */
export function outcomeOfPortions(portions: readonly OrderOutcome[]): OrderOutcome {
  const last = portions[portions.length - 1];
  if (!last) throw new Error('invariant: an outcome of no portion');
  const deliveryNumber = last.deliveries[0]?.deliveryNumber;
  const devices: DeviceOutcome[] = [];
  for (const portion of portions) {
    const delivery = portion.deliveries[0];
    if (portion.orderNumber !== last.orderNumber || portion.deliveries.length !== 1 || delivery?.deliveryNumber !== deliveryNumber || delivery.error) {
      throw new Error(`invariant: portions of order ${last.orderNumber} are not one delivery's, each applied`);
    }
    for (const d of delivery.devices) devices.push(d);
  }
  const delivery = deliveryOutcome(deliveryNumber!, devices);
  if (last.status === 'GW-OR-4120') return { orderNumber: last.orderNumber, status: last.status, error: last.error!, deliveries: [delivery] };
  return { orderNumber: last.orderNumber, status: rollUp([delivery.status]), deliveries: [delivery] };
}

function deliveryOutcome(deliveryNumber: string, devices: DeviceOutcome[]): DeliveryOutcome {
  return { deliveryNumber, status: devices.length === 0 ? 'COMPLETE' : rollUp(devices.map((d) => d.status)), devices };
}
