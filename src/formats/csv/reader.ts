// CSV documents, read with csv-parse as a stream. The mapping says the delimiter, quote,
// decimal separator, which header column feeds each canonical field, and what one row is:
//  - shipNotice rows: one shipped device per row, with its order's header (order number,
//    type, date, customer) and delivery. Consecutive rows of one order and delivery make
//    one ShipNotice; when the header columns are there, the order's PurchaseOrder is
//    yielded first (its lines are the device counts per part number).
//  - purchaseOrder rows: one order line per row; consecutive rows of one order make one
//    PurchaseOrder.
// A CSV file is applied whole or not at all: its errors carry no unit.
import { parse, type CsvError } from 'csv-parse';
import { describeSchemaError, validatePurchaseOrder, validateShipNotice } from '../../model/documents.js';
import type { PurchaseOrder, PurchaseOrderLine, ShipNotice, ShippedDevice } from '../../model/documents.js';
import { isDeviceFamily } from '../../model/device-family.js';
import type { CsvField, CsvMappingSection, Mapping } from '../../mapping/mapping.js';
import { familyForPart, isCreditPart, parseDate, parseDecimal, parseQuantity } from '../../mapping/values.js';
import type { DocumentError, DocumentReader, ReadContext, ReadItem } from '../types.js';
import { decodeUtf8, InvalidUtf8 } from '../utf8.js';
import { DOCUMENT_LIMITS, MAX_FIELD_CHARS } from '../../model/limits.js';

/** Fields a row kind cannot do without (from a column or a default). */
const REQUIRED: Record<CsvMappingSection['rows'], CsvField[]> = {
  shipNotice: ['orderNumber', 'deliveryNumber', 'shipDate', 'serial'],
  purchaseOrder: ['orderNumber', 'orderType', 'orderDate', 'customerId', 'partNumber', 'quantity'],
};

const MAX_CHARS: Partial<Record<CsvField, number>> = MAX_FIELD_CHARS;

type Row = Partial<Record<CsvField, string>>;

interface Group {
  orderNumber: string;
  deliveryNumber: string;
  firstAt: string;
  header?: { orderType: string; orderDate: string; customerId: string; poNumber?: string };
  shipDate?: string;
  devices: ShippedDevice[];
  lines: PurchaseOrderLine[];
  poLineCounts: Map<string, { count: number; family?: string }>;
}

export const readCsv: DocumentReader = async function* (input, ctx) {
  const section = ctx.mapping.csv;
  if (!section) {
    yield err({ code: 'GW-DOC-6005', params: { detail: `mapping ${ctx.mapping.id} has no csv section` } });
    return;
  }
  const parser = parse({
    delimiter: section.delimiter,
    quote: section.quote,
    bom: true,
    info: true,
    skip_empty_lines: true,
    max_record_size: ctx.limits.maxLineBytes,
  });
  // Feed the parser from the strict decoder. The feeder stops as soon as reading stops
  // (a parse error, too many errors, a bad header), and never waits on a parser that
  // will not drain again. An invalid byte stops the parse, and its error wins over
  // what the parser says about the row it cut short.
  let decodeError: DocumentError | undefined;
  let stopFeeding = false;
  const feeding = (async () => {
    try {
      for await (const text of decodeUtf8(input, ctx.fileName)) {
        if (stopFeeding) return;
        if (!parser.write(text)) await drainedOrGone(parser);
        if (stopFeeding) return;
      }
      parser.end();
    } catch (e) {
      if (e instanceof InvalidUtf8) decodeError = e.error;
      else decodeError = { code: 'GW-DOC-6006', params: { at: ctx.fileName, detail: (e as Error).message } };
      parser.destroy();
    }
  })();

  const state = new CsvState(ctx, section);
  let parseError: DocumentError | undefined;
  try {
    for await (const entry of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield* state.row(entry.record, entry.info.lines);
      if (state.stopped) break;
    }
  } catch (e) {
    const csvError = e as CsvError & { lines?: number };
    if ((csvError.code as string) !== 'ERR_STREAM_PREMATURE_CLOSE') {
      parseError = {
        code: 'GW-CSV-6101',
        params: { at: `${ctx.fileName}${csvError.lines ? `, line ${csvError.lines}` : ''}`, detail: csvError.message.replace(/^Invalid (Record|Opening|Closing)[^:]*:\s*/, '') },
      };
    }
  } finally {
    stopFeeding = true;
    parser.destroy();
    await feeding;
  }
  if (decodeError) {
    yield err(decodeError);
    return;
  }
  if (parseError) {
    yield err(parseError);
    return;
  }
  if (state.stopped) return;
  if (!state.sawHeader) {
    yield err({ code: 'GW-DOC-6007' });
    return;
  }
  yield* state.flush();
};

