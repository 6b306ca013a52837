// CSV documents, read as a stream: papaparse splits the text into rows (rows.ts), and the
// mapping says the delimiter, quote, decimal separator, which header column feeds each
// canonical field, and what one row is:
//  - shipNotice rows: one shipped device per row, with its order's header (order number,
//    type, date, customer) and delivery. Consecutive rows of one order and delivery make
//    one ShipNotice; when the header columns are there, the order's PurchaseOrder is
//    yielded first (its lines are the device counts per part number).
//  - purchaseOrder rows: one order line per row; consecutive rows of one order make one
//    PurchaseOrder.
// A CSV file is applied whole or not at all: its errors carry no unit.
//
// A file of a million rows goes through here, so the work per row is kept to what the
// rules need: no object per row beyond the device it becomes, the mapping's columns,
// defaults and limits worked out once from the header, part numbers looked up once.
import { describeSchemaError, validatePurchaseOrder, validateShipNotice } from '../../model/documents.js';
import type { PurchaseOrder, PurchaseOrderLine, ShipNotice, ShippedDevice } from '../../model/documents.js';
import { isDeviceFamily, type DeviceFamily } from '../../model/device-family.js';
import { CSV_FIELDS, CSV_ORDER_HEADER_FIELDS, CSV_REQUIRED_FIELDS, csvTemplateColumns, type CsvField, type CsvMappingSection, type Mapping } from '../../mapping/mapping.js';
import { compileTemplate, renderTemplate, type Template } from '../../mapping/template.js';
import { familyForPart, isCreditPart, parseDate, parseDecimal, parseQuantity } from '../../mapping/values.js';
import type { DocumentError, DocumentReader, ReadContext, ReadItem } from '../types.js';
import { decodeText } from '../text.js';
import { UndecodableText } from '../utf8.js';
import { CsvRows, unusableDelimiter, type CsvRowSink } from './rows.js';
import { DOCUMENT_LIMITS, MAX_FIELD_CHARS } from '../../model/limits.js';

const MAX_CHARS: Partial<Record<CsvField, number>> = MAX_FIELD_CHARS;
const DATE_FIELDS = ['orderDate', 'shipDate'] as const satisfies readonly CsvField[];

/**
 * One row's mapped values, by field: an array indexed through F (`row[F.serial]`), since
 * reading and writing fields by a name held in a variable is what slowed every row.
 */
type Row = (string | undefined)[];
/** Each field's place in a Row. An object literal, so that V8 keeps its properties fast. */
const F: Readonly<Record<CsvField, number>> = {
  orderNumber: 0,
  orderType: 1,
  orderDate: 2,
  customerId: 3,
  poNumber: 4,
  deliveryNumber: 5,
  shipDate: 6,
  serial: 7,
  assetTag: 8,
  partNumber: 9,
  deviceFamily: 10,
  lineNumber: 11,
  quantity: 12,
  amount: 13,
  currency: 14,
};
const ROW_SLOTS = Object.keys(F).length;

interface Group {
  orderNumber: string;
  deliveryNumber: string;
  firstAt: string;
  header?: { orderType: string; orderDate: string; customerId: string; poNumber?: string };
  shipDate?: string;
  devices: ShippedDevice[];
  lines: PurchaseOrderLine[];
  poLineCounts: Map<string, PartCount>;
  /** The last row's part and its count: consecutive rows mostly ship the same part. */
  lastPart?: { partNumber: string; count: PartCount };
}

interface PartCount {
  count: number;
  family?: string;
}

