// cXML dates are ISO 8601 with an offset (2026-11-02T10:00:00-08:00); the protocol wants
// the UTC instant (2026-11-02T18:00:00Z). Exact arithmetic on whole seconds: fractions
// are dropped, since the protocol has none, and impossible dates are refused.

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;
const MAX_OFFSET_HOURS = 23;
const MS_PER_MINUTE = 60_000;
/** The protocol's timestamps have four-digit years. */
const MIN_YEAR = 1000;
const MAX_YEAR = 9999;

/** The UTC timestamp of an ISO 8601 date-time with offset, or undefined. */
export function isoOffsetToUtc(value: string): string | undefined {
  const m = ISO_WITH_OFFSET.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMinutes = 0;
  if (!m[7]) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > MAX_OFFSET_HOURS || om > 59) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0..99 as 1900..1999.
  const local = new Date(0);
  local.setUTCFullYear(y, mo - 1, d);
  local.setUTCHours(h, mi, s, 0);
  if (local.getUTCFullYear() !== y || local.getUTCMonth() !== mo - 1 || local.getUTCDate() !== d) return undefined;
  // Local time = UTC + offset, so UTC = local time - offset.
  const utc = new Date(local.getTime() - offsetMinutes * MS_PER_MINUTE);
  if (utc.getUTCFullYear() < MIN_YEAR || utc.getUTCFullYear() > MAX_YEAR) return undefined;
  return utc.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
