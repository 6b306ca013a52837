// A reseller's side of the HTTP benchmarks: a gateway served on a fresh, seeded target with
// an API key for reseller 16FCE4A0, and the calls of the reseller API (bulk-enroll-devices,
// check-transaction-status) as the protocol (shared/spec/dep-reseller-api.md) has them.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { join } from 'node:path';
import { ORGANISATIONS, RESELLER_ID, RESELLER_SHIP_TO, orgId, writeSeed } from './generate.js';
import { httpRequest, keptAliveAgent, ServedChild, type Answer } from './support.js';
import { prepare, type Target } from './targets.js';

const API_BASE = '/enroll-service/1.0';
const REQUEST_CONTEXT = { shipTo: RESELLER_SHIP_TO, timeZone: '420', langCode: 'en' };

/** The gateway serving `target`, seeded with the benchmark's organisations and a reseller key. */
export interface Served {
  gateway: ServedChild;
  /** Reseller 16FCE4A0's key. */
  key: string;
}

/** Migrates and seeds `target` (not timed) and starts `serve` on it. */
export async function serveSeeded(target: Target, workDir: string, name: string): Promise<Served> {
  // A key of this run only: nothing fixed is ever a credential.
  const key = `gwk_bench_${randomBytes(16).toString('hex')}`;
  const seedDir = join(workDir, `seed-${name}`);
  writeSeed(seedDir, key);
  prepare(target, seedDir);
  return { gateway: await ServedChild.gateway(target.env), key };
}

/** One order of `serials` for one of the benchmark's organisations, in one transaction. */
export function bulkEnrollBody(transactionId: string, orderNumber: string, organisation: number, serials: readonly string[]): string {
  return JSON.stringify({
    requestContext: REQUEST_CONTEXT,
    transactionId,
    depResellerId: RESELLER_ID,
    orders: [
      {
        orderNumber,
        orderDate: '2026-11-02T10:00:00Z',
        orderType: 'OR',
        customerId: orgId(organisation % ORGANISATIONS),
        poNumber: `PO-${orderNumber}`,
        deliveries: [{ deliveryNumber: 'D1', shipDate: '2026-11-03T10:00:00Z', devices: serials.map((deviceId) => ({ deviceId })) }],
      },
    ],
  });
}

/** What a bulk-enroll answer says: the enrollment id when it was accepted, else why not. */
export type Enrolled = { ok: true; enrollmentId: string; ms: number } | { ok: false; error: string; ms: number };

/** A reseller's client: calls on kept-alive connections, at most `maxSockets` at once. */
export class ResellerClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
    maxSockets = Infinity,
  ) {
    this.agent = keptAliveAgent(maxSockets);
  }

  close(): void {
    this.agent.destroy();
  }

  private post(call: string, body: string): Promise<Answer> {
    return httpRequest(`${this.baseUrl}${API_BASE}/${call}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.key}` },
      body,
      agent: this.agent,
    });
  }

  async bulkEnroll(body: string): Promise<Enrolled> {
    const started = performance.now();
    try {
      const a = await this.post('bulk-enroll-devices', body);
      const parsed = JSON.parse(a.body) as { deviceEnrollmentTransactionId?: string; enrollDevicesResponse?: { statusCode?: string } };
      if (a.status === 200 && parsed.enrollDevicesResponse?.statusCode === 'SUCCESS' && parsed.deviceEnrollmentTransactionId) {
        return { ok: true, enrollmentId: parsed.deviceEnrollmentTransactionId, ms: a.ms };
      }
      return { ok: false, error: `HTTP ${a.status}: ${a.body.slice(0, 300)}`, ms: a.ms };
    } catch (err) {
      return { ok: false, error: (err as Error).message, ms: performance.now() - started };
    }
  }

  /** check-transaction-status, as sent: the answer is read by `completeDevices`. */
  checkStatus(enrollmentId: string): Promise<Answer> {
    return this.post('check-transaction-status', JSON.stringify({ requestContext: REQUEST_CONTEXT, depResellerId: RESELLER_ID, deviceEnrollmentTransactionId: enrollmentId }));
  }

  /** The transaction's devices, when it is COMPLETE and each of them is; else what is wrong. */
  async completeDevices(enrollmentId: string): Promise<{ devices: number } | { error: string }> {
    const a = await this.checkStatus(enrollmentId);
    return readComplete(a);
  }
}

/** Reads a check-transaction-status answer: every device COMPLETE, or what is wrong. */
export function readComplete(a: Answer): { devices: number } | { error: string } {
  if (a.status !== 200) return { error: `HTTP ${a.status}: ${a.body.slice(0, 300)}` };
  const parsed = JSON.parse(a.body) as {
    statusCode?: string;
    orders?: { deliveries?: { devices?: { devicePostStatus?: string }[] }[] }[];
  };
  const devices = (parsed.orders ?? []).flatMap((o) => (o.deliveries ?? []).flatMap((d) => d.devices ?? []));
  const notComplete = devices.filter((d) => d.devicePostStatus !== 'COMPLETE').length;
  if (parsed.statusCode !== 'COMPLETE' || notComplete > 0) {
    return { error: `statusCode ${parsed.statusCode}, ${notComplete} of ${devices.length} devices not COMPLETE` };
  }
  return { devices: devices.length };
}
