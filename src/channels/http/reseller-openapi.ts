// The reseller API (/enroll-service/1.0/...) in the OpenAPI document. Its handlers stay in
// reseller-api.ts, wire-compatible with the protocol resellers' clients already speak
// (../shared/spec/dep-reseller-api.md); these entries only describe them. The request
// schemas ARE the objects model/reseller-schemas.ts exports and the handler's ajv compiles, so
// the document cannot drift from what is checked. The answers are the protocol's own:
// a call's result, a call's error envelope ({enrollDeviceErrorResponse: one error or an
// array}), or, for the caller, the content type, the JSON and the request context, the
// flat error {errorCode, errorMessage, transactionId?} at top level.
import type { JsonSchema, RouteSpec } from './api/route.js';
import { BULK_ENROLL_SCHEMA, CHECK_STATUS_SCHEMA, SHOW_ORDER_SCHEMA } from '../../model/reseller-schemas.js';

/** What the reseller API's description states; the settings the handlers run with (config.limits). */
export interface ResellerApiLimits {
  maxBodyBytes: number;
  maxOrdersPerTransaction: number;
  maxDevicesPerTransaction: number;
  maxOrderNumbersPerShowRequest: number;
}

const str: JsonSchema = { type: 'string' };
const code: JsonSchema = { type: 'string', description: 'A code of the protocol (DEP-ERR-*, GRX-*) or of the gateway (GW-*).' };
/** Timestamps the protocol writes: UTC, whole seconds, "2019-09-05T00:31:21Z". */
const UTC_SECONDS: JsonSchema = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' };

const WIRE_ERROR: JsonSchema = {
  type: 'object',
  required: ['errorCode', 'errorMessage'],
  additionalProperties: false,
  properties: { errorCode: code, errorMessage: { type: 'string', description: "In the request's langCode where translated; English otherwise." } },
};

/**
 * The protocol's flat error, at top level: authentication, content type, JSON, types and
 * the request context (Ship-To, reseller id, time zone, language); transactionId when the
 * request carried one. Also the answer of an unknown route and of a server error.
 */
export const RESELLER_ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['errorCode', 'errorMessage'],
  additionalProperties: false,
  properties: {
    errorCode: code,
    errorMessage: { type: 'string', description: "In the request's langCode where translated; English otherwise." },
    transactionId: { type: 'string', description: "The request's transactionId, when it carried one." },
  },
};

/** A call's own error envelope: {<name>: one error, or an array of several}. */
function envelope(name: string): JsonSchema {
  return {
    type: 'object',
    required: [name],
    additionalProperties: false,
    properties: { [name]: { oneOf: [WIRE_ERROR, { type: 'array', minItems: 1, items: WIRE_ERROR }] } },
  };
}

/** A refusal of a call: its own envelope (the call's rules) or the flat error (the caller, the JSON, the context). */
function refusal(name: string, description: string) {
  return { description, schema: { oneOf: [envelope(name), RESELLER_ERROR_SCHEMA] } };
}

const postStatus = (what: string): JsonSchema => ({
  type: 'string',
  description: `COMPLETE, ERROR, POSTED_WITH_ERRORS, or the code of the ${what}'s own error (with ${what}PostStatusMessage).`,
});

