// Assigning devices to a device-management server: which devices an organisation may
// point at a server, and what changes when it does. Plain functions over plain data, like
// every rule here; src/admin/assignments.ts loads the devices and writes the result.
//
// The rule: a device can be assigned by the organisation it is enrolled to, and only
// while it is enrolled. A pending device is not in the organisation's account yet (it is
// enrolled, with the family's default server, when the organisation adds its reseller);
// a returned, voided or released device has left. An assignment is all or nothing: one
// device that cannot be assigned refuses the whole request, so a caller never has to work
// out which half of a list went through.
import type { ErrorCode } from '../model/error-codes.js';
import { renderMessage } from '../model/messages.js';
import type { Device, DeviceEvent, Organisation } from '../model/state.js';
import { ASSIGNMENT_LIMITS } from '../model/limits.js';

/** The assignment's own codes (GW-AS-4400..4406); their messages are in the catalogue, src/model/error-codes.ts. */
export type AssignmentCode = Extract<ErrorCode, `GW-AS-${string}`>;

export interface AssignmentError {
  code: AssignmentCode;
  params: Record<string, string | number>;
}

export function renderAssignmentError(e: AssignmentError): string {
  return renderMessage(e);
}

/** One device the request reaches, with where the request named it (serials.3, orders.0). */
export interface AssignmentCandidate {
  serial: string;
  at: string;
  /** The stored device, or undefined when the gateway does not know the serial. */
  device: Device | undefined;
}

export interface AssignmentRefusal {
  at: string;
  serial: string | null;
  error: AssignmentError;
}

export interface AssignmentPlan {
  /** Devices whose server changes, with their new server. */
  changed: Device[];
  /** Serials already on this server: nothing to write. */
  unchanged: string[];
  events: DeviceEvent[];
}

/** An order named by the request, as found in the organisation (or not). */
export interface OrderForAssignment {
  supplierId: string;
  orderNumber: string;
  at: string;
  /** undefined: no such order, or another organisation's (told apart to no one). */
  found: { orgPk: number; liveSerials: string[] } | undefined;
}

/** The orders' refusals; an order that may be assigned contributes its live devices. */
export function checkOrders(org: Organisation, orders: OrderForAssignment[]): AssignmentRefusal[] {
  const refusals: AssignmentRefusal[] = [];
  for (const o of orders) {
    const params = { supplierId: o.supplierId, orderNumber: o.orderNumber, orgId: org.orgId };
    if (!o.found || o.found.orgPk !== org.pk) refusals.push({ at: o.at, serial: null, error: { code: 'GW-AS-4404', params } });
    else if (o.found.liveSerials.length === 0) refusals.push({ at: o.at, serial: null, error: { code: 'GW-AS-4405', params } });
  }
  return refusals;
}

/** The devices the orders reach: each live device of each order the organisation may assign, where the request named its order. */
export function candidatesOfOrders(org: Organisation, orders: OrderForAssignment[]): { serial: string; at: string }[] {
  return orders.flatMap((o) => (o.found && o.found.orgPk === org.pk ? o.found.liveSerials.map((serial) => ({ serial, at: o.at })) : []));
}

/** The limit on devices reached by one request, checked before any device is loaded. */
export function checkDeviceCount(count: number): AssignmentError | undefined {
  if (count > ASSIGNMENT_LIMITS.maxDevices) return { code: 'GW-AS-4406', params: { count, max: ASSIGNMENT_LIMITS.maxDevices } };
  return undefined;
}

/**
 * What assigning `candidates` to `server` for `org` changes, or why it cannot. A device
 * of another organisation and an unknown serial get the same refusal (GW-AS-4401), so an
 * organisation cannot learn which serials exist elsewhere. `resellerOf` names the
 * supplier of a pending device, for its refusal.
 */
export function planAssignment(
  org: Organisation,
  server: string,
  candidates: AssignmentCandidate[],
  resellerOf: ReadonlyMap<number, string>,
): AssignmentPlan | { refusals: AssignmentRefusal[] } {
  const { plan, refusals } = planEachDevice(org, server, candidates, resellerOf);
  return refusals.length > 0 ? { refusals } : plan;
}

/**
 * Each device on its own: the plan for those that can be assigned and the refusal of
 * each that cannot. A business API activity (src/admin/activities.ts) moves what it can
 * and names the rest; the gateway's own assignment is all or nothing (planAssignment).
 */
export function planEachDevice(
  org: Organisation,
  server: string,
  candidates: AssignmentCandidate[],
  resellerOf: ReadonlyMap<number, string>,
): { plan: AssignmentPlan; refusals: AssignmentRefusal[] } {
  return planServerChange(org, server, candidates, resellerOf, (d) => (d.server === server ? 'unchanged' : { server }));
}

