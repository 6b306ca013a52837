// Starts the HTTP application, over TLS with client certificates when TLS settings are given.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { GatewayConfig } from '../../config.js';

export interface RunningServer {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

/** Bounds on slow or idle clients: a connection cannot hold the server forever. */
const REQUEST_TIMEOUT_MS = 60_000;
const HEADERS_TIMEOUT_MS = 20_000;

export async function startServer(app: Express, config: Pick<GatewayConfig, 'host' | 'port' | 'tls'>): Promise<RunningServer> {
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
        app,
      )
    : http.createServer(app);
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `${config.tls ? 'https' : 'http'}://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
