#!/usr/bin/env node
// The gateway's command line: serve, migrate, seed, the sample trial (demo), and the
// admin commands for organisations, resellers, credentials, links, devices and orders.
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type GatewayConfig } from './config.js';
import { migrate, openDatabase, type Db, type SqliteDriver } from './store/db.js';
import { backupSqliteInto, rowCounts } from './store/backup.js';
import { renderMessage } from './model/messages.js';
import { listOrganisations } from './store/organisations.js';
import { findSupplier, listCredentials, listSuppliers } from './store/suppliers.js';
import type { PrincipalRole } from './model/roles.js';
import {
  AdminError,
  addAppleCustomerNumber,
  addCertificate,
  addOrganisation,
  addShipTo,
  addSupplier,
  createApiKey,
  createPrincipalKey,
  listPrincipalKeys,
  revokePrincipalKey,
  linkSupplier,
  releaseDeviceFromOrg,
  revokeCredentialById,
  setDefaultServer,
  setShipToStatus,
  unlinkSupplier,
  type Actor,
} from './admin/operations.js';
import { addBusinessAccount, listBusinessApiAccounts, revokeBusinessApiAccount } from './admin/business-api.js';
import { deviceReport, orderReport } from './admin/lookups.js';
import { sampleKeys, seedFromFolder, type SeedKey } from './admin/seed.js';
import {
  ackCommand,
  describeResult,
  ingestCommand,
  ingestSamples,
  intakeDeps,
  listDocumentsCommand,
  replayCommand,
  showDocument,
} from './cli-documents.js';
import { IntakeError } from './intake/receive.js';
import { MULTI, S, UsageError, print, required, type Command, type Values } from './cli-support.js';
import { CREDIT_COMMANDS, printSampleCreditReport } from './cli-credit.js';
import { loadSampleCredit } from './credit/samples.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SAMPLES_DIR = join(PROJECT_ROOT, 'samples');

