// Administrative operations: what the CLI (and later the admin API) does to
// organisations, suppliers, credentials, links and devices. Each write is one database
// transaction and leaves an audit entry; each refusal is a coded error.
import type { Knex } from 'knex';
import { enrollPendingOnLink } from '../domain/linking.js';
import { lineStatusOnRelease, releaseDevice } from '../domain/release.js';
import type { Device, Organisation, Supplier } from '../model/state.js';
import { isCountryCode } from '../model/country-currencies.js';
import { isDeviceFamily, DEVICE_FAMILIES, type DeviceFamily } from '../model/device-family.js';
import type { CodedError } from '../model/error-codes.js';
import { audit } from '../store/audit.js';
import { withRetry } from '../store/db.js';
import { insertRelease, setOrderLineStatus } from '../store/device-changes.js';
import { orderPkOfDevice, pendingDevicesFrom } from '../store/device-queries.js';
import { loadDevices, writeDevice, writeEvents } from '../store/enrollment-store.js';
import {
  deleteSupplierLink,
  findOrganisation,
  insertAppleCustomerNumber,
  insertOrganisation,
  insertSupplierLink,
  upsertDefaultServer,
} from '../store/organisations.js';
import {
  findSupplier,
  insertApiKey,
  insertCertificate,
  insertShipTo,
  insertSupplier,
  newApiKey,
  revokeCredential,
  setShipToActive,
} from '../store/suppliers.js';
import {
  findPrincipalKey,
  insertPrincipalKey,
  listPrincipalKeys as listPrincipalKeyRows,
  newPrincipalKey,
  newPrincipalKeyId,
  PRINCIPAL_KEY_ID,
  revokePrincipalKey as revokePrincipalKeyRow,
  type PrincipalKeyView,
} from '../store/principal-keys.js';
import type { PrincipalRole } from '../model/roles.js';
import { checkKeyOrganisations, type KeyOrganisationsRefusal } from '../domain/principal-keys.js';
import { checkLink } from '../domain/linking.js';
import { API_LIMITS, STORE_LIMITS } from '../model/limits.js';
import { normaliseAppleCustomerNumber } from '../domain/matching.js';
import { AdminError } from './admin-error.js';

export interface Actor {
  /** Who: e.g. "cli:alice", "reseller:16FCE4A0". */
  name: string;
  /** From where: e.g. "cli@host", an IP address. */
  origin: string;
  /** The HTTP request that acts, when one does: its audit entries carry its id. */
  requestId?: string;
}

export { AdminError };

const now = (): string => new Date().toISOString();

const ORG_ID = /^[A-Za-z0-9_-]{1,32}$/;
const RESELLER_ID = /^[A-Za-z0-9]{1,32}$/;
const COUNTRY = /^[A-Z]{2}$/;
const SHIP_TO = /^\d{10}$/;

function requireMatch(value: string, pattern: RegExp, what: string): void {
  if (!pattern.test(value)) throw new AdminError('GW-ADM-INVALID', `${what} "${value}" is not valid (expected ${pattern.source})`);
}

function requireName(name: string): void {
  if (name.trim() === '' || name.length > API_LIMITS.nameChars) {
    throw new AdminError('GW-ADM-INVALID', `name must be 1 to ${API_LIMITS.nameChars} characters`);
  }
}

export async function requireOrganisation(db: Knex, orgId: string): Promise<Organisation> {
  const org = await findOrganisation(db, orgId);
  if (!org) throw new AdminError('GW-ADM-NOT-FOUND', `no organisation ${orgId}`);
  return org;
}

export async function requireSupplier(db: Knex, supplierId: string): Promise<Supplier> {
  const supplier = await findSupplier(db, supplierId);
  if (!supplier) throw new AdminError('GW-ADM-NOT-FOUND', `no supplier ${supplierId}`);
  return supplier;
}

