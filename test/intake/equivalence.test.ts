// The two ways of writing a unit's new rows give the same database. The same generated
// documents and reseller-API requests (new serials, serials another organisation holds,
// released serials, serials listed twice, bad serials, pending organisations, second
// deliveries, returns, overrides and voids, independent orders of one delivery each, and
// units of new serials only, which the rules answer as sets of devices) go
// through intake twice, on two databases that start alike: once with every new row written
// as a set (json_each on SQLite, COPY on PostgreSQL) and independent ship notices applied
// together, once row by row (multi-row INSERTs) and item by item. Every result and every row of
// every table intake writes must be the same, ids and clocks aside.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { receive, RESELLER_API_MAPPING, type IntakeDeps } from '../../src/intake/receive.js';
import type { IngestResult } from '../../src/intake/types.js';
import { loadMappings } from '../../src/mapping/mapping.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { releaseDeviceFromOrg } from '../../src/admin/operations.js';
import type { WriteMode } from '../../src/store/sets.js';
import { databaseKind, sampleDatabase, TEST_ACTOR, type TestDb } from '../support/db.js';
import { testCreditSettings } from '../support/credit.js';
import { random } from '../support/read-items.js';
import type { DeviceOutcomeRow } from '../../src/store/outcomes.js';
import { keptDeviceOutcomes } from '../support/content.js';

const HEADER = 'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number';
const PARTS = ['MW6F3LL/A', 'MX2E3LL/A', 'MYMJ3LL/A', 'Z0001'];
const ORGS = ['19827', '55120', '30411'];

interface Received {
  partner: string;
  fileName: string;
  bytes: string;
  api: boolean;
}

/** A reproducible sequence of documents and requests, with every case the rules tell apart. */
function generate(seed: number): { received: Received[]; released: string[] } {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const serial = (n: number) => `EQ${String(n).padStart(8, '0')}`;
  let next = 0;
  const used: string[] = [];
  const received: Received[] = [];
  const fresh = () => {
    const s = serial(next++);
    used.push(s);
    return s;
  };
  const some = (n: number) => Array.from({ length: n }, () => (used.length > 0 && rnd() < 0.15 ? pick(used) : fresh()));
  for (let d = 0; d < 6; d++) {
    const rows: string[] = [];
    for (let o = 0; o < 3; o++) {
      const order = `EQ-${d}-${o}`;
      const org = pick(ORGS);
      for (let delivery = 0; delivery < 2; delivery++) {
        const serials = some(40 + Math.floor(rnd() * 40));
        if (rnd() < 0.3) serials.push(serials[0]!); // listed twice
        if (rnd() < 0.3) serials.push('bad serial!');
        for (const s of serials) rows.push(`${order},OR,2026-11-02,${org},PO-${order},D${delivery}-${order},2026-11-0${3 + delivery},${s},${rnd() < 0.2 ? `TAG-${s.length}` : ''},${pick(PARTS)}`);
      }
    }
    received.push({ partner: '16FCE4A0', fileName: `eq-${d}.csv`, bytes: `${HEADER}\n${rows.join('\n')}\n`, api: false });
    // Orders of one delivery each, mostly of new serials: applied together where nothing ties them.
    const single: string[] = [];
    for (let o = 0; o < 7; o++) {
      const order = `EQ-S-${d}-${o}`;
      const org = pick(ORGS);
      const count = 20 + Math.floor(rnd() * 20);
      const serials = rnd() < 0.3 ? some(count) : Array.from({ length: count }, fresh);
      if (rnd() < 0.2) serials.push(serials[0]!); // listed twice
      for (const s of serials) single.push(`${order},OR,2026-11-02,${org},PO-${order},DS-${order},2026-11-03,${s},${rnd() < 0.3 ? `TAG-${s}` : ''},${pick(PARTS)}`);
    }
    received.push({ partner: '16FCE4A0', fileName: `eq-single-${d}.csv`, bytes: `${HEADER}\n${single.join('\n')}\n`, api: false });
    // A reseller-API transaction between files: returns, an override, a void, new orders.
    const orders: unknown[] = [];
    const previous = `EQ-${d}-0`;
    const kind = pick(['RE', 'OV', 'VD', 'OR']);
    const devices = (n: number, serials = some(n)) => serials.map((deviceId) => ({ deviceId, ...(rnd() < 0.3 ? { deviceFamily: 'iPad' } : {}), ...(rnd() < 0.3 ? { assetTag: `API-${deviceId}` } : {}) }));
    if (kind === 'RE') orders.push({ orderNumber: `EQ-RET-${d}`, orderDate: '2026-11-05T10:00:00Z', orderType: 'RE', customerId: pick(ORGS), deliveries: [{ deliveryNumber: 'R1', shipDate: '2026-11-05T10:00:00Z', devices: used.slice(-30).map((deviceId) => ({ deviceId })) }] });
    if (kind === 'OV') orders.push({ orderNumber: previous, orderDate: '2026-11-02T00:00:00Z', orderType: 'OV', customerId: pick(ORGS), poNumber: `PO-${previous}`, deliveries: [{ deliveryNumber: 'OV1', shipDate: '2026-11-06T10:00:00Z', devices: devices(50) }] });
    if (kind === 'VD') orders.push({ orderNumber: previous, orderDate: '2026-11-02T00:00:00Z', orderType: 'VD', customerId: pick(ORGS) });
    // New serials only, every other time: the transaction's devices then go in as sets (domain/enrollment.ts onlyNewSerials).
    const apiDevices = kind === 'OR' && d % 2 === 0 ? devices(70, Array.from({ length: 70 }, fresh)) : devices(70);
    orders.push({ orderNumber: `EQ-API-${d}`, orderDate: '2026-11-02T10:00:00Z', orderType: 'OR', customerId: pick(ORGS), deliveries: [{ deliveryNumber: 'A1', shipDate: '2026-11-03T10:00:00Z', devices: apiDevices }] });
    const body = { depResellerId: '16FCE4A0', transactionId: `EQ-TX-${d}`, requestContext: { shipTo: '0000052010', timeZone: '420', langCode: 'en' }, orders };
    received.push({ partner: '16FCE4A0', fileName: 'bulk-enroll-devices', bytes: JSON.stringify(body), api: true });
  }
  // Serials released before anything arrives: every later order naming them is refused.
  return { received, released: [serial(3), serial(17), serial(60)] };
}

