// Apple's business API for organisations (spec/abm-org-api.md): API accounts, access
// tokens (by digest only), and devices in the shape that API answers them.
import type { Knex } from 'knex';
import { insertReturningId } from './db.js';

export interface BusinessAccountRecord {
  pk: number;
  clientId: string;
  keyId: string;
  org: { pk: number; orgId: string };
  /** The EC P-256 public key, as a JWK's JSON text. */
  publicJwk: string;
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

interface AccountRow {
  id: number;
  client_id: string;
  key_id: string;
  org_pk: number;
  org_id: string;
  public_jwk: string;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

function accountOf(r: AccountRow): BusinessAccountRecord {
  return {
    pk: Number(r.id),
    clientId: r.client_id,
    keyId: r.key_id,
    org: { pk: Number(r.org_pk), orgId: r.org_id },
    publicJwk: r.public_jwk,
    label: r.label,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  };
}

function accounts(db: Knex): Knex.QueryBuilder {
  return db('business_api_accounts as a')
    .join('organisations as g', 'g.id', 'a.org_pk')
    .select('a.id', 'a.client_id', 'a.key_id', 'a.org_pk', 'g.org_id', 'a.public_jwk', 'a.label', 'a.created_at', 'a.revoked_at');
}

export async function insertBusinessAccount(
  trx: Knex,
  row: { clientId: string; keyId: string; orgPk: number; publicJwk: string; label: string },
  now: string,
): Promise<number> {
  return insertReturningId(trx, 'business_api_accounts', {
    client_id: row.clientId,
    key_id: row.keyId,
    org_pk: row.orgPk,
    public_jwk: row.publicJwk,
    label: row.label,
    created_at: now,
    revoked_at: null,
  });
}

export async function findBusinessAccount(db: Knex, clientId: string): Promise<BusinessAccountRecord | undefined> {
  const row = (await accounts(db).where('a.client_id', clientId).first()) as AccountRow | undefined;
  return row && accountOf(row);
}

export async function businessAccountWithKeyId(db: Knex, keyId: string): Promise<BusinessAccountRecord | undefined> {
  const row = (await accounts(db).where('a.key_id', keyId).first()) as AccountRow | undefined;
  return row && accountOf(row);
}

/** Every account, or one organisation's, oldest first. */
export async function listBusinessAccounts(db: Knex, orgPk?: number): Promise<BusinessAccountRecord[]> {
  const q = accounts(db).orderBy('a.id');
  if (orgPk !== undefined) q.where('a.org_pk', orgPk);
  return ((await q) as AccountRow[]).map(accountOf);
}

/** Revokes the account and removes its tokens: neither works from the next request on. */
export async function revokeBusinessAccount(trx: Knex, pk: number, now: string): Promise<void> {
  await trx('business_api_accounts').where({ id: pk }).whereNull('revoked_at').update({ revoked_at: now });
  await trx('business_api_tokens').where({ account_pk: pk }).delete();
}

export async function insertBusinessToken(trx: Knex, digest: string, accountPk: number, issuedAt: string, expiresAt: string): Promise<void> {
  await trx('business_api_tokens').insert({ digest, account_pk: accountPk, issued_at: issuedAt, expires_at: expiresAt });
}

/** Expired tokens of the account go when it is given a new one: the table holds live ones. */
export async function deleteExpiredBusinessTokens(trx: Knex, accountPk: number, now: string): Promise<void> {
  await trx('business_api_tokens').where({ account_pk: accountPk }).where('expires_at', '<=', now).delete();
}

/** The account a token digest stands for, with the token's expiry; a revoked account's tokens are gone. */
export async function findBusinessToken(db: Knex, digest: string): Promise<{ account: BusinessAccountRecord; expiresAt: string } | undefined> {
  const row = (await accounts(db).join('business_api_tokens as t', 't.account_pk', 'a.id').where('t.digest', digest).whereNull('a.revoked_at').first('t.expires_at')) as
    | (AccountRow & { expires_at: string })
    | undefined;
  return row && { account: accountOf(row), expiresAt: row.expires_at };
}

/** A device as the business API shows it. */
export interface OrgDeviceRecord {
  serial: string;
  state: string;
  family: string | null;
  server: string | null;
  serverId: string | null;
  updatedAt: string;
  /** When it first came to this organisation (its first event there). */
  addedAt: string | null;
  supplierKind: 'apple' | 'reseller' | null;
  supplierId: string | null;
  orderNumber: string | null;
  orderDate: string | null;
  /** The order's Apple customer number. */
  customerId: string | null;
  /** When this organisation released it, if it did, and who (the release's actor). */
  releasedAt: string | null;
  releasedBy: string | null;
}

interface OrgDeviceRow {
  serial: string;
  state: string;
  family: string | null;
  server: string | null;
  server_id: string | null;
  updated_at: string;
  kind: 'apple' | 'reseller' | null;
  supplier_id: string | null;
  order_number: string | null;
  order_date: string | null;
  customer_id: string | null;
}

function orgDevices(db: Knex, orgPk: number): Knex.QueryBuilder {
  return db('devices as d')
    .leftJoin('suppliers as s', 's.id', 'd.supplier_pk')
    .leftJoin('orders as o', 'o.id', 'd.order_pk')
    .leftJoin('mdm_servers as m', (j) => j.on('m.org_pk', 'd.org_pk').andOn('m.name', 'd.server'))
    .where('d.org_pk', orgPk)
    .select('d.serial', 'd.state', 'd.family', 'd.server', 'm.server_id', 'd.updated_at', 's.kind', 's.supplier_id', 'o.order_number', 'o.order_date', 'o.customer_id');
}

async function withOrgTimes(db: Knex, orgPk: number, rows: OrgDeviceRow[]): Promise<OrgDeviceRecord[]> {
  if (rows.length === 0) return [];
  const serials = rows.map((r) => r.serial);
  const added = (await db('device_events').whereIn('serial', serials).where('org_pk', orgPk).groupBy('serial').select('serial', db.raw('min(at) as added_at'))) as {
    serial: string;
    added_at: string;
  }[];
  const released = (await db('released_devices').whereIn('serial', serials).where('org_pk', orgPk).select('serial', 'released_at', 'actor')) as {
    serial: string;
    released_at: string;
    actor: string;
  }[];
  const addedAt = new Map(added.map((a) => [a.serial, a.added_at]));
  const releaseOf = new Map(released.map((r) => [r.serial, r]));
  return rows.map((r) => ({
    serial: r.serial,
    state: r.state,
    family: r.family,
    server: r.server,
    serverId: r.server_id,
    updatedAt: r.updated_at,
    addedAt: addedAt.get(r.serial) ?? null,
    supplierKind: r.kind,
    supplierId: r.supplier_id,
    orderNumber: r.order_number,
    orderDate: r.order_date,
    customerId: r.customer_id,
    releasedAt: releaseOf.get(r.serial)?.released_at ?? null,
    releasedBy: releaseOf.get(r.serial)?.actor ?? null,
  }));
}

/** The organisation's enrolled devices by serial, `limit + 1` after `afterSerial`. */
export async function orgDevicesBySerial(db: Knex, orgPk: number, page: { afterSerial?: string; limit: number }): Promise<OrgDeviceRecord[]> {
  const q = orgDevices(db, orgPk).where('d.state', 'enrolled').orderBy('d.serial').limit(page.limit + 1);
  if (page.afterSerial !== undefined) q.where('d.serial', '>', page.afterSerial);
  return withOrgTimes(db, orgPk, (await q) as OrgDeviceRow[]);
}

/** The serials of the organisation's enrolled devices on server `name`, `limit + 1` after `afterSerial`. */
export async function serialsOnServer(db: Knex, orgPk: number, name: string, page: { afterSerial?: string; limit: number }): Promise<string[]> {
  const q = db('devices').where({ org_pk: orgPk, state: 'enrolled', server: name }).orderBy('serial').limit(page.limit + 1);
  if (page.afterSerial !== undefined) q.where('serial', '>', page.afterSerial);
  return ((await q.select('serial')) as { serial: string }[]).map((r) => r.serial);
}

/**
 * One device, enrolled to the organisation now or released by it (then with its release
 * time); undefined otherwise, another organisation's device included.
 */
export async function findOrgDevice(db: Knex, orgPk: number, serial: string): Promise<OrgDeviceRecord | undefined> {
  const row = (await orgDevices(db, orgPk).where('d.serial', serial).first()) as OrgDeviceRow | undefined;
  if (row && row.state === 'enrolled') return (await withOrgTimes(db, orgPk, [row]))[0];
  const release = (await db('released_devices').where({ serial, org_pk: orgPk }).first('released_at')) as { released_at: string } | undefined;
  if (!release) return undefined;
  // Released: what the organisation knew of it, without what came after (another organisation's server).
  const known = row ?? { serial, state: 'released', family: null, server: null, server_id: null, updated_at: release.released_at, kind: null, supplier_id: null, order_number: null, order_date: null, customer_id: null };
  return (await withOrgTimes(db, orgPk, [{ ...known, state: 'released', server: null, server_id: null }]))[0];
}
