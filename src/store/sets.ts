// Writing many rows as one set. A ship notice of a thousand devices writes a thousand
// devices, order lines and history events: one statement per table, not a statement (or
// a thousand bound values) per row. (Its devices' outcomes are one row: store/outcomes.ts.)
//   SQLite:     INSERT INTO t (...) SELECT value ->> 0, ... FROM json_each(?): the rows
//               cross into SQLite as one JSON text, and the insert runs inside SQLite.
//   PostgreSQL: COPY t (...) FROM STDIN on the transaction's own connection, the rows
//               sent with the statement (CopyTrain).
// The row-wise writer (multi-row INSERTs through knex) gives the same rows; which one a
// unit uses is the caller's choice (WriteMode), and a test runs both and compares.
import type { Knex } from 'knex';
import { STORE_LIMITS } from '../model/limits.js';
import { isPostgres } from './db.js';
import { insertBehind, writeBehindOf, type PgSubmittable } from './write-behind.js';

/** A column value as the sets carry it: text, a whole number, or nothing. */
export type SetValue = string | number | null;

/**
 * rows: one multi-row INSERT per batch of rows through knex (few rows: no per-set cost);
 * sets: the set writers above; auto: sets from SET_MIN_ROWS rows up.
 */
export type WriteMode = 'rows' | 'sets' | 'auto';

/** Below this many rows a multi-row INSERT is as fast as a set, and simpler to read in a log. */
const SET_MIN_ROWS = 64;

/** Rows per set statement: bounds the JSON text (or COPY buffer) one statement holds. */
const ROWS_PER_SET = 20_000;

/**
 * Inserts `rows` (each in `columns` order) into `table`, as the mode says. `runColumn`: on
 * SQLite, a set is written for each run of rows with the same value there (an order's lines
 * and devices, a history set's serials), so that what a run shares is bound once rather
 * than carried in every row's JSON, which SQLite parses again for every value taken out
 * (ten orders' devices as one set, their order and organisation in each row: a
 * million-serial file took 15 s against 10 s).
 */
export async function insertRows(trx: Knex, table: string, columns: readonly string[], rows: SetValue[][], mode: WriteMode, runColumn?: string): Promise<void> {
  if (rows.length === 0) return;
  for (const row of rows) if (row.length !== columns.length) throw new Error(`invariant: a row of ${row.length} values for ${columns.length} columns of ${table}`);
  const sets = mode === 'sets' || (mode === 'auto' && rows.length >= SET_MIN_ROWS);
  if (!sets) {
    for (let i = 0; i < rows.length; i += STORE_LIMITS.writeBatchRows) {
      await insertBehind(trx, trx(table).insert(rows.slice(i, i + STORE_LIMITS.writeBatchRows).map((row) => Object.fromEntries(columns.map((c, k) => [c, row[k]])))));
    }
    return;
  }
  if (isPostgres(trx)) {
    for (let i = 0; i < rows.length; i += ROWS_PER_SET) await copyRows(trx, table, columns, rows.slice(i, i + ROWS_PER_SET));
    return;
  }
  const at = runColumn === undefined ? -1 : columns.indexOf(runColumn);
  if (runColumn !== undefined && at < 0) throw new Error(`invariant: ${table} has no column ${runColumn} to write runs of`);
  for (let start = 0; start < rows.length; ) {
    let end = start + 1;
    while (end < rows.length && end - start < ROWS_PER_SET && (at < 0 || rows[end]![at] === rows[start]![at])) end++;
    await insertJsonSet(trx, table, columns, rows.slice(start, end));
    start = end;
  }
}

/** The columns of a set that matter beyond its values. */
export interface SetColumns {
  /** Where a row names a serial and an order: HeldSets writes held rows before a read names them. */
  serial?: string;
  orderPk?: string;
  /** Rows are written in runs of the same value here, on SQLite (insertRows). */
  runColumn?: string;
}

/** Rows of one table, to be written in one statement (a COPY on PostgreSQL). */
interface HeldPart {
  table: string;
  columns: readonly string[];
  rows: SetValue[][];
  runColumn?: string | undefined;
}

interface HeldTable {
  columns: readonly string[];
  runColumn: string | undefined;
  /** Where rows name a serial and an order (SetColumns), as column indexes. */
  serialAt: number;
  orderPkAt: number;
  rows: SetValue[][];
}

