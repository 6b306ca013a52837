// Which organisation a document is for. Resellers name it by organisation id; Apple's
// own documents name it by Apple customer number, compared without leading zeros.
import type { Organisation, Supplier } from '../model/state.js';

export function normaliseAppleCustomerNumber(value: string): string {
  const trimmed = value.trim().replace(/^0+/, '');
  return trimmed === '' ? '0' : trimmed;
}

export function matchOrganisation(
  organisations: Iterable<Organisation>,
  supplier: Supplier,
  customerId: string,
): Organisation | undefined {
  if (supplier.kind === 'apple') {
    const wanted = normaliseAppleCustomerNumber(customerId);
    for (const org of organisations) {
      if (org.appleCustomerNumbers.some((n) => normaliseAppleCustomerNumber(n) === wanted)) return org;
    }
    return undefined;
  }
  for (const org of organisations) if (org.orgId === customerId) return org;
  return undefined;
}

/** What to look organisations up by, for the customer ids a supplier's orders name. */
export function organisationKeys(supplier: Supplier, customerIds: Iterable<string>): { orgIds: string[]; appleCustomerNumbers: string[] } {
  const ids = [...new Set(customerIds)];
  if (supplier.kind === 'apple') return { orgIds: [], appleCustomerNumbers: [...new Set(ids.map(normaliseAppleCustomerNumber))] };
  return { orgIds: ids, appleCustomerNumbers: [] };
}

/** Apple needs no link: every organisation buys from Apple. A reseller needs adding. */
export function hasAddedSupplier(org: Organisation, supplier: Supplier): boolean {
  return supplier.kind === 'apple' || org.linkedSupplierPks.includes(supplier.pk);
}
