// Operations: is the gateway up (/healthz), what does it serve (/openapi.json), how is it
// doing (/metrics). The first two are public: a load balancer and a client generator
// hold no key, and neither answer holds data. /metrics needs a metrics (or operator) key.
import type { ApiRouter } from '../api/route.js';
import type { ApiDeps } from '../api/deps.js';
import { gatewayMetrics } from '../../../metrics/metrics.js';
import { pingDatabase } from '../../../store/health.js';

export function operationsRoutes(api: ApiRouter, deps: ApiDeps, openApi: () => Record<string, unknown>): void {
  api.route(
    {
      method: 'get',
      path: '/healthz',
      operationId: 'health',
      summary: 'Is the gateway up and its database reachable',
      tag: 'Operations',
      roles: 'public',
      responses: {
        200: {
          description: 'Up; the database answered.',
          schema: { type: 'object', required: ['status'], additionalProperties: false, properties: { status: { const: 'ok' } } },
        },
        503: {
          description: 'The database did not answer.',
          schema: {
            type: 'object',
            required: ['status', 'detail'],
            additionalProperties: false,
            properties: { status: { const: 'unavailable' }, detail: { type: 'string' } },
          },
        },
      },
    },
    async ({ res }) => {
      try {
        await pingDatabase(deps.db);
        res.json({ status: 'ok' });
      } catch {
        res.status(503).json({ status: 'unavailable', detail: 'database unreachable' });
      }
    },
  );

  api.route(
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openApi',
      summary: 'This OpenAPI 3.1 document',
      tag: 'Operations',
      roles: 'public',
      responses: { 200: { description: 'The OpenAPI document of every route.', schema: { type: 'object', required: ['openapi', 'paths'], properties: { openapi: { const: '3.1.0' }, paths: { type: 'object' } } } } },
    },
    ({ res }) => {
      res.json(openApi());
    },
  );

  api.route(
    {
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      description: 'Documents received and failed per channel and format, devices by state and enrolled, request latency per route; Prometheus text format 0.0.4.',
      tag: 'Operations',
      roles: ['metrics', 'operator'],
      responses: { 200: { description: 'The text exposition format.', contentType: 'text/plain; version=0.0.4', schema: { type: 'string' } } },
    },
    async ({ res }) => {
      const { contentType, body } = await gatewayMetrics.render(deps.db);
      res.setHeader('Content-Type', contentType);
      res.send(body);
    },
  );
}
