// Organisations: their ids, Apple customer numbers, default servers and the resellers
// they have added.
import type { Knex } from 'knex';
import { noteServerUsed } from './mdm-servers.js';
import type { Organisation } from '../model/state.js';
import type { DeviceFamily } from '../model/device-family.js';
import { chunks } from './chunks.js';
import { STORE_LIMITS } from '../model/limits.js';

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

/**
 * Loads the organisations matching any of the given keys, with everything rules need:
 * two statements whatever the keys (an intake unit loads its organisations each time, so
 * the statements are few on purpose).
 */
export async function loadOrganisations(db: Knex, query: OrganisationQuery): Promise<Organisation[]> {
  const orgIds = query.orgIds ?? [];
  const numbers = query.appleCustomerNumbers ?? [];
  const pks = query.pks ?? [];
  if (orgIds.length + numbers.length + pks.length === 0) return [];
  if (orgIds.length > STORE_LIMITS.whereInValues || numbers.length > STORE_LIMITS.whereInValues || pks.length > STORE_LIMITS.whereInValues) {
    // More than one IN list holds: by key, then by row id.
    const found = new Set<number>(pks);
    for (const part of chunks(orgIds)) for (const r of (await db('organisations').whereIn('org_id', part).select('id')) as { id: number }[]) found.add(r.id);
    for (const part of chunks(numbers)) for (const r of (await db('apple_customer_numbers').whereIn('number', part).select('org_pk')) as { org_pk: number }[]) found.add(r.org_pk);
    return loadOrganisationsByPk(db, [...found]);
  }
  const rows = (await db('organisations')
    .where((q) => {
      if (orgIds.length > 0) q.orWhereIn('org_id', orgIds);
      if (pks.length > 0) q.orWhereIn('id', pks);
      if (numbers.length > 0) q.orWhereIn('id', db('apple_customer_numbers').whereIn('number', numbers).select('org_pk'));
    })
    .orderBy('id')) as OrgRow[];
  return withDetails(db, rows);
}

export async function loadOrganisationsByPk(db: Knex, pks: number[]): Promise<Organisation[]> {
  const out: Organisation[] = [];
  for (const part of chunks(pks)) out.push(...(await withDetails(db, (await db('organisations').whereIn('id', part).orderBy('id')) as OrgRow[])));
  return out;
}

/** The organisations' customer numbers, resellers and default servers, in one statement. */
async function withDetails(db: Knex, rows: OrgRow[]): Promise<Organisation[]> {
  const byPk = new Map<number, Organisation>();
  for (const r of rows) {
    byPk.set(r.id, { pk: r.id, orgId: r.org_id, name: r.name, country: r.country, appleCustomerNumbers: [], linkedSupplierPks: [], defaultServers: {} });
  }
  if (byPk.size === 0) return [];
  const pks = [...byPk.keys()];
  const details = (await db
    // One column type per position on PostgreSQL too: the supplier's row id travels as text.
    .select(db.raw("org_pk, 'number' as kind, number as a, cast(null as varchar) as b"))
    .from('apple_customer_numbers')
    .whereIn('org_pk', pks)
    .unionAll((q) => q.select(db.raw("org_pk, 'link' as kind, cast(null as varchar) as a, cast(supplier_pk as varchar) as b")).from('org_supplier_links').whereIn('org_pk', pks))
    .unionAll((q) => q.select(db.raw("org_pk, 'server' as kind, family as a, server as b")).from('org_default_servers').whereIn('org_pk', pks))) as {
    org_pk: number;
    kind: 'number' | 'link' | 'server';
    a: string | null;
    b: string | number | null;
  }[];
  for (const d of details) {
    const org = byPk.get(d.org_pk)!;
    if (d.kind === 'number') org.appleCustomerNumbers.push(d.a!);
    else if (d.kind === 'link') org.linkedSupplierPks.push(Number(d.b));
    else org.defaultServers[d.a as DeviceFamily] = String(d.b);
  }
  for (const org of byPk.values()) org.appleCustomerNumbers.sort();
  return [...byPk.values()];
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
  await noteServerUsed(db, orgPk, server, new Date().toISOString());
}

/** The organisation adds a supplier (a reseller whose orders for it then enroll). */
export async function insertSupplierLink(db: Knex, orgPk: number, supplierPk: number, now: string): Promise<void> {
  await db('org_supplier_links').insert({ org_pk: orgPk, supplier_pk: supplierPk, created_at: now });
}

/** Removes the organisation's link to a supplier; false when there was none. */
export async function deleteSupplierLink(db: Knex, orgPk: number, supplierPk: number): Promise<boolean> {
  return (await db('org_supplier_links').where({ org_pk: orgPk, supplier_pk: supplierPk }).delete()) > 0;
}
