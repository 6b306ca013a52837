// Starts the HTTP application, over TLS with client certificates when TLS settings are given,
// and drains it on shutdown: no new connections, no new requests on kept-alive ones (503
// and Connection: close), while the requests in flight (a document being ingested) finish.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { GatewayConfig } from '../../config.js';
import { silentLogger, type Logger } from '../../log/logger.js';

/** A request still being answered when the drain began or was cut off. */
export interface InFlightRequest {
  requestId: string | null;
  method: string;
  path: string;
  ageMs: number;
}

export interface DrainReport {
  /** True when every request in flight was answered before the timeout. */
  finished: boolean;
  /** Requests in flight when the drain began. */
  inFlightAtStart: number;
  /** Requests refused (503) on kept-alive connections while draining. */
  refused: number;
  /** Requests whose connections were cut because the timeout ran out. */
  cutOff: InFlightRequest[];
}

export interface RunningServer {
  server: http.Server;
  url: string;
  /** Stops listening and resolves once every connection has ended (no bound). */
  close(): Promise<void>;
  /**
   * Graceful stop: stops listening at once, answers requests that arrive on kept-alive
   * connections with 503, lets those in flight finish (their answers close their
   * connections), and after `timeoutMs` cuts whatever is left and says what it was.
   */
  drain(timeoutMs: number): Promise<DrainReport>;
  /** Requests being answered now. */
  inFlight(): InFlightRequest[];
}

export interface ServerOptions {
  /** Where the drain's refusals are logged (JSON, with their request ids). */
  logger?: Logger;
}

/** Bounds on slow or idle clients: a connection cannot hold the server forever. */
const REQUEST_TIMEOUT_MS = 60_000;
const HEADERS_TIMEOUT_MS = 20_000;
/** Longest path logged for a refused or cut-off request. */
const MAX_LOGGED_PATH_CHARS = 300;
/** What a client refused during a drain is told to wait before it retries (seconds). */
const RETRY_AFTER_SECONDS = 5;
/** The reseller API answers in its protocol's flat envelope; everything else in the /v1 one. */
const RESELLER_API_PREFIX = '/enroll-service/';

export async function startServer(app: Express, config: Pick<GatewayConfig, 'host' | 'port' | 'tls'>, options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? silentLogger;
  let draining = false;
  let refused = 0;
  const active = new Map<http.ServerResponse, { method: string; path: string; startedMs: number }>();

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (draining) {
      refuseWhileDraining(req, res);
      return;
    }
    active.set(res, { method: req.method ?? '?', path: pathOf(req), startedMs: Date.now() });
    res.once('close', () => {
      active.delete(res);
      // Its connection may now be idle: let it go rather than wait for the keep-alive timeout.
      if (draining) server.closeIdleConnections();
    });
    app(req, res);
  };

  const server = config.tls
    ? https.createServer(
        {
          cert: readFileSync(config.tls.certFile),
          key: readFileSync(config.tls.keyFile),
          ca: readFileSync(config.tls.clientCaFile),
          requestCert: true,
          // Unsigned or absent certificates reach the app, which refuses them in the
          // protocol's envelope (GRX-50038) rather than with a bare TLS alert.
          rejectUnauthorized: false,
        },
        handle,
      )
    : http.createServer(handle);
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  /** A request on a kept-alive connection after the drain began: 503, and the connection closes. */
  function refuseWhileDraining(req: http.IncomingMessage, res: http.ServerResponse): void {
    refused++;
    const requestId = randomUUID();
    const path = pathOf(req);
    const protocol = path.startsWith(RESELLER_API_PREFIX);
    const body = protocol
      ? { errorCode: 'DEP-ERR-4005', errorMessage: 'Unable to process the request. Try again later.' }
      : { error: { code: 'GW-API-5030', message: 'The gateway is shutting down; retry shortly (another instance, or this one once restarted).', requestId } };
    logger.log('info', 'request refused: shutting down', { requestId, method: req.method, path, status: 503 });
    const text = JSON.stringify(body);
    res.shouldKeepAlive = false;
    res.writeHead(503, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
      Connection: 'close',
      'Retry-After': String(RETRY_AFTER_SECONDS),
      'X-Request-Id': requestId,
    });
    // The body the client is sending is not read: the connection closes after the answer.
    res.end(text);
  }

  function inFlight(): InFlightRequest[] {
    const now = Date.now();
    return [...active].map(([res, r]) => {
      const id = res.getHeader('X-Request-Id');
      return { requestId: typeof id === 'string' ? id : null, method: r.method, path: r.path, ageMs: now - r.startedMs };
    });
  }

  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  return {
    server,
    url: `${config.tls ? 'https' : 'http'}://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
    inFlight,
    async drain(timeoutMs: number): Promise<DrainReport> {
      if (!Number.isInteger(timeoutMs) || timeoutMs < 0) throw new Error(`invariant: drain timeout must be a whole number of ms >= 0, got ${timeoutMs}`);
      draining = true;
      const inFlightAtStart = active.size;
      // Answers not yet begun close their connections when sent; a client on a
      // kept-alive connection then reconnects (and is refused) instead of waiting on us.
      for (const res of active.keys()) if (!res.headersSent) res.setHeader('Connection', 'close');
      if (server.listening) server.close();
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([closed.then(() => 'closed' as const), timedOut]);
      clearTimeout(timer);
      if (outcome === 'closed') return { finished: true, inFlightAtStart, refused, cutOff: [] };
      const cutOff = inFlight();
      server.closeAllConnections();
      await closed;
      return { finished: cutOff.length === 0, inFlightAtStart, refused, cutOff };
    },
  };
}

function pathOf(req: http.IncomingMessage): string {
  return (req.url ?? '').split('?')[0]!.slice(0, MAX_LOGGED_PATH_CHARS);
}