export const readCsv: DocumentReader = async function* (input, ctx) {
  const section = ctx.mapping.csv;
  if (!section) {
    yield err({ code: 'GW-DOC-6005', params: { detail: `mapping ${ctx.mapping.id} has no csv section` } });
    return;
  }
  if (unusableDelimiter(section.delimiter, section.quote)) {
    yield err({ code: 'GW-DOC-6005', params: { detail: `mapping ${ctx.mapping.id}: delimiter ${JSON.stringify(section.delimiter)} cannot separate CSV fields` } });
    return;
  }
  const state = new CsvState(ctx, section);
  const rows = new CsvRows({ delimiter: section.delimiter, quote: section.quote, maxLineBytes: ctx.limits.maxLineBytes, fileName: ctx.fileName }, state);
  // What a chunk's rows produce is handed out when the next chunk has arrived, so that an
  // error found at the end of the file still withholds the documents just before it.
  // Leaving the loop early (reading stopped) closes the decoder, and with it the input:
  // nothing is read that will not be parsed.
  let inputEnded = true;
  try {
    for await (const text of decodeText(input, ctx.fileName, section.encoding)) {
      yield* state.take();
      rows.write(text);
      if (rows.done) {
        inputEnded = false;
        break;
      }
    }
  } catch (e) {
    // An invalid byte stops reading where it is; rows before it have been read.
    state.fail(e instanceof UndecodableText ? e.error : { code: 'GW-DOC-6006', params: { at: ctx.fileName, detail: (e as Error).message } });
    yield* state.take();
    return;
  }
  if (inputEnded) rows.end();
  if (rows.fatal) state.fail(rows.fatal);
  yield* state.take();
  if (state.stopped || rows.fatal) return;
  if (!state.sawHeader) {
    yield err({ code: 'GW-DOC-6007' });
    return;
  }
  state.flush();
  yield* state.take();
};

function err(error: DocumentError): ReadItem {
  return { type: 'error', error };
}

/** Where a mapped field comes from, worked out once from the header. */
interface FieldSource {
  /** Where in a Row it goes (F). */
  slot: number;
  /** Index of its column in a row; -1 when no column carries it (then only its default). */
  index: number;
  fallback: string | undefined;
  translations: Record<string, string> | undefined;
}

/** A field built by a template (template.ts), with where each of its placeholders reads from. */
interface Derivation {
  field: CsvField;
  slot: number;
  template: Template;
  /** Per placeholder name: a slot of the Row (a field) or a column of the record. */
  reads: Map<string, { slot: number } | { index: number }>;
}

/** What the mapping says about one part number. */
interface PartFacts {
  credit: boolean;
  family: DeviceFamily | undefined;
}

/** Part numbers remembered per file at most: a file names a few, a hostile one many. */
const MAX_PARTS_REMEMBERED = 4096;

/** The mapping's view of the rows: turns each into documents and coded errors, collected in `out`. */
class CsvState implements CsvRowSink {
  sawHeader = false;
  stopped = false;
  private out: ReadItem[] = [];
  private errors = 0;
  private headerWidth = 0;
  private sources: FieldSource[] = [];
  private derivations: Derivation[] = [];
  /** Derived fields of this row that a bad date left unmade: the date's own error says why, not "missing". */
  private readonly slotsWithDateError = new Set<number>();
  private required: { field: CsvField; slot: number }[];
  /** Fields with a length limit, a column or a default: checked on every row, in MAX_FIELD_CHARS order. */
  private limited: { field: CsvField; slot: number; max: number }[] = [];
  /** The one row being read: reused, as every configured field is set again on each row. */
  private readonly current: Row = new Array<string | undefined>(ROW_SLOTS).fill(undefined);
  private readonly dates = DATE_FIELDS.map((field) => ({ field, slot: F[field], lastValue: '', lastParsed: undefined as string | undefined }));
  /** Whether rows carry their order's header (type, date, customer): from the mapping, not the row. */
  private rowsCarryOrderHeader = false;
  private group: Group | undefined;
  /** Order numbers whose PurchaseOrder this file already yielded (one per order). */
  private ordersYielded = new Set<string>();
  private parts = new Map<string, PartFacts>();
  private lastPart: { partNumber: string; facts: PartFacts } | undefined;
  private readonly mapping: Mapping;

