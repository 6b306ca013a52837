// The export benchmark builds its million-device database with SQL of its own, outside the
// store: at a small size here, so that a change of the schema that breaks it fails in the
// tests, not in the next benchmark run. What it builds reads through the store as the
// benchmark expects: every device with its order line and delivery, a tenth pending.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildDatabase, EXPORT_DEVICES_PER_ORDER } from '../../bench/export.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { countDevicesInStates, heldDevicesBatch } from '../../src/store/device-export-queries.js';

describe('export benchmark database, built small', function () {
  this.timeout(60_000);
  let dir: string;
  let db: Db;
  const large = 3 * EXPORT_DEVICES_PER_ORDER;
  const small = EXPORT_DEVICES_PER_ORDER;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-export-bench-'));
    const path = join(dir, 'export.sqlite3');
    const built = await buildDatabase(path, large, small);
    expect(built.operatorKey).to.match(/^gwk_/);
    db = openDatabase({ databaseUrl: null, sqlitePath: path });
  });
  after(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds every device with its order line, the large organisation first', async () => {
    const count = async (table: string) => Number(((await db(table).count({ n: '*' }).first()) as { n: number }).n);
    expect([await count('devices'), await count('order_lines'), await count('orders')]).to.deep.equal([large + small, large + small, 4]);
    expect(await countDevicesInStates(db, 1, ['enrolled', 'pending'], 1_000_000)).to.equal(large);
    expect(await countDevicesInStates(db, 2, ['enrolled', 'pending'], 1_000_000)).to.equal(small);
  });

  it('reads back through the export query, each device with its order and delivery', async () => {
    const batch = await heldDevicesBatch(db, 1, ['enrolled', 'pending'], '', 5);
    expect(batch.map((r) => r.serial)).to.deep.equal(['C00000000000', 'C00000000001', 'C00000000002', 'C00000000003', 'C00000000004']);
    for (const row of batch) expect([row.order_number, row.delivery_number, row.ship_date]).to.deep.equal(['BX0000000', 'DL0', '2026-11-03T00:00:00Z']);
  });
});
