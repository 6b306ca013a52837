// Upgrading a database that holds reseller-API transactions from before their requests
// were kept as documents: each becomes a document (its stored request as content) whose
// outcome rows give back exactly the outcome it had, and device refusals recorded before
// stay with their documents.
import { expect } from 'chai';
import type { Db } from '../../src/store/db.js';
import { findTransactionByEnrollmentId } from '../../src/store/transactions.js';
import { databaseAtMigration, databaseKind } from '../support/db.js';

describe(`migration 007: transactions become documents with outcome rows (${databaseKind()})`, () => {
  let db: Db;
  let upgraded: Awaited<ReturnType<typeof databaseAtMigration>>;

  before(async () => {
    upgraded = await databaseAtMigration('006-roles-and-queries');
    db = upgraded.db;
  });
  after(async () => upgraded.close());

  it('converts each stored transaction, and the rebuilt outcome equals the stored one', async () => {
    const now = '2026-11-01T10:00:00.000Z';
    await db('suppliers').insert({ supplier_id: '16FCE4A0', kind: 'reseller', name: 'Brightline', created_at: now });
    const supplierPk = ((await db('suppliers').first('id')) as { id: number }).id;
    const outcome = {
      statusCode: 'COMPLETE_WITH_ERRORS',
      orders: [
        {
          orderNumber: 'OLD-1',
          status: 'POSTED_WITH_ERRORS',
          deliveries: [
            {
              deliveryNumber: 'D1',
              status: 'POSTED_WITH_ERRORS',
              devices: [
                { deviceId: 'OLDSERIAL0001', status: 'COMPLETE' },
                { deviceId: 'OLDSERIAL0002', status: 'DEP-ERR-DE-4304', error: { code: 'DEP-ERR-DE-4304', params: { deviceId: 'OLDSERIAL0002' } } },
              ],
            },
          ],
        },
        { orderNumber: 'OLD-2', status: 'DEP-ERR-OR-4102', error: { code: 'DEP-ERR-OR-4102', params: { customerId: '99' } }, deliveries: [] },
      ],
    };
    const request = { transactionId: 'TX-OLD', orders: [{ orderNumber: 'OLD-1' }, { orderNumber: 'OLD-2' }] };
    await db('transactions').insert({
      supplier_pk: supplierPk,
      transaction_id: 'TX-OLD',
      enrollment_id: 'old-enrollment_1',
      body_sha256: 'a'.repeat(64),
      request_json: JSON.stringify(request),
      outcome_json: JSON.stringify(outcome),
      status_code: outcome.statusCode,
      received_at: now,
      completed_at: now,
    });

    await upgraded.upgrade();

    const stored = (await findTransactionByEnrollmentId(db, 'old-enrollment_1'))!;
    expect(stored.outcome).to.deep.equal(outcome);
    const doc = (await db('documents').where({ id: stored.documentPk }).first()) as { channel: string; status: string; sha256: string };
    expect(doc).to.include({ channel: 'reseller-api', status: 'applied_with_errors' });
    const content = (await db('document_content').where({ sha256: doc.sha256 }).first('bytes')) as { bytes: Buffer };
    expect(JSON.parse(Buffer.from(content.bytes).toString('utf8'))).to.deep.equal(request);
    const columns = await db('transactions').columnInfo();
    expect(columns).to.not.have.property('outcome_json');
    expect(columns).to.not.have.property('request_json');
  });
});