/** Resolves when the parser can take more, or will never again (ended, failed, destroyed). */
function drainedOrGone(parser: ReturnType<typeof parse>): Promise<void> {
  if (parser.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      parser.off('drain', done);
      parser.off('close', done);
      parser.off('error', done);
      resolve();
    };
    parser.on('drain', done);
    parser.on('close', done);
    parser.on('error', done);
  });
}

function err(error: DocumentError): ReadItem {
  return { type: 'error', error };
}

class CsvState {
  sawHeader = false;
  stopped = false;
  private errors = 0;
  private columnIndex = new Map<CsvField, number>();
  private headerWidth = 0;
  private group: Group | undefined;
  /** Order numbers whose PurchaseOrder this file already yielded (one per order). */
  private ordersYielded = new Set<string>();
  private readonly mapping: Mapping;

  constructor(
    private readonly ctx: ReadContext,
    private readonly section: CsvMappingSection,
  ) {
    this.mapping = ctx.mapping;
  }

  private at(line: number): string {
    return `${this.ctx.fileName}, line ${line}`;
  }

  private *fail(error: DocumentError): Iterable<ReadItem> {
    this.errors++;
    if (this.errors > this.ctx.limits.maxErrors) {
      this.stopped = true;
      yield err({ code: 'GW-DOC-6008', params: { max: this.ctx.limits.maxErrors } });
      return;
    }
    yield err(error);
  }

  *row(record: string[], line: number): Iterable<ReadItem> {
    if (!this.sawHeader) {
      this.sawHeader = true;
      yield* this.header(record, line);
      return;
    }
    if (record.length !== this.headerWidth) {
      yield* this.fail({
        code: 'GW-CSV-6101',
        params: { at: this.at(line), detail: `${record.length} fields, the header has ${this.headerWidth}` },
      });
      return;
    }
    const row: Row = {};
    for (const [field, index] of this.columnIndex) row[field] = record[index]!.trim();
    for (const [field, value] of Object.entries(this.section.defaults ?? {}) as [CsvField, string][]) {
      if (row[field] === undefined || row[field] === '') row[field] = value;
    }
    for (const [field, table] of Object.entries(this.section.values ?? {}) as [CsvField, Record<string, string>][]) {
      const v = row[field];
      if (v !== undefined && Object.prototype.hasOwnProperty.call(table, v)) row[field] = table[v];
    }
    const problems: DocumentError[] = [];
    for (const field of REQUIRED[this.section.rows]) {
      if (!row[field]) problems.push({ code: 'GW-MAP-6201', params: { field, at: this.at(line) } });
    }
    for (const [field, max] of Object.entries(MAX_CHARS) as [CsvField, number][]) {
      const v = row[field];
      if (v !== undefined && v.length > max) problems.push({ code: 'GW-MAP-6204', params: { field, max, at: this.at(line) } });
    }
    for (const field of ['orderDate', 'shipDate'] as const) {
      const v = row[field];
      if (!v) continue;
      const parsed = parseDate(v, this.mapping.dateFormats);
      if (!parsed) {
        problems.push({ code: 'GW-MAP-6202', params: { field, value: v, formats: this.mapping.dateFormats.join(' or '), at: this.at(line) } });
      } else row[field] = parsed;
    }
    if (row.deviceFamily && !isDeviceFamily(row.deviceFamily)) {
      problems.push({ code: 'GW-MAP-6205', params: { field: 'deviceFamily', value: row.deviceFamily, at: this.at(line), detail: 'not a device family' } });
    }
    if (problems.length > 0) {
      for (const p of problems) yield* this.fail(p);
      return;
    }
    if (this.section.rows === 'shipNotice') yield* this.shipNoticeRow(row, line);
    else yield* this.purchaseOrderRow(row, line);
  }