/** Every table intake writes, each row with what does not depend on ids or clocks. */
async function snapshot(db: Knex, alsoDrop: readonly string[] = []): Promise<Record<string, unknown[]>> {
  const tokens = new Map<string, string>();
  const token = (id: string) => {
    if (!tokens.has(id)) tokens.set(id, `#${tokens.size}`);
    return tokens.get(id)!;
  };
  // Document and enrollment ids are random: named by their order of first appearance.
  const stable = (v: unknown): unknown =>
    typeof v === 'string' ? v.replace(/doc_[0-9a-f-]{36}/g, token).replace(/[0-9a-f-]{36}_\d{13}/g, token) : v;
  const drop = new Set(['id', 'received_at', 'processed_at', 'updated_at', 'created_at', 'completed_at', 'version', ...alsoDrop]);
  const tables: [string, string[]][] = [
    ['documents', ['id']],
    ['document_items', ['document_pk', 'seq']],
    ['document_item_devices', ['document_pk', 'item_seq']],
    ['orders', ['supplier_pk', 'order_number']],
    ['deliveries', ['order_pk', 'delivery_number']],
    ['order_lines', ['order_pk', 'serial']],
    ['devices', ['serial']],
    ['device_events', ['serial', 'id']],
    ['purchase_orders', ['supplier_pk', 'order_number']],
    ['transactions', ['supplier_pk', 'transaction_id']],
  ];
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of tables) {
    const rows = (await db(table).orderBy(order.map((column) => ({ column })))) as Record<string, unknown>[];
    out[table] = rows.map((r) =>
      Object.fromEntries(
        Object.entries(r)
          .filter(([k]) => !drop.has(k) && !(table === 'device_events' && k === 'at'))
          .map(([k, v]) => [k, stable(k === 'bytes' ? null : v)]),
      ),
    );
  }
  return out;
}

