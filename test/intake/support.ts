// Helpers for the intake tests: pipeline dependencies on a test database, temporary
// files and mappings, row counts, and readers driven with byte streams cut into chunks.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { BUILTIN_MAPPINGS_DIR, loadMappings, type Mapping } from '../../src/mapping/mapping.js';
import type { DocumentReader, ReadItem } from '../../src/formats/types.js';
import type { IntakeDeps } from '../../src/intake/receive.js';
import { receive } from '../../src/intake/receive.js';
import type { IngestResult } from '../../src/intake/types.js';
import { documentsOf, errorsOf, random } from '../support/read-items.js';
import { testCreditSettings } from '../support/credit.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
export { documentsOf, errorsOf, random };

export const TEST_LIMITS = { maxDocumentBytes: 64 * 1024 * 1024, maxJsonDocumentBytes: 8 * 1024 * 1024, maxErrorsPerDocument: 100 };

export const SAMPLE_CSV = 'samples/documents/brightline-ship-notice.csv';
export const SAMPLE_JSON = 'samples/documents/harbour-orders.json';

/** A temporary folder, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The built-in mappings plus the given ones, written as files and loaded (so validated by the schema). */
export function mappingsWith(extra: object[]): Map<string, Mapping> {
  if (extra.length === 0) return loadMappings();
  const t = tempDir('gw-mappings');
  try {
    for (const m of extra) writeFileSync(join(t.dir, `${(m as { id: string }).id}.json`), JSON.stringify(m, null, 2));
    return loadMappings([BUILTIN_MAPPINGS_DIR, t.dir]);
  } finally {
    t.remove();
  }
}

export function intakeDeps(db: Knex, mappings: Map<string, Mapping> = loadMappings()): IntakeDeps {
  return { db, mappings, limits: { ...TEST_LIMITS }, credit: testCreditSettings(), transactions: DEFAULT_CONFIG.limits };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes `content` to a new file in `dir` and ingests it for `partnerId`. */
export async function ingestText(
  deps: IntakeDeps,
  dir: string,
  fileName: string,
  content: string | Buffer,
  partnerId = '16FCE4A0',
  extra: Partial<Parameters<typeof receive>[1]> = {},
): Promise<IngestResult> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${Date.now()}-${Math.random().toString(36).slice(2)}-${fileName}`);
  writeFileSync(path, content);
  return receive(deps, { partnerId, channel: 'cli', fileName, path, actor: 'test', ...extra });
}

/** Rows of the tables a document can change, to show that a refused one changed nothing. */
export async function tableCounts(db: Knex): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of [
    'devices',
    'orders',
    'deliveries',
    'order_lines',
    'device_events',
    'purchase_orders',
    'document_items',
    'document_item_devices',
    'credit_order_lines',
    'credit_codes',
    'credit_entries',
    'credit_accounts',
  ]) {
    const row = (await db(table).count({ n: '*' }).first()) as { n: number | string };
    out[table] = Number(row.n);
  }
  return out;
}

export interface DeviceRow {
  serial: string;
  state: string;
  org_id: string | null;
  family: string | null;
  asset_tag: string | null;
}

/** Devices of the given serials, with their organisation's id, by serial. */
export async function devicesBySerial(db: Knex, serials: string[]): Promise<Map<string, DeviceRow>> {
  const rows = (await db('devices')
    .leftJoin('organisations', 'organisations.id', 'devices.org_pk')
    .whereIn('devices.serial', serials)
    .select('devices.serial', 'devices.state', 'organisations.org_id', 'devices.family', 'devices.asset_tag')) as DeviceRow[];
  return new Map(rows.map((r) => [r.serial, r]));
}

// ---- readers, fed in chunks ------------------------------------------------------------

export type Cut = 'whole' | number | { seed: number; maxSize: number };


export async function* cutInto(bytes: Buffer, cut: Cut): AsyncIterable<Buffer> {
  if (cut === 'whole') {
    yield bytes;
    return;
  }
  if (typeof cut === 'number') {
    for (let i = 0; i < bytes.length; i += cut) yield bytes.subarray(i, i + cut);
    return;
  }
  const next = random(cut.seed);
  for (let i = 0; i < bytes.length; ) {
    const size = 1 + Math.floor(next() * cut.maxSize);
    yield bytes.subarray(i, i + size);
    i += size;
  }
}

/**
 * Everything a reader yields for `bytes`. A reader that stops answering (neither yields
 * nor ends) fails the test after `deadlineMs`, naming what it had yielded, instead of
 * hanging the suite until mocha's timeout.
 */
export async function readAll(
  reader: DocumentReader,
  mapping: Mapping,
  bytes: Buffer | string,
  opts: { cut?: Cut; fileName?: string; maxErrors?: number; deadlineMs?: number } = {},
): Promise<ReadItem[]> {
  const items: ReadItem[] = [];
  const input = cutInto(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8'), opts.cut ?? 'whole');
  const ctx = { mapping, fileName: opts.fileName ?? 'test.csv', limits: { maxLineBytes: 64 * 1024, maxErrors: opts.maxErrors ?? 100 } };
  const run = (async () => {
    for await (const item of reader(input, ctx)) items.push(item);
  })();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the reader did not finish within ${opts.deadlineMs ?? 1000} ms; it had yielded: ${JSON.stringify(items)}`)),
      opts.deadlineMs ?? 1000,
    );
  });
  try {
    await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
  return items;
}

