// Two gateway processes (two connection pools on one database) racing for one serial.
// On PostgreSQL the race is real (both read before either commits); on SQLite the file
// lock serialises writers. Either way exactly one enrollment may win.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { receive, RESELLER_API_MAPPING } from '../../src/intake/receive.js';
import type { IngestResult } from '../../src/intake/types.js';
import { loadMappings } from '../../src/mapping/mapping.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { retryStats } from '../../src/store/db.js';
import { findTransactionByEnrollmentId } from '../../src/store/transactions.js';
import { databaseKind, sampleDatabase, type TestDb } from '../support/db.js';
import { testCreditSettings } from '../support/credit.js';
import type { OrderInput } from '../../src/model/commands.js';

const SHIP_TO: Record<string, string> = { '16FCE4A0': '0000052010', '2B7D9C10': '0000061200' };
const mappings = loadMappings();

/** A bulk-enroll-devices request from `resellerId`, through intake as the reseller API hands it over. */
function submit(db: Knex, resellerId: string, transactionId: string, orders: OrderInput[]): Promise<IngestResult> {
  const body = { depResellerId: resellerId, transactionId, requestContext: { shipTo: SHIP_TO[resellerId], timeZone: '420', langCode: 'en' }, orders };
  const intake = { db, mappings, limits: DEFAULT_CONFIG.intake, credit: testCreditSettings(), transactions: DEFAULT_CONFIG.limits };
  return receive(intake, { partnerId: resellerId, channel: 'reseller-api', fileName: 'bulk-enroll-devices', bytes: Buffer.from(JSON.stringify(body)), mappingId: RESELLER_API_MAPPING, actor: 'test' });
}

async function outcomeOf(db: Knex, r: IngestResult) {
  return (await findTransactionByEnrollmentId(db, r.transaction!.enrollmentId))!.outcome;
}

function orderFor(orderNumber: string, customerId: string, serial: string): OrderInput {
  return {
    orderNumber,
    orderType: 'OR',
    orderDate: '2026-03-01T08:00:00Z',
    customerId,
    deliveries: [{ deliveryNumber: 'D1', shipDate: '2026-03-02T08:00:00Z', devices: [{ deviceId: serial }] }],
  };
}

