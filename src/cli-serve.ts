// What `serve` and `demo` run, and the backup of a PostgreSQL database: loaded only by the
// commands that need them, so that every other command starts without the HTTP stack.
import { chmodSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AdminError } from './admin/admin-error.js';
import type { SeedKey } from './admin/seed.js';
import { intakeDeps } from './cli-documents.js';
import { BUILTIN_MAPPINGS_DIR, loadMappings, mappingSetVersion, reloadMappings } from './mapping/mapping.js';
import type { GatewayConfig } from './config.js';
import type { Db } from './store/db.js';

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
export function postgresParts(databaseUrl: string): { host: string; port: string; user: string; database: string; password?: string; sslmode?: string } {
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
export async function dumpPostgres(databaseUrl: string, schema: string | null, out: string): Promise<void> {
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
export async function serve(config: GatewayConfig, db: Db, trial?: { keys: SeedKey[]; samplesDir: string }): Promise<void> {
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
  // Documents and reseller-API requests are received off this process (SQLite: an intake
  // process; PostgreSQL: two), each with its own connection: a long ingest
  // never holds up the HTTP loop (reads go on; on SQLite, writes wait for its commit).
  // One set of mappings for the whole process, which SIGHUP or POST /v1/mappings/reload reloads in place.
  const mappings = loadMappings([BUILTIN_MAPPINGS_DIR, ...config.mappingDirs]);
  logger.log('info', 'mappings loaded', { version: mappingSetVersion(mappings), mappings: mappings.size });
  const intake = workerIntake(
    {
      database: config,
      mappingDirs: config.mappingDirs,
      limits: config.intake,
      credit: config.credit,
      transactions: config.limits,
    },
    undefined,
    mappings,
  );
  const app = createApp(db, config, logger, undefined, intake, mappings);
  const reloadOnHangup = () => {
    try {
      const reload = reloadMappings(mappings, [BUILTIN_MAPPINGS_DIR, ...config.mappingDirs]);
      logger.log('info', 'mappings reloaded', { signal: 'SIGHUP', ...reload });
    } catch (err) {
      logger.log('error', 'mappings not reloaded: the set in use stays', { signal: 'SIGHUP', version: mappingSetVersion(mappings), error: (err as Error).message });
    }
  };
  process.on('SIGHUP', reloadOnHangup);
  const running = await startServer(app, config, { logger });
  const where = config.databaseUrl ? 'PostgreSQL' : `SQLite ${config.sqlitePath}`;
  process.stderr.write(`abm-edi-gateway listening on ${running.url} (database: ${where})\nconsole: ${running.url}/console/ (sign in with a key)\n`);
  logger.log('info', 'gateway listening', { url: running.url, database: config.databaseUrl ? 'postgresql' : 'sqlite', pid: process.pid });
  const mailboxes = startMailboxes(intakeDeps(db, config, mappings), config.mailboxes, logger, { spoolDir: config.intake.spoolDir, intake });
  if (config.mailboxes.length > 0) process.stderr.write(`polling ${config.mailboxes.length} SFTP mailbox(es)\n`);
  if (trial) {
    const base = `${running.url}${RESELLER_API_BASE}`;
    process.stderr.write(
      [
        '',
        'Enroll the sample order (3 devices for organisation 19827, from reseller 16FCE4A0):',
        `  curl -s -X POST ${base}/bulk-enroll-devices -H 'Content-Type: application/json' -H 'Authorization: Bearer gwk_sample_brightline_local_trial_only' --data @${join(trial.samplesDir, 'api', 'bulk-enroll.json')}`,
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
  process.off('SIGHUP', reloadOnHangup);
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

