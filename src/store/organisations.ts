// Organisations: their ids, Apple customer numbers, default servers and the resellers
// they have added.
import type { Knex } from 'knex';
import type { Organisation } from '../model/state.js';
import type { DeviceFamily } from '../model/device-family.js';
import { chunks } from './chunks.js';

interface OrgRow {
  id: number;
  org_id: string;
  name: string;
  country: string;
}

export interface OrganisationQuery {
  orgIds?: string[];
  appleCustomerNumbers?: string[];
  pks?: number[];
}

/** Loads the organisations matching any of the given keys, with everything rules need. */
export async function loadOrganisations(db: Knex, query: OrganisationQuery): Promise<Organisation[]> {
  const pks = new Set<number>(query.pks ?? []);
  for (const part of chunks(query.orgIds ?? [])) {
    for (const r of (await db('organisations').whereIn('org_id', part).select('id')) as { id: number }[]) pks.add(r.id);
  }
  for (const part of chunks(query.appleCustomerNumbers ?? [])) {
    const rows = (await db('apple_customer_numbers').whereIn('number', part).select('org_pk')) as { org_pk: number }[];
    for (const r of rows) pks.add(r.org_pk);
  }
  return loadOrganisationsByPk(db, [...pks]);
}

export async function loadOrganisationsByPk(db: Knex, pks: number[]): Promise<Organisation[]> {
  const out: Organisation[] = [];
  for (const part of chunks(pks)) {
    const rows = (await db('organisations').whereIn('id', part).orderBy('id')) as OrgRow[];
    const byPk = new Map<number, Organisation>();
    for (const r of rows) {
      const org: Organisation = {
        pk: r.id,
        orgId: r.org_id,
        name: r.name,
        country: r.country,
        appleCustomerNumbers: [],
        linkedSupplierPks: [],
        defaultServers: {},
      };
      byPk.set(r.id, org);
      out.push(org);
    }
    const numbers = (await db('apple_customer_numbers').whereIn('org_pk', part).orderBy('number')) as { org_pk: number; number: string }[];
    for (const n of numbers) byPk.get(n.org_pk)?.appleCustomerNumbers.push(n.number);
    const links = (await db('org_supplier_links').whereIn('org_pk', part)) as { org_pk: number; supplier_pk: number }[];
    for (const l of links) byPk.get(l.org_pk)?.linkedSupplierPks.push(l.supplier_pk);
    const servers = (await db('org_default_servers').whereIn('org_pk', part)) as { org_pk: number; family: DeviceFamily; server: string }[];
    for (const s of servers) {
      const org = byPk.get(s.org_pk);
      if (org) org.defaultServers[s.family] = s.server;
    }
  }
  return out;
}

export async function findOrganisation(db: Knex, orgId: string): Promise<Organisation | undefined> {
  const [org] = await loadOrganisations(db, { orgIds: [orgId] });
  return org;
}

export async function listOrganisations(db: Knex): Promise<Organisation[]> {
  const rows = (await db('organisations').select('id').orderBy('org_id')) as { id: number }[];
  return loadOrganisationsByPk(db, rows.map((r) => r.id));
}

export async function insertOrganisation(
  db: Knex,
  org: { orgId: string; name: string; country: string },
  now: string,
): Promise<number> {
  await db('organisations').insert({ org_id: org.orgId, name: org.name, country: org.country, created_at: now });
  const row = (await db('organisations').where({ org_id: org.orgId }).first('id')) as { id: number };
  return row.id;
}

/** `number` is stored as given: the caller normalises it (domain/matching.ts). */
export async function insertAppleCustomerNumber(db: Knex, orgPk: number, number: string): Promise<void> {
  await db('apple_customer_numbers').insert({ org_pk: orgPk, number });
}

export async function upsertDefaultServer(db: Knex, orgPk: number, family: DeviceFamily, server: string | null): Promise<void> {
  if (server === null) {
    await db('org_default_servers').where({ org_pk: orgPk, family }).delete();
    return;
  }
  await db('org_default_servers').insert({ org_pk: orgPk, family, server }).onConflict(['org_pk', 'family']).merge(['server']);
}

/** The organisation adds a supplier (a reseller whose orders for it then enroll). */
export async function insertSupplierLink(db: Knex, orgPk: number, supplierPk: number, now: string): Promise<void> {
  await db('org_supplier_links').insert({ org_pk: orgPk, supplier_pk: supplierPk, created_at: now });
}

/** Removes the organisation's link to a supplier; false when there was none. */
export async function deleteSupplierLink(db: Knex, orgPk: number, supplierPk: number): Promise<boolean> {
  return (await db('org_supplier_links').where({ org_pk: orgPk, supplier_pk: supplierPk }).delete()) > 0;
}
