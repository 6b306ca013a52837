// The one intake path: every channel (reseller API, HTTP upload, SFTP mailbox, command
// line) hands its bytes to receive(), with the partner, the channel, a name and, for the
// reseller API, its built-in mapping.
//   keep the raw bytes (sha256) -> refuse duplicates -> pick the mapping -> read
//   (streaming) -> per unit: load what it can touch, decide in src/domain/, persist ->
//   outcome rows for every document, item and device, in the same database transaction.
// On PostgreSQL, ship notices of new orders that nothing ties together (and X12 sets of
// them) are applied a few at a time (one load, one decision, one write: applyTogether,
// applyUnitsTogether), as that comes to the same.
// A file is applied whole or not at all. X12's unit is the transaction set: a refused set
// is rolled back (to a savepoint) and the others apply, as the 997 reports them. A
// reseller-API transaction is one unit whose orders apply one by one, as the protocol
// says. A rejected document keeps its bytes and errors, and can be replayed once the
// partner or organisation data is corrected.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { applyTransaction, devicesEnrolled, outcomeOfPortions } from '../domain/enrollment.js';
import {
  appliesOnArrival,
  checkPurchaseOrder,
  impliedOrderAgainstFile,
  deviceOutcomeStatus,
  finalX12Results,
  headerOfPurchaseOrder,
  independentOfEachOther,
  orderInputForShipNotice,
  shipNoticePortions,
  rollUpDocument,
  setKey,
  transactionDocumentStatus,
  voidOrderInput,
  type ItemTally,
  type SetOutcome,
} from '../domain/documents.js';
import { orderCreditRole } from '../domain/credit.js';
import { organisationKeys } from '../domain/matching.js';
import { checkResellerTransaction, languageOf, shipToToLookUp, transactionDigest } from '../domain/partner-rules.js';
import type { TransactionLimits } from '../domain/order-fields.js';
import type { DocumentError, DocumentReader, ReadContext, ReadItem } from '../formats/types.js';
import { readerFor } from '../formats/registry.js';
import { ReadingThread } from '../formats/off-thread.js';
import type { Mapping } from '../mapping/mapping.js';
import type { OrderHeaderOnFile } from '../model/commands.js';
import type { DeviceOutcomeStatus, DocumentStatus, DocumentSummary, PurchaseOrder, ShipNotice } from '../model/documents.js';
import type { DeliveryOutcome, OrderOutcome, TransactionOutcome } from '../model/enrollment.js';
import { ERROR_CODES, type CodedError } from '../model/error-codes.js';
import { DOCUMENT_LIMITS, FIELD_LIMITS, INTAKE_LIMITS, STORE_LIMITS } from '../model/limits.js';
import { renderMessage } from '../model/messages.js';
import type { Organisation, Supplier } from '../model/state.js';
import type { X12InterchangeInfo } from '../model/x12.js';
import { inSavepoint, isPostgres, withRetry } from '../store/db.js';
import {
  awaitingNotices,
  findOrderHeadersOnFile,
  ordersAwaited,
  clearDocumentOutcome,
  creditOrderOnFile,
  emptySummary,
  enrollmentOrderOnFile,
  findDocument,
  findDocumentByHash,
  findDocumentByPk,
  findInterchange,
  findOrderHeaderOnFile,
  insertDocument,
  insertInterchange,
  insertItem,
  insertItems,
  itemTallies,
  storeContent,
  updateDocument,
  updateItem,
  upsertPurchaseOrders,
  type DocumentRow,
  type ItemStatus,
} from '../store/documents.js';
import { loadWorld, persistChanges } from '../store/enrollment-store.js';
import { HeldSets, type WriteMode } from '../store/sets.js';
import { openWriteBehind } from '../store/write-behind.js';
import { insertDeviceOutcomes, replaceItemDeviceOutcomes, type DeviceOutcomeRow } from '../store/outcomes.js';
import { loadOrganisations, type OrganisationQuery } from '../store/organisations.js';
import { findShipTo, findSupplier, findSupplierByPk } from '../store/suppliers.js';
import { markDone as markClaimDone } from '../store/sftp-claims.js';
import { audit } from '../store/audit.js';
import { completeTransaction, findTransactionOfDocument, findTransactionRecord, insertTransaction } from '../store/transactions.js';
import { applyOrderCredit, type CreditSettings, type OrderCreditOutcome } from '../credit/ledger.js';
import { chooseMapping } from './detect.js';
import { IntakeError, sourceChunks, sourceHead, sourceSha256, sourceSize, type Source } from './source.js';
import type { IngestRequest, IngestResult, ReplayHint, TransactionReceipt } from './types.js';

export { IntakeError };

export interface IntakeLimits {
  maxDocumentBytes: number;
  maxJsonDocumentBytes: number;
  maxErrorsPerDocument: number;
  /**
   * From this size a document is read on a thread of its own (by default INTAKE_LIMITS.readOffThreadBytes
   * on SQLite and never on PostgreSQL: DocumentRun.readOffThreadBytes); tests set 0 to read every document there.
   */
  readOffThreadBytes?: number;
  /**
   * Rows of each bulk table a document holds before writing them as one set (by default
   * STORE_LIMITS.heldSetRows on PostgreSQL and none on SQLite: DocumentRun.heldSetRows);
   * tests set it on SQLite too, and small, to write held rows mid-document.
   */
  heldSetRows?: number;
  /**
   * Ship notices of new, independent orders applied together (by default
   * INTAKE_LIMITS.togetherNotices on PostgreSQL, one at a time on SQLite:
   * DocumentRun.togetherNotices); tests set it on SQLite too.
   */
  togetherNotices?: number;
  /** Devices of a sale's ship notice applied at once (by default INTAKE_LIMITS.noticePortionDevices); tests set it small. */
  noticePortionDevices?: number;
}

export interface IntakeDeps {
  db: Knex;
  mappings: Map<string, Mapping>;
  limits: IntakeLimits;
  /** Volume credit: where it is sold, its limits, and the key that seals redemption codes. */
  credit: CreditSettings;
  /** The reseller protocol's per-transaction limits (orders, devices). */
  transactions: TransactionLimits;
  /** How new rows are written (store/sets.ts): auto unless a test compares the two ways. */
  writeMode?: WriteMode;
}

/** The mapping every reseller-API request is read with (mappings/reseller-api.json). */
export const RESELLER_API_MAPPING = 'reseller-api';

export type ErrorWithMessage = DocumentError & { message: string };

export function describeError(error: DocumentError): ErrorWithMessage {
  const template: string = ERROR_CODES[error.code];
  let message = renderMessage(error);
  const at = error.params?.at;
  if (at !== undefined && !template.includes('{at}')) message += ` (${at})`;
  return { ...error, message };
}

export function newDocumentId(): string {
  return `doc_${randomUUID()}`;
}

/** The protocol's enrollment transaction id: a UUID, an underscore, epoch milliseconds. */
export function newEnrollmentId(nowMs: number): string {
  return `${randomUUID()}_${nowMs}`;
}

/** What a channel handed over. */
function sourceOf(req: IngestRequest): Source {
  if ((req.path === undefined) === (req.bytes === undefined)) throw new Error('invariant: a received document has a path or bytes, exactly one');
  return req.bytes !== undefined ? { bytes: req.bytes } : { path: req.path! };
}

/** Takes one received document through the pipeline, whatever its channel. */
export async function receive(deps: IntakeDeps, req: IngestRequest): Promise<IngestResult> {
  const supplier = await findSupplier(deps.db, req.partnerId);
  if (!supplier) throw new IntakeError(`unknown partner ${req.partnerId}: add it with "reseller add" first`);
  const source = sourceOf(req);
  const size = sourceSize(source);
  const sha256 = await sourceSha256(source);
  return withRetry(async () => {
    // Checked again on every attempt: a racing gateway may have taken the same bytes.
    const first = await findDocumentByHash(deps.db, supplier.pk, sha256);
    if (first && (await retriesRejectedRequest(deps.db, req, first))) {
      // A reseller-API request refused before it became a transaction (its context, a
      // limit) and sent again unchanged: the protocol's clients resend, so it runs again.
      return new DocumentRun(deps, req, supplier, source, { sha256, size, documentId: first.document_id, existingPk: first.id, replayOf: first }).execute();
    }
    if (first) return recordDuplicate(deps, req, first, sha256);
    return new DocumentRun(deps, req, supplier, source, { sha256, size, documentId: newDocumentId(), existingPk: null }).execute();
  });
}

