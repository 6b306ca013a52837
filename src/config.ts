// Configuration: defaults, then an optional JSON file (GATEWAY_CONFIG), then environment
// variables. The result is validated by a JSON Schema so that a typo fails at start-up,
// naming the setting, instead of at the first request.
import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { MAILBOX_SCHEMA, type MailboxSettings } from './channels/sftp/settings.js';
import { checkLimitTable } from './domain/credit.js';
import { DEFAULT_CREDIT_CONFIG } from './credit/defaults.js';
import type { CreditConfig } from './model/credit.js';
import { INTAKE_LIMITS, RESELLER_API_LIMITS } from './model/limits.js';
import { loadValidators, type SchemaSet } from './model/validators.js';

export interface TlsConfig {
  certFile: string;
  keyFile: string;
  /** CA bundle that signs resellers' client certificates. */
  clientCaFile: string;
  /** When true, a request without a valid client certificate is refused (GRX-50038) even with a key. */
  requireClientCertificate: boolean;
}

export interface GatewayConfig {
  /** postgres://... to use PostgreSQL; absent means the embedded SQLite file. */
  databaseUrl: string | null;
  /** PostgreSQL schema to create and use; absent means the connection's default (public). */
  pgSchema: string | null;
  sqlitePath: string;
  host: string;
  port: number;
  tls: TlsConfig | null;
  limits: {
    maxBodyBytes: number;
    maxOrdersPerTransaction: number;
    maxDevicesPerTransaction: number;
    maxOrderNumbersPerShowRequest: number;
  };
  /** Log lines as JSON (one per line) on stdout; false prints nothing per request. */
  requestLog: boolean;
  /** Extra folders of partner mappings, read after the built-in mappings/ folder. */
  mappingDirs: string[];
  intake: {
    /** A received document larger than this is refused (GW-DOC-6002) before it is parsed. */
    maxDocumentBytes: number;
    /** JSON documents hold one order whole at a time (its header may follow its deliveries), so they have a smaller bound of their own. */
    maxJsonDocumentBytes: number;
    /** After this many coded errors a document stops being read (GW-DOC-6008). */
    maxErrorsPerDocument: number;
    /** Where HTTP uploads and SFTP downloads are spooled before intake reads them. */
    spoolDir: string;
  };
  /** SFTP mailboxes polled by `serve` (one per partner and server). */
  mailboxes: MailboxSettings[];
  credit: CreditConfig;
}

export const DEFAULT_CONFIG: GatewayConfig = {
  databaseUrl: null,
  pgSchema: null,
  sqlitePath: './data/gateway.sqlite3',
  host: '127.0.0.1',
  port: 8080,
  tls: null,
  limits: {
    maxBodyBytes: RESELLER_API_LIMITS.maxBodyBytes,
    maxOrdersPerTransaction: RESELLER_API_LIMITS.maxOrdersPerTransaction,
    maxDevicesPerTransaction: RESELLER_API_LIMITS.maxDevicesPerTransaction,
    maxOrderNumbersPerShowRequest: RESELLER_API_LIMITS.maxOrderNumbersPerShowRequest,
  },
  requestLog: true,
  mappingDirs: [],
  intake: {
    maxDocumentBytes: INTAKE_LIMITS.maxDocumentBytes,
    maxJsonDocumentBytes: INTAKE_LIMITS.maxJsonDocumentBytes,
    maxErrorsPerDocument: INTAKE_LIMITS.maxErrorsPerDocument,
    spoolDir: './data/spool',
  },
  mailboxes: [],
  credit: DEFAULT_CREDIT_CONFIG,
};

