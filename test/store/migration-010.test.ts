// Upgrading a database whose supplier.add audit entries hold raw API keys (written by
// seed before the redaction step): the keys are redacted, the rest of each entry stays.
import { expect } from 'chai';
import type { Db } from '../../src/store/db.js';
import { REDACTED } from '../../src/model/secrets.js';
import { databaseAtMigration, databaseKind } from '../support/db.js';

describe(`migration 010: raw keys in earlier audit entries are redacted (${databaseKind()})`, () => {
  let db: Db;
  let upgraded: Awaited<ReturnType<typeof databaseAtMigration>>;

  before(async () => {
    upgraded = await databaseAtMigration('009-bulk-foreign-keys');
    db = upgraded.db;
  });
  after(async () => upgraded.close());

  it('rewrites supplier.add details without their keys and leaves other entries alone', async () => {
    const at = '2026-11-01T10:00:00.000Z';
    const seeded = { supplierId: '16FCE4A0', kind: 'reseller', name: 'Brightline', shipTos: ['0000052010'], apiKeys: [{ label: 'trial', key: 'gwk_leaked_in_audit_0001' }] };
    const other = { orgId: '19827', name: 'Northwind School', note: 'not a key' };
    await db('audit_log').insert([
      { at, actor: 'seed', origin: 'cli', action: 'supplier.add', detail_json: JSON.stringify(seeded) },
      { at, actor: 'seed', origin: 'cli', action: 'organisation.add', detail_json: JSON.stringify(other) },
    ]);
    await upgraded.upgrade();
    const rows = (await db('audit_log').orderBy('id').select('action', 'detail_json')) as { action: string; detail_json: string }[];
    expect(rows.map((r) => [r.action, JSON.parse(r.detail_json) as unknown])).to.deep.equal([
      ['supplier.add', { ...seeded, apiKeys: [{ label: 'trial', key: REDACTED }] }],
      ['organisation.add', other],
    ]);
  });
});
