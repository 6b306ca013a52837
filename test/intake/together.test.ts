// Independent ship notices of a file are applied together (DocumentRun.applyTogether): one
// load and one write for several orders, with every outcome what applying them one by one
// gives. A batch in which the rules refuse a notice, or whose notices depend on each other,
// is applied one by one, so the refusal is reported as it always was.
import { expect } from 'chai';
import type { Knex } from 'knex';
import type { IntakeDeps } from '../../src/intake/receive.js';
import type { IngestResult } from '../../src/intake/types.js';
import { databaseKind, sampleDatabase, type TestDb } from '../support/db.js';
import { ingestText, intakeDeps, tempDir } from './support.js';

const HEADER = 'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number\n';
/** Serials of ten characters, as the rules want them. */
const serial = (name: string) => name.padEnd(10, '0');
const order = (number: string, serials: string[], shipDate = '2026-11-03') =>
  serials.map((s) => `${number},OR,2026-11-02,19827,PO-${number},D-${number},${shipDate},${serial(s)},,MW6F3LL/A\n`).join('');

/** Statements that looked devices up by serial while `work` ran. */
async function deviceLookups(db: Knex, work: () => Promise<IngestResult>): Promise<{ result: IngestResult; lookups: number }> {
  let lookups = 0;
  const count = (q: { sql: string }) => {
    if (/from [`"]devices[`"] as [`"]d[`"]/.test(q.sql)) lookups++;
  };
  db.on('query', count);
  try {
    return { result: await work(), lookups };
  } finally {
    db.off('query', count);
  }
}

describe(`intake: independent ship notices applied together (${databaseKind()})`, function () {
  this.timeout(30_000);
  let t: TestDb;
  let tmp: ReturnType<typeof tempDir>;
  const deps = (togetherNotices: number): IntakeDeps => {
    const d = intakeDeps(t.db);
    return { ...d, limits: { ...d.limits, togetherNotices } };
  };
  const strip = (r: IngestResult) => ({ ...r, documentId: undefined, sha256: undefined, errors: r.errors.map((e) => ({ ...e, message: e.message.replace(/TG\d/g, 'TG') })) });

  before(async () => {
    t = await sampleDatabase();
    tmp = tempDir('gw-together');
  });
  after(async () => {
    await t?.close();
    tmp?.remove();
  });

  it('six new orders four at a time: two device lookups instead of six, the same outcome', async () => {
    const file = (run: string) => HEADER + [1, 2, 3, 4, 5, 6].map((o) => order(`${run}-${o}`, [`${run}S${o}A`, `${run}S${o}B`, `${run}S${o}A`])).join('');
    const together = await deviceLookups(t.db, () => ingestText(deps(4), tmp.dir, 'together.csv', file('TG1')));
    const alone = await deviceLookups(t.db, () => ingestText(deps(1), tmp.dir, 'alone.csv', file('TG2')));
    expect(together.lookups).to.equal(2);
    expect(alone.lookups).to.equal(6);
    expect(together.result.status).to.equal('applied_with_errors'); // each order lists a serial twice
    expect(together.result.summary).to.deep.include({ shipNotices: 6, devicesEnrolled: 12, devicesRefused: 6 });
    expect(strip(together.result)).to.deep.equal(strip(alone.result));
  });

  it('a notice the rules refuse inside a batch: the file is refused as one by one refuses it, nothing applied', async () => {
    const file = (run: string) => HEADER + order(`${run}-1`, [`${run}R1`]) + order(`${run}-2`, [`${run}R2`], '2026-11-01') + order(`${run}-3`, [`${run}R3`]);
    const together = await ingestText(deps(4), tmp.dir, 'refused.csv', file('TG3'));
    const alone = await ingestText(deps(1), tmp.dir, 'refused.csv', file('TG4'));
    expect(together.status).to.equal('rejected');
    expect(together.errors.map((e) => e.code)).to.deep.equal(['DEP-ERR-DL-4203']);
    expect(strip(together)).to.deep.equal(strip(alone));
    expect(await t.db('devices').whereIn('serial', ['TG3R1', 'TG3R3'].map(serial)).count({ n: '*' }).first()).to.deep.include({ n: databaseKind() === 'postgres' ? '0' : 0 });
  });

  it('notices that ship the same serial depend on each other: applied one by one, the second refused as alone', async () => {
    const file = (run: string) => HEADER + order(`${run}-1`, [`${run}X1`, 'TGSHARED']) + order(`${run}-2`, [`${run}X2`, 'TGSHARED']);
    const together = await deviceLookups(t.db, () => ingestText(deps(4), tmp.dir, 'shared.csv', file('TG5')));
    expect(together.lookups).to.equal(2);
    expect(together.result.summary).to.deep.include({ devicesEnrolled: 3, devicesRefused: 1 });
  });
});
