// Command-line document intake: ingest a file for a partner (with a progress bar on a
// terminal), look at a document, fetch its acknowledgement, replay a rejected one, and
// load the sample documents for the trial.
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Knex } from 'knex';
import type { GatewayConfig } from './config.js';
import { BUILTIN_MAPPINGS_DIR, loadMappings } from './mapping/mapping.js';
import { AcksUnknown, documentAck, documentAcks, resultRefusals, type Refusals } from './intake/acks.js';
import { describeError, IntakeError, replayDocument, ReplayRefused, type IntakeDeps } from './intake/receive.js';
import type { IngestResult } from './intake/types.js';
import type { MappingTestResult } from './intake/mapping-test.js';
import { findDocument, listDocuments } from './store/documents.js';
import { documentView } from './intake/view.js';
import { findSupplier } from './store/suppliers.js';
import { creditSettingsFrom } from './credit/defaults.js';
import { DOCUMENT_API_LIMITS, INTAKE_LIMITS } from './model/limits.js';
import { inlineIntake } from './intake/service.js';

export function intakeDeps(db: Knex, config: GatewayConfig, mappings = loadMappings([BUILTIN_MAPPINGS_DIR, ...config.mappingDirs])): IntakeDeps {
  return { db, mappings, limits: config.intake, credit: creditSettingsFrom(config.credit), transactions: config.limits };
}

