// Resellers' documents and reseller-API transactions, with their errors and acks:
//   GET /v1/documents                      reseller (its own) | operator (all, ?supplier=)
//   GET /v1/transactions                   reseller (its own) | operator (all, ?supplier=)
//   GET /v1/transactions/{transactionId}   reseller (its own) | operator (?supplier= required)
// A reseller's scope is applied in SQL (src/query/reseller-data.ts); another reseller's
// transaction is answered exactly like a missing one. One document is read at
// GET /v1/documents/{id} (src/channels/http/documents.ts), which the list links to.
import type { Response } from 'express';
import type { Knex } from 'knex';
import type { ApiRouter, JsonSchema } from '../api/route.js';
import type { ApiDeps } from '../api/deps.js';
import { PAGE_PARAMS, cursorPk, pageSchema, sendPage } from '../api/cursor.js';
import { DAY_PARAMS, SUPPLIER_ID_SCHEMA, refuseFilter } from '../api/params.js';
import { isRefusal } from '../../../query/days.js';
import { scopeOf } from '../api/scope.js';
import { sendHttpError, type Principal } from '../principal.js';
import { transactionStatusAnswer } from '../reseller-api.js';
import { renderMessage } from '../../../model/messages.js';
import { findSupplier } from '../../../store/suppliers.js';
import {
  findTransaction,
  listDocuments,
  listTransactions,
  outcomeErrors,
  outcomeOrders,
} from '../../../query/reseller-data.js';
import { FIELD_LIMITS } from '../../../model/limits.js';

/**
 * The supplier a `supplier` parameter names, for the principal: a reseller may name only
 * itself (403 otherwise: its key reads nothing else); the operator may name any supplier
 * that exists (404 for one that does not). Null when a refusal was answered.
 */
async function supplierFilter(db: Knex, res: Response, principal: Principal, supplierId: string | undefined, what: string): Promise<{ pk: number; supplierId: string } | undefined | null> {
  if (principal.role === 'reseller') {
    if (supplierId !== undefined && supplierId !== principal.supplier.supplierId) {
      sendHttpError(res, 403, 'GW-AUTH-403', `A reseller key reads only its own ${what} (${principal.supplier.supplierId}): give no supplier, or your own.`);
      return null;
    }
    return { pk: principal.supplier.pk, supplierId: principal.supplier.supplierId };
  }
  if (supplierId === undefined) return undefined;
  const found = await findSupplier(db, supplierId);
  if (!found) {
    sendHttpError(res, 404, 'GW-ADM-NOT-FOUND', `No supplier ${supplierId}.`, [{ in: 'query', path: 'supplier', message: 'names no supplier' }]);
    return null;
  }
  return { pk: found.pk, supplierId: found.supplierId };
}

// ---------------------------------------------------------------------------------------
// Schemas of the answers

const STRING_OR_NULL: JsonSchema = { type: ['string', 'null'] };

const DOCUMENT_STATUSES = ['processing', 'applied', 'applied_with_errors', 'awaiting_order', 'rejected', 'duplicate'];
const CHANNELS = ['http', 'sftp', 'cli', 'reseller-api'];

const DOCUMENT_ITEM: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['documentId', 'supplierId', 'channel', 'fileName', 'format', 'mappingId', 'status', 'receivedAt', 'processedAt', 'summary', 'errorCount', 'links'],
  properties: {
    documentId: { type: 'string', examples: ['doc_0b7c1e52-4f4e-4a57-9d3e-5d1f7e1b2a10'] },
    supplierId: { type: 'string' },
    channel: { enum: CHANNELS },
    fileName: { type: 'string' },
    format: { type: 'string', examples: ['csv', 'xml', 'x12', 'json'] },
    mappingId: STRING_OR_NULL,
    status: { enum: DOCUMENT_STATUSES },
    receivedAt: { type: 'string' },
    processedAt: STRING_OR_NULL,
    summary: {
      type: 'object',
      description: 'What the document held: purchase orders, ship notices, devices (enrolled, refused, awaiting their order).',
      properties: {
        purchaseOrders: { type: 'integer' },
        shipNotices: { type: 'integer' },
        devices: { type: 'integer' },
        devicesEnrolled: { type: 'integer' },
        devicesRefused: { type: 'integer' },
        devicesAwaiting: { type: 'integer' },
      },
      additionalProperties: { type: 'integer' },
    },
    errorCount: { type: 'integer', minimum: 0, description: 'Document-level errors recorded; GET links.self lists them.' },
    links: {
      type: 'object',
      additionalProperties: false,
      required: ['self', 'ack'],
      properties: { self: { type: 'string' }, ack: { type: 'string' } },
    },
  },
};

