// The acknowledgements of a received document, rendered from its outcome rows only: the
// document row (status, errors, the X12 envelopes with each set's frozen status), its
// items, and one row per device it named. Nothing here reads the received bytes again or
// needs the mapping that read them: which acks the partner wants was frozen with the document.
//   CSV:  a row per purchase order and per device (or per error of a rejected document)
//   JSON: the reseller API's check-transaction-status shape, per order, delivery, device
//   997:  per functional group received, each set A, E or R as it came out
//   855:  per 850, when the partner's mapping asks for it
import type { Knex } from 'knex';
import { csvAck, type AckLine, type AckLineStatus } from '../formats/csv/ack.js';
import { write855, type Ack855Input } from '../formats/x12/ack855.js';
import { write997 } from '../formats/x12/ack997.js';
import type { Mapping } from '../mapping/mapping.js';
import type { DeviceOutcomeStatus, DocumentSummary } from '../model/documents.js';
import { isErrorCode, type CodedError, type MessageParams } from '../model/error-codes.js';
import { renderMessage } from '../model/messages.js';
import type { X12InterchangeInfo } from '../model/x12.js';
import { findDocument, itemsOf, type DocumentRow, type ItemRow } from '../store/documents.js';
import { deviceOutcomesAfter, deviceOutcomesOf, refusedDeviceOutcomes, type DeviceOutcomeRow } from '../store/outcomes.js';
import type { ErrorWithMessage } from './receive.js';

export interface Ack {
  kind: 'csv' | 'json' | '997' | '855';
  fileName: string;
  contentType: string;
  body: string;
}

export interface AckDeps {
  db: Knex;
  mappings: Map<string, Mapping>;
}

function baseName(fileName: string): string {
  const name = fileName.split(/[\\/]/).pop() ?? fileName;
  return name.replace(/\.[A-Za-z0-9]{1,5}$/, '');
}

/** A document whose wanted acknowledgements are not known (GW-DOC-6021): refused, never answered with a guess. */
export class AcksUnknown extends Error {
  constructor(readonly error: CodedError) {
    super(renderMessage(error));
  }
}

/**
 * Which acknowledgements the partner wanted of this document: frozen with it when it was
 * read (documents.acks_json). A document from before that record has its mapping's, while
 * the mapping is loaded; one that no mapping read gets the default (its errors as CSV).
 */
function acksWanted(deps: AckDeps, doc: DocumentRow): Mapping['acks'] {
  if (doc.acks_json) return JSON.parse(doc.acks_json) as Mapping['acks'];
  if (!doc.mapping_id) return {};
  const mapping = deps.mappings.get(doc.mapping_id);
  if (!mapping) throw new AcksUnknown({ code: 'GW-DOC-6021', params: { documentId: doc.document_id, mappingId: doc.mapping_id } });
  return mapping.acks;
}

/** Every acknowledgement of a document, as files (named after the received file). */
export async function documentAcks(deps: AckDeps, documentId: string): Promise<Ack[]> {
  const doc = await findDocument(deps.db, documentId);
  if (!doc) return [];
  const wanted = acksWanted(deps, doc);
  const base = baseName(doc.file_name);
  const acks: Ack[] = [];
  if (doc.format === 'x12') {
    acks.push(...(await x12Acks(deps.db, doc, wanted, base)));
    if (acks.length > 0) return acks;
  }
  if (wanted.csv !== false) {
    const body = await csvAck({ documentId: doc.document_id, status: doc.status }, ackLines(deps.db, doc));
    acks.push({ kind: 'csv', fileName: `${base}.ack.csv`, contentType: 'text/csv; charset=utf-8', body });
  }
  if (doc.format === 'json') {
    acks.push({ kind: 'json', fileName: `${base}.ack.json`, contentType: 'application/json', body: JSON.stringify(await buildJsonReport(deps.db, doc), null, 2) });
  }
  return acks;
}

export async function documentAck(deps: AckDeps, doc: DocumentRow, kind?: Ack['kind']): Promise<Ack | undefined> {
  const acks = await documentAcks(deps, doc.document_id);
  return kind ? acks.find((a) => a.kind === kind) : acks[0];
}

function messageOf(code: string | null, params: MessageParams | null): string {
  if (!code) return '';
  return isErrorCode(code) ? renderMessage({ code, params: params ?? {} } as CodedError) : code;
}

function parse(json: string | null): MessageParams | null {
  return json ? (JSON.parse(json) as MessageParams) : null;
}

/** Rows for a document that applied nothing: one per error. */
function* errorLines(doc: DocumentRow): Iterable<AckLine> {
  const errors = JSON.parse(doc.errors_json) as ErrorWithMessage[];
  for (const e of errors) {
    yield { item: 0, at: String(e.params?.at ?? doc.file_name), kind: 'document', orderNumber: '', deliveryNumber: '', serial: '', status: 'REJECTED', code: e.code, message: e.message };
  }
}