const positiveInt = { type: 'integer', minimum: 1 } as const;

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['databaseUrl', 'pgSchema', 'sqlitePath', 'host', 'port', 'tls', 'limits', 'requestLog', 'mappingDirs', 'intake', 'mailboxes', 'credit'],
  properties: {
    databaseUrl: { type: ['string', 'null'], pattern: '^postgres(ql)?://' },
    pgSchema: { type: ['string', 'null'], pattern: '^[a-z_][a-z0-9_]{0,62}$' },
    sqlitePath: { type: 'string', minLength: 1 },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    tls: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['certFile', 'keyFile', 'clientCaFile', 'requireClientCertificate'],
          properties: {
            certFile: { type: 'string', minLength: 1 },
            keyFile: { type: 'string', minLength: 1 },
            clientCaFile: { type: 'string', minLength: 1 },
            requireClientCertificate: { type: 'boolean' },
          },
        },
      ],
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      required: ['maxBodyBytes', 'maxOrdersPerTransaction', 'maxDevicesPerTransaction', 'maxOrderNumbersPerShowRequest'],
      properties: {
        maxBodyBytes: { type: 'integer', minimum: 1024, maximum: 256 * 1024 * 1024 },
        maxOrdersPerTransaction: positiveInt,
        maxDevicesPerTransaction: positiveInt,
        maxOrderNumbersPerShowRequest: positiveInt,
      },
    },
    requestLog: { type: 'boolean' },
    mappingDirs: { type: 'array', maxItems: 20, items: { type: 'string', minLength: 1 } },
    intake: {
      type: 'object',
      additionalProperties: false,
      required: ['maxDocumentBytes', 'maxJsonDocumentBytes', 'maxErrorsPerDocument', 'spoolDir'],
      properties: {
        maxDocumentBytes: { type: 'integer', minimum: 1024, maximum: 4 * 1024 * 1024 * 1024 },
        maxJsonDocumentBytes: { type: 'integer', minimum: 1024, maximum: 256 * 1024 * 1024 },
        maxErrorsPerDocument: { type: 'integer', minimum: 1, maximum: 100000 },
        spoolDir: { type: 'string', minLength: 1 },
      },
    },
    mailboxes: { type: 'array', maxItems: 200, items: MAILBOX_SCHEMA },
    credit: {
      type: 'object',
      additionalProperties: false,
      required: ['countries', 'acceptedCurrencies', 'limits', 'codeDownloadDays', 'codeKeyFile', 'maxPurchaseRows'],
      properties: {
        countries: { type: 'array', maxItems: 300, uniqueItems: true, items: { type: 'string', pattern: '^[A-Z]{2}$' } },
        acceptedCurrencies: {
          type: 'object',
          maxProperties: 100000,
          additionalProperties: { type: 'array', maxItems: 20, uniqueItems: true, items: { type: 'string', pattern: '^[A-Z]{3}$' } },
        },
        limits: {
          type: 'object',
          additionalProperties: false,
          required: ['perOrder', 'perOrganisation'],
          properties: {
            perOrder: { type: 'object', propertyNames: { pattern: '^[A-Z]{3}$' }, additionalProperties: { type: 'string' } },
            perOrganisation: { type: 'object', propertyNames: { pattern: '^[A-Z]{3}$' }, additionalProperties: { type: 'string' } },
          },
        },
        codeDownloadDays: { type: 'integer', minimum: 1, maximum: 3650 },
        codeKeyFile: { type: 'string', minLength: 1 },
        maxPurchaseRows: { type: 'integer', minimum: 1, maximum: 1000000 },
      },
    },
  },
} as const;

export class ConfigError extends Error {}

/** The configuration's schema, whose validator `npm run build` generates (model/validators.ts). */
export const CONFIG_SCHEMAS: SchemaSet = { file: 'config-validators.cjs', schemas: { config: CONFIG_SCHEMA }, options: { allErrors: true } };

let configValidator: ValidateFunction | undefined;

function intFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

