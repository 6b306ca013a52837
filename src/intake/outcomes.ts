// What became of each line of a document: one row per purchase order and per shipped
// device, from the real results. Accepted devices are not stored one by one; the raw
// document is re-read (the same reader and mapping, so items come in the same order)
// and joined with the stored items and device refusals. Memory stays flat.
import type { Knex } from 'knex';
import { readerFor } from '../formats/registry.js';
import type { Mapping } from '../mapping/mapping.js';
import type { CodedError } from '../model/error-codes.js';
import { isErrorCode } from '../model/error-codes.js';
import { renderMessage } from '../model/messages.js';
import { deviceResultsOf, itemsOf, readContent, type DocumentRow, type ItemRow } from '../store/documents.js';
import type { ErrorWithMessage } from './ingest.js';
import { INTAKE_LIMITS } from '../model/limits.js';

export type LineStatus = 'ENROLLED' | 'PENDING' | 'REFUSED' | 'AWAITING_ORDER' | 'OPEN' | 'APPLIED' | 'REJECTED';

export interface OutcomeRow {
  item: number;
  at: string;
  kind: 'purchaseOrder' | 'shipNotice' | 'document';
  orderNumber: string;
  deliveryNumber: string;
  serial: string;
  status: LineStatus;
  code: string;
  message: string;
}

interface StoredOutcome {
  error?: ErrorWithMessage;
  pending?: ErrorWithMessage;
  notice?: ErrorWithMessage;
}

/** Rows for a document that applied nothing: one per error. */
export function* errorRows(doc: DocumentRow): Iterable<OutcomeRow> {
  const errors = JSON.parse(doc.errors_json) as ErrorWithMessage[];
  for (const e of errors) {
    yield {
      item: 0,
      at: String(e.params?.at ?? doc.file_name),
      kind: 'document',
      orderNumber: '',
      deliveryNumber: '',
      serial: '',
      status: 'REJECTED',
      code: e.code,
      message: e.message,
    };
  }
}

export async function* outcomeRows(db: Knex, doc: DocumentRow, mapping: Mapping): AsyncIterable<OutcomeRow> {
  if (doc.status === 'rejected' || doc.status === 'duplicate' || doc.status === 'processing') {
    yield* errorRows(doc);
    return;
  }
  const items = new Map<number, ItemRow>();
  for (const item of await itemsOf(db, doc.id)) items.set(item.seq, item);
  const refused = new Map<string, { code: string | null; params: Record<string, string | number> | null }>();
  for (const r of await deviceResultsOf(db, doc.id)) {
    refused.set(`${r.item_seq}\u0000${r.serial}`, { code: r.code, params: r.params_json ? JSON.parse(r.params_json) : null });
  }
  const reader = readerFor(mapping.format);
  const ctx = { mapping, fileName: doc.file_name, limits: { maxLineBytes: INTAKE_LIMITS.maxLineBytes, maxErrors: 1 } };
  let seq = 0;
  for await (const item of reader(readContent(db, doc.sha256), ctx)) {
    if (item.type !== 'purchaseOrder' && item.type !== 'shipNotice') continue;
    const stored = items.get(++seq);
    if (!stored) continue; // an item of a refused X12 set that was never recorded
    const outcome = (stored.outcome_json ? JSON.parse(stored.outcome_json) : {}) as StoredOutcome;
    const base = { item: seq, orderNumber: stored.order_number, deliveryNumber: stored.delivery_number ?? '' };
    if (item.type === 'purchaseOrder') {
      const status: LineStatus = stored.status === 'open' ? 'OPEN' : stored.status === 'rejected' ? 'REJECTED' : 'APPLIED';
      yield { ...base, at: stored.at, kind: 'purchaseOrder', serial: '', status, code: outcome.error?.code ?? '', message: outcome.error?.message ?? '' };
      continue;
    }
    for (const device of item.doc.devices) {
      const row = { ...base, at: device.at, kind: 'shipNotice' as const, serial: device.serial };
      if (stored.status === 'awaiting_order') {
        yield { ...row, status: 'AWAITING_ORDER', code: outcome.notice?.code ?? 'GW-DOC-6010', message: outcome.notice?.message ?? '' };
      } else if (stored.status === 'rejected') {
        yield { ...row, status: 'REJECTED', code: outcome.error?.code ?? '', message: outcome.error?.message ?? '' };
      } else {
        const refusal = refused.get(`${seq}\u0000${device.serial}`);
        if (refusal) {
          const code = refusal.code ?? '';
          const message = isErrorCode(code) ? renderMessage({ code, params: refusal.params ?? {} } as CodedError) : code;
          yield { ...row, status: 'REFUSED', code, message };
        } else if (outcome.pending) {
          yield { ...row, status: 'PENDING', code: outcome.pending.code, message: outcome.pending.message };
        } else {
          yield { ...row, status: 'ENROLLED', code: '', message: '' };
        }
      }
    }
  }
}