const ITEM_LINE_STATUS: Partial<Record<ItemRow['status'], AckLineStatus>> = { open: 'OPEN', rejected: 'REJECTED' };

/** What the acknowledgement says of an order (a purchase order, a reseller-API order); GW-OR-4120 is a wait, not a refusal. */
function orderLineStatus(item: ItemRow): AckLineStatus {
  return ITEM_LINE_STATUS[item.status] ?? (item.code && item.code !== 'GW-OR-4120' ? 'REJECTED' : 'APPLIED');
}

function isOrderItem(item: ItemRow): boolean {
  return item.kind === 'purchaseOrder' || item.kind === 'order';
}

/**
 * A document's lines in the order it named them: each purchase order, and each device of
 * each ship notice, as the outcome rows say. A document that applied must have rows: an
 * item whose devices are missing is a broken invariant, not an empty acknowledgement.
 */
export async function* ackLines(db: Knex, doc: DocumentRow): AsyncIterable<AckLine> {
  if (doc.status === 'rejected' || doc.status === 'duplicate' || doc.status === 'processing') {
    yield* errorLines(doc);
    return;
  }
  const items = await itemsOf(db, doc.id);
  const devices = deviceOutcomesOf(db, doc.id)[Symbol.asyncIterator]();
  let next = await devices.next();
  for (const item of items) {
    const base = { item: item.seq, orderNumber: item.order_number, deliveryNumber: item.delivery_number ?? '' };
    if (isOrderItem(item)) {
      yield { ...base, at: item.at, kind: 'purchaseOrder', serial: '', status: orderLineStatus(item), code: item.code ?? '', message: messageOf(item.code, parse(item.params_json)) };
      continue;
    }
    let count = 0;
    while (!next.done && next.value.item_seq === item.seq) {
      const d: DeviceOutcomeRow = next.value;
      const { code, message } = deviceReason(d, item);
      yield { ...base, at: d.at ?? item.at, kind: 'shipNotice', serial: d.serial, status: d.status, code: code ?? '', message };
      count++;
      next = await devices.next();
    }
    if (count !== item.device_count) {
      throw new Error(`invariant: document ${doc.document_id} item ${item.seq} names ${item.device_count} devices, ${count} outcome rows`);
    }
  }
}

/** What a document's acknowledgement says of one device, for a page of them. */
export interface DeviceOutcomeLine {
  item: number;
  deviceSeq: number;
  serial: string;
  at: string | null;
  status: DeviceOutcomeStatus;
  code: string | null;
  message: string;
}

/**
 * A page of a document's device outcomes after (item, deviceSeq), of one status when
 * given, in the document's order, with the code and message its acknowledgement gives each
 * (a pending device's reason is its ship notice's).
 */
export async function deviceOutcomePage(
  db: Knex,
  doc: DocumentRow,
  opts: { status?: DeviceOutcomeStatus; after: { itemSeq: number; deviceSeq: number }; limit: number },
): Promise<DeviceOutcomeLine[]> {
  const rows = await deviceOutcomesAfter(db, doc.id, opts.after, opts.limit, opts.status);
  const needItems = rows.some((d) => (d.code === null && d.status === 'PENDING') || d.at === null);
  const items = needItems ? new Map((await itemsOf(db, doc.id)).map((i) => [i.seq, i])) : new Map<number, ItemRow>();
  return rows.map((d) => {
    const item = items.get(d.item_seq);
    return { item: d.item_seq, deviceSeq: d.device_seq, serial: d.serial, at: d.at ?? item?.at ?? null, status: d.status, ...deviceReason(d, item) };
  });
}

/** Why a device was refused or waits: its own code, or for a pending one its ship notice's (item). */
function deviceReason(d: DeviceOutcomeRow, item: ItemRow | undefined): { code: string | null; message: string } {
  if (d.code) return { code: d.code, message: messageOf(d.code, parse(d.params_json)) };
  if (d.status !== 'PENDING' || !item?.code) return { code: null, message: '' };
  return { code: item.code, message: messageOf(item.code, parse(item.params_json)) };
}

/** A device or an order of a document that was not taken, and why. */
export interface Refusal {
  item: number;
  orderNumber: string;
  deliveryNumber: string | null;
  /** The device; null when the order itself (with its lines) was refused. */
  serial: string | null;
  /** Where in the file ("line 12", "segment 57", "/orders/0"). */
  at: string | null;
  /** REFUSED: by the rules, the rest applied; REJECTED: with the unit (an X12 set, an order) that holds it. */
  status: 'REFUSED' | 'REJECTED';
  code: string | null;
  message: string;
}

