// The audit log's action names: one catalogue (src/model/audit-actions.ts), listed whole
// in docs/query-api.md, and one area per kind of thing, so that a prefix finds all of it.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { AUDIT_ACTIONS } from '../../src/model/audit-actions.js';
import { createApiKey, createPrincipalKey, revokeCredentialById } from '../../src/admin/operations.js';
import { listAudit } from '../../src/query/audit.js';
import { TEST_ACTOR, databaseKind, sampleDatabase, type TestDb } from '../support/db.js';

describe('audit action names', () => {
  it('follow one pattern, and the query API guide lists every one', () => {
    const readme = readFileSync('docs/query-api.md', 'utf8');
    for (const action of Object.keys(AUDIT_ACTIONS)) {
      expect(action, action).to.match(/^[a-z]+(-[a-z]+)*(\.[a-z]+(-[a-z]+)*){1,2}$/);
      expect(readme.includes(`| \`${action}\` |`), `docs/query-api.md lists ${action}`).to.equal(true);
    }
  });
});

describe(`the audit log by area (${databaseKind()})`, function () {
  this.timeout(30000);
  let t: TestDb;
  before(async () => {
    t = await sampleDatabase();
  });
  after(async () => t?.close());

  it("action=key.* finds every key made and revoked, a reseller's and an operator's alike", async () => {
    const reseller = await createApiKey(t.db, TEST_ACTOR, '16FCE4A0', 'audit test');
    await createPrincipalKey(t.db, TEST_ACTOR, { role: 'operator' });
    await revokeCredentialById(t.db, TEST_ACTOR, reseller.id);
    const found = await listAudit(t.db, { action: 'key.*' }, { limit: 100 });
    if (!Array.isArray(found)) throw new Error(JSON.stringify(found));
    const actions = found.map((e) => e.action);
    expect(actions.filter((a) => a === 'key.create').length).to.be.at.least(2);
    expect(actions).to.include('key.revoke');
    expect(actions.every((a) => a.startsWith('key.'))).to.equal(true);
  });
});