const TRANSACTION_STATUS: JsonSchema = {
  type: 'object',
  required: ['deviceEnrollmentTransactionID', 'transactionId', 'completedOn', 'statusCode', 'orders'],
  additionalProperties: false,
  properties: {
    deviceEnrollmentTransactionID: { type: 'string', description: 'Note the capital ID, as the protocol writes it in this answer.' },
    transactionId: str,
    completedOn: UTC_SECONDS,
    statusCode: { enum: ['COMPLETE', 'COMPLETE_WITH_ERRORS', 'ERROR'] },
    orders: {
      type: 'array',
      items: {
        type: 'object',
        required: ['orderNumber', 'orderPostStatus', 'deliveries'],
        additionalProperties: false,
        properties: {
          orderNumber: str,
          orderPostStatus: postStatus('order'),
          orderPostStatusMessage: str,
          deliveries: {
            type: 'array',
            items: {
              type: 'object',
              required: ['deliveryNumber', 'deliveryPostStatus', 'devices'],
              additionalProperties: false,
              properties: {
                deliveryNumber: str,
                deliveryPostStatus: postStatus('delivery'),
                deliveryPostStatusMessage: str,
                devices: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['deviceId', 'devicePostStatus'],
                    additionalProperties: false,
                    properties: {
                      deviceId: str,
                      devicePostStatus: { type: 'string', description: 'COMPLETE, or a DEP-ERR-DE-* (or GW-DE-*) code with devicePostStatusMessage.' },
                      devicePostStatusMessage: str,
                    },
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

const SHOWN_ORDER: JsonSchema = {
  type: 'object',
  required: ['orderNumber', 'orderDate', 'orderType', 'customerId', 'deliveries'],
  additionalProperties: false,
  properties: {
    orderNumber: str,
    orderDate: str,
    orderType: { type: 'string', description: 'The last order type applied: OR, RE, VD or OV.' },
    customerId: str,
    poNumber: str,
    deliveries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['deliveryNumber', 'shipDate', 'devices'],
        additionalProperties: false,
        properties: {
          deliveryNumber: str,
          shipDate: str,
          devices: {
            type: 'array',
            description: 'The current devices: live ones of a sale, returned ones of a return; none for a voided order.',
            items: { type: 'object', required: ['deviceId'], additionalProperties: false, properties: { deviceId: str, assetTag: str } },
          },
        },
      },
    },
  },
};

const ORDER_NOT_SHOWN: JsonSchema = {
  type: 'object',
  required: ['orderNumber', 'showOrderStatusCode', 'showOrderStatusMessage'],
  additionalProperties: false,
  properties: { orderNumber: str, showOrderStatusCode: code, showOrderStatusMessage: str },
};

const ORDER_DETAILS: JsonSchema = {
  type: 'object',
  required: ['statusCode', 'respondedOn', 'orders'],
  additionalProperties: false,
  properties: {
    statusCode: { enum: ['COMPLETE', 'COMPLETE_WITH_ERRORS', 'ERROR'], description: 'COMPLETE: every order shown; ERROR: none; otherwise COMPLETE_WITH_ERRORS.' },
    respondedOn: UTC_SECONDS,
    orders: { type: 'array', items: { oneOf: [SHOWN_ORDER, ORDER_NOT_SHOWN] } },
  },
};

const CONTEXT = 'Every call carries requestContext {shipTo, timeZone, langCode} and depResellerId; unknown fields are tolerated, and a field sent as null is absent. A JSON type that does not match is GRX-5004; a key given twice in one object is GRX-1000.';

/** The reseller API's three calls, as mounted on /enroll-service/1.0 (documentation only: reseller-api.ts handles them). */
export function resellerOpenApiRoutes(limits: ResellerApiLimits): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/bulk-enroll-devices',
      operationId: 'bulkEnrollDevices',
      summary: 'Posting a transaction of orders and their deliveries',
      description:
        `A reseller transaction (OR sale, RE return, VD void, OV override): at most ${limits.maxOrdersPerTransaction} orders and ${limits.maxDevicesPerTransaction} devices. ` +
        'Accepted means it passed validation; check-transaction-status tells what each order, delivery and device became. ' +
        `The same transactionId with another body: 409 GW-TX-3010. ${CONTEXT}`,
      tag: 'Reseller API',
      roles: ['reseller'],
      body: { kind: 'json', schema: BULK_ENROLL_SCHEMA, maxBytes: limits.maxBodyBytes },
      responses: {
        200: {
          description: 'Accepted.',
          schema: {
            type: 'object',
            required: ['deviceEnrollmentTransactionId', 'enrollDevicesResponse'],
            additionalProperties: false,
            properties: {
              deviceEnrollmentTransactionId: { type: 'string', pattern: '^[0-9a-f-]{36}_\\d+$', description: 'A UUID, an underscore and epoch milliseconds.' },
              enrollDevicesResponse: {
                type: 'object',
                required: ['statusCode', 'statusMessage'],
                additionalProperties: false,
                properties: { statusCode: { const: 'SUCCESS' }, statusMessage: str },
              },
            },
          },
        },
        400: refusal('enrollDeviceErrorResponse', 'Refused: the transaction\'s fields (DEP-ERR-3xxx, DEP-ERR-OR-*, DEP-ERR-DL-*) in the call\'s envelope, or the request (GRX-*) flat.'),
        409: refusal('enrollDeviceErrorResponse', 'The transactionId was used before with another body (GW-TX-3010).'),
      },
    },
    {
      method: 'post',
      path: '/check-transaction-status',
      operationId: 'checkTransactionStatus',
      summary: 'What a posted transaction did',
      description: `Per order, delivery and device, what the transaction did. Another reseller's transaction is answered as an unknown one (DEP-ERR-4004). ${CONTEXT}`,
      tag: 'Reseller API',
      roles: ['reseller'],
      body: { kind: 'json', schema: CHECK_STATUS_SCHEMA, maxBytes: limits.maxBodyBytes },
      responses: {
        200: { description: 'The transaction\'s outcome.', schema: TRANSACTION_STATUS },
        400: refusal('checkTransactionErrorResponse', 'Refused: the id is missing, too long or unknown (DEP-ERR-400x) in the call\'s envelope, or the request (GRX-*) flat.'),
      },
    },
    {
      method: 'post',
      path: '/show-order-details',
      operationId: 'showOrderDetails',
      summary: 'The current state of orders',
      description: `At most ${limits.maxOrderNumbersPerShowRequest} order numbers; each order as it stands after later returns, voids and overrides, or why it cannot be shown (DEP-ERR-5002). ${CONTEXT}`,
      tag: 'Reseller API',
      roles: ['reseller'],
      body: { kind: 'json', schema: SHOW_ORDER_SCHEMA, maxBytes: limits.maxBodyBytes },
      responses: {
        200: { description: 'The orders, in the order asked.', schema: ORDER_DETAILS },
        400: refusal('showOrderErrorResponse', 'Refused: no order number (DEP-ERR-5001) or too many (GW-TX-3012) in the call\'s envelope, or the request (GRX-*) flat.'),
      },
    },
  ];
}
