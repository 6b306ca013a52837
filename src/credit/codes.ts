// Redemption codes: made from the operating system's cryptographic random source, looked
// up by their SHA-256, and kept readable for the download window only as AES-256-GCM
// ciphertext under a key that lives outside the database. A copy of the database alone
// yields neither a code nor a way to make one.
//
// A code is 20 characters of Crockford base32 (100 random bits), shown in four groups of
// five: "7K2QD-M9XRT-4HC1P-ZWA8E". Base32 leaves out I, L, O and U, so a code read aloud or
// typed from paper survives; on entry, lower case, spaces and dashes are forgiven and O, I,
// L read as 0, 1, 1.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_CHARS = 20;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function newRedemptionCode(): string {
  // 13 random bytes = 104 bits; the first 100 make the 20 characters.
  const bytes = randomBytes(13);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  bits >>= 4n;
  let out = '';
  for (let i = 0; i < CODE_CHARS; i++) {
    out = ALPHABET[Number(bits & 31n)]! + out;
    bits >>= 5n;
  }
  return formatCode(out);
}

/** A canonical code as shown to people: four groups of five. */
export function formatCode(canonical: string): string {
  return `${canonical.slice(0, 5)}-${canonical.slice(5, 10)}-${canonical.slice(10, 15)}-${canonical.slice(15)}`;
}

/** The code as typed, in canonical form, or undefined if it cannot be a code. */
export function normaliseCode(typed: unknown): string | undefined {
  if (typeof typed !== 'string' || typed.length > 64) return undefined;
  const text = typed
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (text.length !== CODE_CHARS || [...text].some((c) => !ALPHABET.includes(c))) return undefined;
  return text;
}

export function codeHash(canonical: string): string {
  return createHash('sha256').update(`abm-edi-gateway redemption code\n${canonical}`).digest('hex');
}

/** The last four characters: enough for an admin to tell codes apart in a list. */
export function codeHint(canonical: string): string {
  return canonical.slice(-4);
}

/** Seals and opens codes with the deployment's code key (AES-256-GCM, random 96-bit nonce). */
export class CodeSealer {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Buffer): CodeSealer {
    if (key.length !== 32) throw new Error(`the credit code key must be 32 bytes, got ${key.length}`);
    return new CodeSealer(key);
  }

  /**
   * The key from GATEWAY_CREDIT_CODE_KEY (64 hex digits) or from a key file, which is made
   * (mode 0600) on first use. Every gateway sharing a database must share the key.
   */
  static load(options: { keyHex?: string; keyFile: string }): CodeSealer {
    if (options.keyHex) {
      if (!/^[0-9a-fA-F]{64}$/.test(options.keyHex)) throw new Error('GATEWAY_CREDIT_CODE_KEY must be 64 hex digits (32 bytes)');
      return CodeSealer.fromKey(Buffer.from(options.keyHex, 'hex'));
    }
    if (!existsSync(options.keyFile)) {
      mkdirSync(dirname(options.keyFile), { recursive: true });
      writeFileSync(options.keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    }
    const text = readFileSync(options.keyFile, 'utf8').trim();
    if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new Error(`${options.keyFile} must hold 64 hex digits (32 bytes)`);
    try {
      chmodSync(options.keyFile, 0o600);
    } catch {
      // A read-only mount: the key is still usable.
    }
    return CodeSealer.fromKey(Buffer.from(text, 'hex'));
  }

  /** `codePk`-bound ciphertext: a sealed code copied onto another row does not open. */
  seal(code: string, binding: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(binding));
    const body = Buffer.concat([cipher.update(code, 'utf8'), cipher.final()]);
    return `v1.${nonce.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  open(sealed: string, binding: string): string {
    const [version, nonce, body, tag] = sealed.split('.');
    if (version !== 'v1' || !nonce || !body || !tag) throw new Error('sealed code is malformed');
    const nonceBytes = Buffer.from(nonce, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    // GCM would accept a shortened tag, which makes a forgery far cheaper: only the full one opens.
    if (nonceBytes.length !== NONCE_BYTES || tagBytes.length !== TAG_BYTES) throw new Error('sealed code is malformed');
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonceBytes, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(binding));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
