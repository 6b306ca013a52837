// The device families an organisation can set a default device-management server for.
export const DEVICE_FAMILIES = ['iPhone', 'iPad', 'Mac', 'AppleTV', 'AppleWatch', 'AppleVisionPro'] as const;

export type DeviceFamily = (typeof DEVICE_FAMILIES)[number];

export function isDeviceFamily(value: unknown): value is DeviceFamily {
  return typeof value === 'string' && (DEVICE_FAMILIES as readonly string[]).includes(value);
}
