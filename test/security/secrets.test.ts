// No secret is written down raw: keys given in a seed file, keys made on the command
// line and keys presented over HTTP reach neither a table (the audit log included), nor
// the database's files, nor the logs. Audit details and log fields pass through one
// redaction step (model/secrets.ts), whoever writes them.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { createApp } from '../../src/channels/http/app.js';
import { startServer } from '../../src/channels/http/server.js';
import { jsonLogger } from '../../src/log/logger.js';
import { seedFromFolder } from '../../src/admin/seed.js';
import { createApiKey, createPrincipalKey } from '../../src/admin/operations.js';
import { audit } from '../../src/store/audit.js';
import { REDACTED } from '../../src/model/secrets.js';
import { freshDatabase, TEST_ACTOR, type TestDb } from '../support/db.js';
import { testCreditSettings } from '../support/credit.js';

describe(`secrets are never written down (${process.env.DATABASE_URL ? 'postgres' : 'sqlite'})`, () => {
  const tag = randomBytes(6).toString('hex');
  const seedKey = `gwk_seedkey_${tag}`;
  const plainSeedKey = `plain-seed-key-${tag}`; // a seed key need not look like the gateway's
  const wrongKey = `gwk_wrong_${tag}`;
  let t: TestDb;
  let dir: string;
  const logLines: string[] = [];
  const madeKeys: string[] = [];

  before(async () => {
    t = await freshDatabase();
    dir = mkdtempSync(join(tmpdir(), 'gw-secrets-'));
    const suppliers = JSON.parse(readFileSync('samples/suppliers.json', 'utf8')) as { suppliers: { supplierId: string; apiKeys?: { label: string; key: string }[] }[] };
    suppliers.suppliers.find((s) => s.supplierId === '16FCE4A0')!.apiKeys = [
      { label: 'seeded', key: seedKey },
      { label: 'seeded plain', key: plainSeedKey },
    ];
    writeFileSync(join(dir, 'suppliers.json'), JSON.stringify(suppliers));
    copyFileSync('samples/organisations.json', join(dir, 'organisations.json'));
    await seedFromFolder(t.db, dir, TEST_ACTOR);
    // What the command line's `credential add` and `key create` do.
    madeKeys.push((await createApiKey(t.db, TEST_ACTOR, '16FCE4A0', 'cli')).key);
    madeKeys.push((await createPrincipalKey(t.db, TEST_ACTOR, { role: 'operator' })).key);

    const config = { ...DEFAULT_CONFIG, port: 0, requestLog: true };
    const gw = await startServer(createApp(t.db, config, jsonLogger((line) => logLines.push(line)), testCreditSettings()), config);
    try {
      const me = await fetch(`${gw.url}/v1/me`, { headers: { authorization: `Bearer ${madeKeys[1]}` } });
      expect(me.status).to.equal(200);
      // An operator write: audited with its request.
      const org = await fetch(`${gw.url}/v1/organisations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${madeKeys[1]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ orgId: '70001', name: 'Secrets School', country: 'US' }),
      });
      expect(org.status).to.equal(201);
      for (const key of [seedKey, plainSeedKey, madeKeys[0]!, wrongKey]) {
        const answer = await fetch(`${gw.url}/enroll-service/1.0/check-transaction-status`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ requestContext: { shipTo: '0000052010', timeZone: '420', langCode: 'en' }, depResellerId: '16FCE4A0', deviceEnrollmentTransactionId: 'none' }),
        });
        // A good key opens (the unknown transaction is then a 400 of the protocol's own); the wrong one is 401.
        if (key === wrongKey) expect(answer.status, 'the wrong key').to.equal(401);
        else expect(answer.status, 'a good key').to.not.be.oneOf([401, 403]);
      }
    } finally {
      await gw.close();
    }
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const secrets = () => [seedKey, plainSeedKey, wrongKey, ...madeKeys];

  async function everyTableAsText(): Promise<Map<string, string>> {
    const tables =
      t.kind === 'postgres'
        ? ((await t.db.raw(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)) as { rows: { name: string }[] }).rows
        : ((await t.db.raw(`SELECT name FROM sqlite_master WHERE type = 'table'`)) as { name: string }[]);
    const out = new Map<string, string>();
    for (const { name } of tables) {
      const rows = (await t.db(name).select('*')) as Record<string, unknown>[];
      out.set(name, JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : (v as { type?: string }) && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('latin1') : v)));
    }
    return out;
  }

  it('no table holds a key raw: not the audit log, not the credentials', async () => {
    const tables = await everyTableAsText();
    expect(tables.get('audit_log'), 'the audit log was written').to.include('supplier.add');
    for (const [name, text] of tables) for (const secret of secrets()) expect(text.includes(secret), `${name} holds ${secret}`).to.equal(false);
  });

  // SQLite only: PostgreSQL's files are the server's, and the tables above are what it holds.
  if (!process.env.DATABASE_URL)
    it('the database files (the SQLite file and its WAL) do not hold a key', function () {
      const path = (t.db.client.config as { connection: { filename: string } }).connection.filename;
      for (const file of [path, `${path}-wal`].filter((f) => existsSync(f))) {
        const bytes = readFileSync(file).toString('latin1');
        for (const secret of secrets()) expect(bytes.includes(secret), `${file} holds ${secret}`).to.equal(false);
      }
    });

  it('the logs do not hold a key', () => {
    expect(logLines.length, 'the request log was written').to.be.greaterThan(0);
    const text = logLines.join('\n');
    for (const secret of secrets()) expect(text.includes(secret), `the log holds ${secret}`).to.equal(false);
  });

  it('an audit detail or a log field that carries a secret is redacted, however deep, the rest kept', async () => {
    const detail = { orgId: '19827', password: 'hunter2-hunter2', nested: { apiKeys: [{ label: 'x', key: 'abcdefghijklmnopq' }], token: 't0k3n' }, note: `gwk_loose_${tag}` };
    await audit(t.db, { actor: 'test-secrets', origin: 'mocha', action: 'supplier.add', detail }, new Date().toISOString());
    const row = (await t.db('audit_log').where({ actor: 'test-secrets' }).first('detail_json')) as { detail_json: string };
    expect(JSON.parse(row.detail_json)).to.deep.equal({ orgId: '19827', password: REDACTED, nested: { apiKeys: [{ label: 'x', key: REDACTED }], token: REDACTED }, note: REDACTED });
    const lines: string[] = [];
    jsonLogger((l) => lines.push(l)).log('info', 'a request', { authorization: 'Bearer abc', privateKey: '-----BEGIN', path: '/v1/me', at: new Date('2026-12-01T10:00:00.000Z') });
    // Values JSON writes through toJSON (a Date) come out as JSON would write them.
    expect(JSON.parse(lines[0]!)).to.include({ authorization: REDACTED, privateKey: REDACTED, path: '/v1/me', at: '2026-12-01T10:00:00.000Z' });
  });
});
