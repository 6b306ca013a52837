// Day filters over ISO-8601 timestamps stored as text (they sort as text on SQLite and
// PostgreSQL alike): "to=2026-11-30" means every moment of that day, so the query's upper
// bound is the start of the next day, compared as text.

/**
 * The exclusive upper bound, as text, for timestamps on or before `day` (YYYY-MM-DD).
 * The last day of year 9999 has no next day in four digits: "9999-12-32" sorts after
 * every moment of it and before nothing else.
 */
export function endOfDayBound(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  if (!Number.isFinite(t) || !/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`invariant: ${day} is a valid day, checked by the caller`);
  if (day === '9999-12-31') return '9999-12-32';
  return new Date(t + 86_400_000).toISOString().slice(0, 10);
}