const COMMANDS: Record<string, Command> = {
  serve: {
    usage: 'serve [--host H] [--port N]   start the gateway (reseller API) on the configured database',
    options: { host: S, port: S },
    async run({ config, values, db }) {
      const cfg = withListenOverrides(config, values);
      await serve(cfg, await db());
    },
  },
  demo: {
    usage: 'demo [--host H] [--port N] [--no-serve]   migrate, load samples/, ingest the sample documents, serve',
    options: { host: S, port: S, 'no-serve': { type: 'boolean' } },
    async run({ config, values, db, actor }) {
      const cfg = withListenOverrides(config, values);
      const database = await db();
      const report = await seedFromFolder(database, SAMPLES_DIR, actor);
      const where = config.databaseUrl ? 'the PostgreSQL database of DATABASE_URL' : resolve(config.sqlitePath);
      if (report.organisationsAdded === 0 && report.suppliersAdded === 0) {
        // A second npm start: the samples are in already; taking them again would only print duplicates.
        process.stderr.write(
          [
            `The sample data is loaded already, in ${where}: its documents, devices and credit are as the first run left them.`,
            config.databaseUrl
              ? 'To start over, drop the schema (or point DATABASE_URL at a fresh database) and run npm start again.'
              : `To start over: stop the gateway, remove ${dirname(resolve(config.sqlitePath))} (rm -rf ${dirname(config.sqlitePath)}), and run npm start again.`,
            'To serve this database without the samples: node dist/src/cli.js serve',
            '',
          ].join('\n'),
        );
      } else {
        process.stderr.write(`samples loaded into ${where}: ${JSON.stringify(report)}\n\nSample documents, through the intake pipeline:\n`);
        const deps = intakeDeps(database, cfg);
        await ingestSamples(deps, SAMPLES_DIR, actor.name, (line) => process.stderr.write(line));
        process.stderr.write('\nSample volume credit: codes redeemed, purchases recorded:\n');
        await loadSampleCredit(database, deps.credit, SAMPLES_DIR, actor, (line) => process.stderr.write(line));
      }
      await printSampleCreditReport(database);
      if (values['no-serve']) return;
      await serve(cfg, database, { keys: sampleKeys(SAMPLES_DIR) });
    },
  },
  ingest: {
    usage: 'ingest FILE --partner ID [--mapping ID] [--json]   take a file through intake and print its outcome',
    options: { partner: S, mapping: S, json: { type: 'boolean' } },
    async run({ config, values, positionals, db, actor }) {
      const file = positionals[0];
      if (!file) throw new UsageError('FILE is required');
      // The one thing this process does: the faster driver, which runs in this thread.
      const database = await db('better-sqlite3');
      const result = await ingestCommand(intakeDeps(database, config), file, required(values, 'partner'), values.mapping as string | undefined, actor.name);
      if (values.json) print(result);
      else process.stdout.write(describeResult(result) + '\n');
      if (result.status === 'rejected') process.exitCode = 3;
    },
  },
  'document list': {
    readsOnly: true,
    usage: 'document list [--partner ID] [--status S] [--limit N]   newest first',
    options: { partner: S, status: S, limit: S },
    async run({ values, db }) {
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new UsageError('--limit must be 1..10000');
      print(await listDocumentsCommand(await db(), values.partner as string | undefined, values.status as string | undefined, limit));
    },
  },
  'document show': {
    readsOnly: true,
    usage: 'document show ID              status, summary, items and errors of a received document',
    options: {},
    async run({ positionals, db }) {
      const doc = await showDocument(await db(), positionals[0] ?? '');
      if (!doc) throw new AdminError('GW-DOC-6012', `no document ${positionals[0] ?? ''}`);
      print(doc);
    },
  },
  'document ack': {
    readsOnly: true,
    usage: 'document ack ID [--kind csv|json|997|855]   print a document\'s acknowledgement',
    options: { kind: S },
    async run({ config, positionals, values, db }) {
      process.stdout.write(await ackCommand(intakeDeps(await db(), config), positionals[0] ?? '', values.kind as string | undefined));
    },
  },
  'document replay': {
    usage: 'document replay ID [--mapping ID]   run a rejected document again, after the data it lacked is corrected',
    options: { json: { type: 'boolean' }, mapping: S },
    async run({ config, positionals, values, db, actor }) {
      const result = await replayCommand(intakeDeps(await db(), config), positionals[0] ?? '', actor.name, values.mapping as string | undefined);
      if (values.json) print(result);
      else process.stdout.write(describeResult(result) + '\n');
      if (result.status === 'rejected') process.exitCode = 3;
    },
  },
  database: {
    readsOnly: true,
    usage: 'database   which database this command line opens (a SQLite file, or PostgreSQL host, database and schema), without creating one',
    options: {},
    async run({ config }) {
      if (config.databaseUrl) {
        // Never the password: the URL's user, host, port and database only.
        const { host, port, user, database } = postgresParts(config.databaseUrl);
        print({ database: 'postgresql', host, port: Number(port), name: database, user, schema: config.pgSchema ?? 'public' });
        return;
      }
      const path = resolve(config.sqlitePath);
      print({ database: 'sqlite', path, exists: existsSync(path), ...(existsSync(path) ? { sizeBytes: statSync(path).size } : {}) });
    },
  },
  migrate: {
    usage: 'migrate                       create or update the database schema',
    options: {},
    async run({ db }) {
      await db(); // opening migrates
      process.stdout.write('schema up to date\n');
    },
  },
  backup: {
    readsOnly: true,
    usage:
      'backup --out FILE   a consistent copy of the live database, while the gateway runs: SQLite a database file, PostgreSQL a pg_dump archive (README: "Backup and restore")',
    options: { out: S },
    async run({ config, values, db }) {
      const out = resolve(required(values, 'out'));
      if (existsSync(out)) throw new UsageError(`${out} exists already: give a new file (a backup never overwrites one)`);
      if (config.databaseUrl) {
        await dumpPostgres(config.databaseUrl, config.pgSchema, out);
        print({ backup: out, database: 'postgresql', format: 'pg_dump custom', sizeBytes: statSync(out).size });
        return;
      }
      await backupSqliteInto(await db(), out);
      // What the copy holds, read from the copy itself.
      const copy = openDatabase({ databaseUrl: null, sqlitePath: out });
      try {
        print({ backup: out, database: 'sqlite', sizeBytes: statSync(out).size, rows: await rowCounts(copy) });
      } finally {
        await copy.destroy();
      }
    },
  },
  seed: {
    usage: 'seed [DIR]                    load organisations.json and suppliers.json (default: samples/)',
    options: {},
    async run({ db, positionals, actor }) {
      print(await seedFromFolder(await db(), positionals[0] ?? SAMPLES_DIR, actor));
    },
  },
  'org add': {
    usage: 'org add --org-id ID --name NAME --country CC [--apple-customer-number N ...]',
    options: { 'org-id': S, name: S, country: S, 'apple-customer-number': MULTI },
    async run({ db, values, actor }) {
      const org = await addOrganisation(await db(), actor, {
        orgId: required(values, 'org-id'),
        name: required(values, 'name'),
        country: required(values, 'country'),
        appleCustomerNumbers: (values['apple-customer-number'] as string[] | undefined) ?? [],
      });
      process.stdout.write(`organisation ${org.orgId} added\n`);
    },
  },
  'org list': {
    readsOnly: true,
    usage: 'org list',
    options: {},
    async run({ db }) {
      const database = await db();
      const orgs = await listOrganisations(database);
      const suppliers = await listSuppliers(database);
      const idOf = new Map(suppliers.map((s) => [s.pk, s.supplierId]));
      print(orgs.map((o) => ({ ...o, pk: undefined, linkedSupplierPks: undefined, resellers: o.linkedSupplierPks.map((pk) => idOf.get(pk)) })));
    },
  },
  'org add-customer-number': {
    usage: 'org add-customer-number --org-id ID --number N',
    options: { 'org-id': S, number: S },
    async run({ db, values, actor }) {
      await addAppleCustomerNumber(await db(), actor, required(values, 'org-id'), required(values, 'number'));
      process.stdout.write('Apple customer number added\n');
    },
  },
  'org set-server': {
    usage: 'org set-server --org-id ID --family iPhone|iPad|Mac|AppleTV|AppleWatch|AppleVisionPro (--server NAME | --clear)',
    options: { 'org-id': S, family: S, server: S, clear: { type: 'boolean' } },
    async run({ db, values, actor }) {
      const server = values.clear ? null : required(values, 'server');
      await setDefaultServer(await db(), actor, required(values, 'org-id'), required(values, 'family'), server);
      process.stdout.write(server ? `default server set\n` : 'default server cleared\n');
    },
  },
  'reseller add': {
    usage: 'reseller add --reseller-id ID --name NAME [--ship-to 0000052010 ...] [--apple]',
    options: { 'reseller-id': S, name: S, 'ship-to': MULTI, apple: { type: 'boolean' } },
    async run({ db, values, actor }) {
      const s = await addSupplier(await db(), actor, {
        supplierId: required(values, 'reseller-id'),
        name: required(values, 'name'),
        kind: values.apple ? 'apple' : 'reseller',
        shipTos: (values['ship-to'] as string[] | undefined) ?? [],
      });
      process.stdout.write(`${s.kind} ${s.supplierId} added\n`);
    },
  },
  'reseller list': {
    readsOnly: true,
    usage: 'reseller list',
    options: {},
    async run({ db }) {
      print((await listSuppliers(await db())).map((s) => ({ ...s, pk: undefined })));
    },
  },
  'reseller add-ship-to': {
    usage: 'reseller add-ship-to --reseller-id ID --ship-to NNNNNNNNNN',
    options: { 'reseller-id': S, 'ship-to': S },
    async run({ db, values, actor }) {
      await addShipTo(await db(), actor, required(values, 'reseller-id'), required(values, 'ship-to'));
      process.stdout.write('Ship-To added\n');
    },
  },
  'reseller ship-to-status': {
    usage: 'reseller ship-to-status --ship-to NNNNNNNNNN (--active | --inactive)',
    options: { 'ship-to': S, active: { type: 'boolean' }, inactive: { type: 'boolean' } },
    async run({ db, values, actor }) {
      if (Boolean(values.active) === Boolean(values.inactive)) throw new UsageError('give exactly one of --active or --inactive');
      await setShipToStatus(await db(), actor, required(values, 'ship-to'), Boolean(values.active));
      process.stdout.write('Ship-To updated\n');
    },
  },
  'key create': {
    usage:
      'key create (--reseller-id ID | --role operator | --role org-admin --org-id ID | --role finance [--orgs A,B] | --role metrics) [--label TEXT]   prints the new key once; it is stored only as a hash',
    options: { 'reseller-id': S, role: S, 'org-id': S, orgs: S, label: S },
    async run({ db, values, actor }) {
      const role = keyRole(values);
      const label = values.label as string | undefined;
      if (role === 'reseller') {
        if (values['org-id'] !== undefined) throw new UsageError('--org-id is for --role org-admin; a reseller key takes --reseller-id');
        const { id, key } = await createApiKey(await db(), actor, required(values, 'reseller-id'), label ?? 'api key');
        process.stdout.write(`credential ${id}\n${key}\n`);
      } else {
        if (values['reseller-id'] !== undefined) throw new UsageError(`--reseller-id is for reseller keys, not --role ${String(values.role)}`);
        if (role === 'org_admin') required(values, 'org-id');
        if (values.orgs !== undefined && role !== 'finance') throw new UsageError('--orgs limits a finance key; other roles take none');
        const orgId = values['org-id'] as string | undefined;
        const scopeOrgIds = values.orgs === undefined ? undefined : String(values.orgs).split(',').map((o) => o.trim()).filter((o) => o !== '');
        if (scopeOrgIds !== undefined && scopeOrgIds.length === 0) throw new UsageError('--orgs needs at least one organisation id (A,B,...)');
        const created = await createPrincipalKey(await db(), actor, {
          role,
          ...(orgId !== undefined ? { orgId } : {}),
          ...(scopeOrgIds !== undefined ? { scopeOrgIds } : {}),
          ...(label !== undefined ? { label } : {}),
        });
        process.stdout.write(`key ${created.keyId}\n${created.key}\n`);
      }
      process.stderr.write('Store this key now: the gateway keeps only its hash and cannot show it again.\n');
    },
  },
  'key list': {
    readsOnly: true,
    usage: 'key list (--reseller-id ID | --role operator | --role org-admin [--org-id ID] | --role finance | --role metrics)   ids, labels, dates; never the keys',
    options: { 'reseller-id': S, role: S, 'org-id': S },
    async run({ db, values }) {
      const role = keyRole(values);
      const database = await db();
      if (role === 'reseller') {
        const supplier = await findSupplier(database, required(values, 'reseller-id'));
        if (!supplier) throw new AdminError('GW-ADM-NOT-FOUND', `no supplier ${String(values['reseller-id'])}`);
        print(await listCredentials(database, supplier.pk));
        return;
      }
      if (values['reseller-id'] !== undefined) throw new UsageError(`--reseller-id is for reseller keys, not --role ${String(values.role)}`);
      if (role !== 'org_admin' && values['org-id'] !== undefined) throw new UsageError(`${String(values.role)} keys belong to no organisation: give no --org-id`);
      const orgId = values['org-id'] as string | undefined;
      print(await listPrincipalKeys(database, { role, ...(orgId !== undefined ? { orgId } : {}) }));
    },
  },
  'key revoke': {
    usage: 'key revoke (--id N | --key-id pkey_...)   revokes a reseller credential (--id) or an operator, org-admin, finance or metrics key; it stops working at once',
    options: { id: S, 'key-id': S },
    async run({ db, values, actor }) {
      if ((values.id === undefined) === (values['key-id'] === undefined)) throw new UsageError('give exactly one of --id (reseller credential) or --key-id (operator, org-admin, finance or metrics key)');
      if (values['key-id'] !== undefined) {
        const keyId = required(values, 'key-id');
        await revokePrincipalKey(await db(), actor, keyId);
        process.stdout.write(`key ${keyId} revoked\n`);
        return;
      }
      const id = Number(required(values, 'id'));
      if (!Number.isInteger(id)) throw new UsageError('--id must be a number');
      await revokeCredentialById(await db(), actor, id);
      process.stdout.write(`credential ${id} revoked\n`);
    },
  },
  'api-account add': {
    usage:
      "api-account add --org-id ID --public-key FILE [--key-id K] [--label TEXT]   an account for clients of Apple's business API: prints its client id and key id (the key is EC P-256, PEM or JWK)",
    options: { 'org-id': S, 'public-key': S, 'key-id': S, label: S },
    async run({ db, values, actor }) {
      const file = required(values, 'public-key');
      let publicKey: string;
      try {
        publicKey = readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
      }
      print(
        await addBusinessAccount(await db(), actor, {
          orgId: required(values, 'org-id'),
          publicKey,
          ...(values['key-id'] !== undefined ? { keyId: String(values['key-id']) } : {}),
          ...(values.label !== undefined ? { label: String(values.label) } : {}),
        }),
      );
    },
  },
  'api-account list': {
    readsOnly: true,
    usage: 'api-account list [--org-id ID]   business API accounts: client ids, key ids, public keys, dates',
    options: { 'org-id': S },
    async run({ db, values }) {
      print(await listBusinessApiAccounts(await db(), values['org-id'] as string | undefined));
    },
  },
  'api-account revoke': {
    usage: 'api-account revoke --client-id BUSINESSAPI.<uuid>   its tokens stop working at once',
    options: { 'client-id': S },
    async run({ db, values, actor }) {
      print(await revokeBusinessApiAccount(await db(), actor, required(values, 'client-id')));
    },
  },
  'cert add': {
    usage: 'cert add --reseller-id ID (--cert-file client.pem | --fingerprint SHA256) [--label TEXT]',
    options: { 'reseller-id': S, 'cert-file': S, fingerprint: S, label: S },
    async run({ db, values, actor }) {
      const file = values['cert-file'] as string | undefined;
      const fingerprint = file ? new X509Certificate(readFileSync(file)).fingerprint256 : required(values, 'fingerprint');
      const id = await addCertificate(await db(), actor, required(values, 'reseller-id'), fingerprint, (values.label as string) ?? 'client certificate');
      process.stdout.write(`credential ${id} (certificate ${fingerprint})\n`);
    },
  },
  'link add': {
    usage: 'link add --org-id ID --reseller-id ID   the organisation adds the reseller; its pending devices enrol',
    options: { 'org-id': S, 'reseller-id': S },
    async run({ db, values, actor }) {
      const { enrolled } = await linkSupplier(await db(), actor, required(values, 'org-id'), required(values, 'reseller-id'));
      process.stdout.write(`linked; ${enrolled} pending device(s) enrolled\n`);
    },
  },
  'link remove': {
    usage: 'link remove --org-id ID --reseller-id ID',
    options: { 'org-id': S, 'reseller-id': S },
    async run({ db, values, actor }) {
      await unlinkSupplier(await db(), actor, required(values, 'org-id'), required(values, 'reseller-id'));
      process.stdout.write('link removed\n');
    },
  },
  'device release': {
    usage: 'device release --org-id ID --serial SERIAL --reason TEXT   for good: later orders naming it are refused',
    options: { 'org-id': S, serial: S, reason: S },
    async run({ db, values, actor }) {
      const result = await releaseDeviceFromOrg(await db(), actor, required(values, 'org-id'), required(values, 'serial'), required(values, 'reason'));
      if ('code' in result) throw new AdminError(result.code, renderMessage(result));
      process.stdout.write(`device ${result.serial} released\n`);
    },
  },
  'device show': {
    readsOnly: true,
    usage: 'device show --serial SERIAL   current state and full history',
    options: { serial: S },
    async run({ db, values }) {
      const report = await deviceReport(await db(), required(values, 'serial'));
      if (!report) throw new AdminError('GW-ADM-NOT-FOUND', `no device ${String(values.serial)}`);
      print(report);
    },
  },
  'order show': {
    readsOnly: true,
    usage: 'order show --reseller-id ID --order-number N',
    options: { 'reseller-id': S, 'order-number': S },
    async run({ db, values }) {
      const report = await orderReport(await db(), required(values, 'reseller-id'), required(values, 'order-number'));
      if (!report) throw new AdminError('GW-ADM-NOT-FOUND', `no order ${String(values['order-number'])} of ${String(values['reseller-id'])}`);
      print(report);
    },
  },
  ...CREDIT_COMMANDS,
};

