// The gateway's devices and servers as Apple's business API names them
// (spec/abm-org-api.md, "Gateway concepts to API"): one function per resource, shared by
// every reader of that shape. Attributes the gateway cannot know (model, colour, IMEI,
// AppleCare) are answered empty, as Apple answers what it does not know: "" or [] (a time
// the gateway does not know is null).
import type { Knex } from 'knex';
import type { DeviceFamily } from '../model/device-family.js';
import { findOrgDevice, orgDevicesBySerial, serialsOnServer, type OrgDeviceRecord } from '../store/business-api.js';
import { findMdmServer, findMdmServerByName, mdmServersOfOrg, type MdmServerRecord } from '../store/mdm-servers.js';
import { pageOf, type Page } from './pages.js';

/** productFamily: the device family in the API's words. */
const PRODUCT_FAMILY: Record<DeviceFamily, string> = { iPhone: 'iPhone', iPad: 'iPad', Mac: 'Mac', AppleTV: 'AppleTV', AppleWatch: 'Watch', AppleVisionPro: 'Vision' };
/** defaultProductFamilies: the same families, in the API's other spelling. */
const DEFAULT_FAMILY: Record<DeviceFamily, string> = { iPhone: 'IPHONE', iPad: 'IPAD', Mac: 'MAC', AppleTV: 'APPLE_TV', AppleWatch: 'WATCH', AppleVisionPro: 'VISION' };

/** Every attribute of an orgDevices resource, in the spec's order: `fields[orgDevices]` picks among these. */
export const ORG_DEVICE_ATTRIBUTES = [
  'serialNumber',
  'addedToOrgDateTime',
  'updatedDateTime',
  'releasedFromOrgDateTime',
  'deviceModel',
  'productFamily',
  'productType',
  'deviceCapacity',
  'partNumber',
  'orderNumber',
  'orderDateTime',
  'color',
  'status',
  'imei',
  'meid',
  'eid',
  'wifiMacAddress',
  'bluetoothMacAddress',
  'ethernetMacAddress',
  'purchaseSourceType',
  'purchaseSourceId',
  // Optional, newer: the gateway keeps no MDM migration deadlines.
  'isMdmMigrationCapable',
  'mdmMigrationStatus',
  'mdmMigrationDeadlineDateTime',
  'releaserId',
] as const;
export const ORG_DEVICE_RELATIONSHIPS = ['assignedServer', 'appleCareCoverage'] as const;

export const MDM_SERVER_ATTRIBUTES = [
  'serverName',
  'serverType',
  'createdDateTime',
  'updatedDateTime',
  'status',
  'deviceCount',
  'defaultProductFamilies',
  'enableMdmDisownFlag',
  'lastConnectedDateTime',
  'lastConnectedIp',
] as const;
export const MDM_SERVER_RELATIONSHIPS = ['devices'] as const;

/**
 * A stored date or time as ISO 8601 UTC ("2026-11-02" is midnight UTC of that day). An
 * unknown time is null, not "": typed clients parse these fields as times.
 */
function isoTime(value: string | null): string | null {
  if (value === null) return null;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
}

export function orgDeviceAttributes(d: OrgDeviceRecord): Record<(typeof ORG_DEVICE_ATTRIBUTES)[number], unknown> {
  const source = d.supplierKind === 'apple' ? 'APPLE' : d.supplierKind === 'reseller' ? 'RESELLER' : 'MANUALLY_ADDED';
  return {
    serialNumber: d.serial,
    addedToOrgDateTime: isoTime(d.addedAt ?? d.updatedAt),
    updatedDateTime: isoTime(d.updatedAt),
    releasedFromOrgDateTime: d.releasedAt,
    deviceModel: '',
    productFamily: d.family ? (PRODUCT_FAMILY[d.family as DeviceFamily] ?? d.family) : '',
    productType: '',
    deviceCapacity: '',
    partNumber: '',
    orderNumber: d.orderNumber ?? '',
    orderDateTime: isoTime(d.orderDate),
    color: '',
    status: d.server !== null && d.state === 'enrolled' ? 'ASSIGNED' : 'UNASSIGNED',
    imei: [],
    meid: [],
    eid: '',
    wifiMacAddress: '',
    bluetoothMacAddress: '',
    ethernetMacAddress: [],
    purchaseSourceType: source,
    purchaseSourceId: (source === 'APPLE' ? d.customerId : d.supplierId) ?? '',
    isMdmMigrationCapable: false,
    mdmMigrationStatus: null,
    mdmMigrationDeadlineDateTime: null,
    releaserId: d.releasedBy,
  };
}

export function mdmServerAttributes(s: MdmServerRecord): Record<(typeof MDM_SERVER_ATTRIBUTES)[number], unknown> {
  return {
    serverName: s.name,
    serverType: 'MDM',
    createdDateTime: s.createdAt,
    updatedDateTime: s.updatedAt,
    status: 'ACTIVE',
    deviceCount: s.deviceCount,
    defaultProductFamilies: s.defaultFamilies.map((f) => DEFAULT_FAMILY[f as DeviceFamily] ?? f.toUpperCase()),
    enableMdmDisownFlag: false,
    lastConnectedDateTime: null,
    lastConnectedIp: '',
  };
}

export async function orgDevicesPage(db: Knex, orgPk: number, page: { afterSerial?: string; limit: number }): Promise<Page<OrgDeviceRecord>> {
  return pageOf(await orgDevicesBySerial(db, orgPk, page), page.limit);
}

export async function orgDevice(db: Knex, orgPk: number, serial: string): Promise<OrgDeviceRecord | undefined> {
  return findOrgDevice(db, orgPk, serial);
}

export async function mdmServersPage(db: Knex, orgPk: number, page: { afterId?: string; limit: number }): Promise<Page<MdmServerRecord>> {
  return pageOf(await mdmServersOfOrg(db, orgPk, page), page.limit);
}

export async function mdmServer(db: Knex, orgPk: number, serverId: string): Promise<MdmServerRecord | undefined> {
  return findMdmServer(db, orgPk, serverId);
}

/** The server a device is assigned to now, if any. */
export async function assignedServerOf(db: Knex, orgPk: number, device: OrgDeviceRecord): Promise<MdmServerRecord | undefined> {
  if (device.server === null || device.state !== 'enrolled') return undefined;
  return findMdmServerByName(db, orgPk, device.server);
}

/** The serials on a server, by serial. */
export async function serverDevicesPage(db: Knex, orgPk: number, server: MdmServerRecord, page: { afterSerial?: string; limit: number }): Promise<Page<string>> {
  return pageOf(await serialsOnServer(db, orgPk, server.name, page), page.limit);
}
