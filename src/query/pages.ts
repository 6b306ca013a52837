// One page of a list, as every list of the read side answers it.

export interface Page<T> {
  items: T[];
  /** More rows follow the last item. */
  more: boolean;
}

/** The page of rows read `limit + 1` at a time: the extra row only says that more follow. */
export function pageOf<T>(rows: T[], limit: number): Page<T> {
  return { items: rows.slice(0, limit), more: rows.length > limit };
}
