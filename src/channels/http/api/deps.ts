// What the query API's routes are given: the database, the settings, intake, the logger.
import type { Knex } from 'knex';
import type { GatewayConfig } from '../../../config.js';
import type { CreditSettings } from '../../../credit/ledger.js';
import type { Logger } from '../../../log/logger.js';
import type { Mapping } from '../../../mapping/mapping.js';
import type { Intake } from '../../../intake/service.js';

export interface ApiDeps {
  db: Knex;
  config: GatewayConfig;
  credit: CreditSettings;
  mappings: Map<string, Mapping>;
  /** Where documents and reseller-API requests are received: under `serve`, intake processes. */
  intake: Intake;
  logger: Logger;
}
