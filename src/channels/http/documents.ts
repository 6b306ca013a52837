// Document upload over HTTP: a partner posts a file's raw bytes, and reads back the
// document's status, errors and acknowledgements. Routes on /v1, declared as data
// (api/route.ts) so that /openapi.json documents them and ajv checks their parameters:
//   POST /v1/documents                 raw body; X-Gateway-Mapping, X-File-Name optional   reseller
//   GET  /v1/documents/{id}            status, summary, items, errors                     reseller (own), operator (any)
//   GET  /v1/documents/{id}/devices    each device's outcome, code and place (?status=REFUSED) reseller (own), operator (any)
//   GET  /v1/documents/{id}/ack        the acknowledgement (?kind=csv|json|997|855)       reseller (own), operator (any)
//   POST /v1/documents/{id}/replay     run a rejected document again (after a correction) reseller (own)
// The partner is the authenticated reseller (API key or client certificate). A reseller
// sees only its own documents: another partner's is answered exactly like a missing one.
// An operator reads any document, and replays none: a replay acts as the partner.
import { rmSync } from 'node:fs';
import type { Request, Response } from 'express';
import { createSpoolFile, discardRestOfBody, spoolBody } from './spool.js';
import type { CodedError } from '../../model/error-codes.js';
import { renderMessage } from '../../model/messages.js';
import { AcksUnknown, deviceOutcomePage, documentAcks, resultRefusals, type Ack } from '../../intake/acks.js';
import { DEVICE_OUTCOME_STATUSES, type DeviceOutcomeStatus } from '../../model/documents.js';
import { PAGE_PARAMS, cursorKey, encodeCursor, givenFilters, pageSchema, refuseCursor } from './api/cursor.js';
import { IntakeError, ReplayRefused } from '../../intake/receive.js';
import { findDocument, type DocumentRow } from '../../store/documents.js';
import { documentView } from '../../intake/view.js';
import type { IngestResult } from '../../intake/types.js';
import type { ApiRouter, JsonSchema, RouteContext } from './api/route.js';
import type { ApiDeps } from './api/deps.js';
import { SUPPLIER_ID_SCHEMA } from './api/params.js';
import { sendHttpError, type Principal } from './principal.js';
import { DOCUMENT_API_LIMITS } from '../../model/limits.js';

const STATUS_FOR_RESULT: Record<IngestResult['status'], number> = {
  applied: 201,
  applied_with_errors: 201,
  awaiting_order: 202,
  rejected: 422,
  duplicate: 409,
};

const SAFE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

/** Content types a partner's client sends; the format is detected from the bytes, whatever is declared. */
const UPLOAD_CONTENT_TYPES = ['text/csv', 'application/xml', 'text/xml', 'application/json', 'application/edi-x12', 'text/plain', 'application/octet-stream'];

function sendCoded(res: Response, status: number, error: CodedError): void {
  sendHttpError(res, status, error.code, renderMessage(error));
}

// ---------------------------------------------------------------------------------------
// Schemas of the answers

const str: JsonSchema = { type: 'string' };
const nullableStr: JsonSchema = { type: ['string', 'null'] };
const count: JsonSchema = { type: 'integer', minimum: 0 };

const DOCUMENT_ID: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: DOCUMENT_API_LIMITS.documentIdChars,
  description: 'The document id ("doc_" and a UUID) that the upload answered.',
  examples: ['doc_0b7f3c1e-2d4a-4c8e-9f10-5a6b7c8d9e0f'],
};

/** A coded error of a document, a line or a device, with its message in words. */
const DOCUMENT_ERROR: JsonSchema = {
  type: 'object',
  required: ['code', 'message'],
  additionalProperties: false,
  properties: {
    code: { type: 'string', description: 'A code of the catalogue: DEP-ERR-*, GW-DOC-*, GW-MAP-*, ...' },
    message: str,
    params: { type: 'object', description: 'The values the message was made from (at: where in the file).' },
    unit: { type: 'string', description: 'The unit of the document the error belongs to (an X12 set, a file).' },
  },
};

