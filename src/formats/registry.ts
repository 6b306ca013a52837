// One reader per mapping format. Adding a format means a reader here and a section in
// mappings/mapping.schema.json; adding a partner means only a mapping file.
import type { MappingFormat } from '../mapping/mapping.js';
import { readCsv } from './csv/reader.js';
import { readJson } from './json/reader.js';
import { readResellerTransaction } from './reseller/transaction.js';
import type { DocumentReader } from './types.js';
import { readX12 } from './x12/reader.js';
import { readCxml, readGatewayXml } from './xml/index.js';

const READERS: Record<MappingFormat, DocumentReader> = {
  csv: readCsv,
  json: readJson,
  x12: readX12,
  xml: readGatewayXml,
  cxml: readCxml,
  'reseller-api': readResellerTransaction,
};

export function readerFor(format: MappingFormat): DocumentReader {
  return READERS[format];
}