async function retriesRejectedRequest(db: Knex, req: IngestRequest, first: DocumentRow): Promise<boolean> {
  return req.channel === 'reseller-api' && first.status === 'rejected' && (await findTransactionOfDocument(db, first.id)) === undefined;
}

/** Runs a rejected document through the pipeline again, as the same document, audited. */
export async function replayDocument(
  deps: IntakeDeps,
  documentId: string,
  actor: string,
  /** A mapping to read it with this time (when it was rejected for want of one). */
  mappingId?: string,
): Promise<IngestResult> {
  const doc = await findDocument(deps.db, documentId);
  if (!doc) throw new ReplayRefused({ code: 'GW-DOC-6012', params: { documentId } });
  if (doc.status !== 'rejected') throw new ReplayRefused({ code: 'GW-DOC-6011', params: { documentId, status: doc.status } });
  const supplier = (await findSupplierByPk(deps.db, doc.supplier_pk))!;
  const source: Source = { kept: { db: deps.db, sha256: doc.sha256, size: Number(doc.size_bytes) } };
  const req: IngestRequest = {
    partnerId: supplier.supplierId,
    channel: doc.channel as IngestRequest['channel'],
    fileName: doc.file_name,
    actor,
    ...(mappingId ? { mappingId } : doc.mapping_id ? { mappingId: doc.mapping_id } : {}),
  };
  return withRetry(() => new DocumentRun(deps, req, supplier, source, { sha256: doc.sha256, size: Number(doc.size_bytes), documentId, existingPk: doc.id, replayOf: doc }).execute());
}

export class ReplayRefused extends Error {
  constructor(readonly error: CodedError) {
    super(renderMessage(error));
  }
}

/** The most bytes a document of this format may have: JSON holds an order whole while it is read, so it has a bound of its own. */
export function documentSizeLimit(format: string, limits: Pick<IntakeLimits, 'maxDocumentBytes' | 'maxJsonDocumentBytes'>): number {
  return format === 'json' || format === 'reseller-api' ? limits.maxJsonDocumentBytes : limits.maxDocumentBytes;
}

/** How to run a rejected document again: the same bytes sent again are a duplicate of it. */
export function replayHint(documentId: string): ReplayHint {
  return { endpoint: `POST /v1/documents/${documentId}/replay`, command: `document replay ${documentId}` };
}

async function recordDuplicate(deps: IntakeDeps, req: IngestRequest, first: DocumentRow, sha256: string): Promise<IngestResult> {
  // Nothing new to keep (the bytes are the first document's); the channel's bookkeeping
  // still commits, so an SFTP claim of the duplicate is closed.
  if (req.claim) await deps.db.transaction((trx) => markClaimDone(trx, req.claim!.claimId, req.claim!.holder, first.document_id, 'duplicate'));
  const original = first.duplicate_of_pk !== null ? (await findDocumentByPk(deps.db, first.duplicate_of_pk)) ?? first : first;
  // A partner who fixed what made the first one fail (its mapping, an organisation) and
  // sent the file again is told how to replay the first instead.
  const replay = original.status === 'rejected' ? replayHint(original.document_id) : undefined;
  const error = describeError({
    code: 'GW-DOC-6003',
    params: {
      firstId: original.document_id,
      receivedAt: original.received_at,
      status: original.status,
      replay: replay
        ? ` Once its mapping or data is corrected, replay it instead of sending it again: ${replay.endpoint} (another mapping: header X-Gateway-Mapping), or on the command line ${replay.command} [--mapping ID].`
        : '',
      at: req.fileName,
    },
  });
  const transaction = await findTransactionOfDocument(deps.db, original.id);
  return {
    documentId: first.document_id,
    status: 'duplicate',
    channel: req.channel,
    duplicateOf: original.document_id,
    duplicateOfStatus: original.status,
    ...(replay ? { replay } : {}),
    format: first.format,
    mappingId: first.mapping_id,
    sha256,
    summary: { ...emptySummary() },
    errors: [error],
    enrolled: 0,
    ...(transaction ? { transaction: { kind: 'repeated', transactionId: transaction.transactionId, enrollmentId: transaction.enrollmentId, devicesEnrolled: 0 } } : {}),
  };
}

/** Thrown inside the document's transaction to roll it back; the errors are kept. */
class Rejected extends Error {
  constructor(readonly duplicateOf?: { documentPk: number; documentId: string }) {
    super('document rejected');
  }
}

/** Thrown inside a unit's savepoint to roll the unit back. */
class UnitRefused extends Error {}

interface RunIdentity {
  sha256: string;
  size: number;
  documentId: string;
  existingPk: number | null;
  replayOf?: DocumentRow;
}

type DocItem = Extract<ReadItem, { type: 'purchaseOrder' | 'shipNotice' }>;
type TransactionItem = Extract<ReadItem, { type: 'transaction' }>;
type NoticeItem = Extract<DocItem, { type: 'shipNotice' }>;

/** An X12 transaction set read whole: its key for the 997, its items, and the refusal it had before any was applied. */
interface ReadyUnit {
  unit: string;
  key: string;
  items: { seq: number; item: DocItem }[];
  refusal: DocumentError | undefined;
}

/** What applying one item came to: nothing refused it, or the error that did. */
type ItemApplied = DocumentError | undefined;

class DocumentRun {
  private readonly errors: DocumentError[] = [];
  private errorCount = 0;
  private fileFailed = false;
  /** Every interchange the file held, in order (a repeated one too), for the 997. */
  private readonly interchanges: X12InterchangeInfo[] = [];
  /** Control numbers of this file's interchanges so far: a repeat within the file is a duplicate. */
  private readonly interchangesInFile = new Set<string>();
  /** Set while reading an interchange that repeats an earlier one of this file: its sets are refused. */
  private repeatedInterchange: DocumentError | undefined;
  /** What became of each X12 set, by setKey (interchange index, unit). */
  private readonly setOutcomes = new Map<string, SetOutcome>();
  private unitBuffer: { seq: number; item: DocItem }[] = [];
  /** Complete X12 sets read and not yet applied: applied together when they can be (applyReadyUnits). */
  private readyUnits: ReadyUnit[] = [];
  /** Items outside units read and not yet applied: applied together when they can be (applyBatch). */
  private batch: { seq: number; item: DocItem }[] = [];
  private seq = 0;
  /** Items applied (or on file, or waiting): none with errors means the document is refused whole. */
  private itemsTaken = 0;
  private readonly read = emptySummary();
  private readonly now = new Date().toISOString();
  private documentPk = 0;
  private readonly touchedDocuments = new Set<number>();
  private readonly orgCache = new Map<string, Organisation[]>();
  /**
   * The order headers this document has written, as purchase_orders now holds them: a ship
   * notice under an order the same file brought (every row of a CSV ship notice carries its
   * order's header) does not read back what was just written.
   */
  private readonly headersWritten = new Map<string, OrderHeaderOnFile>();
  private format = 'unknown';
  private mapping: Mapping | null = null;
  /** Devices newly enrolled by this run, for the metrics once it commits. */
  private devicesEnrolled = 0;
  /** Devices refused one by one in the ship notices of the unit being applied (the 997's E). */
  private devicesRefusedInUnit = 0;
  /** A reseller-API request: the transaction it came to (applied, or repeated). */
  private receipt: TransactionReceipt | undefined;
  /** A reseller-API request: its transaction id and the language of its messages, once read. */
  private requestContext: { transactionId?: string; langCode: string } | undefined;
  /** A reseller-API transaction applied by this run: its status decides the document's. */
  private transactionStatus: TransactionOutcome['statusCode'] | undefined;

