// Import of a content purchase history (CSV) into a location's volume-credit account: each
// row is a spend (src/credit/ledger.ts, recordSpend), and the whole file is one database
// transaction, applied whole or not at all.
//
//   date,item_id,quantity,unit_price,currency[,purchase_id]
//   2026-11-03,361309726,10,120,JPY,VPP-30411-0001
//
// Two passes. The first reads and checks every row (header, fields, limits) without
// touching the database, collecting every error it safely can. Only a clean file reaches
// the second, which records the rows in order inside one transaction and stops at the
// first row the ledger refuses (no account, insufficient credit, a key reused for another
// purchase): after that nothing else may be applied, so nothing else is tried.
//
// Idempotency, per row: `purchase:<purchase_id>` when the row carries one; otherwise the
// row's own content, normalised, and how many identical rows came earlier in the file.
// Importing the same file again, or a later export that repeats the same rows in the same
// order, records nothing twice; two genuinely identical purchases in one file are two spends.
//
// Whatever happens, one credit_imports row says what became of the file, and its bytes are
// kept (document_content, by sha256) so that it can be corrected and imported again.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Knex } from 'knex';
import { checkItemId, checkPurchaseDate, formatMinor, minorUnitOf, purchaseAmount } from '../domain/credit.js';
import type { CodedError, MessageParams } from '../model/error-codes.js';
import { renderMessage } from '../model/messages.js';
import { decodeUtf8, UndecodableText } from '../formats/utf8.js';
import { withRetry } from '../store/db.js';
import { storeContent } from '../store/documents.js';
import { insertPurchaseImport } from '../store/credit.js';
import { recordSpend, type Actor, type OrgRef } from './ledger.js';
import { CREDIT_LIMITS, INTAKE_LIMITS, PURCHASE_CSV_LIMITS } from '../model/limits.js';

const PURCHASE_PREFIX = 'purchase:';
/** A purchase id is the idempotency key after its prefix, so it fits the key's limit. */
const PURCHASE_ID_CHARS = CREDIT_LIMITS.idempotencyKeyChars - PURCHASE_PREFIX.length;

const COLUMNS = ['date', 'item_id', 'quantity', 'unit_price', 'currency', 'purchase_id'] as const;
type Column = (typeof COLUMNS)[number];
const REQUIRED_COLUMNS: readonly Column[] = ['date', 'item_id', 'quantity', 'unit_price', 'currency'];

/** The domain's field names, as the columns of this file call them. */
const FIELD_NAMES: Record<string, string> = { itemId: 'item_id', unitPrice: 'unit_price', 'unitPrice x quantity': 'unit_price x quantity' };

export interface PurchaseImportRequest {
  org: OrgRef;
  location: string;
  /** A local file holding the CSV as received. */
  path: string;
  /** The name the file is known by, in every error and in the import record. */
  fileName: string;
  actor: Actor;
  /** Data rows accepted at most; a longer file is refused, never truncated. */
  maxRows: number;
}

export interface PurchaseImportError {
  code: string;
  message: string;
  params?: Record<string, unknown>;
}

export interface PurchaseImportResult {
  importId: string;
  status: 'applied' | 'rejected';
  fileName: string;
  sha256: string;
  /** Data rows read (the header not counted). */
  rows: number;
  /** Rows recorded as new spends by this import. */
  recorded: number;
  /** Rows whose spend was on file already (same key, same purchase). */
  alreadyRecorded: number;
  /** Per currency, the sum of the amounts this import recorded, as decimal strings. */
  totals: Record<string, string>;
  errors: PurchaseImportError[];
  /** One per row, in file order, when applied; none when rejected. */
  entries: { line: number; entryId: string; replayed: boolean }[];
}

/** A data row whose fields passed every check, ready to be recorded. */
interface CheckedRow {
  line: number;
  date: string;
  itemId: string;
  quantity: number;
  /** Normalised (formatMinor): "120" and "120.0" would differ as text, not as money. */
  unitPrice: string;
  currency: string;
  amountMinor: bigint;
  idempotencyKey: string;
}

/** Refuses the file from inside the transaction, which rolls it back. */
class Rejected extends Error {
  constructor(
    readonly error: CodedError,
    readonly line: number,
  ) {
    super(`rejected: ${error.code}`);
  }
}

/** A refusal while reading the bytes: stops reading; `line` is where. */
class ReadRefused extends Error {
  constructor(
    readonly error: CodedError,
    readonly line: number | undefined,
  ) {
    super(`refused: ${error.code}`);
  }
}

/** The errors of one file, each naming the file and line, bounded. */
class ErrorList {
  readonly items: PurchaseImportError[] = [];
  /** Set when the list is full: reading stops. */
  full = false;

  constructor(private readonly fileName: string) {}

