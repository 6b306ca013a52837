// Document upload over HTTP: a partner posts a file's raw bytes, and reads back the
// document's status, errors and acknowledgements.
//   POST /v1/documents                 raw body; X-Gateway-Mapping, X-File-Name optional
//   GET  /v1/documents/:id             status, summary, items, errors
//   GET  /v1/documents/:id/ack         the acknowledgement (?kind=csv|json|997|855)
//   POST /v1/documents/:id/replay      run a rejected document again (after a correction)
// The partner is the authenticated reseller (API key or client certificate); a partner
// sees only its own documents.
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import type { Knex } from 'knex';
import type { Supplier } from '../../domain/state.js';
import type { Logger } from '../../log/logger.js';
import type { CodedError } from '../../model/error-codes.js';
import { renderMessage } from '../../model/messages.js';
import { documentAck, type Ack } from '../../intake/acks.js';
import { IntakeError, ingestFile, replayDocument, ReplayRefused, type IntakeDeps } from '../../intake/ingest.js';
import { writeContentToFile } from '../../intake/spool.js';
import { findDocument, type DocumentRow } from '../../store/documents.js';
import { documentView } from '../../intake/view.js';
import type { IngestResult } from '../../intake/types.js';
import { authenticate, type AuthSettings } from './auth.js';

export interface DocumentsSettings extends AuthSettings {
  spoolDir: string;
  /** Items listed in GET /v1/documents/:id; the rest are counted in the summary. */
  maxItemsListed: number;
}

const STATUS_FOR_RESULT: Record<IngestResult['status'], number> = {
  applied: 201,
  applied_with_errors: 201,
  awaiting_order: 202,
  rejected: 422,
  duplicate: 409,
};

function sendError(res: Response, status: number, error: CodedError): void {
  res.status(status).json({ error: { code: error.code, message: renderMessage(error) } });
}

const SAFE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

export function documentsApi(deps: IntakeDeps, settings: DocumentsSettings, logger: Logger): express.Router {
  const router = express.Router();
  const db: Knex = deps.db;

  async function partner(req: Request, res: Response): Promise<Supplier | undefined> {
    const auth = await authenticate(db, req, settings);
    if ('error' in auth) {
      sendError(res, 401, auth.error);
      return undefined;
    }
    res.locals.reseller = auth.supplier.supplierId;
    return auth.supplier;
  }

  async function ownDocument(req: Request, res: Response, supplier: Supplier): Promise<DocumentRow | undefined> {
    const id = String(req.params.id ?? '');
    const doc = id.length <= 48 ? await findDocument(db, id) : undefined;
    // Another partner's document is answered exactly like a missing one.
    if (!doc || doc.supplier_pk !== supplier.pk) {
      sendError(res, 404, { code: 'GW-DOC-6012', params: { documentId: id.slice(0, 48) } });
      return undefined;
    }
    return doc;
  }

  router.post('/documents', async (req, res) => {
    const supplier = await partner(req, res);
    if (!supplier) return;
    const declared = Number(req.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > deps.limits.maxDocumentBytes) {
      return sendError(res, 413, { code: 'GW-DOC-6002', params: { size: declared, max: deps.limits.maxDocumentBytes } });
    }
    const fileName = req.get('x-file-name') ?? `upload-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    if (!SAFE_NAME.test(fileName)) {
      return sendError(res, 400, { code: 'GW-DOC-6009', params: { at: 'X-File-Name', detail: 'letters, digits, dot, dash and underscore only, at most 200' } });
    }
    const mappingId = req.get('x-gateway-mapping') ?? undefined;
    mkdirSync(settings.spoolDir, { recursive: true });
    const path = join(settings.spoolDir, `http-${randomUUID()}`);
    try {
      // Spool to disk with a running size check: memory stays flat whatever the upload.
      let received = 0;
      const limit = deps.limits.maxDocumentBytes;
      const tooBig = new Error('too big');
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > limit) req.destroy(tooBig);
      });
      try {
        await pipeline(req, createWriteStream(path));
      } catch (err) {
        if (received > limit) return sendError(res, 413, { code: 'GW-DOC-6002', params: { size: received, max: limit } });
        throw err;
      }
      const result = await ingestFile(deps, {
        partnerId: supplier.supplierId,
        channel: 'http',
        fileName,
        path,
        actor: `reseller:${supplier.supplierId}`,
        ...(mappingId ? { mappingId } : {}),
      });
      logger.log('info', 'document received', { requestId: res.locals.requestId, documentId: result.documentId, partner: supplier.supplierId, status: result.status, format: result.format });
      res.status(STATUS_FOR_RESULT[result.status]).json(withLinks(result));
    } catch (err) {
      if (err instanceof IntakeError) return sendError(res, 400, { code: 'GW-DOC-6005', params: { detail: err.message } });
      throw err;
    } finally {
      rmSync(path, { force: true });
    }
  });

  router.get('/documents/:id', async (req, res) => {
    const supplier = await partner(req, res);
    if (!supplier) return;
    const doc = await ownDocument(req, res, supplier);
    if (!doc) return;
    const view = await documentView(db, doc.document_id, settings.maxItemsListed);
    res.json({ ...view, links: links(doc.document_id) });
  });

  router.get('/documents/:id/ack', async (req, res) => {
    const supplier = await partner(req, res);
    if (!supplier) return;
    const doc = await ownDocument(req, res, supplier);
    if (!doc) return;
    const kind = typeof req.query.kind === 'string' ? (req.query.kind as Ack['kind']) : undefined;
    const ack = await documentAck(deps, doc, kind);
    if (!ack) {
      return sendError(res, 404, { code: 'GW-DOC-6012', params: { documentId: `${doc.document_id} (no ${kind ?? ''} acknowledgement)` } });
    }
    res.setHeader('Content-Type', ack.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${ack.fileName}"`);
    res.send(ack.body);
  });

  router.post('/documents/:id/replay', async (req, res) => {
    const supplier = await partner(req, res);
    if (!supplier) return;
    const doc = await ownDocument(req, res, supplier);
    if (!doc) return;
    try {
      const mappingId = req.get('x-gateway-mapping') ?? undefined;
      const result = await replayDocument(deps, doc.document_id, `reseller:${supplier.supplierId}`, (sha) => writeContentToFile(db, sha, settings.spoolDir), mappingId);
      logger.log('info', 'document replayed', { requestId: res.locals.requestId, documentId: result.documentId, status: result.status });
      res.status(STATUS_FOR_RESULT[result.status] === 422 ? 422 : 200).json(withLinks(result));
    } catch (err) {
      if (err instanceof ReplayRefused) return sendError(res, 409, err.error);
      throw err;
    }
  });

  return router;
}

function links(documentId: string) {
  return { self: `/v1/documents/${documentId}`, ack: `/v1/documents/${documentId}/ack` };
}

function withLinks(result: IngestResult) {
  return { ...result, links: links(result.documentId) };
}
