// Row ids as they cross from a driver into plain data.

/** A database id as a number: pg answers integer columns as numbers, counts and bigints as strings. */
export function rowIdOf(value: unknown): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`unexpected id ${String(value)}`);
  return n;
}
