// Suppliers (Apple and resellers), their Ship-To accounts and their credentials.
// API keys are stored only as a SHA-256 digest: a copy of the database gives no usable key.
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Supplier } from '../model/state.js';

interface SupplierRow {
  id: number;
  supplier_id: string;
  kind: 'apple' | 'reseller';
  name: string;
}

function rowToSupplier(r: SupplierRow): Supplier {
  return { pk: r.id, supplierId: r.supplier_id, kind: r.kind, name: r.name };
}

export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

export async function findSupplier(db: Knex, supplierId: string): Promise<Supplier | undefined> {
  const row = (await db('suppliers').where({ supplier_id: supplierId }).first()) as SupplierRow | undefined;
  return row && rowToSupplier(row);
}

export async function findSupplierByPk(db: Knex, pk: number): Promise<Supplier | undefined> {
  const row = (await db('suppliers').where({ id: pk }).first()) as SupplierRow | undefined;
  return row && rowToSupplier(row);
}

export async function listSuppliers(db: Knex): Promise<(Supplier & { shipTos: { shipTo: string; active: boolean }[] })[]> {
  const rows = (await db('suppliers').orderBy('supplier_id')) as SupplierRow[];
  const shipTos = (await db('ship_tos').orderBy('ship_to')) as { supplier_pk: number; ship_to: string; active: boolean | number }[];
  return rows.map((r) => ({
    ...rowToSupplier(r),
    shipTos: shipTos.filter((s) => s.supplier_pk === r.id).map((s) => ({ shipTo: s.ship_to, active: Boolean(s.active) })),
  }));
}

export async function insertSupplier(db: Knex, s: { supplierId: string; kind: Supplier['kind']; name: string }, now: string): Promise<Supplier> {
  await db('suppliers').insert({ supplier_id: s.supplierId, kind: s.kind, name: s.name, created_at: now });
  return (await findSupplier(db, s.supplierId))!;
}

export async function insertShipTo(db: Knex, supplierPk: number, shipTo: string): Promise<void> {
  await db('ship_tos').insert({ supplier_pk: supplierPk, ship_to: shipTo, active: true });
}

export async function setShipToActive(db: Knex, shipTo: string, active: boolean): Promise<boolean> {
  return (await db('ship_tos').where({ ship_to: shipTo }).update({ active })) === 1;
}

export async function findShipTo(db: Knex, shipTo: string): Promise<{ supplierPk: number; active: boolean } | undefined> {
  const row = (await db('ship_tos').where({ ship_to: shipTo }).first()) as { supplier_pk: number; active: boolean | number } | undefined;
  return row && { supplierPk: row.supplier_pk, active: Boolean(row.active) };
}

/** Prefix that makes a leaked key recognisable in logs and secret scanners. */
const API_KEY_PREFIX = 'gwk_';

export function newApiKey(): string {
  return API_KEY_PREFIX + randomBytes(24).toString('base64url');
}

/** Stores an API key's digest; `key` is given by the caller so that samples can be reproducible. */
export async function insertApiKey(db: Knex, supplierPk: number, key: string, label: string, now: string): Promise<number> {
  await db('credentials').insert({ supplier_pk: supplierPk, kind: 'api-key', digest: sha256Hex(key), label, created_at: now });
  const row = (await db('credentials').where({ digest: sha256Hex(key) }).first('id')) as { id: number };
  return row.id;
}

export function normaliseFingerprint(fingerprint: string): string {
  return fingerprint.replace(/:/g, '').toLowerCase();
}

export async function insertCertificate(db: Knex, supplierPk: number, fingerprint256: string, label: string, now: string): Promise<number> {
  const digest = normaliseFingerprint(fingerprint256);
  if (!/^[0-9a-f]{64}$/.test(digest)) throw new Error(`not a SHA-256 fingerprint: ${fingerprint256}`);
  await db('credentials').insert({ supplier_pk: supplierPk, kind: 'certificate', digest, label, created_at: now });
  const row = (await db('credentials').where({ digest }).first('id')) as { id: number };
  return row.id;
}

/** Revokes a reseller's credential; answers its kind, or undefined when there was none unrevoked. */
export async function revokeCredential(db: Knex, credentialId: number, now: string): Promise<'api-key' | 'certificate' | undefined> {
  const row = (await db('credentials').where({ id: credentialId }).whereNull('revoked_at').first('kind')) as { kind: 'api-key' | 'certificate' } | undefined;
  if (!row) return undefined;
  // Still unrevoked when written: a racing revoke wins once.
  const updated = await db('credentials').where({ id: credentialId }).whereNull('revoked_at').update({ revoked_at: now });
  return updated === 1 ? row.kind : undefined;
}

export async function listCredentials(db: Knex, supplierPk: number): Promise<{ id: number; kind: string; label: string; createdAt: string; revokedAt: string | null }[]> {
  const rows = (await db('credentials').where({ supplier_pk: supplierPk }).orderBy('id')) as {
    id: number;
    kind: string;
    label: string;
    created_at: string;
    revoked_at: string | null;
  }[];
  return rows.map((r) => ({ id: r.id, kind: r.kind, label: r.label, createdAt: r.created_at, revokedAt: r.revoked_at }));
}

/** The supplier an unrevoked credential belongs to. */
export async function findSupplierByCredential(db: Knex, kind: 'api-key' | 'certificate', digest: string): Promise<Supplier | undefined> {
  const row = (await db('credentials as c')
    .join('suppliers as s', 's.id', 'c.supplier_pk')
    .where({ 'c.kind': kind, 'c.digest': digest })
    .whereNull('c.revoked_at')
    .first('s.*')) as SupplierRow | undefined;
  return row && rowToSupplier(row);
}
