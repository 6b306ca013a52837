// JSON shapes of the reseller API's requests: types only. Presence and length rules
// have their own protocol codes (src/domain/order-fields.ts); a wrong JSON type is GRX-5004.
// Unknown fields are tolerated: existing clients send extras, and refusing them would
// break wire compatibility.
const str = { type: 'string' } as const;

const requestContext = {
  type: 'object',
  properties: { shipTo: str, timeZone: str, langCode: str },
} as const;

const device = {
  type: 'object',
  properties: { deviceId: str, assetTag: str, deviceFamily: str },
} as const;

const delivery = {
  type: 'object',
  properties: { deliveryNumber: str, shipDate: str, devices: { type: 'array', items: device } },
} as const;

const order = {
  type: 'object',
  properties: {
    orderNumber: str,
    orderDate: str,
    orderType: str,
    customerId: str,
    poNumber: str,
    deliveries: { type: 'array', items: delivery },
  },
} as const;

const context = { requestContext, depResellerId: str } as const;

export const BULK_ENROLL_SCHEMA = {
  type: 'object',
  properties: { ...context, transactionId: str, orders: { type: 'array', items: order } },
} as const;

export const CHECK_STATUS_SCHEMA = {
  type: 'object',
  properties: { ...context, deviceEnrollmentTransactionId: str },
} as const;

export const SHOW_ORDER_SCHEMA = {
  type: 'object',
  properties: { ...context, orderNumbers: { type: 'array', items: str } },
} as const;