const TRANSACTION_STATUSES = ['COMPLETE', 'COMPLETE_WITH_ERRORS', 'ERROR'];

const TRANSACTION_FIELDS: Record<string, JsonSchema> = {
  transactionId: { type: 'string', description: "The reseller's own transaction id (unique per reseller)." },
  enrollmentId: { type: 'string', description: 'The deviceEnrollmentTransactionId the gateway answered.' },
  supplierId: { type: 'string' },
  statusCode: { type: 'string', examples: TRANSACTION_STATUSES },
  receivedAt: { type: 'string' },
  completedAt: { type: 'string' },
  orderCount: { type: 'integer', minimum: 0 },
  errorCount: { type: 'integer', minimum: 0, description: 'Coded errors in the outcome: orders, deliveries and devices.' },
};

const TRANSACTION_ITEM: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: [...Object.keys(TRANSACTION_FIELDS), 'links'],
  properties: {
    ...TRANSACTION_FIELDS,
    links: { type: 'object', additionalProperties: false, required: ['self'], properties: { self: { type: 'string' } } },
  },
};

function wireStatus(prefix: string): Record<string, JsonSchema> {
  return { [`${prefix}PostStatus`]: { type: 'string' }, [`${prefix}PostStatusMessage`]: { type: 'string' } };
}

