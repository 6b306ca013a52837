// Exports: a CSV of the devices of one or more orders, or of every available device of an
// organisation, streamed (src/reports/device-export.ts) so that a million rows need no
// more memory than a thousand.
//
// Everything that can refuse the request (parameters, scope, the row limit) is decided
// before the first byte, and answers the JSON error schema. Once the CSV has started, a
// failure can no longer change the status: the response is destroyed, so the client sees
// a truncated transfer (no terminating chunk) rather than a CSV that looks complete, and
// the failure is logged with the request id.
import type { Response } from 'express';
import type { ApiRouter, JsonSchema } from '../api/route.js';
import type { ApiDeps } from '../api/deps.js';
import { scopeOf } from '../api/scope.js';
import { sendHttpError, type Principal } from '../principal.js';
import { renderMessage } from '../../../model/messages.js';
import { DEVICE_EXPORT_COLUMNS, countExportRows, resolveExportOrders, resolveExportOrg, writeDeviceExport, type DeviceExportSelection, type ExportResult, type ExportSink, type OrderRef } from '../../../reports/device-export.js';
import { EXPORT_LIMITS } from '../../../model/limits.js';

export const EXPORT_CONTENT_TYPE = 'text/csv; charset=utf-8';

/** "SUPPLIERID:ORDERNUMBER": a supplier id has no colon, so the first one splits. */
const ORDER_REF_SCHEMA: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9]{1,32}:[^\\u0000-\\u001f]{1,32}$', examples: ['16FCE4A0:ORD-1001'] };

/** What the route may change for a test; production uses EXPORT_LIMITS. */
export interface ExportRouteLimits {
  batchRows: number;
  maxRows: number;
}

function splitOrderRef(text: string): OrderRef {
  const colon = text.indexOf(':');
  return { supplierId: text.slice(0, colon), orderNumber: text.slice(colon + 1) };
}

/** A file name that needs no quoting rules: the parts are ids, reduced to safe characters. */
function fileName(selection: DeviceExportSelection, today: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  if (selection.kind === 'available') return `devices-available-${safe(selection.org.orgId)}-${today}.csv`;
  const first = selection.orders[0]!;
  const label = selection.orders.length === 1 ? `${safe(first.supplierId)}-${safe(first.orderNumber)}` : `${selection.orders.length}-orders`;
  return `devices-order-${label}-${today}.csv`;
}

/**
 * Writes to the response, waiting for 'drain' when its buffer is full. The headers go out
 * with the first piece (until then an error can still be answered as JSON). The signal is
 * aborted when the connection closes before the export ends: a wait ends with it.
 */
function responseSink(res: Response, signal: AbortSignal, headers: Record<string, string>): ExportSink {
  return {
    write(text: string): Promise<void> | void {
      if (signal.aborted) return;
      if (!res.headersSent) {
        res.status(200);
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      }
      if (res.write(text)) return;
      return new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        res.once('drain', done);
        signal.addEventListener('abort', done, { once: true });
      });
    },
  };
}

