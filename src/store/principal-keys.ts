// API keys of organisation admins and finance (table principal_keys, migration 005).
// Like reseller keys, a key is stored only as its SHA-256 digest: a copy of the database
// gives no usable key. A key is never deleted, only revoked, so the audit log's key ids
// keep meaning something.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { sha256Hex } from './suppliers.js';

export const PRINCIPAL_ROLES = ['org_admin', 'finance'] as const;
export type PrincipalRole = (typeof PRINCIPAL_ROLES)[number];

/**
 * Prefixes that make a leaked key recognisable (in logs, in secret scanners) and tell at
 * a glance whose it is; reseller keys are plain `gwk_`.
 */
const KEY_PREFIX: Record<PrincipalRole, string> = { org_admin: 'gwk_org_', finance: 'gwk_fin_' };

/** 24 random bytes (192 bits), 32 base64url characters after the prefix. */
export function newPrincipalKey(role: PrincipalRole): string {
  return KEY_PREFIX[role] + randomBytes(24).toString('base64url');
}

/** The public name of a key (what `key list` shows and `key revoke` takes): not secret. */
export function newPrincipalKeyId(): string {
  return `pkey_${randomBytes(12).toString('hex')}`;
}

export const PRINCIPAL_KEY_ID = /^pkey_[0-9a-f]{24}$/;

interface PrincipalKeyRow {
  id: number;
  key_id: string;
  role: PrincipalRole;
  org_pk: number | null;
  digest: string;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

/** What a valid key stands for. */
export interface PrincipalOnFile {
  keyId: string;
  role: PrincipalRole;
  /** The organisation of an org_admin key; null for finance. */
  org: { pk: number; orgId: string } | null;
}

/** A key as listed: never its digest. */
export interface PrincipalKeyView {
  keyId: string;
  role: PrincipalRole;
  orgId: string | null;
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

export async function insertPrincipalKey(
  db: Knex,
  k: { keyId: string; role: PrincipalRole; orgPk: number | null; key: string; label: string },
  now: string,
): Promise<void> {
  await db('principal_keys').insert({
    key_id: k.keyId,
    role: k.role,
    org_pk: k.orgPk,
    digest: sha256Hex(k.key),
    label: k.label.slice(0, 100),
    created_at: now,
    revoked_at: null,
  });
}

/** The unrevoked key with this digest, with its organisation. */
export async function findPrincipalByDigest(db: Knex, digest: string): Promise<PrincipalOnFile | undefined> {
  const row = (await db('principal_keys as k')
    .leftJoin('organisations as o', 'o.id', 'k.org_pk')
    .where('k.digest', digest)
    .whereNull('k.revoked_at')
    .first('k.key_id', 'k.role', 'k.org_pk', 'o.org_id')) as { key_id: string; role: string; org_pk: number | null; org_id: string | null } | undefined;
  if (!row) return undefined;
  if (row.role === 'org_admin') {
    // An org_admin key without its organisation is a broken row: it opens nothing.
    if (row.org_pk === null || row.org_id === null) return undefined;
    return { keyId: row.key_id, role: 'org_admin', org: { pk: row.org_pk, orgId: row.org_id } };
  }
  if (row.role === 'finance') return { keyId: row.key_id, role: 'finance', org: null };
  return undefined;
}

export async function listPrincipalKeys(db: Knex, filter: { role?: PrincipalRole; orgPk?: number }): Promise<PrincipalKeyView[]> {
  let q = db('principal_keys as k')
    .leftJoin('organisations as o', 'o.id', 'k.org_pk')
    .select('k.key_id', 'k.role', 'o.org_id', 'k.label', 'k.created_at', 'k.revoked_at')
    .orderBy('k.id');
  if (filter.role) q = q.where('k.role', filter.role);
  if (filter.orgPk !== undefined) q = q.where('k.org_pk', filter.orgPk);
  const rows = (await q) as { key_id: string; role: PrincipalRole; org_id: string | null; label: string; created_at: string; revoked_at: string | null }[];
  return rows.map((r) => ({ keyId: r.key_id, role: r.role, orgId: r.org_id, label: r.label, createdAt: r.created_at, revokedAt: r.revoked_at }));
}

export async function findPrincipalKey(db: Knex, keyId: string): Promise<Omit<PrincipalKeyRow, 'digest'> | undefined> {
  return (await db('principal_keys').where({ key_id: keyId }).first('id', 'key_id', 'role', 'org_pk', 'label', 'created_at', 'revoked_at')) as
    | Omit<PrincipalKeyRow, 'digest'>
    | undefined;
}

/** True when the key was live and is now revoked. */
export async function revokePrincipalKey(db: Knex, keyId: string, now: string): Promise<boolean> {
  return (await db('principal_keys').where({ key_id: keyId }).whereNull('revoked_at').update({ revoked_at: now })) === 1;
}
