// A client for the /v1 query API and keys for every role, for the role and route tests.
import type { Db } from '../../src/store/db.js';
import { createPrincipalKey } from '../../src/admin/operations.js';
import type { PrincipalRole } from '../../src/model/roles.js';
import { TEST_ACTOR } from './db.js';

export interface ApiAnswer {
  status: number;
  headers: Headers;
  // Tests read fields off answers of many shapes.
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/** A key of a non-reseller role, as `key create` makes it. */
export async function makeKey(db: Db, role: PrincipalRole, opts: { orgId?: string; scopeOrgIds?: string[] } = {}): Promise<{ key: string; keyId: string }> {
  const created = await createPrincipalKey(db, TEST_ACTOR, { role, ...opts });
  return { key: created.key, keyId: created.keyId };
}

export async function api(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  key: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  const h: Record<string, string> = { ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  if (body !== undefined && h['content-type'] === undefined) h['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: h,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* CSV and text answers: tests read .text */
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
