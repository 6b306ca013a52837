// Unit tests of redemption codes (src/credit/codes.ts): their format and randomness, how a
// typed code is normalised, the lookup hash, and the sealer that keeps codes readable for
// the download window (AES-256-GCM, bound to the code's row, key from env or a key file).
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeSealer, codeHash, codeHint, newRedemptionCode, normaliseCode } from '../../src/credit/codes.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUP = '[0-9A-HJKMNP-TV-Z]{5}';
const CODE_FORMAT = new RegExp(`^${GROUP}-${GROUP}-${GROUP}-${GROUP}$`);

const SAMPLE = '7K2QD-M9XRT-4HC1P-ZWA8E';
const SAMPLE_CANONICAL = '7K2QDM9XRT4HC1PZWA8E';

describe('redemption codes', () => {
  describe('newRedemptionCode', () => {
    it('makes four groups of five Crockford base32 characters', () => {
      for (let i = 0; i < 200; i++) {
        const code = newRedemptionCode();
        expect(code).to.match(CODE_FORMAT);
        expect(code).to.have.length(23);
        expect(code).to.not.match(/[ILOU]/);
      }
    });

    it('makes 1000 distinct codes', () => {
      const codes = Array.from({ length: 1000 }, () => newRedemptionCode());
      expect(new Set(codes).size).to.equal(1000);
    });

    it('uses the whole alphabet in every position, the first included (100 random bits)', () => {
      // With 1000 uniform codes, a character missing from a position has probability ~1e-13.
      const codes = Array.from({ length: 1000 }, () => newRedemptionCode().replace(/-/g, ''));
      for (const position of [0, 1, 10, 19]) {
        const seen = new Set(codes.map((c) => c[position]));
        expect([...seen].sort().join(''), `position ${position}`).to.equal(CROCKFORD);
      }
    });

    it('makes codes that normalise to themselves without the dashes', () => {
      for (let i = 0; i < 100; i++) {
        const code = newRedemptionCode();
        expect(normaliseCode(code)).to.equal(code.replace(/-/g, ''));
      }
    });
  });

  describe('normaliseCode', () => {
    it('answers the canonical form: 20 characters, no dashes', () => {
      expect(normaliseCode(SAMPLE)).to.equal(SAMPLE_CANONICAL);
      expect(normaliseCode(SAMPLE_CANONICAL)).to.equal(SAMPLE_CANONICAL);
    });

    it('forgives lower case, spaces and dashes', () => {
      for (const typed of [
        '7k2qd-m9xrt-4hc1p-zwa8e',
        '7k2qd m9xrt 4hc1p zwa8e',
        ' 7K2QD-M9XRT 4HC1P-ZWA8E\t',
        '7K2Q-DM9X-RT4H-C1PZ-WA8E',
        '7-K-2-Q-D-M-9-X-R-T-4-H-C-1-P-Z-W-A-8-E',
        '7K2QD--M9XRT--4HC1P--ZWA8E\n',
      ]) {
        expect(normaliseCode(typed), JSON.stringify(typed)).to.equal(SAMPLE_CANONICAL);
      }
    });

    it('reads O as 0 and I and L as 1, in either case', () => {
      expect(normaliseCode('OOOOO-00000-IIIII-LLLLL')).to.equal('00000000001111111111');
      expect(normaliseCode('ooooo-00000-iiiii-lllll')).to.equal('00000000001111111111');
      expect(normaliseCode('7K2QD-M9XRT-4HCIP-ZWA8E')).to.equal(SAMPLE_CANONICAL);
      expect(normaliseCode('7K2QD-M9XRT-4HClP-ZWA8E')).to.equal(SAMPLE_CANONICAL);
    });

    it('refuses a wrong length', () => {
      expect(normaliseCode('7K2QD-M9XRT-4HC1P-ZWA8')).to.equal(undefined);
      expect(normaliseCode('7K2QD-M9XRT-4HC1P-ZWA8EE')).to.equal(undefined);
      expect(normaliseCode('')).to.equal(undefined);
      expect(normaliseCode('   -   ')).to.equal(undefined);
    });

    it('refuses U and other characters outside the alphabet', () => {
      expect(normaliseCode('7K2QD-M9XRT-4HC1P-ZWA8U')).to.equal(undefined);
      expect(normaliseCode('7K2QD-M9XRT-4HC1P-ZWA8u')).to.equal(undefined);
      for (const bad of ['*', '_', '.', '/', '+', 'é', 'Ä', '#']) {
        expect(normaliseCode(`7K2QD-M9XRT-4HC1P-ZWA8${bad}`), bad).to.equal(undefined);
      }
    });

    it('refuses non-strings', () => {
      for (const value of [null, undefined, 12345678901234567890, 1n, {}, [SAMPLE], { toString: () => SAMPLE }]) {
        expect(normaliseCode(value)).to.equal(undefined);
      }
    });

    it('refuses input longer than 64 characters, even when it would normalise', () => {
      const at64 = SAMPLE + ' '.repeat(64 - SAMPLE.length);
      expect(at64).to.have.length(64);
      expect(normaliseCode(at64)).to.equal(SAMPLE_CANONICAL);
      expect(normaliseCode(`${at64} `)).to.equal(undefined);
      expect(normaliseCode(SAMPLE + '-'.repeat(1000))).to.equal(undefined);
    });
  });

  describe('codeHash and codeHint', () => {
    it('is 64 hex digits, deterministic', () => {
      const hash = codeHash(SAMPLE_CANONICAL);
      expect(hash).to.match(/^[0-9a-f]{64}$/);
      expect(codeHash(SAMPLE_CANONICAL)).to.equal(hash);
    });

    it('differs per code, even by one character', () => {
      const codes = Array.from({ length: 200 }, () => normaliseCode(newRedemptionCode())!);
      codes.push('7K2QDM9XRT4HC1PZWA8F');
      codes.push(SAMPLE_CANONICAL);
      const hashes = new Set(codes.map(codeHash));
      expect(hashes.size).to.equal(new Set(codes).size);
      expect(codeHash('7K2QDM9XRT4HC1PZWA8F')).to.not.equal(codeHash(SAMPLE_CANONICAL));
    });

    it('does not contain the code', () => {
      const hash = codeHash(SAMPLE_CANONICAL);
      expect(hash).to.not.equal(SAMPLE_CANONICAL);
      expect(hash.toUpperCase()).to.not.contain(SAMPLE_CANONICAL);
      expect(hash.toUpperCase()).to.not.contain(SAMPLE_CANONICAL.slice(0, 8));
    });

    it('hints with the last four characters', () => {
      expect(codeHint(SAMPLE_CANONICAL)).to.equal('WA8E');
    });
  });
});

