// Organisations and suppliers as the operator reads them (src/query/organisations.ts):
// the lists newest first (row id: the order they were added in), one organisation in a
// reader's scope with its customer numbers, added resellers and default servers, and
// suppliers with their Ship-To accounts.
import type { Knex } from 'knex';
import type { PageRequest, Scope } from '../model/reads.js';
import { chunks } from './chunks.js';
import { rowIdOf } from './row-ids.js';
import { whereInScope } from './scope.js';

export interface OrganisationRow {
  pk: number;
  orgId: string;
  name: string;
  country: string;
  createdAt: string;
}

export interface LinkedSupplier {
  supplierId: string;
  name: string;
  kind: string;
  linkedAt: string;
}

export interface SupplierRow {
  pk: number;
  supplierId: string;
  kind: string;
  name: string;
  createdAt: string;
}

export interface ShipToListing {
  shipTo: string;
  active: boolean;
}

interface OrgDbRow {
  id: number;
  org_id: string;
  name: string;
  country: string;
  created_at: string;
}

const ORG_COLUMNS = ['id', 'org_id', 'name', 'country', 'created_at'] as const;

function toOrganisationRow(r: OrgDbRow): OrganisationRow {
  return { pk: Number(r.id), orgId: r.org_id, name: r.name, country: r.country, createdAt: r.created_at };
}

/** Organisations newest first, `limit + 1` of them (the extra one says more follow). */
export async function organisationsNewestFirst(db: Knex, page: PageRequest): Promise<OrganisationRow[]> {
  const sel = db('organisations').select(...ORG_COLUMNS).orderBy('id', 'desc').limit(page.limit + 1);
  if (page.beforePk !== undefined) sel.where('id', '<', page.beforePk);
  return ((await sel) as OrgDbRow[]).map(toOrganisationRow);
}

/** The organisation with this id, if the scope may see it: a supplier sees none. */
export async function findOrganisationInScope(db: Knex, scope: Scope, orgId: string): Promise<OrganisationRow | undefined> {
  const row = (await whereInScope(db('organisations').where('org_id', orgId), scope, 'id', null).first(...ORG_COLUMNS)) as OrgDbRow | undefined;
  return row && toOrganisationRow(row);
}

/** The Apple customer numbers of each organisation, in order. */
export async function customerNumbersOf(db: Knex, orgPks: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const part of chunks(orgPks)) {
    const rows = (await db('apple_customer_numbers').whereIn('org_pk', part).orderBy('number').select('org_pk', 'number')) as { org_pk: number; number: string }[];
    for (const r of rows) out.set(Number(r.org_pk), [...(out.get(Number(r.org_pk)) ?? []), r.number]);
  }
  return out;
}

/** The suppliers each organisation has added, by supplier id. */
export async function linkedSuppliersOf(db: Knex, orgPks: number[]): Promise<Map<number, LinkedSupplier[]>> {
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

/** An organisation's default server of each device family that has one, by family. */
export async function defaultServersOf(db: Knex, orgPk: number): Promise<{ family: string; server: string }[]> {
  return (await db('org_default_servers').where('org_pk', orgPk).orderBy('family').select('family', 'server')) as { family: string; server: string }[];
}

/** The name of the organisation with this row id. */
export async function organisationNameByPk(db: Knex, orgPk: number): Promise<string | undefined> {
  const row = (await db('organisations').where('id', orgPk).first('org_id', 'name')) as { org_id: string; name: string } | undefined;
  return row?.name;
}

interface SupplierDbRow {
  id: number;
  supplier_id: string;
  kind: string;
  name: string;
  created_at: string;
}

const SUPPLIER_COLUMNS = ['id', 'supplier_id', 'kind', 'name', 'created_at'] as const;

function toSupplierRow(r: SupplierDbRow): SupplierRow {
  return { pk: Number(r.id), supplierId: r.supplier_id, kind: r.kind, name: r.name, createdAt: r.created_at };
}

/** Suppliers newest first, `limit + 1` of them, as organisationsNewestFirst. */
export async function suppliersNewestFirst(db: Knex, page: PageRequest): Promise<SupplierRow[]> {
  const sel = db('suppliers').select(...SUPPLIER_COLUMNS).orderBy('id', 'desc').limit(page.limit + 1);
  if (page.beforePk !== undefined) sel.where('id', '<', page.beforePk);
  return ((await sel) as SupplierDbRow[]).map(toSupplierRow);
}

export async function findSupplierRow(db: Knex, supplierPk: number): Promise<SupplierRow | undefined> {
  const row = (await db('suppliers').where('id', supplierPk).first(...SUPPLIER_COLUMNS)) as SupplierDbRow | undefined;
  return row && toSupplierRow(row);
}

/** The Ship-To accounts of each supplier, in order. */
export async function shipTosOf(db: Knex, supplierPks: number[]): Promise<Map<number, ShipToListing[]>> {
  const out = new Map<number, ShipToListing[]>();
  for (const part of chunks(supplierPks)) {
    const found = (await db('ship_tos').whereIn('supplier_pk', part).orderBy('ship_to').select('supplier_pk', 'ship_to', 'active')) as { supplier_pk: number; ship_to: string; active: boolean | number }[];
    for (const s of found) out.set(Number(s.supplier_pk), [...(out.get(Number(s.supplier_pk)) ?? []), { shipTo: s.ship_to, active: Boolean(s.active) }]);
  }
  return out;
}

/** The id and name of each organisation or supplier by row id. */
export async function idsAndNamesByPk(trx: Knex, table: 'organisations' | 'suppliers', pks: number[]): Promise<Map<number, { id: string; name: string }>> {
  const idColumn = table === 'organisations' ? 'org_id' : 'supplier_id';
  const out = new Map<number, { id: string; name: string }>();
  for (const part of chunks(pks)) {
    const rows = (await trx(table).whereIn('id', part).select('id', `${idColumn} as ident`, 'name')) as { id: unknown; ident: string; name: string }[];
    for (const r of rows) out.set(rowIdOf(r.id), { id: r.ident, name: r.name });
  }
  return out;
}
