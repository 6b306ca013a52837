// Data generators for the intake benchmark: a ship-notice CSV in Brightline's layout
// (mappings/brightline-csv.json) and an X12 850 + 856 pair in Apple's
// (mappings/apple-x12-850.json, apple-x12-856.json). A thousand devices per order,
// orders spread over the benchmark's organisations. Written as streams: the generator
// never holds a file in memory.
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';

export const DEVICES_PER_ORDER = 1000;
export const ORGANISATIONS = 50;

export function orgId(i: number): string {
  return `BENCH${String(i).padStart(3, '0')}`;
}
export function appleCustomerNumber(i: number): string {
  return `9${String(i).padStart(5, '0')}`;
}
/** Serial `i` (12 characters, as Apple's): "C" and 11 digits; another prefix for another set of devices. */
export function serial(i: number, prefix = 'C'): string {
  return `${prefix}${String(i).padStart(11, '0')}`;
}
export function orderNumber(o: number): string {
  return `BN${String(o).padStart(7, '0')}`;
}

/** The reseller every benchmark's documents and API calls come from, and its Ship-To. */
export const RESELLER_ID = '16FCE4A0';
export const RESELLER_SHIP_TO = '0000052010';

/**
 * organisations.json and suppliers.json for `seed`: every organisation has added reseller
 * 16FCE4A0, which has `apiKey` when one is given (for the HTTP benchmarks).
 */
export function writeSeed(dir: string, apiKey?: string): void {
  mkdirSync(dir, { recursive: true });
  const organisations = Array.from({ length: ORGANISATIONS }, (_, i) => ({
    orgId: orgId(i),
    name: `Benchmark Organisation ${i}`,
    country: 'US',
    appleCustomerNumbers: [appleCustomerNumber(i)],
    defaultServers: { iPad: 'Bench MDM' },
    resellers: [RESELLER_ID],
  }));
  writeFileSync(join(dir, 'organisations.json'), JSON.stringify({ organisations }));
  writeFileSync(
    join(dir, 'suppliers.json'),
    JSON.stringify({
      suppliers: [
        { supplierId: 'APPLE', kind: 'apple', name: 'Apple', shipTos: [], apiKeys: [] },
        {
          supplierId: RESELLER_ID,
          kind: 'reseller',
          name: 'Brightline Resellers',
          shipTos: [RESELLER_SHIP_TO],
          apiKeys: apiKey === undefined ? [] : [{ label: 'benchmark', key: apiKey }],
        },
      ],
    }),
  );
}

/** Buffers lines and writes in large pieces, waiting for the stream when it is full. */
class LineWriter {
  private parts: string[] = [];
  private size = 0;
  private readonly out;
  constructor(path: string) {
    this.out = createWriteStream(path);
  }
  async line(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size > 1 << 20) await this.flush();
  }
  private async flush(): Promise<void> {
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
  }
}

export async function writeShipNoticeCsv(path: string, serials: number): Promise<void> {
  const w = new LineWriter(path);
  await w.line('order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number\n');
  for (let i = 0; i < serials; i++) {
    const o = Math.floor(i / DEVICES_PER_ORDER);
    await w.line(`${orderNumber(o)},OR,2026-11-02,${orgId(o % ORGANISATIONS)},PO-${o},DL${o},2026-11-03,${serial(i)},,MW6F3LL/A\n`);
  }
  await w.close();
}

/** The reference's input: the same serials, one column per field, for `sqlite3 .import`. */
export const REFERENCE_TABLE_SQL =
  'CREATE TABLE shipped (order_number TEXT, order_type TEXT, order_date TEXT, org_id TEXT, po_number TEXT, delivery_number TEXT, ship_date TEXT, serial TEXT PRIMARY KEY, asset_tag TEXT, part_number TEXT);';

function envelope(kind: 'PO' | 'SH', control: number): { isa: string; gs: string; ge: (sets: number) => string; iea: string } {
  const isaControl = String(control).padStart(9, '0');
  return {
    isa: `ISA*00*          *00*          *ZZ*APPLE          *ZZ*ABMEDIGATEWAY  *261103*1400*U*00401*${isaControl}*0*P*>~\n`,
    gs: `GS*${kind}*APPLE*ABMEDIGATEWAY*20261103*1400*${control}*X*004010~\n`,
    ge: (sets) => `GE*${sets}*${control}~\n`,
    iea: `IEA*1*${isaControl}~\n`,
  };
}