describe(`concurrent enrollment of one serial (${databaseKind()})`, function () {
  let t: TestDb;

  before(async function () {
    if (databaseKind() === 'sqlite') {
      console.warn('    NOTE: DATABASE_URL is not set: this race runs on SQLite only; CI runs it on PostgreSQL too.');
    }
    t = await sampleDatabase();
  });
  after(async () => t.close());

  it('lets exactly one of two organisations win each serial; the other gets 4304', async function () {
    const other = t.openAnother();
    const rounds = 15;
    const retriesBefore = retryStats.retries;
    for (let i = 0; i < rounds; i++) {
      const serial = `RACE${String(i).padStart(6, '0')}`;
      const [ra, rb] = await Promise.all([
        submit(t.db, '16FCE4A0', `RA-${i}`, [orderFor(`OA-${i}`, '19827', serial)]),
        submit(other, '2B7D9C10', `RB-${i}`, [orderFor(`OB-${i}`, '30411', serial)]),
      ]);
      const [oa, ob] = [await outcomeOf(t.db, ra), await outcomeOf(t.db, rb)];
      const statuses = [oa, ob].map((o) => o.orders[0]!.deliveries[0]!.devices[0]!.status).sort();
      expect(statuses, `round ${i}`).to.deep.equal(['COMPLETE', 'DEP-ERR-DE-4304']);
      const winner = oa.statusCode === 'COMPLETE' ? '19827' : '30411';
      const device = (await t.db('devices as d').join('organisations as o', 'o.id', 'd.org_pk').where('d.serial', serial).first('d.state', 'o.org_id')) as {
        state: string;
        org_id: string;
      };
      expect(device).to.deep.equal({ state: 'enrolled', org_id: winner });
      const live = await t.db('order_lines').where({ serial, status: 'live' }).count<{ n: number | string }[]>({ n: '*' });
      expect(Number(live[0]!.n)).to.equal(1);
    }
    // Not asserted (timing decides), but shown: how many losers really raced and re-read.
    console.log(`      ${retryStats.retries - retriesBefore} lost race(s) retried in ${rounds} rounds`);
  });

  // The order lines hold no unique key (migration 019): a line that is added or goes live
  // is guarded by the write of its device (its insert, keyed by serial, or its versioned
  // update). Without the device's version check the second race leaves two live lines
  // (checked by removing it).
  it('adds a serial to one order once when two deliveries of it race', async function () {
    const other = t.openAnother();
    await submit(t.db, '16FCE4A0', 'SAME-0', [orderFor('O-SAME', '19827', 'SAME00000001')]);
    for (let i = 1; i <= 5; i++) {
      const serial = `SAME0000010${i}`;
      const delivery = (d: string): OrderInput => ({ ...orderFor('O-SAME', '19827', serial), deliveries: [{ deliveryNumber: d, shipDate: '2026-03-02T08:00:00Z', devices: [{ deviceId: serial }] }] });
      await Promise.all([submit(t.db, '16FCE4A0', `SAME-${i}-A`, [delivery(`DA${i}`)]), submit(other, '16FCE4A0', `SAME-${i}-B`, [delivery(`DB${i}`)])]);
      const lines = await t.db('order_lines as l').join('orders as o', 'o.id', 'l.order_pk').where({ 'o.order_number': 'O-SAME', 'l.serial': serial }).select('l.status');
      expect(lines, `round ${i}`).to.deep.equal([{ status: 'live' }]);
    }
  });

  it('lets one of two organisations win a returned device again; one live line', async function () {
    const other = t.openAnother();
    for (let i = 0; i < 5; i++) {
      const serial = `BACK${String(i).padStart(8, '0')}`;
      await submit(t.db, '16FCE4A0', `BACK-${i}-OR`, [orderFor(`OBACK-${i}`, '19827', serial)]);
      const returned = await submit(t.db, '16FCE4A0', `BACK-${i}-RE`, [{ ...orderFor(`RBACK-${i}`, '19827', serial), orderType: 'RE', orderDate: '2026-03-05T08:00:00Z', deliveries: [{ deliveryNumber: 'R1', shipDate: '2026-03-06T08:00:00Z', devices: [{ deviceId: serial }] }] }]);
      expect(await outcomeOf(t.db, returned), `round ${i}: the return`).to.nested.include({ statusCode: 'COMPLETE' });
      const [ra, rb] = await Promise.all([
        submit(t.db, '16FCE4A0', `BACK-${i}-A`, [orderFor(`OBACK-A-${i}`, '19827', serial)]),
        submit(other, '2B7D9C10', `BACK-${i}-B`, [orderFor(`OBACK-B-${i}`, '30411', serial)]),
      ]);
      const statuses = [await outcomeOf(t.db, ra), await outcomeOf(t.db, rb)].map((o) => o.orders[0]!.deliveries[0]!.devices[0]!.status).sort();
      expect(statuses, `round ${i}`).to.deep.equal(['COMPLETE', 'DEP-ERR-DE-4304']);
      const live = await t.db('order_lines as l').join('orders as o', 'o.id', 'l.order_pk').where({ 'l.serial': serial, 'l.status': 'live', 'o.kind': 'sale' }).count<{ n: number | string }[]>({ n: '*' });
      expect(Number(live[0]!.n), `round ${i}`).to.equal(1);
    }
  });

  it('applies a transaction id sent twice at once only once, answering both with one id', async function () {
    const other = t.openAnother();
    const orders = [orderFor('O-TWICE', '19827', 'TWICE0000001')];
    const [r1, r2] = await Promise.all([submit(t.db, '16FCE4A0', 'TWICE-1', orders), submit(other, '16FCE4A0', 'TWICE-1', orders)]);
    expect(r1.transaction!.enrollmentId).to.equal(r2.transaction!.enrollmentId);
    expect([r1.transaction!.kind, r2.transaction!.kind].sort()).to.deep.equal(['applied', 'repeated']);
    const events = await t.db('device_events').where({ serial: 'TWICE0000001' }).count<{ n: number | string }[]>({ n: '*' });
    expect(Number(events[0]!.n)).to.equal(1);
  });
});
