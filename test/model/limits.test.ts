// How the limits relate: what one limit promises must fit inside another, and a field
// limit must equal the width of the column that holds the field (a wider limit would
// let a value through that the database then refuses or, on SQLite, silently keeps).
import { expect } from 'chai';
import {
  API_LIMITS,
  ASSIGNMENT_LIMITS,
  CREDIT_LIMITS,
  DOCUMENT_API_LIMITS,
  DOCUMENT_LIMITS,
  FIELD_LIMITS,
  INTAKE_LIMITS,
  PURCHASE_CSV_LIMITS,
  RESELLER_API_LIMITS,
  X12_LIMITS,
} from '../../src/model/limits.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { freshDatabase, type TestDb } from '../support/db.js';

describe('limits', () => {
  it('a line fits in a document, a head in the first lines, a chunk in a document', () => {
    expect(INTAKE_LIMITS.maxLineBytes).to.be.below(INTAKE_LIMITS.maxJsonDocumentBytes);
    expect(INTAKE_LIMITS.maxJsonDocumentBytes).to.be.below(INTAKE_LIMITS.maxDocumentBytes);
    expect(INTAKE_LIMITS.headBytes).to.be.at.most(INTAKE_LIMITS.maxLineBytes);
    expect(INTAKE_LIMITS.contentChunkBytes).to.be.below(INTAKE_LIMITS.maxDocumentBytes);
    expect(PURCHASE_CSV_LIMITS.maxLineBytes).to.be.at.most(INTAKE_LIMITS.maxLineBytes);
    expect(INTAKE_LIMITS.xmlElementChars).to.be.at.most(INTAKE_LIMITS.maxDocumentBytes);
  });

  it('a document large enough to read on a thread of its own can be received, and the thread reads ahead of its apply', () => {
    expect(INTAKE_LIMITS.readOffThreadBytes).to.be.below(INTAKE_LIMITS.maxJsonDocumentBytes);
    expect(INTAKE_LIMITS.readOffThreadBytes).to.be.above(INTAKE_LIMITS.readChunkBytes);
    expect(INTAKE_LIMITS.readOffThreadChunksAhead).to.be.at.least(1);
    expect(INTAKE_LIMITS.readOffThreadWeightAhead).to.be.at.least(INTAKE_LIMITS.readOffThreadBatchWeight);
    expect(INTAKE_LIMITS.readOffThreadBatchWeight).to.be.at.least(1);
    expect(INTAKE_LIMITS.readOffThreadYoungGenerationMb).to.be.at.least(1);
  });

  it('the largest ship notice fits in an X12 set, and a reseller transaction in one ship notice unit', () => {
    expect(X12_LIMITS.segmentsPerSet).to.be.above(DOCUMENT_LIMITS.devicesPerShipNotice);
    expect(RESELLER_API_LIMITS.maxDevicesPerTransaction).to.be.at.most(DOCUMENT_LIMITS.devicesPerShipNotice);
    // A transaction of the most devices, each with a serial and a short tag, fits in the body limit.
    const deviceJsonBytes = `{"deviceId":"${'X'.repeat(FIELD_LIMITS.deviceIdChars)}","assetTag":"${'T'.repeat(16)}"},`.length;
    expect(RESELLER_API_LIMITS.maxDevicesPerTransaction * deviceJsonBytes).to.be.below(RESELLER_API_LIMITS.maxBodyBytes);
    expect(RESELLER_API_LIMITS.maxBodyBytes).to.be.at.most(INTAKE_LIMITS.maxJsonDocumentBytes);
  });

  it('settings default to the limits', () => {
    expect(DEFAULT_CONFIG.limits.maxBodyBytes).to.equal(RESELLER_API_LIMITS.maxBodyBytes);
    expect(DEFAULT_CONFIG.limits.maxDevicesPerTransaction).to.equal(RESELLER_API_LIMITS.maxDevicesPerTransaction);
    expect(DEFAULT_CONFIG.intake.maxDocumentBytes).to.equal(INTAKE_LIMITS.maxDocumentBytes);
    expect(DEFAULT_CONFIG.intake.maxErrorsPerDocument).to.equal(INTAKE_LIMITS.maxErrorsPerDocument);
    expect(DEFAULT_CONFIG.credit.maxPurchaseRows).to.equal(PURCHASE_CSV_LIMITS.maxRows);
  });

  it('list and assignment bounds agree', () => {
    expect(API_LIMITS.defaultPageSize).to.be.at.most(API_LIMITS.maxPageSize);
    expect(ASSIGNMENT_LIMITS.maxDevices).to.be.at.most(DOCUMENT_LIMITS.devicesPerShipNotice);
  });

  describe(`field limits and column widths (${process.env.DATABASE_URL ? 'postgres' : 'sqlite'})`, () => {
    let t: TestDb;
    before(async () => {
      t = await freshDatabase();
    });
    after(async () => t.close());

    async function width(table: string, column: string): Promise<number> {
      const info = (await t.db(table).columnInfo(column)) as unknown as { maxLength: number | string | null };
      expect(info, `${table}.${column}`).to.have.property('maxLength');
      return Number(info.maxLength);
    }

    // [table, column, limit]: the column holds exactly what the limit lets through.
    const exact: [string, string, number][] = [
      ['transactions', 'transaction_id', FIELD_LIMITS.transactionIdChars],
      ['orders', 'order_number', FIELD_LIMITS.orderNumberChars],
      ['orders', 'customer_id', FIELD_LIMITS.customerIdChars],
      ['orders', 'po_number', FIELD_LIMITS.poNumberChars],
      ['deliveries', 'delivery_number', FIELD_LIMITS.deliveryNumberChars],
      ['order_lines', 'serial', FIELD_LIMITS.deviceIdChars],
      ['order_lines', 'delivery_number', FIELD_LIMITS.deliveryNumberChars],
      ['order_lines', 'asset_tag', FIELD_LIMITS.assetTagChars],
      ['devices', 'serial', FIELD_LIMITS.deviceIdChars],
      ['devices', 'asset_tag', FIELD_LIMITS.assetTagChars],
      ['devices', 'server', API_LIMITS.serverChars],
      ['org_default_servers', 'server', ASSIGNMENT_LIMITS.serverChars],
      ['released_devices', 'reason', API_LIMITS.releaseReasonChars],
      ['organisations', 'name', API_LIMITS.nameChars],
      ['suppliers', 'name', API_LIMITS.nameChars],
      ['document_items', 'order_number', FIELD_LIMITS.orderNumberChars],
      ['document_items', 'delivery_number', FIELD_LIMITS.deliveryNumberChars],
      ['document_items', 'at', DOCUMENT_LIMITS.locationChars],
      ['documents', 'document_id', DOCUMENT_API_LIMITS.documentIdChars],
      ['documents', 'mapping_id', DOCUMENT_API_LIMITS.mappingIdChars],
      ['credit_accounts', 'location', CREDIT_LIMITS.locationChars],
    ];
    for (const [table, column, limit] of exact) {
      it(`${table}.${column} holds ${limit} characters`, async () => {
        expect(await width(table, column)).to.equal(limit);
      });
    }

    // Columns deliberately wider than the limit that fills them (they also hold values from elsewhere).
    const atLeast: [string, string, number][] = [
      ['documents', 'file_name', DOCUMENT_API_LIMITS.fileNameChars],
      ['credit_entries', 'idempotency_key', CREDIT_LIMITS.idempotencyKeyChars],
    ];
    for (const [table, column, limit] of atLeast) {
      it(`${table}.${column} holds at least ${limit} characters`, async () => {
        expect(await width(table, column)).to.be.at.least(limit);
      });
    }
  });
});
