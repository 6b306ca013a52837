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
import { chunks } from '../store/chunks.js';
import type { PageRequest } from './reseller-data.js';
import type { Scope } from './scope.js';

/** The states an organisation's device counts are given in (each present, 0 when none). */
export const DEVICE_COUNT_STATES = ['enrolled', 'pending', 'returned', 'voided', 'released'] as const;

interface OrgRow {
  id: number;
  org_id: string;
  name: string;
  country: string;
  created_at: string;
}

export interface LinkedSupplier {
  supplierId: string;
  name: string;
  kind: string;
  linkedAt: string;
}

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

export interface ShipToListing {
  shipTo: string;
  active: boolean;
}

export interface SupplierListing {
  pk: number;
  supplierId: string;
  kind: string;
  name: string;
  createdAt: string;
  shipTos: ShipToListing[];
}

async function customerNumbersOf(db: Knex, orgPks: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const part of chunks(orgPks)) {
    const rows = (await db('apple_customer_numbers').whereIn('org_pk', part).orderBy('number').select('org_pk', 'number')) as { org_pk: number; number: string }[];
    for (const r of rows) out.set(Number(r.org_pk), [...(out.get(Number(r.org_pk)) ?? []), r.number]);
  }
  return out;
}

async function linkedSuppliersOf(db: Knex, orgPks: number[]): Promise<Map<number, LinkedSupplier[]>> {
  const out = new Map<number, LinkedSupplier[]>();
  for (const part of chunks(orgPks)) {
    const rows = (await db('org_supplier_links as l')
      .join('suppliers as s', 's.id', 'l.supplier_pk')
      .whereIn('l.org_pk', part)
      .orderBy('s.supplier_id')
      .select('l.org_pk', 's.supplier_id', 's.name', 's.kind', 'l.created_at')) as { org_pk: number; supplier_id: string; name: string; kind: string; created_at: string }[];
    for (const r of rows) {
      const list = out.get(Number(r.org_pk)) ?? [];
      list.push({ supplierId: r.supplier_id, name: r.name, kind: r.kind, linkedAt: r.created_at });
      out.set(Number(r.org_pk), list);
    }
  }
  return out;
}