/**
 * A document's new rows of the bulk tables, held and written as large sets: a million-serial
 * ship notice applies a thousand orders, and writing each order's devices, lines and
 * history serials as it goes cost three statements (on PostgreSQL three COPYs) per order.
 * Rows are held until a table holds enough (STORE_LIMITS.heldSetRows), until a read names
 * a serial or an order they hold (writeIfNames: the store's loads call it first, so a unit
 * always reads what earlier units wrote), and at the end of the document (write).
 *
 * A unit in a savepoint (an X12 set) marks where it began; if it is rolled back, its own
 * rows go, and rows of earlier units that were written inside its savepoint (and so rolled
 * back with it) are held again. A failed write fails the document's transaction, which is
 * retried whole (withRetry), as a failed write inside a unit always was.
 */
export class HeldSets {
  /** @param rowsPerTable how many rows of a table are held before everything held is written (STORE_LIMITS.heldSetRows). */
  constructor(private readonly rowsPerTable: number) {
    if (!(rowsPerTable > 0)) throw new Error(`invariant: HeldSets holds at least one row, not ${rowsPerTable}`);
  }

  private readonly tables = new Map<string, HeldTable>();
  /** A table holds enough rows to be written, and is written at the next handOver. */
  private due = false;
  private serials = new Set<string>();
  private orderPks = new Set<number>();
  /** The unit being applied: how many rows each table held when it began, and earlier units' rows written since. */
  private unit: { heldBefore: Map<string, number>; writtenBefore: Map<string, SetValue[][]> } | undefined;

  /** Holds `rows` of `table`; writes everything held once the table holds enough. */
  async hold(trx: Knex, table: string, columns: readonly string[], rows: SetValue[][], keys: SetColumns): Promise<void> {
    if (rows.length === 0) return;
    let held = this.tables.get(table);
    if (!held) {
      const at = (column: string | undefined) => {
        const index = column === undefined ? -1 : columns.indexOf(column);
        if (column !== undefined && index < 0) throw new Error(`invariant: ${table} held without its ${column} column`);
        return index;
      };
      held = { columns, runColumn: keys.runColumn, serialAt: at(keys.serial), orderPkAt: at(keys.orderPk), rows: [] };
      this.tables.set(table, held);
    } else if (held.columns.join() !== columns.join()) {
      throw new Error(`invariant: rows of ${table} held with columns ${held.columns.join()} and ${columns.join()}`);
    }
    // Each row's width is asserted where it is written, before anything of its table is: by
    // insertRows (write), or by the CopyTrain that handOver sends.
    for (const row of rows) {
      held.rows.push(row);
      this.noteKeys(row, held);
    }
    if (held.rows.length < this.rowsPerTable) return;
    // Writing behind (write-behind.ts), the rows go after the next unit's reads (handOver),
    // so that the server copies them while the gateway decides and writes that unit.
    if (writeBehindOf(trx) && !this.unit) this.due = true;
    else await this.write(trx);
  }

  /**
   * Hands everything held to the connection, not waited for, if a table holds enough
   * (hold): called by a unit once it has read all it reads, so its own reads went first.
   * The rows are written before any later statement; none of the unit's reads named them
   * (writeIfNames), and a later read sees them.
   */
  handOver(trx: Knex): void {
    const behind = writeBehindOf(trx);
    if (!this.due || !behind || this.unit) return;
    this.due = false;
    const parts = this.takeAll();
    if (parts.length > 0) behind.send(new CopyTrain(parts));
  }

  /** Writes what is held first if it holds a row of one of these serials or a line of one of these orders. */
  async writeIfNames(trx: Knex, names: { serials?: Iterable<string>; orderPks?: Iterable<number> }): Promise<void> {
    if (this.serials.size === 0 && this.orderPks.size === 0) return;
    const named = () => {
      for (const serial of names.serials ?? []) if (this.serials.has(serial)) return true;
      for (const pk of names.orderPks ?? []) if (this.orderPks.has(pk)) return true;
      return false;
    };
    if (named()) await this.write(trx);
  }

  /** Writes every held row, table by table in the order they were first held. */
  async write(trx: Knex): Promise<void> {
    this.due = false;
    for (const { table, columns, rows, runColumn } of this.takeAll()) await insertRows(trx, table, columns, rows, 'auto', runColumn);
  }

