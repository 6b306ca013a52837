// The intake pipeline. (Being written: the signature is the contract channels call.)
import type { Knex } from 'knex';
import type { Mapping } from '../mapping/mapping.js';
import type { IngestRequest, IngestResult } from './types.js';

export interface IntakeDeps {
  db: Knex;
  mappings: Map<string, Mapping>;
  limits: { maxDocumentBytes: number; maxJsonDocumentBytes: number; maxErrorsPerDocument: number };
}

export async function ingestFile(deps: IntakeDeps, req: IngestRequest): Promise<IngestResult> {
  void deps;
  void req;
  throw new Error('not yet written');
}
