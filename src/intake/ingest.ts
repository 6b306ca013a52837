// The intake pipeline: one path for every received file, whatever its channel.
//   keep the raw bytes (sha256) -> refuse duplicates -> pick the mapping -> read
//   (streaming) -> validate -> match -> apply through the enrollment rules, in one
//   database transaction per document -> record the outcome per item and device.
// A document is applied whole or not at all. The one exception is X12, whose unit is
// the transaction set: a refused set is rolled back (to a savepoint) and the others
// apply, as a 997 reports them. A rejected document keeps its bytes and errors, and
// can be replayed once the partner or organisation data is corrected.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, rmSync, statSync } from 'node:fs';
import type { Knex } from 'knex';
import { applyTransaction } from '../domain/enrollment.js';
import { appliesOnArrival, checkPurchaseOrder, orderInputForShipNotice, voidOrderInput } from '../domain/documents.js';
import { organisationKeys } from '../domain/matching.js';
import type { Organisation, Supplier } from '../model/state.js';
import type { DocumentError, ReadItem, X12InterchangeInfo } from '../formats/types.js';
import { readerFor } from '../formats/registry.js';
import type { Mapping } from '../mapping/mapping.js';
import { ERROR_CODES, type CodedError } from '../model/error-codes.js';
import { renderMessage } from '../model/messages.js';
import { withRetry } from '../store/db.js';
import {
  awaitingNotices,
  creditOrderOnFile,
  emptySummary,
  enrollmentOrderOnFile,
  findDocumentByHash,
  findDocumentByPk,
  findInterchange,
  findOrderHeaderOnFile,
  insertDeviceResults,
  insertDocument,
  insertInterchange,
  insertItem,
  storeContent,
  updateDocument,
  updateItem,
  upsertPurchaseOrder,
  type DeviceResultRow,
  type DocumentRow,
  type ItemStatus,
} from '../store/documents.js';
import { loadWorld, persistChanges } from '../store/enrollment-store.js';
import { loadOrganisations } from '../store/organisations.js';
import { findSupplier } from '../store/suppliers.js';
import { applyOrderCredit, type CreditSettings, type OrderCreditOutcome } from '../credit/ledger.js';
import { creditLinesOf } from '../domain/credit.js';
import { chooseMapping, readHead } from './detect.js';
import { gatewayMetrics } from '../metrics/metrics.js';
import type { IngestRequest, IngestResult } from './types.js';
import { INTAKE_LIMITS } from '../model/limits.js';
import type { OrderHeaderOnFile } from '../model/commands.js';
import type { DocumentStatus, DocumentSummary, PurchaseOrder, ShipNotice } from '../model/documents.js';

export interface IntakeLimits {
  maxDocumentBytes: number;
  maxJsonDocumentBytes: number;
  maxErrorsPerDocument: number;
}

export interface IntakeDeps {
  db: Knex;
  mappings: Map<string, Mapping>;
  limits: IntakeLimits;
  /** Volume credit: where it is sold, its limits, and the key that seals redemption codes. */
  credit: CreditSettings;
}

/** A channel's mistake (unknown partner, missing file), not the document's: no record is made. */
export class IntakeError extends Error {}


export type ErrorWithMessage = DocumentError & { message: string };

export function describeError(error: DocumentError): ErrorWithMessage {
  const template: string = ERROR_CODES[error.code];
  let message = renderMessage(error);
  const at = error.params?.at;
  if (at !== undefined && !template.includes('{at}')) message += ` (${at})`;
  return { ...error, message };
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: INTAKE_LIMITS.readChunkBytes }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

export function newDocumentId(): string {
  return `doc_${randomUUID()}`;
}

