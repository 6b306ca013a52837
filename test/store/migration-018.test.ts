// Upgrading a database whose device history is a row per device and event: each old row
// becomes a set of one, with its id, and device_events, now a view over the sets and
// their serials, answers the same rows. Events written afterwards are sets: one row for
// what a unit did to many devices, a device's events in order, ids after the old ones.
import { expect } from 'chai';
import type { Db } from '../../src/store/db.js';
import { deviceEventsOldestFirst } from '../../src/store/device-queries.js';
import { writeEvents } from '../../src/store/enrollment-store.js';
import type { DeviceEvent } from '../../src/model/state.js';
import { down } from '../../src/store/migrations/018-device-event-sets.js';
import { databaseAtMigration, databaseKind } from '../support/db.js';

describe(`migration 018: device history kept as sets (${databaseKind()})`, function () {
  this.timeout(120_000);
  let db: Db;
  let upgraded: Awaited<ReturnType<typeof databaseAtMigration>>;
  const at = '2026-11-01T10:00:00.000Z';
  const columns = ['id', 'serial', 'at', 'kind', 'from_state', 'to_state', 'org_pk', 'supplier_pk', 'order_number', 'transaction_pk', 'document', 'actor', 'detail'];
  type EventRow = Record<string, unknown> & { id: number; serial: string; kind: string };
  const eventsOf = async (serials: string[]): Promise<EventRow[]> =>
    ((await db('device_events').whereIn('serial', serials).orderBy(['serial', 'id']).select(columns)) as EventRow[]).map((r) => ({ ...r, id: Number(r.id) }));
  const operator = { kind: 'all' as const };

  before(async () => {
    upgraded = await databaseAtMigration('017-item-device-outcomes');
    db = upgraded.db;
  });
  after(async () => upgraded.close());

  it('carries every event over with its id, and the view answers them as the table did', async () => {
    const old = (n: number, serial: string, kind: string, detail: string | null = null) => ({
      serial,
      at: `2026-11-0${n}T10:00:00.000Z`,
      kind,
      from_state: kind === 'enrolled' ? null : 'enrolled',
      to_state: kind === 'enrolled' ? 'enrolled' : 'released',
      org_pk: null,
      supplier_pk: null,
      order_number: kind === 'enrolled' ? `O${n}` : null,
      transaction_pk: null,
      document: `document doc_${n}`,
      actor: 'cli:test',
      detail,
    });
    await db('device_events').insert([old(1, 'MIG18A', 'enrolled'), old(1, 'MIG18B', 'enrolled'), old(2, 'MIG18A', 'released', 'returned to stock')]);
    const before = await eventsOf(['MIG18A', 'MIG18B']);
    expect(before).to.have.length(3);

    await upgraded.upgrade();

    expect(await eventsOf(['MIG18A', 'MIG18B'])).to.deep.equal(before);
    expect(Number(((await db('device_event_sets').count({ n: '*' }).first()) as { n: number | string }).n)).to.equal(3);
    const history = await deviceEventsOldestFirst(db, operator, 'MIG18A', { limit: 10 });
    expect(history.map((e) => [e.event, e.document, e.detail])).to.deep.equal([
      ['enrolled', 'document doc_1', null],
      ['released', 'document doc_2', 'returned to stock'],
    ]);
  });

  it('writes what a unit did to many devices as one set, each device in order, after the old ids', async () => {
    const oldMax = Number(((await db('device_event_sets').max({ m: 'id' }).first()) as { m: number | string }).m);
    const event = (serial: string, kind: DeviceEvent['kind'], fromState: DeviceEvent['fromState'], toState: DeviceEvent['toState']): DeviceEvent => ({
      serial,
      kind,
      fromState,
      toState,
      orgPk: null,
      supplierPk: null,
      orderNumber: 'O9',
      detail: null,
    });
    const serials = Array.from({ length: 100 }, (_, i) => `MIG18S${String(i).padStart(3, '0')}`);
    // A hundred devices enrolled; then one of them released and enrolled again in the same unit.
    const events = [
      ...serials.map((s) => event(s, 'enrolled', null, 'enrolled')),
      event(serials[0]!, 'released', 'enrolled', 'released'),
      event(serials[0]!, 'enrolled', 'released', 'enrolled'),
    ];
    await db.transaction((trx) => writeEvents(trx, events, { transactionPk: null, document: 'document doc_9', actor: 'cli:test', now: at, mode: 'sets' }));

    const sets = (await db('device_event_sets').where('id', '>', oldMax).orderBy('id').select('id', 'kind')) as { id: number | string; kind: string }[];
    // The hundred enrolments, the release, and the second enrolment: a device is in a set once.
    expect(sets.map((s) => s.kind)).to.deep.equal(['enrolled', 'released', 'enrolled']);
    const written = await eventsOf(serials);
    expect(written).to.have.length(102);
    expect(new Set(written.filter((e) => e.kind === 'enrolled' && e.serial !== serials[0]).map((e) => e.id))).to.deep.equal(new Set([Number(sets[0]!.id)]));
    const first = await deviceEventsOldestFirst(db, operator, serials[0]!, { limit: 10 });
    expect(first.map((e) => e.event)).to.deep.equal(['enrolled', 'released', 'enrolled']);
    expect(first.map((e) => e.id)).to.deep.equal(sets.map((s) => Number(s.id)));
    expect(first[0]!.id).to.be.greaterThan(oldMax);
  });

  it("down: a table again, a row per device and event, each device's events in their order", async () => {
    const serials = ['MIG18A', 'MIG18B', 'MIG18S000', 'MIG18S001'];
    const before = (await eventsOf(serials)).map(({ id: _id, ...rest }) => rest);
    await db.transaction((trx) => down(trx));
    const after = (await eventsOf(serials)).map(({ id: _id, ...rest }) => rest);
    expect(after).to.deep.equal(before);
    const ids = (await db('device_events').where('serial', 'MIG18S000').orderBy('id').select('id', 'kind')) as { id: number; kind: string }[];
    expect(ids.map((r) => r.kind)).to.deep.equal(['enrolled', 'released', 'enrolled']);
    expect(new Set((await db('device_events').select('id')).map((r: { id: number | string }) => Number(r.id))).size).to.equal(Number(((await db('device_events').count({ n: '*' }).first()) as { n: number | string }).n));
  });
});