  at(line: number | undefined): string {
    return line === undefined ? this.fileName : `${this.fileName} line ${line}`;
  }

  add(error: CodedError, line: number | undefined): void {
    if (this.full) return;
    const at = this.at(line);
    if (this.items.length === PURCHASE_CSV_LIMITS.maxErrors - 1) {
      this.full = true;
      this.push({ code: 'GW-DOC-6008', params: { max: this.items.length } }, at);
      return;
    }
    this.push(error, at);
  }

  private push(error: CodedError, at: string): void {
    const params: MessageParams = { ...error.params, at };
    if (typeof params.field === 'string') params.field = FIELD_NAMES[params.field] ?? params.field;
    const rendered = renderMessage({ code: error.code, params });
    // Ledger refusals (GW-CR-7028 ...) do not say where in their own words: say it first.
    this.items.push({ code: error.code, message: rendered.includes(at) ? rendered : `${at}: ${rendered}`, params });
  }
}

/**
 * Imports a purchase history into the account of (org, location, each row's currency).
 * Refusals are answered in the result (status 'rejected', coded errors); an exception
 * means the file could not be read at all or the database failed, and then nothing was
 * applied (the import is still recorded when the database allows it).
 */
export async function importPurchases(db: Knex, req: PurchaseImportRequest): Promise<PurchaseImportResult> {
  if (!Number.isSafeInteger(req.maxRows) || req.maxRows < 0) throw new Error(`importPurchases: maxRows must be a whole number, not ${req.maxRows}`);
  const receivedAt = new Date().toISOString();
  const importId = `cri_${randomUUID()}`;
  const { sha256, sizeBytes } = await hashFile(req.path);
  const errors = new ErrorList(req.fileName);
  const record = { importId, req, sha256, sizeBytes, receivedAt };

  let rowCount = 0;
  let unexpected: unknown;
  try {
    const read = await readPurchases(req, errors);
    rowCount = read.rowCount;
    if (errors.items.length === 0) {
      return await withRetry(() =>
        db.transaction(async (trx) => {
          const result = await applyRows(trx, req, read.rows, { importId, sha256, rows: rowCount });
          await storeContent(trx, sha256, fileChunks(req.path));
          await insertImport(trx, record, result);
          return result;
        }),
      );
    }
  } catch (e) {
    if (e instanceof Rejected) errors.add(e.error, e.line);
    else {
      unexpected = e;
      errors.add({ code: 'GW-CR-7034', params: { detail: 'the import failed on an internal error; nothing was applied' } }, undefined);
    }
  }

  const result: PurchaseImportResult = {
    importId,
    status: 'rejected',
    fileName: req.fileName,
    sha256,
    rows: rowCount,
    recorded: 0,
    alreadyRecorded: 0,
    totals: {},
    errors: errors.items,
    entries: [],
  };
  try {
    // The main transaction (if any) rolled back: the record of the refusal is its own.
    await withRetry(() =>
      db.transaction(async (trx) => {
        await storeContent(trx, sha256, fileChunks(req.path));
        await insertImport(trx, record, result);
      }),
    );
  } catch (e) {
    if (unexpected === undefined) throw e;
  }
  if (unexpected !== undefined) throw unexpected;
  return result;
}

/** The file's bytes in the chunks storeContent keeps them in. */
function fileChunks(path: string): AsyncIterable<Buffer> {
  return createReadStream(path, { highWaterMark: INTAKE_LIMITS.contentChunkBytes }) as AsyncIterable<Buffer>;
}

// ---------------------------------------------------------------------------------------
// First pass: read and check, no database

async function readPurchases(req: PurchaseImportRequest, errors: ErrorList): Promise<{ rows: CheckedRow[]; rowCount: number }> {
  const rows: CheckedRow[] = [];
  let rowCount = 0;
  let columns: Map<Column, number> | undefined;
  let width = 0;
  /** Rows without a purchase id seen so far, by content: the n of their keys. */
  const seen = new Map<string, number>();
  try {
    for await (const { record, line } of csvRecords(req.path)) {
      if (!columns) {
        const header = readHeader(record);
        if (header.problems.length > 0) {
          for (const detail of header.problems) errors.add({ code: 'GW-CR-7034', params: { detail } }, line);
          break; // no row can be read against a wrong header
        }
        columns = header.columns;
        width = record.length;
        continue;
      }
      if (rowCount >= req.maxRows) {
        errors.add({ code: 'GW-DOC-6009', params: { detail: `more than ${req.maxRows} rows in one purchase history; split the file` } }, line);
        break;
      }
      rowCount++;
      if (record.length !== width) {
        errors.add({ code: 'GW-CSV-6101', params: { detail: `${record.length} fields, the header has ${width}` } }, line);
      } else {
        const checked = checkRow(record, columns, line, seen);
        if (checked.ok) rows.push(checked.value);
        else for (const e of checked.errors) errors.add(e, line);
      }
      if (errors.full) break;
    }
  } catch (e) {
    if (!(e instanceof ReadRefused)) throw e;
    errors.add(e.error, e.line);
  }
  if (!columns && errors.items.length === 0) {
    errors.add({ code: 'GW-CR-7034', params: { detail: `the file is empty; a header row is required (${REQUIRED_COLUMNS.join(', ')})` } }, 1);
  }
  return { rows, rowCount };
}