/** A document's refusals: the first ones, how many there are, and where the rest are. */
export interface Refusals {
  listed: Refusal[];
  total: number;
  leftOff: number;
  /** Where all of them are listed (the acknowledgement), when some were left off; else null. */
  rest: string | null;
}

/**
 * The devices and orders a document named and that were not taken, from its outcome rows,
 * in the document's order: at most `max` listed, the rest counted. `rest` says where the
 * acknowledgement that lists them all is (a URL, a command).
 */
export async function documentRefusals(db: Knex, doc: DocumentRow, max: number, rest: string, itemsRead?: ItemRow[]): Promise<Refusals> {
  if (doc.status === 'rejected' || doc.status === 'duplicate' || doc.status === 'processing') return { listed: [], total: 0, leftOff: 0, rest: null };
  const items = itemsRead ?? (await itemsOf(db, doc.id));
  const bySeq = new Map(items.map((i) => [i.seq, i]));
  const orders: Refusal[] = items
    .filter((i) => isOrderItem(i) && orderLineStatus(i) === 'REJECTED')
    .map((i) => ({ item: i.seq, orderNumber: i.order_number, deliveryNumber: i.delivery_number, serial: null, at: i.at, status: 'REJECTED', code: i.code, message: messageOf(i.code, parse(i.params_json)) }));
  // Refused devices are counted on their item, and a refused unit's items are rejected:
  // without either, the device rows (a million, maybe) need not be searched.
  const devices = items.some((i) => i.refused_count > 0 || i.status === 'rejected') ? await refusedDeviceOutcomes(db, doc.id, max) : { rows: [], total: 0 };
  const deviceRefusals = devices.rows.map((d): Refusal => {
    const item = bySeq.get(d.item_seq);
    return {
      item: d.item_seq,
      orderNumber: item?.order_number ?? '',
      deliveryNumber: item?.delivery_number ?? null,
      serial: d.serial,
      at: d.at ?? item?.at ?? null,
      status: d.status as Refusal['status'],
      ...deviceReason(d, item),
    };
  });
  // An order has no devices of its own: within an item, orders come first.
  const listed = [...orders, ...deviceRefusals].sort((a, b) => a.item - b.item || (a.serial === null ? -1 : b.serial === null ? 1 : 0)).slice(0, max);
  const total = orders.length + devices.total;
  return { listed, total, leftOff: total - listed.length, rest: total > listed.length ? rest : null };
}

/** The refusals of the document a run came to; none for a duplicate (its document is the earlier one). */
export async function resultRefusals(db: Knex, result: { documentId: string; status: string }, max: number, rest: string): Promise<Refusals | undefined> {
  if (result.status === 'duplicate') return undefined;
  const doc = await findDocument(db, result.documentId);
  return doc ? documentRefusals(db, doc, max, rest) : undefined;
}

// ---- JSON report -------------------------------------------------------------------------

interface DeviceReport {
  deviceId: string;
  devicePostStatus: string;
  errorCode?: string;
  errorMessage?: string;
}
interface DeliveryReport {
  deliveryNumber: string;
  deliveryPostStatus: string;
  devices: DeviceReport[];
}
interface OrderReport {
  orderNumber: string;
  orderPostStatus: string;
  errorCode?: string;
  errorMessage?: string;
  deliveries: DeliveryReport[];
}

export interface JsonReport {
  documentId: string;
  status: string;
  fileName: string;
  receivedAt: string;
  summary: DocumentSummary;
  errors: unknown[];
  orders: OrderReport[];
}

/** Bounded by the document's JSON size limit, since JSON documents are the ones reported so. */
export async function buildJsonReport(db: Knex, doc: DocumentRow): Promise<JsonReport> {
  const orders = new Map<string, OrderReport>();
  for await (const r of ackLines(db, doc)) {
    if (r.kind === 'document') continue;
    let order = orders.get(r.orderNumber);
    if (!order) {
      order = { orderNumber: r.orderNumber, orderPostStatus: 'COMPLETE', deliveries: [] };
      orders.set(r.orderNumber, order);
    }
    if (r.kind === 'purchaseOrder') {
      order.orderPostStatus = r.status === 'REJECTED' ? 'ERROR' : 'COMPLETE';
      if (r.code) Object.assign(order, { errorCode: r.code, errorMessage: r.message });
      continue;
    }
    let delivery = order.deliveries.find((d) => d.deliveryNumber === r.deliveryNumber);
    if (!delivery) {
      delivery = { deliveryNumber: r.deliveryNumber, deliveryPostStatus: 'COMPLETE', devices: [] };
      order.deliveries.push(delivery);
    }
    const ok = r.status === 'ENROLLED' || r.status === 'PENDING';
    delivery.devices.push({ deviceId: r.serial, devicePostStatus: ok ? 'COMPLETE' : r.status, ...(r.code ? { errorCode: r.code, errorMessage: r.message } : {}) });
    if (!ok) delivery.deliveryPostStatus = 'POSTED_WITH_ERRORS';
    if (r.status === 'AWAITING_ORDER') delivery.deliveryPostStatus = 'AWAITING_ORDER';
  }
  return {
    documentId: doc.document_id,
    status: doc.status,
    fileName: doc.file_name,
    receivedAt: doc.received_at,
    summary: JSON.parse(doc.summary_json) as DocumentSummary,
    errors: JSON.parse(doc.errors_json) as unknown[],
    orders: [...orders.values()],
  };
}

