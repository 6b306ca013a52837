// The gateway's command line (cli.ts runs it): serve, migrate, seed, the sample trial
// (demo), and the admin commands for organisations, resellers, credentials, links,
// devices and orders.
// Parsed by commander. A command loads what it runs when it runs (import() in its body),
// so that `--help` and a lookup start in well under 300 ms rather than loading the whole
// gateway first.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command as Program, CommanderError, Help, Option } from 'commander';
import { AdminError } from './admin/admin-error.js';
import type { Actor } from './admin/operations.js';
import type { GatewayConfig } from './config.js';
import type { PrincipalRole } from './model/roles.js';
import type { Db, SqliteDriver } from './store/db.js';
import { DOCUMENT_EXIT_CODES, DOCUMENT_EXIT_CODES_HELP, MULTI, S, UsageError, print, required, said, type Command, type Values } from './cli-support.js';
import { CREDIT_COMMANDS, printSampleCreditReport } from './cli-credit.js';
import { OPTION_HELP } from './cli-options.js';

// The modules commands run, loaded on first use.
const operations = () => import('./admin/operations.js');
const documents = () => import('./cli-documents.js');

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SAMPLES_DIR = join(PROJECT_ROOT, 'samples');

const COMMANDS: Record<string, Command> = {
  serve: {
    usage: 'serve [--host H] [--port N]   start the gateway (reseller API, query API, console, SFTP mailboxes) on the configured database',
    options: { host: S, port: S },
    noJson: true,
    examples: ['serve --port 8080', 'DATABASE_URL=postgres://gateway@db.example/gateway serve'],
    async run({ config, values, db }) {
      const cfg = withListenOverrides(config, values);
      const { serve } = await import('./cli-serve.js');
      await serve(cfg, await db());
    },
  },
  demo: {
    usage: 'demo [--host H] [--port N] [--no-serve]   migrate, load samples/, ingest the sample documents, serve',
    options: { host: S, port: S, 'no-serve': { type: 'boolean' } },
    noJson: true,
    async run({ config, values, db, actor }) {
      const cfg = withListenOverrides(config, values);
      const [{ seedFromFolder, sampleKeys }, { intakeDeps, ingestSamples }, { loadSampleCredit }, { serve }] = await Promise.all([
        import('./admin/seed.js'),
        documents(),
        import('./credit/samples.js'),
        import('./cli-serve.js'),
      ]);
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
      await serve(cfg, database, { keys: sampleKeys(SAMPLES_DIR), samplesDir: SAMPLES_DIR });
    },
  },
  ingest: {
    usage: 'ingest FILE --partner ID [--mapping ID] [--json]   take a file through intake and print its outcome',
    arguments: ['<file>'],
    options: { partner: S, mapping: S },
    examples: ['ingest samples/documents/brightline-ship-notice.csv --partner 16FCE4A0', 'ingest orders.850.edi --partner APPLE --json'],
    exitCodes: DOCUMENT_EXIT_CODES_HELP,
    async run({ config, values, positionals, db, actor }) {
      const { ingestCommand, intakeDeps, describeResult, withRefusals, FileRefused } = await documents();
      // The one thing this process does: the faster driver, which runs in this thread.
      const database = await db('better-sqlite3');
      try {
        const ingested = await ingestCommand(intakeDeps(database, config), positionals[0]!, required(values, 'partner'), values.mapping as string | undefined, actor.name);
        const result = await withRefusals(database, ingested);
        said(values, describeResult(result), result);
        process.exitCode = DOCUMENT_EXIT_CODES[result.status];
      } catch (err) {
        if (!(err instanceof FileRefused)) throw err;
        process.stderr.write(`error ${err.code}: ${err.message}\n`);
        process.exitCode = DOCUMENT_EXIT_CODES.rejected;
      }
    },
  },
  'document list': {
    readsOnly: true,
    usage: 'document list [--partner ID] [--status S] [--limit N]   newest first (JSON)',
    options: { partner: S, status: S, limit: S },
    examples: ['document list --partner 16FCE4A0 --status rejected --limit 10'],
    async run({ values, db }) {
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new UsageError('--limit must be 1..10000');
      const { listDocumentsCommand } = await documents();
      print(await listDocumentsCommand(await db(), values.partner as string | undefined, values.status as string | undefined, limit));
    },
  },
  'document show': {
    readsOnly: true,
    usage: 'document show ID   status, summary, items and errors of a received document (JSON)',
    arguments: ['<id>'],
    options: {},
    async run({ positionals, db }) {
      const { showDocument } = await documents();
      const doc = await showDocument(await db(), positionals[0]!);
      if (!doc) throw new AdminError('GW-DOC-6012', `no document ${positionals[0]!}`);
      print(doc);
    },
  },
  'document ack': {
    readsOnly: true,
    usage: "document ack ID [--kind csv|json|997|855]   print a document's acknowledgement",
    arguments: ['<id>'],
    options: { kind: S },
    noJson: true,
    async run({ config, positionals, values, db }) {
      const { ackCommand, intakeDeps } = await documents();
      process.stdout.write(await ackCommand(intakeDeps(await db(), config), positionals[0]!, values.kind as string | undefined));
    },
  },
  'document replay': {
    usage: 'document replay ID [--mapping ID] [--json]   run a rejected document again, after the data it lacked is corrected',
    arguments: ['<id>'],
    options: { mapping: S },
    exitCodes: DOCUMENT_EXIT_CODES_HELP,
    async run({ config, positionals, values, db, actor }) {
      const { replayCommand, intakeDeps, describeResult, withRefusals } = await documents();
      const database = await db();
      const result = await withRefusals(database, await replayCommand(intakeDeps(database, config), positionals[0]!, actor.name, values.mapping as string | undefined));
      said(values, describeResult(result), result);
      process.exitCode = DOCUMENT_EXIT_CODES[result.status];
    },
  },
  'mapping list': {
    readsOnly: true,
    usage: 'mapping list   the mappings in the mapping folders, with their content hashes and the set version (JSON)',
    options: {},
    async run({ config }) {
      const { BUILTIN_MAPPINGS_DIR, loadMappings, mappingSetVersion } = await import('./mapping/mapping.js');
      const mappings = loadMappings([BUILTIN_MAPPINGS_DIR, ...config.mappingDirs]);
      const items = [...mappings.values()].map((m) => ({ id: m.id, format: m.format, partners: m.partners, sha256: m.sha256 }));
      print({ version: mappingSetVersion(mappings), items });
    },
  },
  'mapping test': {
    readsOnly: true,
    usage: 'mapping test FILE --partner ID [--mapping ID] [--json]   read a file through a mapping and show what intake would read; nothing is applied',
    arguments: ['<file>'],
    options: { partner: S, mapping: S },
    exitCodes: `0 intake would go on to apply it, ${DOCUMENT_EXIT_CODES.rejected} intake would reject it as it is`,
    examples: ['mapping test samples/documents/brightline-ship-notice.csv --partner 16FCE4A0', 'mapping test leverbestand.csv --partner 4C1D2E30 --mapping van-dijk-csv --json'],
    async run({ config, values, positionals }) {
      const [{ BUILTIN_MAPPINGS_DIR, loadMappings }, { testMapping }, { describeMappingTest }] = await Promise.all([
        import('./mapping/mapping.js'),
        import('./intake/mapping-test.js'),
        import('./cli-documents.js'),
      ]);
      const file = positionals[0]!;
      if (!existsSync(file)) throw new UsageError(`there is no file ${file}`);
      const result = await testMapping(loadMappings([BUILTIN_MAPPINGS_DIR, ...config.mappingDirs]), {
        partnerId: required(values, 'partner'),
        fileName: basename(file),
        source: { path: file },
        ...(typeof values.mapping === 'string' ? { mappingId: values.mapping } : {}),
        limits: config.intake,
      });
      said(values, describeMappingTest(result), result);
      if (!result.readable) process.exitCode = DOCUMENT_EXIT_CODES.rejected;
    },
  },
  database: {
    readsOnly: true,
    usage: 'database   which database this command line opens (a SQLite file, or PostgreSQL host, database and schema), without creating one (JSON)',
    options: {},
    async run({ config }) {
      if (config.databaseUrl) {
        // Never the password: the URL's user, host, port and database only.
        const { postgresParts } = await import('./cli-serve.js');
        const { host, port, user, database } = postgresParts(config.databaseUrl);
        print({ database: 'postgresql', host, port: Number(port), name: database, user, schema: config.pgSchema ?? 'public' });
        return;
      }
      const path = resolve(config.sqlitePath);
      print({ database: 'sqlite', path, exists: existsSync(path), ...(existsSync(path) ? { sizeBytes: statSync(path).size } : {}) });
    },
  },
  migrate: {
    usage: 'migrate   create or update the database schema',
    options: {},
    async run({ values, db }) {
      await db(); // opening migrates
      said(values, 'schema up to date', { schema: 'up to date' });
    },
  },
  backup: {
    readsOnly: true,
    usage:
      'backup --out FILE   a consistent copy of the live database, while the gateway runs: SQLite a database file, PostgreSQL a pg_dump archive (docs/operations.md: "Backup and restore") (JSON)',
    options: { out: S },
    examples: ['backup --out /var/backups/gateway-$(date +%F).sqlite3'],
    async run({ config, values, db }) {
      const out = resolve(required(values, 'out'));
      if (existsSync(out)) throw new UsageError(`${out} exists already: give a new file (a backup never overwrites one)`);
      if (config.databaseUrl) {
        const { dumpPostgres } = await import('./cli-serve.js');
        await dumpPostgres(config.databaseUrl, config.pgSchema, out);
        print({ backup: out, database: 'postgresql', format: 'pg_dump custom', sizeBytes: statSync(out).size });
        return;
      }
      const [{ backupSqliteInto, rowCounts }, { openDatabase }] = await Promise.all([import('./store/backup.js'), import('./store/db.js')]);
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
    usage: 'seed [DIR]   load organisations.json, suppliers.json and keys.json (default: samples/) (JSON)',
    arguments: ['[dir]'],
    options: {},
    async run({ db, positionals, actor }) {
      const { seedFromFolder } = await import('./admin/seed.js');
      print(await seedFromFolder(await db(), positionals[0] ?? SAMPLES_DIR, actor));
    },
  },
  'org add': {
    usage: 'org add --org-id ID --name NAME --country CC [--apple-customer-number N ...]   an organisation, by its Apple Business Manager id',
    options: { 'org-id': S, name: S, country: S, 'apple-customer-number': MULTI },
    examples: ['org add --org-id 19827 --name "Northwind Schools" --country US --apple-customer-number 1234567'],
    async run({ db, values, actor }) {
      const { addOrganisation } = await operations();
      const org = await addOrganisation(await db(), actor, {
        orgId: required(values, 'org-id'),
        name: required(values, 'name'),
        country: required(values, 'country'),
        appleCustomerNumbers: (values['apple-customer-number'] as string[] | undefined) ?? [],
      });
      said(values, `organisation ${org.orgId} added`, { orgId: org.orgId, name: org.name, country: org.country });
    },
  },
  'org list': {
    readsOnly: true,
    usage: 'org list   organisations, their Apple customer numbers and resellers (JSON)',
    options: {},
    async run({ db }) {
      const [{ listOrganisations }, { listSuppliers }] = await Promise.all([import('./store/organisations.js'), import('./store/suppliers.js')]);
      const database = await db();
      const orgs = await listOrganisations(database);
      const suppliers = await listSuppliers(database);
      const idOf = new Map(suppliers.map((s) => [s.pk, s.supplierId]));
      print(orgs.map((o) => ({ ...o, pk: undefined, linkedSupplierPks: undefined, resellers: o.linkedSupplierPks.map((pk) => idOf.get(pk)) })));
    },
  },
  'org add-customer-number': {
    usage: 'org add-customer-number --org-id ID --number N   another Apple customer number that names the organisation on orders',
    options: { 'org-id': S, number: S },
    async run({ db, values, actor }) {
      const { addAppleCustomerNumber } = await operations();
      const [orgId, number] = [required(values, 'org-id'), required(values, 'number')];
      await addAppleCustomerNumber(await db(), actor, orgId, number);
      said(values, 'Apple customer number added', { orgId, appleCustomerNumber: number });
    },
  },
  'org set-server': {
    usage: 'org set-server --org-id ID --family iPhone|iPad|Mac|AppleTV|AppleWatch|AppleVisionPro (--server NAME | --clear)   the device-management server new devices of a family go to',
    options: { 'org-id': S, family: S, server: S, clear: { type: 'boolean' } },
    async run({ db, values, actor }) {
      const { setDefaultServer } = await operations();
      const server = values.clear ? null : required(values, 'server');
      const [orgId, family] = [required(values, 'org-id'), required(values, 'family')];
      await setDefaultServer(await db(), actor, orgId, family, server);
      said(values, server ? 'default server set' : 'default server cleared', { orgId, family, server });
    },
  },
  'reseller add': {
    usage: 'reseller add --reseller-id ID --name NAME [--ship-to 0000052010 ...] [--apple]   a reseller (or Apple, with --apple) that sends documents',
    options: { 'reseller-id': S, name: S, 'ship-to': MULTI, apple: { type: 'boolean' } },
    examples: ['reseller add --reseller-id 16FCE4A0 --name "Brightline Devices" --ship-to 0000052010'],
    async run({ db, values, actor }) {
      const { addSupplier } = await operations();
      const s = await addSupplier(await db(), actor, {
        supplierId: required(values, 'reseller-id'),
        name: required(values, 'name'),
        kind: values.apple ? 'apple' : 'reseller',
        shipTos: (values['ship-to'] as string[] | undefined) ?? [],
      });
      said(values, `${s.kind} ${s.supplierId} added`, { supplierId: s.supplierId, kind: s.kind, name: s.name });
    },
  },
  'reseller list': {
    readsOnly: true,
    usage: 'reseller list   resellers and Apple, with their Ship-Tos (JSON)',
    options: {},
    async run({ db }) {
      const { listSuppliers } = await import('./store/suppliers.js');
      print((await listSuppliers(await db())).map((s) => ({ ...s, pk: undefined })));
    },
  },
  'reseller add-ship-to': {
    usage: 'reseller add-ship-to --reseller-id ID --ship-to NNNNNNNNNN   another Ship-To the reseller may order under',
    options: { 'reseller-id': S, 'ship-to': S },
    async run({ db, values, actor }) {
      const { addShipTo } = await operations();
      const [resellerId, shipTo] = [required(values, 'reseller-id'), required(values, 'ship-to')];
      await addShipTo(await db(), actor, resellerId, shipTo);
      said(values, 'Ship-To added', { resellerId, shipTo, active: true });
    },
  },
  'reseller ship-to-status': {
    usage: 'reseller ship-to-status --ship-to NNNNNNNNNN (--active | --inactive)   an inactive Ship-To is refused on every channel',
    options: { 'ship-to': S, active: { type: 'boolean' }, inactive: { type: 'boolean' } },
    async run({ db, values, actor }) {
      if (Boolean(values.active) === Boolean(values.inactive)) throw new UsageError('give exactly one of --active or --inactive');
      const { setShipToStatus } = await operations();
      const shipTo = required(values, 'ship-to');
      await setShipToStatus(await db(), actor, shipTo, Boolean(values.active));
      said(values, 'Ship-To updated', { shipTo, active: Boolean(values.active) });
    },
  },
  'key create': {
    usage:
      'key create (--reseller-id ID | --role operator | --role org-admin --org-id ID | --role finance [--orgs A,B] | --role metrics) [--label TEXT]   prints the new key once; it is stored only as a hash',
    options: { 'reseller-id': S, role: S, 'org-id': S, orgs: S, label: S },
    examples: ['key create --role org-admin --org-id 19827 --label "IT admin"', 'key create --reseller-id 16FCE4A0 --json'],
    async run({ db, values, actor }) {
      const role = keyRole(values);
      const label = values.label as string | undefined;
      const { createApiKey, createPrincipalKey } = await operations();
      if (role === 'reseller') {
        if (values['org-id'] !== undefined) throw new UsageError('--org-id is for --role org-admin; a reseller key takes --reseller-id');
        const { id, key } = await createApiKey(await db(), actor, required(values, 'reseller-id'), label ?? 'api key');
        said(values, `credential ${id}\n${key}`, { credentialId: id, key });
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
        said(values, `key ${created.keyId}\n${created.key}`, { keyId: created.keyId, key: created.key, role });
      }
      process.stderr.write('Store this key now: the gateway keeps only its hash and cannot show it again.\n');
    },
  },
  'key list': {
    readsOnly: true,
    usage: 'key list (--reseller-id ID | --role operator | --role org-admin [--org-id ID] | --role finance | --role metrics)   ids, labels, dates; never the keys (JSON)',
    options: { 'reseller-id': S, role: S, 'org-id': S },
    async run({ db, values }) {
      const role = keyRole(values);
      const database = await db();
      if (role === 'reseller') {
        const { findSupplier, listCredentials } = await import('./store/suppliers.js');
        const supplier = await findSupplier(database, required(values, 'reseller-id'));
        if (!supplier) throw new AdminError('GW-ADM-NOT-FOUND', `no supplier ${String(values['reseller-id'])}`);
        print(await listCredentials(database, supplier.pk));
        return;
      }
      if (values['reseller-id'] !== undefined) throw new UsageError(`--reseller-id is for reseller keys, not --role ${String(values.role)}`);
      if (role !== 'org_admin' && values['org-id'] !== undefined) throw new UsageError(`${String(values.role)} keys belong to no organisation: give no --org-id`);
      const orgId = values['org-id'] as string | undefined;
      const { listPrincipalKeys } = await operations();
      print(await listPrincipalKeys(database, { role, ...(orgId !== undefined ? { orgId } : {}) }));
    },
  },
  'key revoke': {
    usage: 'key revoke (--id N | --key-id pkey_...)   revokes a reseller credential (--id) or an operator, org-admin, finance or metrics key; it stops working at once',
    options: { id: S, 'key-id': S },
    async run({ db, values, actor }) {
      if ((values.id === undefined) === (values['key-id'] === undefined)) throw new UsageError('give exactly one of --id (reseller credential) or --key-id (operator, org-admin, finance or metrics key)');
      const { revokePrincipalKey, revokeCredentialById } = await operations();
      if (values['key-id'] !== undefined) {
        const keyId = required(values, 'key-id');
        await revokePrincipalKey(await db(), actor, keyId);
        said(values, `key ${keyId} revoked`, { keyId, revoked: true });
        return;
      }
      const id = Number(required(values, 'id'));
      if (!Number.isInteger(id)) throw new UsageError('--id must be a number');
      await revokeCredentialById(await db(), actor, id);
      said(values, `credential ${id} revoked`, { credentialId: id, revoked: true });
    },
  },
  'api-account add': {
    usage:
      "api-account add --org-id ID --public-key FILE [--key-id K] [--label TEXT]   an account for clients of Apple's business API: prints its client id and key id (the key is EC P-256, PEM or JWK) (JSON)",
    options: { 'org-id': S, 'public-key': S, 'key-id': S, label: S },
    async run({ db, values, actor }) {
      const file = required(values, 'public-key');
      let publicKey: string;
      try {
        publicKey = readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
      }
      const { addBusinessAccount } = await import('./admin/business-api.js');
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
    usage: 'api-account list [--org-id ID]   business API accounts: client ids, key ids, public keys, dates (JSON)',
    options: { 'org-id': S },
    async run({ db, values }) {
      const { listBusinessApiAccounts } = await import('./admin/business-api.js');
      print(await listBusinessApiAccounts(await db(), values['org-id'] as string | undefined));
    },
  },
  'api-account revoke': {
    usage: 'api-account revoke --client-id BUSINESSAPI.<uuid>   its tokens stop working at once (JSON)',
    options: { 'client-id': S },
    async run({ db, values, actor }) {
      const { revokeBusinessApiAccount } = await import('./admin/business-api.js');
      print(await revokeBusinessApiAccount(await db(), actor, required(values, 'client-id')));
    },
  },
  'cert add': {
    usage: 'cert add --reseller-id ID (--cert-file client.pem | --fingerprint SHA256) [--label TEXT]   a client certificate the reseller API accepts from the reseller',
    options: { 'reseller-id': S, 'cert-file': S, fingerprint: S, label: S },
    async run({ db, values, actor }) {
      const file = values['cert-file'] as string | undefined;
      const fingerprint = file ? new X509Certificate(readFileSync(file)).fingerprint256 : required(values, 'fingerprint');
      const { addCertificate } = await operations();
      const id = await addCertificate(await db(), actor, required(values, 'reseller-id'), fingerprint, (values.label as string) ?? 'client certificate');
      said(values, `credential ${id} (certificate ${fingerprint})`, { credentialId: id, fingerprint });
    },
  },
  'link add': {
    usage: 'link add --org-id ID --reseller-id ID   the organisation adds the reseller; its pending devices enrol',
    options: { 'org-id': S, 'reseller-id': S },
    async run({ db, values, actor }) {
      const { linkSupplier } = await operations();
      const [orgId, resellerId] = [required(values, 'org-id'), required(values, 'reseller-id')];
      const { enrolled } = await linkSupplier(await db(), actor, orgId, resellerId);
      said(values, `linked; ${enrolled} pending device(s) enrolled`, { orgId, resellerId, pendingDevicesEnrolled: enrolled });
    },
  },
  'link remove': {
    usage: 'link remove --org-id ID --reseller-id ID   the organisation removes the reseller; its later devices wait (pending)',
    options: { 'org-id': S, 'reseller-id': S },
    async run({ db, values, actor }) {
      const { unlinkSupplier } = await operations();
      const [orgId, resellerId] = [required(values, 'org-id'), required(values, 'reseller-id')];
      await unlinkSupplier(await db(), actor, orgId, resellerId);
      said(values, 'link removed', { orgId, resellerId, linked: false });
    },
  },
  'device release': {
    usage: 'device release --org-id ID --serial SERIAL --reason TEXT   for good: later orders naming it are refused',
    options: { 'org-id': S, serial: S, reason: S },
    async run({ db, values, actor }) {
      const [{ releaseDeviceFromOrg }, { renderMessage }] = await Promise.all([operations(), import('./model/messages.js')]);
      const result = await releaseDeviceFromOrg(await db(), actor, required(values, 'org-id'), required(values, 'serial'), required(values, 'reason'));
      if ('code' in result) throw new AdminError(result.code, renderMessage(result));
      said(values, `device ${result.serial} released`, { serial: result.serial, released: true });
    },
  },
  'device show': {
    readsOnly: true,
    usage: 'device show --serial SERIAL   current state and full history (JSON)',
    options: { serial: S },
    examples: ['device show --serial DMPX1A2B3C4D'],
    async run({ db, values }) {
      const { deviceReport } = await import('./admin/lookups.js');
      const report = await deviceReport(await db(), required(values, 'serial'));
      if (!report) throw new AdminError('GW-ADM-NOT-FOUND', `no device ${String(values.serial)}`);
      print(report);
    },
  },
  'order show': {
    readsOnly: true,
    usage: 'order show --reseller-id ID --order-number N   the order, its deliveries and devices (JSON)',
    options: { 'reseller-id': S, 'order-number': S },
    async run({ db, values }) {
      const { orderReport } = await import('./admin/lookups.js');
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

/** Every command and what it does: the top-level help. */
function usage(): string {
  return [
    'usage: abm-edi-gateway <command> [options]',
    '',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage}`),
    '',
    'abm-edi-gateway <command> --help: that command alone, with examples. --version: the version.',
    '--json: a command whose output is data prints it as JSON (most do already; the others print a sentence without it).',
    `Exit codes: ${EXIT_CODES}.`,
    `ingest and document replay: ${DOCUMENT_EXIT_CODES_HELP}.`,
    'Configuration: see docs/operations.md (DATABASE_URL, GATEWAY_SQLITE_PATH, GATEWAY_PORT, GATEWAY_CONFIG, ...).',
  ].join('\n');
}

const EXIT_CODES = '0 done (or help shown); 1 refused or failed (the reason on stderr); 2 a mistake in the command line; 3 a document or import rejected';

/** The gateway's version, from its package.json (the same file npm installs it by). */
function version(): string {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** What ran, as the catch below needs it: the database to close. */
interface Invocation {
  command?: Command;
  database?: Db;
}

/**
 * The commander program: a command per entry of COMMANDS ("org add" is `add` under
 * `org`), each with its options, arguments, examples and `--json`. Values reach the run
 * function under their flag names (--org-id as values['org-id']), as the table spells them.
 */
function program(invocation: Invocation, dryRun = false): Program {
  const root = new Program('abm-edi-gateway')
    .version(`abm-edi-gateway ${version()}`, '-V, --version', 'the version')
    .helpOption('-h, --help', 'this help')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (text, write) => write(text) });
  const groups = new Map<string, Program>();
  for (const [name, command] of Object.entries(COMMANDS)) {
    const words = name.split(' ');
    let parent = root;
    if (words.length === 2) {
      let group = groups.get(words[0]!);
      if (!group) {
        group = root.command(words[0]!).description(`${words[0]} commands: ${words[0]} <command> --help for one`);
        groups.set(words[0]!, group);
      }
      parent = group;
    }
    const [synopsis, description] = splitUsage(command.usage);
    const cmd = parent
      .command(words[words.length - 1]!)
      .usage(synopsis.slice(name.length).trim() || '[options]')
      .description(description)
      .exitOverride();
    for (const arg of command.arguments ?? []) cmd.argument(arg);
    for (const [flag, o] of Object.entries(command.options)) {
      const help = OPTION_HELP[flag];
      if (help === undefined) throw new Error(`invariant: --${flag} of ${name} has no line in OPTION_HELP (cli-options.ts)`);
      const option = new Option(o.type === 'boolean' ? `--${flag}` : `--${flag} <value>`, help);
      // Repeatable: --ship-to A --ship-to B gives both.
      if (o.multiple) option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
      cmd.addOption(option);
    }
    if (!command.noJson && !('json' in command.options)) cmd.option('--json', OPTION_HELP.json);
    const examples = command.examples ?? [];
    const exitCodes = [`Exit codes: ${EXIT_CODES}.`, ...(command.exitCodes ? [`Its outcome: ${command.exitCodes}.`] : [])];
    cmd.addHelpText('after', [...(examples.length > 0 ? ['', 'Examples:', ...examples.map((e) => `  abm-edi-gateway ${e}`)] : []), '', ...exitCodes].join('\n'));
    cmd.action(async (...args: unknown[]) => {
      if (dryRun) return;
      // commander passes the declared arguments, then the options, then the command.
      const positionals = args.slice(0, (command.arguments ?? []).length).filter((a): a is string => typeof a === 'string');
      const opts = cmd.opts();
      const values: Values = {};
      for (const flag of [...Object.keys(command.options), 'json']) {
        // commander names --org-id orgId, and --no-serve is the negation of serve.
        const value = flag.startsWith('no-') ? (opts[camel(flag.slice(3))] === false ? true : undefined) : opts[camel(flag)];
        if (value !== undefined) values[flag] = value as string | boolean | string[];
      }
      await runCommand(command, values, positionals, invocation);
    });
  }
  // The top level lists every command with its synopsis; a command's own help is commander's.
  root.configureHelp({ formatHelp: (cmd, helper) => (cmd === root ? `${usage()}\n` : Help.prototype.formatHelp.call(helper, cmd, helper)) });
  return root;
}

/** "ingest FILE --partner ID   take a file ..." as its synopsis and its description (three spaces apart). */
function splitUsage(text: string): [string, string] {
  const at = text.search(/ {3,}/);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at).trim()];
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

async function runCommand(command: Command, values: Values, positionals: string[], invocation: Invocation): Promise<void> {
  const { loadConfig } = await import('./config.js');
  const config = loadConfig();
  const actor: Actor = { name: `cli:${userInfo().username}`, origin: `cli@${hostname()}` };
  invocation.command = command;
  await command.run({
    config,
    values,
    positionals,
    actor,
    db: async (driver?: SqliteDriver) => {
      if (command.readsOnly && !config.databaseUrl && !existsSync(config.sqlitePath)) {
        throw new AdminError(
          'GW-ADM-NOT-FOUND',
          `no database at ${resolve(config.sqlitePath)}: run from the gateway's folder, set GATEWAY_SQLITE_PATH (or DATABASE_URL), or create one with migrate`,
        );
      }
      const { openDatabase, migrate } = await import('./store/db.js');
      invocation.database = openDatabase(config, driver);
      await migrate(invocation.database, config.pgSchema);
      return invocation.database;
    },
  });
}