function progressBar(totalBytes: number): ((bytes: number) => void) | undefined {
  if (!process.stderr.isTTY || totalBytes < INTAKE_LIMITS.progressMinBytes) return undefined;
  const started = Date.now();
  let lastDrawMs = 0;
  return (bytes) => {
    const now = Date.now();
    if (now - lastDrawMs < 100 && bytes < totalBytes) return;
    lastDrawMs = now;
    const width = 30;
    const done = Math.min(1, bytes / totalBytes);
    const filled = Math.round(done * width);
    const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
    const rate = bytes / Math.max(1, now - started) / 1024 / 1024 * 1000;
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(done * 100).toFixed(0).padStart(3)}% ${mib(bytes)}/${mib(totalBytes)} MiB ${rate.toFixed(1)} MiB/s`);
    if (bytes >= totalBytes) process.stderr.write('\n');
  };
}

/** A file refused before intake reads a byte of it (larger than the limit): no document is recorded. */
export class FileRefused extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export async function ingestCommand(
  deps: IntakeDeps,
  file: string,
  partnerId: string,
  mappingId: string | undefined,
  actor: string,
): Promise<IngestResult> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new IntakeError(`cannot read ${file}: ${(err as Error).message}`);
  }
  // Before intake hashes it: hashing 600 MB only to refuse them would take seconds.
  if (size > deps.limits.maxDocumentBytes) {
    const refusal = describeError({ code: 'GW-DOC-6002', params: { size, max: deps.limits.maxDocumentBytes, at: basename(file) } });
    throw new FileRefused(refusal.code, refusal.message);
  }
  const bar = progressBar(size);
  return inlineIntake(deps).receive({
    partnerId,
    channel: 'cli',
    fileName: basename(file),
    path: file,
    actor,
    ...(mappingId ? { mappingId } : {}),
    ...(bar ? { onProgress: (bytes: number) => bar(bytes) } : {}),
  });
}

/** Where the command line lists every refusal of a document: its acknowledgement. */
function ackCommandFor(documentId: string): string {
  return `document ack ${documentId}`;
}

/** A document as `document show` prints it. */
export function showDocument(db: Knex, documentId: string) {
  return documentView(db, documentId, ackCommandFor(documentId));
}

/** What the command line prints of a run: the pipeline's result, and the devices and orders it refused. */
export type CliResult = IngestResult & { refused?: Refusals };

/** The result with its refusals, read from the outcome rows it committed. */
export async function withRefusals(db: Knex, result: IngestResult): Promise<CliResult> {
  const refused = await resultRefusals(db, result, DOCUMENT_API_LIMITS.maxRefusalsListed, ackCommandFor(result.documentId));
  return refused ? { ...result, refused } : result;
}

/** Errors and refusals printed in a sentence's output at most; --json and `document show` have more. */
const LINES_SHOWN = 20;

/** One line per outcome, for people; --json prints the whole result. */
export function describeResult(result: CliResult): string {
  const s = result.summary;
  const lines = [
    `document ${result.documentId}: ${result.status}${result.duplicateOf ? ` (first received as ${result.duplicateOf})` : ''}`,
    `  format ${result.format}, mapping ${result.mappingId ?? '-'}; ${s.purchaseOrders} purchase order(s), ${s.shipNotices} ship notice(s), ${s.devices} device(s): ${s.devicesEnrolled} enrolled, ${s.devicesRefused} refused, ${s.devicesAwaiting} awaiting their order`,
  ];
  const shown = result.errors.slice(0, LINES_SHOWN);
  for (const e of shown) lines.push(`  ${e.code}${e.unit ? ` [${e.unit}]` : ''}: ${e.message}`);
  if (result.errors.length > shown.length) lines.push(`  ... and ${result.errors.length - shown.length} more (see: document show ${result.documentId})`);
  const refused = result.refused;
  if (refused && refused.total > 0) {
    const listed = refused.listed.slice(0, LINES_SHOWN);
    for (const r of listed) lines.push(`  ${r.status} ${r.serial ?? `order ${r.orderNumber}`}${r.at ? ` (${r.at})` : ''}: ${r.code ?? ''} ${r.message}`.trimEnd());
    if (refused.total > listed.length) lines.push(`  ... and ${refused.total - listed.length} more refused (see: ${ackCommandFor(result.documentId)})`);
  }
  return lines.join('\n');
}

export interface SampleDocument {
  file: string;
  partner: string;
  mapping?: string;
  note?: string;
}

/** Ingests samples/documents/ in the order its index.json gives (a ship notice before its order, on purpose). */
export async function ingestSamples(deps: IntakeDeps, samplesDir: string, actor: string, write: (line: string) => void): Promise<IngestResult[]> {
  const dir = join(samplesDir, 'documents');
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { documents: SampleDocument[] };
  const results: IngestResult[] = [];
  for (const sample of index.documents) {
    const result = await ingestCommand(deps, join(dir, sample.file), sample.partner, sample.mapping, actor);
    write(`${sample.file} (${sample.partner})${sample.note ? ` - ${sample.note}` : ''}\n${describeResult(result)}\n`);
    results.push(result);
  }
  return results;
}

export async function listDocumentsCommand(db: Knex, partnerId: string | undefined, status: string | undefined, limit: number) {
  let supplierPk: number | undefined;
  if (partnerId) {
    const s = await findSupplier(db, partnerId);
    if (!s) throw new IntakeError(`unknown partner ${partnerId}`);
    supplierPk = s.pk;
  }
  const rows = await listDocuments(db, { limit, ...(supplierPk !== undefined ? { supplierPk } : {}), ...(status ? { status } : {}) });
  return rows.map((d) => ({ documentId: d.document_id, status: d.status, fileName: d.file_name, format: d.format, channel: d.channel, receivedAt: d.received_at, summary: JSON.parse(d.summary_json) }));
}

export async function ackCommand(deps: IntakeDeps, documentId: string, kind: string | undefined): Promise<string> {
  try {
    return await ackOf(deps, documentId, kind);
  } catch (err) {
    if (err instanceof AcksUnknown) throw new IntakeError(err.message);
    throw err;
  }
}

async function ackOf(deps: IntakeDeps, documentId: string, kind: string | undefined): Promise<string> {
  const doc = await findDocument(deps.db, documentId);
  if (!doc) throw new IntakeError(`no document ${documentId}`);
  if (!kind) {
    const all = await documentAcks(deps, documentId);
    if (all.length === 0) throw new IntakeError(`document ${documentId} has no acknowledgement`);
    return all[0]!.body;
  }
  const ack = await documentAck(deps, doc, kind as 'csv');
  if (!ack) throw new IntakeError(`document ${documentId} has no ${kind} acknowledgement`);
  return ack.body;
}

export async function replayCommand(deps: IntakeDeps, documentId: string, actor: string, mappingId?: string): Promise<IngestResult> {
  try {
    return await replayDocument(deps, documentId, actor, mappingId);
  } catch (err) {
    if (err instanceof ReplayRefused) throw new IntakeError(`${err.error.code}: ${err.message}`);
    throw err;
  }
}

/** `mapping test`'s answer for a person: the mapping, the counts, the first documents in brief, every error. */
export function describeMappingTest(result: MappingTestResult): string {
  const lines: string[] = [];
  const m = result.mapping;
  lines.push(m ? `${result.fileName}: read with mapping ${m.id} (${m.format}, sha256 ${m.sha256?.slice(0, 12) ?? '-'}); nothing applied` : `${result.fileName}: no mapping reads it; nothing applied`);
  const c = result.counts;
  lines.push(`  ${c.purchaseOrders} purchase order(s) with ${c.orderLines} line(s), ${c.shipNotices} ship notice(s) with ${c.devices} device(s)`);
  for (const d of result.documents) {
    if (d.type === 'purchaseOrder') {
      const po = d.doc;
      lines.push(`  order ${po.orderNumber} ${po.orderType} of ${po.orderDate} for customer ${po.customerId}${po.poNumber ? ` (PO ${po.poNumber})` : ''}: ${po.lines.map((l) => `${l.quantity} x ${l.partNumber}`).join(', ')}  [${d.at}]`);
    } else {
      const n = d.doc;
      const serials = n.devices.map((x) => x.serial).join(' ');
      lines.push(`  delivery ${n.deliveryNumber} of order ${n.orderNumber}, shipped ${n.shipDate}: ${serials}${d.devicesLeftOff > 0 ? ` and ${d.devicesLeftOff} more` : ''}  [${d.at}]`);
    }
  }
  if (result.documentsLeftOff > 0) lines.push(`  ... and ${result.documentsLeftOff} more document(s) (--json shows the first ones whole)`);
  if (result.errors.length === 0) lines.push('  no errors');
  else {
    lines.push(`  ${result.errors.length} error(s):`);
    for (const e of result.errors) lines.push(`    ${e.code} ${e.message}`);
  }
  lines.push(result.readable ? 'Readable: intake would go on to apply it.' : 'Not readable as it is: intake would reject it.');
  lines.push(result.notChecked);
  return lines.join('\n');
}
