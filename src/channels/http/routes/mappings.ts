// Partner mappings in the running gateway:
//   GET  /v1/mappings          operator (every mapping), reseller (its own and the shared ones)
//   POST /v1/mappings/reload   operator: read the mapping folders again, without a restart
//   POST /v1/mappings/test     reseller (as itself), operator (?partner=): a file read
//                              through a mapping, nothing applied (intake/mapping-test.ts)
// A reload replaces the set in place for every channel and intake worker; a set that does
// not load (a mapping that fails its checks) is refused with the problem named, and the
// set in use stays. SIGHUP does the same reload (cli-serve.ts).
import type { Request } from 'express';
import type { ApiRouter, JsonSchema } from '../api/route.js';
import type { ApiDeps } from '../api/deps.js';
import { sendHttpError } from '../principal.js';
import { BUILTIN_MAPPINGS_DIR, MappingError, mappingSetVersion, reloadMappings, type Mapping } from '../../../mapping/mapping.js';
import { testMapping } from '../../../intake/mapping-test.js';
import { DOCUMENT_API_LIMITS, MAPPING_TEST_LIMITS } from '../../../model/limits.js';
import { discardRestOfBody } from '../spool.js';
import { SUPPLIER_ID_SCHEMA } from '../api/params.js';
import type { CodedError } from '../../../model/error-codes.js';
import { renderMessage } from '../../../model/messages.js';

const MAPPING_VIEW: JsonSchema = {
  type: 'object',
  required: ['id', 'format', 'partners', 'sha256'],
  properties: {
    id: { type: 'string' },
    description: { type: 'string' },
    format: { type: 'string' },
    partners: { type: 'array', items: { type: 'string' } },
    sha256: { type: ['string', 'null'], description: "SHA-256 of the mapping file's bytes: every document records the one that read it." },
  },
};

const MAPPING_SET: JsonSchema = {
  type: 'object',
  required: ['version', 'loadedAt', 'items'],
  properties: {
    version: { type: 'string', description: 'A hash of every mapping id and content hash: changes when any mapping does.' },
    loadedAt: { type: 'string' },
    items: { type: 'array', items: MAPPING_VIEW },
  },
};

const MAPPING_TEST_RESULT: JsonSchema = {
  type: 'object',
  required: ['applied', 'readable', 'fileName', 'mapping', 'counts', 'documents', 'documentsLeftOff', 'errors', 'notChecked'],
  properties: {
    applied: { const: false },
    readable: { type: 'boolean', description: 'No reading error stops the file: intake would go on to its database checks.' },
    fileName: { type: 'string' },
    mapping: { type: ['object', 'null'] },
    counts: { type: 'object' },
    documents: { type: 'array', items: { type: 'object' }, description: `The canonical orders and ship notices read, the first ${MAPPING_TEST_LIMITS.documentsShown}.` },
    documentsLeftOff: { type: 'integer' },
    errors: { type: 'array', items: { type: 'object' } },
    notChecked: { type: 'string' },
  },
};

function view(m: Mapping) {
  return { id: m.id, ...(m.description ? { description: m.description } : {}), format: m.format, partners: m.partners, sha256: m.sha256 ?? null };
}

/**
 * The request's body, up to `max` bytes; undefined when it is longer. Leaving the loop
 * keeps the request open (destroyOnReturn false), so that the 413 can be read before the
 * rest of the body is dropped (discardRestOfBody).
 */
async function bodyUpTo(req: Request, max: number): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return undefined;
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

