// X12 acknowledgements of a received interchange: a 997 for every functional group (from
// the envelope and syntax results the reader recorded), and an 855 for each 850 when the
// partner's mapping asks for one (from what applying the order did).
import type { Knex } from 'knex';
import { readerFor } from '../formats/registry.js';
import type { X12InterchangeInfo } from '../formats/types.js';
import { write855, type Ack855Input } from '../formats/x12/ack855.js';
import { write997 } from '../formats/x12/ack997.js';
import type { Mapping } from '../mapping/mapping.js';
import { itemsOf, readContent, type DocumentRow } from '../store/documents.js';
import type { Ack } from './acks.js';
import type { ErrorWithMessage } from './ingest.js';
import { INTAKE_LIMITS } from '../model/limits.js';

/** The acks' own control numbers: derived from the document's key, so a re-fetched ack is identical. */
function controlNumber(doc: DocumentRow, salt: number): string {
  return String((doc.id * 10 + salt) % 1_000_000_000).padStart(9, '0');
}

export async function x12Acks(deps: { db: Knex }, doc: DocumentRow, mapping: Mapping | undefined, base: string): Promise<Ack[]> {
  const interchanges = doc.x12_json ? (JSON.parse(doc.x12_json) as X12InterchangeInfo[]) : [];
  if (interchanges.length === 0) return []; // not even an ISA could be read: the CSV ack lists the errors
  const now = new Date(doc.processed_at ?? doc.received_at);
  const acks: Ack[] = [];
  if (!mapping || mapping.acks.x12_997 !== false) {
    const body = interchanges.map((ic, i) => write997(ic, { controlNumber: controlNumber(doc, i), now, lineBreak: '\n' })).join('');
    acks.push({ kind: '997', fileName: `${base}.997.edi`, contentType: 'application/edi-x12', body });
  }
  if (mapping?.acks.x12_855) {
    const orders = await purchaseOrderResults(deps.db, doc, mapping);
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
        lineBreak: '\n',
      });
      acks.push({ kind: '855', fileName: `${base}.855.edi`, contentType: 'application/edi-x12', body });
    }
  }
  return acks;
}

/** Each 850 of the document with what became of it, read again from the kept bytes. */
async function purchaseOrderResults(db: Knex, doc: DocumentRow, mapping: Mapping): Promise<Ack855Input[]> {
  const items = new Map((await itemsOf(db, doc.id)).map((i) => [i.seq, i]));
  const documentErrors = JSON.parse(doc.errors_json) as ErrorWithMessage[];
  const rejectedWhole = doc.status === 'rejected' || doc.status === 'duplicate';
  const out: Ack855Input[] = [];
  let seq = 0;
  const ctx = { mapping, fileName: doc.file_name, limits: { maxLineBytes: INTAKE_LIMITS.maxLineBytes, maxErrors: 1 } };
  for await (const item of readerFor('x12')(readContent(db, doc.sha256), ctx)) {
    if (item.type !== 'purchaseOrder' && item.type !== 'shipNotice') continue;
    seq++;
    if (item.type !== 'purchaseOrder') continue;
    const stored = items.get(seq);
    const outcome = stored?.outcome_json ? (JSON.parse(stored.outcome_json) as { error?: ErrorWithMessage }) : {};
    const error = rejectedWhole ? documentErrors[0] : stored?.status === 'rejected' ? outcome.error : undefined;
    const accepted = !rejectedWhole && stored !== undefined && stored.status !== 'rejected';
    out.push({
      orderNumber: item.doc.orderNumber,
      orderDate: item.doc.orderDate,
      status: accepted ? 'accepted' : 'rejected',
      ...(error ? { error: { code: error.code, message: error.message } } : {}),
      lines: item.doc.lines.map((l) => ({ lineNumber: l.lineNumber, partNumber: l.partNumber, quantity: l.quantity, accepted })),
    });
  }
  return out;
}
