// Upgrading a database that holds reseller-API transactions from before their requests
// were kept as documents: each becomes a document (its stored request as content) whose
// outcome rows give back exactly the outcome it had, and device refusals recorded before
// stay with their documents.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { migrate, migrateUpTo, openDatabase, type Db } from '../../src/store/db.js';
import { findTransactionByEnrollmentId } from '../../src/store/transactions.js';
import { databaseKind } from '../support/db.js';

describe(`migration 007: transactions become documents with outcome rows (${databaseKind()})`, () => {
  let db: Db;
  let schema: string | undefined;
  let cleanup: () => Promise<void>;

  before(async () => {
    const url = process.env.DATABASE_URL;
    schema = url ? `gw_mig_${process.pid}_${randomBytes(4).toString('hex')}` : undefined;
    const dir = url ? undefined : mkdtempSync(join(tmpdir(), 'gw-mig-'));
    db = openDatabase(url ? { databaseUrl: url, sqlitePath: '', pgSchema: schema } : { databaseUrl: null, sqlitePath: join(dir!, 'gateway.sqlite3') });
    await migrateUpTo(db, '006-roles-and-queries', schema);
    cleanup = async () => {
      if (schema) await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
      await db.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    };
  });
  after(async () => cleanup());

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

    await migrate(db, schema);

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
