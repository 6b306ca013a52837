// Writes a document hands to its PostgreSQL transaction without waiting for their answers.
//
// A ship notice's unit reads what it can touch, decides, and writes. On PostgreSQL the
// gateway and the server took turns, each idle while the other worked (a million-serial
// CSV: the gateway's thread idle about half of the time). A connection runs its
// statements one after the other, in the order they are given, so a write handed over and
// not awaited still comes before every later statement of the transaction, and a later
// read sees it. What a unit writes (its items, outcomes, orders, history sets, and the
// rows held from earlier units) is therefore handed over and left to run while the
// gateway goes on to the next unit; only reads are waited for.
//
// While a document writes behind, every statement of its transaction (knex's too) goes
// through one queue here, and is given to the pg driver once the one before it has been
// answered, from within the driver's answer (no turn of the event loop in between). The
// driver would queue statements itself, but that is deprecated (pg 9 drops it).
//
// The rule that keeps the order: a write is handed over (send) at once, while knex hands
// its statements to the connection a few promise turns after they are asked for, so a
// knex statement asked for and not yet awaited when a write is handed over could run
// after it. The store awaits every statement it asks knex for before it asks for the
// next, so the order on the connection is the program's.
//
// A write that fails aborts the transaction: the statements after it fail with "current
// transaction is aborted". The first failure is kept and is what the document reports
// (failureOr), so a racing insert still fails with its unique violation and is retried
// whole (db.ts withRetry), as when each write was awaited. settle() waits for every write
// handed over, and is called before the transaction commits; close() gives the
// connection its own query back.
import type { Knex } from 'knex';
import { isPostgres } from './dialect.js';

/** pg's interface for a query object that writes its own protocol messages (as COPY streams do: sets.ts CopyTrain). */
export interface PgSubmittable {
  submit(connection: unknown): void;
  callback?: (err: Error | undefined) => void;
}

/** What a write behind is: a statement with its values, or a query object. */
export type Submitted = { text: string; values: readonly unknown[] } | PgSubmittable;

type Callback = (err: Error | undefined, result?: unknown) => void;

/** The connection a knex transaction holds: a pg Client. */
interface PgClient {
  query: (...args: unknown[]) => unknown;
}

export class WriteBehind {
  /** Statements not yet given to the driver, each a function that gives it and calls back when it is answered. */
  private readonly waiting: ((answered: () => void) => void)[] = [];
  private busy = false;
  /** Resolved when every write handed over so far has been answered. */
  private last: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private handedOver = 0;
  private closed = false;
  private readonly query: (...args: unknown[]) => unknown;

  constructor(private readonly connection: PgClient) {
    this.query = connection.query;
    // Every statement of the transaction queues here while it writes behind.
    connection.query = (...args: unknown[]) => this.other(args);
  }

  /** Hands a statement to the connection after those before it; its answer is not waited for (settle). */
  send(statement: Submitted): void {
    if (this.closed) throw new Error('invariant: a write handed over after writing behind ended');
    this.handedOver++;
    this.last = new Promise<void>((resolve) => {
      this.enqueue((answered) => {
        const callback: Callback = (err) => {
          // Kept, never thrown here: the first failure is the transaction's (failureOr).
          if (err) this.failure ??= err;
          answered();
          resolve();
        };
        this.query.call(this.connection, 'submit' in statement ? statement : { text: statement.text, values: statement.values }, callback);
      });
    });
  }

  /** Waits until every statement handed over has been answered; throws the first that failed. */
  async settle(): Promise<void> {
    await this.last;
    if (this.failure) throw this.failure;
  }

  /** Waits until every statement handed over has been answered, failed or not. */
  async answered(): Promise<void> {
    await this.last;
  }

  /** The error to report for `err`, thrown by a later statement: the write that failed first, if one did. */
  failureOr(err: unknown): unknown {
    return this.failure ?? err;
  }

  /** How many statements were handed over (for the tests). */
  get statements(): number {
    return this.handedOver;
  }

  /** Ends writing behind: the connection's own query again, for the statements that end the transaction. */
  close(): void {
    if (this.busy || this.waiting.length > 0) throw new Error('invariant: writing behind ended with statements unanswered');
    this.connection.query = this.query;
    this.closed = true;
  }

  /** Whether it still writes behind (close has not been called). */
  get isOpen(): boolean {
    return !this.closed;
  }

  /** A statement asked of the connection by anyone else (knex): queued in turn, answered as the driver answers it. */
  private other(args: unknown[]): unknown {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback !== 'function') throw new Error('invariant: a statement without a callback while writing behind');
    this.enqueue((answered) => {
      args[last] = (...result: unknown[]) => {
        answered();
        (callback as (...r: unknown[]) => void)(...result);
      };
      this.query.apply(this.connection, args);
    });
    return undefined;
  }

  private enqueue(give: (answered: () => void) => void): void {
    this.waiting.push(give);
    this.next();
  }

  /** Gives the driver the next statement, if none is running: called again from each answer. */
  private next(): void {
    if (this.busy) return;
    const give = this.waiting.shift();
    if (!give) return;
    this.busy = true;
    give(() => {
      this.busy = false;
      this.next();
    });
  }
}

/** Each transaction's WriteBehind (a document's, on PostgreSQL), by the transaction and by its connection. */
const open = new WeakMap<object, WriteBehind>();

/**
 * Starts writing behind on the transaction `trx`: PostgreSQL only (on SQLite a statement
 * runs inside the process, and there is no server to overlap with). Answers undefined on
 * SQLite. The caller closes it (WriteBehind.close) before the transaction ends.
 */
export async function openWriteBehind(trx: Knex.Transaction): Promise<WriteBehind | undefined> {
  if (!isPostgres(trx)) return undefined;
  const connection = (await trx.client.acquireConnection()) as PgClient;
  if (open.get(trx)?.isOpen || open.get(connection)?.isOpen) throw new Error('invariant: a transaction writes behind once at a time');
  const behind = new WriteBehind(connection);
  open.set(trx, behind);
  open.set(connection, behind);
  return behind;
}

/** The transaction's WriteBehind, while it writes behind. */
export function writeBehindOf(trx: Knex): WriteBehind | undefined {
  const behind = open.get(trx);
  return behind?.isOpen ? behind : undefined;
}

/**
 * Runs an insert (or another statement whose answer nobody reads): handed over without
 * waiting when the transaction writes behind, else awaited.
 */
export async function insertBehind(trx: Knex, statement: Knex.QueryBuilder): Promise<void> {
  const behind = writeBehindOf(trx);
  if (!behind) {
    await statement;
    return;
  }
  const { sql, bindings } = statement.toSQL().toNative();
  behind.send({ text: sql, values: bindings });
}