export async function addOrganisation(
  db: Knex,
  actor: Actor,
  org: { orgId: string; name: string; country: string; appleCustomerNumbers?: string[] },
): Promise<Organisation> {
  requireMatch(org.orgId, ORG_ID, 'organisation id');
  requireName(org.name);
  requireMatch(org.country, COUNTRY, 'country (ISO 3166 alpha-2, upper case)');
  // User-assigned and unassigned codes (QQ, XX, ZZ) name no country: no currency, no match.
  if (!isCountryCode(org.country)) throw new AdminError('GW-ADM-INVALID', `${org.country} is not an ISO 3166-1 country code (alpha-2, e.g. GB, US, JP)`);
  for (const n of org.appleCustomerNumbers ?? []) requireMatch(n, /^\d{1,32}$/, 'Apple customer number');
  return db.transaction(async (trx) => {
    if (await findOrganisation(trx, org.orgId)) throw new AdminError('GW-ADM-EXISTS', `organisation ${org.orgId} already exists`);
    const pk = await insertOrganisation(trx, org, now());
    for (const n of org.appleCustomerNumbers ?? []) await addCustomerNumberTo(trx, pk, org.orgId, n);
    await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'organisation.add', detail: org }, now());
    return (await findOrganisation(trx, org.orgId))!;
  });
}

async function addCustomerNumberTo(trx: Knex, orgPk: number, orgId: string, number: string): Promise<void> {
  try {
    await insertAppleCustomerNumber(trx, orgPk, normaliseAppleCustomerNumber(number));
  } catch (err) {
    if (/unique|duplicate/i.test((err as Error).message)) {
      throw new AdminError('GW-ADM-EXISTS', `Apple customer number ${number} already belongs to an organisation (compared without leading zeros); not added to ${orgId}`);
    }
    throw err;
  }
}

export async function addAppleCustomerNumber(db: Knex, actor: Actor, orgId: string, number: string): Promise<void> {
  requireMatch(number, /^\d{1,32}$/, 'Apple customer number');
  await db.transaction(async (trx) => {
    const org = await requireOrganisation(trx, orgId);
    await addCustomerNumberTo(trx, org.pk, orgId, number);
    await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'organisation.customer-number.add', detail: { orgId, number } }, now());
  });
}

/** Sets (or with null clears) the server new devices of a family are assigned to. */
export async function setDefaultServer(db: Knex, actor: Actor, orgId: string, family: string, server: string | null): Promise<void> {
  if (!isDeviceFamily(family)) throw new AdminError('GW-ADM-INVALID', `unknown device family ${family} (one of ${DEVICE_FAMILIES.join(', ')})`);
  if (server !== null && (server.trim() === '' || server.length > API_LIMITS.serverChars)) {
    throw new AdminError('GW-ADM-INVALID', `server name must be 1 to ${API_LIMITS.serverChars} characters`);
  }
  await db.transaction(async (trx) => {
    const org = await requireOrganisation(trx, orgId);
    await upsertDefaultServer(trx, org.pk, family as DeviceFamily, server);
    await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'organisation.default-server.set', detail: { orgId, family, server } }, now());
  });
}

export async function addSupplier(
  db: Knex,
  actor: Actor,
  s: { supplierId: string; kind: Supplier['kind']; name: string; shipTos?: string[] },
): Promise<Supplier> {
  requireMatch(s.supplierId, RESELLER_ID, 'reseller id');
  requireName(s.name);
  for (const shipTo of s.shipTos ?? []) requireMatch(shipTo, SHIP_TO, 'Ship-To (10 digits)');
  return db.transaction(async (trx) => {
    if (await findSupplier(trx, s.supplierId)) throw new AdminError('GW-ADM-EXISTS', `supplier ${s.supplierId} already exists`);
    const supplier = await insertSupplier(trx, s, now());
    for (const shipTo of s.shipTos ?? []) await addShipToFor(trx, supplier, shipTo);
    // What was added, named field by field: a caller's record (a seed file's) may carry more, keys among it.
    const detail = { supplierId: s.supplierId, kind: s.kind, name: s.name, shipTos: s.shipTos ?? [] };
    await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'supplier.add', detail }, now());
    return supplier;
  });
}

