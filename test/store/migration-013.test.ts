// Upgrading a database whose audit log holds the earlier action names: each entry gets the
// one name the log is filtered by now (a revocation: the key's or the certificate's).
import { expect } from 'chai';
import type { Db } from '../../src/store/db.js';
import { AUDIT_ACTIONS } from '../../src/model/audit-actions.js';
import { databaseAtMigration, databaseKind } from '../support/db.js';

describe(`migration 013: audit actions named one way (${databaseKind()})`, () => {
  let db: Db;
  let upgraded: Awaited<ReturnType<typeof databaseAtMigration>>;

  before(async () => {
    upgraded = await databaseAtMigration('012-org-device-activities');
    db = upgraded.db;
  });
  after(async () => upgraded.close());

  it('renames the earlier names and leaves the rest of each entry alone', async () => {
    const at = '2026-11-01T10:00:00.000Z';
    await db('suppliers').insert({ supplier_id: 'R1', kind: 'reseller', name: 'R', created_at: at });
    const { id: supplierPk } = (await db('suppliers').first('id')) as { id: number };
    await db('credentials').insert([
      { supplier_pk: supplierPk, kind: 'api-key', digest: 'a'.repeat(64), label: 'k', created_at: at },
      { supplier_pk: supplierPk, kind: 'certificate', digest: 'b'.repeat(64), label: 'c', created_at: at },
    ]);
    const [keyId, certId] = ((await db('credentials').orderBy('id').select('id')) as { id: number }[]).map((r) => Number(r.id));
    const entry = (action: string, detail: object) => ({ at, actor: 'ops', origin: 'cli', action, detail_json: JSON.stringify(detail) });
    await db('audit_log').insert([
      entry('principal-key.create', { keyId: 'pkey_1' }),
      entry('principal-key.revoke', { keyId: 'pkey_1' }),
      entry('credential.api-key.create', { supplierId: 'R1', id: keyId }),
      entry('credential.certificate.add', { supplierId: 'R1', id: certId }),
      entry('credential.revoke', { credentialId: keyId }),
      entry('credential.revoke', { credentialId: certId }),
      entry('organisation.add', { orgId: 'O1' }),
    ]);
    await upgraded.upgrade();
    const rows = (await db('audit_log').orderBy('id').select('action', 'detail_json', 'actor')) as { action: string; detail_json: string; actor: string }[];
    expect(rows.map((r) => r.action)).to.deep.equal(['key.create', 'key.revoke', 'key.create', 'certificate.add', 'key.revoke', 'certificate.revoke', 'organisation.add']);
    for (const r of rows) expect(Object.keys(AUDIT_ACTIONS)).to.include(r.action);
    expect(JSON.parse(rows[4]!.detail_json)).to.deep.equal({ credentialId: keyId });
    expect(rows.every((r) => r.actor === 'ops')).to.equal(true);
  });
});
