// Prometheus metrics of this process, served at /metrics in the text format 0.0.4:
//   gateway_documents_received_total{channel,format,status}  every received document's outcome
//   gateway_documents_failed_total{channel,format}           the rejected ones among them
//   gateway_devices_enrolled_total{channel}                  devices newly enrolled by this process
//   gateway_devices{state}                                   devices on file, read at scrape time
//   gateway_devices_query_failures_total                     scrapes whose device count failed
//   gateway_http_request_duration_seconds{method,route,status}
//   gateway_process_*, gateway_nodejs_*                      prom-client's process metrics
//
// Counters belong to the process (Prometheus adds them up across gateways and restarts);
// the device gauge belongs to the database, so every gateway on one database reports the
// same figures (aggregate it with max, not sum).
//
// Every label value comes from a closed set or is capped: a label fed by client input
// (a raw path, an unknown method) would grow one series per request until the process
// runs out of memory, and Prometheus with it.
import type { Knex } from 'knex';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRICS_LIMITS } from '../model/limits.js';
import { deviceCountsByState } from '../store/device-queries.js';

export interface GatewayMetrics {
  /** One answered HTTP request: route is the declared pattern (/v1/orders/{supplierId}/{orderNumber}), never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** One received document's outcome (after its transaction committed); a rejected one also counts as failed. */
  documentReceived(channel: string, format: string, status: string): void;
  /** Devices that an intake run newly enrolled, counted once its transaction committed. */
  devicesEnrolled(channel: string, count: number): void;
  /** The text exposition of every metric, with those read from the database at scrape time. */
  render(db: Knex): Promise<{ contentType: string; body: string }>;
}

/** Channels of the intake pipeline: the reseller API's requests are received documents too. */
export const METRIC_CHANNELS = ['http', 'sftp', 'cli', 'reseller-api'] as const;
/** Formats a document can be recorded with (MAPPING_FORMATS, and unknown when no mapping read it). */
export const METRIC_FORMATS = ['csv', 'xml', 'cxml', 'x12', 'json', 'reseller-api', 'unknown'] as const;
/** The intake pipeline's document statuses (src/intake/types.ts DocumentStatus). */
export const METRIC_DOCUMENT_STATUSES = ['applied', 'applied_with_errors', 'awaiting_order', 'rejected', 'duplicate'] as const;
/** Device states (src/domain/state.ts DeviceState): each is reported, 0 when none. */
export const METRIC_DEVICE_STATES = ['enrolled', 'pending', 'returned', 'voided', 'released'] as const;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Distinct route labels kept; routes are declared in code, so more means a bug feeding raw paths. */
/** Longest route label kept (longer ones are reported as "other"). */
/**
 * Request latency buckets, in seconds: API reads answer in milliseconds; uploads, the
 * reseller API's large transactions and CSV exports take seconds to minutes.
 */
export const REQUEST_DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

const OTHER = 'other';

function oneOf<T extends string>(value: string, allowed: readonly T[]): T | typeof OTHER {
  return (allowed as readonly string[]).includes(value) ? (value as T) : OTHER;
}

