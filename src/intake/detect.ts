// Which format a file is in, and which of the partner's mappings reads it: from the
// first bytes of the file, unless the channel names the mapping.
import { csvTemplateColumns, mappingsFor, type Mapping, type MappingFormat } from '../mapping/mapping.js';
import type { DocumentError } from '../formats/types.js';
import { sniffX12, x12HeadProblem } from '../formats/x12/sniff.js';
import { x12TransactionSets } from '../formats/x12/mapping-section.js';
import { sniffXml } from '../formats/xml/index.js';
import { decodeHead } from '../formats/text.js';

export function detectFormat(head: string): MappingFormat {
  const start = head.trimStart();
  if (start.startsWith('ISA')) return 'x12';
  if (start.startsWith('<')) return sniffXml(start) ?? 'xml';
  if (start.startsWith('{') || start.startsWith('[')) return 'json';
  return 'csv';
}

export type MappingChoice = { ok: true; format: MappingFormat; mapping: Mapping } | { ok: false; format: string; error: DocumentError };

/** The mapping that reads a file, from its first bytes, or the one the channel names. */
export function chooseMapping(mappings: Map<string, Mapping>, partnerId: string, headBytes: Buffer, mappingId?: string): MappingChoice {
  if (mappingId) {
    const m = mappings.get(mappingId);
    if (!m) return { ok: false, format: 'unknown', error: { code: 'GW-DOC-6005', params: { detail: `there is no mapping ${mappingId}` } } };
    if (!m.partners.includes(partnerId) && !m.partners.includes('*')) {
      return { ok: false, format: m.format, error: { code: 'GW-DOC-6005', params: { detail: `mapping ${mappingId} is not one of partner ${partnerId}'s` } } };
    }
    return { ok: true, format: m.format, mapping: m };
  }
  const head = decodeHead(headBytes);
  if (head.trim() === '') return { ok: false, format: 'unknown', error: { code: 'GW-DOC-6007' } };
  const format = detectFormat(head);
  let candidates = mappingsFor(mappings, partnerId, format);
  if (format === 'x12' && candidates.length > 1) {
    // Without a readable ISA no set can be seen, and every mapping would seem to fit: the
    // ISA is what is wrong, whichever mapping would read the rest.
    const problem = x12HeadProblem(head);
    if (problem) return { ok: false, format, error: { code: 'GW-X12-6401', params: problem } };
    const sets = sniffX12(head)?.setIds ?? [];
    candidates = candidates.filter((m) => m.x12 && sets.every((s) => x12TransactionSets(m.x12!).includes(s)));
  }
  if (format === 'csv' && candidates.length > 1) candidates = candidates.filter((m) => csvHeaderFits(m, decodeHead(headBytes, m.csv?.encoding)));
  if (candidates.length === 1) return { ok: true, format, mapping: candidates[0]! };
  const detail =
    candidates.length === 0
      ? `partner ${partnerId} has no mapping for ${format} documents`
      : `partner ${partnerId} has several mappings for ${format} documents (${candidates.map((m) => m.id).join(', ')}): name one`;
  return { ok: false, format, error: { code: 'GW-DOC-6005', params: { detail } } };
}

/**
 * Whether a CSV mapping reads this header: every column it names is there, and (when it
 * refuses unknown columns) no other. Lets a partner send several CSV layouts.
 */
function csvHeaderFits(mapping: Mapping, head: string): boolean {
  const section = mapping.csv;
  if (!section) return false;
  const firstLine = head.split(/\r?\n/, 1)[0] ?? '';
  const q = section.quote;
  const names = new Set(firstLine.split(section.delimiter).map((n) => n.trim().replace(new RegExp(`^\\${q}|\\${q}$`, 'g'), '').trim()));
  const mapped = new Set([...Object.values(section.columns), ...csvTemplateColumns(section)]);
  for (const column of mapped) if (!names.has(column)) return false;
  if (section.unknownColumns === 'refuse') for (const n of names) if (!mapped.has(n)) return false;
  return true;
}
