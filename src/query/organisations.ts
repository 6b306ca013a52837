// Organisations and suppliers as the operator reads them: the lists, newest first (row
// id: the order they were added in), and one organisation with its Apple customer
// numbers, the suppliers it has added, its default servers and its devices by state.
// Organisations and suppliers are never deleted, so keyset pages on the row id do not
// repeat a row.
//
// The lists are the operator's only (the route admits no other role), so they take no
// Scope. One organisation is read within a Scope, applied in SQL: an organisation admin
// reads its own, and another organisation is not found, exactly like a missing one.
import type { Knex } from 'knex';
import type { PageRequest, Scope } from '../model/reads.js';
import { deviceCountsByState } from '../store/device-queries.js';
import {
  customerNumbersOf,
  defaultServersOf,
  findOrganisationInScope,
  findSupplierRow,
  linkedSuppliersOf,
  organisationNameByPk,
  organisationsNewestFirst,
  shipTosOf,
  suppliersNewestFirst,
  type LinkedSupplier,
  type ShipToListing,
} from '../store/organisation-queries.js';

export type { LinkedSupplier, ShipToListing };

/** The states an organisation's device counts are given in (each present, 0 when none). */
export const DEVICE_COUNT_STATES = ['enrolled', 'pending', 'returned', 'voided', 'released'] as const;

export interface OrganisationListing {
  pk: number;
  orgId: string;
  name: string;
  country: string;
  createdAt: string;
  appleCustomerNumbers: string[];
  /** The supplier ids of the suppliers the organisation has added. */
  resellers: string[];
}

export interface OrganisationDetail {
  orgId: string;
  name: string;
  country: string;
  createdAt: string;
  appleCustomerNumbers: string[];
  suppliers: LinkedSupplier[];
  /** Device family -> the server its new devices are assigned to. */
  defaultServers: Record<string, string>;
  /** Devices by state, with their total. */
  devices: Record<string, number>;
}

export interface SupplierListing {
  pk: number;
  supplierId: string;
  kind: string;
  name: string;
  createdAt: string;
  shipTos: ShipToListing[];
}

// ---------------------------------------------------------------------------------------
// Organisations

/**
 * Organisations newest first; limit + 1 rows, so the caller knows whether more follow.
 * Customer numbers and links are read for the first `limit` only: the extra row is not shown.
 */
export async function listOrganisations(db: Knex, page: PageRequest): Promise<OrganisationListing[]> {
  const rows = await organisationsNewestFirst(db, page);
  const pks = rows.slice(0, page.limit).map((r) => r.pk);
  const numbers = await customerNumbersOf(db, pks);
  const links = await linkedSuppliersOf(db, pks);
  return rows.map((r) => ({
    ...r,
    appleCustomerNumbers: numbers.get(r.pk) ?? [],
    resellers: (links.get(r.pk) ?? []).map((l) => l.supplierId),
  }));
}

/**
 * One organisation in full, or undefined when there is none with this id or the scope
 * may not see it (told apart to no one).
 */
export async function readOrganisation(db: Knex, scope: Scope, orgId: string): Promise<OrganisationDetail | undefined> {
  const org = await findOrganisationInScope(db, scope, orgId);
  if (!org) return undefined;
  const pk = org.pk;
  const servers = await defaultServersOf(db, pk);
  const devices: Record<string, number> = { total: 0, ...Object.fromEntries(DEVICE_COUNT_STATES.map((s) => [s, 0])) };
  for (const [state, n] of await deviceCountsByState(db, pk)) {
    devices[state] = (devices[state] ?? 0) + n;
    devices.total! += n;
  }
  return {
    orgId: org.orgId,
    name: org.name,
    country: org.country,
    createdAt: org.createdAt,
    appleCustomerNumbers: (await customerNumbersOf(db, [pk])).get(pk) ?? [],
    suppliers: (await linkedSuppliersOf(db, [pk])).get(pk) ?? [],
    defaultServers: Object.fromEntries(servers.map((s) => [s.family, s.server])),
    devices,
  };
}

/** The name of the organisation with this row id (an organisation admin's own). */
export async function organisationName(db: Knex, orgPk: number): Promise<string | undefined> {
  return organisationNameByPk(db, orgPk);
}

// ---------------------------------------------------------------------------------------
// Suppliers

/** Suppliers newest first, with their Ship-To accounts; limit + 1 rows, as listOrganisations. */
export async function listSuppliers(db: Knex, page: PageRequest): Promise<SupplierListing[]> {
  const rows = await suppliersNewestFirst(db, page);
  const shipTos = await shipTosOf(db, rows.slice(0, page.limit).map((r) => r.pk));
  return rows.map((r) => ({ ...r, shipTos: shipTos.get(r.pk) ?? [] }));
}

/** One supplier by row id, with its Ship-To accounts; undefined when there is none. */
export async function readSupplier(db: Knex, supplierPk: number): Promise<Omit<SupplierListing, 'pk'> | undefined> {
  const row = await findSupplierRow(db, supplierPk);
  if (!row) return undefined;
  return { supplierId: row.supplierId, kind: row.kind, name: row.name, createdAt: row.createdAt, shipTos: (await shipTosOf(db, [supplierPk])).get(supplierPk) ?? [] };
}