// ---- X12 -----------------------------------------------------------------------------------

/** The acks' own control numbers: derived from the document's key, so a re-fetched ack is identical. */
function controlNumber(doc: DocumentRow, salt: number): string {
  return String((doc.id * 10 + salt) % 1_000_000_000).padStart(9, '0');
}

/** A 997 per interchange received (from the envelopes frozen at commit) and an 855 per 850 when asked for. */
async function x12Acks(db: Knex, doc: DocumentRow, wanted: Mapping['acks'], base: string): Promise<Ack[]> {
  // Only interchanges with a functional group read can be acknowledged by a 997; when not
  // even a GS could be read, the CSV ack lists the errors instead.
  const interchanges = (doc.x12_json ? (JSON.parse(doc.x12_json) as X12InterchangeInfo[]) : []).filter((ic) => ic.groups.length > 0);
  if (interchanges.length === 0) return [];
  const now = new Date(doc.processed_at ?? doc.received_at);
  const acks: Ack[] = [];
  if (wanted.x12_997 !== false) {
    const body = interchanges.map((ic, i) => write997(ic, { controlNumber: controlNumber(doc, i), now, lineBreak: '\n' })).join('');
    acks.push({ kind: '997', fileName: `${base}.997.edi`, contentType: 'application/edi-x12', body });
  }
  if (wanted.x12_855) {
    const orders = await purchaseOrderResults(db, doc);
    if (orders.length > 0) {
      const first = interchanges[0]!;
      const group = first.groups[0];
      const body = write855(orders, {
        controlNumber: controlNumber(doc, 9),
        now,
        senderQualifier: first.receiverQualifier,
        senderId: first.receiverId,
        receiverQualifier: first.senderQualifier,
        receiverId: first.senderId,
        applicationSender: group?.receiverCode ?? first.receiverId,
        applicationReceiver: group?.senderCode ?? first.senderId,
        // In the version the 850s came in (an interchange of 850s answered by one of 855s).
        ...(group?.version ? { version: group.version } : {}),
        ...(first.version !== undefined ? { isaVersion: first.version } : {}),
        ...(first.repetitionSeparator !== undefined ? { repetitionSeparator: first.repetitionSeparator } : {}),
        lineBreak: '\n',
      });
      acks.push({ kind: '855', fileName: `${base}.855.edi`, contentType: 'application/edi-x12', body });
    }
  }
  return acks;
}

interface PurchaseOrderDetail {
  orderDate: string;
  lines: { lineNumber: string; partNumber: string; quantity: number }[];
}

/** Each 850 of the document with what became of it, from its item rows. */
async function purchaseOrderResults(db: Knex, doc: DocumentRow): Promise<Ack855Input[]> {
  const rejectedWhole = doc.status === 'rejected' || doc.status === 'duplicate';
  const documentError = rejectedWhole ? (JSON.parse(doc.errors_json) as ErrorWithMessage[])[0] : undefined;
  const out: Ack855Input[] = [];
  for (const item of await itemsOf(db, doc.id)) {
    if (item.kind !== 'purchaseOrder' || !item.outcome_json) continue;
    const detail = JSON.parse(item.outcome_json) as PurchaseOrderDetail;
    const accepted = !rejectedWhole && item.status !== 'rejected';
    const error = documentError ?? (item.status === 'rejected' && item.code ? { code: item.code, message: messageOf(item.code, parse(item.params_json)) } : undefined);
    out.push({
      orderNumber: item.order_number,
      orderDate: detail.orderDate,
      status: accepted ? 'accepted' : 'rejected',
      ...(error ? { error: { code: error.code, message: error.message } } : {}),
      lines: detail.lines.map((l) => ({ lineNumber: l.lineNumber, partNumber: l.partNumber, quantity: l.quantity, accepted })),
    });
  }
  return out;
}