export function mappingRoutes(api: ApiRouter, deps: ApiDeps): void {
  const { mappings, config } = deps;
  let loadedAt = new Date().toISOString();

  api.route(
    {
      method: 'get',
      path: '/mappings',
      operationId: 'listMappings',
      summary: 'The mappings in use',
      description: "Each mapping's id, format, partners and content hash, and the set's version. A reseller sees its own mappings and the shared ones.",
      tag: 'Documents',
      roles: ['operator', 'reseller'],
      responses: { 200: { description: 'The set in use.', schema: MAPPING_SET } },
    },
    async ({ res, principal }) => {
      const visible = [...mappings.values()].filter((m) => principal.role !== 'reseller' || m.partners.includes(principal.supplier.supplierId) || m.partners.includes('*'));
      res.json({ version: mappingSetVersion(mappings), loadedAt, items: visible.map(view) });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/mappings/reload',
      operationId: 'reloadMappings',
      summary: 'Reload the mappings',
      description:
        'Reads the mapping folders again: the next document is read with the new set, by every channel. A mapping that fails its checks refuses the reload (422 GW-MAP-6210, naming the file and key) and the set in use stays.',
      tag: 'Operator',
      roles: ['operator'],
      responses: {
        200: {
          description: 'Reloaded: the new version, and which mappings were added, changed or removed.',
          schema: { type: 'object', required: ['version', 'previousVersion', 'added', 'changed', 'removed'], properties: { version: { type: 'string' }, previousVersion: { type: 'string' }, added: { type: 'array' }, changed: { type: 'array' }, removed: { type: 'array' } } },
        },
      },
    },
    async ({ res }) => {
      try {
        const reload = reloadMappings(mappings, [BUILTIN_MAPPINGS_DIR, ...config.mappingDirs]);
        loadedAt = new Date().toISOString();
        api.log(res, 'mappings reloaded', { ...reload });
        res.json(reload);
      } catch (err) {
        if (!(err instanceof MappingError)) throw err;
        const refusal: CodedError = { code: 'GW-MAP-6210', params: { version: mappingSetVersion(mappings), detail: err.message } };
        sendHttpError(res, 422, refusal.code, renderMessage(refusal));
      }
    },
  );

  api.route(
    {
      method: 'post',
      path: '/mappings/test',
      operationId: 'testMapping',
      summary: 'Read a file through a mapping, applying nothing',
      description:
        'The file as it would be received: the mapping intake would choose (or the one named), the canonical orders and ship notices it reads, and every error, with nothing written. ' +
        `An operator names the partner (?partner=). At most ${MAPPING_TEST_LIMITS.httpFileBytes} bytes (413 GW-DOC-6002): test larger files with \`mapping test\` on the host.`,
      tag: 'Documents',
      roles: ['reseller', 'operator'],
      query: { partner: SUPPLIER_ID_SCHEMA, mapping: { type: 'string', minLength: 1, maxLength: 64 }, name: { type: 'string', minLength: 1, maxLength: 200 } },
      body: { kind: 'stream', contentTypes: ['text/csv', 'application/xml', 'text/xml', 'application/json', 'application/edi-x12', 'text/plain', 'application/octet-stream'], description: 'The file as it is.', maxBytes: MAPPING_TEST_LIMITS.httpFileBytes },
      responses: { 200: { description: 'What reading found (readable says whether intake would go on).', schema: MAPPING_TEST_RESULT } },
    },
    async ({ req, res, principal, query }) => {
      const partnerId = principal.role === 'reseller' ? principal.supplier.supplierId : (query.partner as string | undefined);
      if (partnerId === undefined) return sendHttpError(res, 400, 'GW-API-4001', 'Name the partner whose file this is: ?partner=ID.');
      if (principal.role === 'reseller' && query.partner !== undefined && query.partner !== partnerId) {
        return sendHttpError(res, 403, 'GW-AUTH-403', 'A reseller tests its own files only: leave out ?partner=.');
      }
      const max = MAPPING_TEST_LIMITS.httpFileBytes;
      const tooLarge = () => {
        // Answered before the body is read whole: the rest is read and dropped, bounded, as for an upload.
        discardRestOfBody(req, { lingerMs: DOCUMENT_API_LIMITS.refusedUploadLingerMs, lingerBytes: DOCUMENT_API_LIMITS.refusedUploadLingerBytes });
        sendHttpError(res, 413, 'GW-DOC-6002', `The file is too large to test over HTTP: at most ${max} bytes. Use \`mapping test\` on the gateway's host.`);
      };
      const declared = Number(req.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > max) return tooLarge();
      const bytes = await bodyUpTo(req, max);
      if (!bytes) return tooLarge();
      const result = await testMapping(mappings, {
        partnerId,
        fileName: (query.name as string | undefined) ?? 'test-file',
        source: { bytes },
        ...(query.mapping ? { mappingId: query.mapping as string } : {}),
        limits: config.intake,
      });
      res.json(result);
    },
  );
}
