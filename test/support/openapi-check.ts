// Checks requests and answers against the gateway's own /openapi.json: the path and
// method are declared, the path and query parameters and the JSON body satisfy their
// schemas, the answer's status is declared (or is a refusal with the error schema), its
// content type is the declared one, and its JSON body satisfies the declared schema.
// Which operations were exercised is recorded, so a test can demand all of them.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import type { ApiAnswer } from './api.js';

type Json = Record<string, unknown>;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  op: Json;
}

export interface Exchange {
  method: string;
  /** The path with its query string, as sent. */
  url: string;
  /** The JSON body sent, if any. */
  body?: unknown;
  /** False for a body that is not JSON (a CSV upload): not checked against a schema. */
  jsonBody?: boolean;
  answer: ApiAnswer;
}

export class OpenApiChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly paramAjv = new Ajv2020({ strict: false, allErrors: true, coerceTypes: 'array' });
  private readonly operations: Operation[] = [];
  private readonly compiled = new Map<Json, ValidateFunction>();
  readonly exercised = new Set<string>();

  constructor(readonly doc: Json) {
    this.ajv.addSchema({ $id: 'doc', components: (doc as { components: Json }).components });
    const paths = doc.paths as Record<string, Record<string, Json>>;
    for (const [template, methods] of Object.entries(paths)) {
      const names: string[] = [];
      const pattern = new RegExp(
        '^' +
          template
            .split(/(\{[A-Za-z0-9_]+\})/)
            .map((part) => {
              const m = /^\{([A-Za-z0-9_]+)\}$/.exec(part);
              if (!m) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
              names.push(m[1]!);
              return '([^/]+)';
            })
            .join('') +
          '$',
      );
      for (const [method, op] of Object.entries(methods)) this.operations.push({ method: method.toUpperCase(), template, pattern, names, op });
    }
  }

  get operationIds(): string[] {
    return this.operations.map((o) => String(o.op.operationId));
  }

  private validator(schema: Json, coerce = false): ValidateFunction {
    const cached = this.compiled.get(schema);
    if (cached) return cached;
    // $refs in the document point at #/components/...: resolve them against the document.
    const rewritten = JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"doc#/components/')) as Json;
    const v = (coerce ? this.paramAjv : this.ajv).compile(rewritten);
    this.compiled.set(schema, v);
    return v;
  }

  private find(method: string, path: string): Operation | undefined {
    // A literal path wins over a template (/v1/devices/assignments over /v1/devices/{serial}).
    const candidates = this.operations.filter((o) => o.method === method && o.pattern.test(path));
    return candidates.find((o) => o.names.length === 0) ?? candidates.sort((a, b) => a.names.length - b.names.length)[0];
  }

  /** The problems found in one exchange; empty when it conforms. */
  problems(x: Exchange): string[] {
    const out: string[] = [];
    const [path, queryString = ''] = x.url.split('?', 2) as [string, string?];
    const found = this.find(x.method, path);
    if (!found) return [`${x.method} ${path} is not in /openapi.json`];
    const id = String(found.op.operationId);
    this.exercised.add(id);
    const label = `${id} (${x.method} ${x.url.slice(0, 120)}) -> ${x.answer.status}`;
    // Problems of the request itself: drift when the gateway accepted it (2xx) although the
    // document says it is invalid; a refused request (4xx) may well be invalid on purpose.
    const req: string[] = [];
    const params = (found.op.parameters ?? []) as { name: string; in: string; required?: boolean; schema: Json }[];

    // The request: path parameters, query parameters, body.
    const match = found.pattern.exec(path)!;
    found.names.forEach((name, i) => {
      const p = params.find((q) => q.in === 'path' && q.name === name);
      if (!p) return req.push(`${label}: path parameter ${name} is not declared`);
      const holder = { v: decodeURIComponent(match[i + 1]!) };
      if (!this.validator({ type: 'object', properties: { v: p.schema } }, true)(holder)) req.push(`${label}: path parameter ${name} does not fit its schema`);
    });
    const query = new URLSearchParams(queryString);
    for (const name of new Set(query.keys())) {
      const p = params.find((q) => q.in === 'query' && q.name === name);
      if (!p) {
        req.push(`${label}: query parameter ${name} is not declared`);
        continue;
      }
      const values = query.getAll(name);
      const holder = { v: values.length === 1 ? values[0] : values };
      if (!this.validator({ type: 'object', properties: { v: p.schema } }, true)(holder)) req.push(`${label}: query parameter ${name}=${values.join(',')} does not fit its schema (the request was meant to be valid)`);
    }
    const requestBody = found.op.requestBody as { content?: Record<string, { schema?: Json }> } | undefined;
    if (x.body !== undefined) {
      if (!requestBody) req.push(`${label}: a body was sent but the operation declares none`);
      else if (x.jsonBody !== false) {
        const schema = requestBody.content?.['application/json']?.schema;
        if (!schema) req.push(`${label}: a JSON body was sent but the operation declares no application/json body`);
        else if (!this.validator(schema)(x.body)) req.push(`${label}: the request body does not fit its schema`);
      }
    }

    if (x.answer.status < 400) out.push(...req);
    // The answer.
    const responses = found.op.responses as Record<string, { content?: Record<string, { schema?: Json }> }>;
    const declared = responses[String(x.answer.status)] ?? (x.answer.status >= 400 ? responses.default : undefined);
    if (!declared) return [...out, `${label}: status ${x.answer.status} is not declared`];
    const type = (x.answer.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const contents = declared.content ?? {};
    const entry = Object.entries(contents).find(([t]) => t.split(';')[0]!.trim() === type);
    if (Object.keys(contents).length > 0 && !entry) {
      out.push(`${label}: content type ${type || '(none)'} is not one of ${Object.keys(contents).join(', ')}`);
    } else if (entry?.[1].schema && type === 'application/json') {
      const v = this.validator(entry[1].schema);
      if (!v(x.answer.body)) out.push(`${label}: the answer does not fit its schema: ${this.ajv.errorsText(v.errors, { separator: '; ' }).slice(0, 400)}`);
    }
    return out;
  }
}