/** Builds the configuration; `overrides` wins over the file and the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  let fromFile: Partial<GatewayConfig> = {};
  if (env.GATEWAY_CONFIG) {
    try {
      fromFile = JSON.parse(readFileSync(env.GATEWAY_CONFIG, 'utf8')) as Partial<GatewayConfig>;
    } catch (err) {
      throw new ConfigError(`cannot read GATEWAY_CONFIG ${env.GATEWAY_CONFIG}: ${(err as Error).message}`);
    }
  }
  const limits = { ...DEFAULT_CONFIG.limits, ...fromFile.limits };
  const credit: CreditConfig = {
    ...DEFAULT_CONFIG.credit,
    ...fromFile.credit,
    limits: { ...DEFAULT_CONFIG.credit.limits, ...fromFile.credit?.limits },
  };
  if (env.GATEWAY_CREDIT_CODE_KEY_FILE) credit.codeKeyFile = env.GATEWAY_CREDIT_CODE_KEY_FILE;
  const intake = { ...DEFAULT_CONFIG.intake, ...fromFile.intake };
  if (env.GATEWAY_SPOOL_DIR) intake.spoolDir = env.GATEWAY_SPOOL_DIR;
  const mappingDirs = env.GATEWAY_MAPPING_DIRS ? env.GATEWAY_MAPPING_DIRS.split(':').filter(Boolean) : fromFile.mappingDirs ?? [];
  const envLimits: [keyof GatewayConfig['limits'], string][] = [
    ['maxBodyBytes', 'GATEWAY_MAX_BODY_BYTES'],
    ['maxOrdersPerTransaction', 'GATEWAY_MAX_ORDERS_PER_TRANSACTION'],
    ['maxDevicesPerTransaction', 'GATEWAY_MAX_DEVICES_PER_TRANSACTION'],
    ['maxOrderNumbersPerShowRequest', 'GATEWAY_MAX_ORDER_NUMBERS_PER_SHOW'],
  ];
  for (const [key, name] of envLimits) {
    const value = intFromEnv(env, name);
    if (value !== undefined) limits[key] = value;
  }
  let tls = fromFile.tls ?? DEFAULT_CONFIG.tls;
  if (env.GATEWAY_TLS_CERT || env.GATEWAY_TLS_KEY || env.GATEWAY_TLS_CLIENT_CA) {
    tls = {
      certFile: env.GATEWAY_TLS_CERT ?? '',
      keyFile: env.GATEWAY_TLS_KEY ?? '',
      clientCaFile: env.GATEWAY_TLS_CLIENT_CA ?? '',
      requireClientCertificate: env.GATEWAY_TLS_REQUIRE_CLIENT_CERT === 'true',
    };
  }
  const config: GatewayConfig = {
    ...DEFAULT_CONFIG,
    ...fromFile,
    databaseUrl: env.DATABASE_URL || fromFile.databaseUrl || DEFAULT_CONFIG.databaseUrl,
    pgSchema: env.GATEWAY_PG_SCHEMA || fromFile.pgSchema || DEFAULT_CONFIG.pgSchema,
    sqlitePath: env.GATEWAY_SQLITE_PATH || fromFile.sqlitePath || DEFAULT_CONFIG.sqlitePath,
    host: env.GATEWAY_HOST || fromFile.host || DEFAULT_CONFIG.host,
    port: intFromEnv(env, 'GATEWAY_PORT') ?? fromFile.port ?? DEFAULT_CONFIG.port,
    tls,
    limits,
    intake,
    mappingDirs,
    credit,
    ...overrides,
  };
  const validate = (configValidator ??= loadValidators(import.meta.url, CONFIG_SCHEMAS).config!);
  if (!validate(config)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const limitProblems = [
    ...checkLimitTable(config.credit.limits.perOrder, 'credit.limits.perOrder'),
    ...checkLimitTable(config.credit.limits.perOrganisation, 'credit.limits.perOrganisation'),
  ];
  if (limitProblems.length > 0) throw new ConfigError(`invalid configuration: ${limitProblems.join('; ')}`);
  return config;
}