  /** Every held row, table by table in the order they were first held; nothing is held after. */
  private takeAll(): HeldPart[] {
    const parts: HeldPart[] = [];
    for (const [table, held] of this.tables) {
      if (held.rows.length === 0) continue;
      if (this.unit) {
        // Rows of earlier units, now written inside this unit's savepoint: held again if it rolls back.
        const before = this.unit.heldBefore.get(table) ?? 0;
        if (before > 0) this.unit.writtenBefore.set(table, [...(this.unit.writtenBefore.get(table) ?? []), ...held.rows.slice(0, before)]);
        this.unit.heldBefore.set(table, 0);
      }
      parts.push({ table, columns: held.columns, rows: held.rows, runColumn: held.runColumn });
      held.rows = [];
    }
    this.serials = new Set();
    this.orderPks = new Set();
    return parts;
  }

  /** A unit in a savepoint begins. */
  beginUnit(): void {
    if (this.unit) throw new Error('invariant: a unit began inside another');
    this.unit = { heldBefore: new Map([...this.tables].map(([table, held]) => [table, held.rows.length])), writtenBefore: new Map() };
  }

  /** The unit's savepoint was released: its rows stay held with the document's. */
  unitApplied(): void {
    this.unit = undefined;
  }

  /** The unit's savepoint was rolled back: hold what the document held before it, no more. */
  unitRolledBack(): void {
    const unit = this.unit;
    if (!unit) throw new Error('invariant: a unit rolled back that had not begun');
    this.unit = undefined;
    this.serials = new Set();
    this.orderPks = new Set();
    for (const [table, held] of this.tables) {
      held.rows = [...(unit.writtenBefore.get(table) ?? []), ...held.rows.slice(0, unit.heldBefore.get(table) ?? 0)];
      for (const row of held.rows) this.noteKeys(row, held);
    }
  }

  private noteKeys(row: SetValue[], held: HeldTable): void {
    if (held.serialAt >= 0) this.serials.add(row[held.serialAt] as string);
    if (held.orderPkAt >= 0) this.orderPks.add(row[held.orderPkAt] as number);
  }
}

/**
 * The columns whose value is the same in every row are bound once, and a column counting
 * up by one (device_seq) is the row's place; only the rest travel in the JSON (a ship
 * notice's devices share their state, organisation, order and time, and differ in serial
 * and tag), because SQLite parses a row's JSON again for every value taken out of it.
 */
async function insertJsonSet(trx: Knex, table: string, columns: readonly string[], rows: SetValue[][]): Promise<void> {
  const first = rows[0]!;
  const constant = columns.map((_, k) => rows.every((row) => row[k] === first[k]));
  // A number counting up by one from the first row (an item's device_seq): the row's place.
  const counting = columns.map((_, k) => !constant[k] && typeof first[k] === 'number' && rows.every((row, i) => row[k] === (first[k] as number) + i));
  const carried = columns.flatMap((_, k) => (constant[k] || counting[k] ? [] : [k]));
  const bindings: SetValue[] = [];
  const select = columns.map((_, k) => {
    if (constant[k] || counting[k]) {
      bindings.push(first[k]!);
      return counting[k] ? '? + key' : '?';
    }
    return carried.length === 1 ? 'value' : `value ->> ${carried.indexOf(k)}`;
  });
  let json: string;
  if (carried.length === 0) json = JSON.stringify(rows.map(() => 0)); // json_each still gives the row count
  else if (carried.length === 1) json = JSON.stringify(rows.map((row) => row[carried[0]!]));
  else json = JSON.stringify(rows.map((row) => carried.map((k) => row[k])));
  await trx.raw(`INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) SELECT ${select.join(', ')} FROM json_each(?)`, [...bindings, json]);
}

/**
 * COPY FROM STDIN of one or more tables as one query object of the pg driver: the
 * statements (one simple query: "COPY a ...; COPY b ...") and every row are sent at once,
 * when the driver hands the query to the server, and answered with one ReadyForQuery.
 * The server reads the rows as each COPY asks for them. Sending them without waiting for
 * the server's CopyInResponse lets a COPY handed over behind a read (HeldSets.handOver)
 * go as soon as the read is answered, while the gateway's thread is busy deciding: a COPY
 * stream (pg-copy-streams) sends its rows only on that answer, on a later turn of the
 * event loop, and so waited for the gateway. If a COPY fails, the server answers with
 * the error and ReadyForQuery, drops the rest of the query, and ignores the rows that
 * follow it (the protocol's rule for copy data after an error), and the transaction is
 * aborted: nothing of the train is applied.
 */
