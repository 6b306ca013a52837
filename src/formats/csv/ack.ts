// The CSV acknowledgement: a row per purchase order and per shipped device (or, for a
// document that applied nothing, a row per error), with its status, code and message.
import type { Knex } from 'knex';
import type { Mapping } from '../../mapping/mapping.js';
import type { DocumentRow } from '../../store/documents.js';
import { errorRows, outcomeRows, type OutcomeRow } from '../../intake/outcomes.js';
import { csvField } from '../../reports/csv.js';

const HEADER = ['document_id', 'document_status', 'item', 'at', 'order_number', 'delivery_number', 'serial', 'status', 'code', 'message'];

function line(doc: DocumentRow, r: OutcomeRow): string {
  return [doc.document_id, doc.status, r.item, r.at, r.orderNumber, r.deliveryNumber, r.serial, r.status, r.code, r.message].map(csvField).join(',');
}

export async function writeCsvAck(db: Knex, doc: DocumentRow, mapping: Mapping | undefined): Promise<string> {
  const out: string[] = [HEADER.join(',')];
  const rows = mapping ? outcomeRows(db, doc, mapping) : errorRows(doc);
  for await (const r of rows) out.push(line(doc, r));
  return out.join('\r\n') + '\r\n';
}