  private readonly writeMode: WriteMode;
  /** New devices, lines and history serials held to be written as large sets (store/sets.ts), on PostgreSQL. */
  private readonly held: HeldSets | undefined;
  /** Ship notices applied together at most (INTAKE_LIMITS.togetherNotices; 1: one by one). */
  private readonly togetherNotices: number;
  /** A larger sale's ship notice is applied in portions of this many devices (INTAKE_LIMITS.noticePortionDevices). */
  private readonly portionDevices: number;

  constructor(
    private readonly deps: IntakeDeps,
    private readonly req: IngestRequest,
    private readonly supplier: Supplier,
    private readonly source: Source,
    private readonly id: RunIdentity,
  ) {
    this.writeMode = deps.writeMode ?? 'auto';
    const heldSetRows = this.heldSetRows();
    this.held = heldSetRows > 0 ? new HeldSets(heldSetRows) : undefined;
    this.togetherNotices = deps.limits.togetherNotices ?? (isPostgres(deps.db) ? INTAKE_LIMITS.togetherNotices : 1);
    this.portionDevices = deps.limits.noticePortionDevices ?? INTAKE_LIMITS.noticePortionDevices;
  }

  /**
   * How many rows of each bulk table a document holds before writing them. On PostgreSQL
   * every COPY costs a few milliseconds of its own: a million-serial CSV took 22.7 s held
   * in sets of 20,000 rows against 30.4 s copied order by order (12.8 against 17.3 s of the
   * server's CPU). On SQLite a statement costs next to nothing: held (and written in runs of
   * an order, insertRows), the same file took 12.9 and 14.3 s and 270 MiB against 10.2 and
   * 13.6 s and 234 MiB written as each order applies.
   */
  private heldSetRows(): number {
    return this.deps.limits.heldSetRows ?? (isPostgres(this.deps.db) ? STORE_LIMITS.heldSetRows : 0);
  }

  /**
   * Keeps an error, up to the limit; past it, one GW-DOC-6008 says the list stops there.
   * The readers stop at the limit with a GW-DOC-6008 of their own, one past it: that one
   * is the one kept, else the partner would see 1,000 errors and never learn of more.
   */
  private addError(error: DocumentError): void {
    this.errorCount++;
    const max = this.deps.limits.maxErrorsPerDocument;
    if (this.errors.length < max) this.errors.push(error);
    else if (this.errors.length === max) this.errors.push(error.code === 'GW-DOC-6008' ? error : { code: 'GW-DOC-6008', params: { max } });
  }

  async execute(): Promise<IngestResult> {
    // The head is read only to detect a format: a named mapping needs none.
    const head = this.req.mappingId === undefined ? await sourceHead(this.source) : Buffer.alloc(0);
    const choice = chooseMapping(this.deps.mappings, this.supplier.supplierId, head, this.req.mappingId);
    this.format = choice.format;
    if (!choice.ok) {
      this.addError(choice.error);
      return this.recordRejection();
    }
    this.mapping = choice.mapping;
    const max = documentSizeLimit(choice.format, this.deps.limits);
    if (this.id.size > max) {
      this.addError({ code: 'GW-DOC-6002', params: { size: this.id.size, max, at: this.req.fileName } });
      return this.recordRejection();
    }
    // A large document's reader starts on its own thread now, while the bytes are kept.
    const thread = this.id.size >= this.readOffThreadBytes() ? new ReadingThread(choice.format, this.readContext()) : undefined;
    try {
      return await this.deps.db.transaction((trx) => this.applyWritingBehind(trx, thread));
    } catch (err) {
      if (!(err instanceof Rejected)) throw err;
      if (err.duplicateOf) return this.recordRejection('duplicate', err.duplicateOf);
      return this.recordRejection();
    } finally {
      await thread?.close();
    }
  }

  /**
   * From what size a document is read on a thread of its own. On SQLite the apply keeps its
   * thread busy, and reading beside it took a million-serial CSV from 10.3-10.8 to 9.3-9.8 s.
   * On PostgreSQL the apply mostly waits for the server, which shares the two cores: the
   * same file took 29.5-31.3 s read beside it against 28.4-28.8 s read in turn, and the
   * thread cost 25-40 MiB more (peak 220-252 MiB against 197-210): it reads in turn.
   */
  private readOffThreadBytes(): number {
    return this.deps.limits.readOffThreadBytes ?? (isPostgres(this.deps.db) ? Infinity : INTAKE_LIMITS.readOffThreadBytes);
  }

  /**
   * apply, its writes handed to the connection without waiting on PostgreSQL (store/write-behind.ts;
   * not when written row by row, the path the equivalence test compares with). Every write is
   * answered before the transaction commits or rolls back; if one failed, its error is the document's.
   */
  private async applyWritingBehind(trx: Knex.Transaction, thread: ReadingThread | undefined): Promise<IngestResult> {
    const behind = this.writeMode === 'rows' ? undefined : await openWriteBehind(trx);
    try {
      const result = await this.apply(trx, thread);
      await behind?.settle();
      return result;
    } catch (err) {
      if (!behind) throw err;
      await behind.answered();
      throw behind.failureOr(err);
    } finally {
      behind?.close();
    }
  }

  private readContext(): ReadContext {
    return {
      mapping: this.mapping!,
      fileName: this.req.fileName,
      limits: { maxLineBytes: INTAKE_LIMITS.maxLineBytes, maxErrors: this.deps.limits.maxErrorsPerDocument },
    };
  }

  private async apply(trx: Knex, thread: ReadingThread | undefined): Promise<IngestResult> {
    this.documentPk = await this.writeDocumentRow(trx, 'processing');
    // A replay starts from nothing: what an earlier run recorded (an API transaction's refused orders) goes.
    if (this.id.replayOf) await clearDocumentOutcome(trx, this.documentPk);
    await storeContent(trx, this.id.sha256, sourceChunks(this.source, INTAKE_LIMITS.contentChunkBytes, trx));
    const reader: DocumentReader = thread ? (input) => thread.items(input) : await readerFor(this.mapping!.format);
    let bytesRead = 0;
    const chunks = sourceChunks(this.source, INTAKE_LIMITS.readChunkBytes, trx);
    const onProgress = this.req.onProgress;
    const counted = async function* (): AsyncIterable<Buffer> {
      for await (const chunk of chunks) {
        bytesRead += chunk.length;
        onProgress?.(bytesRead, 0);
        yield chunk;
      }
    };
    let duplicateOf: { documentPk: number; documentId: string } | undefined;
    for await (const item of reader(counted(), this.readContext())) {
      switch (item.type) {
        case 'error':
          // What was read whole before the error is applied first, so errors keep their order.
          await this.applyBatch(trx);
          await this.applyReadyUnits(trx);
          this.addError(item.error);
          if (!item.error.unit) this.fileFailed = true;
          break;
        case 'x12InterchangeStart': {
          await this.applyBatch(trx);
          await this.flushUnit(trx);
          await this.applyReadyUnits(trx);
          const repeat = await this.checkInterchange(trx, item.controlNumber, item.at);
          if (repeat?.earlierDocument && !duplicateOf) {
            // An interchange another document brought: the whole file is a duplicate.
            duplicateOf = repeat.earlierDocument;
            this.addError(repeat.error);
            this.fileFailed = true;
          }
          this.repeatedInterchange = repeat && !repeat.earlierDocument ? repeat.error : undefined;
          break;
        }
        case 'x12Interchange':
          await this.flushUnit(trx);
          await this.applyReadyUnits(trx);
          this.interchanges.push(item.interchange);
          this.repeatedInterchange = undefined;
          break;
        case 'transaction': {
          await this.applyBatch(trx);
          const applied = await this.applyTransactionItem(trx, item);
          if (applied.duplicateOf) duplicateOf = applied.duplicateOf;
          if (applied.errors.length > 0 || applied.duplicateOf) {
            for (const error of applied.errors) this.addError(error);
            this.fileFailed = true;
          } else this.itemsTaken++;
          break;
        }
        default: {
          const seq = ++this.seq;
          this.countRead(item);
          if (this.fileFailed) break; // keep reading for errors; nothing more is applied
          if (item.unit) {
            await this.applyBatch(trx);
            if (this.unitBuffer.length > 0 && this.unitBuffer[0]!.item.unit !== item.unit) await this.flushUnit(trx);
            this.unitBuffer.push({ seq, item });
          } else {
            await this.flushUnit(trx);
            await this.applyReadyUnits(trx);
            this.batch.push({ seq, item });
            if (this.enoughTogether(this.batch)) await this.applyBatch(trx);
          }
        }
      }
    }
    onProgress?.(bytesRead, bytesRead);
    if (!this.fileFailed) await this.applyBatch(trx);
    if (!this.fileFailed) await this.flushUnit(trx);
    if (!this.fileFailed) await this.applyReadyUnits(trx);
    if (this.fileFailed) throw new Rejected(duplicateOf);
    if (this.read.purchaseOrders + this.read.shipNotices === 0 && this.itemsTaken === 0 && this.errorCount === 0) {
      this.addError({ code: 'GW-DOC-6007' });
      throw new Rejected();
    }
    // Every unit refused (X12 sets): nothing applied, so the document is rejected, and its
    // interchange control number stays free for the corrected file.
    if (this.itemsTaken === 0 && this.errorCount > 0) throw new Rejected();
    await this.held?.write(trx);
    for (const ic of this.interchanges) {
      const seen = await findInterchange(trx, this.supplier.pk, ic.controlNumber);
      if (!seen) await insertInterchange(trx, this.supplier.pk, ic.controlNumber, this.documentPk);
    }
    for (const pk of this.touchedDocuments) if (pk !== this.documentPk) await refreshDocumentStatus(trx, pk);
    const { status, summary } = await documentStatusOf(trx, this.documentPk, this.errorCount > 0, this.transactionStatus);
    await updateDocument(trx, this.documentPk, {
      status,
      summary_json: JSON.stringify(summary),
      errors_json: JSON.stringify(this.errors.map(describeError)),
      x12_json: this.frozenX12(true),
      processed_at: new Date().toISOString(),
      ...(this.id.replayOf ? { replays: this.id.replayOf.replays + 1 } : {}),
    });
    if (this.id.replayOf) await this.auditReplay(trx, status);
    if (this.req.claim) await markClaimDone(trx, this.req.claim.claimId, this.req.claim.holder, this.id.documentId, status);
    return this.result(status, summary);
  }