export class CopyTrain implements PgSubmittable {
  callback?: (err: Error | undefined) => void;

  constructor(private readonly parts: readonly HeldPart[]) {
    if (parts.length === 0) throw new Error('invariant: a COPY train of no table');
    for (const { table, columns, rows } of parts) {
      for (const row of rows) if (row.length !== columns.length) throw new Error(`invariant: a row of ${row.length} values for ${columns.length} columns of ${table}`);
    }
  }

  /** The statements of the train, in the order its rows are sent. */
  get text(): string {
    return this.parts.map(({ table, columns }) => `COPY ${quote(table)} (${columns.map(quote).join(', ')}) FROM STDIN`).join('; ');
  }

  submit(connection: CopyConnection): void {
    connection.query(this.text);
    for (const { rows } of this.parts) {
      for (const chunk of copyLines(rows)) connection.sendCopyFromChunk(Buffer.from(chunk, 'utf8'));
      connection.endCopyFrom();
    }
  }

  handleError(err: Error): void {
    this.answer(err);
  }

  handleReadyForQuery(): void {
    this.answer(undefined);
  }

  // The other answers a COPY gets (CopyInResponse, CommandComplete) say nothing the train needs.
  handleCopyInResponse(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}

  /** Answers once: an error is followed by ReadyForQuery, which the driver does not pass to a failed query. */
  private answer(err: Error | undefined): void {
    const callback = this.callback;
    this.callback = undefined;
    callback?.(err);
  }
}

/** What CopyTrain asks of the driver's connection (pg's Connection). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** The connection a knex transaction holds (its client answers it rather than taking one from the pool). */
interface PgConnection {
  query(train: CopyTrain, callback: (err: Error | undefined) => void): void;
}

async function copyRows(trx: Knex, table: string, columns: readonly string[], rows: SetValue[][]): Promise<void> {
  if (!trx.isTransaction) throw new Error('invariant: COPY runs inside the transaction it belongs to');
  const train = new CopyTrain([{ table, columns, rows }]);
  const behind = writeBehindOf(trx);
  if (behind) {
    behind.send(train);
    return;
  }
  const connection = (await trx.client.acquireConnection()) as PgConnection;
  await new Promise<void>((resolve, reject) => connection.query(train, (err) => (err ? reject(err) : resolve())));
}

/** COPY's text format: tab-separated, \N for NULL, backslash escapes for what would end a field or a row. */
function* copyLines(rows: SetValue[][]): Iterable<string> {
  let chunk = '';
  for (const row of rows) {
    // Field by field, not map and join: a million serials are three million rows here.
    for (let k = 0; k < row.length; k++) chunk += (k === 0 ? '' : '\t') + copyField(row[k]!);
    chunk += '\n';
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** What would end a field or a row in COPY's text format. */
const COPY_ESCAPED = /[\\\t\n\r]/;

function copyField(value: SetValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  // Serials and tags almost never need escaping: tested before anything is replaced.
  if (!COPY_ESCAPED.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Table and column names here are the store's own constants, never input; quoted all the same. */
function quote(identifier: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(identifier)) throw new Error(`invariant: ${identifier} is not an identifier of the schema`);
  return `"${identifier}"`;
}

/**
 * Keeps the rows whose `column` is one of `values`, as one bound value however many there
 * are (no IN list of bound values), looked up through the column's index: on SQLite an
 * IN over json_each; on PostgreSQL = ANY of a text array (a join with unnest() was
 * planned as a scan of the whole table), the array made by a subquery: given the array
 * itself, the planner estimated each of its elements, for each way it weighed the query
 * (a ship notice's 1,000 serials looked up in devices: 5 ms to plan, 1 ms to run; 0.3 ms
 * to plan this way, the same index scan).
 */
export function whereInSet(q: Knex.QueryBuilder, trx: Knex, column: string, values: readonly string[]): Knex.QueryBuilder {
  const distinct = [...new Set(values)];
  return isPostgres(trx)
    ? q.whereRaw('?? = any(array(select unnest(?::text[])))', [column, distinct])
    : q.whereRaw('?? in (select value from json_each(?))', [column, JSON.stringify(distinct)]);
}
