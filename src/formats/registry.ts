// One reader per mapping format. Adding a format means a reader here and a section in
// mappings/mapping.schema.json; adding a partner means only a mapping file. A reader is
// loaded when a document of its format first arrives: a process that reads only CSV
// never loads the XML parser.
import type { MappingFormat } from '../mapping/mapping.js';
import type { DocumentReader } from './types.js';

const LOADERS: Record<MappingFormat, () => Promise<DocumentReader>> = {
  csv: async () => (await import('./csv/reader.js')).readCsv,
  json: async () => (await import('./json/reader.js')).readJson,
  x12: async () => (await import('./x12/reader.js')).readX12,
  xml: async () => (await import('./xml/index.js')).readGatewayXml,
  cxml: async () => (await import('./xml/index.js')).readCxml,
  'reseller-api': async () => (await import('./reseller/transaction.js')).readResellerTransaction,
};

export function readerFor(format: MappingFormat): Promise<DocumentReader> {
  return LOADERS[format]();
}