async function addShipToFor(trx: Knex, supplier: Supplier, shipTo: string): Promise<void> {
  try {
    await insertShipTo(trx, supplier.pk, shipTo);
  } catch (err) {
    if (/unique|duplicate/i.test((err as Error).message)) throw new AdminError('GW-ADM-EXISTS', `Ship-To ${shipTo} is already registered`);
    throw err;
  }
}

export async function addShipTo(db: Knex, actor: Actor, supplierId: string, shipTo: string): Promise<void> {
  requireMatch(shipTo, SHIP_TO, 'Ship-To (10 digits)');
  await db.transaction(async (trx) => {
    const supplier = await requireSupplier(trx, supplierId);
    await addShipToFor(trx, supplier, shipTo);
    await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'supplier.ship-to.add', detail: { supplierId, shipTo } }, now());
  });
}

export async function setShipToStatus(db: Knex, actor: Actor, shipTo: string, active: boolean): Promise<void> {
  await db.transaction(async (trx) => {
    if (!(await setShipToActive(trx, shipTo, active))) throw new AdminError('GW-ADM-NOT-FOUND', `no Ship-To ${shipTo}`);
    await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'supplier.ship-to.status', detail: { shipTo, active } }, now());
  });
}

/** Creates an API key and returns it: the only time it is ever shown. */
export async function createApiKey(db: Knex, actor: Actor, supplierId: string, label: string, key = newApiKey()): Promise<{ id: number; key: string }> {
  return db.transaction(async (trx) => {
    const supplier = await requireSupplier(trx, supplierId);
    const id = await insertApiKey(trx, supplier.pk, key, label.slice(0, 100), now());
    await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'key.create', detail: { supplierId, id, label } }, now());
    return { id, key };
  });
}

/**
 * Creates a key for a role that is not a reseller:
 * - operator: everything, every organisation (no organisation given);
 * - org_admin: one organisation (`orgId` required);
 * - finance: credit reports on every organisation, or only on `scopeOrgIds` when given;
 * - metrics: the /metrics scrape only.
 * Returns the key: the only time it is ever shown; the database keeps its SHA-256.
 */
export async function createPrincipalKey(
  db: Knex,
  actor: Actor,
  req: { role: PrincipalRole; orgId?: string; scopeOrgIds?: string[]; label?: string },
  key = newPrincipalKey(req.role),
): Promise<{ keyId: string; key: string; role: PrincipalRole; orgId: string | null; scopeOrgIds?: string[] }> {
  const scopeIds = [...new Set(req.scopeOrgIds ?? [])];
  const refusal = checkKeyOrganisations(req.role, Boolean(req.orgId), scopeIds.length);
  if (refusal) throw new AdminError('GW-ADM-INVALID', keyOrganisationsMessage(refusal, req.role, scopeIds.length));
  const label = (req.label ?? DEFAULT_KEY_LABEL[req.role]).slice(0, 100);
  return db.transaction(async (trx) => {
    const org = req.role === 'org_admin' ? await requireOrganisation(trx, req.orgId!) : null;
    const scope: Organisation[] = [];
    for (const id of scopeIds) scope.push(await requireOrganisation(trx, id));
    const keyId = newPrincipalKeyId();
    const at = now();
    await insertPrincipalKey(trx, { keyId, role: req.role, orgPk: org?.pk ?? null, scopeOrgPks: scope.map((o) => o.pk), key, label }, at);
    const scopeOrgIds = scope.length > 0 ? { scopeOrgIds: scope.map((o) => o.orgId) } : {};
    await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'key.create', detail: { keyId, role: req.role, orgId: org?.orgId ?? null, ...scopeOrgIds, label } }, at);
    return { keyId, key, role: req.role, orgId: org?.orgId ?? null, ...scopeOrgIds };
  });
}

