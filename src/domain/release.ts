// Release: an organisation lets a device go for good (sold, lost, returned to a
// non-Apple channel). The serial is then refused by every later order (GW-DE-4310).
import type { CodedError } from '../model/error-codes.js';
import type { Device, DeviceEvent, LineStatus, Organisation, Released } from '../model/state.js';
import { API_LIMITS } from '../model/limits.js';

export interface ReleaseResult {
  device: Device;
  released: Released;
  event: DeviceEvent;
}

/** Only a device enrolled to the organisation, in its account now, can be released by it. */
export function releaseDevice(
  device: Device | undefined,
  serial: string,
  org: Organisation,
  reason: string,
  now: string,
): CodedError | ReleaseResult {
  if (!device || device.state !== 'enrolled' || device.orgPk !== org.pk) {
    const state = !device ? 'unknown to the gateway' : device.orgPk === org.pk ? device.state : 'not in this organisation';
    return { code: 'GW-DE-4311', params: { serial, orgId: org.orgId, state } };
  }
  const trimmed = reason.trim().slice(0, API_LIMITS.releaseReasonChars);
  return {
    device: { ...device, state: 'released', server: null },
    released: { serial, orgPk: org.pk, reason: trimmed, releasedAt: now },
    event: {
      serial,
      kind: 'released',
      fromState: device.state,
      toState: 'released',
      orgPk: org.pk,
      supplierPk: device.supplierPk,
      orderNumber: device.orderNumber,
      detail: trimmed,
    },
  };
}

/**
 * What a release does to the order line that holds the device: the line becomes
 * 'released', the order's record that its organisation let the device go. It is no
 * longer live, so it no longer holds the serial: the device has left the order.
 */
export function lineStatusOnRelease(): Exclude<LineStatus, 'live'> {
  return 'released';
}
