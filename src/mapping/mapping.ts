// Partner mappings: declarative files in mappings/*.json, one per partner and format,
// validated against mappings/mapping.schema.json when they are loaded. A mapping says
// where each canonical field comes from; adding a partner with a new CSV layout means
// writing one of these files, not code.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { loadValidators, type SchemaSet } from '../model/validators.js';
import type { DeviceFamily } from '../model/device-family.js';
import type { X12MappingSection } from '../formats/x12/mapping-section.js';
import type { XmlMappingSection } from '../formats/xml/mapping-section.js';
import { compileTemplate, TemplateError } from './template.js';

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

export type CsvRowKind = 'shipNotice' | 'purchaseOrder';

/** Fields a row kind cannot do without: each needs a column, a default or a derived template. */
export const CSV_REQUIRED_FIELDS: Record<CsvRowKind, readonly CsvField[]> = {
  shipNotice: ['orderNumber', 'deliveryNumber', 'shipDate', 'serial'],
  purchaseOrder: ['orderNumber', 'orderType', 'orderDate', 'customerId', 'partNumber', 'quantity'],
};

/**
 * Ship-notice rows may also carry their order's header, from which the gateway makes the
 * order itself: then all three are needed, since an order has a type, a date and a customer.
 */
export const CSV_ORDER_HEADER_FIELDS = ['orderType', 'orderDate', 'customerId'] as const satisfies readonly CsvField[];

/** Text encodings a CSV file may be in, decoded by the platform's WHATWG TextDecoder (utf-16: by its byte-order mark). */
export const CSV_ENCODINGS = ['utf-8', 'windows-1252', 'iso-8859-1', 'utf-16'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

export interface CsvMappingSection {
  /** What one row is: a shipped device (with its order's header) or a purchase-order line. */
  rows: CsvRowKind;
  /** The file's text encoding; UTF-8 when not said. */
  encoding?: CsvEncoding;
  delimiter: string;
  quote: string;
  decimalSeparator: '.' | ',';
  /** A header column the mapping does not name: refuse the file, or ignore the column. */
  unknownColumns: 'refuse' | 'ignore';
  /** Header name of the column each canonical field comes from (one column may feed several fields). */
  columns: Partial<Record<CsvField, string>>;
  /** Fields built from other fields and columns by a template (template.ts), e.g. "{orderNumber}-{shipDate|YYYYMMDD}". */
  derived?: Partial<Record<CsvField, string>>;
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

/** The mapping files' schema (and the format sections it refers to), whose validator `npm run build` generates (model/validators.ts). */
export function mappingSchemas(): SchemaSet {
  const dir = BUILTIN_MAPPINGS_DIR;
  const refs = readdirSync(dir)
    .filter((n) => n.endsWith('.schema.json') && n !== 'mapping.schema.json')
    .sort()
    .map((name) => readJson(join(dir, name)) as object);
  return { file: 'mapping-validators.cjs', schemas: { mapping: readJson(join(dir, 'mapping.schema.json')) as object }, refs, options: { allErrors: true, strict: false } };
}

let mappingValidator: ValidateFunction | undefined;

/**
 * Loads and validates every mapping of a folder (the schema files live in the built-in
 * folder). A mapping that fails its schema stops the load, naming the file and the field.
 */
export function loadMappings(dirs: string[] = [BUILTIN_MAPPINGS_DIR]): Map<string, Mapping> {
  const validate = (mappingValidator ??= loadValidators(import.meta.url, mappingSchemas()).mapping!);
  const out = new Map<string, Mapping>();
  for (const dir of dirs) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.json') && !n.endsWith('.schema.json')).sort()) {
      const path = join(dir, name);
      const bytes = readBytes(path);
      const mapping = readJson(path, bytes);
      if (!validate(mapping)) {
        const problems = [...new Set((validate.errors ?? []).flatMap(describeSchemaProblem))].join('; ');
        throw new MappingError(`mapping ${path} is invalid: ${problems}`);
      }
      const m = { ...(mapping as Mapping), sha256: createHash('sha256').update(bytes).digest('hex') };
      const problems = mappingProblems(m);
      if (problems.length > 0) throw new MappingError(`mapping ${path} is invalid: ${problems.join('; ')}`);
      if (out.has(m.id)) throw new MappingError(`mapping id ${m.id} is used twice (${path})`);
      out.set(m.id, m);
    }
  }
  return out;
}

/** Header columns that derived fields' templates read (placeholders that are not canonical fields). */
export function csvTemplateColumns(section: CsvMappingSection): string[] {
  const names = Object.values(section.derived ?? {}).flatMap((source) => compileTemplate(source).names);
  return [...new Set(names.filter((name) => !(CSV_FIELDS as readonly string[]).includes(name)))];
}

/**
 * One schema error as a sentence that names the key: where it is (a JSON pointer into the
 * mapping), and which key is unknown, missing or has a value out of its list. Ajv's own
 * message for a bad key name is "property name must be valid", which names nothing.
 */
