// What an order says of each device it named: its line is the order's record, the device
// is what the device is now. Readers of an order (its device list, its CSV export) ask
// this one rule.
import type { DeviceState, LineStatus } from '../model/state.js';

/** What a device is in an order, as the order's reader is told. */
export type OrderDeviceStatus = Extract<DeviceState, 'enrolled' | 'pending'> | Exclude<LineStatus, 'live'>;

/**
 * What a line and its device say the device is in the order. A line that is not live is
 * history and says so itself (returned, removed, voided, released). A live line holds its
 * device: the device's state says enrolled or pending. undefined when a live line's device
 * is not held by this order in one of those states: stored data that breaks the rule
 * (enrollment writes a line and its device in one transaction), for the caller to report.
 */
export function orderDeviceStatus(line: LineStatus, deviceState: string | null, heldByThisOrder: boolean): OrderDeviceStatus | undefined {
  if (line !== 'live') return line;
  if (heldByThisOrder && (deviceState === 'enrolled' || deviceState === 'pending')) return deviceState;
  return undefined;
}