const SUMMARY: JsonSchema = {
  type: 'object',
  required: ['purchaseOrders', 'shipNotices', 'devices'],
  additionalProperties: false,
  description: 'What the document held and what became of its devices (the last three once processed).',
  properties: {
    purchaseOrders: count,
    shipNotices: count,
    devices: count,
    devicesEnrolled: count,
    devicesRefused: count,
    devicesAwaiting: count,
  },
};

const LINKS: JsonSchema = {
  type: 'object',
  required: ['self', 'ack'],
  additionalProperties: false,
  properties: { self: str, ack: str },
};

/** Devices and orders a document named and that were not taken (outcome rows), bounded. */
const REFUSALS: JsonSchema = {
  type: 'object',
  required: ['listed', 'total', 'leftOff', 'rest'],
  additionalProperties: false,
  description: `What the document named and was not taken, and why: devices refused by the rules (REFUSED; the rest applied) or with the X12 set or order that held them (REJECTED), and refused orders (serial null). At most ${DOCUMENT_API_LIMITS.maxRefusalsListed} listed, in the document's order; the acknowledgement lists them all.`,
  properties: {
    listed: {
      type: 'array',
      maxItems: DOCUMENT_API_LIMITS.maxRefusalsListed,
      items: {
        type: 'object',
        required: ['item', 'orderNumber', 'deliveryNumber', 'serial', 'at', 'status', 'code', 'message'],
        additionalProperties: false,
        properties: {
          item: { type: 'integer', minimum: 1, description: 'The item (order or ship notice) of the document.' },
          orderNumber: str,
          deliveryNumber: nullableStr,
          serial: { type: ['string', 'null'], description: 'The device; null when the order itself was refused.' },
          at: { type: ['string', 'null'], description: 'Where in the file: "line 12", "segment 57", "/orders/0".' },
          status: { enum: ['REFUSED', 'REJECTED'] },
          code: nullableStr,
          message: str,
        },
      },
    },
    total: count,
    leftOff: { type: 'integer', minimum: 0, description: 'Refusals not listed here.' },
    rest: { type: ['string', 'null'], description: 'Where every refusal is listed (the acknowledgement) when some were left off; else null.' },
  },
};

/** A received document's status (processing: being applied now). */
const DOCUMENT_STATUS: JsonSchema = { enum: ['processing', 'applied', 'applied_with_errors', 'awaiting_order', 'rejected', 'duplicate'] };

const INGEST_STATUS: JsonSchema = { enum: ['applied', 'applied_with_errors', 'awaiting_order', 'rejected', 'duplicate'] };

/** What an upload or a replay answers: the pipeline's result, and where to read more. */
const INGEST_RESULT: JsonSchema = {
  type: 'object',
  required: ['documentId', 'status', 'channel', 'format', 'mappingId', 'sha256', 'summary', 'errors', 'enrolled', 'links'],
  additionalProperties: false,
  properties: {
    documentId: DOCUMENT_ID,
    status: INGEST_STATUS,
    channel: { enum: ['http', 'sftp', 'cli', 'reseller-api'], description: 'How the document came in (a replay: how it first came in).' },
    duplicateOf: { ...DOCUMENT_ID, description: 'For a duplicate: the document that was received first.' },
    duplicateOfStatus: { ...DOCUMENT_STATUS, description: 'For a duplicate: the status of the document received first.' },
    replay: {
      type: 'object',
      description: 'For a duplicate of a rejected document: how to run that one again once its mapping or data is corrected (sending the same bytes again is a duplicate).',
      required: ['endpoint', 'command'],
      additionalProperties: false,
      properties: {
        endpoint: { type: 'string', description: 'POST /v1/documents/{id}/replay (header X-Gateway-Mapping names another mapping).' },
        command: { type: 'string', description: 'The command line\'s document replay {id} [--mapping ID].' },
      },
    },
    format: { type: 'string', description: 'csv, xml, cxml, x12 or json, as detected; reseller-api for a reseller-API request.' },
    mappingId: nullableStr,
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    summary: SUMMARY,
    errors: { type: 'array', items: DOCUMENT_ERROR },
    refused: { ...REFUSALS, description: `${REFUSALS.description as string} Absent for a duplicate.` },
    enrolled: { type: 'integer', minimum: 0, description: 'Devices this run newly enrolled, whichever document named them (ship notices that waited for an order this one brought, too).' },
    transaction: {
      type: 'object',
      description: 'A reseller-API request (replayed): the transaction it applied or repeated.',
      required: ['kind', 'transactionId', 'enrollmentId', 'devicesEnrolled'],
      properties: {
        kind: { enum: ['applied', 'repeated'] },
        transactionId: { type: 'string' },
        enrollmentId: { type: 'string' },
        devicesEnrolled: { type: 'integer', minimum: 0 },
      },
    },
    request: {
      type: 'object',
      description: 'A reseller-API request (replayed): its transaction id and message language, as read.',
      required: ['langCode'],
      properties: { transactionId: { type: 'string' }, langCode: { type: 'string' } },
    },
    links: LINKS,
  },
};

