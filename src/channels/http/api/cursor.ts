// Keyset pagination: a page ends with a cursor naming the last row's sort key, and the
// next page starts after it, so page 1000 costs what page 1 does and rows written
// meanwhile neither repeat nor vanish. The cursor is opaque to callers (base64url JSON)
// and carries a digest of the query's filters: reusing it with other filters is refused
// rather than silently answering a different list.
import { createHash } from 'node:crypto';
import type { Response } from 'express';
import { sendHttpError } from '../principal.js';
import { type JsonSchema } from './route.js';
import { API_LIMITS } from '../../../model/limits.js';

export type CursorKey = (string | number)[];

function filterDigest(kind: string, filters: Record<string, unknown>): string {
  const canonical = JSON.stringify([kind, Object.keys(filters).sort().map((k) => [k, filters[k] ?? null])]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

export function encodeCursor(kind: string, filters: Record<string, unknown>, key: CursorKey): string {
  return Buffer.from(JSON.stringify({ v: 1, f: filterDigest(kind, filters), k: key })).toString('base64url');
}

/**
 * The key a cursor carries, undefined for no cursor, or 'invalid' when it is not one of
 * ours, or was made for another kind of list or other filters.
 */
/**
 * The largest integer a cursor key may hold: tables keyed by `increments` ids are int4 on
 * PostgreSQL, which refuses a larger bound with an error rather than an empty page. Lists
 * keyed by a `bigIncrements` id (audit log, device history) pass MAX_BIGINT_KEY.
 */
export const MAX_BIGINT_KEY = Number.MAX_SAFE_INTEGER;

export function decodeCursor(
  kind: string,
  filters: Record<string, unknown>,
  cursor: unknown,
  keyLength: number,
  maxInteger: number = API_LIMITS.maxIntegerKey,
): CursorKey | undefined | 'invalid' {
  if (cursor === undefined) return undefined;
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > API_LIMITS.maxCursorChars) return 'invalid';
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; f?: unknown; k?: unknown };
    if (parsed.v !== 1 || parsed.f !== filterDigest(kind, filters) || !Array.isArray(parsed.k) || parsed.k.length !== keyLength) return 'invalid';
    if (!parsed.k.every((x) => (typeof x === 'string' && x.length <= API_LIMITS.maxCursorChars && !x.includes('\u0000')) || (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= maxInteger))) return 'invalid';
    return parsed.k as CursorKey;
  } catch {
    return 'invalid';
  }
}

/** The query parameters of every list: limit and cursor. */
export const PAGE_PARAMS: Record<string, JsonSchema> = {
  limit: { type: 'integer', minimum: 1, maximum: API_LIMITS.maxPageSize, default: API_LIMITS.defaultPageSize, description: `Rows per page, 1 to ${API_LIMITS.maxPageSize}.` },
  cursor: { type: 'string', maxLength: API_LIMITS.maxCursorChars, description: 'The nextCursor of the previous page, with the same filters.' },
};

/** A page of `item`: {items, nextCursor}; nextCursor is null on the last page. */
export function pageSchema(item: JsonSchema): JsonSchema {
  return {
    type: 'object',
    required: ['items', 'nextCursor'],
    additionalProperties: false,
    properties: {
      items: { type: 'array', items: item },
      nextCursor: { type: ['string', 'null'], description: 'Pass as cursor for the next page; null on the last page.' },
    },
  };
}

export const CURSOR_REFUSAL = {
  status: 400,
  code: 'GW-API-4002',
  message: 'The cursor is not valid for this list: it was changed, or made with other filters. Start again without it.',
} as const;

/** 400 GW-API-4002: the cursor is not one of this list's. */
export function refuseCursor(res: Response): void {
  sendHttpError(res, CURSOR_REFUSAL.status, CURSOR_REFUSAL.code, CURSOR_REFUSAL.message, [{ in: 'query', path: 'cursor', message: 'is not valid for this list and these filters' }]);
}

/** The cursor's key when it is one of this list's, with these filters and key types; 'invalid' otherwise. */
export function cursorKey(
  kind: string,
  filters: Record<string, unknown>,
  cursor: unknown,
  types: readonly ('string' | 'number')[],
  maxInteger: number = API_LIMITS.maxIntegerKey,
): CursorKey | undefined | 'invalid' {
  const key = decodeCursor(kind, filters, cursor, types.length, maxInteger);
  if (key === undefined || key === 'invalid') return key;
  return key.every((k, i) => typeof k === types[i]) ? key : 'invalid';
}

/**
 * The row id a page starts after, from the query's cursor: a number, undefined for the
 * first page, or null when the refusal (400 GW-API-4002) was already answered.
 */
export function cursorPk(res: Response, kind: string, filters: Record<string, unknown>, cursor: unknown, maxInteger: number = API_LIMITS.maxIntegerKey): number | undefined | null {
  const key = cursorKey(kind, filters, cursor, ['number'], maxInteger);
  if (key === 'invalid') {
    refuseCursor(res);
    return null;
  }
  return key === undefined ? undefined : (key[0] as number);
}

/** Only the filters that were given: the cursor digest of {a: undefined} and {} must agree. */
export function givenFilters<T extends object>(filters: T): Partial<T> & Record<string, unknown> {
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as Partial<T> & Record<string, unknown>;
}

/** Answers a page of rows fetched with limit + 1: the extra row only says "there is more". */
export function sendPage<R extends { pk: number }>(res: Response, rows: R[], limit: number, kind: string, filters: Record<string, unknown>, view: (row: R) => unknown): void {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor(kind, filters, [last.pk]) : null;
  res.json({ items: shown.map(view), nextCursor });
}