/** The refusal, naming the command line's flags and the HTTP body's fields (--org-id / orgId, --orgs / scopeOrgIds). */
function keyOrganisationsMessage(refusal: KeyOrganisationsRefusal, role: PrincipalRole, scopeCount: number): string {
  switch (refusal) {
    case 'org-required':
      return 'an organisation admin key needs the organisation it is for (--org-id; orgId over HTTP)';
    case 'org-not-allowed':
      return role === 'finance' ? 'a finance key is limited with --orgs A,B (scopeOrgIds over HTTP), or sees every organisation: give no --org-id' : `a ${role} key belongs to no organisation: give no --org-id (orgId)`;
    case 'scope-not-allowed':
      return 'only a finance key is limited to a set of organisations (--orgs; scopeOrgIds over HTTP)';
    case 'scope-too-large':
      return `a finance key may be limited to at most ${STORE_LIMITS.maxFinanceScopeOrgs} organisations, not ${scopeCount}`;
  }
}

const DEFAULT_KEY_LABEL: Record<PrincipalRole, string> = {
  operator: 'operator key',
  org_admin: 'organisation admin key',
  finance: 'finance key',
  metrics: 'metrics scrape key',
};

/** Operator, organisation admin, finance and metrics keys, optionally of one role or organisation; never their digests. */
export async function listPrincipalKeys(db: Knex, filter: { role?: PrincipalRole; orgId?: string } = {}): Promise<PrincipalKeyView[]> {
  const org = filter.orgId === undefined ? undefined : await requireOrganisation(db, filter.orgId);
  return listPrincipalKeyRows(db, { ...(filter.role ? { role: filter.role } : {}), ...(org ? { orgPk: org.pk } : {}) });
}

/** Revokes a non-reseller key; it stops working at the next request. */
export async function revokePrincipalKey(db: Knex, actor: Actor, keyId: string): Promise<void> {
  requireMatch(keyId, PRINCIPAL_KEY_ID, 'key id');
  await db.transaction(async (trx) => {
    const at = now();
    if (!(await revokePrincipalKeyRow(trx, keyId, at))) {
      const row = await findPrincipalKey(trx, keyId);
      throw new AdminError('GW-ADM-NOT-FOUND', row ? `key ${keyId} was already revoked on ${row.revoked_at ?? ''}` : `no key ${keyId}`);
    }
    await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'key.revoke', detail: { keyId } }, at);
  });
}

export async function addCertificate(db: Knex, actor: Actor, supplierId: string, fingerprint256: string, label: string): Promise<number> {
  return db.transaction(async (trx) => {
    const supplier = await requireSupplier(trx, supplierId);
    let id: number;
    try {
      id = await insertCertificate(trx, supplier.pk, fingerprint256, label.slice(0, 100), now());
    } catch (err) {
      throw new AdminError('GW-ADM-INVALID', (err as Error).message);
    }
    await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'certificate.add', detail: { supplierId, id, label } }, now());
    return id;
  });
}

export async function revokeCredentialById(db: Knex, actor: Actor, credentialId: number): Promise<void> {
  await db.transaction(async (trx) => {
    const kind = await revokeCredential(trx, credentialId, now());
    if (kind === undefined) throw new AdminError('GW-ADM-NOT-FOUND', `no unrevoked credential ${credentialId}`);
    const action = kind === 'certificate' ? 'certificate.revoke' : 'key.revoke';
    await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action, detail: { credentialId } }, now());
  });
}

/**
 * The organisation adds a reseller. Devices that reseller already ordered for it stop
 * being pending and are enrolled, in the same database transaction as the link.
 */
