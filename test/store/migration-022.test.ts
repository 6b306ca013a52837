// Device outcomes compressed with lz4 on PostgreSQL (migration 022): new values are, and
// read back whole; going back restores pglz. SQLite stores the same text uncompressed,
// before and after.
import { expect } from 'chai';
import { down } from '../../src/store/migrations/022-outcomes-lz4.js';
import { insertDocument } from '../../src/store/documents.js';
import { databaseKind, freshDatabase, type TestDb } from '../support/db.js';

describe(`migration 022: device outcomes compressed with lz4 (${databaseKind()})`, function () {
  this.timeout(120_000);
  let t: TestDb;
  const at = '2026-12-01T10:00:00.000Z';
  /** The compression method PostgreSQL gave the column's values: one letter per method, 'l' for lz4, 'p' for pglz. */
  const columnMethod = async () =>
    ((await t.db.raw("SELECT attcompression AS method FROM pg_attribute WHERE attrelid = to_regclass('document_item_devices') AND attname = 'outcomes_json'")) as { rows: { method: string }[] }).rows[0]!.method;

  before(async () => {
    t = await freshDatabase();
  });
  after(async () => t.close());

  it('stores a large outcome text with lz4 and reads it back whole', async () => {
    await t.db('suppliers').insert({ supplier_id: 'R1', kind: 'reseller', name: 'R', created_at: at });
    const supplierPk = Number(((await t.db('suppliers').first('id')) as { id: number }).id);
    const documentPk = await insertDocument(t.db, {
      document_id: 'D22',
      supplier_pk: supplierPk,
      channel: 'cli',
      file_name: 'f.csv',
      format: 'csv',
      mapping_id: null,
      sha256: 'x'.repeat(64),
      size_bytes: 1,
      actor: 'test',
      received_at: at,
      status: 'applied',
      summary_json: '{}',
      errors_json: '[]',
      x12_json: null,
      processed_at: at,
      mapping_sha256: null,
      acks_json: null,
    });
    // A thousand devices' outcomes: large enough to be compressed.
    const outcomes = JSON.stringify(Array.from({ length: 1000 }, (_, i) => [`C02X${String(i).padStart(8, '0')}`, `line ${i + 2}`, 'COMPLETE']));
    await t.db('document_item_devices').insert({ document_pk: documentPk, item_seq: 1, device_count: 1000, coded_count: 0, refused_count: 0, outcomes_json: outcomes });
    const stored = (await t.db('document_item_devices').first('outcomes_json')) as { outcomes_json: string };
    expect(stored.outcomes_json).to.equal(outcomes);
    if (t.kind !== 'postgres') return;
    expect(await columnMethod()).to.equal('l');
    const method = ((await t.db.raw('SELECT pg_column_compression(outcomes_json) AS method FROM document_item_devices')) as { rows: { method: string }[] }).rows[0]!.method;
    expect(method).to.equal('lz4');
    await t.db.transaction((trx) => down(trx));
    expect(await columnMethod()).to.equal('p');
  });
});
