// The orders of the query API:
//   GET /orders                                 search, newest first (operator, reseller, organisation admin)
//   GET /orders/{supplierId}/{orderNumber}      one order, its deliveries and a page of its devices
// Each caller reads within its scope (src/model/reads.ts): the operator every order, a
// reseller the orders it sent, an organisation admin its organisation's orders. Filters
// only narrow the scope; an organisation admin naming another organisation (org=) is 403
// (api/scope.ts), and an order outside the scope is 404 exactly as a missing one is.
//
// Codes of these routes (messages in src/model/error-codes.ts):
//   GW-OR-4140 (404) an order that is missing or outside the caller's scope.
import type { ApiRouter, JsonSchema } from '../api/route.js';
import type { ApiDeps } from '../api/deps.js';
import { PAGE_PARAMS, cursorKey, encodeCursor, givenFilters, pageSchema, refuseCursor } from '../api/cursor.js';
import { DAY_SCHEMA, ORDER_NUMBER_SCHEMA, ORG_ID_SCHEMA, SUPPLIER_ID_SCHEMA, refuseParam } from '../api/params.js';
import { refusedOtherOrganisation, scopeOf } from '../api/scope.js';
import { sendHttpError } from '../principal.js';
import { isCalendarDay } from '../../../query/days.js';
import { ORDER_TYPES } from '../../../model/state.js';
import { renderMessage } from '../../../model/messages.js';
import { findOrder, listOrders, orderDevices, ORDER_DEVICE_STATUSES, type OrderFilters, type OrderSummary } from '../../../query/orders.js';
import { API_LIMITS } from '../../../model/limits.js';

const NULLABLE_STRING: JsonSchema = { type: ['string', 'null'] };

export function orderLink(supplierId: string, orderNumber: string): string {
  return `/v1/orders/${encodeURIComponent(supplierId)}/${encodeURIComponent(orderNumber)}`;
}

// ---- schemas ---------------------------------------------------------------------------

const ORDER_FIELDS: Record<string, JsonSchema> = {
  supplierId: { type: 'string' },
  orderNumber: { type: 'string' },
  orgId: { type: 'string', description: 'The organisation the order is for.' },
  kind: { enum: ['sale', 'return'] },
  lastType: { enum: [...ORDER_TYPES], description: 'The type of the last order applied to this order number.' },
  status: { enum: ['open', 'voided'] },
  orderDate: { type: 'string', description: 'As the order gave it (YYYY-MM-DDThh:mm:ssZ).' },
  poNumber: NULLABLE_STRING,
  customerId: { type: 'string', description: 'As the order named the customer: an organisation id, or an Apple customer number.' },
  deviceCount: { type: 'integer', minimum: 0, description: 'Devices the order ever named, whatever became of them.' },
  deliveryCount: { type: 'integer', minimum: 0 },
  links: { type: 'object', required: ['self'], additionalProperties: false, properties: { self: { type: 'string' } } },
};

const ORDER_SUMMARY_SCHEMA: JsonSchema = {
  type: 'object',
  required: Object.keys(ORDER_FIELDS),
  additionalProperties: false,
  properties: ORDER_FIELDS,
};

const ORDER_DEVICE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['serial', 'deliveryNumber', 'assetTag', 'family', 'server', 'status'],
  additionalProperties: false,
  properties: {
    serial: { type: 'string' },
    deliveryNumber: { type: 'string' },
    assetTag: NULLABLE_STRING,
    family: NULLABLE_STRING,
    server: { type: ['string', 'null'], description: 'The device-management server of a device the order holds now; null once it left the order.' },
    status: {
      enum: [...ORDER_DEVICE_STATUSES],
      description:
        'enrolled; pending (see pendingReason); returned (by an RE order); voided (by a VD order); released (by its organisation); removed (by an OV order).',
    },
    pendingReason: { type: 'string', description: 'Why a pending device waits, with its code (GW-OR-4120: the organisation has not added the reseller).' },
  },
};

const ORDER_DETAIL_SCHEMA: JsonSchema = {
  type: 'object',
  required: [...Object.keys(ORDER_FIELDS), 'deliveries', 'devices'],
  additionalProperties: false,
  properties: {
    ...ORDER_FIELDS,
    deliveries: {
      type: 'array',
      maxItems: API_LIMITS.deliveriesListed,
      description: `The first ${API_LIMITS.deliveriesListed} deliveries; deliveryCount says how many there are.`,
      items: {
        type: 'object',
        required: ['deliveryNumber', 'shipDate'],
        additionalProperties: false,
        properties: { deliveryNumber: { type: 'string' }, shipDate: { type: 'string' } },
      },
    },
    devices: { ...pageSchema(ORDER_DEVICE_SCHEMA), description: 'A page of the order\'s devices by serial; limit and cursor page through them.' },
  },
};

