// The acknowledgements of a document, in the forms its mapping asks for: a CSV ack (a
// row per device or line), an X12 997 per functional group received, an 855 per 850
// when the partner wants one, and the JSON report. All are built from the recorded
// results, never a fixed "accepted".
import type { Knex } from 'knex';
import { writeCsvAck } from '../formats/csv/ack.js';
import type { Mapping } from '../mapping/mapping.js';
import { findDocument, type DocumentRow } from '../store/documents.js';
import { buildJsonReport } from './report.js';
import { x12Acks } from './x12-acks.js';

export interface Ack {
  kind: 'csv' | 'json' | '997' | '855';
  fileName: string;
  contentType: string;
  body: string;
}

export interface AckDeps {
  db: Knex;
  mappings: Map<string, Mapping>;
}

function baseName(fileName: string): string {
  const name = fileName.split(/[\\/]/).pop() ?? fileName;
  return name.replace(/\.[A-Za-z0-9]{1,5}$/, '');
}

/** Every acknowledgement of a document, as files (named after the received file). */
export async function documentAcks(deps: AckDeps, documentId: string): Promise<Ack[]> {
  const doc = await findDocument(deps.db, documentId);
  if (!doc) return [];
  const mapping = doc.mapping_id ? deps.mappings.get(doc.mapping_id) : undefined;
  const base = baseName(doc.file_name);
  const acks: Ack[] = [];
  if (mapping?.format === 'x12' || doc.format === 'x12') {
    acks.push(...(await x12Acks(deps, doc, mapping, base)));
    if (acks.length > 0) return acks;
  }
  if (!mapping || mapping.acks.csv !== false) {
    acks.push({ kind: 'csv', fileName: `${base}.ack.csv`, contentType: 'text/csv; charset=utf-8', body: await writeCsvAck(deps.db, doc, mapping) });
  }
  if (mapping?.format === 'json') {
    acks.push({ kind: 'json', fileName: `${base}.ack.json`, contentType: 'application/json', body: JSON.stringify(await buildJsonReport(deps.db, doc, mapping), null, 2) });
  }
  return acks;
}

export async function documentAck(deps: AckDeps, doc: DocumentRow, kind?: Ack['kind']): Promise<Ack | undefined> {
  const acks = await documentAcks(deps, doc.document_id);
  return kind ? acks.find((a) => a.kind === kind) : acks[0];
}