  /**
   * An interchange's control number against those seen: another document's (the file is
   * a duplicate of it) or an earlier one of this file (its sets are refused). Answers
   * undefined for a new one.
   */
  private async checkInterchange(
    trx: Knex,
    controlNumber: string,
    at: string,
  ): Promise<{ error: DocumentError; earlierDocument?: { documentPk: number; documentId: string } } | undefined> {
    const inFile = this.interchangesInFile.has(controlNumber);
    this.interchangesInFile.add(controlNumber);
    const seen = await findInterchange(trx, this.supplier.pk, controlNumber);
    if (seen && seen.document_pk !== this.documentPk) {
      const firstDoc = await findDocumentByPk(trx, seen.document_pk);
      const firstId = firstDoc?.document_id ?? '';
      return { error: { code: 'GW-DOC-6004', params: { controlNumber, firstId, at } }, earlierDocument: { documentPk: seen.document_pk, documentId: firstId } };
    }
    if (inFile) return { error: { code: 'GW-DOC-6004', params: { controlNumber, firstId: `${this.id.documentId} (earlier in this file)`, at } } };
    return undefined;
  }

  /** The interchanges with what became of each set: the 997's content, frozen now. */
  private frozenX12(applied: boolean): string | null {
    if (this.interchanges.length === 0) return null;
    return JSON.stringify(finalX12Results(this.interchanges, this.setOutcomes, applied));
  }

  private countRead(item: DocItem): void {
    if (item.type === 'purchaseOrder') this.read.purchaseOrders++;
    else {
      this.read.shipNotices++;
      this.read.devices += item.doc.devices.length;
    }
  }

  private async writeDocumentRow(trx: Knex, status: DocumentRow['status']): Promise<number> {
    const fields = {
      status,
      format: this.format,
      mapping_id: this.mapping?.id ?? null,
      mapping_sha256: this.mapping?.sha256 ?? null,
      acks_json: this.mapping ? JSON.stringify(this.mapping.acks) : null,
      summary_json: JSON.stringify(this.read),
      errors_json: JSON.stringify(this.errors.map(describeError)),
    };
    if (this.id.existingPk !== null) {
      await updateDocument(trx, this.id.existingPk, fields);
      return this.id.existingPk;
    }
    return insertDocument(trx, {
      ...fields,
      document_id: this.id.documentId,
      supplier_pk: this.supplier.pk,
      channel: this.req.channel,
      file_name: this.req.fileName.slice(0, 255),
      sha256: this.id.sha256,
      size_bytes: this.id.size,
      actor: this.req.actor.slice(0, 200),
      received_at: this.now,
      x12_json: null,
      processed_at: null,
    });
  }

  /** Nothing was applied: keep the document, its bytes and its errors, in a transaction of their own. */
  private async recordRejection(status: 'rejected' | 'duplicate' = 'rejected', duplicateOf?: { documentPk: number; documentId: string }): Promise<IngestResult> {
    return this.deps.db.transaction(async (trx) => {
      this.documentPk = await this.writeDocumentRow(trx, status);
      if (this.id.replayOf) await clearDocumentOutcome(trx, this.documentPk);
      if (this.id.size <= this.deps.limits.maxDocumentBytes) await storeContent(trx, this.id.sha256, sourceChunks(this.source, INTAKE_LIMITS.contentChunkBytes, trx));
      await updateDocument(trx, this.documentPk, {
        duplicate_of_pk: duplicateOf?.documentPk ?? null,
        x12_json: this.frozenX12(false),
        processed_at: new Date().toISOString(),
        ...(this.id.replayOf ? { replays: this.id.replayOf.replays + 1 } : {}),
      });
      if (this.id.replayOf) await this.auditReplay(trx, status);
      if (this.req.claim) await markClaimDone(trx, this.req.claim.claimId, this.req.claim.holder, this.id.documentId, status);
      const result = this.result(status, { ...this.read, devicesEnrolled: 0, devicesRefused: 0, devicesAwaiting: 0 });
      if (duplicateOf) result.duplicateOf = duplicateOf.documentId;
      return result;
    });
  }

  private async auditReplay(trx: Knex, status: string): Promise<void> {
    const detail = { documentId: this.id.documentId, status, previousStatus: this.id.replayOf?.status };
    await audit(trx, { actor: this.req.actor, origin: this.req.channel, action: 'document.replay', detail }, new Date().toISOString());
  }

  private result(status: DocumentStatus, summary: DocumentSummary): IngestResult {
    return {
      documentId: this.id.documentId,
      status,
      channel: this.req.channel,
      format: this.format,
      mappingId: this.mapping?.id ?? null,
      sha256: this.id.sha256,
      summary,
      errors: this.errors.map(describeError),
      enrolled: status === 'rejected' || status === 'duplicate' ? 0 : this.devicesEnrolled,
      ...(this.receipt ? { transaction: this.receipt } : {}),
      ...(this.requestContext ? { request: this.requestContext } : {}),
    };
  }

  /** The index of the interchange being read (it is filed when its IEA has been read). */
  private currentInterchange(): number {
    return this.interchanges.length;
  }

  /**
   * The X12 transaction set read so far is complete: applied now, or, on PostgreSQL, held
   * with the sets before it to be applied together (applyReadyUnits) until enough are.
   */
  private async flushUnit(trx: Knex): Promise<void> {
    const buffered = this.unitBuffer;
    this.unitBuffer = [];
    if (buffered.length === 0) return;
    const unit = buffered[0]!.item.unit!;
    const ready: ReadyUnit = {
      unit,
      key: setKey(this.currentInterchange(), unit),
      items: buffered,
      refusal: this.repeatedInterchange ? { ...this.repeatedInterchange, unit } : undefined,
    };
    if (ready.refusal || this.togetherNotices <= 1 || this.writeMode === 'rows') {
      await this.applyReadyUnits(trx);
      await this.applyUnit(trx, ready);
      return;
    }
    this.readyUnits.push(ready);
    if (this.enoughTogether(this.readyUnits.flatMap((u) => u.items))) await this.applyReadyUnits(trx);
  }

