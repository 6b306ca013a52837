// The 855 purchase order acknowledgment, written from the results of applying an 850:
// BAK says whether the order was accepted (AC), accepted with refused lines (AD) or
// rejected (RJ); each PO1 line gets an ACK (IA accepted, IR rejected) and, when refused,
// a MSG with the coded error. Nothing here decides acceptance: the caller's results do.
import type { X12Delimiters } from './segment.js';
import { cleanText, DEFAULT_DELIMITERS, writeInterchange, x12Date, type X12EnvelopeOptions } from './writer.js';

/** MSG01 is at most 264 characters. */
const MESSAGE_CHARS = 264;

export interface Ack855Error {
  code: string;
  message: string;
}

export interface Ack855Line {
  /** PO101 of the order line. */
  lineNumber: string;
  partNumber?: string;
  quantity: number;
  /** PO103 / ACK03; default EA. */
  unit?: string;
  accepted: boolean;
  error?: Ack855Error;
}

export interface Ack855Input {
  /** BAK03: the purchase order number (BEG03). */
  orderNumber: string;
  /** BAK04: the purchase order date, CCYYMMDD or ISO 8601. */
  orderDate: string;
  status: 'accepted' | 'rejected';
  /** Why the whole order was refused (written as N9/MSG in the heading). */
  error?: Ack855Error;
  lines: Ack855Line[];
}

export interface Write855Options extends X12EnvelopeOptions {
  /** GS02 / GS03. */
  applicationSender: string;
  applicationReceiver: string;
  /** PO1 qualifier of the part number; default VP (vendor part number). */
  partQualifier?: string;
  /** GS08: the version of the 850s answered; default 004010. */
  version?: string;
}

/** BAK02: RJ when the order is refused, AD when some lines are, AC when all is accepted. */
export function acknowledgmentType(input: Ack855Input): 'AC' | 'AD' | 'RJ' {
  if (input.status === 'rejected') return 'RJ';
  return input.lines.every((l) => l.accepted) ? 'AC' : 'AD';
}

/** One 855 per order, in one interchange and functional group (PR). */
export function write855(input: Ack855Input | readonly Ack855Input[], opts: Write855Options): string {
  const orders: readonly Ack855Input[] = Array.isArray(input) ? input : [input as Ack855Input];
  const d = opts.delimiters ?? DEFAULT_DELIMITERS;
  return writeInterchange(opts, [
    {
      functionalId: 'PR',
      applicationSender: opts.applicationSender,
      applicationReceiver: opts.applicationReceiver,
      ...(opts.version !== undefined ? { version: opts.version } : {}),
      sets: orders.map((order) => ({ setId: '855', segments: orderSegments(order, opts.partQualifier ?? 'VP', d) })),
    },
  ]);
}

function orderSegments(order: Ack855Input, partQualifier: string, d: X12Delimiters): string[][] {
  const out: string[][] = [['BAK', '00', acknowledgmentType(order), order.orderNumber, x12Date(order.orderDate)]];
  if (order.status === 'rejected' && order.error) {
    out.push(['N9', 'ZZ', cleanText(order.error.code, d, 30)]);
    out.push(['MSG', message(order.error, d)]);
  }
  for (const line of order.lines) {
    const unit = line.unit ?? 'EA';
    const quantity = String(line.quantity);
    out.push(['PO1', line.lineNumber, quantity, unit, '', '', ...(line.partNumber ? [partQualifier, line.partNumber] : [])]);
    // A line of a rejected order is rejected whatever its own result.
    const accepted = line.accepted && order.status === 'accepted';
    out.push(['ACK', accepted ? 'IA' : 'IR', quantity, unit]);
    const error = line.error ?? (accepted ? undefined : order.error);
    if (!accepted && error) out.push(['MSG', message(error, d)]);
  }
  out.push(['CTT', String(order.lines.length)]);
  return out;
}

function message(error: Ack855Error, d: X12Delimiters): string {
  return cleanText(`${error.code} ${error.message}`, d, MESSAGE_CHARS);
}
