// A new device's first event on its own row (migration 023): a ship notice's devices name
// their history set on their rows and write no pair for it; a later event (a release) is a
// pair; a device's history reads both, in order, as before. Going back moves the first
// events into pairs, and the history reads the same.
import { expect } from 'chai';
import { releaseDeviceFromOrg } from '../../src/admin/operations.js';
import { latestDeviceEvents } from '../../src/store/device-queries.js';
import { down, up } from '../../src/store/migrations/023-first-event-on-device.js';
import { sampleDatabase, TEST_ACTOR, databaseKind, type TestDb } from '../support/db.js';
import { ingestText, intakeDeps, tempDir } from '../intake/support.js';

describe(`migration 023: a new device's first event on its row (${databaseKind()})`, function () {
  this.timeout(120_000);
  let t: TestDb;
  let files: ReturnType<typeof tempDir>;
  const serials = ['M23SERIAL001', 'M23SERIAL002', 'M23SERIAL003'];
  const csv = ['order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number', ...serials.map((s) => `M23-1,OR,2026-11-02,19827,PO-23,M23-D1,2026-11-03,${s},,MW6F3LL/A`)].join('\n');
  const pairsOf = async (serial: string) => ((await t.db('device_event_serials').where({ serial }).orderBy('set_id').select('set_id')) as { set_id: number | string }[]).map((r) => Number(r.set_id));
  const history = async (serial: string) => (await latestDeviceEvents(t.db, serial, 10)).map((e) => [e.event, e.toState, e.orderNumber]);

  before(async () => {
    t = await sampleDatabase();
    files = tempDir('gw-m23');
  });
  after(async () => {
    files.remove();
    await t.close();
  });

  it('writes no pair for a new device\'s first event, a pair for a later one, and reads both in order', async () => {
    const result = await ingestText(intakeDeps(t.db), files.dir, 'm23.csv', csv);
    expect(result.status).to.equal('applied');
    const rows = (await t.db('devices').whereIn('serial', serials).orderBy('serial').select('serial', 'first_event_set_id')) as { serial: string; first_event_set_id: number | string | null }[];
    expect(rows).to.have.length(3);
    const setIds = new Set(rows.map((r) => Number(r.first_event_set_id)));
    expect(setIds.size, 'one set for the notice').to.equal(1);
    const [setId] = [...setIds];
    expect((await t.db('device_event_sets').where({ id: setId }).first('kind', 'order_number')) as object).to.deep.equal({ kind: 'enrolled', order_number: 'M23-1' });
    for (const serial of serials) expect(await pairsOf(serial), serial).to.deep.equal([]);

    const released = await releaseDeviceFromOrg(t.db, TEST_ACTOR, '19827', serials[0]!, 'sold');
    expect(released).to.not.have.property('code');
    const releasePairs = await pairsOf(serials[0]!);
    expect(releasePairs).to.have.length(1);
    expect(releasePairs[0]).to.be.greaterThan(setId!);
    // Newest first.
    expect(await history(serials[0]!)).to.deep.equal([
      ['released', 'released', 'M23-1'],
      ['enrolled', 'enrolled', 'M23-1'],
    ]);
    expect(await history(serials[1]!)).to.deep.equal([['enrolled', 'enrolled', 'M23-1']]);
  });

  it('does the same when the devices are written row by row', async () => {
    const rowSerials = ['M23ROWS00001', 'M23ROWS00002'];
    const rowsCsv = csv.split('\n')[0] + '\n' + rowSerials.map((s) => `M23-2,OR,2026-11-02,19827,PO-23R,M23-D2,2026-11-03,${s},,MW6F3LL/A`).join('\n');
    const result = await ingestText({ ...intakeDeps(t.db), writeMode: 'rows' }, files.dir, 'm23-rows.csv', rowsCsv);
    expect(result.status).to.equal('applied');
    for (const serial of rowSerials) {
      expect(await pairsOf(serial), serial).to.deep.equal([]);
      expect(await history(serial), serial).to.deep.equal([['enrolled', 'enrolled', 'M23-2']]);
    }
    const rows = (await t.db('devices').whereIn('serial', rowSerials).select('first_event_set_id')) as { first_event_set_id: number | string | null }[];
    expect(rows.every((r) => r.first_event_set_id !== null)).to.equal(true);
  });

  it('down: first events become pairs and the history reads the same; up again keeps it', async () => {
    const before = await Promise.all(serials.map(history));
    await t.db.transaction((trx) => down(trx));
    expect(await Promise.all(serials.map(history))).to.deep.equal(before);
    expect(await pairsOf(serials[1]!)).to.have.length(1);
    expect(await pairsOf(serials[0]!)).to.have.length(2);
    await t.db.transaction((trx) => up(trx));
    expect(await Promise.all(serials.map(history))).to.deep.equal(before);
  });
});