/** The reseller API's check-transaction-status answer (spec/dep-reseller-api.md). */
const ACK_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'What check-transaction-status answers for this transaction, as the reseller API sends it.',
  additionalProperties: false,
  required: ['deviceEnrollmentTransactionID', 'transactionId', 'completedOn', 'statusCode', 'orders'],
  properties: {
    deviceEnrollmentTransactionID: { type: 'string' },
    transactionId: { type: 'string' },
    completedOn: { type: 'string' },
    statusCode: { type: 'string' },
    orders: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['orderNumber', 'orderPostStatus', 'deliveries'],
        properties: {
          orderNumber: { type: 'string' },
          ...wireStatus('order'),
          deliveries: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['deliveryNumber', 'deliveryPostStatus', 'devices'],
              properties: {
                deliveryNumber: { type: 'string' },
                ...wireStatus('delivery'),
                devices: {
                  type: 'array',
                  items: {
                    type: 'object',
                    additionalProperties: false,
                    required: ['deviceId', 'devicePostStatus'],
                    properties: { deviceId: { type: 'string' }, ...wireStatus('device') },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const TRANSACTION_DETAIL: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: [...Object.keys(TRANSACTION_FIELDS), 'orders', 'errors', 'ack', 'links'],
  properties: {
    ...TRANSACTION_FIELDS,
    orders: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['orderNumber', 'status', 'deliveries', 'devices', 'devicesRefused'],
        properties: {
          orderNumber: { type: 'string' },
          status: { type: 'string' },
          deliveries: { type: 'integer', minimum: 0 },
          devices: { type: 'integer', minimum: 0 },
          devicesRefused: { type: 'integer', minimum: 0 },
        },
      },
    },
    errors: {
      type: 'array',
      description: 'Every coded error, with the order, delivery and device it concerns (null where it concerns a whole order or delivery).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['orderNumber', 'deliveryNumber', 'deviceId', 'code', 'message'],
        properties: {
          orderNumber: { type: 'string' },
          deliveryNumber: STRING_OR_NULL,
          deviceId: STRING_OR_NULL,
          code: { type: 'string', examples: ['DEP-ERR-DE-4301'] },
          message: { type: 'string' },
        },
      },
    },
    ack: ACK_SCHEMA,
    links: { type: 'object', additionalProperties: false, required: ['self'], properties: { self: { type: 'string' } } },
  },
};

function transactionLink(supplierId: string, transactionId: string, principal: Principal): string {
  const path = `/v1/transactions/${encodeURIComponent(transactionId)}`;
  // The operator names the reseller: transaction ids are unique per reseller only.
  return principal.role === 'operator' ? `${path}?supplier=${supplierId}` : path;
}

const LANG_PARAM: JsonSchema = { type: 'string', pattern: '^[a-zA-Z]{2}$', default: 'en', description: 'Language of the error messages (as langCode in the reseller API).' };

export function resellerDataRoutes(api: ApiRouter, deps: ApiDeps): void {
  const { db } = deps;

  api.route(
    {
      method: 'get',
      path: '/documents',
      operationId: 'listDocuments',
      summary: 'List received documents',
      description: 'Documents received on every channel (HTTP upload, SFTP, CLI), newest first, with their status and counts. A reseller sees its own; the operator every supplier\'s, or one with `supplier`.',
      tag: 'Resellers',
      roles: ['reseller', 'operator'],
      query: {
        ...PAGE_PARAMS,
        supplier: { ...SUPPLIER_ID_SCHEMA, description: "Only this supplier's documents (a reseller may name only itself)." },
        status: { enum: DOCUMENT_STATUSES },
        format: { type: 'string', pattern: '^[a-z0-9-]{1,16}$', examples: ['csv', 'xml', 'x12', 'json', 'reseller-api'] },
        channel: { enum: CHANNELS },
        ...DAY_PARAMS,
      },
      responses: { 200: { description: 'A page of documents, newest first.', schema: pageSchema(DOCUMENT_ITEM) } },
    },
    async ({ res, principal, query }) => {
      const q = query as { limit: number; cursor?: string; supplier?: string; status?: string; format?: string; channel?: string; from?: string; to?: string };
      const supplier = await supplierFilter(db, res, principal, q.supplier, 'documents');
      if (supplier === null) return;
      const filters = { supplier: q.supplier ?? null, status: q.status ?? null, format: q.format ?? null, channel: q.channel ?? null, from: q.from ?? null, to: q.to ?? null };
      const before = cursorPk(res, 'documents', filters, q.cursor);
      if (before === null) return;
      const rows = await listDocuments(
        db,
        scopeOf(principal),
        {
          ...(supplier ? { supplierPk: supplier.pk } : {}),
          ...(q.status !== undefined ? { status: q.status } : {}),
          ...(q.format !== undefined ? { format: q.format } : {}),
          ...(q.channel !== undefined ? { channel: q.channel } : {}),
          ...(q.from !== undefined ? { from: q.from } : {}),
          ...(q.to !== undefined ? { to: q.to } : {}),
        },
        { limit: q.limit, ...(before !== undefined ? { beforePk: before } : {}) },
      );
      if (isRefusal(rows)) return refuseFilter(res, rows);
      sendPage(res, rows, q.limit, 'documents', filters, (d) => ({
        documentId: d.documentId,
        supplierId: d.supplierId,
        channel: d.channel,
        fileName: d.fileName,
        format: d.format,
        mappingId: d.mappingId,
        status: d.status,
        receivedAt: d.receivedAt,
        processedAt: d.processedAt,
        summary: d.summary,
        errorCount: d.errorCount,
        links: { self: `/v1/documents/${d.documentId}`, ack: `/v1/documents/${d.documentId}/ack` },
      }));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/transactions',
      operationId: 'listTransactions',
      summary: 'List reseller-API transactions',
      description: 'Transactions posted with bulk-enroll-devices, newest first, with their status and the number of orders and errors. A reseller sees its own; the operator every reseller\'s, or one with `supplier`.',
      tag: 'Resellers',
      roles: ['reseller', 'operator'],
      query: {
        ...PAGE_PARAMS,
        supplier: { ...SUPPLIER_ID_SCHEMA, description: "Only this reseller's transactions (a reseller may name only itself)." },
        statusCode: { enum: TRANSACTION_STATUSES },
        ...DAY_PARAMS,
      },
      responses: { 200: { description: 'A page of transactions, newest first.', schema: pageSchema(TRANSACTION_ITEM) } },
    },
    async ({ res, principal, query }) => {
      const q = query as { limit: number; cursor?: string; supplier?: string; statusCode?: string; from?: string; to?: string };
      const supplier = await supplierFilter(db, res, principal, q.supplier, 'transactions');
      if (supplier === null) return;
      const filters = { supplier: q.supplier ?? null, statusCode: q.statusCode ?? null, from: q.from ?? null, to: q.to ?? null };
      const before = cursorPk(res, 'transactions', filters, q.cursor);
      if (before === null) return;
      const rows = await listTransactions(
        db,
        scopeOf(principal),
        {
          ...(supplier ? { supplierPk: supplier.pk } : {}),
          ...(q.statusCode !== undefined ? { statusCode: q.statusCode } : {}),
          ...(q.from !== undefined ? { from: q.from } : {}),
          ...(q.to !== undefined ? { to: q.to } : {}),
        },
        { limit: q.limit, ...(before !== undefined ? { beforePk: before } : {}) },
      );
      if (isRefusal(rows)) return refuseFilter(res, rows);
      sendPage(res, rows, q.limit, 'transactions', filters, (t) => ({
        transactionId: t.transactionId,
        enrollmentId: t.enrollmentId,
        supplierId: t.supplierId,
        statusCode: t.statusCode,
        receivedAt: t.receivedAt,
        completedAt: t.completedAt,
        orderCount: t.orderCount,
        errorCount: t.errorCount,
        links: { self: transactionLink(t.supplierId, t.transactionId, principal) },
      }));
    },
  );

  api.route(
    {
      method: 'get',
      path: '/transactions/{transactionId}',
      operationId: 'getTransaction',
      summary: 'Read one reseller-API transaction',
      description:
        "The transaction with its outcome: per order, the deliveries and devices and every coded error, and the ack (the check-transaction-status answer). Another reseller's transaction is answered 404, like a missing one. The operator names the reseller with `supplier`: transaction ids are unique per reseller.",
      tag: 'Resellers',
      roles: ['reseller', 'operator'],
      params: { transactionId: { type: 'string', minLength: 1, maxLength: FIELD_LIMITS.transactionIdChars } },
      query: {
        supplier: { ...SUPPLIER_ID_SCHEMA, description: 'The reseller whose transaction it is: required with an operator key.' },
        lang: LANG_PARAM,
      },
      responses: { 200: { description: 'The transaction and its outcome.', schema: TRANSACTION_DETAIL } },
    },
    async ({ res, principal, params, query }) => {
      const q = query as { supplier?: string; lang: string };
      const transactionId = params.transactionId!;
      if (principal.role === 'operator' && q.supplier === undefined) {
        return refuseFilter(res, { field: 'supplier', message: 'is required with an operator key: transaction ids are unique per reseller' });
      }
      const supplier = await supplierFilter(db, res, principal, q.supplier, 'transactions');
      if (supplier === null) return;
      const stored = supplier ? await findTransaction(db, scopeOf(principal), supplier.pk, transactionId) : undefined;
      if (!stored || !supplier) {
        return sendHttpError(res, 404, 'GW-RSL-4041', `No transaction ${JSON.stringify(transactionId)}${principal.role === 'operator' ? ` of reseller ${supplier?.supplierId ?? ''}` : ''}.`);
      }
      const lang = q.lang.toLowerCase();
      const errors = outcomeErrors(stored.outcome);
      res.json({
        transactionId: stored.transactionId,
        enrollmentId: stored.enrollmentId,
        supplierId: supplier.supplierId,
        statusCode: stored.outcome.statusCode,
        receivedAt: stored.receivedAt,
        completedAt: stored.completedAt,
        orderCount: stored.outcome.orders.length,
        errorCount: errors.length,
        orders: outcomeOrders(stored.outcome),
        errors: errors.map((e) => ({ orderNumber: e.orderNumber, deliveryNumber: e.deliveryNumber, deviceId: e.deviceId, code: e.error.code, message: renderMessage(e.error, lang) })),
        ack: transactionStatusAnswer(stored, lang),
        links: { self: transactionLink(supplier.supplierId, stored.transactionId, principal) },
      });
    },
  );
}
