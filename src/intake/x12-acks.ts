// X12 acknowledgements (997 per functional group, 855 per 850): being wired to the writers.
import type { Mapping } from '../mapping/mapping.js';
import type { DocumentRow } from '../store/documents.js';
import type { Ack, AckDeps } from './acks.js';

export async function x12Acks(deps: AckDeps, doc: DocumentRow, mapping: Mapping | undefined, base: string): Promise<Ack[]> {
  void deps;
  void doc;
  void mapping;
  void base;
  return [];
}