/** Whose key a `key` command is about: --role, or a reseller's when only --reseller-id is given. */
function keyRole(values: Values): 'reseller' | PrincipalRole {
  const role = values.role as string | undefined;
  if (role === undefined || role === 'reseller') return 'reseller';
  if (role === 'org-admin') return 'org_admin';
  if (role === 'operator' || role === 'finance' || role === 'metrics') return role;
  throw new UsageError(`--role must be reseller, operator, org-admin, finance or metrics, not ${role}`);
}

function withListenOverrides(config: GatewayConfig, values: Values): GatewayConfig {
  const port = values.port === undefined ? config.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0..65535');
  return { ...config, host: (values.host as string | undefined) ?? config.host, port };
}

/**
 * How long a graceful stop may take: in-flight requests (an upload being ingested), the
 * SFTP file in hand, and the audit entries still being written. Past it, what is left is
 * cut off (logged by request id and mailbox): an interrupted document rolls back whole
 * and is received again (an SFTP claim's lease runs out; an HTTP client gets no answer
 * and retries). Orchestrators wait about this long before a SIGKILL (Kubernetes: 30 s).
 */
const SHUTDOWN_TIMEOUT_MS = 25_000;
/** After the database is closed, the longest the process may linger (a socket left open) before it is ended. */
const EXIT_GRACE_MS = 2_000;