  constructor(
    private readonly ctx: ReadContext,
    private readonly section: CsvMappingSection,
  ) {
    this.mapping = ctx.mapping;
    this.required = CSV_REQUIRED_FIELDS[section.rows].map((field) => ({ field, slot: F[field] }));
  }

  /** What was yielded since the last call. */
  *take(): Iterable<ReadItem> {
    if (this.out.length === 0) return;
    const items = this.out;
    this.out = [];
    yield* items;
  }

  private at(line: number): string {
    return `${this.ctx.fileName}, line ${line}`;
  }

  fail(error: DocumentError): void {
    if (this.stopped) return;
    this.errors++;
    // A file with errors yields no documents: those read but not handed out yet are dropped.
    if (this.errors === 1) this.out = this.out.filter((item) => item.type === 'error');
    if (this.errors > this.ctx.limits.maxErrors) {
      this.stopped = true;
      this.out.push(err({ code: 'GW-DOC-6008', params: { max: this.ctx.limits.maxErrors } }));
      return;
    }
    this.out.push(err(error));
  }

  refuse(error: DocumentError): void {
    this.fail(error);
    if (!this.sawHeader) {
      this.sawHeader = true;
      this.stopped = true; // no row can be read against a header that was not read
    }
  }

  row(record: string[], line: number): void {
    if (!this.sawHeader) {
      this.sawHeader = true;
      this.header(record, line);
      return;
    }
    if (record.length !== this.headerWidth) {
      this.fail({ code: 'GW-CSV-6101', params: { at: this.at(line), detail: `${record.length} fields, the header has ${this.headerWidth}` } });
      return;
    }
    const row = this.current;
    for (const source of this.sources) {
      let v = source.index >= 0 ? trimmed(record[source.index]!) : undefined;
      if ((v === undefined || v === '') && source.fallback !== undefined) v = source.fallback;
      if (v !== undefined && source.translations && Object.prototype.hasOwnProperty.call(source.translations, v)) v = source.translations[v];
      row[source.slot] = v;
    }
    if (this.derivations.length > 0) {
      this.slotsWithDateError.clear();
      for (const derivation of this.derivations) row[derivation.slot] = this.derive(derivation, record, row, line);
    }
    // Every problem of the row is reported, in a fixed order: missing, too long, dates, family.
    const errorsBefore = this.errors;
    for (const { field, slot } of this.required) {
      if (!row[slot] && !this.slotsWithDateError.has(slot)) this.fail({ code: 'GW-MAP-6201', params: { field, at: this.at(line) } });
    }
    for (const { field, slot, max } of this.limited) {
      const v = row[slot];
      if (v !== undefined && v.length > max) this.fail({ code: 'GW-MAP-6204', params: { field, max, at: this.at(line) } });
    }
    for (const date of this.dates) {
      const v = row[date.slot];
      if (!v) continue;
      // Rows of one order repeat its dates: the last answer is kept per field.
      if (v !== date.lastValue) {
        date.lastValue = v;
        date.lastParsed = parseDate(v, this.mapping.dateFormats);
      }
      if (!date.lastParsed) {
        this.fail({ code: 'GW-MAP-6202', params: { field: date.field, value: v, formats: this.mapping.dateFormats.join(' or '), at: this.at(line) } });
      } else row[date.slot] = date.lastParsed;
    }
    const deviceFamily = row[F.deviceFamily];
    if (deviceFamily && !isDeviceFamily(deviceFamily)) {
      this.fail({ code: 'GW-MAP-6205', params: { field: 'deviceFamily', value: deviceFamily, at: this.at(line), detail: 'not a device family' } });
    }
    if (this.errors !== errorsBefore) return;
    if (this.section.rows === 'shipNotice') this.shipNoticeRow(row, line);
    else this.purchaseOrderRow(row, line);
  }

