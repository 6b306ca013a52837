// inSavepoint: what the work wrote stays when it ends and goes when it throws, while the
// transaction around it keeps what it wrote before; savepoints nest; and none is taken
// outside a transaction. X12 sets are applied each in one (intake/receive.ts applyUnit).
import { expect } from 'chai';
import { inSavepoint } from '../../src/store/db.js';
import { databaseKind, freshDatabase, type TestDb } from '../support/db.js';

describe(`store: a unit of work in a savepoint (${databaseKind()})`, () => {
  let t: TestDb;
  const at = '2026-12-01T10:00:00.000Z';
  const supplier = (id: string) => ({ supplier_id: id, kind: 'reseller', name: id, created_at: at });
  const ids = async () => ((await t.db('suppliers').orderBy('supplier_id').select('supplier_id')) as { supplier_id: string }[]).map((r) => r.supplier_id);

  before(async () => {
    t = await freshDatabase();
  });
  after(async () => t.close());

  it('keeps what a finished unit wrote, drops what a failed one wrote, and nests', async () => {
    await t.db.transaction(async (trx) => {
      await trx('suppliers').insert(supplier('SP-BEFORE'));
      await inSavepoint(trx, async () => {
        await trx('suppliers').insert(supplier('SP-KEPT'));
        // A failed inner unit goes alone.
        await inSavepoint(trx, async () => {
          await trx('suppliers').insert(supplier('SP-INNER'));
          throw new Error('inner refused');
        }).catch((err: Error) => expect(err.message).to.equal('inner refused'));
      });
      let refused: unknown;
      try {
        await inSavepoint(trx, async () => {
          await trx('suppliers').insert(supplier('SP-DROPPED'));
          // A failed statement too: on PostgreSQL it aborts the transaction until the rollback to the savepoint.
          await trx('suppliers').insert(supplier('SP-BEFORE'));
        });
      } catch (err) {
        refused = err;
      }
      expect(String(refused)).to.match(/unique|duplicate/i);
      // The transaction goes on after the rollback.
      await trx('suppliers').insert(supplier('SP-AFTER'));
    });
    expect((await ids()).filter((id) => id.startsWith('SP-'))).to.deep.equal(['SP-AFTER', 'SP-BEFORE', 'SP-KEPT']);
  });

  it('is refused outside a transaction', async () => {
    let refused: unknown;
    try {
      await inSavepoint(t.db, async () => undefined);
    } catch (err) {
      refused = err;
    }
    expect(String(refused)).to.match(/invariant: a savepoint is taken inside a transaction/);
  });
});
