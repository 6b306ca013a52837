// Strict UTF-8 decoding of a stream of chunks: ASCII chunks take a fast path, and a
// character split between chunks is still decoded whole, or refused with its line.
import { expect } from 'chai';
import { decodeUtf8, UndecodableText } from '../../src/formats/utf8.js';

async function decodeAll(chunks: Buffer[]): Promise<string> {
  async function* input() {
    yield* chunks;
  }
  let text = '';
  for await (const part of decodeUtf8(input(), 'f.csv')) text += part;
  return text;
}

async function refusal(chunks: Buffer[]): Promise<string> {
  try {
    await decodeAll(chunks);
  } catch (err) {
    if (err instanceof UndecodableText) return String(err.error.params?.at);
    throw err;
  }
  throw new Error('expected GW-DOC-6001');
}

describe('strict UTF-8 decoding of chunks', () => {
  const e = Buffer.from('é'); // two bytes: C3 A9

  it('decodes ASCII chunks, and drops a byte-order mark', async () => {
    expect(await decodeAll([Buffer.from('a,b\n'), Buffer.from('c,d\n')])).to.equal('a,b\nc,d\n');
    expect(await decodeAll([Buffer.from('\ufeffa\n'), Buffer.from('b\n')])).to.equal('a\nb\n');
  });

  it('decodes a character split between chunks, whatever follows it', async () => {
    expect(await decodeAll([Buffer.concat([Buffer.from('x\n'), e.subarray(0, 1)]), Buffer.concat([e.subarray(1), Buffer.from('y\n')]), Buffer.from('z\n')])).to.equal('x\néy\nz\n');
    // A chunk of ASCII after a chunk that ended on a whole character of two bytes.
    expect(await decodeAll([Buffer.concat([Buffer.from('x'), e]), Buffer.from('\nplain\n')])).to.equal('xé\nplain\n');
  });

  it('refuses a character cut short by an ASCII chunk, naming the line', async () => {
    expect(await refusal([Buffer.concat([Buffer.from('a\nb\n'), e.subarray(0, 1)]), Buffer.from('cd\n')])).to.equal('f.csv, line 3, byte 6');
  });

  it('refuses a file that ends inside a character, and a bad byte in a later chunk', async () => {
    expect(await refusal([Buffer.from('a\n'), e.subarray(0, 1)])).to.match(/ends inside a character/);
    expect(await refusal([Buffer.from('a\n'), Buffer.from([0x62, 0xff, 0x0a])])).to.equal('f.csv, line 2, byte 4');
  });
});