/** The sample keys of every role, and a request each may make, for the demo's last words. */
function trialKeyLines(url: string, keys: SeedKey[]): string[] {
  if (keys.length === 0) return [];
  const keyOf = (role: string) => keys.find((k) => k.role === role)?.key;
  const today = new Date().toISOString().slice(0, 10);
  const examples: [string | undefined, string][] = [
    [keyOf('org_admin'), `${url}/v1/devices`],
    [keyOf('finance'), `${url}/v1/reports/credit?from=${today.slice(0, 4)}-01-01&to=${today}`],
    [keyOf('operator'), `${url}/v1/audit?limit=5`],
  ];
  return [
    '',
    `The console: open ${url}/console/ in a browser and sign in with one of these keys (any but the metrics key).`,
    '',
    'A key for every role (samples/keys.json and suppliers.json: for this trial only, never on real data):',
    ...[...keys.map((k) => [`${k.role}${k.orgId ? ` ${k.orgId}` : ''}`, k.key]), ['reseller 16FCE4A0', 'gwk_sample_brightline_local_trial_only']].map(([who, key]) => `  ${who!.padEnd(18)} ${key!}`),
    'For example:',
    ...examples.filter(([key]) => key !== undefined).map(([key, target]) => `  curl -s "${target}" -H 'Authorization: Bearer ${key!}'`),
    '',
  ];
}