  /** Applies the complete sets held so far: together when they can be (applyUnitsTogether), else each in its savepoint. */
  private async applyReadyUnits(trx: Knex): Promise<void> {
    const ready = this.readyUnits;
    this.readyUnits = [];
    if (ready.length === 0) return;
    if (ready.length > 1 && (await this.applyUnitsTogether(trx, ready))) return;
    for (const unit of ready) await this.applyUnit(trx, unit);
  }

  /**
   * Sets of ship notices only, each notice under the header on file, that nothing ties
   * together (independentOfEachOther) and that the rules refuse none of: applied with one
   * load, decision and write, and no savepoint, as none is to be rolled back. Answers false,
   * having written nothing, when they are to be applied each in its savepoint.
   */
  private async applyUnitsTogether(trx: Knex, units: ReadyUnit[]): Promise<boolean> {
    const entries = units.flatMap((u) => u.items);
    const notices = entries.filter((e): e is { seq: number; item: NoticeItem } => e.item.type === 'shipNotice');
    if (notices.length !== entries.length) return false;
    const onFile = await findOrderHeadersOnFile(trx, this.supplier.pk, [...new Set(notices.map(({ item }) => item.doc.orderNumber))].filter((n) => !this.headersWritten.has(n)));
    const headers: OrderHeaderOnFile[] = [];
    for (const { item } of notices) {
      const header = this.headersWritten.get(item.doc.orderNumber) ?? onFile.get(item.doc.orderNumber);
      if (!header) return false; // it waits for its order
      headers.push(header);
    }
    if (!independentOfEachOther(notices.map(({ item }, i) => ({ notice: item.doc, header: headers[i]! })))) return false;
    const together = await this.decideTogether(trx, notices, headers);
    if (!together) return false;
    await this.writeTogether(trx, together, entries);
    for (const u of units) this.setOutcomes.set(u.key, { applied: true, withErrors: u.items.some(({ seq }) => together.decided.get(seq)!.refused > 0) });
    this.itemsTaken += entries.length;
    return true;
  }

  /** Applies the items of one X12 transaction set in a savepoint: all or none. */
  private async applyUnit(trx: Knex, { unit, key, items: buffered, refusal: refusedBefore }: ReadyUnit): Promise<void> {
    let refusal: DocumentError | undefined = refusedBefore;
    const enrolledBefore = this.devicesEnrolled;
    this.devicesRefusedInUnit = 0;
    if (!refusal) {
      this.held?.beginUnit();
      try {
        await inSavepoint(trx, async () => {
          for (const { seq, item } of buffered) {
            const error = await this.applyItem(trx, seq, item);
            if (error) {
              refusal = { ...error, unit };
              throw new UnitRefused();
            }
          }
        });
        this.held?.unitApplied();
        this.itemsTaken += buffered.length;
        this.setOutcomes.set(key, { applied: true, withErrors: this.devicesRefusedInUnit > 0 });
        return;
      } catch (err) {
        if (!(err instanceof UnitRefused)) throw err;
        this.held?.unitRolledBack();
      }
    }
    this.devicesEnrolled = enrolledBefore; // rolled back with the savepoint
    this.headersWritten.clear(); // and the headers it wrote with it
    this.addError(refusal!);
    this.setOutcomes.set(key, { applied: false });
    for (const { seq, item } of buffered) await this.recordRejectedItem(trx, seq, item, refusal!);
  }


  /** An item of a refused unit: recorded as rejected, each of its devices too, with the unit's refusal. */
  private async recordRejectedItem(trx: Knex, seq: number, item: DocItem, refusal: DocumentError): Promise<void> {
    await insertItem(trx, this.itemRow(seq, item, 'rejected', { error: refusal }));
    if (item.type === 'shipNotice') {
      await insertDeviceOutcomes(trx, this.noticeOutcomeRows(this.documentPk, seq, item.doc, () => ({ status: 'REJECTED', error: refusal })));
    }
  }

  private itemRow(
    seq: number,
    item: DocItem,
    status: ItemStatus,
    extra: { error?: CodedError; detail?: object; notice_json?: string | null; refused_count?: number } = {},
  ) {
    return {
      document_pk: this.documentPk,
      seq,
      unit: item.unit ?? null,
      kind: item.type,
      supplier_pk: this.supplier.pk,
      order_number: item.doc.orderNumber,
      delivery_number: item.type === 'shipNotice' ? item.doc.deliveryNumber : null,
      at: item.at.slice(0, DOCUMENT_LIMITS.locationChars),
      status,
      device_count: item.type === 'shipNotice' ? item.doc.devices.length : 0,
      refused_count: extra.refused_count ?? 0,
      outcome_json: extra.detail ? JSON.stringify(extra.detail) : null,
      notice_json: extra.notice_json ?? null,
      applied_by_document_pk: status === 'applied' || status === 'applied_with_errors' ? this.documentPk : null,
      updated_at: this.now,
      code: extra.error?.code ?? null,
      params_json: extra.error ? JSON.stringify(errorParams(extra.error)) : null,
    };
  }

  /** The outcome rows of a ship notice's devices, in the notice's order. */
  private noticeOutcomeRows(
    documentPk: number,
    itemSeq: number,
    notice: ShipNotice,
    outcomeOf: (index: number) => { status: DeviceOutcomeStatus; error?: CodedError },
  ): DeviceOutcomeRow[] {
    return notice.devices.map((d, i) => {
      const { status, error } = outcomeOf(i);
      return {
        document_pk: documentPk,
        item_seq: itemSeq,
        device_seq: i + 1,
        serial: d.serial.slice(0, FIELD_LIMITS.deviceIdChars),
        at: d.at.slice(0, DOCUMENT_LIMITS.locationChars),
        status,
        code: error?.code ?? null,
        params_json: error?.params ? JSON.stringify(error.params) : null,
      };
    });
  }

  /**
   * A reseller-API transaction: the partner rules first (its context, its limits), then
   * the transaction id (the same body again is a repeat of the first; another body is
   * refused), then the orders through the enrollment rules, one by one as the protocol
   * says, and every order, delivery and device's outcome as rows.
   */
  private async applyTransactionItem(trx: Knex, item: TransactionItem): Promise<{ errors: DocumentError[]; duplicateOf?: { documentPk: number; documentId: string } }> {
    const request = item.doc;
    this.requestContext = { ...(request.transactionId !== undefined ? { transactionId: request.transactionId } : {}), langCode: languageOf(request) };
    const shipToCode = shipToToLookUp(request);
    const shipTo = shipToCode ? await findShipTo(trx, shipToCode) : undefined;
    const checks = checkResellerTransaction(request, this.supplier, shipTo, this.deps.transactions);
    if (checks.context) return { errors: [checks.context] };
    if (checks.transaction.length > 0) return { errors: checks.transaction };
    const transactionId = request.transactionId!;
    const orders = request.orders!;
    const digest = transactionDigest(request);
    const previous = await findTransactionRecord(trx, this.supplier.pk, transactionId);
    if (previous && previous.documentPk !== this.documentPk) {
      if (previous.bodySha256 !== digest) return { errors: [{ code: 'GW-TX-3010', params: { transactionId } }] };
      this.receipt = { kind: 'repeated', transactionId, enrollmentId: previous.enrollmentId, devicesEnrolled: 0 };
      const first = await findDocumentByPk(trx, previous.documentPk);
      return { errors: [], duplicateOf: { documentPk: previous.documentPk, documentId: first?.document_id ?? '' } };
    }
    // This document's own transaction again (a replay): same enrollment id, applied anew.
    const enrollmentId = previous?.enrollmentId ?? newEnrollmentId(Date.now());
    const transactionPk =
      previous?.pk ??
      (await insertTransaction(trx, { supplierPk: this.supplier.pk, transactionId, enrollmentId, bodySha256: digest, documentPk: this.documentPk, receivedAt: this.now }));
    const customerIds = orders.map((o) => o.customerId).filter((c): c is string => typeof c === 'string');
    const world = await loadWorld(trx, this.supplier, orders, organisationKeys(this.supplier, customerIds), undefined, this.held);
    const { outcome, changes } = applyTransaction(world, this.supplier, orders, { asSets: this.writeMode !== 'rows' });
    await persistChanges(trx, this.supplier, world, changes, { transactionPk, document: `transaction ${enrollmentId}`, actor: this.req.actor, now: this.now, mode: this.writeMode, held: this.held });
    await this.recordTransactionOutcome(trx, outcome);
    await completeTransaction(trx, transactionPk, outcome.statusCode, new Date().toISOString());
    const enrolled = devicesEnrolled(changes);
    this.devicesEnrolled += enrolled;
    this.transactionStatus = outcome.statusCode;
    this.receipt = { kind: 'applied', transactionId, enrollmentId, devicesEnrolled: enrolled };
    return { errors: [] };
  }

