// When an organisation adds a reseller, the devices that reseller already ordered for it
// stop being pending and are enrolled, without any resubmission.
import type { Device, DeviceEvent, Organisation, Supplier } from '../model/state.js';
import { defaultServerFor } from './enrollment.js';

/**
 * What adding `supplier` does for `org`: Apple needs no link (its orders match by Apple
 * customer number); a reseller added already changes nothing; any other reseller is added.
 */
export function checkLink(org: Pick<Organisation, 'linkedSupplierPks'>, supplier: Pick<Supplier, 'pk' | 'kind'>): 'apple-needs-no-link' | 'added-already' | 'add' {
  if (supplier.kind === 'apple') return 'apple-needs-no-link';
  if (org.linkedSupplierPks.includes(supplier.pk)) return 'added-already';
  return 'add';
}

export interface LinkResult {
  devices: Device[];
  events: DeviceEvent[];
}

export function enrollPendingOnLink(org: Organisation, supplier: Supplier, devices: Device[]): LinkResult {
  const out: LinkResult = { devices: [], events: [] };
  for (const device of devices) {
    if (device.state !== 'pending' || device.orgPk !== org.pk || device.supplierPk !== supplier.pk) continue;
    const server = defaultServerFor(org, device.family);
    out.devices.push({ ...device, state: 'enrolled', server });
    out.events.push({
      serial: device.serial,
      kind: 'enrolled-on-link',
      fromState: 'pending',
      toState: 'enrolled',
      orgPk: org.pk,
      supplierPk: supplier.pk,
      orderNumber: device.orderNumber,
      detail: `organisation ${org.orgId} added reseller ${supplier.supplierId}`,
    });
  }
  return out;
}