const ITEM: JsonSchema = {
  type: 'object',
  required: ['item', 'kind', 'unit', 'orderNumber', 'deliveryNumber', 'at', 'status', 'devices', 'devicesRefused', 'outcome'],
  additionalProperties: false,
  properties: {
    item: { type: 'integer', minimum: 1, description: 'Position in the document, from 1.' },
    kind: { enum: ['purchaseOrder', 'shipNotice'] },
    unit: nullableStr,
    orderNumber: str,
    deliveryNumber: nullableStr,
    at: { type: 'string', description: 'Where in the file: "line 3", "ST 0001", ...' },
    status: { enum: ['open', 'applied', 'applied_with_errors', 'awaiting_order', 'rejected'] },
    devices: count,
    devicesRefused: count,
    outcome: { type: ['object', 'null'], description: 'What applying the item did (order status, credit), or why it was refused.' },
  },
};

const DOCUMENT_VIEW: JsonSchema = {
  type: 'object',
  required: [
    'documentId',
    'supplierId',
    'status',
    'channel',
    'fileName',
    'format',
    'mappingId',
    'sha256',
    'sizeBytes',
    'actor',
    'receivedAt',
    'processedAt',
    'replays',
    'summary',
    'errors',
    'refused',
    'items',
    'itemsListed',
    'itemsTotal',
    'links',
  ],
  additionalProperties: false,
  properties: {
    documentId: DOCUMENT_ID,
    supplierId: { ...SUPPLIER_ID_SCHEMA, description: 'The partner it came from: a reseller number, or APPLE.' },
    status: DOCUMENT_STATUS,
    channel: { enum: ['http', 'sftp', 'cli', 'reseller-api'] },
    fileName: str,
    format: str,
    mappingId: nullableStr,
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    sizeBytes: count,
    actor: { type: 'string', description: 'Who sent it: reseller:16FCE4A0, sftp:<mailbox>, cli.' },
    receivedAt: str,
    processedAt: nullableStr,
    replays: count,
    summary: SUMMARY,
    errors: { type: 'array', items: DOCUMENT_ERROR },
    refused: REFUSALS,
    items: { type: 'array', maxItems: DOCUMENT_API_LIMITS.maxItemsListed, items: ITEM },
    itemsListed: count,
    itemsTotal: count,
    links: LINKS,
  },
};

const ID_PARAM = { id: DOCUMENT_ID };

const MAPPING_HEADER = {
  description: 'The mapping to read the file with (mappings/*.json); absent: the partner\'s one mapping for the detected format. An unknown one rejects the document with GW-DOC-6005.',
  schema: { type: 'string', minLength: 1, maxLength: DOCUMENT_API_LIMITS.mappingIdChars },
};

// ---------------------------------------------------------------------------------------
// Routes

const DEVICE_OUTCOME: JsonSchema = {
  type: 'object',
  required: ['item', 'serial', 'at', 'status', 'code', 'message'],
  additionalProperties: false,
  properties: {
    item: { type: 'integer', description: 'The item (order or ship notice) of the document that named the device.' },
    serial: { type: 'string' },
    at: { type: ['string', 'null'], description: 'Where in the file ("line 12", "segment 57"); null for a reseller-API transaction.' },
    status: { enum: [...DEVICE_OUTCOME_STATUSES] },
    code: { type: ['string', 'null'], description: 'Why it was refused or waits (GW-DE-4310, GW-OR-4120, ...).' },
    message: { type: 'string', description: 'The code in words; empty when there is none.' },
  },
};

