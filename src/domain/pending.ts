// Why a pending device waits: its organisation has not added the reseller that ordered it
// (GW-OR-4120). The device is held, not refused, and enrolls when the link is made.
import { renderMessage } from '../model/messages.js';

/**
 * The reason as readers are given it, its code first. With the number of devices the
 * order holds as pending, the catalogue's full message (the query API); without it, the
 * short form of the device lookup and the CSV export.
 */
export function pendingReason(orgId: string | null, supplierId: string | null, pendingCount?: number): string {
  if (pendingCount === undefined) return `GW-OR-4120: organisation ${orgId ?? ''} has not added reseller ${supplierId ?? ''}`;
  return `GW-OR-4120: ${renderMessage({ code: 'GW-OR-4120', params: { customerId: orgId ?? '', depResellerId: supplierId ?? '', count: pendingCount } })}`;
}