function readHeader(record: string[]): { columns: Map<Column, number>; problems: string[] } {
  const columns = new Map<Column, number>();
  const problems: string[] = [];
  const expected = `the columns are ${REQUIRED_COLUMNS.join(', ')} and optionally purchase_id`;
  for (const [index, raw] of record.entries()) {
    const name = raw.trim().toLowerCase();
    const column = COLUMNS.find((c) => c === name);
    if (!column) problems.push(`unknown column "${raw.trim().slice(0, 60)}" (column ${index + 1}); ${expected}`);
    else if (columns.has(column)) problems.push(`column ${column} appears twice (columns ${columns.get(column)! + 1} and ${index + 1})`);
    else columns.set(column, index);
  }
  for (const column of REQUIRED_COLUMNS) {
    if (!columns.has(column)) problems.push(`the header has no column ${column}; ${expected}`);
  }
  return { columns, problems };
}

function checkRow(
  record: string[],
  columns: Map<Column, number>,
  line: number,
  seen: Map<string, number>,
): { ok: true; value: CheckedRow } | { ok: false; errors: CodedError[] } {
  const field = (c: Column): string => {
    const index = columns.get(c);
    return index === undefined ? '' : record[index]!.trim();
  };
  const problems: CodedError[] = [];
  const date = checkPurchaseDate(field('date'));
  if (!date.ok) problems.push(date.error);
  const itemId = checkItemId(field('item_id'));
  if (!itemId.ok) problems.push(itemId.error);
  const currency = field('currency').toUpperCase();
  const unit = minorUnitOf(currency);
  // Without a currency there is no telling how many decimals the price may have.
  const amount = unit.ok ? purchaseAmount(field('unit_price'), field('quantity'), currency) : undefined;
  if (!unit.ok) problems.push(unit.error);
  else if (amount && !amount.ok) problems.push(amount.error);
  const purchaseId = field('purchase_id');
  if (purchaseId !== '' && (purchaseId.length > PURCHASE_ID_CHARS || !/^[\x21-\x7e]+$/.test(purchaseId))) {
    problems.push({
      code: 'GW-CR-7006',
      params: { field: 'purchase_id', value: purchaseId.slice(0, 80), detail: `1 to ${PURCHASE_ID_CHARS} printable ASCII characters, no spaces` },
    });
  }
  if (!date.ok || !itemId.ok || !amount?.ok || problems.length > 0) return { ok: false, errors: problems };

  const unitPrice = formatMinor(amount.value.unitMinor, currency);
  let idempotencyKey: string;
  if (purchaseId !== '') idempotencyKey = `${PURCHASE_PREFIX}${purchaseId}`;
  else {
    const content = createHash('sha256').update(`${date.value}|${itemId.value}|${amount.value.quantity}|${unitPrice}|${currency}`).digest('hex');
    const n = seen.get(content) ?? 0;
    seen.set(content, n + 1);
    idempotencyKey = `row:${content}:${n}`;
  }
  return {
    ok: true,
    value: { line, date: date.value, itemId: itemId.value, quantity: amount.value.quantity, unitPrice, currency, amountMinor: amount.value.amountMinor, idempotencyKey },
  };
}

// ---------------------------------------------------------------------------------------
// Second pass: record, in the caller's transaction

async function applyRows(trx: Knex, req: PurchaseImportRequest, rows: CheckedRow[], base: { importId: string; sha256: string; rows: number }): Promise<PurchaseImportResult> {
  const entries: PurchaseImportResult['entries'] = [];
  const totals = new Map<string, bigint>();
  let recorded = 0;
  let alreadyRecorded = 0;
  for (const row of rows) {
    const spent = await recordSpend(
      trx,
      {
        org: req.org,
        location: req.location,
        currency: row.currency,
        date: row.date,
        itemId: row.itemId,
        quantity: row.quantity,
        unitPrice: row.unitPrice,
        idempotencyKey: row.idempotencyKey,
        actor: req.actor,
      },
      trx,
    );
    if (!spent.ok) throw new Rejected(spent.error, row.line);
    entries.push({ line: row.line, entryId: spent.value.entryId, replayed: spent.value.replayed });
    if (spent.value.replayed) alreadyRecorded++;
    else {
      recorded++;
      totals.set(row.currency, (totals.get(row.currency) ?? 0n) + row.amountMinor);
    }
  }
  return {
    importId: base.importId,
    status: 'applied',
    fileName: req.fileName,
    sha256: base.sha256,
    rows: base.rows,
    recorded,
    alreadyRecorded,
    totals: Object.fromEntries([...totals].map(([currency, minor]) => [currency, formatMinor(minor, currency)])),
    errors: [],
    entries,
  };
}