  /** A transaction's outcome as rows: an item per order, then one per each of its deliveries with its devices. */
  private async recordTransactionOutcome(trx: Knex, outcome: TransactionOutcome): Promise<void> {
    const devices: DeviceOutcomeRow[] = [];
    const items: ReturnType<DocumentRun['outcomeItemRow']>[] = [];
    for (const [oi, order] of outcome.orders.entries()) {
      const orderAt = `/orders/${oi}`;
      const pending = order.status === 'GW-OR-4120';
      items.push(this.outcomeItemRow(++this.seq, 'order', order.orderNumber, null, orderAt, order.status, order.error, 0, 0));
      for (const [di, delivery] of order.deliveries.entries()) {
        const seq = ++this.seq;
        const deliveryAt = `${orderAt}/deliveries/${di}`;
        const refused = delivery.devices.filter((d) => d.status !== 'COMPLETE').length;
        items.push(this.outcomeItemRow(seq, 'delivery', order.orderNumber, delivery.deliveryNumber, deliveryAt, delivery.status, delivery.error, delivery.devices.length, refused));
        for (const [vi, device] of delivery.devices.entries()) {
          const { status, error } = deviceOutcomeStatus(device, pending);
          devices.push({
            document_pk: this.documentPk,
            item_seq: seq,
            device_seq: vi + 1,
            serial: device.deviceId.slice(0, FIELD_LIMITS.deviceIdChars),
            // Where it was in the request is its place in its delivery (device_seq).
            at: null,
            status,
            code: error?.code ?? null,
            params_json: error?.params ? JSON.stringify(error.params) : null,
          });
        }
      }
    }
    await insertItems(trx, items);
    await insertDeviceOutcomes(trx, devices);
  }

  private outcomeItemRow(
    seq: number,
    kind: 'order' | 'delivery',
    orderNumber: string,
    deliveryNumber: string | null,
    where: string,
    status: ItemStatus,
    error: CodedError | undefined,
    deviceCount: number,
    refusedCount: number,
  ) {
    return {
      document_pk: this.documentPk,
      seq,
      unit: null,
      kind,
      supplier_pk: this.supplier.pk,
      order_number: orderNumber.slice(0, FIELD_LIMITS.orderNumberChars),
      delivery_number: deliveryNumber === null ? null : deliveryNumber.slice(0, FIELD_LIMITS.deliveryNumberChars),
      at: where,
      status,
      device_count: deviceCount,
      refused_count: refusedCount,
      outcome_json: null,
      notice_json: null,
      applied_by_document_pk: this.documentPk,
      updated_at: this.now,
      code: error?.code ?? null,
      params_json: error?.params ? JSON.stringify(error.params) : null,
    };
  }

  /** Applies one document item; answers the error that refuses it, if any. */
  private async applyItem(trx: Knex, seq: number, item: DocItem): Promise<ItemApplied> {
    if (item.type === 'purchaseOrder') return this.applyPurchaseOrder(trx, seq, item, item.doc);
    return this.applyShipNotice(trx, seq, item, item.doc);
  }

  private organisationsFor(trx: Knex, customerId: string): Promise<Organisation[]> {
    return this.organisations(trx)(organisationKeys(this.supplier, [customerId]));
  }

  /**
   * Organisations as this document first loaded them, by what was asked: its orders name
   * the same few again and again (a million-serial file of 50 organisations asked 2,000
   * times for them, two statements each). Intake never changes an organisation, and a
   * document is one transaction: it sees them as they were when it first asked.
   */
  private organisations(trx: Knex): (query: OrganisationQuery) => Promise<Organisation[]> {
    return async (query) => {
      const key = JSON.stringify([query.orgIds ?? [], query.appleCustomerNumbers ?? [], query.pks ?? []].map((keys) => [...keys].map(String).sort()));
      let orgs = this.orgCache.get(key);
      if (!orgs) {
        orgs = await loadOrganisations(trx, query);
        this.orgCache.set(key, orgs);
      }
      return orgs;
    };
  }

  private async applyPurchaseOrder(trx: Knex, seq: number, item: DocItem, po: PurchaseOrder): Promise<ItemApplied> {
    const check = checkPurchaseOrder(await this.organisationsFor(trx, po.customerId), this.supplier, po);
    if (!check.ok) return at(check.error, item.at, item.unit);
    if (item.type === 'purchaseOrder' && item.impliedByShipment) {
      const onFile = await findOrderHeaderOnFile(trx, this.supplier.pk, po.orderNumber);
      const against = impliedOrderAgainstFile(po, onFile);
      if (typeof against === 'object') return at(against, item.at, item.unit);
      if (against === 'onFile') {
        // The order on file stands, its date and lines with it.
        await insertItem(trx, this.itemRow(seq, item, 'open', { detail: { orderDate: onFile!.orderDate, lines: [], impliedOrderOnFile: true } }));
        return undefined;
      }
    }
    const credit = await this.applyCredit(trx, po, check.org);
    if (!credit.ok) return at(credit.error, item.at, item.unit);
    const detail = purchaseOrderDetail(po);
    // A return or void of credit alone is a ledger movement against the credit order on
    // file: the order's header stays as it is (its ship notices still apply under it).
    if (credit.takeBackOnly) {
      await insertItem(trx, this.itemRow(seq, item, 'applied', { detail: { ...detail, credit: credit.outcome } }));
      return undefined;
    }
    const header = await this.filePurchaseOrders(trx, [{ po, org: check.org }]).then((headers) => headers[0]!);
    if (appliesOnArrival(po)) {
      const input = voidOrderInput(po);
      const world = await loadWorld(trx, this.supplier, [input], organisationKeys(this.supplier, [po.customerId]), this.organisations(trx), this.held);
      const { outcome, changes } = applyTransaction(world, this.supplier, [input]);
      const order = outcome.orders[0]!;
      if (order.error) return at(order.error, item.at, item.unit);
      await persistChanges(trx, this.supplier, world, changes, this.writeContext());
      await insertItem(trx, this.itemRow(seq, item, 'applied', { detail: { ...detail, orderStatus: order.status } }));
      return undefined;
    }
    await insertItem(trx, this.itemRow(seq, item, 'open', { detail: { ...detail, ...(credit.outcome ? { credit: credit.outcome } : {}) } }));
    // Ship notices that came first apply now, under this order's header.
    for (const waiting of await awaitingNotices(trx, this.supplier.pk, po.orderNumber)) {
      const applied = await this.applyNotice(trx, header, waiting.notice, waiting.document_pk, waiting.seq);
      this.touchedDocuments.add(waiting.document_pk);
      if ('error' in applied) {
        const error = at(applied.error, waiting.at);
        await updateItem(trx, waiting.id, {
          status: 'rejected',
          code: error.code,
          params_json: JSON.stringify(errorParams(error)),
          applied_by_document_pk: this.documentPk,
          updated_at: this.now,
        });
        await replaceItemDeviceOutcomes(trx, waiting.document_pk, waiting.seq, this.noticeOutcomeRows(waiting.document_pk, waiting.seq, waiting.notice, () => ({ status: 'REJECTED', error })));
        continue;
      }
      await updateItem(trx, waiting.id, {
        status: applied.status,
        code: applied.pending?.code ?? null,
        params_json: applied.pending ? JSON.stringify(errorParams(applied.pending)) : null,
        outcome_json: JSON.stringify(applied.detail),
        refused_count: applied.refused,
        notice_json: null,
        applied_by_document_pk: this.documentPk,
        updated_at: this.now,
      });
    }
    return undefined;
  }

