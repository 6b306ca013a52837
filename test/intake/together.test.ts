// Independent ship notices of a file are applied together (DocumentRun.applyTogether): one
// load and one write for several orders, with every outcome what applying them one by one
// gives; X12 transaction sets of ship notices likewise, with no savepoint. A batch in which
// the rules refuse a notice, or whose notices depend on each other, is applied one by one
// (each set in its savepoint), so the refusal is reported as it always was.
import { expect } from 'chai';
import type { Knex } from 'knex';
import type { IntakeDeps } from '../../src/intake/receive.js';
import type { IngestResult } from '../../src/intake/types.js';
import { databaseKind, sampleDatabase, type TestDb } from '../support/db.js';
import { documentAcks } from '../../src/intake/acks.js';
import { ingestText, interchange, intakeDeps, read997, set850, set856, tempDir } from './support.js';

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

  describe('X12 transaction sets', () => {
    const orders = (run: string) => interchange(`000007${run}0`, `${run}0`, 'PO', [1, 2, 3, 4, 5].map((k) => set850(`000${k}`, `${run}-PO${k}`, '0000123456')));
    const sets = (run: string, early?: number) =>
      interchange(
        `000007${run}1`,
        `${run}1`,
        'SH',
        [1, 2, 3, 4, 5].map((k) => {
          const set = set856(`000${k}`, `${run}-D${k}`, `${run}-PO${k}`, [serial(`X${run}${k}A`), serial(`X${run}${k}B`)]);
          return k === early ? set.map((seg) => seg.replace('20261103', '20261101')) : set;
        }),
      );
    async function shipped(togetherNotices: number, run: string, early?: number) {
      expect((await ingestText(deps(togetherNotices), tmp.dir, `${run}-850.edi`, orders(run), 'APPLE')).status).to.equal('applied');
      const { result, lookups } = await deviceLookups(t.db, () => ingestText(deps(togetherNotices), tmp.dir, `${run}-856.edi`, sets(run, early), 'APPLE'));
      const ack = (await documentAcks(deps(togetherNotices), result.documentId)).find((a) => a.kind === '997');
      return { result, lookups, ack997: read997(ack!.body) };
    }

    it('five sets four at a time: two device lookups instead of five, every set A, as each alone', async () => {
      const together = await shipped(4, '71');
      const alone = await shipped(1, '72');
      expect(together.lookups).to.equal(2);
      expect(alone.lookups).to.equal(5);
      expect(together.result.summary).to.deep.include({ shipNotices: 5, devicesEnrolled: 10, devicesRefused: 0 });
      expect(together.ack997).to.deep.equal(alone.ack997);
      expect(together.ack997[0]!.sets.map(([, status]) => status)).to.deep.equal(['A', 'A', 'A', 'A', 'A']);
    });

    it('a set the rules refuse among them: each set in its savepoint, that one R and rolled back, the others A', async () => {
      const together = await shipped(4, '73', 2);
      const alone = await shipped(1, '74', 2);
      expect(together.result.status).to.equal('applied_with_errors');
      expect(together.ack997[0]!.sets.map(([, status]) => status)).to.deep.equal(['A', 'R', 'A', 'A', 'A']);
      expect(together.ack997).to.deep.equal(alone.ack997);
      expect(strip(together.result).summary).to.deep.equal(strip(alone.result).summary);
      expect(await t.db('devices').whereIn('serial', ['X732A', 'X732B'].map(serial)).count({ n: '*' }).first()).to.deep.include({ n: databaseKind() === 'postgres' ? '0' : 0 });
    });
  });

  it('notices that ship the same serial depend on each other: applied one by one, the second refused as alone', async () => {
    const file = (run: string) => HEADER + order(`${run}-1`, [`${run}X1`, 'TGSHARED']) + order(`${run}-2`, [`${run}X2`, 'TGSHARED']);
    const together = await deviceLookups(t.db, () => ingestText(deps(4), tmp.dir, 'shared.csv', file('TG5')));
    expect(together.lookups).to.equal(2);
    expect(together.result.summary).to.deep.include({ devicesEnrolled: 3, devicesRefused: 1 });
  });
});
