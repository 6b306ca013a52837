// The HTTP application: routes, request ids and logs, the audit of every write, metrics,
// the OpenAPI document, and the last-resort error answer (a coded envelope with a
// reference, never a stack trace).
//
// Mounted:
//   /healthz, /metrics, /openapi.json         operations (routes declared in operations below)
//   /enroll-service/1.0/...                   the reseller API (the protocol's own envelope)
//   /v1/...                                   documents, credit, and the query API, with one
//                                             error schema: {error:{code,message,requestId}}
//   /v1/orgDevices, /v1/mdmServers, /auth/... Apple's business API for organisations (business-api.ts)
//   /, /console/...                           the console's page and assets (console.ts); it calls /v1
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import type { GatewayConfig } from '../../config.js';
import type { Logger } from '../../log/logger.js';
import { resellerApi } from './reseller-api.js';
import { documentRoutes } from './documents.js';
import { creditRoutes } from './credit.js';
import { RESELLER_ERROR_SCHEMA, resellerOpenApiRoutes } from './reseller-openapi.js';
import { BUILTIN_MAPPINGS_DIR, loadMappings, type Mapping } from '../../mapping/mapping.js';
import { sendFlatError } from './errors.js';
import { creditSettingsFrom } from '../../credit/defaults.js';
import type { CreditSettings } from '../../credit/ledger.js';
import { audit } from '../../store/audit.js';
import type { HttpAuditAction } from '../../model/audit-actions.js';
import { gatewayMetrics } from '../../metrics/metrics.js';
import { ApiRouter } from './api/route.js';
import type { ApiDeps } from './api/deps.js';
import { inlineIntake, type Intake } from '../../intake/service.js';
import { buildOpenApi, type MountedRoutes } from './api/openapi.js';
import { sendHttpError } from './principal.js';
import { ordersRoutes } from './routes/orders.js';
import { devicesRoutes } from './routes/devices.js';
import { exportsRoutes } from './routes/exports.js';
import { resellerDataRoutes } from './routes/reseller-data.js';
import { operatorRoutes } from './routes/operator.js';
import { operationsRoutes } from './routes/operations.js';
import { BUSINESS_ERROR_SCHEMA, businessApiNotFound, businessApiRoutes, tokenRoutes } from './business-api.js';
import { businessAccountRoutes } from './routes/business-accounts.js';
import { sessionRoutes } from './routes/session.js';
import { keyRoutes } from './routes/keys.js';
import { mappingRoutes } from './routes/mappings.js';
import { consoleRouter } from './console.js';

export const RESELLER_API_BASE = '/enroll-service/1.0';