export function documentRoutes(api: ApiRouter, deps: ApiDeps): void {
  const { db } = deps;
  const files = deps.intake;
  const spoolDir = deps.config.intake.spoolDir;
  const maxDocumentBytes = deps.config.intake.maxDocumentBytes;

  /** 413 GW-DOC-6002 for a body not read (whole): answered first, the rest of the body then read and dropped, bounded. */
  function refuseTooLarge(req: Request, res: Response, size: string): void {
    discardRestOfBody(req, { lingerMs: DOCUMENT_API_LIMITS.refusedUploadLingerMs, lingerBytes: DOCUMENT_API_LIMITS.refusedUploadLingerBytes });
    sendCoded(res, 413, { code: 'GW-DOC-6002', params: { size, max: maxDocumentBytes } });
  }

  /** An upload's or a replay's answer: the result, its refusals from the outcome rows it committed, and links. */
  async function answerOf(result: IngestResult) {
    const refused = await resultRefusals(db, result, DOCUMENT_API_LIMITS.maxRefusalsListed, links(result.documentId).ack);
    return { ...result, ...(refused ? { refused } : {}), links: links(result.documentId) };
  }

  /**
   * The document the caller may read: a reseller its own, an operator any. Another
   * partner's document is answered exactly like a missing one.
   */
  async function visibleDocument(ctx: RouteContext): Promise<DocumentRow | undefined> {
    const id = ctx.params.id ?? '';
    const doc = await findDocument(db, id);
    if (!doc || !mayRead(ctx.principal, doc)) {
      sendCoded(ctx.res, 404, { code: 'GW-DOC-6012', params: { documentId: id.slice(0, DOCUMENT_API_LIMITS.documentIdChars) } });
      return undefined;
    }
    return doc;
  }

  api.route(
    {
      method: 'post',
      path: '/documents',
      operationId: 'uploadDocument',
      summary: 'Uploading a document',
      description:
        'A partner file (CSV, XML, X12 or JSON) as raw bytes, spooled to disk and run through intake: 201 applied (refused devices are listed), ' +
        '202 ship notices waiting for their order, 409 the same bytes were received before, 422 rejected with coded errors naming the line. ' +
        `Larger than ${maxDocumentBytes} bytes: 413 GW-DOC-6002.`,
      tag: 'Documents',
      roles: ['reseller'],
      headers: {
        'X-File-Name': {
          description: 'The name the file is known by in errors and acks: letters, digits, dot, dash and underscore, at most 200 (else 400 GW-DOC-6009). Default upload-<time>.',
          schema: { type: 'string', pattern: SAFE_NAME.source },
        },
        'X-Gateway-Mapping': MAPPING_HEADER,
      },
      body: { kind: 'stream', contentTypes: UPLOAD_CONTENT_TYPES, description: 'The file as it is; its format is detected from the bytes.', maxBytes: maxDocumentBytes },
      responses: {
        201: { description: 'Applied (status applied or applied_with_errors).', schema: INGEST_RESULT },
        202: { description: 'Ship notices wait for their order (status awaiting_order); the rest applied.', schema: INGEST_RESULT },
        409: { description: 'A duplicate: these bytes were received before (duplicateOf); nothing applied.', schema: INGEST_RESULT },
        422: { description: 'Rejected: nothing applied; errors say why, by line.', schema: INGEST_RESULT },
      },
    },
    async ({ req, res, principal }) => {
      const supplier = resellerOf(principal);
      const declared = Number(req.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > maxDocumentBytes) return refuseTooLarge(req, res, String(declared));
      const fileName = req.get('x-file-name') ?? `upload-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      if (!SAFE_NAME.test(fileName)) {
        return sendCoded(res, 400, { code: 'GW-DOC-6009', params: { at: 'X-File-Name', detail: 'letters, digits, dot, dash and underscore only, at most 200' } });
      }
      const mappingId = req.get('x-gateway-mapping') ?? undefined;
      const { path, stream } = createSpoolFile(spoolDir, 'http');
      try {
        // Spooled to disk with a running size check: memory stays flat whatever the upload.
        // A body without Content-Length (chunked) is refused where it passes the limit;
        // the partial file goes with the others, in `finally`.
        const spooled = await spoolBody(req, stream, maxDocumentBytes);
        if (!spooled.complete) return refuseTooLarge(req, res, `at least ${spooled.bytesSeen}`);
        const result = await files.receive({
          partnerId: supplier.supplierId,
          channel: 'http',
          fileName,
          path,
          actor: `reseller:${supplier.supplierId}`,
          ...(mappingId ? { mappingId } : {}),
        });
        api.log(res, 'document received', { documentId: result.documentId, partner: supplier.supplierId, status: result.status, format: result.format });
        res.status(STATUS_FOR_RESULT[result.status]).json(await answerOf(result));
      } catch (err) {
        if (err instanceof IntakeError) return sendCoded(res, 400, { code: 'GW-DOC-6005', params: { detail: err.message } });
        throw err;
      } finally {
        rmSync(path, { force: true });
      }
    },
  );

  api.route(
    {
      method: 'get',
      path: '/documents/{id}',
      operationId: 'getDocument',
      summary: 'Reading a document',
      description: `Status, summary, coded errors and items (at most ${DOCUMENT_API_LIMITS.maxItemsListed} listed; itemsTotal counts them all). A reseller reads its own documents, an operator any; anything else is 404 GW-DOC-6012.`,
      tag: 'Documents',
      roles: ['reseller', 'operator'],
      params: ID_PARAM,
      responses: { 200: { description: 'The document.', schema: DOCUMENT_VIEW } },
    },
    async (ctx) => {
      const doc = await visibleDocument(ctx);
      if (!doc) return;
      const view = await documentView(db, doc.document_id, links(doc.document_id).ack, DOCUMENT_API_LIMITS.maxItemsListed);
      // Deleted between the two reads: answered as missing.
      if (!view) return sendCoded(ctx.res, 404, { code: 'GW-DOC-6012', params: { documentId: doc.document_id } });
      ctx.res.json({ ...view, links: links(doc.document_id) });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/documents/{id}/devices',
      operationId: 'listDocumentDevices',
      summary: "A document's devices and what became of each",
      description:
        'Every device the document named, in its order, with its outcome as the acknowledgement gives it (ENROLLED, PENDING, REFUSED, AWAITING_ORDER, REJECTED), the code and message of a refusal or a wait, and where in the file it was. status= keeps one outcome (REFUSED: which devices were refused, and why).',
      tag: 'Documents',
      roles: ['reseller', 'operator'],
      params: ID_PARAM,
      query: { status: { enum: [...DEVICE_OUTCOME_STATUSES] }, ...PAGE_PARAMS },
      responses: { 200: { description: 'A page of device outcomes.', schema: pageSchema(DEVICE_OUTCOME) } },
    },
    async (ctx) => {
      const doc = await visibleDocument(ctx);
      if (!doc) return;
      const status = ctx.query.status as DeviceOutcomeStatus | undefined;
      const limit = ctx.query.limit as number;
      const filters = givenFilters({ documentId: doc.document_id, status });
      const key = cursorKey('document-devices', filters, ctx.query.cursor, ['number', 'number']);
      if (key === 'invalid') return refuseCursor(ctx.res);
      const after = key ? { itemSeq: key[0] as number, deviceSeq: key[1] as number } : { itemSeq: 0, deviceSeq: 0 };
      const lines = await deviceOutcomePage(db, doc, { ...(status ? { status } : {}), after, limit: limit + 1 });
      const shown = lines.slice(0, limit);
      const last = shown[shown.length - 1];
      ctx.res.json({
        items: shown.map(({ deviceSeq: _seq, ...line }) => line),
        nextCursor: lines.length > limit && last ? encodeCursor('document-devices', filters, [last.item, last.deviceSeq]) : null,
      });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/documents/{id}/ack',
      operationId: 'getDocumentAck',
      summary: "Reading a document's acknowledgement",
      description:
        'The acknowledgement as a file, in the form its mapping asks for: a CSV ack (text/csv), the JSON report (application/json), or X12 997/855 text. ' +
        'Without kind, the first the document has. A kind the document has none of (a json ack of a CSV document, say): 404 GW-DOC-6015, naming the kinds it has.',
      tag: 'Documents',
      roles: ['reseller', 'operator'],
      params: ID_PARAM,
      query: { kind: { enum: ['csv', 'json', '997', '855'], description: 'Which acknowledgement: csv, json, 997 or 855.' } },
      responses: {
        200: {
          description: 'The acknowledgement file (Content-Disposition names it).',
          contentType: 'text/csv',
          schema: { type: 'string' },
          alternatives: [
            { contentType: 'application/json', schema: { type: 'object' } },
            { contentType: 'application/edi-x12', schema: { type: 'string' } },
          ],
          headers: { 'Content-Disposition': { description: 'attachment; filename="<file>.ack.csv" (or .json, .997, .855).', schema: { type: 'string' } } },
        },
      },
    },
    async (ctx) => {
      const doc = await visibleDocument(ctx);
      if (!doc) return;
      const kind = ctx.query.kind as Ack['kind'] | undefined;
      let acks: Ack[];
      try {
        acks = await documentAcks(deps, doc.document_id);
      } catch (err) {
        if (err instanceof AcksUnknown) return sendCoded(ctx.res, 409, err.error);
        throw err;
      }
      const ack = kind ? acks.find((a) => a.kind === kind) : acks[0];
      if (!ack) {
        // The document is there: the answer names the kinds it has, not a missing document.
        const available = acks.length > 0 ? acks.map((a) => a.kind).join(', ') : 'none';
        return sendCoded(ctx.res, 404, { code: 'GW-DOC-6015', params: { documentId: doc.document_id, kind: kind ?? 'any', available } });
      }
      ctx.res.setHeader('Content-Type', ack.contentType);
      ctx.res.setHeader('Content-Disposition', `attachment; filename="${ack.fileName}"`);
      ctx.res.send(ack.body);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/documents/{id}/replay',
      operationId: 'replayDocument',
      summary: 'Replaying a rejected document',
      description:
        'Runs a rejected document again from its kept bytes (after the organisation, link or mapping was corrected): 200 with the new result, ' +
        '422 when it is rejected again. A document that is not rejected: 409 GW-DOC-6011.',
      tag: 'Documents',
      roles: ['reseller'],
      params: ID_PARAM,
      headers: { 'X-Gateway-Mapping': MAPPING_HEADER },
      responses: {
        200: { description: 'Replayed; the result.', schema: INGEST_RESULT },
        422: { description: 'Rejected again; errors say why.', schema: INGEST_RESULT },
      },
    },
    async (ctx) => {
      const { req, res, principal } = ctx;
      const supplier = resellerOf(principal);
      const doc = await visibleDocument(ctx);
      if (!doc) return;
      try {
        const mappingId = req.get('x-gateway-mapping') ?? undefined;
        const result = await files.replay(doc.document_id, `reseller:${supplier.supplierId}`, mappingId);
        api.log(res, 'document replayed', { documentId: result.documentId, status: result.status });
        res.status(STATUS_FOR_RESULT[result.status] === 422 ? 422 : 200).json(await answerOf(result));
      } catch (err) {
        if (err instanceof ReplayRefused) return sendCoded(res, 409, err.error);
        throw err;
      }
    },
  );
}

function mayRead(p: Principal, doc: DocumentRow): boolean {
  if (p.role === 'operator') return true;
  return p.role === 'reseller' && doc.supplier_pk === p.supplier.pk;
}

/** The uploading partner: the route's roles admit resellers only, so anything else is a wiring bug. */
function resellerOf(p: Principal): Extract<Principal, { role: 'reseller' }>['supplier'] {
  if (p.role !== 'reseller') throw new Error(`a document write reached its handler with a ${p.role} key`);
  return p.supplier;
}

function links(documentId: string) {
  return { self: `/v1/documents/${documentId}`, ack: `/v1/documents/${documentId}/ack` };
}
