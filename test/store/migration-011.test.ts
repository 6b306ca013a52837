// Upgrading a database whose devices and default servers already name servers: each
// organisation's names get an id in mdm_servers (what the business API lists), once each.
import { expect } from 'chai';
import type { Db } from '../../src/store/db.js';
import { databaseAtMigration, databaseKind } from '../support/db.js';

describe(`migration 011: servers already in use get their ids (${databaseKind()})`, () => {
  let db: Db;
  let upgraded: Awaited<ReturnType<typeof databaseAtMigration>>;

  before(async () => {
    upgraded = await databaseAtMigration('010-redact-audit');
    db = upgraded.db;
  });
  after(async () => upgraded.close());

  it('names every (organisation, server) pair of devices and default servers once, with an opaque id', async () => {
    const at = '2026-11-01T10:00:00.000Z';
    await db('organisations').insert([
      { org_id: 'M1', name: 'One', country: 'GB', created_at: at },
      { org_id: 'M2', name: 'Two', country: 'GB', created_at: at },
    ]);
    const [one, two] = ((await db('organisations').orderBy('id').select('id')) as { id: number }[]).map((r) => Number(r.id));
    await db('org_default_servers').insert([
      { org_pk: one, family: 'iPad', server: 'Shared MDM' },
      { org_pk: two, family: 'Mac', server: 'Shared MDM' },
    ]);
    const device = (serial: string, org: number | null, server: string | null) => ({ serial, state: 'enrolled', org_pk: org, server, version: 1, updated_at: at });
    await db('devices').insert([device('M0000000001', one!, 'Shared MDM'), device('M0000000002', one!, 'Lab MDM'), device('M0000000003', one!, 'Lab MDM'), device('M0000000004', null, 'Orphan MDM'), device('M0000000005', two!, null)]);
    await upgraded.upgrade();
    const rows = (await db('mdm_servers').orderBy(['org_pk', 'name']).select('org_pk', 'name', 'server_id')) as { org_pk: number; name: string; server_id: string }[];
    expect(rows.map((r) => [Number(r.org_pk), r.name])).to.deep.equal([
      [one, 'Lab MDM'],
      [one, 'Shared MDM'],
      [two, 'Shared MDM'],
    ]);
    for (const r of rows) expect(r.server_id).to.match(/^[0-9A-F]{32}$/);
    expect(new Set(rows.map((r) => r.server_id)).size).to.equal(3);
  });
});