  /** Files purchase orders as they are read (replacing those on file), and answers their headers as filed. */
  private async filePurchaseOrders(trx: Knex, orders: { po: PurchaseOrder; org: Organisation }[]): Promise<OrderHeaderOnFile[]> {
    await upsertPurchaseOrders(
      trx,
      orders.map(({ po, org }) => ({
        supplier_pk: this.supplier.pk,
        order_number: po.orderNumber,
        order_type: po.orderType,
        order_date: po.orderDate,
        customer_id: po.customerId,
        po_number: po.poNumber ?? null,
        org_pk: org.pk,
        lines_json: JSON.stringify(po.lines),
        document_pk: this.documentPk,
        updated_at: this.now,
      })),
    );
    return orders.map(({ po }) => {
      const header = headerOfPurchaseOrder(po);
      this.headersWritten.set(po.orderNumber, header);
      return header;
    });
  }

  /**
   * Whether items read and not yet applied are as many as are applied together: the
   * notices or their devices (INTAKE_LIMITS.togetherNotices, togetherDevices), or the items,
   * as a notice comes with its order's purchase order at most (a file of orders alone is
   * applied two by two).
   */
  private enoughTogether(items: { item: DocItem }[]): boolean {
    let notices = 0;
    let devices = 0;
    for (const { item } of items) {
      if (item.type !== 'shipNotice') continue;
      notices++;
      devices += item.doc.devices.length;
    }
    return notices >= this.togetherNotices || devices >= INTAKE_LIMITS.togetherDevices || items.length >= 2 * this.togetherNotices;
  }

