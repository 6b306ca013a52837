/** Bounds every IN (...) list and batch: SQLite and PostgreSQL both cap bound parameters. */
export const IN_LIST_CHUNK = 500;

export function chunks<T>(items: T[], size = IN_LIST_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