  /** A derived field's value for this row; a placeholder's date that does not parse is reported here unless its own field reports it. */
  private derive(derivation: Derivation, record: string[], row: Row, line: number): string | undefined {
    const { value, badDate } = renderTemplate(
      derivation.template,
      (name) => {
        const read = derivation.reads.get(name)!;
        return 'slot' in read ? row[read.slot] : trimmed(record[read.index]!);
      },
      (v) => parseDate(v, this.mapping.dateFormats),
    );
    if (badDate) this.slotsWithDateError.add(derivation.slot);
    if (badDate && !(DATE_FIELDS as readonly string[]).includes(badDate.name)) {
      this.fail({ code: 'GW-MAP-6202', params: { field: badDate.name, value: badDate.value, formats: this.mapping.dateFormats.join(' or '), at: this.at(line) } });
    }
    return value;
  }

  private header(record: string[], line: number): void {
    this.headerWidth = record.length;
    const names = record.map((n) => n.trim());
    // One column may feed several fields (a delivery date that is also the order's date).
    const wanted = new Map<string, CsvField[]>();
    for (const [field, column] of Object.entries(this.section.columns) as [CsvField, string][]) wanted.set(column, [...(wanted.get(column) ?? []), field]);
    // Each template compiled once per file (the mapping loader has checked that they compile).
    const derived = (Object.entries(this.section.derived ?? {}) as [CsvField, string][]).map(([field, source]) => ({ field, template: compileTemplate(source) }));
    const templateColumns = new Set(csvTemplateColumns(this.section));
    const columnIndex = new Map<CsvField, number>();
    const indexOfName = new Map<string, number>();
    for (const [index, name] of names.entries()) {
      indexOfName.set(name, index);
      const fields = wanted.get(name);
      if (fields) for (const field of fields) columnIndex.set(field, index);
      else if (this.section.unknownColumns === 'refuse' && !templateColumns.has(name)) {
        this.fail({ code: 'GW-CSV-6102', params: { column: name, at: `${this.at(line)}, column ${index + 1}` } });
      }
    }
    for (const field of CSV_REQUIRED_FIELDS[this.section.rows]) {
      const column = this.section.columns[field];
      if (column !== undefined && !columnIndex.has(field) && this.section.defaults?.[field] === undefined) {
        this.fail({ code: 'GW-CSV-6103', params: { column, field, at: this.at(line) } });
      }
    }
    for (const { field, template } of derived) {
      for (const column of template.names) {
        if (!templateColumns.has(column) || indexOfName.has(column)) continue;
        this.fail({ code: 'GW-CSV-6103', params: { column, field, at: this.at(line) } });
      }
    }
    if (this.errors > 0) {
      this.stopped = true; // no row can be read against a wrong header
      return;
    }
    const defaults = this.section.defaults ?? {};
    const translations = this.section.values ?? {};
    this.derivations = derived.map(({ field, template }) => {
      const reads = new Map(template.names.map((name) => [name, (CSV_FIELDS as readonly string[]).includes(name) ? { slot: F[name as CsvField] } : { index: indexOfName.get(name)! }] as const));
      return { field, slot: F[field], template, reads };
    });
    const configured = new Set<CsvField>([...columnIndex.keys(), ...(Object.keys(defaults) as CsvField[]), ...derived.map(({ field }) => field)]);
    this.sources = [...configured].filter((field) => this.section.derived?.[field] === undefined).map((field) => ({
      slot: F[field],
      index: columnIndex.get(field) ?? -1,
      fallback: defaults[field],
      translations: translations[field],
    }));
    this.limited = (Object.entries(MAX_CHARS) as [CsvField, number][])
      .filter(([field]) => configured.has(field))
      .map(([field, max]) => ({ field, slot: F[field], max }));
    this.rowsCarryOrderHeader = CSV_ORDER_HEADER_FIELDS.some((field) => configured.has(field));
    // An order made from ship-notice rows needs its whole header on every row (the mapping loader saw to a source for each).
    if (this.section.rows === 'shipNotice' && this.rowsCarryOrderHeader) {
      this.required = [...this.required, ...CSV_ORDER_HEADER_FIELDS.map((field) => ({ field, slot: F[field] }))];
    }
  }