export async function linkSupplier(db: Knex, actor: Actor, orgId: string, supplierId: string): Promise<{ enrolled: number }> {
  return withRetry(() =>
    db.transaction(async (trx) => {
      const org = await requireOrganisation(trx, orgId);
      const supplier = await requireSupplier(trx, supplierId);
      const link = checkLink(org, supplier);
      if (link === 'apple-needs-no-link') throw new AdminError('GW-ADM-INVALID', 'Apple needs no link: its orders match by Apple customer number');
      if (link === 'added-already') return { enrolled: 0 };
      const at = now();
      await insertSupplierLink(trx, org.pk, supplier.pk, at);
      const linked: Organisation = { ...org, linkedSupplierPks: [...org.linkedSupplierPks, supplier.pk] };
      const pending = await pendingDevicesFrom(trx, org.pk, supplier.pk);
      const orderPkOf = new Map(pending.map((p) => [p.serial, p.orderPk]));
      const devices = await loadDevices(trx, [...orderPkOf.keys()]);
      const result = enrollPendingOnLink(linked, supplier, [...devices.values()]);
      for (const device of result.devices) await writeDevice(trx, device, orderPkOf.get(device.serial) ?? null, at);
      await writeEvents(trx, result.events, { transactionPk: null, document: `link ${orgId}+${supplierId}`, actor: actor.name, now: at });
      await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'link.add', detail: { orgId, supplierId, enrolled: result.devices.length } }, at);
      return { enrolled: result.devices.length };
    }),
  );
}

/** Removing a link keeps enrolled devices; the reseller's later orders are pending again. */
export async function unlinkSupplier(db: Knex, actor: Actor, orgId: string, supplierId: string): Promise<void> {
  await db.transaction(async (trx) => {
    const org = await requireOrganisation(trx, orgId);
    const supplier = await requireSupplier(trx, supplierId);
    if (!(await deleteSupplierLink(trx, org.pk, supplier.pk))) throw new AdminError('GW-ADM-NOT-FOUND', `${orgId} has not added ${supplierId}`);
    await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'link.remove', detail: { orgId, supplierId } }, now());
  });
}

/** The organisation releases a device for good; later orders naming it are refused (GW-DE-4310). */
export async function releaseDeviceFromOrg(
  db: Knex,
  actor: Actor,
  orgId: string,
  serial: string,
  reason: string,
): Promise<CodedError | Device> {
  if (reason.trim() === '') throw new AdminError('GW-ADM-INVALID', 'a release needs a reason (sold, lost, returned, ...)');
  return withRetry(() =>
    db.transaction(async (trx) => {
      const org = await requireOrganisation(trx, orgId);
      return releaseInTransaction(trx, actor, org, serial, reason);
    }),
  );
}

/**
 * One release, in the caller's transaction: the rule (src/domain/release.ts) decides; the
 * device, its order line, the release, its event and the audit entry are written. Answers
 * the rule's refusal, or the released device.
 */
export async function releaseInTransaction(trx: Knex, actor: Actor, org: Organisation, serial: string, reason: string): Promise<CodedError | Device> {
  const device = (await loadDevices(trx, [serial])).get(serial);
  const at = now();
  const result = releaseDevice(device, serial, org, reason, at);
  if ('code' in result) return result;
  const orderPk = await orderPkOfDevice(trx, serial);
  if (orderPk === undefined) throw new Error(`invariant: device ${serial}, loaded in this transaction, is on file`);
  await writeDevice(trx, result.device, orderPk, at);
  // The device leaves its order: the rule says what its line becomes.
  if (orderPk !== null) await setOrderLineStatus(trx, orderPk, serial, lineStatusOnRelease());
  await insertRelease(trx, result.released, actor.name);
  await writeEvents(trx, [result.event], { transactionPk: null, document: 'release', actor: actor.name, now: at });
  await audit(trx, { actor: actor.name, origin: actor.origin, requestId: actor.requestId, action: 'device.release', detail: { orgId: org.orgId, serial, reason } }, at);
  return result.device;
}
