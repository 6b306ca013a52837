// The CSV acknowledgement: a row per purchase order and per shipped device (or, for a
// document that applied nothing, a row per error), with its status, code and message.
// It writes the lines it is given; what they say comes from the document's outcome rows.
import { csvField } from './write.js';

/** What one line of an acknowledgement says. */
export type AckLineStatus = 'ENROLLED' | 'PENDING' | 'REFUSED' | 'AWAITING_ORDER' | 'OPEN' | 'APPLIED' | 'REJECTED';

export interface AckLine {
  item: number;
  at: string;
  kind: 'purchaseOrder' | 'shipNotice' | 'document';
  orderNumber: string;
  deliveryNumber: string;
  serial: string;
  status: AckLineStatus;
  code: string;
  message: string;
}

const HEADER = ['document_id', 'document_status', 'item', 'at', 'order_number', 'delivery_number', 'serial', 'status', 'code', 'message'];

export async function csvAck(doc: { documentId: string; status: string }, lines: AsyncIterable<AckLine> | Iterable<AckLine>): Promise<string> {
  const out: string[] = [HEADER.join(',')];
  for await (const r of lines) {
    out.push([doc.documentId, doc.status, r.item, r.at, r.orderNumber, r.deliveryNumber, r.serial, r.status, r.code, r.message].map((f) => csvField(f)).join(','));
  }
  return out.join('\r\n') + '\r\n';
}