export async function main(argv: string[]): Promise<number> {
  // No command at all: the list of them, as a request for help.
  if (argv.length === 0) argv = ['--help'];
  // `help org add` is `org add --help`.
  if (argv[0] === 'help' && argv.length > 1) argv = [...argv.slice(1), '--help'];
  if (argv[0] === 'version') argv = ['--version'];
  const invocation: Invocation = {};
  try {
    await program(invocation).parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and the version are answers (0); anything else commander refuses is a mistake in the command line (2).
      // A group named alone (`org`) shows its commands as a mistake: commander.help with a non-zero exit code.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || (err.code === 'commander.help' && err.exitCode === 0)) return 0;
      process.stderr.write('(abm-edi-gateway --help lists the commands; <command> --help shows one)\n');
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\nusage: abm-edi-gateway ${invocation.command?.usage ?? '<command> [options]'}\n`);
      return 2;
    }
    const [{ IntakeError }, { ConfigError }] = await Promise.all([import('./intake/source.js'), import('./config.js')]);
    if (err instanceof AdminError) process.stderr.write(`error ${err.code}: ${err.message}\n`);
    else if (err instanceof IntakeError) process.stderr.write(`error: ${err.message}\n`);
    else if (err instanceof ConfigError) process.stderr.write(`configuration error: ${err.message}\n`);
    else process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await invocation.database?.destroy();
  }
}

/**
 * Whether `argv` is a command line the program accepts (its command, arguments and
 * options), without running anything: null, or commander's complaint. The docs test
 * checks with it the commands it cannot run.
 */
export async function checkCommandLine(argv: string[]): Promise<string | null> {
  let said = '';
  const root = program({}, true).configureOutput({ writeOut: () => undefined, writeErr: (text) => (said += text), outputError: (text, write) => write(text) });
  // Subcommands took the root's output settings when they were made: quiet them too.
  for (const cmd of allCommands(root)) cmd.configureOutput({ writeOut: () => undefined, writeErr: (text) => (said += text), outputError: (text, write) => write(text) });
  try {
    await root.parseAsync(argv, { from: 'user' });
    return null;
  } catch (err) {
    if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.version')) return null;
    return (said || (err as Error).message).trim();
  }
}

function allCommands(cmd: Program): Program[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}