async function insertImport(
  trx: Knex,
  x: { importId: string; req: PurchaseImportRequest; sha256: string; sizeBytes: number; receivedAt: string },
  result: PurchaseImportResult,
): Promise<void> {
  await insertPurchaseImport(trx, {
    import_id: x.importId,
    org_pk: x.req.org.pk,
    location: x.req.location.slice(0, 64),
    file_name: x.req.fileName.slice(0, 255),
    sha256: x.sha256,
    size_bytes: x.sizeBytes,
    status: result.status,
    rows: result.rows,
    recorded: result.recorded,
    already_recorded: result.alreadyRecorded,
    errors_json: JSON.stringify(result.errors),
    result_json: JSON.stringify(result),
    actor: x.req.actor.name.slice(0, 120),
    received_at: x.receivedAt,
  });
}

// ---------------------------------------------------------------------------------------
// Bytes to records

async function hashFile(path: string): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    sizeBytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), sizeBytes };
}

/** The file's bytes, refused at the first line longer than the limit. */
async function* linesBounded(path: string): AsyncGenerator<Buffer> {
  const max = PURCHASE_CSV_LIMITS.maxLineBytes;
  let line = 1;
  let lineBytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let from = 0; ; ) {
      const newline = chunk.indexOf(0x0a, from);
      lineBytes += (newline === -1 ? chunk.length : newline) - from;
      if (lineBytes > max) throw new ReadRefused({ code: 'GW-DOC-6009', params: { detail: `the line is longer than ${max} bytes` } }, line);
      if (newline === -1) break;
      line++;
      lineBytes = 0;
      from = newline + 1;
    }
    yield chunk;
  }
}

/**
 * CSV records with the line each ends on (the header is line 1), through the strict UTF-8
 * decoder. Throws ReadRefused for invalid UTF-8, a line too long or malformed CSV.
 */
async function* csvRecords(path: string): AsyncGenerator<{ record: string[]; line: number }> {
  const parser = parse({
    bom: true,
    info: true,
    skip_empty_lines: true,
    // A row of the wrong width is a row error (the rows after it are still checked), not the end of the file.
    relax_column_count: true,
    max_record_size: PURCHASE_CSV_LIMITS.maxLineBytes,
  });
  // decodeUtf8 wants a file name for its messages; the line is taken from its error instead.
  const source = Readable.from(decodeUtf8(linesBounded(path), ''));
  let failure: unknown;
  const finished = new Promise<void>((resolve) =>
    pipeline(source, parser, (e) => {
      failure ??= e ?? undefined;
      resolve();
    }),
  );
  let loopError: unknown;
  try {
    try {
      for await (const entry of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        yield { record: entry.record, line: entry.info.lines };
      }
    } catch (e) {
      loopError = e;
    }
  } finally {
    // Also when the reader stops early: the file is closed, the pipeline settled.
    parser.destroy();
    await finished;
  }
  const errors = [failure, loopError].filter((e) => e !== undefined && e !== null);
  // The bytes' own errors win over what the parser says about the row they cut short.
  const bytes = errors.find((e) => e instanceof ReadRefused || e instanceof UndecodableText);
  if (bytes instanceof ReadRefused) throw bytes;
  if (bytes instanceof UndecodableText) throw utf8Refusal(bytes);
  for (const e of errors) {
    const csv = e as { code?: string; lines?: number; message?: string };
    if (csv.code === 'ERR_STREAM_PREMATURE_CLOSE') continue;
    if (typeof csv.code === 'string' && csv.code.startsWith('CSV_')) {
      throw new ReadRefused(
        { code: 'GW-CSV-6101', params: { detail: String(csv.message).replace(/ at line \d+$/, '') } },
        typeof csv.lines === 'number' && csv.lines > 0 ? csv.lines : undefined,
      );
    }
    throw e;
  }
}

/** GW-DOC-6001 with this file's way of naming the line (decodeUtf8 says ", line N, byte B"). */
function utf8Refusal(e: UndecodableText): ReadRefused {
  const where = String(e.error.params?.at ?? '');
  const line = /line (\d+)/.exec(where);
  const byte = /byte (\d+)/.exec(where);
  return new ReadRefused({ code: 'GW-DOC-6001', params: byte ? { byte: Number(byte[1]) } : {} }, line ? Number(line[1]) : undefined);
}
