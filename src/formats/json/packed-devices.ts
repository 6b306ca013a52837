// A delivery's devices as the JSON reader holds them until their ship notice is yielded:
// packed as UTF-8 text in buffers, off the JavaScript heap. An order is held whole (its
// header may come after its deliveries), and a one-order document at the size limit
// holds 647,400 devices. As an object and two strings each they took about 90 bytes of
// heap, 57 MB for that document, and the heap grew to four times what it held (the
// intake process peaked at 768 MiB); packed, about 26 bytes each, outside the heap.
import type { DeviceFamily } from '../../model/device-family.js';
import type { ShippedDevice } from '../../model/documents.js';

/**
 * Between fields, and after each device: C0 controls, which JSON text here never carries
 * in a string (refused as GW-DOC-6013, escaped or not); add() checks it all the same.
 */
const FIELD_END = '\u0000';
const DEVICE_END = '\u0001';

/** A buffer's first size, doubled for each next one up to the largest: a delivery of three devices takes 1 KiB, not 64. */
const FIRST_BUFFER_BYTES = 1024;
const LARGEST_BUFFER_BYTES = 64 * 1024;

export class PackedDevices {
  private readonly full: Buffer[] = [];
  private current: Buffer = Buffer.allocUnsafe(FIRST_BUFFER_BYTES);
  private used = 0;
  /** Devices added. */
  count = 0;

  add(device: Omit<ShippedDevice, 'at'>): void {
    const fields = [device.serial, device.assetTag ?? '', device.deviceFamily ?? '', device.partNumber ?? ''];
    for (const field of fields) {
      if (field.includes(FIELD_END) || field.includes(DEVICE_END)) throw new Error(`invariant: a device field with a C0 control reached the packer (${JSON.stringify(field)})`);
    }
    const text = fields.join(FIELD_END) + DEVICE_END;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.used + bytes > this.current.length) {
      this.full.push(this.current.subarray(0, this.used));
      this.current = Buffer.allocUnsafe(Math.max(bytes, Math.min(LARGEST_BUFFER_BYTES, this.current.length * 2)));
      this.used = 0;
    }
    this.used += this.current.write(text, this.used, 'utf8');
    this.count++;
  }

  /** The devices in the order added, each with its place: `at(i)` for the i-th. */
  *devices(at: (index: number) => string): Iterable<ShippedDevice> {
    let index = 0;
    for (const buffer of [...this.full, this.current.subarray(0, this.used)]) {
      // A device never spans two buffers (add), so each decodes alone.
      const text = buffer.toString('utf8');
      for (let start = 0; start < text.length; ) {
        const end = text.indexOf(DEVICE_END, start);
        const [serial, assetTag, family, partNumber] = text.slice(start, end).split(FIELD_END) as [string, string, string, string];
        const d: ShippedDevice = assetTag ? { serial, assetTag, at: at(index++) } : { serial, at: at(index++) };
        if (family) d.deviceFamily = family as DeviceFamily;
        if (partNumber) d.partNumber = partNumber;
        yield d;
        start = end + 1;
      }
    }
  }
}