/**
 * Taking devices off `server`, each on its own: a device on no server is unchanged; one
 * on another server is refused (GW-AS-4407), as is one the organisation cannot assign.
 */
export function planUnassignment(
  org: Organisation,
  server: string,
  candidates: AssignmentCandidate[],
  resellerOf: ReadonlyMap<number, string>,
): { plan: AssignmentPlan; refusals: AssignmentRefusal[] } {
  return planServerChange(org, server, candidates, resellerOf, (d) => {
    if (d.server === null) return 'unchanged';
    if (d.server !== server) return { refused: { code: 'GW-AS-4407', params: { serial: d.serial, current: d.server, server } } };
    return { server: null };
  });
}

/**
 * The devices the organisation may change, each given its new server (or null) by
 * `target`, which may also find it unchanged or refuse it; the others refused.
 */
function planServerChange(
  org: Organisation,
  server: string,
  candidates: AssignmentCandidate[],
  resellerOf: ReadonlyMap<number, string>,
  target: (d: Device) => 'unchanged' | { server: string | null } | { refused: AssignmentError },
): { plan: AssignmentPlan; refusals: AssignmentRefusal[] } {
  checkServerName(server);
  const refusals: AssignmentRefusal[] = [];
  const plan: AssignmentPlan = { changed: [], unchanged: [], events: [] };
  for (const c of once(candidates)) {
    const refusal = notAssignable(org, c, resellerOf);
    if (refusal) {
      refusals.push(refusal);
      continue;
    }
    const d = c.device!;
    const next = target(d);
    if (next === 'unchanged') plan.unchanged.push(c.serial);
    else if ('refused' in next) refusals.push({ at: c.at, serial: c.serial, error: next.refused });
    else {
      plan.changed.push({ ...d, server: next.server });
      plan.events.push(serverEvent(org, d, next.server));
    }
  }
  return { plan, refusals };
}

function checkServerName(server: string): void {
  if (server.trim() === '' || server.length > ASSIGNMENT_LIMITS.serverChars) {
    throw new Error(`invariant: a server name is 1 to ${ASSIGNMENT_LIMITS.serverChars} characters, checked by the caller`);
  }
}

/** A serial named twice (or by a serial and its order) is decided once. */
function* once(candidates: AssignmentCandidate[]): Iterable<AssignmentCandidate> {
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c.serial)) continue;
    seen.add(c.serial);
    yield c;
  }
}

/**
 * Why the organisation cannot point this device at a server, if it cannot. A device of
 * another organisation and an unknown serial get the same refusal (GW-AS-4401), so an
 * organisation cannot learn which serials exist elsewhere.
 */
function notAssignable(org: Organisation, c: AssignmentCandidate, resellerOf: ReadonlyMap<number, string>): AssignmentRefusal | undefined {
  const d = c.device;
  if (!d || d.orgPk !== org.pk) return { at: c.at, serial: c.serial, error: { code: 'GW-AS-4401', params: { serial: c.serial, orgId: org.orgId } } };
  if (d.state === 'pending') {
    const supplierId = d.supplierPk === null ? '' : (resellerOf.get(d.supplierPk) ?? '');
    return { at: c.at, serial: c.serial, error: { code: 'GW-AS-4403', params: { serial: c.serial, orgId: org.orgId, supplierId } } };
  }
  if (d.state !== 'enrolled') return { at: c.at, serial: c.serial, error: { code: 'GW-AS-4402', params: { serial: c.serial, state: d.state } } };
  return undefined;
}

function serverEvent(org: Organisation, d: Device, server: string | null): DeviceEvent {
  const name = (s: string | null) => (s === null ? '(none)' : JSON.stringify(s));
  return {
    serial: d.serial,
    kind: 'server-assigned',
    fromState: d.state,
    toState: d.state,
    orgPk: org.pk,
    supplierPk: d.supplierPk,
    orderNumber: d.orderNumber,
    detail: `server ${name(d.server)} -> ${name(server)}`,
  };
}

/**
 * All or nothing: the plan when nothing was refused; otherwise the request's refusal
 * (GW-AS-4400: how many of the `total` entries named were refused) with every refusal, the
 * orders' first, then the devices'.
 */
export function allOrNothing(
  orderRefusals: AssignmentRefusal[],
  plan: AssignmentPlan | { refusals: AssignmentRefusal[] },
  total: number,
  server: string,
): { plan: AssignmentPlan } | { error: AssignmentError; refusals: AssignmentRefusal[] } {
  if (!('refusals' in plan) && orderRefusals.length === 0) return { plan };
  const refusals = [...orderRefusals, ...('refusals' in plan ? plan.refusals : [])];
  return { error: { code: 'GW-AS-4400', params: { count: refusals.length, total, server } }, refusals };
}
