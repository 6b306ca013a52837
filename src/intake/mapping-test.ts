// `mapping test`: a file read through a mapping, nothing applied. It answers what intake
// would read (the canonical orders and ship notices, and every error the reader finds)
// before anything is written, so that a new partner's mapping can be tried on their real
// files. It reads only: no document row, no kept bytes, no database at all. What intake
// checks against the database (the organisation, duplicates, released devices) is not
// here; the answer says so.
import { readerFor } from '../formats/registry.js';
import type { ReadItem } from '../formats/types.js';
import type { Mapping } from '../mapping/mapping.js';
import type { PurchaseOrder, ShipNotice } from '../model/documents.js';
import { INTAKE_LIMITS, MAPPING_TEST_LIMITS } from '../model/limits.js';
import { chooseMapping } from './detect.js';
import { describeError, documentSizeLimit, type ErrorWithMessage } from './receive.js';
import { sourceChunks, sourceHead, sourceSize, type Source } from './source.js';

export interface MappingTestRequest {
  partnerId: string;
  fileName: string;
  source: Source;
  /** The mapping to read with; otherwise chosen from the file as intake chooses it. */
  mappingId?: string;
  limits: { maxDocumentBytes: number; maxJsonDocumentBytes: number; maxErrorsPerDocument: number };
}

export interface MappingTestResult {
  /** Nothing is ever applied by a test; said in the answer so that nobody wonders. */
  applied: false;
  /** Whether intake would go on to apply the file (no reading error), pending its database checks. */
  readable: boolean;
  fileName: string;
  mapping: { id: string; format: string; sha256: string | null } | null;
  counts: { purchaseOrders: number; shipNotices: number; orderLines: number; devices: number };
  /** The first documents read, in file order (ship notices' devices cut to the first few). */
  documents: ({ type: 'purchaseOrder'; at: string; unit?: string; doc: PurchaseOrder } | { type: 'shipNotice'; at: string; unit?: string; doc: ShipNotice; devicesLeftOff: number })[];
  documentsLeftOff: number;
  errors: ErrorWithMessage[];
  /** What intake checks beyond reading, which a test does not. */
  notChecked: string;
}

const NOT_CHECKED =
  'Reading only: the organisation each order names, duplicates of earlier documents, and devices released or enrolled elsewhere are checked when the file is received.';

export async function testMapping(mappings: Map<string, Mapping>, req: MappingTestRequest): Promise<MappingTestResult> {
  const result: MappingTestResult = {
    applied: false,
    readable: false,
    fileName: req.fileName,
    mapping: null,
    counts: { purchaseOrders: 0, shipNotices: 0, orderLines: 0, devices: 0 },
    documents: [],
    documentsLeftOff: 0,
    errors: [],
    notChecked: NOT_CHECKED,
  };
  const head = req.mappingId === undefined ? await sourceHead(req.source) : Buffer.alloc(0);
  const choice = chooseMapping(mappings, req.partnerId, head, req.mappingId);
  if (!choice.ok) {
    result.errors.push(describeError(choice.error));
    return result;
  }
  const mapping = choice.mapping;
  result.mapping = { id: mapping.id, format: mapping.format, sha256: mapping.sha256 ?? null };
  const max = documentSizeLimit(choice.format, req.limits);
  const size = sourceSize(req.source);
  if (size > max) {
    result.errors.push(describeError({ code: 'GW-DOC-6002', params: { size, max, at: req.fileName } }));
    return result;
  }
  const reader = await readerFor(mapping.format);
  const ctx = { mapping, fileName: req.fileName, limits: { maxLineBytes: INTAKE_LIMITS.maxLineBytes, maxErrors: req.limits.maxErrorsPerDocument } };
  for await (const item of reader(sourceChunks(req.source), ctx)) take(result, item, req.limits.maxErrorsPerDocument);
  result.readable = result.errors.every((e) => e.unit !== undefined) && result.counts.purchaseOrders + result.counts.shipNotices > 0;
  return result;
}

function take(result: MappingTestResult, item: ReadItem, maxErrors: number): void {
  switch (item.type) {
    case 'error':
      if (result.errors.length < maxErrors + 1) result.errors.push(describeError(item.error));
      return;
    case 'purchaseOrder':
      result.counts.purchaseOrders++;
      result.counts.orderLines += item.doc.lines.length;
      if (result.documents.length < MAPPING_TEST_LIMITS.documentsShown) {
        result.documents.push({ type: 'purchaseOrder', at: item.at, ...(item.unit ? { unit: item.unit } : {}), doc: item.doc });
      } else result.documentsLeftOff++;
      return;
    case 'shipNotice': {
      result.counts.shipNotices++;
      result.counts.devices += item.doc.devices.length;
      if (result.documents.length >= MAPPING_TEST_LIMITS.documentsShown) {
        result.documentsLeftOff++;
        return;
      }
      const shown = MAPPING_TEST_LIMITS.devicesShownPerNotice;
      result.documents.push({
        type: 'shipNotice',
        at: item.at,
        ...(item.unit ? { unit: item.unit } : {}),
        doc: { ...item.doc, devices: item.doc.devices.slice(0, shown) },
        devicesLeftOff: Math.max(0, item.doc.devices.length - shown),
      });
      return;
    }
    default:
      return; // an X12 interchange's start, or a reseller-API transaction: nothing to show of its own
  }
}
