// The OpenAPI 3.1 document, built from the routes' own declarations (route.ts): what is
// served at /openapi.json is what the handlers validate against.
import { ERROR_SCHEMA, type JsonSchema, type RouteSpec } from './route.js';

export interface MountedRoutes {
  /** Where the routes are mounted: '/v1', '' (top level), '/enroll-service/1.0'. */
  base: string;
  routes: readonly RouteSpec[];
  /** The answer of a refusal on these routes; default the /v1 error schema. */
  errorSchema?: JsonSchema;
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

export function buildOpenApi(info: OpenApiInfo, mounted: readonly MountedRoutes[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const m of mounted) {
    for (const spec of m.routes) {
      const path = `${m.base}${spec.path}`;
      paths[path] ??= {};
      if (paths[path]![spec.method]) throw new Error(`OpenAPI: ${spec.method.toUpperCase()} ${path} is declared twice`);
      paths[path]![spec.method] = operation(spec, m.errorSchema);
    }
  }
  return {
    openapi: '3.1.0',
    info,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: {
        bearerKey: { type: 'http', scheme: 'bearer', description: 'An API key made by `key create`: operator, reseller, org-admin, finance or metrics.' },
        clientCertificate: { type: 'mutualTLS', description: "A reseller's client certificate, when the gateway runs with TLS." },
      },
    },
  };
}

function operation(spec: RouteSpec, errorSchema: JsonSchema | undefined): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = [];
  for (const [name, schema] of Object.entries(spec.params ?? {})) parameters.push({ name, in: 'path', required: true, schema });
  for (const [name, schema] of Object.entries(spec.query ?? {})) {
    parameters.push({ name, in: 'query', required: (spec.requiredQuery ?? []).includes(name), schema, ...(schema.description ? { description: schema.description } : {}) });
  }
  for (const [name, h] of Object.entries(spec.headers ?? {})) parameters.push({ name, in: 'header', required: h.required === true, description: h.description, schema: h.schema });
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    responses[status] = {
      description: r.description,
      ...(r.headers ? { headers: r.headers } : {}),
      ...(r.schema || r.contentType
        ? {
            content: {
              [r.contentType ?? 'application/json']: r.schema ? { schema: r.schema } : {},
              ...Object.fromEntries((r.alternatives ?? []).map((a) => [a.contentType, a.schema ? { schema: a.schema } : {}])),
            },
          }
        : {}),
    };
  }
  responses.default = {
    description: 'A refusal: 400 invalid request, 401 no or unknown key, 403 wrong role or another organisation, 404 not found, 409 conflict, 413 too large, 415 wrong content type, 422 refused by a rule, 500 internal error with a reference.',
    content: { 'application/json': { schema: spec.errorSchema ?? errorSchema ?? { $ref: '#/components/schemas/Error' } } },
  };
  let requestBody: Record<string, unknown> | undefined;
  if (spec.body?.kind === 'json') {
    requestBody = { required: spec.body.optional !== true, content: { 'application/json': { schema: spec.body.schema } } };
  } else if (spec.body?.kind === 'stream') {
    requestBody = {
      required: true,
      description: `${spec.body.description} At most ${spec.body.maxBytes} bytes.`,
      content: Object.fromEntries(spec.body.contentTypes.map((t) => [t, { schema: { type: 'string', contentMediaType: t } }])),
    };
  }
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    ...(spec.roles === 'public' ? { security: [] } : { security: [{ bearerKey: [] }, { clientCertificate: [] }], 'x-roles': [...spec.roles] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}
