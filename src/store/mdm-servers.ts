// Device-management servers as Apple's business API names them (table mdm_servers,
// migration 011): each name an organisation uses gets an opaque id and the times it was
// first and last used. Devices and default servers keep the name; every write that
// puts a name there records it here, in the same transaction.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

/** 128 random bits, upper-case hex, as Apple's server ids look. */
export function newServerId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** Records that the organisation uses server `name` now: a new name gets its id. */
export async function noteServerUsed(trx: Knex, orgPk: number, name: string, now: string): Promise<void> {
  const updated = await trx('mdm_servers').where({ org_pk: orgPk, name }).update({ updated_at: now });
  if (updated === 0) await trx('mdm_servers').insert({ server_id: newServerId(), org_pk: orgPk, name, created_at: now, updated_at: now });
}

export interface MdmServerRecord {
  pk: number;
  serverId: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  /** The organisation's enrolled devices on it now. */
  deviceCount: number;
  /** Device families whose default server it is. */
  defaultFamilies: string[];
}

interface ServerRow {
  id: number;
  server_id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

async function withCounts(db: Knex, orgPk: number, rows: ServerRow[]): Promise<MdmServerRecord[]> {
  if (rows.length === 0) return [];
  const names = rows.map((r) => r.name);
  const counts = (await db('devices').where({ org_pk: orgPk, state: 'enrolled' }).whereIn('server', names).groupBy('server').select('server', db.raw('count(*) as n'))) as { server: string; n: number | string }[];
  const defaults = (await db('org_default_servers').where({ org_pk: orgPk }).whereIn('server', names).orderBy('family').select('server', 'family')) as { server: string; family: string }[];
  const countOf = new Map(counts.map((c) => [c.server, Number(c.n)]));
  return rows.map((r) => ({
    pk: Number(r.id),
    serverId: r.server_id,
    name: r.name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deviceCount: countOf.get(r.name) ?? 0,
    defaultFamilies: defaults.filter((d) => d.server === r.name).map((d) => d.family),
  }));
}

/** The organisation's servers by id, `limit + 1` after `afterId` (the extra one says more follow). */
export async function mdmServersOfOrg(db: Knex, orgPk: number, page: { afterId?: string; limit: number }): Promise<MdmServerRecord[]> {
  const q = db('mdm_servers').where({ org_pk: orgPk }).orderBy('server_id').limit(page.limit + 1);
  if (page.afterId !== undefined) q.where('server_id', '>', page.afterId);
  return withCounts(db, orgPk, (await q.select('id', 'server_id', 'name', 'created_at', 'updated_at')) as ServerRow[]);
}

const SERVER_COLUMNS = ['id', 'org_pk', 'server_id', 'name', 'created_at', 'updated_at'] as const;

/** The one server matching `where`, with its counts. */
async function oneServer(db: Knex, where: Record<string, string | number>): Promise<MdmServerRecord | undefined> {
  const row = (await db('mdm_servers').where(where).first(...SERVER_COLUMNS)) as (ServerRow & { org_pk: number }) | undefined;
  return row ? (await withCounts(db, Number(row.org_pk), [row]))[0] : undefined;
}

/** One of the organisation's servers, by id; undefined for another organisation's. */
export async function findMdmServer(db: Knex, orgPk: number, serverId: string): Promise<MdmServerRecord | undefined> {
  return oneServer(db, { org_pk: orgPk, server_id: serverId });
}

/** One of the organisation's servers, by name. */
export async function findMdmServerByName(db: Knex, orgPk: number, name: string): Promise<MdmServerRecord | undefined> {
  return oneServer(db, { org_pk: orgPk, name });
}

export async function findMdmServerByPk(db: Knex, pk: number): Promise<MdmServerRecord | undefined> {
  return oneServer(db, { id: pk });
}
