// The devices' (org_pk, state) index holds only devices that are not enrolled (migration
// 021): counts by state take the enrolled as all less the others, the export's capped
// count does the same, and the reads of devices in another state say `state <>
// 'enrolled'` so that SQLite walks the partial index. Checked against counts made here
// from the rows themselves.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { deviceCountsByState, devicesBySerial, pendingDevicesFrom } from '../../src/store/device-queries.js';
import { countDevicesInStates } from '../../src/store/device-export-queries.js';
import type { DeviceState } from '../../src/model/state.js';
import { freshDatabase, type TestDb } from '../support/db.js';

describe(`devices by state through the partial index (${process.env.DATABASE_URL ? 'postgres' : 'sqlite'})`, () => {
  let t: TestDb;
  let orgA: number;
  let orgB: number;
  let supplier: number;
  const at = '2026-12-01T10:00:00.000Z';
  /** Organisation A: 40 enrolled, 7 pending, 5 returned, 3 voided, 2 released; B: 10 enrolled, 4 pending. */
  const plan: [org: 'A' | 'B', state: DeviceState, count: number][] = [
    ['A', 'enrolled', 40],
    ['A', 'pending', 7],
    ['A', 'returned', 5],
    ['A', 'voided', 3],
    ['A', 'released', 2],
    ['B', 'enrolled', 10],
    ['B', 'pending', 4],
  ];

  before(async () => {
    t = await freshDatabase();
    const db = t.db;
    await db('suppliers').insert({ supplier_id: 'R1', kind: 'reseller', name: 'R', created_at: at });
    await db('organisations').insert([
      { org_id: 'ORGA', name: 'A', country: 'US', created_at: at },
      { org_id: 'ORGB', name: 'B', country: 'US', created_at: at },
    ]);
    supplier = Number(((await db('suppliers').first('id')) as { id: number }).id);
    const pks = ((await db('organisations').orderBy('org_id').select('id')) as { id: number }[]).map((r) => Number(r.id));
    [orgA, orgB] = [pks[0]!, pks[1]!];
    let n = 0;
    for (const [org, state, count] of plan) {
      const rows = Array.from({ length: count }, () => ({
        serial: `S${String(n++).padStart(6, '0')}`,
        state,
        org_pk: org === 'A' ? orgA : orgB,
        supplier_pk: supplier,
        order_pk: null,
        family: 'iPad',
        asset_tag: null,
        server: null,
        version: 1,
        updated_at: at,
      }));
      await db('devices').insert(rows);
    }
  });
  after(async () => t.close());

  const expected = (org?: 'A' | 'B') => {
    const counts = new Map<string, number>();
    for (const [o, state, count] of plan) if (org === undefined || o === org) counts.set(state, (counts.get(state) ?? 0) + count);
    return counts;
  };
  const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));

  it('counts each organisation’s devices by state, and all of them, enrolled included', async () => {
    expect(sorted(await deviceCountsByState(t.db, orgA))).to.deep.equal(sorted(expected('A')));
    expect(sorted(await deviceCountsByState(t.db, orgB))).to.deep.equal(sorted(expected('B')));
    expect(sorted(await deviceCountsByState(t.db))).to.deep.equal(sorted(expected()));
  });

  it('an organisation with no enrolled device has no enrolled count', async () => {
    await t.db('organisations').insert({ org_id: 'ORGC', name: 'C', country: 'US', created_at: at });
    const orgC = Number(((await t.db('organisations').where({ org_id: 'ORGC' }).first('id')) as { id: number }).id);
    await t.db('devices').insert({ serial: 'C000001', state: 'returned', org_pk: orgC, supplier_pk: supplier, order_pk: null, family: null, asset_tag: null, server: null, version: 1, updated_at: at });
    expect([...(await deviceCountsByState(t.db, orgC))]).to.deep.equal([['returned', 1]]);
    await t.db('devices').where({ serial: 'C000001' }).delete();
  });

  it('counts the available devices (enrolled and pending) up to the cap, and other states alone', async () => {
    const available = 40 + 7;
    expect(await countDevicesInStates(t.db, orgA, ['enrolled', 'pending'], 1000)).to.equal(available);
    // More than the cap: cap + 1, however many more there are.
    expect(await countDevicesInStates(t.db, orgA, ['enrolled', 'pending'], 20)).to.equal(21);
    expect(await countDevicesInStates(t.db, orgA, ['enrolled', 'pending'], available)).to.equal(available);
    expect(await countDevicesInStates(t.db, orgA, ['enrolled', 'pending'], available - 1)).to.equal(available);
    expect(await countDevicesInStates(t.db, orgA, ['enrolled'], 1000)).to.equal(40);
    expect(await countDevicesInStates(t.db, orgA, ['returned', 'voided'], 1000)).to.equal(8);
    expect(await countDevicesInStates(t.db, orgA, ['returned', 'voided'], 5)).to.equal(6);
    expect(await countDevicesInStates(t.db, orgB, ['enrolled', 'pending'], 1000)).to.equal(14);
  });

  it('lists devices in a state, and the pending ones of a reseller, whole', async () => {
    const pending = await devicesBySerial(t.db, { kind: 'all' }, { state: 'pending', orgId: 'ORGA' }, { limit: 100 });
    expect(pending.map((d) => d.state)).to.deep.equal(Array(7).fill('pending'));
    const enrolled = await devicesBySerial(t.db, { kind: 'all' }, { state: 'enrolled', orgId: 'ORGA' }, { limit: 100 });
    expect(enrolled).to.have.length(40);
    expect(await pendingDevicesFrom(t.db, orgB, supplier)).to.have.length(4);
  });

  it('reads an organisation’s pending devices through the partial index', async () => {
    const asked: { sql: string; bindings: unknown[] }[] = [];
    const listen = (q: { sql: string; bindings: unknown[] }) => asked.push(q);
    t.db.on('query', listen);
    try {
      await pendingDevicesFrom(t.db, orgA, supplier);
    } finally {
      t.db.off('query', listen);
    }
    const { sql, bindings } = asked[0]!;
    let plan: string;
    if (t.kind === 'sqlite') {
      plan = ((await t.db.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings as Knex.RawBinding[])) as { detail: string }[]).map((p) => p.detail).join('\n');
    } else {
      // On a few dozen rows PostgreSQL would rather scan the table: told not to, it says which index it can use.
      plan = await t.db.transaction(async (trx) => {
        await trx.raw('SET LOCAL enable_seqscan = off');
        return ((await trx.raw(`EXPLAIN ${sql.replace(/\$\d+/g, '?')}`, bindings as Knex.RawBinding[])) as { rows: { 'QUERY PLAN': string }[] }).rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    }
    expect(plan).to.include('devices_org_pk_state_unenrolled_index');
  });
});
