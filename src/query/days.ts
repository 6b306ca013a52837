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

/** A real calendar day in YYYY-MM-DD (2026-02-30 is not one). */
export function isCalendarDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === day;
}

/** A refused filter: which parameter, and why (the route answers 400 naming it). */
export interface FilterRefusal {
  field: string;
  message: string;
}

export interface DayRange {
  from?: string;
  to?: string;
}

/**
 * The bounds of a day range on ISO-8601 UTC timestamps, which sort as text on both
 * databases: at >= from, and at < the day after `to` (so `to` is the whole day).
 */
export function dayBounds(range: DayRange): { atLeast?: string; before?: string } | FilterRefusal {
  for (const field of ['from', 'to'] as const) {
    const v = range[field];
    if (v !== undefined && !isCalendarDay(v)) return { field, message: `is not a calendar date (YYYY-MM-DD): ${JSON.stringify(v.slice(0, 20))}` };
  }
  if (range.from !== undefined && range.to !== undefined && range.from > range.to) {
    return { field: 'to', message: `is before from (${range.from})` };
  }
  return { ...(range.from !== undefined ? { atLeast: range.from } : {}), ...(range.to !== undefined ? { before: endOfDayBound(range.to) } : {}) };
}

export function isRefusal(x: object): x is FilterRefusal {
  return 'field' in x && 'message' in x;
}
