// What the query API's routes are given: the database, the settings, intake, the logger.
import type { Knex } from 'knex';
import type { GatewayConfig } from '../../../config.js';
import type { CreditSettings } from '../../../credit/ledger.js';
import type { Logger } from '../../../log/logger.js';
import type { Mapping } from '../../../mapping/mapping.js';
import type { IntakeDeps } from '../../../intake/receive.js';

export interface ApiDeps {
  db: Knex;
  config: GatewayConfig;
  credit: CreditSettings;
  mappings: Map<string, Mapping>;
  /** Everything intake needs: documents and reseller-API requests go through it. */
  intake: IntakeDeps;
  logger: Logger;
}
