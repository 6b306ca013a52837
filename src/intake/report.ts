// The JSON report of a document in the reseller API's shape (check-transaction-status):
// orders, their deliveries and devices, each with its post status and coded error.
import type { Knex } from 'knex';
import type { Mapping } from '../mapping/mapping.js';
import type { DocumentRow } from '../store/documents.js';
import { outcomeRows } from './outcomes.js';
import type { DocumentSummary } from '../model/documents.js';

interface DeviceReport {
  deviceId: string;
  devicePostStatus: string;
  errorCode?: string;
  errorMessage?: string;
}
interface DeliveryReport {
  deliveryNumber: string;
  deliveryPostStatus: string;
  devices: DeviceReport[];
}
interface OrderReport {
  orderNumber: string;
  orderPostStatus: string;
  errorCode?: string;
  errorMessage?: string;
  deliveries: DeliveryReport[];
}

export interface JsonReport {
  documentId: string;
  status: string;
  fileName: string;
  receivedAt: string;
  summary: DocumentSummary;
  errors: unknown[];
  orders: OrderReport[];
}

/** Bounded by the document's JSON size limit, since JSON documents are the ones reported so. */
export async function buildJsonReport(db: Knex, doc: DocumentRow, mapping: Mapping): Promise<JsonReport> {
  const orders = new Map<string, OrderReport>();
  for await (const r of outcomeRows(db, doc, mapping)) {
    if (r.kind === 'document') continue;
    let order = orders.get(r.orderNumber);
    if (!order) {
      order = { orderNumber: r.orderNumber, orderPostStatus: 'COMPLETE', deliveries: [] };
      orders.set(r.orderNumber, order);
    }
    if (r.kind === 'purchaseOrder') {
      order.orderPostStatus = r.status === 'REJECTED' ? 'ERROR' : 'COMPLETE';
      if (r.code) Object.assign(order, { errorCode: r.code, errorMessage: r.message });
      continue;
    }
    let delivery = order.deliveries.find((d) => d.deliveryNumber === r.deliveryNumber);
    if (!delivery) {
      delivery = { deliveryNumber: r.deliveryNumber, deliveryPostStatus: 'COMPLETE', devices: [] };
      order.deliveries.push(delivery);
    }
    const ok = r.status === 'ENROLLED' || r.status === 'PENDING';
    delivery.devices.push({ deviceId: r.serial, devicePostStatus: ok ? 'COMPLETE' : r.status, ...(r.code ? { errorCode: r.code, errorMessage: r.message } : {}) });
    if (!ok) delivery.deliveryPostStatus = 'POSTED_WITH_ERRORS';
    if (r.status === 'AWAITING_ORDER') delivery.deliveryPostStatus = 'AWAITING_ORDER';
  }
  return {
    documentId: doc.document_id,
    status: doc.status,
    fileName: doc.file_name,
    receivedAt: doc.received_at,
    summary: JSON.parse(doc.summary_json) as DocumentSummary,
    errors: JSON.parse(doc.errors_json) as unknown[],
    orders: [...orders.values()],
  };
}