  private partFacts(partNumber: string): PartFacts {
    // Consecutive rows mostly ship the same part.
    if (partNumber === this.lastPart?.partNumber) return this.lastPart.facts;
    let facts = this.parts.get(partNumber);
    if (!facts) {
      if (this.parts.size >= MAX_PARTS_REMEMBERED) this.parts.clear();
      facts = { credit: isCreditPart(this.mapping, partNumber), family: familyForPart(this.mapping, partNumber) };
      this.parts.set(partNumber, facts);
    }
    this.lastPart = { partNumber, facts };
    return facts;
  }

  /** Fields that must agree across the rows of one group; a disagreement is refused. */
  private agree(group: Group, field: string, first: string | undefined, value: string | undefined, line: number): void {
    if ((first ?? '') !== (value ?? '')) {
      this.fail({ code: 'GW-MAP-6206', params: { what: `order ${group.orderNumber}`, field, first: first ?? '', value: value ?? '', at: this.at(line) } });
    }
  }

  private shipNoticeRow(row: Row, line: number): void {
    const orderNumber = row[F.orderNumber]!;
    const deliveryNumber = row[F.deliveryNumber]!;
    if (this.group && (this.group.orderNumber !== orderNumber || this.group.deliveryNumber !== deliveryNumber)) this.flush();
    if (!this.group) {
      this.group = newGroup(orderNumber, deliveryNumber, this.at(line));
      this.group.shipDate = row[F.shipDate];
      if (this.rowsCarryOrderHeader) {
        this.group.header = {
          orderType: row[F.orderType] ?? '',
          orderDate: row[F.orderDate] ?? '',
          customerId: row[F.customerId] ?? '',
          poNumber: row[F.poNumber] || undefined,
        };
      }
    } else {
      const g = this.group;
      this.agree(g, 'shipDate', g.shipDate, row[F.shipDate], line);
      if (g.header) this.agreeOnHeader(g, row, line);
    }
    const g = this.group;
    if (g.devices.length >= DOCUMENT_LIMITS.devicesPerShipNotice) {
      this.fail({ code: 'GW-DOC-6009', params: { at: this.at(line), detail: `more than ${DOCUMENT_LIMITS.devicesPerShipNotice} devices in delivery ${deliveryNumber}` } });
      return;
    }
    const partNumber = row[F.partNumber];
    const part = partNumber ? this.partFacts(partNumber) : undefined;
    if (part?.credit) {
      this.fail({ code: 'GW-MAP-6205', params: { field: 'partNumber', value: partNumber, at: this.at(line), detail: 'volume credit is ordered on a purchase order, not shipped' } });
      return;
    }
    const family = (row[F.deviceFamily] as DeviceFamily | undefined) ?? part?.family;
    const device: ShippedDevice = { serial: row[F.serial]!, at: `line ${line}` };
    const assetTag = row[F.assetTag];
    if (assetTag) device.assetTag = assetTag;
    if (family) device.deviceFamily = family;
    if (partNumber) {
      device.partNumber = partNumber;
      if (partNumber === g.lastPart?.partNumber) g.lastPart.count.count++;
      else {
        let count = g.poLineCounts.get(partNumber);
        if (count) count.count++;
        else g.poLineCounts.set(partNumber, (count = { count: 1, family }));
        g.lastPart = { partNumber, count };
      }
    }
    g.devices.push(device);
  }

  private agreeOnHeader(g: Group, row: Row, line: number): void {
    const h = g.header!;
    this.agree(g, 'orderType', h.orderType, row[F.orderType], line);
    this.agree(g, 'orderDate', h.orderDate, row[F.orderDate], line);
    this.agree(g, 'customerId', h.customerId, row[F.customerId], line);
  }