  private *header(record: string[], line: number): Iterable<ReadItem> {
    this.headerWidth = record.length;
    const names = record.map((n) => n.trim());
    const wanted = new Map<string, CsvField>();
    for (const [field, column] of Object.entries(this.section.columns) as [CsvField, string][]) wanted.set(column, field);
    for (const [index, name] of names.entries()) {
      const field = wanted.get(name);
      if (field) this.columnIndex.set(field, index);
      else if (this.section.unknownColumns === 'refuse') {
        yield* this.fail({ code: 'GW-CSV-6102', params: { column: name, at: `${this.at(line)}, column ${index + 1}` } });
      }
    }
    for (const field of REQUIRED[this.section.rows]) {
      const column = this.section.columns[field];
      if (column !== undefined && !this.columnIndex.has(field) && this.section.defaults?.[field] === undefined) {
        yield* this.fail({ code: 'GW-CSV-6103', params: { column, field, at: this.at(line) } });
      }
    }
    if (this.errors > 0) this.stopped = true; // no row can be read against a wrong header
  }

  /** Fields that must agree across the rows of one group; a disagreement is refused. */
  private *agree(group: Group, field: string, first: string | undefined, value: string | undefined, line: number): Iterable<ReadItem> {
    if ((first ?? '') !== (value ?? '')) {
      yield* this.fail({ code: 'GW-MAP-6206', params: { what: `order ${group.orderNumber}`, field, first: first ?? '', value: value ?? '', at: this.at(line) } });
    }
  }

  private *shipNoticeRow(row: Row, line: number): Iterable<ReadItem> {
    const orderNumber = row.orderNumber!;
    const deliveryNumber = row.deliveryNumber!;
    if (this.group && (this.group.orderNumber !== orderNumber || this.group.deliveryNumber !== deliveryNumber)) {
      yield* this.flush();
    }
    const hasHeader = row.orderType !== undefined || row.orderDate !== undefined || row.customerId !== undefined;
    if (!this.group) {
      this.group = {
        orderNumber,
        deliveryNumber,
        firstAt: this.at(line),
        shipDate: row.shipDate,
        devices: [],
        lines: [],
        poLineCounts: new Map(),
      };
      if (hasHeader) {
        this.group.header = {
          orderType: row.orderType ?? '',
          orderDate: row.orderDate ?? '',
          customerId: row.customerId ?? '',
          poNumber: row.poNumber || undefined,
        };
      }
    } else {
      const g = this.group;
      yield* this.agree(g, 'shipDate', g.shipDate, row.shipDate, line);
      if (g.header) {
        yield* this.agree(g, 'orderType', g.header.orderType, row.orderType, line);
        yield* this.agree(g, 'orderDate', g.header.orderDate, row.orderDate, line);
        yield* this.agree(g, 'customerId', g.header.customerId, row.customerId, line);
      }
    }
    const g = this.group;
    if (g.devices.length >= DOCUMENT_LIMITS.devicesPerShipNotice) {
      yield* this.fail({ code: 'GW-DOC-6009', params: { at: this.at(line), detail: `more than ${DOCUMENT_LIMITS.devicesPerShipNotice} devices in delivery ${deliveryNumber}` } });
      return;
    }
    if (isCreditPart(this.mapping, row.partNumber)) {
      yield* this.fail({ code: 'GW-MAP-6205', params: { field: 'partNumber', value: row.partNumber, at: this.at(line), detail: 'volume credit is ordered on a purchase order, not shipped' } });
      return;
    }
    const family = (row.deviceFamily as ShippedDevice['deviceFamily']) ?? familyForPart(this.mapping, row.partNumber);
    const device: ShippedDevice = { serial: row.serial!, at: `line ${line}` };
    if (row.assetTag) device.assetTag = row.assetTag;
    if (family) device.deviceFamily = family;
    if (row.partNumber) {
      device.partNumber = row.partNumber;
      const count = g.poLineCounts.get(row.partNumber);
      if (count) count.count++;
      else g.poLineCounts.set(row.partNumber, { count: 1, family });
    }
    g.devices.push(device);
  }

