// Upgrading a database whose device outcomes are rows per device (document_devices): each
// item's devices become one row of document_item_devices, in the same order, with their
// statuses, codes and places, and the store reads them back as before.
import { expect } from 'chai';
import type { Db } from '../../src/store/db.js';
import { countDeviceOutcomes, deviceOutcomesAfter, refusedDeviceOutcomes, type DeviceOutcomeRow } from '../../src/store/outcomes.js';
import { keptDeviceOutcomes } from '../support/content.js';
import { databaseAtMigration, databaseKind } from '../support/db.js';

describe(`migration 017: device outcomes kept per item (${databaseKind()})`, function () {
  this.timeout(120_000);
  let db: Db;
  let upgraded: Awaited<ReturnType<typeof databaseAtMigration>>;

  before(async () => {
    upgraded = await databaseAtMigration('016-document-acks');
    db = upgraded.db;
  });
  after(async () => upgraded.close());

  it('carries every device over, item by item, and drops the old table', async () => {
    const at = '2026-11-01T10:00:00.000Z';
    await db('suppliers').insert({ supplier_id: 'R1', kind: 'reseller', name: 'R', created_at: at });
    const { id: supplierPk } = (await db('suppliers').first('id')) as { id: number };
    const documentRow = (n: number) => ({
      document_id: `doc_${n}`,
      supplier_pk: supplierPk,
      channel: 'cli',
      file_name: `f${n}.csv`,
      format: 'csv',
      sha256: String(n).repeat(64).slice(0, 64),
      size_bytes: 1,
      actor: 'test',
      received_at: at,
      status: 'applied',
      summary_json: '{}',
      errors_json: '[]',
    });
    await db('documents').insert([documentRow(1), documentRow(2)]);
    const [first, second] = ((await db('documents').orderBy('id').select('id')) as { id: number }[]).map((r) => Number(r.id));
    // Item 1 of the first document holds more devices than the migration reads at once
    // (20,000), so that one item spans two of its batches.
    const before: DeviceOutcomeRow[] = [];
    const device = (document_pk: number, item_seq: number, device_seq: number, status: DeviceOutcomeRow['status'], code: string | null = null, params_json: string | null = null): DeviceOutcomeRow => ({
      document_pk,
      item_seq,
      device_seq,
      serial: `S${document_pk}-${item_seq}-${device_seq}`,
      at: `line ${device_seq + 1}`,
      status,
      code,
      params_json,
    });
    for (let i = 1; i <= 25_000; i++) before.push(device(first!, 1, i, 'ENROLLED'));
    before.push(device(first!, 2, 1, 'REFUSED', 'GW-DE-4310', '{"serial":"S"}'), device(first!, 2, 2, 'ENROLLED'), device(first!, 2, 3, 'PENDING', 'GW-OR-4120', null));
    before.push(device(second!, 4, 1, 'AWAITING_ORDER', 'GW-DOC-6010', '{"orderNumber":"O1"}'), device(second!, 5, 1, 'REJECTED', 'GW-DOC-6004', null));
    for (let i = 0; i < before.length; i += 500) await db('document_devices').insert(before.slice(i, i + 500));

    await upgraded.upgrade();

    expect(await db.schema.hasTable('document_devices')).to.equal(false);
    const read = (documentPk: number) => keptDeviceOutcomes(db, documentPk);
    expect(await read(first!)).to.deep.equal(before.filter((r) => r.document_pk === first));
    expect(await read(second!)).to.deep.equal(before.filter((r) => r.document_pk === second));
    expect(await countDeviceOutcomes(db, first!)).to.equal(25_003);
    const items = (await db('document_item_devices').orderBy(['document_pk', 'item_seq']).select('item_seq', 'device_count', 'coded_count', 'refused_count')) as Record<string, number>[];
    expect(items.map((i) => [Number(i.item_seq), Number(i.device_count), Number(i.coded_count), Number(i.refused_count)])).to.deep.equal([
      [1, 25_000, 0, 0],
      [2, 3, 2, 1],
      [4, 1, 1, 0],
      [5, 1, 1, 1],
    ]);
    // Read as the acknowledgements and the devices API read them.
    expect(await refusedDeviceOutcomes(db, first!, 10)).to.deep.equal({ rows: [before[25_000]], total: 1 });
    expect((await deviceOutcomesAfter(db, first!, { itemSeq: 1, deviceSeq: 24_999 }, 3)).map((r) => r.serial)).to.deep.equal([`S${first}-1-25000`, `S${first}-2-1`, `S${first}-2-2`]);
    expect((await deviceOutcomesAfter(db, first!, { itemSeq: 0, deviceSeq: 0 }, 5, 'PENDING')).map((r) => r.serial)).to.deep.equal([`S${first}-2-3`]);
  });
});
