// How the JSON reader holds a delivery's devices until its ship notice is yielded: packed
// as UTF-8 text, and given back as they were added, in order, each with its place.
import { expect } from 'chai';
import { PackedDevices } from '../../../src/formats/json/packed-devices.js';
import type { ShippedDevice } from '../../../src/model/documents.js';

const at = (i: number) => `/devices/${i}`;

describe('JSON reader: packed devices', function () {
  it('gives back every field as added, absent fields absent, multi-byte text whole', function () {
    const added: Omit<ShippedDevice, 'at'>[] = [
      { serial: 'C02XL0AAJG5H' },
      { serial: 'C02XL0AAJG5J', assetTag: 'Bürö-Ⅳ-✓-𝄞' },
      { serial: 'C02XL0AAJG5K', deviceFamily: 'Mac', partNumber: 'MK1E3LL/A' },
      { serial: 'ÄÖÜ-serial', assetTag: 'tag with\ttab and\nnewline', deviceFamily: 'iPad' },
      { serial: 'P1', partNumber: 'Z0' },
    ];
    const packed = new PackedDevices();
    for (const d of added) packed.add(d);
    expect(packed.count).to.equal(added.length);
    expect([...packed.devices(at)]).to.deep.equal(added.map((d, i) => ({ ...d, at: at(i) })));
  });

  it('many devices across its buffers, in order, none lost or split', function () {
    const packed = new PackedDevices();
    const n = 50_000;
    for (let i = 0; i < n; i++) packed.add(i % 7 === 0 ? { serial: `S${i}` } : { serial: `S${i}`, assetTag: `T-${'é'.repeat(i % 13)}${i}` });
    const back = [...packed.devices(at)];
    expect(back).to.have.length(n);
    for (let i = 0; i < n; i++) {
      const expected: ShippedDevice = i % 7 === 0 ? { serial: `S${i}`, at: at(i) } : { serial: `S${i}`, assetTag: `T-${'é'.repeat(i % 13)}${i}`, at: at(i) };
      if (JSON.stringify(back[i]) !== JSON.stringify(expected)) expect(back[i]).to.deep.equal(expected);
    }
  });

  it('a device larger than a whole buffer still fits, alone in one', function () {
    const packed = new PackedDevices();
    const long = 'x'.repeat(200_000);
    packed.add({ serial: 'A' });
    packed.add({ serial: 'B', assetTag: long });
    packed.add({ serial: 'C' });
    expect([...packed.devices(at)].map((d) => [d.serial, d.assetTag?.length])).to.deep.equal([['A', undefined], ['B', 200_000], ['C', undefined]]);
  });

  it('nothing added gives nothing', function () {
    expect([...new PackedDevices().devices(at)]).to.deep.equal([]);
  });

  it('refuses a field with the control characters it packs with (the reader refuses them before)', function () {
    const packed = new PackedDevices();
    expect(() => packed.add({ serial: 'A\u0000B' })).to.throw(/invariant/);
    expect(() => packed.add({ serial: 'A', assetTag: 'x\u0001' })).to.throw(/invariant/);
    expect(packed.count).to.equal(0);
  });
});