export function createApp(
  db: Knex,
  config: GatewayConfig,
  logger: Logger,
  credit: CreditSettings = creditSettingsFrom(config.credit),
  /** Where documents and reseller-API requests are received (`serve`: intake processes); by default in this thread. */
  intake?: Intake,
  /** The mappings in use (`serve` shares one set with its workers and mailboxes, and reloads it); by default loaded here. */
  mappings: Map<string, Mapping> = loadMappings([BUILTIN_MAPPINGS_DIR, ...config.mappingDirs]),
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // A client of Apple's business API sends //v1/orgDevices/X: the same path, not host "v1".
  app.use((req: Request, _res: Response, next: NextFunction) => {
    if (req.url.startsWith('//v1/')) req.url = req.url.slice(1);
    next();
  });

  app.use((req: Request, res: Response, next: NextFunction) => {
    const requestId = randomUUID();
    const started = process.hrtime.bigint();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    // 'close', not 'finish': a client that hangs up before the answer is sent does not
    // take the audit entry of a write that committed (nor its log line) with it.
    res.on('close', () => {
      const route = routePattern(req, res);
      const answered = res.writableFinished;
      gatewayMetrics.observeRequest(req.method, route, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
      auditWrite(req, res, route, answered);
      if (!config.requestLog) return;
      logger.log('info', 'request', {
        requestId,
        method: req.method,
        // originalUrl: req.path is relative to the router that answered.
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        ...(answered ? {} : { aborted: true }),
        durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        reseller: res.locals.reseller,
        // A name and a key id (org-admin:30411:pkey_...), never a key.
        principal: res.locals.principal,
        enrollmentId: res.locals.enrollmentId,
      });
    });
    next();
  });

  /**
   * Every write (POST, PUT, PATCH, DELETE) by a known caller goes on the audit log when
   * it is answered, refused or not: who, what (method, route, status), when, from where,
   * and the request id. Operations that change data also leave their own audit entry, in
   * their own transaction, with what they changed.
   */
  const pendingAudits = new Set<Promise<void>>();
  function auditWrite(req: Request, res: Response, route: string, answered: boolean): void {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
    if (READ_ONLY_POSTS.has(route)) return;
    const who = typeof res.locals.principal === 'string' ? res.locals.principal : typeof res.locals.reseller === 'string' ? `reseller:${res.locals.reseller}` : undefined;
    if (who === undefined) return;
    const requestId = String(res.locals.requestId ?? '');
    const written = audit(
      db,
      {
        actor: who,
        origin: `http@${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`,
        // GET, HEAD and OPTIONS returned above: a write's method.
        action: `http.${req.method.toLowerCase()}` as HttpAuditAction,
        detail: { route, path: req.originalUrl.split('?')[0]!.slice(0, 300), status: res.statusCode, ...(answered ? {} : { aborted: true }) },
        requestId,
      },
      new Date().toISOString(),
    )
      .catch((err: unknown) => logger.log('error', 'audit entry not written', { requestId, error: (err as Error).message }))
      .finally(() => pendingAudits.delete(written));
    pendingAudits.add(written);
  }
  app.locals.flushAudits = async (): Promise<void> => {
    while (pendingAudits.size > 0) await Promise.all([...pendingAudits]);
  };

  const deps: ApiDeps = {
    db,
    config,
    credit,
    mappings,
    intake: intake ?? inlineIntake({ db, mappings, limits: config.intake, credit, transactions: config.limits }),
    logger,
  };
  const auth = { tls: config.tls !== null, requireClientCertificate: config.tls?.requireClientCertificate ?? false };

  const top = new ApiRouter(db, auth, logger);
  const v1 = new ApiRouter(db, auth, logger);
  // Apple's business API: its own paths under /v1, beside the gateway's, in its own error shape.
  const business = new ApiRouter(db, auth, logger);
  tokenRoutes(top, deps);
  businessApiRoutes(business, deps);
  documentRoutes(v1, deps);
  creditRoutes(v1, deps);
  ordersRoutes(v1, deps);
  devicesRoutes(v1, deps);
  exportsRoutes(v1, deps);
  resellerDataRoutes(v1, deps);
  operatorRoutes(v1, deps);
  businessAccountRoutes(v1, deps);
  sessionRoutes(v1, deps);
  keyRoutes(v1, deps);
  mappingRoutes(v1, deps);
  const mounted: MountedRoutes[] = [
    { base: '', routes: top.routes },
    { base: '/v1', routes: v1.routes },
    { base: '/v1', routes: business.routes, errorSchema: BUSINESS_ERROR_SCHEMA },
    // Documentation only: reseller-api.ts answers these, in the protocol's own envelopes.
    { base: RESELLER_API_BASE, routes: resellerOpenApiRoutes(config.limits), errorSchema: RESELLER_ERROR_SCHEMA },
  ];
  const openApi = () =>
    buildOpenApi(
      {
        title: 'abm-edi-gateway',
        version: '1',
        description: 'Purchasing and enrollment gateway for Apple device fleets: documents, orders, devices, exports, volume credit, and the reseller API.',
      },
      mounted,
    );
  operationsRoutes(top, deps, openApi);
  app.use(top.router);

  app.use(
    RESELLER_API_BASE,
    resellerApi(db, deps.intake, {
      tls: config.tls !== null,
      requireClientCertificate: config.tls?.requireClientCertificate ?? false,
      ...config.limits,
    }),
  );

  app.use(consoleRouter());

  app.use('/v1', business.router);
  app.use('/v1', businessApiNotFound);
  app.use('/v1', v1.router);
  app.use('/v1', (req: Request, res: Response) => {
    sendHttpError(res, 404, 'GW-API-4041', `No such route: ${req.method} ${req.originalUrl.split('?')[0]!.slice(0, 200)}. The routes are listed in /openapi.json.`);
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ errorCode: 'GW-HTTP-404', errorMessage: 'No such route.' });
  });

  // Express 5 routes async rejections here too.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number };
    if (clientWentAway(req, err)) {
      // Not the gateway's fault and nobody to answer: a note, not an error with a stack.
      logger.log('info', 'client closed the connection before its request was read', { requestId: res.locals.requestId, method: req.method, path: req.path });
      return;
    }
    if (res.headersSent) return;
    if (req.originalUrl.startsWith('/v1/')) {
      // The query API's one error schema, whatever failed before a route could answer.
      if (e.type === 'entity.too.large') return sendHttpError(res, 413, 'GW-API-4130', 'The request body is too large.');
      if (e.status === 400 || err instanceof URIError) {
        const detail = err instanceof URIError ? 'the path is not valid percent-encoding' : 'the request could not be read';
        return sendHttpError(res, 400, 'GW-API-4001', `The request is invalid: ${detail}.`, [{ in: err instanceof URIError ? 'path' : 'body', path: '', message: detail }]);
      }
    }
    if (e.type === 'entity.too.large') {
      return sendFlatError(res, { code: 'GW-TX-3011', params: { max: config.limits.maxBodyBytes } }, 'en');
    }
    if (e.type === 'request.aborted' || e.type === 'entity.verify.failed' || e.status === 400) {
      return sendFlatError(res, { code: 'GRX-1000', params: { detail: 'the body could not be read' } }, 'en');
    }
    const reference = String(res.locals.requestId ?? randomUUID());
    if (req.originalUrl.startsWith('/v1/') && !res.headersSent) {
      logger.log('error', 'unhandled error', { requestId: reference, path: req.path, error: (err as Error)?.message, stack: (err as Error)?.stack });
      return sendHttpError(res, 500, 'GW-API-5000', `Internal error; reference ${reference}.`);
    }
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

/** Whether `err` is the request's connection closing under it (the client hung up mid-upload). */
function clientWentAway(req: Request, err: unknown): boolean {
  const e = err as { code?: string; type?: string };
  const closed = e.code === 'ECONNRESET' || e.code === 'ECONNABORTED' || e.code === 'ERR_STREAM_PREMATURE_CLOSE' || e.type === 'request.aborted';
  return closed && (req.destroyed || req.socket.destroyed);
}

/** POSTs of the reseller protocol that only read: not writes, so not audited. */
const READ_ONLY_POSTS = new Set([`${RESELLER_API_BASE}/check-transaction-status`, `${RESELLER_API_BASE}/show-order-details`]);

/**
 * The route's declared pattern for metrics and the audit log ("/v1/orders/:supplierId"),
 * never the raw path: one series per route, not one per order number.
 */
function routePattern(req: Request, res: Response): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  if (route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  return res.statusCode === 404 ? 'unmatched' : 'other';
}
