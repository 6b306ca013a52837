// `key create | list | revoke` for every kind of key: reseller (as before), operator,
// organisation admin, finance (for every organisation or a set of them) and metrics.
// Each command runs in its own process on a fresh database; the database is then read to
// show what is (and is not) kept, and what a key opens (the lookup every request makes).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Db } from '../../src/store/db.js';
import { sha256Hex } from '../../src/store/suppliers.js';
import { findPrincipalByDigest } from '../../src/store/principal-keys.js';
import { databaseKind } from '../support/db.js';

// The CLI compiled beside this test (dist/ or any other outDir).
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli.js');

describe(`key commands (${databaseKind()})`, function () {
  this.timeout(60000);
  const dir = mkdtempSync(join(tmpdir(), 'gw-keys-'));
  const schema = `gw_keys_${randomBytes(4).toString('hex')}`;
  const env: NodeJS.ProcessEnv = { ...process.env, GATEWAY_SQLITE_PATH: join(dir, 'g.sqlite3') };
  if (process.env.DATABASE_URL) env.GATEWAY_PG_SCHEMA = schema;
  let db: Db | undefined;

  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  before(function () {
    // The samples' organisations and resellers, without their trial key of every role: these tests count the keys they make.
    const seedDir = join(dir, 'seed');
    mkdirSync(seedDir);
    for (const f of ['organisations.json', 'suppliers.json']) copyFileSync(join('samples', f), join(seedDir, f));
    const seeded = cli('seed', seedDir);
    expect(seeded.code, seeded.stderr).to.equal(0);
    db = openDatabase({ databaseUrl: process.env.DATABASE_URL ?? null, sqlitePath: join(dir, 'g.sqlite3'), pgSchema: schema });
  });
  after(async function () {
    if (db && process.env.DATABASE_URL) await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  let orgKeyId: string;
  let orgKey: string;

  it('key create --role org-admin --org-id: the key id and the key, once; stored as its SHA-256 only', async function () {
    const r = cli('key', 'create', '--role', 'org-admin', '--org-id', '30411', '--label', 'Fabrikam IT');
    expect(r.code, r.stderr).to.equal(0);
    const m = /^key (pkey_[0-9a-f]{24})\n(gwk_org_[A-Za-z0-9_-]{32})\n$/.exec(r.stdout);
    expect(m, r.stdout).to.not.equal(null);
    orgKeyId = m![1]!;
    orgKey = m![2]!;
    expect(r.stderr).to.match(/cannot show it again/);
    const row = (await db!('principal_keys').where({ key_id: orgKeyId }).first()) as Record<string, unknown>;
    expect(row).to.include({ role: 'org_admin', digest: sha256Hex(orgKey), label: 'Fabrikam IT', revoked_at: null });
    expect(JSON.stringify(row)).to.not.include(orgKey);
    // key.create also records the reseller keys seed made: this key's entry is the one naming it.
    const audit = ((await db!('audit_log').where({ action: 'key.create' })) as { detail_json: string }[]).filter((a) => a.detail_json.includes(orgKeyId));
    expect(audit).to.have.length(1);
    expect(JSON.parse(audit[0]!.detail_json)).to.include({ keyId: orgKeyId, role: 'org_admin', orgId: '30411' });
    expect(audit[0]!.detail_json).to.not.include(orgKey);
  });

  it('key create --role finance: a gwk_fin_ key for no organisation', function () {
    const r = cli('key', 'create', '--role', 'finance');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^key pkey_[0-9a-f]{24}\ngwk_fin_[A-Za-z0-9_-]{32}\n$/);
  });

  it('refusals: a missing or unknown organisation, an organisation for finance, an unknown role', function () {
    const noOrg = cli('key', 'create', '--role', 'org-admin');
    expect(noOrg.code).to.equal(2);
    expect(noOrg.stderr).to.match(/--org-id is required/);
    const unknownOrg = cli('key', 'create', '--role', 'org-admin', '--org-id', 'NOPE');
    expect(unknownOrg.code).to.equal(1);
    expect(unknownOrg.stderr).to.match(/GW-ADM-NOT-FOUND.*NOPE/);
    expect(cli('key', 'create', '--role', 'finance', '--org-id', '30411').code).to.not.equal(0);
    expect(cli('key', 'create', '--role', 'wizard').code).to.equal(2);
    expect(cli('key', 'create', '--role', 'org-admin', '--org-id', '30411', '--reseller-id', '16FCE4A0').code).to.equal(2);
  });

  it('key list --role: ids, roles, organisations, labels and dates; never a key or a digest', function () {
    const r = cli('key', 'list', '--role', 'org-admin', '--org-id', '30411');
    expect(r.code, r.stderr).to.equal(0);
    const listed = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(listed).to.have.length(1);
    expect(listed[0]).to.include({ keyId: orgKeyId, role: 'org_admin', orgId: '30411', label: 'Fabrikam IT', revokedAt: null });
    expect(Object.keys(listed[0]!).sort()).to.deep.equal(['createdAt', 'keyId', 'label', 'orgId', 'revokedAt', 'role']);
    expect(r.stdout).to.not.include(orgKey).and.not.include(sha256Hex(orgKey));
    const finance = JSON.parse(cli('key', 'list', '--role', 'finance').stdout) as { role: string; orgId: string | null }[];
    expect(finance.map((k) => [k.role, k.orgId])).to.deep.equal([['finance', null]]);
  });

  it('key revoke --key-id: revoked once, audited; again is refused', async function () {
    const r = cli('key', 'revoke', '--key-id', orgKeyId);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(`key ${orgKeyId} revoked\n`);
    const listed = JSON.parse(cli('key', 'list', '--role', 'org-admin').stdout) as { keyId: string; revokedAt: string | null }[];
    expect(listed.find((k) => k.keyId === orgKeyId)!.revokedAt).to.be.a('string');
    const again = cli('key', 'revoke', '--key-id', orgKeyId);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/already revoked/);
    expect(cli('key', 'revoke', '--key-id', 'pkey_000000000000000000000000').code).to.equal(1);
    expect(cli('key', 'revoke', '--key-id', orgKeyId, '--id', '1').code).to.equal(2);
    const audit = (await db!('audit_log').where({ action: 'key.revoke' })) as { detail_json: string }[];
    expect(audit.map((a) => JSON.parse(a.detail_json) as unknown)).to.deep.equal([{ keyId: orgKeyId }]);
  });

  it('reseller keys work as before: --reseller-id, or --role reseller --reseller-id; key revoke --id', function () {
    const plain = cli('key', 'create', '--reseller-id', '16FCE4A0');
    expect(plain.code, plain.stderr).to.equal(0);
    expect(plain.stdout).to.match(/^credential \d+\ngwk_[A-Za-z0-9_-]{32}\n$/);
    const withRole = cli('key', 'create', '--role', 'reseller', '--reseller-id', '16FCE4A0', '--label', 'ci');
    expect(withRole.code, withRole.stderr).to.equal(0);
    const id = /^credential (\d+)\n/.exec(withRole.stdout)![1]!;
    const listed = JSON.parse(cli('key', 'list', '--reseller-id', '16FCE4A0').stdout) as { id: number; label: string }[];
    expect(listed.find((c) => String(c.id) === id)).to.include({ label: 'ci' });
    const revoked = cli('key', 'revoke', '--id', id);
    expect(revoked.code, revoked.stderr).to.equal(0);
    expect(revoked.stdout).to.equal(`credential ${id} revoked\n`);
  });

  /** The key id and key a successful `key create` printed, with the expected prefix. */
  function created(r: { code: number | null; stdout: string; stderr: string }, prefix: string): { keyId: string; key: string } {
    expect(r.code, r.stderr).to.equal(0);
    const m = new RegExp(`^key (pkey_[0-9a-f]{24})\\n(${prefix}[A-Za-z0-9_-]{32})\\n$`).exec(r.stdout);
    expect(m, r.stdout).to.not.equal(null);
    expect(r.stderr).to.match(/cannot show it again/);
    return { keyId: m![1]!, key: m![2]! };
  }

  const made = {} as Record<'operator' | 'metrics' | 'finance', { keyId: string; key: string }>;

  it('key create --role operator: a gwk_op_ key for no organisation; it opens as an operator', async function () {
    made.operator = created(cli('key', 'create', '--role', 'operator', '--label', 'night shift'), 'gwk_op_');
    const row = (await db!('principal_keys').where({ key_id: made.operator.keyId }).first()) as Record<string, unknown>;
    expect(row).to.include({ role: 'operator', org_pk: null, digest: sha256Hex(made.operator.key), label: 'night shift', revoked_at: null });
    expect(await findPrincipalByDigest(db!, sha256Hex(made.operator.key))).to.deep.equal({ keyId: made.operator.keyId, role: 'operator', org: null, scope: null });
    const listed = JSON.parse(cli('key', 'list', '--role', 'operator').stdout) as Record<string, unknown>[];
    expect(listed.map((k) => [k.keyId, k.role, k.orgId, k.label])).to.deep.equal([[made.operator.keyId, 'operator', null, 'night shift']]);
    expect(JSON.stringify(listed)).to.not.include(made.operator.key);
  });

  it('key create --role metrics: a gwk_met_ key; it opens as metrics', async function () {
    made.metrics = created(cli('key', 'create', '--role', 'metrics'), 'gwk_met_');
    expect((await findPrincipalByDigest(db!, sha256Hex(made.metrics.key)))!.role).to.equal('metrics');
    const listed = JSON.parse(cli('key', 'list', '--role', 'metrics').stdout) as Record<string, unknown>[];
    expect(listed.map((k) => [k.keyId, k.role, k.label])).to.deep.equal([[made.metrics.keyId, 'metrics', 'metrics scrape key']]);
  });

  it('key create --role finance --orgs 19827,30411: limited to those organisations, listed as scopeOrgIds', async function () {
    made.finance = created(cli('key', 'create', '--role', 'finance', '--orgs', '19827,30411'), 'gwk_fin_');
    const found = await findPrincipalByDigest(db!, sha256Hex(made.finance.key));
    expect(found!.role).to.equal('finance');
    expect(found!.scope!.map((o) => o.orgId)).to.deep.equal(['19827', '30411']);
    const listed = JSON.parse(cli('key', 'list', '--role', 'finance').stdout) as Record<string, unknown>[];
    const scoped = listed.find((k) => k.keyId === made.finance.keyId)!;
    expect(scoped).to.deep.include({ role: 'finance', orgId: null, scopeOrgIds: ['19827', '30411'] });
    // The unlimited finance key made earlier lists no scope.
    expect(listed.filter((k) => k.keyId !== made.finance.keyId).every((k) => !('scopeOrgIds' in k))).to.equal(true);
    const audit = (await db!('audit_log').where({ action: 'key.create' })) as { detail_json: string }[];
    expect(audit.map((a) => JSON.parse(a.detail_json) as Record<string, unknown>).find((d) => d.keyId === made.finance.keyId)).to.deep.include({ role: 'finance', scopeOrgIds: ['19827', '30411'] });
  });

  it('--orgs refusals: an unknown organisation (nothing made), another role, an empty list', async function () {
    const count = async () => Number(((await db!('principal_keys').count({ n: '*' })) as { n: number | string }[])[0]!.n);
    const before = await count();
    const unknown = cli('key', 'create', '--role', 'finance', '--orgs', '19827,NOPE');
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.match(/GW-ADM-NOT-FOUND.*NOPE/);
    expect(unknown.stdout).to.equal('');
    for (const role of ['operator', 'metrics', 'org-admin']) {
      const r = cli('key', 'create', '--role', role, '--orgs', '19827', ...(role === 'org-admin' ? ['--org-id', '19827'] : []));
      expect(r.code, role).to.equal(2);
      expect(r.stderr).to.match(/--orgs limits a finance key/);
      expect(r.stdout).to.equal('');
    }
    const empty = cli('key', 'create', '--role', 'finance', '--orgs', ',');
    expect(empty.code).to.equal(2);
    expect(empty.stderr).to.match(/--orgs needs at least one/);
    expect(cli('key', 'create', '--role', 'operator', '--org-id', '19827').code).to.not.equal(0);
    expect(await count()).to.equal(before);
  });

  it('key revoke --key-id works for operator, metrics and finance keys: they stop opening at once', async function () {
    for (const [role, k] of Object.entries(made)) {
      const r = cli('key', 'revoke', '--key-id', k.keyId);
      expect(r.code, `${role}: ${r.stderr}`).to.equal(0);
      expect(r.stdout).to.equal(`key ${k.keyId} revoked\n`);
      expect(await findPrincipalByDigest(db!, sha256Hex(k.key)), role).to.equal(undefined);
      const listed = JSON.parse(cli('key', 'list', '--role', role).stdout) as { keyId: string; revokedAt: string | null }[];
      expect(listed.find((x) => x.keyId === k.keyId)!.revokedAt, role).to.be.a('string');
    }
    const audit = (await db!('audit_log').where({ action: 'key.revoke' })) as { detail_json: string }[];
    expect(audit.map((a) => (JSON.parse(a.detail_json) as { keyId: string }).keyId)).to.include.members(Object.values(made).map((k) => k.keyId));
  });
});
