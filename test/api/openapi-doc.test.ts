// /openapi.json against the running application: a well-formed OpenAPI 3.1 document
// (unique operation ids, answers, declared path parameters, schemas that strict ajv
// compiles), and the same set of routes as the express application actually serves,
// walked from its router stack: no route without an entry, no entry without a route.
// The reseller API's entries describe reseller-api.ts's own handlers, with the very
// request schema objects their ajv compiles.
import { expect } from 'chai';
import type { Express } from 'express';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createApp } from '../../src/channels/http/app.js';
import { startServer, type RunningServer } from '../../src/channels/http/server.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log/logger.js';
import { ERROR_SCHEMA } from '../../src/channels/http/api/route.js';
import { CONSOLE_ROUTES } from '../../src/channels/http/console.js';
import { RESELLER_ERROR_SCHEMA, resellerOpenApiRoutes } from '../../src/channels/http/reseller-openapi.js';
import { BULK_ENROLL_SCHEMA, CHECK_STATUS_SCHEMA, SHOW_ORDER_SCHEMA } from '../../src/model/reseller-schemas.js';
import { databaseKind, sampleDatabase, type TestDb } from '../support/db.js';
import { testCreditSettings } from '../support/credit.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a JSON document read field by field

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route the express application serves, as "METHOD /path/{param}". */
function expressRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        expect(layer.route.path, `a route path that is not a string under ${prefix}`).to.be.a('string');
        const path = `${prefix}${layer.route.path as string}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push(`${method.toUpperCase()} ${path}`);
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return out.sort();
}

function documentedRoutes(doc: Json): string[] {
  return Object.entries(doc.paths as Json)
    .flatMap(([path, item]) => Object.keys(item as Json).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

function operations(doc: Json): { label: string; path: string; op: Json }[] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([m]) => METHODS.includes(m))
      .map(([m, op]) => ({ label: `${m.toUpperCase()} ${path}`, path, op: op as Json })),
  );
}

/** Every schema in an operation: parameters, request bodies, answers and their headers. */
function schemasOf(op: Json): { where: string; schema: Json }[] {
  const out: { where: string; schema: Json }[] = [];
  for (const p of (op.parameters ?? []) as Json[]) out.push({ where: `${p.in} parameter ${p.name}`, schema: p.schema });
  for (const [type, c] of Object.entries((op.requestBody?.content ?? {}) as Json)) if (c.schema) out.push({ where: `request body ${type}`, schema: c.schema });
  for (const [status, r] of Object.entries(op.responses as Json)) {
    for (const [type, c] of Object.entries((r.content ?? {}) as Json)) if (c.schema) out.push({ where: `answer ${status} ${type}`, schema: c.schema });
    for (const [name, h] of Object.entries((r.headers ?? {}) as Json)) out.push({ where: `answer ${status} header ${name}`, schema: h.schema });
  }
  return out;
}

describe(`/openapi.json covers every route (${databaseKind()})`, function () {
  this.timeout(20000);
  let t: TestDb;
  let gw: RunningServer;
  let app: Express;
  let doc: Json;

  before(async function () {
    t = await sampleDatabase();
    const config: GatewayConfig = { ...DEFAULT_CONFIG, port: 0, requestLog: false };
    app = createApp(t.db, config, silentLogger, testCreditSettings());
    gw = await startServer(app, config);
    const res = await fetch(`${gw.url}/openapi.json`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    doc = (await res.json()) as Json;
  });
  after(async function () {
    await gw?.close();
    await t?.close();
  });

  it('is an OpenAPI 3.1 document with the 2020-12 dialect, the shared error schema and the security schemes', function () {
    expect(doc.openapi).to.equal('3.1.0');
    expect(doc.info).to.include.keys('title', 'version');
    expect(doc.jsonSchemaDialect).to.equal('https://json-schema.org/draft/2020-12/schema');
    expect(doc.components.schemas.Error).to.deep.equal(ERROR_SCHEMA);
    expect(doc.components.securitySchemes).to.have.keys('bearerKey', 'clientCertificate');
  });

  it('every route express serves is documented, and every documented route is served', function () {
    // The console's page routes serve files to a browser: they are not API operations.
    const all = expressRoutes(app);
    for (const r of CONSOLE_ROUTES) expect(all, r).to.include(r);
    const served = all.filter((r) => !(CONSOLE_ROUTES as readonly string[]).includes(r));
    const documented = documentedRoutes(doc);
    // The walk itself found the routes this test is about.
    for (const r of ['POST /v1/documents', 'GET /v1/documents/{id}/ack', 'GET /v1/reports/credit', 'POST /v1/credit/spends/{entryId}/reversal', 'POST /enroll-service/1.0/bulk-enroll-devices', 'GET /openapi.json']) {
      expect(served, r).to.include(r);
    }
    expect(served.filter((r) => !documented.includes(r)), 'served but not in /openapi.json').to.deep.equal([]);
    expect(documented.filter((r) => !served.includes(r)), 'in /openapi.json but not served').to.deep.equal([]);
    expect(new Set(served).size, 'a route registered twice').to.equal(served.length);
  });

  it('every operation: a unique operationId, a summary, a tag, roles or public, a success answer and the refusal default', function () {
    const ops = operations(doc);
    expect(ops.length).to.be.above(15);
    const ids = ops.map((o) => o.op.operationId as string);
    expect(ids.every((id) => typeof id === 'string' && /^[A-Za-z][A-Za-z0-9]*$/.test(id)), ids.join(', ')).to.equal(true);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i), 'duplicate operationIds').to.deep.equal([]);
    for (const { label, op } of ops) {
      expect(op.summary, label).to.be.a('string').that.is.not.empty;
      expect(op.tags, label).to.be.an('array').with.length(1);
      const statuses = Object.keys(op.responses);
      expect(statuses.some((s) => /^2\d\d$/.test(s)), `${label} has no success answer`).to.equal(true);
      expect(op.responses.default, `${label} has no default answer`).to.not.equal(undefined);
      for (const [status, r] of Object.entries(op.responses as Json)) expect(r.description, `${label} ${status}`).to.be.a('string').that.is.not.empty;
      if (Array.isArray(op.security) && op.security.length === 0) expect(op['x-roles'], label).to.equal(undefined);
      else expect(op['x-roles'], `${label} declares no roles`).to.be.an('array').that.is.not.empty;
    }
  });

  it('every path parameter of a template is declared, required, and no other', function () {
    for (const { label, path, op } of operations(doc)) {
      const inTemplate = [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]).sort();
      const declared = ((op.parameters ?? []) as Json[]).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name).sort(), label).to.deep.equal(inTemplate);
      for (const p of declared) expect(p.required, `${label} ${p.name}`).to.equal(true);
    }
  });

  it('every schema in the document compiles with strict ajv (2020-12), $refs resolved against the document', function () {
    // strictRequired off: `required` naming members a schema does not describe is valid
    // JSON Schema (the /openapi.json answer requires openapi and paths, and describes neither).
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
    for (const [name, schema] of Object.entries(doc.components.schemas as Json)) ajv.addSchema(schema as Json, `components-${name}`);
    const failures: string[] = [];
    let compiled = 0;
    for (const { label, op } of operations(doc)) {
      for (const { where, schema } of schemasOf(op)) {
        try {
          ajv.compile(JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\/([A-Za-z0-9_]+)"/g, '"components-$1"')) as Json);
          compiled++;
        } catch (err) {
          failures.push(`${label} ${where}: ${(err as Error).message}`);
        }
      }
    }
    expect(failures).to.deep.equal([]);
    expect(compiled).to.be.above(50);
  });

  it('the reseller API: its three calls, the handler\'s own request schemas (the same objects), the protocol\'s flat error as default', function () {
    const specs = resellerOpenApiRoutes(DEFAULT_CONFIG.limits);
    const bodies = Object.fromEntries(specs.map((s) => [s.path, s.body?.kind === 'json' ? s.body.schema : undefined]));
    expect(bodies['/bulk-enroll-devices']).to.equal(BULK_ENROLL_SCHEMA);
    expect(bodies['/check-transaction-status']).to.equal(CHECK_STATUS_SCHEMA);
    expect(bodies['/show-order-details']).to.equal(SHOW_ORDER_SCHEMA);
    const bulk = doc.paths['/enroll-service/1.0/bulk-enroll-devices'].post;
    expect(bulk.requestBody.content['application/json'].schema).to.deep.equal(BULK_ENROLL_SCHEMA);
    expect(bulk.responses.default.content['application/json'].schema).to.deep.equal(RESELLER_ERROR_SCHEMA);
    expect(bulk['x-roles']).to.deep.equal(['reseller']);
    expect(doc.paths['/enroll-service/1.0/show-order-details'].post.requestBody.content['application/json'].schema).to.deep.equal(SHOW_ORDER_SCHEMA);
    // The /v1 routes keep the shared error schema.
    expect(doc.paths['/v1/reports/credit'].get.responses.default.content['application/json'].schema).to.deep.equal({ $ref: '#/components/schemas/Error' });
  });

  it('the reseller API\'s flat error schema fits what the reseller API answers', async function () {
    const ajv = new Ajv2020({ strict: true });
    const flat = ajv.compile(RESELLER_ERROR_SCHEMA);
    const res = await fetch(`${gw.url}/enroll-service/1.0/show-order-details`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).to.equal(401);
    const body = (await res.json()) as Json;
    expect(flat(body), JSON.stringify(body)).to.equal(true);
    expect(body.errorCode).to.equal('GRX-50001');
  });
});