async function shipTosOf(db: Knex, supplierPks: number[]): Promise<Map<number, ShipToListing[]>> {
  const out = new Map<number, ShipToListing[]>();
  for (const part of chunks(supplierPks)) {
    const found = (await db('ship_tos').whereIn('supplier_pk', part).orderBy('ship_to').select('supplier_pk', 'ship_to', 'active')) as { supplier_pk: number; ship_to: string; active: boolean | number }[];
    for (const s of found) out.set(Number(s.supplier_pk), [...(out.get(Number(s.supplier_pk)) ?? []), { shipTo: s.ship_to, active: Boolean(s.active) }]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Organisations

/**
 * Organisations newest first; limit + 1 rows, so the caller knows whether more follow.
 * Customer numbers and links are read for the first `limit` only: the extra row is not shown.
 */
export async function listOrganisations(db: Knex, page: PageRequest): Promise<OrganisationListing[]> {
  const sel = db('organisations').select('id', 'org_id', 'name', 'country', 'created_at').orderBy('id', 'desc').limit(page.limit + 1);
  if (page.beforePk !== undefined) sel.where('id', '<', page.beforePk);
  const rows = ((await sel) as OrgRow[]).map((r) => ({ ...r, pk: Number(r.id) }));
  const pks = rows.slice(0, page.limit).map((r) => r.pk);
  const numbers = await customerNumbersOf(db, pks);
  const links = await linkedSuppliersOf(db, pks);
  return rows.map((r) => ({
    pk: r.pk,
    orgId: r.org_id,
    name: r.name,
    country: r.country,
    createdAt: r.created_at,
    appleCustomerNumbers: numbers.get(r.pk) ?? [],
    resellers: (links.get(r.pk) ?? []).map((l) => l.supplierId),
  }));
}

/** The organisation with this id, if the scope may see it (applied in SQL). */
async function orgInScope(db: Knex, scope: Scope, orgId: string): Promise<OrgRow | undefined> {
  const q = db('organisations').where('org_id', orgId).first('id', 'org_id', 'name', 'country', 'created_at');
  if (scope.kind === 'orgs') q.whereIn('id', scope.orgPks.length > 0 ? scope.orgPks : [-1]);
  if (scope.kind === 'supplier') q.whereRaw('1 = 0');
  return (await q) as OrgRow | undefined;
}

/**
 * One organisation in full, or undefined when there is none with this id or the scope
 * may not see it (told apart to no one).
 */
export async function readOrganisation(db: Knex, scope: Scope, orgId: string): Promise<OrganisationDetail | undefined> {
  const org = await orgInScope(db, scope, orgId);
  if (!org) return undefined;
  const pk = Number(org.id);
  const servers = (await db('org_default_servers').where('org_pk', pk).orderBy('family').select('family', 'server')) as { family: string; server: string }[];
  const counts = (await db('devices').where('org_pk', pk).groupBy('state').select('state').count({ n: '*' })) as { state: string; n: number | string }[];
  const devices: Record<string, number> = { total: 0, ...Object.fromEntries(DEVICE_COUNT_STATES.map((s) => [s, 0])) };
  for (const c of counts) {
    devices[c.state] = (devices[c.state] ?? 0) + Number(c.n);
    devices.total! += Number(c.n);
  }
  return {
    orgId: org.org_id,
    name: org.name,
    country: org.country,
    createdAt: org.created_at,
    appleCustomerNumbers: (await customerNumbersOf(db, [pk])).get(pk) ?? [],
    suppliers: (await linkedSuppliersOf(db, [pk])).get(pk) ?? [],
    defaultServers: Object.fromEntries(servers.map((s) => [s.family, s.server])),
    devices,
  };
}

/** The name of the organisation with this row id (an organisation admin's own). */
export async function organisationName(db: Knex, orgPk: number): Promise<string | undefined> {
  const row = (await db('organisations').where('id', orgPk).first('org_id', 'name')) as { org_id: string; name: string } | undefined;
  return row?.name;
}

// ---------------------------------------------------------------------------------------
// Suppliers

/** Suppliers newest first, with their Ship-To accounts; limit + 1 rows, as listOrganisations. */
export async function listSuppliers(db: Knex, page: PageRequest): Promise<SupplierListing[]> {
  const sel = db('suppliers').select('id', 'supplier_id', 'kind', 'name', 'created_at').orderBy('id', 'desc').limit(page.limit + 1);
  if (page.beforePk !== undefined) sel.where('id', '<', page.beforePk);
  const rows = ((await sel) as { id: number; supplier_id: string; kind: string; name: string; created_at: string }[]).map((r) => ({ ...r, pk: Number(r.id) }));
  const shipTos = await shipTosOf(db, rows.slice(0, page.limit).map((r) => r.pk));
  return rows.map((r) => ({ pk: r.pk, supplierId: r.supplier_id, kind: r.kind, name: r.name, createdAt: r.created_at, shipTos: shipTos.get(r.pk) ?? [] }));
}

/** One supplier by row id, with its Ship-To accounts; undefined when there is none. */
export async function readSupplier(db: Knex, supplierPk: number): Promise<Omit<SupplierListing, 'pk'> | undefined> {
  const row = (await db('suppliers').where('id', supplierPk).first('supplier_id', 'kind', 'name', 'created_at')) as
    | { supplier_id: string; kind: string; name: string; created_at: string }
    | undefined;
  if (!row) return undefined;
  const shipTos = (await db('ship_tos').where('supplier_pk', supplierPk).orderBy('ship_to').select('ship_to', 'active')) as { ship_to: string; active: boolean | number }[];
  return { supplierId: row.supplier_id, kind: row.kind, name: row.name, createdAt: row.created_at, shipTos: shipTos.map((s) => ({ shipTo: s.ship_to, active: Boolean(s.active) })) };
}
