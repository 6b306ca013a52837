// Prometheus metrics of this process. (Placeholder: filled in by the metrics work.)
import type { Knex } from 'knex';

export interface GatewayMetrics {
  /** One answered HTTP request: route is the declared pattern (/v1/orders/{supplierId}/{orderNumber}), never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** The text exposition of every metric, with those read from the database at scrape time. */
  render(db: Knex): Promise<{ contentType: string; body: string }>;
}

export const gatewayMetrics: GatewayMetrics = {
  observeRequest() {},
  async render() {
    return { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '' };
  },
};
