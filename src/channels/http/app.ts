// The HTTP application: routes, request ids and logs, and the last-resort error answer
// (a coded envelope with a reference, never a stack trace).
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import type { GatewayConfig } from '../../config.js';
import type { Logger } from '../../log/logger.js';
import { resellerApi } from './reseller-api.js';
import { documentsApi } from './documents.js';
import { creditApi } from './credit.js';
import { BUILTIN_MAPPINGS_DIR, loadMappings } from '../../mapping/mapping.js';
import { sendFlatError } from './errors.js';
import { creditSettingsFrom } from '../../credit/defaults.js';
import type { CreditSettings } from '../../credit/ledger.js';

export const RESELLER_API_BASE = '/enroll-service/1.0';

export function createApp(
  db: Knex,
  config: GatewayConfig,
  logger: Logger,
  credit: CreditSettings = creditSettingsFrom(config.credit),
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const requestId = randomUUID();
    const started = process.hrtime.bigint();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      if (!config.requestLog) return;
      logger.log('info', 'request', {
        requestId,
        method: req.method,
        // originalUrl: req.path is relative to the router that answered.
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        reseller: res.locals.reseller,
        // A name and a key id (org-admin:30411:pkey_...), never a key.
        principal: res.locals.principal,
        enrollmentId: res.locals.enrollmentId,
      });
    });
    next();
  });

  app.get('/healthz', async (_req, res) => {
    try {
      await db.raw('select 1');
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable', detail: 'database unreachable' });
    }
  });

  app.use(
    RESELLER_API_BASE,
    resellerApi(db, {
      tls: config.tls !== null,
      requireClientCertificate: config.tls?.requireClientCertificate ?? false,
      ...config.limits,
    }),
  );

  const mappings = loadMappings([BUILTIN_MAPPINGS_DIR, ...config.mappingDirs]);
  app.use(
    '/v1',
    documentsApi(
      { db, mappings, limits: config.intake, credit },
      {
        tls: config.tls !== null,
        requireClientCertificate: config.tls?.requireClientCertificate ?? false,
        spoolDir: config.intake.spoolDir,
        maxItemsListed: 1000,
      },
      logger,
    ),
  );

  app.use(
    '/v1',
    creditApi(
      { db, credit, spoolDir: config.intake.spoolDir, maxPurchaseRows: config.credit.maxPurchaseRows },
      { tls: config.tls !== null, requireClientCertificate: config.tls?.requireClientCertificate ?? false },
      logger,
    ),
  );

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ errorCode: 'GW-HTTP-404', errorMessage: 'No such route.' });
  });

  // Express 5 routes async rejections here too.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number };
    if (res.headersSent) return;
    if (e.type === 'entity.too.large') {
      return sendFlatError(res, { code: 'GW-TX-3011', params: { max: config.limits.maxBodyBytes } }, 'en');
    }
    if (e.type === 'request.aborted' || e.type === 'entity.verify.failed' || e.status === 400) {
      return sendFlatError(res, { code: 'GRX-1000', params: { detail: 'the body could not be read' } }, 'en');
    }
    const reference = String(res.locals.requestId ?? randomUUID());
    logger.log('error', 'unhandled error', {
      requestId: reference,
      path: req.path,
      error: (err as Error)?.message,
      stack: (err as Error)?.stack,
    });
    sendFlatError(res, { code: 'GRX-16001', params: { reference } }, 'en');
  });
  return app;
}