function summaryView(o: OrderSummary) {
  return {
    supplierId: o.supplierId,
    orderNumber: o.orderNumber,
    orgId: o.orgId,
    kind: o.kind,
    lastType: o.lastType,
    status: o.status,
    orderDate: o.orderDate,
    poNumber: o.poNumber,
    customerId: o.customerId,
    deviceCount: o.deviceCount,
    deliveryCount: o.deliveryCount,
    links: { self: orderLink(o.supplierId, o.orderNumber) },
  };
}

// ---- routes ----------------------------------------------------------------------------

export function ordersRoutes(api: ApiRouter, deps: ApiDeps): void {
  api.route(
    {
      method: 'get',
      path: '/orders',
      operationId: 'listOrders',
      summary: 'Search orders',
      description:
        'Orders in the caller\'s scope, newest first: the operator sees every order, a reseller those it sent, an organisation admin those of its organisation. Filters narrow the scope and never widen it; an organisation admin naming another organisation (org) is 403.',
      tag: 'Orders',
      roles: ['operator', 'reseller', 'org_admin'],
      query: {
        orderNumber: ORDER_NUMBER_SCHEMA,
        poNumber: { type: 'string', minLength: 1, maxLength: 100 },
        supplier: SUPPLIER_ID_SCHEMA,
        org: ORG_ID_SCHEMA,
        from: { ...DAY_SCHEMA, description: 'Order date on or after this day (YYYY-MM-DD).' },
        to: { ...DAY_SCHEMA, description: 'Order date on or before this day (YYYY-MM-DD).' },
        status: { enum: ['open', 'voided'] },
        kind: { enum: ['sale', 'return'] },
        ...PAGE_PARAMS,
      },
      responses: { 200: { description: 'A page of orders.', schema: pageSchema(ORDER_SUMMARY_SCHEMA) } },
    },
    async ({ res, principal, query }) => {
      for (const name of ['from', 'to'] as const) {
        const day = query[name];
        if (typeof day === 'string' && !isCalendarDay(day)) return refuseParam(res, { in: 'query', path: name, message: 'is not a calendar day (YYYY-MM-DD)' });
      }
      if (typeof query.from === 'string' && typeof query.to === 'string' && query.to < query.from) {
        return refuseParam(res, { in: 'query', path: 'to', message: 'is before from' });
      }
      if (refusedOtherOrganisation(res, principal, query.org, 'org')) return;
      const filters = givenFilters<OrderFilters>({
        orderNumber: query.orderNumber as string | undefined,
        poNumber: query.poNumber as string | undefined,
        supplierId: query.supplier as string | undefined,
        orgId: query.org as string | undefined,
        fromDate: query.from as string | undefined,
        toDate: query.to as string | undefined,
        status: query.status as OrderFilters['status'],
        kind: query.kind as OrderFilters['kind'],
      });
      const key = cursorKey('orders', filters, query.cursor, ['number']);
      if (key === 'invalid') return refuseCursor(res);
      const limit = query.limit as number;
      const page = await listOrders(deps.db, scopeOf(principal), filters, { limit, ...(key ? { afterPk: key[0] as number } : {}) });
      const last = page.items[page.items.length - 1];
      res.json({
        items: page.items.map(summaryView),
        nextCursor: page.more && last ? encodeCursor('orders', filters, [last.pk]) : null,
      });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/orders/{supplierId}/{orderNumber}',
      operationId: 'getOrder',
      summary: 'One order with its deliveries and devices',
      description:
        'The order, its deliveries and a page of its devices (by serial; limit and cursor page through them), each with what became of it in this order. An order outside the caller\'s scope is answered 404, as a missing one is.',
      tag: 'Orders',
      roles: ['operator', 'reseller', 'org_admin'],
      params: { supplierId: SUPPLIER_ID_SCHEMA, orderNumber: ORDER_NUMBER_SCHEMA },
      query: { ...PAGE_PARAMS },
      responses: { 200: { description: 'The order.', schema: ORDER_DETAIL_SCHEMA } },
    },
    async ({ res, principal, params, query }) => {
      const supplierId = params.supplierId!;
      const orderNumber = params.orderNumber!;
      const filters = { supplierId, orderNumber };
      const key = cursorKey('order-devices', filters, query.cursor, ['string']);
      if (key === 'invalid') return refuseCursor(res);
      const order = await findOrder(deps.db, scopeOf(principal), supplierId, orderNumber);
      if (!order) return sendHttpError(res, 404, 'GW-OR-4140', renderMessage({ code: 'GW-OR-4140', params: { supplierId, orderNumber } }));
      const limit = query.limit as number;
      const devices = await orderDevices(deps.db, order, { limit, ...(key ? { afterSerial: key[0] as string } : {}) });
      const last = devices.items[devices.items.length - 1];
      // The device-management server is the organisation's own setting: not shown to the reseller.
      const items = principal.role === 'reseller' ? devices.items.map((d) => ({ ...d, server: null })) : devices.items;
      res.json({
        ...summaryView(order),
        deliveries: order.deliveries,
        devices: {
          items,
          nextCursor: devices.more && last ? encodeCursor('order-devices', filters, [last.serial]) : null,
        },
      });
    },
  );
}
