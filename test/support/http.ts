// A gateway on an ephemeral loopback port, and a small client for the reseller API.
import type { Db } from '../../src/store/db.js';
import { sampleDatabase, type TestDb } from './db.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import { createApp } from '../../src/channels/http/app.js';
import { startServer, type RunningServer } from '../../src/channels/http/server.js';
import { silentLogger } from '../../src/log/logger.js';
import { testCreditSettings } from './credit.js';

export const KEY_A = 'gwk_sample_brightline_local_trial_only'; // reseller 16FCE4A0
export const KEY_B = 'gwk_sample_harbour_local_trial_only'; // reseller 2B7D9C10
export const RESELLER_A = '16FCE4A0';
export const RESELLER_B = '2B7D9C10';
export const SHIP_TO_A = '0000052010';
export const SHIP_TO_B = '0000061200';

export async function startGateway(db: Db, overrides: Partial<GatewayConfig> = {}): Promise<RunningServer> {
  const config: GatewayConfig = { ...DEFAULT_CONFIG, port: 0, requestLog: false, ...overrides };
  return startServer(createApp(db, config, silentLogger, testCreditSettings()), config);
}

/**
 * A fresh sample database with a gateway on it, for one describe block. Call it at the
 * top of the block: its hooks run before the block's own, so the fields are set by then.
 */
export function useSampleGateway(): { t: TestDb; url: string } {
  const g = {} as { t: TestDb; gw: RunningServer; url: string };
  before(async () => {
    g.t = await sampleDatabase();
    g.gw = await startGateway(g.t.db);
    g.url = g.gw.url;
  });
  after(async () => {
    await g.gw?.close();
    await g.t?.close();
  });
  return g;
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

export async function call(
  baseUrl: string,
  path: 'bulk-enroll-devices' | 'check-transaction-status' | 'show-order-details',
  body: unknown,
  opts: { key?: string | null; contentType?: string; raw?: string | Buffer } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/json' };
  const key = opts.key === undefined ? KEY_A : opts.key;
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${baseUrl}/enroll-service/1.0/${path}`, {
    method: 'POST',
    headers,
    body: opts.raw === undefined ? JSON.stringify(body) : typeof opts.raw === "string" ? opts.raw : new Uint8Array(opts.raw),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* left empty: tests assert on status and text */
  }
  return { status: res.status, body: parsed, text };
}

export function context(reseller = RESELLER_A, shipTo = SHIP_TO_A, langCode = 'en') {
  return { requestContext: { shipTo, timeZone: '420', langCode }, depResellerId: reseller };
}

export interface DeviceSpec {
  deviceId: string;
  assetTag?: string;
  deviceFamily?: string;
}

export function order(
  orderNumber: string,
  orderType: string,
  customerId: string,
  devices: (string | DeviceSpec)[] | null,
  extra: Record<string, unknown> = {},
) {
  return {
    orderNumber,
    orderDate: '2026-01-10T10:00:00Z',
    orderType,
    customerId,
    poNumber: 'PO-1',
    ...(devices === null
      ? {}
      : {
          deliveries: [
            {
              deliveryNumber: 'D1',
              shipDate: '2026-01-11T10:00:00Z',
              devices: devices.map((d) => (typeof d === 'string' ? { deviceId: d } : d)),
            },
          ],
        }),
    ...extra,
  };
}

export function bulk(transactionId: string, orders: unknown[], reseller = RESELLER_A, shipTo = SHIP_TO_A) {
  return { ...context(reseller, shipTo), transactionId, orders };
}