/** Resolves what `promise` resolves, or fails after `ms` naming `what` (a hung pipeline fails fast). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// X12 text for the tests: interchanges of 850 and 856 sets, and a 997 read back.

/** An 850 transaction set: one order for `customer` (an Apple customer number), one line. */
export function set850(st: string, orderNumber: string, customer: string): string[] {
  return [`ST*850*${st}`, `BEG*00*SA*${orderNumber}**20261102`, `N1*BY*Buyer*91*${customer}`, 'PO1*1*1*EA*329.00**VP*MW6F3LL/A', 'CTT*1'];
}

/** An interchange of one functional group holding the given sets; `iea: false` leaves out the IEA. */
export function interchange(control: string, group: string, functionalId: 'PO' | 'SH', sets: string[][], opts: { iea?: boolean } = {}): string {
  const segments = [
    `ISA*00*          *00*          *ZZ*APPLE          *ZZ*ABMEDIGATEWAY  *261102*0900*U*00401*${control}*0*P*>`,
    `GS*${functionalId}*APPLE*ABMEDIGATEWAY*20261102*0900*${group}*X*004010`,
  ];
  for (const set of sets) segments.push(...set, `SE*${set.length + 1}*${set[0]!.split('*')[2]}`);
  segments.push(`GE*${sets.length}*${group}`);
  if (opts.iea !== false) segments.push(`IEA*1*${control}`);
  return segments.map((s) => `${s}~\n`).join('');
}

/** An 856 of two serials for an order on file. */
export function set856(st: string, delivery: string, orderNumber: string, serials: string[]): string[] {
  return [
    `ST*856*${st}`,
    `BSN*00*${delivery}*20261103*1400`,
    'HL*1**S',
    'DTM*011*20261103',
    'HL*2*1*O',
    `PRF*${orderNumber}`,
    'HL*3*2*I',
    'LIN**VP*MW6F3LL/A',
    `SN1**${serials.length}*EA`,
    ...serials.map((s) => `REF*SE*${s}`),
    'CTT*3',
  ];
}

/** AK2/AK5 pairs and the AK9 of each group of a 997, as [set control, AK501] and AK9's elements. */
export function read997(body: string): { sets: [string, string][]; ak9: string[] }[] {
  const groups: { sets: [string, string][]; ak9: string[] }[] = [];
  let pending = '';
  for (const seg of body.split('~').map((s) => s.trim())) {
    const e = seg.split('*');
    if (e[0] === 'AK1') groups.push({ sets: [], ak9: [] });
    if (e[0] === 'AK2') pending = e[2]!;
    if (e[0] === 'AK5') groups.at(-1)!.sets.push([pending, e[1]!]);
    if (e[0] === 'AK9') groups.at(-1)!.ak9 = e.slice(1);
  }
  return groups;
}
