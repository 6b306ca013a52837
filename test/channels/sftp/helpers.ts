// Shared pieces of the SFTP mailbox tests: mailbox folders on the local disk (reached
// through the test sshd by absolute path), ship-notice CSV files for the Brightline
// mapping, a logger that keeps its lines, and polling helpers.
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { DEFAULT_CONFIG } from '../../../src/config.js';
import type { IntakeDeps } from '../../../src/intake/receive.js';
import type { Logger, LogLevel } from '../../../src/log/logger.js';
import { loadMappings } from '../../../src/mapping/mapping.js';
import { resolveMailbox, type MailboxSettings, type ResolvedMailbox } from '../../../src/channels/sftp/settings.js';
import type { Sshd } from '../../support/sshd.js';
import { testCreditSettings } from '../../support/credit.js';

export const PARTNER = '16FCE4A0';
export const ORG = '19827';
export const CSV_HEADER = 'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number';

export interface MailboxDirs {
  root: string;
  inbound: string;
  archive: string;
  error: string;
  outbound: string;
}

/** A mailbox on the test sshd whose folders live under `root` (created here). */
export function testMailbox(sshd: Sshd, root: string, name: string, overrides: Partial<MailboxSettings> = {}): { mailbox: ResolvedMailbox; dirs: MailboxDirs } {
  const dirs: MailboxDirs = {
    root,
    inbound: join(root, 'inbound'),
    archive: join(root, 'archive'),
    error: join(root, 'error'),
    outbound: join(root, 'outbound'),
  };
  mkdirSync(dirs.inbound, { recursive: true });
  const mailbox = resolveMailbox({
    name,
    partnerId: PARTNER,
    host: sshd.host,
    port: sshd.port,
    username: sshd.username,
    privateKeyPath: sshd.clientKeyPath,
    hostKeyFingerprint: sshd.hostKeyFingerprint,
    inboundDir: dirs.inbound,
    archiveDir: dirs.archive,
    errorDir: dirs.error,
    outboundDir: dirs.outbound,
    pollIntervalMs: 100,
    minFileAgeMs: 0,
    stablePolls: 2,
    claimLeaseMs: 5000,
    connectTimeoutMs: 3000,
    operationTimeoutMs: 10_000,
    maxBackoffMs: 400,
    ...overrides,
  });
  return { mailbox, dirs };
}

export function intakeDeps(db: Knex): IntakeDeps {
  const { maxDocumentBytes, maxJsonDocumentBytes, maxErrorsPerDocument } = DEFAULT_CONFIG.intake;
  return { db, mappings: loadMappings(), limits: { maxDocumentBytes, maxJsonDocumentBytes, maxErrorsPerDocument }, credit: testCreditSettings(), transactions: DEFAULT_CONFIG.limits };
}

/**
 * A Brightline ship-notice CSV: `devices` devices of organisation 19827, in orders of at
 * most `perOrder` devices (one delivery each). Serials are `${prefix}` + a counter.
 */
export function shipNoticeCsv(prefix: string, devices: number, perOrder = 1000): string {
  const rows = [CSV_HEADER];
  for (let i = 0; i < devices; i++) {
    const order = Math.floor(i / perOrder);
    const serial = `${prefix}${String(i).padStart(20 - prefix.length, '0')}`.slice(0, 20);
    rows.push(`SO-${prefix}-${order},OR,2026-03-01,${ORG},PO-${prefix}-${order},D-${prefix}-${order},2026-03-02,${serial},,MW6W3LL/A`);
  }
  return rows.join('\n') + '\n';
}

export function serialsOf(prefix: string, devices: number): string[] {
  return Array.from({ length: devices }, (_, i) => `${prefix}${String(i).padStart(20 - prefix.length, '0')}`.slice(0, 20));
}

export interface LogEntry {
  level: LogLevel;
  msg: string;
  fields: Record<string, unknown>;
}

export function memoryLogger(echo = false): Logger & { entries: LogEntry[]; messages(msg: string): LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    log(level, msg, fields = {}) {
      // The logger's contract: every line must survive JSON serialisation.
      JSON.stringify(fields);
      entries.push({ level, msg, fields });
      if (echo) process.stderr.write(`${level} ${msg} ${JSON.stringify(fields)}\n`);
    },
    messages(msg: string) {
      return entries.filter((e) => e.msg === msg);
    },
  };
}

export async function waitFor<T>(what: string | (() => string), probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

export async function countRows(db: Knex, table: string, where: Record<string, unknown> = {}): Promise<number> {
  const r = (await db(table).where(where).count({ n: '*' })) as { n: number | string }[];
  return Number(r[0]!.n);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