/** Takes one received file through the pipeline. */
export async function ingestFile(deps: IntakeDeps, req: IngestRequest): Promise<IngestResult> {
  const supplier = await findSupplier(deps.db, req.partnerId);
  if (!supplier) throw new IntakeError(`unknown partner ${req.partnerId}: add it with "reseller add" first`);
  let size: number;
  try {
    size = statSync(req.path).size;
  } catch (err) {
    throw new IntakeError(`cannot read ${req.path}: ${(err as Error).message}`);
  }
  const sha256 = await hashFile(req.path);
  const result = await withRetry(async () => {
    // Checked again on every attempt: a racing gateway may have taken the same bytes.
    const first = await findDocumentByHash(deps.db, supplier.pk, sha256);
    if (first) return recordDuplicate(deps, req, first, sha256);
    const run = new DocumentRun(deps, req, supplier, { sha256, size, documentId: newDocumentId(), existingPk: null });
    return run.execute();
  });
  // Counted once its outcome is committed (a retried attempt is not a second document).
  gatewayMetrics.documentReceived(req.channel, result.format, result.status);
  return result;
}

/** Runs a rejected document through the pipeline again, as the same document, audited. */
export async function replayDocument(
  deps: IntakeDeps,
  documentId: string,
  actor: string,
  writeTemp: (sha256: string) => Promise<string>,
  /** A mapping to read it with this time (when it was rejected for want of one). */
  mappingId?: string,
): Promise<IngestResult> {
  const doc = (await deps.db('documents').where({ document_id: documentId }).first()) as DocumentRow | undefined;
  if (!doc) throw new ReplayRefused({ code: 'GW-DOC-6012', params: { documentId } });
  if (doc.status !== 'rejected') throw new ReplayRefused({ code: 'GW-DOC-6011', params: { documentId, status: doc.status } });
  const supplier = (await deps.db('suppliers').where({ id: doc.supplier_pk }).first()) as { supplier_id: string } | undefined;
  const path = await writeTemp(doc.sha256);
  const req: IngestRequest = {
    partnerId: supplier!.supplier_id,
    channel: doc.channel as IngestRequest['channel'],
    fileName: doc.file_name,
    path,
    actor,
    ...(mappingId ? { mappingId } : doc.mapping_id ? { mappingId: doc.mapping_id } : {}),
  };
  const sup = (await findSupplier(deps.db, req.partnerId))!;
  try {
    return await withRetry(() =>
      new DocumentRun(deps, req, sup, { sha256: doc.sha256, size: Number(doc.size_bytes), documentId, existingPk: doc.id, replayOf: doc }).execute(),
    );
  } finally {
    rmSync(path, { force: true });
  }
}

export class ReplayRefused extends Error {
  constructor(readonly error: CodedError) {
    super(renderMessage(error));
  }
}

async function recordDuplicate(deps: IntakeDeps, req: IngestRequest, first: DocumentRow, sha256: string): Promise<IngestResult> {
  const error = describeError({ code: 'GW-DOC-6003', params: { firstId: first.document_id, receivedAt: first.received_at, at: req.fileName } });
  // Nothing new to keep (the bytes are the first document's); the channel's bookkeeping
  // still commits, so an SFTP claim of the duplicate is closed.
  if (req.beforeCommit) await deps.db.transaction((trx) => req.beforeCommit!(trx, first.document_id));
  return {
    documentId: first.document_id,
    status: 'duplicate',
    duplicateOf: first.document_id,
    format: first.format,
    mappingId: first.mapping_id,
    sha256,
    summary: { ...emptySummary() },
    errors: [error],
  };
}

