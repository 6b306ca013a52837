// Partner mappings: declarative files in mappings/*.json, one per partner and format,
// validated against mappings/mapping.schema.json when they are loaded. A mapping says
// where each canonical field comes from; adding a partner with a new CSV layout means
// writing one of these files, not code.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { DeviceFamily } from '../model/device-family.js';
import type { X12MappingSection } from '../formats/x12/mapping-section.js';
import type { XmlMappingSection } from '../formats/xml/mapping-section.js';

/** reseller-api: a reseller-API request body, read by the built-in mapping of that name (never detected from a file). */
export const MAPPING_FORMATS = ['csv', 'xml', 'cxml', 'x12', 'json', 'reseller-api'] as const;
export type MappingFormat = (typeof MAPPING_FORMATS)[number];

/** Canonical fields a CSV column can feed. */
export const CSV_FIELDS = [
  'orderNumber',
  'orderType',
  'orderDate',
  'customerId',
  'poNumber',
  'deliveryNumber',
  'shipDate',
  'serial',
  'assetTag',
  'partNumber',
  'deviceFamily',
  'lineNumber',
  'quantity',
  'amount',
  'currency',
] as const;
export type CsvField = (typeof CSV_FIELDS)[number];

export interface CsvMappingSection {
  /** What one row is: a shipped device (with its order's header) or a purchase-order line. */
  rows: 'shipNotice' | 'purchaseOrder';
  delimiter: string;
  quote: string;
  decimalSeparator: '.' | ',';
  /** A header column the mapping does not name: refuse the file, or ignore the column. */
  unknownColumns: 'refuse' | 'ignore';
  /** Header name of the column each canonical field comes from. */
  columns: Partial<Record<CsvField, string>>;
  /** Constant values for fields no column carries (e.g. orderType "OR"). */
  defaults?: Partial<Record<CsvField, string>>;
  /** Partner codes translated to canonical values, per field (e.g. orderType "NEW" -> "OR"). */
  values?: Partial<Record<CsvField, Record<string, string>>>;
}

export interface Mapping {
  id: string;
  description?: string;
  /** Supplier ids (reseller numbers, or Apple's) this mapping serves. */
  partners: string[];
  format: MappingFormat;
  /** Tried in order; tokens YYYY YY MM DD hh mm ss. */
  dateFormats: string[];
  parts: {
    /** Part numbers that are volume credit rather than devices (e.g. D6701Z/A). */
    credit: string[];
    families: { prefix: string; family: DeviceFamily }[];
  };
  acks: {
    csv?: boolean;
    x12_997?: boolean;
    x12_855?: boolean;
  };
  csv?: CsvMappingSection;
  x12?: X12MappingSection;
  xml?: XmlMappingSection;
  /**
   * SHA-256 of the mapping file's bytes, set when it is loaded (not part of the file):
   * every document records it, so that it says exactly which version of a mapping read it.
   */
  sha256?: string;
}

export class MappingError extends Error {}

/** The mappings folder shipped with the gateway (next to package.json). */
export const BUILTIN_MAPPINGS_DIR = fileURLToPath(new URL('../../../mappings/', import.meta.url));

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new MappingError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

function readJson(path: string, bytes = readBytes(path)): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new MappingError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

function compileValidator(dir: string) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.schema.json') && n !== 'mapping.schema.json')) {
    ajv.addSchema(readJson(join(dir, name)) as object);
  }
  return ajv.compile(readJson(join(dir, 'mapping.schema.json')) as object);
}

/**
 * Loads and validates every mapping of a folder (the schema files live in the built-in
 * folder). A mapping that fails its schema stops the load, naming the file and the field.
 */
export function loadMappings(dirs: string[] = [BUILTIN_MAPPINGS_DIR]): Map<string, Mapping> {
  const validate = compileValidator(BUILTIN_MAPPINGS_DIR);
  const out = new Map<string, Mapping>();
  for (const dir of dirs) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.json') && !n.endsWith('.schema.json')).sort()) {
      const path = join(dir, name);
      const bytes = readBytes(path);
      const mapping = readJson(path, bytes);
      if (!validate(mapping)) {
        const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
        throw new MappingError(`mapping ${path} is invalid: ${problems}`);
      }
      const m = { ...(mapping as Mapping), sha256: createHash('sha256').update(bytes).digest('hex') };
      if (out.has(m.id)) throw new MappingError(`mapping id ${m.id} is used twice (${path})`);
      out.set(m.id, m);
    }
  }
  return out;
}

/**
 * Mappings of one partner, optionally of one format. A partner's own mappings win over
 * the ones that serve any partner ("*", e.g. the reseller-API JSON shape).
 */
export function mappingsFor(mappings: Map<string, Mapping>, partnerId: string, format?: MappingFormat): Mapping[] {
  const all = [...mappings.values()].filter((m) => !format || m.format === format);
  const own = all.filter((m) => m.partners.includes(partnerId));
  return own.length > 0 ? own : all.filter((m) => m.partners.includes('*'));
}