/** DATABASE_URL's parts, decoded: what `database` shows (all but the password) and what pg_dump is given. */
function postgresParts(databaseUrl: string): { host: string; port: string; user: string; database: string; password?: string; sslmode?: string } {
  const url = new URL(databaseUrl);
  const sslmode = url.searchParams.get('sslmode');
  return {
    host: url.hostname,
    port: url.port || '5432',
    user: decodeURIComponent(url.username),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(sslmode ? { sslmode } : {}),
  };
}

/**
 * pg_dump of the gateway's schema (or whole database) into a custom-format archive. The
 * connection goes in libpq's environment variables, not the command line, so that a
 * password in DATABASE_URL never shows in the process list.
 */
async function dumpPostgres(databaseUrl: string, schema: string | null, out: string): Promise<void> {
  const c = postgresParts(databaseUrl);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PGHOST: c.host,
    PGPORT: c.port,
    PGUSER: c.user,
    PGDATABASE: c.database,
    ...(c.password ? { PGPASSWORD: c.password } : {}),
    ...(c.sslmode ? { PGSSLMODE: c.sslmode } : {}),
  };
  const r = spawnSync('pg_dump', ['--format=custom', '--no-owner', `--file=${out}`, ...(schema ? [`--schema=${schema}`] : [])], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw new AdminError('GW-ADM-INVALID', `pg_dump could not be run (${r.error.message}): install the PostgreSQL client tools (apt-get install postgresql-client)`);
  if (r.status !== 0) {
    rmSync(out, { force: true }); // a partial archive is no backup
    throw new AdminError('GW-ADM-INVALID', `pg_dump failed (exit ${r.status ?? 'signal'}); nothing was written`);
  }
  chmodSync(out, 0o600);
}