/** Thrown inside the document's transaction to roll it back; the errors are kept. */
class Rejected extends Error {
  constructor(readonly duplicateOf?: { documentId: string; error: DocumentError }) {
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

class DocumentRun {
  private readonly errors: DocumentError[] = [];
  private errorCount = 0;
  private fileFailed = false;
  private readonly interchanges: X12InterchangeInfo[] = [];
  private unitBuffer: { seq: number; item: DocItem }[] = [];
  private seq = 0;
  /** Items applied (or on file, or waiting): none with errors means the document is refused whole. */
  private itemsTaken = 0;
  private readonly read = emptySummary();
  private readonly now = new Date().toISOString();
  private documentPk = 0;
  private readonly touchedDocuments = new Set<number>();
  private readonly orgCache = new Map<string, Organisation[]>();
  private format = 'unknown';
  private mapping: Mapping | null = null;
  /** Devices newly enrolled by this run, for the metrics once it commits. */
  private devicesEnrolled = 0;

  constructor(
    private readonly deps: IntakeDeps,
    private readonly req: IngestRequest,
    private readonly supplier: Supplier,
    private readonly id: RunIdentity,
  ) {}

  private addError(error: DocumentError): void {
    this.errorCount++;
    if (this.errors.length < this.deps.limits.maxErrorsPerDocument) this.errors.push(error);
  }

  async execute(): Promise<IngestResult> {
    const head = readHead(this.req.path);
    const choice = chooseMapping(this.deps.mappings, this.supplier.supplierId, head, this.req.mappingId);
    this.format = choice.format;
    if (!choice.ok) {
      this.addError(choice.error);
      return this.recordRejection();
    }
    this.mapping = choice.mapping;
    const max = choice.format === 'json' ? this.deps.limits.maxJsonDocumentBytes : this.deps.limits.maxDocumentBytes;
    if (this.id.size > max) {
      this.addError({ code: 'GW-DOC-6002', params: { size: this.id.size, max, at: this.req.fileName } });
      return this.recordRejection();
    }
    try {
      const result = await this.deps.db.transaction((trx) => this.apply(trx));
      gatewayMetrics.devicesEnrolled(this.req.channel, this.devicesEnrolled);
      return result;
    } catch (err) {
      if (!(err instanceof Rejected)) throw err;
      if (err.duplicateOf) return this.recordRejection('duplicate', err.duplicateOf.documentId);
      return this.recordRejection();
    }
  }

  private async apply(trx: Knex): Promise<IngestResult> {
    this.documentPk = await this.writeDocumentRow(trx, 'processing');
    await storeContent(trx, this.id.sha256, this.req.path);
    const reader = readerFor(this.mapping!.format);
    let bytesRead = 0;
    const stream = createReadStream(this.req.path, { highWaterMark: INTAKE_LIMITS.readChunkBytes });
    const onProgress = this.req.onProgress;
    const counted = async function* (): AsyncIterable<Buffer> {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        bytesRead += chunk.length;
        onProgress?.(bytesRead, 0);
        yield chunk;
      }
    };
    const ctx = {
      mapping: this.mapping!,
      fileName: this.req.fileName,
      limits: { maxLineBytes: INTAKE_LIMITS.maxLineBytes, maxErrors: this.deps.limits.maxErrorsPerDocument },
    };
    let duplicateOf: { documentId: string; error: DocumentError } | undefined;
    for await (const item of reader(counted(), ctx)) {
      switch (item.type) {
        case 'error':
          this.addError(item.error);
          if (!item.error.unit) this.fileFailed = true;
          break;
        case 'x12Interchange': {
          await this.flushUnit(trx);
          this.interchanges.push(item.interchange);
          const seen = await findInterchange(trx, this.supplier.pk, item.interchange.controlNumber);
          if (seen && seen.document_pk !== this.documentPk && !duplicateOf) {
            const firstDoc = await findDocumentByPk(trx, seen.document_pk);
            const error: DocumentError = {
              code: 'GW-DOC-6004',
              params: { controlNumber: item.interchange.controlNumber, firstId: firstDoc?.document_id ?? '', at: `${this.req.fileName}, ISA13` },
            };
            duplicateOf = { documentId: firstDoc?.document_id ?? '', error };
            this.addError(error);
            this.fileFailed = true;
          }
          break;
        }
        default: {
          const seq = ++this.seq;
          this.countRead(item);
          if (this.fileFailed) break; // keep reading for errors; nothing more is applied
          if (item.unit) {
            if (this.unitBuffer.length > 0 && this.unitBuffer[0]!.item.unit !== item.unit) await this.flushUnit(trx);
            this.unitBuffer.push({ seq, item });
          } else {
            await this.flushUnit(trx);
            const error = await this.applyItem(trx, seq, item);
            if (error) {
              this.addError(error);
              this.fileFailed = true;
            } else this.itemsTaken++;
          }
        }
      }
    }
    onProgress?.(bytesRead, bytesRead);
    if (!this.fileFailed) await this.flushUnit(trx);
    if (this.fileFailed) throw new Rejected(duplicateOf);
    if (this.read.purchaseOrders + this.read.shipNotices === 0 && this.errorCount === 0) {
      this.addError({ code: 'GW-DOC-6007' });
      throw new Rejected();
    }
    // Every unit refused (X12 sets): nothing applied, so the document is rejected, and its
    // interchange control number stays free for the corrected file.
    if (this.itemsTaken === 0 && this.errorCount > 0) throw new Rejected();
    for (const ic of this.interchanges) {
      const seen = await findInterchange(trx, this.supplier.pk, ic.controlNumber);
      if (!seen) await insertInterchange(trx, this.supplier.pk, ic.controlNumber, this.documentPk);
    }
    for (const pk of this.touchedDocuments) if (pk !== this.documentPk) await refreshDocumentStatus(trx, pk);
    const { status, summary } = await refreshDocumentStatus(trx, this.documentPk, this.errorCount > 0);
    await updateDocument(trx, this.documentPk, {
      errors_json: JSON.stringify(this.errors.map(describeError)),
      x12_json: this.interchanges.length > 0 ? JSON.stringify(this.interchanges) : null,
      processed_at: new Date().toISOString(),
      ...(this.id.replayOf ? { replays: this.id.replayOf.replays + 1 } : {}),
    });
    if (this.id.replayOf) await this.auditReplay(trx, status);
    await this.req.beforeCommit?.(trx, this.id.documentId);
    return this.result(status, summary);
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
  private async recordRejection(status: 'rejected' | 'duplicate' = 'rejected', duplicateOf?: string): Promise<IngestResult> {
    return this.deps.db.transaction(async (trx) => {
      this.documentPk = await this.writeDocumentRow(trx, status);
      if (this.id.size <= this.deps.limits.maxDocumentBytes) await storeContent(trx, this.id.sha256, this.req.path);
      await updateDocument(trx, this.documentPk, {
        x12_json: this.interchanges.length > 0 ? JSON.stringify(this.interchanges) : null,
        processed_at: new Date().toISOString(),
        ...(this.id.replayOf ? { replays: this.id.replayOf.replays + 1 } : {}),
      });
      if (this.id.replayOf) await this.auditReplay(trx, status);
      await this.req.beforeCommit?.(trx, this.id.documentId);
      const result = this.result(status, { ...this.read, devicesEnrolled: 0, devicesRefused: 0, devicesAwaiting: 0 });
      if (duplicateOf) result.duplicateOf = duplicateOf;
      return result;
    });
  }

  private async auditReplay(trx: Knex, status: string): Promise<void> {
    await trx('audit_log').insert({
      at: new Date().toISOString(),
      actor: this.req.actor.slice(0, 120),
      origin: this.req.channel,
      action: 'document.replay',
      detail_json: JSON.stringify({ documentId: this.id.documentId, status, previousStatus: this.id.replayOf?.status }),
    });
  }

  private result(status: DocumentStatus, summary: DocumentSummary): IngestResult {
    return {
      documentId: this.id.documentId,
      status,
      format: this.format,
      mappingId: this.mapping?.id ?? null,
      sha256: this.id.sha256,
      summary,
      errors: this.errors.map(describeError),
    };
  }

  /** Applies the buffered items of one X12 transaction set in a savepoint: all or none. */
  private async flushUnit(trx: Knex): Promise<void> {
    const buffered = this.unitBuffer;
    this.unitBuffer = [];
    if (buffered.length === 0) return;
    const unit = buffered[0]!.item.unit!;
    let refusal: DocumentError | undefined;
    const enrolledBefore = this.devicesEnrolled;
    try {
      await trx.transaction(async (sp) => {
        for (const { seq, item } of buffered) {
          const error = await this.applyItem(sp, seq, item);
          if (error) {
            refusal = { ...error, unit };
            throw new UnitRefused();
          }
        }
      });
      this.itemsTaken += buffered.length;
    } catch (err) {
      if (!(err instanceof UnitRefused)) throw err;
      this.devicesEnrolled = enrolledBefore; // rolled back with the savepoint
      this.addError(refusal!);
      for (const { seq, item } of buffered) {
        await insertItem(trx, this.itemRow(seq, item, 'rejected', { outcome_json: JSON.stringify({ error: describeError(refusal!) }) }));
      }
    }
  }

  private itemRow(seq: number, item: DocItem, status: ItemStatus, extra: { outcome_json?: string | null; notice_json?: string | null; refused_count?: number } = {}) {
    return {
      document_pk: this.documentPk,
      seq,
      unit: item.unit ?? null,
      kind: item.type,
      supplier_pk: this.supplier.pk,
      order_number: item.doc.orderNumber,
      delivery_number: item.type === 'shipNotice' ? item.doc.deliveryNumber : null,
      at: item.at.slice(0, 200),
      status,
      device_count: item.type === 'shipNotice' ? item.doc.devices.length : 0,
      refused_count: extra.refused_count ?? 0,
      outcome_json: extra.outcome_json ?? null,
      notice_json: extra.notice_json ?? null,
      applied_by_document_pk: status === 'applied' || status === 'applied_with_errors' ? this.documentPk : null,
      updated_at: this.now,
    };
  }

  /** Applies one document item; answers the error that refuses it, if any. */
  private async applyItem(trx: Knex, seq: number, item: DocItem): Promise<DocumentError | undefined> {
    if (item.type === 'purchaseOrder') return this.applyPurchaseOrder(trx, seq, item, item.doc);
    return this.applyShipNotice(trx, seq, item, item.doc);
  }

  private async organisationsFor(trx: Knex, customerId: string): Promise<Organisation[]> {
    let orgs = this.orgCache.get(customerId);
    if (!orgs) {
      orgs = await loadOrganisations(trx, organisationKeys(this.supplier, [customerId]));
      this.orgCache.set(customerId, orgs);
    }
    return orgs;
  }

  private async applyPurchaseOrder(trx: Knex, seq: number, item: DocItem, po: PurchaseOrder): Promise<DocumentError | undefined> {
    const check = checkPurchaseOrder(await this.organisationsFor(trx, po.customerId), this.supplier, po);
    if (!check.ok) return at(check.error, item.at, item.unit);
    const credit = await this.applyCredit(trx, po, check.org);
    if (!credit.ok) return at(credit.error, item.at, item.unit);
    // A return or void of credit alone is a ledger movement against the credit order on
    // file: the order's header stays as it is (its ship notices still apply under it).
    if (credit.takeBackOnly) {
      await insertItem(trx, this.itemRow(seq, item, 'applied', { outcome_json: JSON.stringify({ credit: credit.outcome }) }));
      return undefined;
    }
    await upsertPurchaseOrder(trx, {
      supplier_pk: this.supplier.pk,
      order_number: po.orderNumber,
      order_type: po.orderType,
      order_date: po.orderDate,
      customer_id: po.customerId,
      po_number: po.poNumber ?? null,
      org_pk: check.org.pk,
      lines_json: JSON.stringify(po.lines),
      document_pk: this.documentPk,
      updated_at: this.now,
    });
    if (appliesOnArrival(po)) {
      const input = voidOrderInput(po);
      const world = await loadWorld(trx, this.supplier, [input], organisationKeys(this.supplier, [po.customerId]));
      const { outcome, changes } = applyTransaction(world, this.supplier, [input]);
      const order = outcome.orders[0]!;
      if (order.error) return at(order.error, item.at, item.unit);
      await persistChanges(trx, this.supplier, world, changes, this.writeContext());
      await insertItem(trx, this.itemRow(seq, item, 'applied', { outcome_json: JSON.stringify({ orderStatus: order.status }) }));
      return undefined;
    }
    await insertItem(
      trx,
      this.itemRow(seq, item, 'open', { outcome_json: JSON.stringify({ lines: po.lines.length, ...(credit.outcome ? { credit: credit.outcome } : {}) }) }),
    );
    // Ship notices that came first apply now, under this order's header.
    const header: OrderHeaderOnFile = {
      orderNumber: po.orderNumber,
      orderType: po.orderType,
      orderDate: po.orderDate,
      customerId: po.customerId,
      poNumber: po.poNumber ?? null,
    };
    for (const waiting of await awaitingNotices(trx, this.supplier.pk, po.orderNumber)) {
      const applied = await this.applyNotice(trx, header, waiting.notice, waiting.document_pk, waiting.seq);
      this.touchedDocuments.add(waiting.document_pk);
      if ('error' in applied) {
        await updateItem(trx, waiting.id, {
          status: 'rejected',
          outcome_json: JSON.stringify({ error: describeError(at(applied.error, waiting.at)) }),
          applied_by_document_pk: this.documentPk,
          updated_at: this.now,
        });
        continue;
      }
      await updateItem(trx, waiting.id, {
        status: applied.status,
        outcome_json: applied.outcomeJson,
        refused_count: applied.refused,
        notice_json: null,
        applied_by_document_pk: this.documentPk,
        updated_at: this.now,
      });
    }
    return undefined;
  }

  /**
   * The order's volume credit: issued with an OR or OV, taken back by an RE or VD. A VD of
   * an order that had only credit on file has no enrollment order to void.
   */
  private async applyCredit(
    trx: Knex,
    po: PurchaseOrder,
    org: Organisation,
  ): Promise<{ ok: true; outcome?: OrderCreditOutcome; takeBackOnly: boolean } | { ok: false; error: CodedError }> {
    const hasCreditLines = creditLinesOf(po).length > 0;
    const hasDeviceLines = po.lines.some((l) => l.type === 'device');
    const takeBack = po.orderType === 'RE' || po.orderType === 'VD';
    const creditOnFile = takeBack && (await creditOrderOnFile(trx, this.supplier.pk, po.orderNumber));
    if (!hasCreditLines && !creditOnFile) return { ok: true, takeBackOnly: false };
    const result = await applyOrderCredit(trx, this.deps.credit, {
      supplier: this.supplier,
      org,
      po,
      documentPk: this.documentPk,
      actor: this.req.actor,
      now: this.now,
    });
    if (!result.ok) return result;
    const enrollmentOrder = po.orderType === 'VD' && (await enrollmentOrderOnFile(trx, this.supplier.pk, po.orderNumber));
    const takeBackOnly = takeBack && !hasDeviceLines && !enrollmentOrder;
    return { ok: true, outcome: result.value, takeBackOnly };
  }

  private async applyShipNotice(trx: Knex, seq: number, item: DocItem, notice: ShipNotice): Promise<DocumentError | undefined> {
    const header = await findOrderHeaderOnFile(trx, this.supplier.pk, notice.orderNumber);
    if (!header) {
      await insertItem(
        trx,
        this.itemRow(seq, item, 'awaiting_order', {
          notice_json: JSON.stringify(notice),
          outcome_json: JSON.stringify({ notice: describeError({ code: 'GW-DOC-6010', params: { deliveryNumber: notice.deliveryNumber, orderNumber: notice.orderNumber } }) }),
        }),
      );
      return undefined;
    }
    const applied = await this.applyNotice(trx, header, notice, this.documentPk, seq);
    if ('error' in applied) return at(applied.error, item.at, item.unit);
    await insertItem(trx, this.itemRow(seq, item, applied.status, { outcome_json: applied.outcomeJson, refused_count: applied.refused }));
    return undefined;
  }

  private writeContext(noticeDocument?: string) {
    // The document id leads to the file, partner and channel. A waiting ship notice names
    // both: the document it came in and the one whose order freed it (device_events.document
    // holds 120 characters).
    const document = noticeDocument ? `document ${noticeDocument} with order in ${this.id.documentId}` : `document ${this.id.documentId}`;
    return { transactionPk: null, document, actor: this.req.actor, now: this.now };
  }

  /**
   * A ship notice through the enrollment rules, as its order with this one delivery.
   * Refusal of the order or delivery refuses the notice; refused devices are recorded
   * against the document the notice came in (which may be an earlier one).
   */
  private async applyNotice(
    trx: Knex,
    header: OrderHeaderOnFile,
    notice: ShipNotice,
    documentPk: number,
    itemSeq: number,
  ): Promise<{ error: CodedError } | { status: 'applied' | 'applied_with_errors'; outcomeJson: string; refused: number }> {
    const input = orderInputForShipNotice(header, notice);
    const world = await loadWorld(trx, this.supplier, [input], organisationKeys(this.supplier, [header.customerId]));
    const { outcome, changes } = applyTransaction(world, this.supplier, [input]);
    const order = outcome.orders[0]!;
    const delivery = order.deliveries[0];
    const pending = order.status === 'GW-OR-4120';
    if (order.error && !pending) return { error: order.error };
    if (delivery?.error) return { error: delivery.error };
    const noticeDocument = documentPk === this.documentPk ? undefined : (await findDocumentByPk(trx, documentPk))?.document_id;
    await persistChanges(trx, this.supplier, world, changes, this.writeContext(noticeDocument));
    this.devicesEnrolled += changes.events.filter((e) => e.kind === 'enrolled').length;
    const refused: DeviceResultRow[] = [];
    for (const d of delivery?.devices ?? []) {
      if (d.status === 'COMPLETE') continue;
      refused.push({
        document_pk: documentPk,
        item_seq: itemSeq,
        serial: d.deviceId.slice(0, 20),
        status: 'refused',
        code: d.error?.code ?? d.status,
        params_json: d.error?.params ? JSON.stringify(d.error.params) : null,
      });
    }
    await insertDeviceResults(trx, refused);
    const outcomeJson = JSON.stringify({
      orderStatus: order.status,
      deliveryStatus: delivery?.status ?? null,
      ...(pending ? { pending: describeError(order.error!) } : {}),
    });
    return { status: refused.length > 0 ? 'applied_with_errors' : 'applied', outcomeJson, refused: refused.length };
  }
}

function at(error: CodedError, where: string, unit?: string): DocumentError {
  return { ...error, params: { ...error.params, at: where }, ...(unit ? { unit } : {}) };
}

/** Recomputes a document's status and counts from its items (after items of it changed). */
export async function refreshDocumentStatus(trx: Knex, documentPk: number, hadErrors = false): Promise<{ status: DocumentStatus; summary: DocumentSummary }> {
  const rows = (await trx('document_items')
    .where({ document_pk: documentPk })
    .select('kind', 'status')
    .count({ n: '*' })
    .sum({ devices: 'device_count', refused: 'refused_count' })
    .groupBy('kind', 'status')) as { kind: string; status: ItemStatus; n: number | string; devices: number | string | null; refused: number | string | null }[];
  const summary = emptySummary();
  let awaiting = false;
  let withErrors = hadErrors;
  for (const r of rows) {
    const n = Number(r.n);
    const devices = Number(r.devices ?? 0);
    const refused = Number(r.refused ?? 0);
    if (r.kind === 'purchaseOrder') summary.purchaseOrders += n;
    else {
      summary.shipNotices += n;
      summary.devices += devices;
    }
    if (r.status === 'awaiting_order') {
      awaiting = true;
      summary.devicesAwaiting += devices;
    } else if (r.status === 'rejected') {
      withErrors = true;
      summary.devicesRefused += devices;
    } else if (r.kind === 'shipNotice') {
      summary.devicesRefused += refused;
      summary.devicesEnrolled += devices - refused;
      if (refused > 0) withErrors = true;
    }
  }
  const status: DocumentStatus = withErrors ? 'applied_with_errors' : awaiting ? 'awaiting_order' : 'applied';
  await updateDocument(trx, documentPk, { status, summary_json: JSON.stringify(summary) });
  return { status, summary };
}