  private purchaseOrderRow(row: Row, line: number): void {
    const orderNumber = row[F.orderNumber]!;
    if (this.group && this.group.orderNumber !== orderNumber) this.flush();
    if (!this.group) {
      this.group = newGroup(orderNumber, '', this.at(line));
      this.group.header = { orderType: row[F.orderType]!, orderDate: row[F.orderDate]!, customerId: row[F.customerId]!, poNumber: row[F.poNumber] || undefined };
    } else {
      this.agreeOnHeader(this.group, row, line);
    }
    const g = this.group;
    if (g.lines.length >= DOCUMENT_LIMITS.linesPerPurchaseOrder) {
      this.fail({ code: 'GW-DOC-6009', params: { at: this.at(line), detail: `more than ${DOCUMENT_LIMITS.linesPerPurchaseOrder} lines in order ${orderNumber}` } });
      return;
    }
    const quantity = parseQuantity(row[F.quantity]!, DOCUMENT_LIMITS.quantityPerLine);
    if (quantity === undefined) {
      this.fail({ code: 'GW-MAP-6203', params: { field: 'quantity', value: row[F.quantity], at: this.at(line) } });
      return;
    }
    const lineNumber = row[F.lineNumber] || String(g.lines.length + 1);
    const partNumber = row[F.partNumber]!;
    const part = this.partFacts(partNumber);
    if (part.credit) {
      const written = row[F.amount];
      const amount = written ? parseDecimal(written, this.section.decimalSeparator) : undefined;
      if (amount === undefined) {
        this.fail({ code: written ? 'GW-MAP-6203' : 'GW-MAP-6201', params: { field: 'amount', value: written, at: this.at(line) } });
        return;
      }
      const currency = row[F.currency];
      if (!currency) {
        this.fail({ code: 'GW-MAP-6201', params: { field: 'currency', at: this.at(line) } });
        return;
      }
      g.lines.push({ type: 'credit', lineNumber, partNumber, amount, currency: currency.toUpperCase(), quantity });
      return;
    }
    const family = (row[F.deviceFamily] as DeviceFamily | undefined) ?? part.family;
    g.lines.push({ type: 'device', lineNumber, partNumber, quantity, ...(family ? { deviceFamily: family } : {}) });
  }

  /** Yields the documents of the group in hand (if the file is valid so far). */
  flush(): void {
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
        this.fail({ code: 'GW-MAP-6205', params: { field: `order ${g.orderNumber}`, value: '', at: g.firstAt, detail: describeSchemaError(validatePurchaseOrder) } });
        return;
      }
      this.out.push({ type: 'purchaseOrder', at: g.firstAt, doc: po, ...(this.section.rows === 'shipNotice' ? { impliedByShipment: true as const } : {}) });
    }
    if (this.section.rows === 'shipNotice') {
      const notice: ShipNotice = { orderNumber: g.orderNumber, deliveryNumber: g.deliveryNumber, shipDate: g.shipDate!, devices: g.devices };
      if (!validateShipNotice(notice)) {
        this.fail({ code: 'GW-MAP-6205', params: { field: `delivery ${g.deliveryNumber}`, value: '', at: g.firstAt, detail: describeSchemaError(validateShipNotice) } });
        return;
      }
      this.out.push({ type: 'shipNotice', at: g.firstAt, doc: notice });
    }
  }
}

/**
 * The field without surrounding white space, as String.prototype.trim says; a field that
 * starts and ends with printable ASCII (nearly all of them) is returned as it is without
 * calling it, which is measurably cheaper at a million rows.
 */
function trimmed(field: string): string {
  if (field.length === 0) return field;
  const first = field.charCodeAt(0);
  const last = field.charCodeAt(field.length - 1);
  return first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f ? field : field.trim();
}

function newGroup(orderNumber: string, deliveryNumber: string, firstAt: string): Group {
  return { orderNumber, deliveryNumber, firstAt, devices: [], lines: [], poLineCounts: new Map() };
}