/** One 850 per order: the orders the 856 ships, each for 1,000 iPads. */
export async function writePurchaseOrders850(path: string, serials: number): Promise<void> {
  const w = new LineWriter(path);
  const orders = Math.ceil(serials / DEVICES_PER_ORDER);
  const env = envelope('PO', 7001);
  await w.line(env.isa + env.gs);
  for (let o = 0; o < orders; o++) {
    const st = String(o + 1).padStart(4, '0');
    const quantity = Math.min(DEVICES_PER_ORDER, serials - o * DEVICES_PER_ORDER);
    const segments = [
      `ST*850*${st}`,
      `BEG*00*SA*${orderNumber(o)}**20261102`,
      `CUR*BY*USD`,
      `N1*BY*Benchmark Organisation*91*${appleCustomerNumber(o % ORGANISATIONS)}`,
      `PO1*1*${quantity}*EA*329.00**VP*MW6F3LL/A`,
      `CTT*1`,
    ];
    await w.line(segments.map((s) => `${s}~\n`).join('') + `SE*${segments.length + 1}*${st}~\n`);
  }
  await w.line(env.ge(orders) + env.iea);
  await w.close();
}

/** One 856 transaction set per order (S, O, I levels), its serials in REF*SE segments. */
export async function writeShipNotices856(path: string, serials: number): Promise<void> {
  const w = new LineWriter(path);
  const orders = Math.ceil(serials / DEVICES_PER_ORDER);
  const env = envelope('SH', 7002);
  await w.line(env.isa + env.gs);
  for (let o = 0; o < orders; o++) {
    const st = String(o + 1).padStart(4, '0');
    const first = o * DEVICES_PER_ORDER;
    const count = Math.min(DEVICES_PER_ORDER, serials - first);
    const head = [
      `ST*856*${st}`,
      `BSN*00*DL${o}*20261103*1400`,
      `HL*1**S`,
      `DTM*011*20261103`,
      `HL*2*1*O`,
      `PRF*${orderNumber(o)}`,
      `HL*3*2*I`,
      `LIN**VP*MW6F3LL/A`,
      `SN1**${count}*EA`,
    ];
    let text = head.map((s) => `${s}~\n`).join('');
    for (let i = first; i < first + count; i++) text += `REF*SE*${serial(i)}~\n`;
    text += `CTT*3~\nSE*${head.length + count + 2}*${st}~\n`;
    await w.line(text);
  }
  await w.line(env.ge(orders) + env.iea);
  await w.close();
}

/**
 * The JSON documents of the JSON benchmark (mappings/reseller-api-json.json: the reseller
 * API's bulk-enroll shape), each filled to just under `bytes` (UTF-8 is ASCII here):
 * - `orders`: orders of 1,000 devices (serial and asset tag) over the organisations, as a
 *   reseller's export has them; returns the devices written;
 * - `one-order`: a single order whose deliveries hold 100,000 devices each, the most one
 *   ship notice may: the reader holds an order whole, so this is its largest cost;
 * - `nested-arrays`: orders that are arrays nested 32 deep, each a refused item: the
 *   shape that took the gateway to 1.8 GB when JSON was parsed whole.
 */
export type JsonBenchShape = 'orders' | 'one-order' | 'nested-arrays';

export async function writeJsonDocument(path: string, shape: JsonBenchShape, bytes: number): Promise<number> {
  const w = new LineWriter(path);
  let written = 0;
  const put = async (text: string) => {
    written += text.length;
    await w.line(text);
  };
  /** Room left for a piece of `size` and the closing brackets. */
  const fits = (size: number) => written + size + 64 <= bytes;
  const device = (i: number) => `{"deviceId":"${serial(i, 'J')}","assetTag":"TAG-${i}"}`;
  const DATES = '"orderDate":"2026-11-02T10:00:00Z","orderType":"OR"';
  let devices = 0;
  await put('{"orders":[\n');
  if (shape === 'nested-arrays') {
    const item = `${'['.repeat(32)}${']'.repeat(32)}`;
    for (let first = true; fits(item.length + 1); first = false) await put(first ? item : `,${item}`);
  } else if (shape === 'orders') {
    for (let o = 0; ; o++) {
      const list: string[] = [];
      for (let d = 0; d < DEVICES_PER_ORDER; d++) list.push(device(devices + d));
      const order =
        `${o === 0 ? '' : ',\n'}{"orderNumber":"${orderNumber(o)}",${DATES},"customerId":"${orgId(o % ORGANISATIONS)}","poNumber":null,` +
        `"deliveries":[{"deliveryNumber":"DL${o}","shipDate":"2026-11-03T10:00:00Z","devices":[${list.join(',')}]}]}`;
      if (!fits(order.length)) break;
      await put(order);
      devices += DEVICES_PER_ORDER;
    }
  } else {
    await put(`{"orderNumber":"${orderNumber(0)}",${DATES},"customerId":"${orgId(0)}","deliveries":[`);
    for (let d = 0; fits(200); d++) {
      await put(`${d === 0 ? '' : ','}{"deliveryNumber":"DL${d}","shipDate":"2026-11-03T10:00:00Z","devices":[`);
      for (let i = 0; i < 100_000 && fits(60); i++) await put(`${i === 0 ? '' : ','}${device(devices++)}`);
      await put(']}');
    }
    await put(']}');
  }
  await put(']}\n');
  await w.close();
  return devices;
}
