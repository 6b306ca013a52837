// A reader on a thread of its own (formats/off-thread.ts) yields what the same reader
// yields on this thread, in the same order, whatever the format, however the bytes are
// cut, with errors where the file has them; a failing source or an early stop ends the
// thread instead of hanging the ingest.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { readOffThread } from '../../src/formats/off-thread.js';
import { readerFor } from '../../src/formats/registry.js';
import type { ReadContext, ReadItem } from '../../src/formats/types.js';
import { loadMappings, type Mapping } from '../../src/mapping/mapping.js';
import { INTAKE_LIMITS } from '../../src/model/limits.js';
import { cutInto, within } from '../intake/support.js';

const mappings = loadMappings();
const mapping = (id: string): Mapping => mappings.get(id)!;
const ctxFor = (m: Mapping, fileName: string): ReadContext => ({ mapping: m, fileName, limits: { maxLineBytes: INTAKE_LIMITS.maxLineBytes, maxErrors: 100 } });

async function collect(items: AsyncIterable<ReadItem>): Promise<ReadItem[]> {
  const all: ReadItem[] = [];
  for await (const item of items) all.push(item);
  return all;
}

async function bothWays(m: Mapping, fileName: string, bytes: Buffer, cut: number | 'whole' = 'whole'): Promise<{ here: ReadItem[]; there: ReadItem[] }> {
  const reader = await readerFor(m.format);
  const here = await collect(reader(cutInto(bytes, cut), ctxFor(m, fileName)));
  const there = await within(collect(readOffThread(m.format, cutInto(bytes, cut), ctxFor(m, fileName))), 20_000, `reading ${fileName} off thread`);
  return { here, there };
}

/** A ship-notice CSV of `orders` orders of `perOrder` devices, with a NUL byte (refused at reading) in `badRow`'s serial (1-based data row) when given. */
function shipNoticeCsv(orders: number, perOrder: number, badRow?: number): Buffer {
  const lines = ['order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number'];
  let row = 0;
  for (let o = 0; o < orders; o++) {
    for (let d = 0; d < perOrder; d++) {
      row++;
      const serial = row === badRow ? 'OT\u0000BAD' : `OT${String(row).padStart(8, '0')}`;
      lines.push(`OT-${o},OR,2026-11-02T10:00:00Z,19827,PO-${o},D-${o},2026-11-03T10:00:00Z,${serial},,MW6F3LL/A`);
    }
  }
  return Buffer.from(lines.join('\n') + '\n');
}

describe('formats: reading on a thread of its own', function () {
  this.timeout(60_000);

  for (const entry of readdirSync('samples/documents').filter((f) => f !== 'index.json')) {
    it(`yields what the reader yields here: samples/documents/${entry}`, async function () {
      const bytes = readFileSync(join('samples/documents', entry));
      const m = [...mappings.values()].find((c) => c.id !== 'reseller-api' && (entry.endsWith('.csv') ? c.format === 'csv' : entry.endsWith('.json') ? c.format === 'json' : entry.endsWith('.edi') ? c.id === (entry.includes('850') ? 'apple-x12-850' : 'apple-x12-856') : entry.includes('cxml') ? c.format === 'cxml' : c.format === 'xml'))!;
      const { here, there } = await bothWays(m, entry, bytes, 7);
      expect(here.length).to.be.above(0);
      expect(there).to.deep.equal(here);
    });
  }

  it('yields the same items and errors for a file of many batches, cut anywhere', async function () {
    const bytes = shipNoticeCsv(12, 700, 5_001);
    const { here, there } = await bothWays(mapping('brightline-csv'), 'many.csv', bytes, 100_003);
    const errors = here.filter((i) => i.type === 'error');
    expect(errors, 'the NUL byte is refused').to.have.length(1);
    expect(JSON.stringify(errors[0])).to.contain('line 5002');
    expect(here.filter((i) => i.type === 'shipNotice').length, 'several batches were read before the error').to.be.above(2);
    expect(there).to.deep.equal(here);
  });

  it('yields the errors of a broken X12 file as the reader here does', async function () {
    for (const fixture of ['truncated-856.edi', 'missing-serial-856.edi', 'garbage.edi']) {
      const { here, there } = await bothWays(mapping('apple-x12-856'), fixture, readFileSync(join('test/formats/x12/fixtures', fixture)), 13);
      expect(here.some((i) => i.type === 'error'), fixture).to.equal(true);
      expect(there, fixture).to.deep.equal(here);
    }
  });

  it('throws what the source throws, and ends', async function () {
    async function* failing(): AsyncIterable<Buffer> {
      yield shipNoticeCsv(1, 10);
      throw new Error('the spool disk went away');
    }
    const m = mapping('brightline-csv');
    const read = within(collect(readOffThread(m.format, failing(), ctxFor(m, 'failing.csv'))), 20_000, 'a failing read');
    await read.then(
      () => expect.fail('the read should have failed'),
      (err: Error) => expect(err.message).to.equal('the spool disk went away'),
    );
  });

  it('ends the thread and closes the source when the consumer stops early', async function () {
    let closed = false;
    const bytes = shipNoticeCsv(20, 500);
    async function* source(): AsyncIterable<Buffer> {
      try {
        yield* cutInto(bytes, 64 * 1024);
      } finally {
        closed = true;
      }
    }
    const m = mapping('brightline-csv');
    let taken = 0;
    await within(
      (async () => {
        for await (const item of readOffThread(m.format, source(), ctxFor(m, 'early.csv'))) {
          if (item.type === 'shipNotice' && ++taken === 2) break;
        }
      })(),
      20_000,
      'an early stop',
    );
    expect(taken).to.equal(2);
    expect(closed, 'the source was closed').to.equal(true);
  });
});