/** Express's ":name" as the OpenAPI document writes it, "{name}": one spelling for dashboards and /openapi.json. */
export function openApiPattern(route: string): string {
  return route.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

export class PrometheusGatewayMetrics implements GatewayMetrics {
  readonly registry = new Registry();
  private processMetricsStarted = false;
  private readonly routeLabels = new Set<string>();
  /** One device count in flight at a time: concurrent scrapes share it instead of each scanning the table. */
  private deviceCount: Promise<Map<string, number>> | null = null;

  private readonly received = new Counter({
    name: 'gateway_documents_received_total',
    help: 'Documents received, by channel, format and outcome (reseller API transactions as channel reseller-api, format json).',
    labelNames: ['channel', 'format', 'status'] as const,
    registers: [this.registry],
  });
  private readonly failed = new Counter({
    name: 'gateway_documents_failed_total',
    help: 'Documents received and rejected (nothing applied), by channel and format.',
    labelNames: ['channel', 'format'] as const,
    registers: [this.registry],
  });
  private readonly enrolled = new Counter({
    name: 'gateway_devices_enrolled_total',
    help: 'Devices newly enrolled by this process (committed), by channel; devices that were enrolled already, or are pending, are not counted.',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  private readonly devices = new Gauge({
    name: 'gateway_devices',
    help: 'Devices on file by state, read from the database at scrape time (the same for every gateway on one database).',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  private readonly deviceQueryFailures = new Counter({
    name: 'gateway_devices_query_failures_total',
    help: 'Scrapes whose device count could not be read from the database (gateway_devices is left out of those scrapes).',
    registers: [this.registry],
  });
  private readonly requests = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP requests answered, by method, declared route pattern and status, and how long each took.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: REQUEST_DURATION_BUCKETS_SECONDS,
    registers: [this.registry],
  });

  constructor() {
    // Every series a dashboard expects starts at 0: a counter that appears only at its
    // first increment loses that increment to rate() and increase().
    for (const channel of METRIC_CHANNELS) {
      const formats = channel === 'reseller-api' ? (['json'] as const) : METRIC_FORMATS;
      for (const format of formats) {
        for (const status of METRIC_DOCUMENT_STATUSES) this.received.inc({ channel, format, status }, 0);
        this.failed.inc({ channel, format }, 0);
      }
      this.enrolled.inc({ channel }, 0);
    }
  }

  /**
   * Process metrics (CPU, memory, event-loop lag, GC, handles), prefixed gateway_. Once per
   * process: prom-client refuses a second registration of the same names. Not at import,
   * so that one-shot commands (ingest, migrate) start no collectors.
   */
  startProcessMetrics(): void {
    if (this.processMetricsStarted) return;
    this.processMetricsStarted = true;
    collectDefaultMetrics({ register: this.registry, prefix: 'gateway_' });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return; // a clock step backwards: drop, do not corrupt the sum
    const statusLabel = Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : OTHER;
    this.requests.observe({ method: oneOf(method.toUpperCase(), METHODS), route: this.routeLabel(route), status: statusLabel }, seconds);
  }

  documentReceived(channel: string, format: string, status: string): void {
    const labels = { channel: oneOf(channel, METRIC_CHANNELS), format: oneOf(format, METRIC_FORMATS) };
    this.received.inc({ ...labels, status: oneOf(status, METRIC_DOCUMENT_STATUSES) });
    if (status === 'rejected') this.failed.inc(labels);
  }

  devicesEnrolled(channel: string, count: number): void {
    if (!Number.isInteger(count) || count < 0) throw new Error(`invariant: devices enrolled must be a whole number >= 0, got ${count}`);
    if (count === 0) return;
    this.enrolled.inc({ channel: oneOf(channel, METRIC_CHANNELS) }, count);
  }

  async render(db: Knex): Promise<{ contentType: string; body: string }> {
    this.startProcessMetrics();
    try {
      const counts = await this.countDevices(db);
      // Set after the await, all at once: a concurrent scrape never sees half a set.
      this.devices.reset();
      for (const state of METRIC_DEVICE_STATES) this.devices.set({ state }, counts.get(state) ?? 0);
      for (const [state, n] of counts) if (!(METRIC_DEVICE_STATES as readonly string[]).includes(state)) this.devices.set({ state: OTHER }, n);
    } catch {
      // The other metrics still answer (a scrape that fails whole hides the process
      // metrics exactly when they matter); the missing gauge and this counter say why.
      this.devices.reset();
      this.deviceQueryFailures.inc();
    }
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * One statement over devices: a count of them all (SQLite keeps it cheap; PostgreSQL
   * scans an index) and a GROUP BY over the devices that are not enrolled (the partial
   * devices(org_pk, state) index). Paid once per scrape, never per request: with scrapes
   * every 15 s or more it stays a small share of the database's time even at millions of
   * devices (11 ms for a million on SQLite). Concurrent scrapes share one query.
   */
  private countDevices(db: Knex): Promise<Map<string, number>> {
    this.deviceCount ??= (async () => {
      try {
        return await deviceCountsByState(db);
      } finally {
        this.deviceCount = null;
      }
    })();
    return this.deviceCount;
  }

  private routeLabel(route: string): string {
    if (route.length === 0 || route.length > METRICS_LIMITS.maxRouteLabelChars) return OTHER;
    const label = openApiPattern(route);
    if (this.routeLabels.has(label)) return label;
    if (this.routeLabels.size >= METRICS_LIMITS.maxRouteLabels) return OTHER;
    this.routeLabels.add(label);
    return label;
  }
}

/** The process's metrics: one registry, shared by every app and channel in it. */
export const gatewayMetrics = new PrometheusGatewayMetrics();