/** `trial`: the demo's, with the sample keys of every role to print. */
async function serve(config: GatewayConfig, db: Db, trial?: { keys: SeedKey[] }): Promise<void> {
  // Loaded here, not at the top: a command that does not serve (ingest, an admin
  // command) starts without the HTTP stack, the SFTP client and the metrics registry.
  const [{ createApp, RESELLER_API_BASE }, { startServer }, { jsonLogger }, { gatewayMetrics }, { startMailboxes }, { workerIntake }, { sweepUploadSpool }] = await Promise.all([
    import('./channels/http/app.js'),
    import('./channels/http/server.js'),
    import('./log/logger.js'),
    import('./metrics/metrics.js'),
    import('./channels/sftp/index.js'),
    import('./intake/worker.js'),
    import('./channels/http/spool.js'),
  ]);
  const logger = jsonLogger();
  // Uploads a killed gateway was receiving: partners' files that nothing will read.
  const swept = sweepUploadSpool(config.intake.spoolDir);
  if (swept.length > 0) logger.log('info', 'removed upload spool files left by a gateway that stopped mid-request', { files: swept.length, spoolDir: config.intake.spoolDir });
  gatewayMetrics.startProcessMetrics();
  // Documents and reseller-API requests are received off this thread (SQLite: an intake
  // process; PostgreSQL: worker threads), each with its own connection: a long ingest
  // never holds up the HTTP loop (reads go on; on SQLite, writes wait for its commit).
  const intake = workerIntake({
    database: config,
    mappingDirs: config.mappingDirs,
    limits: config.intake,
    credit: config.credit,
    transactions: config.limits,
  });
  const app = createApp(db, config, logger, undefined, intake);
  const running = await startServer(app, config, { logger });
  const where = config.databaseUrl ? 'PostgreSQL' : `SQLite ${config.sqlitePath}`;
  process.stderr.write(`abm-edi-gateway listening on ${running.url} (database: ${where})\nconsole: ${running.url}/console/ (sign in with a key)\n`);
  logger.log('info', 'gateway listening', { url: running.url, database: config.databaseUrl ? 'postgresql' : 'sqlite', pid: process.pid });
  const mailboxes = startMailboxes(intakeDeps(db, config), config.mailboxes, logger, { spoolDir: config.intake.spoolDir, intake });
  if (config.mailboxes.length > 0) process.stderr.write(`polling ${config.mailboxes.length} SFTP mailbox(es)\n`);
  if (trial) {
    const base = `${running.url}${RESELLER_API_BASE}`;
    process.stderr.write(
      [
        '',
        'Enroll the sample order (3 devices for organisation 19827, from reseller 16FCE4A0):',
        `  curl -s -X POST ${base}/bulk-enroll-devices -H 'Content-Type: application/json' -H 'Authorization: Bearer gwk_sample_brightline_local_trial_only' --data @${join(SAMPLES_DIR, 'api', 'bulk-enroll.json')}`,
        'Then ask for its status with the deviceEnrollmentTransactionId it answers:',
        `  curl -s -X POST ${base}/check-transaction-status -H 'Content-Type: application/json' -H 'Authorization: Bearer gwk_sample_brightline_local_trial_only' --data '{"requestContext":{"shipTo":"0000052010","timeZone":"420","langCode":"en"},"depResellerId":"16FCE4A0","deviceEnrollmentTransactionId":"<id>"}'`,
        'And see one of its devices:  node dist/src/cli.js device show --serial DMPX1A2B3C4D',
        ...trialKeyLines(running.url, trial.keys),
        'Stop with Ctrl-C.',
        '',
      ].join('\n'),
    );
  }
  const signal = await new Promise<NodeJS.Signals>((resolveSignal) => {
    process.once('SIGINT', () => resolveSignal('SIGINT'));
    process.once('SIGTERM', () => resolveSignal('SIGTERM'));
  });
  const startedMs = Date.now();
  // A second signal while draining means "now": nothing more is waited for.
  const force = (second: NodeJS.Signals) => {
    logger.log('warn', 'shutdown forced by a second signal', { signal: second, inFlight: running.inFlight() });
    process.exit(1);
  };
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  logger.log('info', 'shutdown started', { signal, timeoutMs: SHUTDOWN_TIMEOUT_MS, inFlight: running.inFlight() });
  process.stderr.write(`${signal}: finishing in-flight requests and files, then stopping\n`);

  const deadlineMs = startedMs + SHUTDOWN_TIMEOUT_MS;
  const left = () => Math.max(0, deadlineMs - Date.now());
  let cutOff = false;
  // HTTP and SFTP drain side by side; each finishes the document it holds.
  const httpDrained = running.drain(SHUTDOWN_TIMEOUT_MS).then((report) => {
    for (const r of report.cutOff) logger.log('error', 'shutdown: request cut off by the timeout', { ...r, timeoutMs: SHUTDOWN_TIMEOUT_MS });
    if (!report.finished) cutOff = true;
    logger.log(report.finished ? 'info' : 'error', 'shutdown: http server closed', {
      finished: report.finished,
      inFlightAtStart: report.inFlightAtStart,
      refusedWhileDraining: report.refused,
      cutOff: report.cutOff.length,
    });
  });
  logger.log('info', 'shutdown: stopped accepting connections', { url: running.url });
  const sftpStopped = withTimeout(
    mailboxes.stop().catch((err: unknown) => logger.log('error', 'shutdown: sftp mailboxes did not stop cleanly', { error: (err as Error).message })),
    left(),
  ).then((done) => {
    if (done) logger.log('info', 'shutdown: sftp mailboxes stopped', { mailboxes: config.mailboxes.length });
    else {
      cutOff = true;
      // The file in hand rolls back with the database; its claim's lease runs out and it is taken again.
      logger.log('error', 'shutdown: sftp mailboxes still busy at the timeout; their file in hand is cut off', { mailboxes: config.mailboxes.map((m) => m.name) });
    }
  });
  await Promise.all([httpDrained, sftpStopped]);
  const flushAudits = app.locals.flushAudits as () => Promise<void>;
  if (await withTimeout(flushAudits().catch(() => undefined), left())) logger.log('info', 'shutdown: audit entries written');
  else {
    cutOff = true;
    logger.log('error', 'shutdown: audit entries still being written at the timeout; they may be lost');
  }
  await intake.close();
  await db.destroy();
  logger.log(cutOff ? 'error' : 'info', 'shutdown: database closed; exiting', { elapsedMs: Date.now() - startedMs, cutOff, exitCode: cutOff ? 1 : 0 });
  if (cutOff) process.exitCode = 1;
  // Everything is closed; a handle left open (a stuck SFTP socket) must not keep the process up.
  setTimeout(() => process.exit(cutOff ? 1 : 0), EXIT_GRACE_MS).unref();
}

