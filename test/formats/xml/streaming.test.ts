import { expect } from 'chai';
import { readGatewayXml } from '../../../src/formats/xml/gateway-xml.js';
import { mapping } from './support.js';

const SHIP_NOTICES = 200;
const DEVICES_PER_NOTICE = 1_000;
/** How far the heap may grow above where it started while the file streams through. */
const HEAP_GROWTH_LIMIT_BYTES = 150 * 1024 * 1024;
/** Bytes per chunk, as a socket or file stream would deliver them. */
const CHUNK_BYTES = 64 * 1024;

/** A gateway XML file of SHIP_NOTICES x DEVICES_PER_NOTICE devices, generated chunk by chunk, never whole. */
async function* generatedFile(counter: { bytes: number }): AsyncIterable<Buffer> {
  let pending = '<?xml version="1.0" encoding="UTF-8"?>\n<GatewayDocuments xmlns="urn:abm-edi-gateway:documents:1">\n';
  for (let n = 0; n < SHIP_NOTICES; n++) {
    pending += `  <ShipNotice deliveryNumber="HB-D-${n}" shipDate="2026-11-03" orderNumber="HB-2026-${n}">\n`;
    for (let d = 0; d < DEVICES_PER_NOTICE; d++) {
      const serial = `HB${String(n * DEVICES_PER_NOTICE + d).padStart(10, '0')}`;
      pending += `    <Device serial="${serial}" assetTag="FAB-${d}" partNumber="MW6F3J/A"/>\n`;
      if (pending.length >= CHUNK_BYTES) {
        const chunk = Buffer.from(pending);
        counter.bytes += chunk.length;
        pending = '';
        yield chunk;
      }
    }
    pending += '  </ShipNotice>\n';
  }
  pending += '</GatewayDocuments>\n';
  counter.bytes += Buffer.byteLength(pending);
  yield Buffer.from(pending);
}

describe('gateway XML reader, streaming', function () {
  this.timeout(120_000);

  it(`reads ${SHIP_NOTICES * DEVICES_PER_NOTICE} devices in ${SHIP_NOTICES} ship notices without the heap growing with the file`, async () => {
    const counter = { bytes: 0 };
    const start = process.memoryUsage().heapUsed;
    let peak = start;
    let notices = 0;
    let devices = 0;
    let lastSerial = '';
    const began = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    const ctx = { mapping: mapping('harbour-xml'), fileName: 'big.xml', limits: { maxLineBytes: 64 * 1024, maxErrors: 10 } };
    for await (const item of readGatewayXml(generatedFile(counter), ctx)) {
      expect(item.type, JSON.stringify(item).slice(0, 300)).to.equal('shipNotice');
      if (item.type !== 'shipNotice') continue;
      notices++;
      devices += item.doc.devices.length;
      lastSerial = item.doc.devices[item.doc.devices.length - 1]!.serial;
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    // CPU time as well as wall time: on a shared machine the wall clock says more about the neighbours.
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    expect(notices).to.equal(SHIP_NOTICES);
    expect(devices).to.equal(SHIP_NOTICES * DEVICES_PER_NOTICE);
    expect(lastSerial).to.equal(`HB${String(SHIP_NOTICES * DEVICES_PER_NOTICE - 1).padStart(10, '0')}`);
    const growth = peak - start;
    console.log(
      `      ${(counter.bytes / 1e6).toFixed(1)} MB, ${devices} devices in ${seconds.toFixed(2)} s (${cpuSeconds.toFixed(2)} s CPU): ` +
        `${(counter.bytes / 1e6 / seconds).toFixed(1)} MB/s, ${Math.round(devices / seconds)} devices/s ` +
        `(${(counter.bytes / 1e6 / cpuSeconds).toFixed(1)} MB/s of CPU time); ` +
        `heap grew at most ${(growth / 1e6).toFixed(1)} MB`,
    );
    expect(growth).to.be.below(HEAP_GROWTH_LIMIT_BYTES);
  });
});