describe(`intake: sets and rows give the same database (${databaseKind()})`, function () {
  this.timeout(120_000);
  // 'threaded': written as sets, every document read on a thread of its own (formats/off-thread.ts).
  // 'portions': written as sets, every sale's ship notice of more than 9 devices applied in portions of 9.
  const runs: Partial<Record<WriteMode | 'threaded' | 'portions', { t: TestDb; results: IngestResult[] }>> = {};
  let dir: string;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'gw-equivalence-'));
    const { received, released } = generate(20261202);
    for (const run of ['sets', 'rows', 'threaded', 'portions'] as const) {
      const t = await sampleDatabase();
      const mode: WriteMode = run === 'rows' ? 'rows' : 'sets';
      // 'sets' holds a document's new rows on both databases (store/sets.ts HeldSets), written
      // when a table holds 100, when a later order reads a serial or order they name, and at
      // the end, and applies up to three independent ship notices together; 'threaded' holds
      // and batches as each database does by default; 'rows' applies every item alone.
      const limits =
        run === 'threaded'
          ? { ...DEFAULT_CONFIG.intake, readOffThreadBytes: 0 }
          : run === 'sets'
            ? { ...DEFAULT_CONFIG.intake, heldSetRows: 100, togetherNotices: 3 }
            : run === 'portions'
              ? { ...DEFAULT_CONFIG.intake, heldSetRows: 100, togetherNotices: 3, noticePortionDevices: 9 }
              : DEFAULT_CONFIG.intake;
      const deps: IntakeDeps = { db: t.db, mappings: loadMappings(), limits, credit: testCreditSettings(), transactions: DEFAULT_CONFIG.limits, writeMode: mode };
      // A first order holds the serials to be released, so that a release is possible.
      const seedOrder = { depResellerId: '16FCE4A0', transactionId: 'EQ-SEED', requestContext: { shipTo: '0000052010', timeZone: '420', langCode: 'en' }, orders: [{ orderNumber: 'EQ-SEED', orderDate: '2026-11-01T10:00:00Z', orderType: 'OR', customerId: '19827', deliveries: [{ deliveryNumber: 'S1', shipDate: '2026-11-01T12:00:00Z', devices: released.map((deviceId) => ({ deviceId })) }] }] };
      const results: IngestResult[] = [];
      results.push(await receive(deps, { partnerId: '16FCE4A0', channel: 'reseller-api', fileName: 'bulk-enroll-devices', bytes: Buffer.from(JSON.stringify(seedOrder)), mappingId: RESELLER_API_MAPPING, actor: 'test' }));
      for (const serial of released) await releaseDeviceFromOrg(t.db, TEST_ACTOR, '19827', serial, 'sold');
      for (const [i, r] of received.entries()) {
        if (r.api) {
          results.push(await receive(deps, { partnerId: r.partner, channel: 'reseller-api', fileName: r.fileName, bytes: Buffer.from(r.bytes), mappingId: RESELLER_API_MAPPING, actor: 'test' }));
        } else {
          const path = join(dir, `${run}-${i}-${r.fileName}`);
          writeFileSync(path, r.bytes);
          results.push(await receive(deps, { partnerId: r.partner, channel: 'cli', fileName: r.fileName, path, actor: 'test' }));
        }
      }
      runs[run] = { t, results };
    }
  });
  after(async function () {
    for (const run of Object.values(runs)) await run?.t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the generated input covers what the rules tell apart', async function () {
    const { t } = runs.sets!;
    const outcomes: DeviceOutcomeRow[] = [];
    for (const doc of (await t.db('documents').select('id')) as { id: number }[]) outcomes.push(...(await keptDeviceOutcomes(t.db, doc.id)));
    const codes = [...new Set(outcomes.map((r) => r.code).filter((c): c is string => c !== null))];
    for (const code of ['DEP-ERR-DE-4301', 'GW-DE-4310']) expect(codes, `device outcomes: ${codes.join(', ')}`).to.include(code);
    const states = (await t.db('devices').distinct('state')).map((r: { state: string }) => r.state);
    for (const state of ['enrolled', 'pending', 'released']) expect(states).to.include(state);
    expect(outcomes.length).to.be.above(500);
  });

  const strip = (r: IngestResult) => JSON.parse(JSON.stringify({ ...r, documentId: undefined, duplicateOf: undefined, transaction: r.transaction && { ...r.transaction, enrollmentId: undefined } }).replace(/doc_[0-9a-f-]{36}/g, 'doc'));
  const sameTables = async (a: Knex, b: Knex, alsoDrop: readonly string[] = []): Promise<void> => {
    const [left, right] = [await snapshot(a, alsoDrop), await snapshot(b, alsoDrop)];
    for (const table of Object.keys(left)) expect(left[table], table).to.deep.equal(right[table]);
  };

  it('every result is the same', function () {
    expect(runs.sets!.results.map(strip)).to.deep.equal(runs.rows!.results.map(strip));
  });

  it('every row of every table intake writes is the same', async function () {
    await sameTables(runs.sets!.t.db, runs.rows!.t.db);
  });

  it('documents read on a thread of their own give the same results and rows', async function () {
    expect(runs.threaded!.results.map(strip)).to.deep.equal(runs.sets!.results.map(strip));
    await sameTables(runs.threaded!.t.db, runs.sets!.t.db);
  });

  it('ship notices applied in portions give the same results and rows, their history in more sets', async function () {
    expect(runs.portions!.results.map(strip)).to.deep.equal(runs.sets!.results.map(strip));
    // A new device's row names the history set it was made in (migration 023): a portion's
    // devices are made in a set of their own, so those ids differ; each device's events are
    // compared through device_events all the same.
    await sameTables(runs.portions!.t.db, runs.sets!.t.db, ['first_event_set_id']);
    const sets = async (db: Knex) => Number(((await db('device_event_sets').count({ n: '*' })) as { n: number | string }[])[0]!.n);
    expect(await sets(runs.portions!.t.db), 'history sets: more when notices are applied in portions').to.be.above(await sets(runs.sets!.t.db));
  });
});
