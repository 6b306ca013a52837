// API keys of operators, organisation admins, finance and metrics scrapers (table
// principal_keys, migrations 005 and 006); resellers' keys are their credentials.
// Like reseller keys, a key is stored only as its SHA-256 digest: a copy of the database
// gives no usable key. A key is never deleted, only revoked, so the audit log's key ids
// keep meaning something.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { sha256Hex } from './suppliers.js';
import type { PrincipalRole } from '../model/roles.js';


/**
 * Prefixes that make a leaked key recognisable (in logs, in secret scanners) and tell at
 * a glance whose it is; reseller keys are plain `gwk_`.
 */
const KEY_PREFIX: Record<PrincipalRole, string> = { operator: 'gwk_op_', org_admin: 'gwk_org_', finance: 'gwk_fin_', metrics: 'gwk_met_' };


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
  /** The organisation of an org_admin key; null for every other role. */
  org: { pk: number; orgId: string } | null;
  /** A finance key limited to these organisations; null when it sees every one (and for other roles). */
  scope: { pk: number; orgId: string }[] | null;
}

/** A key as listed: never its digest. */
export interface PrincipalKeyView {
  keyId: string;
  role: PrincipalRole;
  orgId: string | null;
  /** A finance key's organisations, when it is limited to some. */
  scopeOrgIds?: string[];
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

export async function insertPrincipalKey(
  db: Knex,
  k: { keyId: string; role: PrincipalRole; orgPk: number | null; scopeOrgPks?: number[]; key: string; label: string },
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
  const scope = [...new Set(k.scopeOrgPks ?? [])];
  if (scope.length > 0) {
    const row = (await db('principal_keys').where({ key_id: k.keyId }).first('id')) as { id: number };
    for (let i = 0; i < scope.length; i += 200) {
      await db('principal_key_orgs').insert(scope.slice(i, i + 200).map((orgPk) => ({ key_pk: row.id, org_pk: orgPk })));
    }
  }
}

async function scopeOf(db: Knex, keyPk: number): Promise<{ pk: number; orgId: string }[]> {
  const rows = (await db('principal_key_orgs as s').join('organisations as o', 'o.id', 's.org_pk').where('s.key_pk', keyPk).orderBy('o.org_id').select('o.id', 'o.org_id')) as {
    id: number;
    org_id: string;
  }[];
  return rows.map((r) => ({ pk: Number(r.id), orgId: r.org_id }));
}

/** The unrevoked key with this digest, with its organisation. */
export async function findPrincipalByDigest(db: Knex, digest: string): Promise<PrincipalOnFile | undefined> {
  const row = (await db('principal_keys as k')
    .leftJoin('organisations as o', 'o.id', 'k.org_pk')
    .where('k.digest', digest)
    .whereNull('k.revoked_at')
    .first('k.id', 'k.key_id', 'k.role', 'k.org_pk', 'o.org_id')) as { id: number; key_id: string; role: string; org_pk: number | null; org_id: string | null } | undefined;
  if (!row) return undefined;
  if (row.role === 'org_admin') {
    // An org_admin key without its organisation is a broken row: it opens nothing.
    if (row.org_pk === null || row.org_id === null) return undefined;
    return { keyId: row.key_id, role: 'org_admin', org: { pk: Number(row.org_pk), orgId: row.org_id }, scope: null };
  }
  if (row.role === 'finance') {
    const scope = await scopeOf(db, row.id);
    return { keyId: row.key_id, role: 'finance', org: null, scope: scope.length > 0 ? scope : null };
  }
  if (row.role === 'operator' || row.role === 'metrics') return { keyId: row.key_id, role: row.role, org: null, scope: null };
  return undefined;
}

export async function listPrincipalKeys(db: Knex, filter: { role?: PrincipalRole; orgPk?: number }): Promise<PrincipalKeyView[]> {
  let q = db('principal_keys as k')
    .leftJoin('organisations as o', 'o.id', 'k.org_pk')
    .select('k.id', 'k.key_id', 'k.role', 'o.org_id', 'k.label', 'k.created_at', 'k.revoked_at')
    .orderBy('k.id');
  if (filter.role) q = q.where('k.role', filter.role);
  if (filter.orgPk !== undefined) q = q.where('k.org_pk', filter.orgPk);
  const rows = (await q) as { id: number; key_id: string; role: PrincipalRole; org_id: string | null; label: string; created_at: string; revoked_at: string | null }[];
  const views: PrincipalKeyView[] = [];
  for (const r of rows) {
    const scope = r.role === 'finance' ? await scopeOf(db, r.id) : [];
    views.push({
      keyId: r.key_id,
      role: r.role,
      orgId: r.org_id,
      ...(scope.length > 0 ? { scopeOrgIds: scope.map((o) => o.orgId) } : {}),
      label: r.label,
      createdAt: r.created_at,
      revokedAt: r.revoked_at,
    });
  }
  return views;
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

/** Whether a key with this digest was ever made, revoked or not (a seed never makes it again). */
export async function principalDigestOnFile(db: Knex, digest: string): Promise<boolean> {
  return (await db('principal_keys').where({ digest }).first('id')) !== undefined;
}