  private *purchaseOrderRow(row: Row, line: number): Iterable<ReadItem> {
    const orderNumber = row.orderNumber!;
    if (this.group && this.group.orderNumber !== orderNumber) yield* this.flush();
    if (!this.group) {
      this.group = {
        orderNumber,
        deliveryNumber: '',
        firstAt: this.at(line),
        header: { orderType: row.orderType!, orderDate: row.orderDate!, customerId: row.customerId!, poNumber: row.poNumber || undefined },
        devices: [],
        lines: [],
        poLineCounts: new Map(),
      };
    } else {
      const h = this.group.header!;
      yield* this.agree(this.group, 'orderType', h.orderType, row.orderType, line);
      yield* this.agree(this.group, 'orderDate', h.orderDate, row.orderDate, line);
      yield* this.agree(this.group, 'customerId', h.customerId, row.customerId, line);
    }
    const g = this.group;
    if (g.lines.length >= DOCUMENT_LIMITS.linesPerPurchaseOrder) {
      yield* this.fail({ code: 'GW-DOC-6009', params: { at: this.at(line), detail: `more than ${DOCUMENT_LIMITS.linesPerPurchaseOrder} lines in order ${orderNumber}` } });
      return;
    }
    const quantity = parseQuantity(row.quantity!, DOCUMENT_LIMITS.quantityPerLine);
    if (quantity === undefined) {
      yield* this.fail({ code: 'GW-MAP-6203', params: { field: 'quantity', value: row.quantity, at: this.at(line) } });
      return;
    }
    const lineNumber = row.lineNumber || String(g.lines.length + 1);
    const partNumber = row.partNumber!;
    if (isCreditPart(this.mapping, partNumber)) {
      const amount = row.amount ? parseDecimal(row.amount, this.section.decimalSeparator) : undefined;
      if (amount === undefined) {
        yield* this.fail({ code: row.amount ? 'GW-MAP-6203' : 'GW-MAP-6201', params: { field: 'amount', value: row.amount, at: this.at(line) } });
        return;
      }
      if (!row.currency) {
        yield* this.fail({ code: 'GW-MAP-6201', params: { field: 'currency', at: this.at(line) } });
        return;
      }
      g.lines.push({ type: 'credit', lineNumber, partNumber, amount, currency: row.currency.toUpperCase(), quantity });
      return;
    }
    const family = (row.deviceFamily as ShippedDevice['deviceFamily']) ?? familyForPart(this.mapping, partNumber);
    g.lines.push({ type: 'device', lineNumber, partNumber, quantity, ...(family ? { deviceFamily: family } : {}) });
  }

  /** Yields the documents of the group in hand (if it is valid so far). */
  *flush(): Iterable<ReadItem> {
    const g = this.group;
    this.group = undefined;
    if (!g || this.errors > 0) return; // a file with errors yields no documents: it is refused whole
    if (g.header && !this.ordersYielded.has(g.orderNumber)) {
      this.ordersYielded.add(g.orderNumber);
      const lines =
        this.section.rows === 'purchaseOrder'
          ? g.lines
          : [...g.poLineCounts].map(([partNumber, { count, family }], i): PurchaseOrderLine => ({
              type: 'device',
              lineNumber: String(i + 1),
              partNumber,
              quantity: count,
              ...(family && isDeviceFamily(family) ? { deviceFamily: family } : {}),
            }));
      const po: PurchaseOrder = {
        orderNumber: g.orderNumber,
        orderType: g.header.orderType as PurchaseOrder['orderType'],
        orderDate: g.header.orderDate,
        customerId: g.header.customerId,
        lines,
        ...(g.header.poNumber ? { poNumber: g.header.poNumber } : {}),
      };
      if (!validatePurchaseOrder(po)) {
        yield* this.fail({ code: 'GW-MAP-6205', params: { field: `order ${g.orderNumber}`, value: '', at: g.firstAt, detail: describeSchemaError(validatePurchaseOrder) } });
        return;
      }
      yield { type: 'purchaseOrder', at: g.firstAt, doc: po };
    }
    if (this.section.rows === 'shipNotice') {
      const notice: ShipNotice = { orderNumber: g.orderNumber, deliveryNumber: g.deliveryNumber, shipDate: g.shipDate!, devices: g.devices };
      if (!validateShipNotice(notice)) {
        yield* this.fail({ code: 'GW-MAP-6205', params: { field: `delivery ${g.deliveryNumber}`, value: '', at: g.firstAt, detail: describeSchemaError(validateShipNotice) } });
        return;
      }
      yield { type: 'shipNotice', at: g.firstAt, doc: notice };
    }
  }
}