export function describeSchemaProblem(e: ErrorObject): string[] {
  const where = e.instancePath || '/';
  const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
  switch (e.keyword) {
    case 'additionalProperties':
      return [`${where}: unknown key "${String(e.params.additionalProperty)}"`];
    case 'required':
      return [`${where}: the key "${String(e.params.missingProperty)}" is missing`];
    case 'propertyNames':
      return []; // the error inside it says which name and why
    case 'if':
      return []; // the error of the branch says what is wrong
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return propertyName !== undefined
        ? [`${where}: "${propertyName}" is not a key here; the keys are ${allowed}`]
        : [`${where}: must be one of ${allowed}`];
    }
    default:
      return [propertyName !== undefined ? `${where}: the key "${propertyName}" ${e.message ?? 'is invalid'}` : `${where} ${e.message ?? 'is invalid'}`];
  }
}

/**
 * What a schema cannot say about a mapping: that every field a row needs has a source,
 * and that derived fields' templates parse and name what exists. Each problem names its
 * key, as a JSON pointer.
 */
export function mappingProblems(m: Mapping): string[] {
  const section = m.csv;
  if (m.format !== 'csv' || !section) return [];
  const problems: string[] = [];
  const columns = section.columns;
  const defaults = section.defaults ?? {};
  const derived = section.derived ?? {};
  const read = (field: CsvField) => columns[field] !== undefined || defaults[field] !== undefined;
  const hasSource = (field: CsvField) => read(field) || derived[field] !== undefined;
  for (const [field, source] of Object.entries(derived) as [CsvField, string][]) {
    const at = `/csv/derived/${field}`;
    if (columns[field] !== undefined) problems.push(`${at}: ${field} also has a column (/csv/columns/${field}): give it one or the other`);
    let names: string[];
    try {
      names = compileTemplate(source).names;
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      problems.push(`${at}: "${source}" is not a template: ${err.message}`);
      continue;
    }
    for (const name of names) {
      if (!(CSV_FIELDS as readonly string[]).includes(name)) continue; // a header column: checked against the header
      if (derived[name as CsvField] !== undefined) problems.push(`${at}: {${name}} is itself derived; a template uses fields read from columns or defaults`);
      else if (!read(name as CsvField)) problems.push(`${at}: {${name}} has no column or default to come from`);
    }
  }
  const required = [...CSV_REQUIRED_FIELDS[section.rows]];
  if (section.rows === 'shipNotice' && CSV_ORDER_HEADER_FIELDS.some(hasSource)) required.push(...CSV_ORDER_HEADER_FIELDS);
  for (const field of required) {
    if (!hasSource(field)) {
      const why = CSV_REQUIRED_FIELDS[section.rows].includes(field)
        ? `${section.rows} rows need it`
        : `ship-notice rows that carry their order (${CSV_ORDER_HEADER_FIELDS.filter(hasSource).join(', ')}) need all of ${CSV_ORDER_HEADER_FIELDS.join(', ')}`;
      problems.push(`/csv/columns: ${field} has no column, default or derived template, and ${why}`);
    }
  }
  return problems;
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

/**
 * One word for the whole set of mappings in use: a hash of every mapping's id and content
 * hash. The running gateway says it (GET /v1/mappings, its logs), so that an operator can
 * tell whether an edited mapping is the one in use.
 */
export function mappingSetVersion(mappings: Map<string, Mapping>): string {
  const lines = [...mappings.values()].map((m) => `${m.id} ${m.sha256 ?? ''}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 12);
}

export interface MappingReload {
  version: string;
  previousVersion: string;
  added: string[];
  changed: string[];
  removed: string[];
}

/**
 * Replaces the mappings in `mappings` with what the folders hold now, in place, so that
 * every holder of the map reads the new set from its next document on. A folder that
 * does not load (a mapping that fails its checks) throws MappingError and leaves the map
 * as it was: a typo in one file never leaves the gateway without mappings.
 */
export function reloadMappings(mappings: Map<string, Mapping>, dirs: string[]): MappingReload {
  const fresh = loadMappings(dirs);
  const previousVersion = mappingSetVersion(mappings);
  const added = [...fresh.keys()].filter((id) => !mappings.has(id));
  const changed = [...fresh.values()].filter((m) => mappings.has(m.id) && mappings.get(m.id)!.sha256 !== m.sha256).map((m) => m.id);
  const removed = [...mappings.keys()].filter((id) => !fresh.has(id));
  replaceMappings(mappings, [...fresh.values()]);
  return { version: mappingSetVersion(mappings), previousVersion, added, changed, removed };
}

/** The map's content becomes `list` (an intake worker takes the serving thread's set this way). */
export function replaceMappings(mappings: Map<string, Mapping>, list: Mapping[]): void {
  mappings.clear();
  for (const m of list) mappings.set(m.id, m);
}