export function exportsRoutes(api: ApiRouter, deps: ApiDeps, limits: ExportRouteLimits = EXPORT_LIMITS): void {
  api.route(
    {
      method: 'get',
      path: '/exports/devices',
      operationId: 'exportDevices',
      summary: 'Export devices as CSV',
      description: [
        'A CSV (header row first) of the devices of the given orders (`order`, repeatable, up to',
        `${EXPORT_LIMITS.maxOrders}), or of every available device (enrolled or pending) of an organisation`,
        '(`available=true`; an operator names the organisation with `org`). Give exactly one of the two.',
        'An order export shows each device as its order does: enrolled or pending while the order holds it,',
        'else returned, removed, voided or released. A reseller exports its own orders; an organisation',
        "admin its own organisation's orders and devices. An order out of the caller's scope is answered",
        `like a missing one (404). At most ${EXPORT_LIMITS.maxRows.toLocaleString('en')} rows (GW-EXP-4220 before the first byte).`,
        'Streamed: a failure after the first byte ends the transfer without its terminating chunk.',
        `Columns: ${DEVICE_EXPORT_COLUMNS.join(', ')}.`,
      ].join(' '),
      tag: 'Exports',
      roles: ['operator', 'org_admin', 'reseller'],
      query: {
        order: {
          type: 'array',
          items: ORDER_REF_SCHEMA,
          minItems: 1,
          maxItems: EXPORT_LIMITS.maxOrders,
          description: 'An order, as SUPPLIERID:ORDERNUMBER; repeat the parameter for several.',
        },
        available: { type: 'boolean', enum: [true], description: 'true: every available (enrolled or pending) device of the organisation.' },
        org: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$', description: "With available=true: the organisation (operator: required; organisation admin: its own, the default)." },
      },
      responses: {
        200: {
          description: `The CSV. Columns: ${DEVICE_EXPORT_COLUMNS.join(', ')}.`,
          contentType: EXPORT_CONTENT_TYPE,
          schema: { type: 'string' },
          headers: {
            'Content-Disposition': { description: 'attachment; filename="devices-....csv"', schema: { type: 'string' } },
            'Cache-Control': { description: 'no-store', schema: { type: 'string' } },
          },
        },
      },
    },
    async ({ req, res, principal, query }) => {
      const started = process.hrtime.bigint();
      const gone = new AbortController();
      // 'close' follows 'finish' too; only a close before the end is a client gone.
      res.on('close', () => {
        if (!res.writableFinished) gone.abort();
      });
      const selection = await select(deps, res, principal, query);
      if (!selection) return;
      const count = await countExportRows(deps.db, selection, limits.maxRows);
      if (count > limits.maxRows) {
        return sendHttpError(res, 422, 'GW-EXP-4220', renderMessage({ code: 'GW-EXP-4220', params: { max: limits.maxRows } }));
      }
      const headers = {
        'Content-Type': EXPORT_CONTENT_TYPE,
        'Content-Disposition': `attachment; filename="${fileName(selection, new Date().toISOString().slice(0, 10))}"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      };
      // HEAD (express answers it with this GET route): the headers, without reading the rows.
      if (req.method === 'HEAD') {
        res.status(200).set(headers).end();
        return;
      }
      const progress: ExportResult = { rows: 0, bytes: 0, batches: 0, stopped: false };
      const fields = () => ({
        kind: selection.kind,
        rows: progress.rows,
        bytes: progress.bytes,
        ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      });
      try {
        await writeDeviceExport(deps.db, selection, responseSink(res, gone.signal, headers), {
          signal: gone.signal,
          batchRows: limits.batchRows,
          maxRows: limits.maxRows,
          progress,
        });
      } catch (err) {
        // Nothing sent yet: the shared error answer (GW-API-5000, logged by the app with
        // the request id) is still possible.
        if (!res.headersSent) throw err;
        deps.logger.log('error', 'device export failed', { requestId: res.locals.requestId, ...fields(), error: (err as Error).message });
        res.destroy();
        return;
      }
      api.log(res, progress.stopped ? 'device export stopped: the client closed the connection' : 'device export', fields());
      if (!progress.stopped) res.end();
    },
  );
}

/** The selection the request asks for, in the caller's scope; or undefined, answered. */
async function select(deps: ApiDeps, res: Response, principal: Principal, query: Record<string, unknown>): Promise<DeviceExportSelection | undefined> {
  const orders = query.order as string[] | undefined;
  const available = query.available === true;
  const orgId = query.org as string | undefined;
  if ((orders === undefined) === !available) {
    const detail = { in: 'query' as const, path: orders === undefined ? 'order' : 'available', message: 'give either order (one or more) or available=true, not both' };
    sendHttpError(res, 400, 'GW-API-4001', `The request is invalid: query "${detail.path}": ${detail.message}.`, [detail]);
    return undefined;
  }
  const scope = scopeOf(principal);

  if (orders !== undefined) {
    if (orgId !== undefined) {
      const detail = { in: 'query' as const, path: 'org', message: 'is for available=true; an order names its organisation' };
      sendHttpError(res, 400, 'GW-API-4001', `The request is invalid: query "org" ${detail.message}.`, [detail]);
      return undefined;
    }
    const found = await resolveExportOrders(deps.db, scope, orders.map(splitOrderRef));
    if ('missing' in found) {
      // Another reseller's or organisation's order is answered exactly like a missing one.
      const ref = `${found.missing.supplierId}:${found.missing.orderNumber}`;
      sendHttpError(res, 404, 'GW-EXP-4041', renderMessage({ code: 'GW-EXP-4041', params: { order: ref } }), [{ in: 'query', path: 'order', message: `no order ${ref}` }]);
      return undefined;
    }
    return { kind: 'orders', orders: found.orders };
  }

  if (principal.role === 'reseller') {
    sendHttpError(res, 403, 'GW-AUTH-403', "Exporting an organisation's available devices needs an operator or organisation admin key; a reseller exports its orders (order=SUPPLIERID:ORDERNUMBER).");
    return undefined;
  }
  const wanted = orgId ?? (principal.role === 'org_admin' ? principal.org.orgId : undefined);
  if (wanted === undefined) {
    const detail = { in: 'query' as const, path: 'org', message: 'is required with available=true for an operator key' };
    sendHttpError(res, 400, 'GW-API-4001', `The request is invalid: query "org" ${detail.message}.`, [detail]);
    return undefined;
  }
  const org = await resolveExportOrg(deps.db, scope, wanted);
  if (!org) {
    sendHttpError(res, 404, 'GW-EXP-4042', renderMessage({ code: 'GW-EXP-4042', params: { orgId: wanted } }), [{ in: 'query', path: 'org', message: `no organisation ${wanted}` }]);
    return undefined;
  }
  return { kind: 'available', org };
}