  /**
   * Applies the items read outside units since the last call: together when they can be
   * (applyTogether), else one by one, stopping at the first refused, as the file is then
   * refused whole.
   */
  private async applyBatch(trx: Knex): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0 || this.fileFailed) return;
    if (this.writeMode !== 'rows' && (await this.applyTogether(trx, batch))) {
      this.itemsTaken += batch.length;
      return;
    }
    for (const { seq, item } of batch) {
      const error = await this.applyItem(trx, seq, item);
      if (error) {
        this.addError(error);
        this.fileFailed = true;
        return;
      }
      this.itemsTaken++;
    }
  }

  /**
   * Applies new orders and their ship notices in one load, one decision and one write, when
   * that comes to what applying them one by one would (domain/documents.ts
   * independentOfEachOther: no order or serial in two of them, nothing waiting, no credit);
   * and when the rules refuse none of them, since a refusal is reported as one by one
   * would. Answers false, having written nothing, when they are to be applied one by one.
   */
  private async applyTogether(trx: Knex, batch: { seq: number; item: DocItem }[]): Promise<boolean> {
    const notices = batch.filter((b): b is { seq: number; item: NoticeItem } => b.item.type === 'shipNotice');
    if (notices.length < 2) return false;
    const orders: { po: PurchaseOrder; org: Organisation }[] = [];
    for (const { item } of batch) {
      if (item.type !== 'purchaseOrder') continue;
      const check = checkPurchaseOrder(await this.organisationsFor(trx, item.doc.customerId), this.supplier, item.doc);
      if (!check.ok) return false;
      orders.push({ po: item.doc, org: check.org });
    }
    const onFile = await findOrderHeadersOnFile(trx, this.supplier.pk, [...new Set(batch.map(({ item }) => item.doc.orderNumber))].filter((n) => !this.headersWritten.has(n)));
    // An order of the file that is on file already applies as one by one says (impliedOrderAgainstFile).
    if (orders.some(({ po }) => onFile.has(po.orderNumber))) return false;
    if (orders.length > 0 && (await ordersAwaited(trx, this.supplier.pk, orders.map(({ po }) => po.orderNumber))).size > 0) return false;
    // Each notice under the header it would find one by one: its order's purchase order read before it, else the one on file.
    const filed = new Map<string, OrderHeaderOnFile>();
    const sequence: Parameters<typeof independentOfEachOther>[0] = [];
    const headers: OrderHeaderOnFile[] = [];
    for (const { item } of batch) {
      if (item.type === 'purchaseOrder') {
        filed.set(item.doc.orderNumber, headerOfPurchaseOrder(item.doc));
        sequence.push({ po: item.doc });
        continue;
      }
      const header = filed.get(item.doc.orderNumber) ?? this.headersWritten.get(item.doc.orderNumber) ?? onFile.get(item.doc.orderNumber);
      if (!header) return false; // it waits for its order
      sequence.push({ notice: item.doc, header });
      headers.push(header);
    }
    if (!independentOfEachOther(sequence)) return false;
    const together = await this.decideTogether(trx, notices, headers);
    if (!together) return false;
    await this.filePurchaseOrders(trx, orders);
    await this.writeTogether(trx, together, batch);
    return true;
  }

  /**
   * Ship notices, each under its header, through the enrollment rules as one transaction's
   * orders, with every device's outcome row; undefined when the rules refuse any of them
   * (its order or its delivery), as that is reported one by one.
   */
  private async decideTogether(trx: Knex, notices: { seq: number; item: NoticeItem }[], headers: OrderHeaderOnFile[]) {
    // A notice that may be applied in portions is applied on its own (applyNotice), as one by one gives the same.
    if (notices.some(({ item }) => item.doc.devices.length > this.portionDevices)) return undefined;
    const inputs = notices.map(({ item }, i) => orderInputForShipNotice(headers[i]!, item.doc));
    const customerIds = [...new Set(headers.map((h) => h.customerId))];
    const world = await loadWorld(trx, this.supplier, inputs, organisationKeys(this.supplier, customerIds), this.organisations(trx), this.held);
    const { outcome, changes } = applyTransaction(world, this.supplier, inputs, { asSets: this.writeMode !== 'rows' });
    const decided = new Map<number, { order: OrderOutcome; delivery: DeliveryOutcome; pending: boolean; rows: DeviceOutcomeRow[]; refused: number }>();
    for (const [i, { seq, item }] of notices.entries()) {
      const order = outcome.orders[i]!;
      const delivery = order.deliveries[0];
      const pending = order.status === 'GW-OR-4120';
      if ((order.error && !pending) || delivery?.error) return undefined;
      if (!delivery || delivery.devices.length !== item.doc.devices.length) {
        throw new Error(`invariant: ship notice ${item.doc.deliveryNumber} of order ${item.doc.orderNumber} has ${item.doc.devices.length} devices and ${delivery?.devices.length ?? 0} outcomes`);
      }
      const rows = this.noticeOutcomeRows(this.documentPk, seq, item.doc, (k) => deviceOutcomeStatus(delivery.devices[k]!, pending));
      decided.set(seq, { order, delivery, pending, rows, refused: rows.filter((r) => r.status === 'REFUSED').length });
    }
    return { world, changes, decided };
  }

  /** Writes what decideTogether decided, with an item row for each of `items` (purchase orders: open). */
  private async writeTogether(trx: Knex, together: NonNullable<Awaited<ReturnType<DocumentRun['decideTogether']>>>, items: { seq: number; item: DocItem }[]): Promise<void> {
    const { world, changes, decided } = together;
    await persistChanges(trx, this.supplier, world, changes, this.writeContext());
    this.devicesEnrolled += devicesEnrolled(changes);
    await insertDeviceOutcomes(trx, [...decided.values()].flatMap((d) => d.rows));
    await insertItems(
      trx,
      items.map(({ seq, item }) => {
        if (item.type === 'purchaseOrder') return this.itemRow(seq, item, 'open', { detail: purchaseOrderDetail(item.doc) });
        const d = decided.get(seq)!;
        return this.itemRow(seq, item, d.refused > 0 ? 'applied_with_errors' : 'applied', {
          ...(d.pending ? { error: d.order.error! } : {}),
          detail: { orderStatus: d.order.status, deliveryStatus: d.delivery.status },
          refused_count: d.refused,
        });
      }),
    );
  }

  /**
   * The order's volume credit: issued with an OR or OV, taken back by an RE or VD. What
   * is on file under the order number decides whether it is a take-back of credit alone.
   */
  private async applyCredit(
    trx: Knex,
    po: PurchaseOrder,
    org: Organisation,
  ): Promise<{ ok: true; outcome?: OrderCreditOutcome; takeBackOnly: boolean } | { ok: false; error: CodedError }> {
    const takeBack = po.orderType === 'RE' || po.orderType === 'VD';
    const onFile = {
      creditLines: takeBack && (await creditOrderOnFile(trx, this.supplier.pk, po.orderNumber)),
      enrollmentOrder: po.orderType === 'VD' && (await enrollmentOrderOnFile(trx, this.supplier.pk, po.orderNumber)),
    };
    const role = orderCreditRole(po, onFile);
    if (!role.movesCredit) return { ok: true, takeBackOnly: false };
    const result = await applyOrderCredit(trx, this.deps.credit, {
      supplier: this.supplier,
      org,
      po,
      documentPk: this.documentPk,
      actor: this.req.actor,
      now: this.now,
    });
    if (!result.ok) return result;
    return { ok: true, outcome: result.value, takeBackOnly: role.takeBackOnly };
  }

  private async applyShipNotice(trx: Knex, seq: number, item: DocItem, notice: ShipNotice): Promise<ItemApplied> {
    const header = this.headersWritten.get(notice.orderNumber) ?? (await findOrderHeaderOnFile(trx, this.supplier.pk, notice.orderNumber));
    if (!header) {
      const waiting: CodedError = { code: 'GW-DOC-6010', params: { deliveryNumber: notice.deliveryNumber, orderNumber: notice.orderNumber } };
      await insertItem(trx, this.itemRow(seq, item, 'awaiting_order', { error: waiting, notice_json: JSON.stringify(notice) }));
      await insertDeviceOutcomes(trx, this.noticeOutcomeRows(this.documentPk, seq, notice, () => ({ status: 'AWAITING_ORDER', error: waiting })));
      return undefined;
    }
    const applied = await this.applyNotice(trx, header, notice, this.documentPk, seq);
    if ('error' in applied) return at(applied.error, item.at, item.unit);
    this.devicesRefusedInUnit += applied.refused;
    await insertItem(
      trx,
      this.itemRow(seq, item, applied.status, {
        ...(applied.pending ? { error: applied.pending } : {}),
        detail: applied.detail,
        refused_count: applied.refused,
      }),
    );
    return undefined;
  }

  private writeContext(noticeDocument?: string) {
    // The document id leads to the file, partner and channel. A waiting ship notice names
    // both: the document it came in and the one whose order freed it (device_events.document
    // holds 120 characters).
    const document = noticeDocument ? `document ${noticeDocument} with order in ${this.id.documentId}` : `document ${this.id.documentId}`;
    return { transactionPk: null, document, actor: this.req.actor, now: this.now, mode: this.writeMode, held: this.held };
  }

  /**
   * A ship notice through the enrollment rules, as its order with this one delivery.
   * Refusal of the order or delivery refuses the notice; every device's outcome is
   * recorded against the document the notice came in (which may be an earlier one).
   */
  private async applyNotice(
    trx: Knex,
    header: OrderHeaderOnFile,
    notice: ShipNotice,
    documentPk: number,
    itemSeq: number,
  ): Promise<{ error: CodedError } | { status: 'applied' | 'applied_with_errors'; detail: object; refused: number; pending?: CodedError }> {
    const noticeDocument = documentPk === this.documentPk ? undefined : (await findDocumentByPk(trx, documentPk))?.document_id;
    // A large sale's notice in portions, each loaded, decided and written before the next is
    // read from the database: what a portion holds is bounded (INTAKE_LIMITS.noticePortionDevices).
    const portions = shipNoticePortions(header, notice, this.portionDevices);
    const applied: OrderOutcome[] = [];
    for (const portion of portions) {
      const input = orderInputForShipNotice(header, portion);
      const world = await loadWorld(trx, this.supplier, [input], organisationKeys(this.supplier, [header.customerId]), this.organisations(trx), this.held);
      const { outcome, changes } = applyTransaction(world, this.supplier, [input], { asSets: this.writeMode !== 'rows' });
      const order = outcome.orders[0]!;
      const delivery = order.deliveries[0];
      const refusal = order.error && order.status !== 'GW-OR-4120' ? order.error : delivery?.error;
      if (refusal) {
        // What refuses a sale's order or delivery is its header and the order on file, not its
        // devices: only a first portion can be refused, before anything of the notice is written.
        if (applied.length > 0) throw new Error(`invariant: ship notice ${notice.deliveryNumber} of order ${notice.orderNumber} refused after ${applied.length} of its portions applied`);
        return { error: refusal };
      }
      if (!delivery || delivery.devices.length !== portion.devices.length) {
        throw new Error(`invariant: ship notice ${notice.deliveryNumber} of order ${notice.orderNumber} has ${portion.devices.length} devices and ${delivery?.devices.length ?? 0} outcomes`);
      }
      await persistChanges(trx, this.supplier, world, changes, this.writeContext(noticeDocument));
      this.devicesEnrolled += devicesEnrolled(changes);
      applied.push(order);
    }
    const order = applied.length === 1 ? applied[0]! : outcomeOfPortions(applied);
    const delivery = order.deliveries[0]!;
    const pending = order.status === 'GW-OR-4120';
    const rows = this.noticeOutcomeRows(documentPk, itemSeq, notice, (i) => deviceOutcomeStatus(delivery.devices[i]!, pending));
    if (documentPk === this.documentPk) await insertDeviceOutcomes(trx, rows);
    else await replaceItemDeviceOutcomes(trx, documentPk, itemSeq, rows);
    const refused = rows.filter((r) => r.status === 'REFUSED').length;
    return {
      status: refused > 0 ? 'applied_with_errors' : 'applied',
      detail: { orderStatus: order.status, deliveryStatus: delivery.status },
      refused,
      ...(pending ? { pending: order.error! } : {}),
    };
  }
}

/** What an 855 says of an order, whatever comes of its ship notices. */
function purchaseOrderDetail(po: PurchaseOrder): { orderDate: string; lines: { lineNumber: string; partNumber: string; quantity: number }[] } {
  return { orderDate: po.orderDate, lines: po.lines.map((l) => ({ lineNumber: l.lineNumber, partNumber: l.partNumber, quantity: l.quantity })) };
}

/** An error's parameters without its unit: what its message is rendered from. */
function errorParams(error: CodedError): Record<string, unknown> {
  return { ...(error.params ?? {}) };
}

function at(error: CodedError, where: string, unit?: string): DocumentError {
  return { ...error, params: { ...error.params, at: where }, ...(unit ? { unit } : {}) };
}

/**
 * A document's status and counts from its items. A reseller-API transaction's status is
 * the protocol's, given as `transactionStatus`.
 */
async function documentStatusOf(
  trx: Knex,
  documentPk: number,
  hadErrors: boolean,
  transactionStatus?: TransactionOutcome['statusCode'],
): Promise<{ status: DocumentStatus; summary: DocumentSummary }> {
  const tallies: ItemTally[] = await itemTallies(trx, documentPk);
  const rolled = rollUpDocument(tallies, hadErrors);
  return { status: transactionStatus ? transactionDocumentStatus(transactionStatus) : rolled.status, summary: rolled.summary };
}

/** Recomputes an earlier document's status and counts after items of it changed (a waiting ship notice applied). */
export async function refreshDocumentStatus(trx: Knex, documentPk: number): Promise<{ status: DocumentStatus; summary: DocumentSummary }> {
  const { status, summary } = await documentStatusOf(trx, documentPk, false);
  await updateDocument(trx, documentPk, { status, summary_json: JSON.stringify(summary) });
  return { status, summary };
}