/** Whether `work` settled within `ms` (it keeps running either way). */
async function withTimeout(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function usage(): string {
  return [
    'usage: abm-edi-gateway <command> [options]',
    '',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage}`),
    '',
    'abm-edi-gateway <command> --help: that command alone. --version: the version.',
    'Exit codes: 0 done; 1 refused or failed (the reason on stderr); 2 a mistake in the command line; 3 a document or import rejected.',
    'Configuration: see README.md (DATABASE_URL, GATEWAY_SQLITE_PATH, GATEWAY_PORT, GATEWAY_CONFIG, ...).',
  ].join('\n');
}

/** One command's usage and its options, for `<command> --help` and `help <command>`. */
function commandHelp(name: string, command: Command): string {
  const options = Object.entries(command.options).map(([flag, o]) => `  --${flag}${o.type === 'boolean' ? '' : ' VALUE'}${o.multiple ? ' (repeatable)' : ''}`);
  return [`usage: abm-edi-gateway ${command.usage}`, ...(options.length > 0 ? ['', 'options:', ...options] : []), '', `(abm-edi-gateway --help lists every command; ${name} is one of them)`].join('\n');
}

/** The gateway's version, from its package.json (the same file npm installs it by). */
function version(): string {
  const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The command named by the first one or two words of `argv`, if any. */
function commandOf(argv: string[]): { name: string; command: Command } | undefined {
  const two = `${argv[0] ?? ''} ${argv[1] ?? ''}`;
  const name = COMMANDS[two] ? two : argv[0] ?? '';
  const command = COMMANDS[name];
  return command ? { name, command } : undefined;
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version') {
    process.stdout.write(`abm-edi-gateway ${version()}\n`);
    return 0;
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || (argv[0] === 'help' && argv.length === 1)) {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  if (argv[0] === 'help') {
    const asked = commandOf(argv.slice(1));
    if (!asked) {
      process.stderr.write(`no command ${argv.slice(1).join(' ')}\n${usage()}\n`);
      return 2;
    }
    process.stdout.write(commandHelp(asked.name, asked.command) + '\n');
    return 0;
  }
  const found = commandOf(argv);
  if (!found) {
    process.stderr.write(`no command ${argv.slice(0, 2).join(' ')}\n${usage()}\n`);
    return 2;
  }
  const { name, command } = found;
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(commandHelp(name, command) + '\n');
    return 0;
  }
  const rest = argv.slice(name.split(' ').length);
  let database: Db | undefined;
  try {
    const { values, positionals } = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    const config = loadConfig();
    const actor: Actor = { name: `cli:${userInfo().username}`, origin: `cli@${hostname()}` };
    await command.run({
      config,
      values: values as Values,
      positionals,
      actor,
      db: async (driver?: SqliteDriver) => {
        if (command.readsOnly && !config.databaseUrl && !existsSync(config.sqlitePath)) {
          throw new AdminError(
            'GW-ADM-NOT-FOUND',
            `no database at ${resolve(config.sqlitePath)}: run from the gateway's folder, set GATEWAY_SQLITE_PATH (or DATABASE_URL), or create one with migrate`,
          );
        }
        database = openDatabase(config, driver);
        await migrate(database, config.pgSchema);
        return database;
      },
    });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof AdminError) process.stderr.write(`error ${err.code}: ${err.message}\n`);
    else if (err instanceof IntakeError) process.stderr.write(`error: ${err.message}\n`);
    else if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(err as Error).message}\nusage: abm-edi-gateway ${command.usage}\n`);
      return 2;
    } else if (err instanceof ConfigError) process.stderr.write(`configuration error: ${err.message}\n`);
    else process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await database?.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
