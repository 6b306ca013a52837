// A received document as people and partners see it: status, summary, errors and items.
// Shared by the CLI (document show) and GET /v1/documents/:id.
import type { Knex } from 'knex';
import { DOCUMENT_API_LIMITS } from '../model/limits.js';
import { findDocument, itemsOf } from '../store/documents.js';
import { findSupplierByPk } from '../store/suppliers.js';
import { documentRefusals } from './acks.js';

/**
 * `maxItems` bounds the list (the summary counts them all); refused devices and orders are
 * listed up to DOCUMENT_API_LIMITS.maxRefusalsListed, and `ackAt` says where all of them are.
 */
export async function documentView(db: Knex, documentId: string, ackAt: string, maxItems = Number.MAX_SAFE_INTEGER) {
  const doc = await findDocument(db, documentId);
  if (!doc) return undefined;
  const items = await itemsOf(db, doc.id);
  const refused = await documentRefusals(db, doc, DOCUMENT_API_LIMITS.maxRefusalsListed, ackAt, items);
  // The partner it came from, as the document list names it (the console's document page shows it).
  const supplier = await findSupplierByPk(db, doc.supplier_pk);
  if (!supplier) throw new Error(`invariant: document ${doc.document_id} names supplier ${doc.supplier_pk}, which is not on file`);
  return {
    documentId: doc.document_id,
    supplierId: supplier.supplierId,
    status: doc.status,
    channel: doc.channel,
    fileName: doc.file_name,
    format: doc.format,
    mappingId: doc.mapping_id,
    sha256: doc.sha256,
    sizeBytes: Number(doc.size_bytes),
    actor: doc.actor,
    receivedAt: doc.received_at,
    processedAt: doc.processed_at,
    replays: doc.replays,
    summary: JSON.parse(doc.summary_json) as unknown,
    errors: JSON.parse(doc.errors_json) as unknown[],
    refused,
    items: items.slice(0, maxItems).map((i) => ({
      item: i.seq,
      kind: i.kind,
      unit: i.unit,
      orderNumber: i.order_number,
      deliveryNumber: i.delivery_number,
      at: i.at,
      status: i.status,
      devices: i.device_count,
      devicesRefused: i.refused_count,
      outcome: i.outcome_json ? (JSON.parse(i.outcome_json) as unknown) : null,
    })),
    itemsListed: Math.min(items.length, maxItems),
    itemsTotal: items.length,
  };
}
