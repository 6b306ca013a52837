// Loads organisations and suppliers from a samples folder (organisations.json and
// suppliers.json). Idempotent: what exists already is left as it is.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { Ajv } from 'ajv';
import { findOrganisation, upsertDefaultServer } from '../store/organisations.js';
import { findSupplier, findSupplierByCredential, sha256Hex } from '../store/suppliers.js';
import type { DeviceFamily } from '../model/device-family.js';
import { DEVICE_FAMILIES } from '../model/device-family.js';
import { addOrganisation, addSupplier, createApiKey, createPrincipalKey, linkSupplier, type Actor } from './operations.js';
import { principalDigestOnFile } from '../store/principal-keys.js';
import type { PrincipalRole } from '../model/roles.js';

interface SeedOrganisation {
  orgId: string;
  name: string;
  country: string;
  appleCustomerNumbers: string[];
  defaultServers: Partial<Record<DeviceFamily, string>>;
  resellers: string[];
}
interface SeedSupplier {
  supplierId: string;
  kind: 'apple' | 'reseller';
  name: string;
  shipTos: string[];
  apiKeys: { label: string; key: string }[];
}

const ORGS_SCHEMA = {
  type: 'object',
  required: ['organisations'],
  properties: {
    organisations: {
      type: 'array',
      maxItems: 10000,
      items: {
        type: 'object',
        required: ['orgId', 'name', 'country'],
        additionalProperties: false,
        properties: {
          orgId: { type: 'string' },
          name: { type: 'string' },
          country: { type: 'string' },
          appleCustomerNumbers: { type: 'array', items: { type: 'string' }, default: [] },
          defaultServers: { type: 'object', propertyNames: { enum: [...DEVICE_FAMILIES] }, additionalProperties: { type: 'string' }, default: {} },
          resellers: { type: 'array', items: { type: 'string' }, default: [] },
        },
      },
    },
  },
} as const;

const SUPPLIERS_SCHEMA = {
  type: 'object',
  required: ['suppliers'],
  properties: {
    suppliers: {
      type: 'array',
      maxItems: 10000,
      items: {
        type: 'object',
        required: ['supplierId', 'kind', 'name'],
        additionalProperties: false,
        properties: {
          supplierId: { type: 'string' },
          kind: { enum: ['apple', 'reseller'] },
          name: { type: 'string' },
          shipTos: { type: 'array', items: { type: 'string' }, default: [] },
          apiKeys: {
            type: 'array',
            default: [],
            items: { type: 'object', required: ['label', 'key'], properties: { label: { type: 'string' }, key: { type: 'string', minLength: 16 } } },
          },
        },
      },
    },
  },
} as const;

export interface SeedKey {
  role: PrincipalRole;
  orgId?: string;
  label: string;
  key: string;
}

const KEYS_SCHEMA = {
  type: 'object',
  required: ['keys'],
  properties: {
    keys: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['role', 'label', 'key'],
        additionalProperties: false,
        properties: {
          role: { enum: ['operator', 'org_admin', 'finance', 'metrics'] },
          orgId: { type: 'string' },
          label: { type: 'string', maxLength: 100 },
          key: { type: 'string', minLength: 16 },
        },
      },
    },
  },
} as const;

function readValidated<T>(path: string, schema: object): T {
  const ajv = new Ajv({ useDefaults: true, allErrors: true });
  const validate = ajv.compile(schema);
  const data: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!validate(data)) {
    throw new Error(`${path}: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`);
  }
  return data as T;
}

export interface SeedReport {
  organisationsAdded: number;
  suppliersAdded: number;
  keysAdded: number;
  linksAdded: number;
  /** Operator, organisation admin, finance and metrics keys from keys.json (when the folder has one). */
  principalKeysAdded: number;
}

export async function seedFromFolder(db: Knex, dir: string, actor: Actor): Promise<SeedReport> {
  const report: SeedReport = { organisationsAdded: 0, suppliersAdded: 0, keysAdded: 0, linksAdded: 0, principalKeysAdded: 0 };
  const { suppliers } = readValidated<{ suppliers: SeedSupplier[] }>(join(dir, 'suppliers.json'), SUPPLIERS_SCHEMA);
  const { organisations } = readValidated<{ organisations: SeedOrganisation[] }>(join(dir, 'organisations.json'), ORGS_SCHEMA);
  for (const s of suppliers) {
    if (!(await findSupplier(db, s.supplierId))) {
      await addSupplier(db, actor, s);
      report.suppliersAdded++;
    }
    for (const k of s.apiKeys) {
      if (await findSupplierByCredential(db, 'api-key', sha256Hex(k.key))) continue;
      await createApiKey(db, actor, s.supplierId, k.label, k.key);
      report.keysAdded++;
    }
  }
  for (const o of organisations) {
    let org = await findOrganisation(db, o.orgId);
    if (!org) {
      org = await addOrganisation(db, actor, o);
      for (const [family, server] of Object.entries(o.defaultServers)) await upsertDefaultServer(db, org.pk, family as DeviceFamily, server);
      report.organisationsAdded++;
    }
    for (const resellerId of o.resellers) {
      const supplier = await findSupplier(db, resellerId);
      if (!supplier) throw new Error(`organisations.json: ${o.orgId} names reseller ${resellerId}, which suppliers.json does not define`);
      if (org.linkedSupplierPks.includes(supplier.pk)) continue;
      await linkSupplier(db, actor, o.orgId, resellerId);
      report.linksAdded++;
    }
  }
  // Keys of the other roles, after the organisations they belong to.
  const keysFile = join(dir, 'keys.json');
  if (existsSync(keysFile)) {
    for (const k of readValidated<{ keys: SeedKey[] }>(keysFile, KEYS_SCHEMA).keys) {
      if (await principalDigestOnFile(db, sha256Hex(k.key))) continue;
      await createPrincipalKey(db, actor, { role: k.role, label: k.label, ...(k.orgId ? { orgId: k.orgId } : {}) }, k.key);
      report.principalKeysAdded++;
    }
  }
  return report;
}

/** The keys of keys.json in `dir`, for the demo to print (none when there is no such file). */
export function sampleKeys(dir: string): SeedKey[] {
  const keysFile = join(dir, 'keys.json');
  return existsSync(keysFile) ? readValidated<{ keys: SeedKey[] }>(keysFile, KEYS_SCHEMA).keys : [];
}