describe('CodeSealer', () => {
  const KEY = Buffer.alloc(32, 7);
  const sealer = CodeSealer.fromKey(KEY);
  const binding = 'code-0001';

  /** The sealed string with one bit of one of its parts flipped. */
  function flipBit(sealed: string, part: 1 | 2 | 3): string {
    const parts = sealed.split('.');
    const bytes = Buffer.from(parts[part]!, 'base64url');
    bytes[0] = bytes[0]! ^ 0x01;
    parts[part] = bytes.toString('base64url');
    return parts.join('.');
  }

  it('refuses a key that is not 32 bytes', () => {
    expect(() => CodeSealer.fromKey(Buffer.alloc(16))).to.throw(/32 bytes/);
    expect(() => CodeSealer.fromKey(Buffer.alloc(33))).to.throw(/32 bytes/);
  });

  it('opens what it sealed, with the same binding', () => {
    for (const code of [SAMPLE_CANONICAL, normaliseCode(newRedemptionCode())!]) {
      const sealed = sealer.seal(code, binding);
      expect(sealed).to.match(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      expect(sealed).to.not.contain(code);
      expect(sealer.open(sealed, binding)).to.equal(code);
    }
  });

  it('seals the same code differently each time (random nonce)', () => {
    const sealed = Array.from({ length: 20 }, () => sealer.seal(SAMPLE_CANONICAL, binding));
    expect(new Set(sealed).size).to.equal(20);
    expect(new Set(sealed.map((s) => s.split('.')[1])).size).to.equal(20);
    for (const s of sealed) expect(sealer.open(s, binding)).to.equal(SAMPLE_CANONICAL);
  });

  it('does not open with another binding (a sealed code copied onto another row)', () => {
    const sealed = sealer.seal(SAMPLE_CANONICAL, binding);
    expect(() => sealer.open(sealed, 'code-0002')).to.throw();
    expect(() => sealer.open(sealed, '')).to.throw();
  });

  it('does not open with another key', () => {
    const sealed = sealer.seal(SAMPLE_CANONICAL, binding);
    expect(() => CodeSealer.fromKey(Buffer.alloc(32, 8)).open(sealed, binding)).to.throw();
  });

  it('does not open tampered ciphertext, nonce or tag', () => {
    const sealed = sealer.seal(SAMPLE_CANONICAL, binding);
    for (const part of [1, 2, 3] as const) {
      const tampered = flipBit(sealed, part);
      expect(tampered).to.not.equal(sealed);
      expect(() => sealer.open(tampered, binding), `part ${part}`).to.throw();
    }
  });

  it('does not open a sealed code whose tag was shortened (GCM would accept 4, 8 or 12 bytes)', () => {
    const [, nonce, body, tag] = sealer.seal(SAMPLE_CANONICAL, binding).split('.');
    const full = Buffer.from(tag!, 'base64url');
    for (const bytes of [4, 8, 12, 15]) {
      const shortened = `v1.${nonce}.${body}.${full.subarray(0, bytes).toString('base64url')}`;
      expect(() => sealer.open(shortened, binding), `${bytes}-byte tag`).to.throw();
    }
  });

  it('refuses a malformed sealed code', () => {
    const [, nonce, body, tag] = sealer.seal(SAMPLE_CANONICAL, binding).split('.');
    for (const bad of ['', 'garbage', `v2.${nonce}.${body}.${tag}`, `v1.${nonce}.${body}`, `v1..${body}.${tag}`, `v1.${nonce}..${tag}`]) {
      expect(() => sealer.open(bad, binding), bad).to.throw();
    }
  });

  describe('load', () => {
    let dir: string;

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'abm-credit-codes-'));
    });

    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('takes the key from 64 hex digits (GATEWAY_CREDIT_CODE_KEY) and writes no key file', () => {
      const hex = randomBytes(32).toString('hex');
      const keyFile = join(dir, 'env', 'unused.key');
      const fromEnv = CodeSealer.load({ keyHex: hex, keyFile });
      expect(existsSync(keyFile)).to.equal(false);
      const sealed = fromEnv.seal(SAMPLE_CANONICAL, binding);
      expect(CodeSealer.fromKey(Buffer.from(hex, 'hex')).open(sealed, binding)).to.equal(SAMPLE_CANONICAL);
      expect(CodeSealer.load({ keyHex: hex.toUpperCase(), keyFile }).open(sealed, binding)).to.equal(SAMPLE_CANONICAL);
      expect(() => sealer.open(sealed, binding)).to.throw();
    });

    it('refuses a malformed key in the environment', () => {
      const keyFile = join(dir, 'env', 'unused.key');
      for (const keyHex of ['abc', 'a'.repeat(63), 'a'.repeat(65), 'g'.repeat(64), `${'a'.repeat(62)} a`, `0x${'a'.repeat(62)}`]) {
        expect(() => CodeSealer.load({ keyHex, keyFile }), keyHex).to.throw(/64 hex digits/);
      }
      expect(existsSync(keyFile)).to.equal(false);
    });

    it('makes a key file (mode 0600, its directory too) on first use and reuses it', () => {
      const keyFile = join(dir, 'nested', 'deeper', 'credit-code.key');
      const first = CodeSealer.load({ keyFile });
      expect(existsSync(keyFile)).to.equal(true);
      expect(statSync(keyFile).mode & 0o777).to.equal(0o600);
      const text = readFileSync(keyFile, 'utf8');
      expect(text).to.match(/^[0-9a-f]{64}\n$/);

      const sealed = first.seal(SAMPLE_CANONICAL, binding);
      const second = CodeSealer.load({ keyFile });
      expect(readFileSync(keyFile, 'utf8')).to.equal(text);
      expect(second.open(sealed, binding)).to.equal(SAMPLE_CANONICAL);
      expect(first.open(second.seal(SAMPLE_CANONICAL, binding), binding)).to.equal(SAMPLE_CANONICAL);
      expect(CodeSealer.fromKey(Buffer.from(text.trim(), 'hex')).open(sealed, binding)).to.equal(SAMPLE_CANONICAL);
    });

    it('makes a different key for a different key file', () => {
      const a = CodeSealer.load({ keyFile: join(dir, 'a.key') });
      const b = CodeSealer.load({ keyFile: join(dir, 'b.key') });
      expect(readFileSync(join(dir, 'a.key'), 'utf8')).to.not.equal(readFileSync(join(dir, 'b.key'), 'utf8'));
      expect(() => b.open(a.seal(SAMPLE_CANONICAL, binding), binding)).to.throw();
    });

    it('uses the key file when the environment key is empty', () => {
      const keyFile = join(dir, 'empty-env.key');
      const sealer1 = CodeSealer.load({ keyHex: '', keyFile });
      expect(existsSync(keyFile)).to.equal(true);
      expect(CodeSealer.load({ keyFile }).open(sealer1.seal(SAMPLE_CANONICAL, binding), binding)).to.equal(SAMPLE_CANONICAL);
    });

    it('reads an existing key file, tightening its mode to 0600', () => {
      const hex = randomBytes(32).toString('hex');
      const keyFile = join(dir, 'existing.key');
      writeFileSync(keyFile, `  ${hex}\n\n`, { mode: 0o644 });
      const loaded = CodeSealer.load({ keyFile });
      expect(statSync(keyFile).mode & 0o777).to.equal(0o600);
      expect(CodeSealer.fromKey(Buffer.from(hex, 'hex')).open(loaded.seal(SAMPLE_CANONICAL, binding), binding)).to.equal(SAMPLE_CANONICAL);
    });

    it('refuses a key file that does not hold 64 hex digits', () => {
      for (const [name, content] of [['short.key', 'abcdef\n'], ['empty.key', ''], ['nothex.key', `${'z'.repeat(64)}\n`], ['long.key', `${'a'.repeat(66)}\n`]] as const) {
        const keyFile = join(dir, name);
        writeFileSync(keyFile, content, { mode: 0o600 });
        expect(() => CodeSealer.load({ keyFile }), name).to.throw(/64 hex digits/);
        expect(readFileSync(keyFile, 'utf8'), `${name} left as it was`).to.equal(content);
      }
    });
  });
});
