// What counts as a secret in what the gateway writes down (the audit log's details, the
// JSON log lines), and the one step that removes it. Keys are stored only as their
// SHA-256, redemption codes only hashed and sealed, passwords and private keys only in
// the operator's own settings files: none of them may reach the audit log or the logs
// raw, whichever path carried it (seed files, the command line, HTTP).

/** Field names whose value is a secret, compared without case, dashes or underscores. */
const SECRET_FIELDS = new Set([
  'key', // an API key in a seed file's apiKeys, or a key just made
  'apikey',
  'password',
  'passphrase',
  'privatekey', // a private key's contents (SFTP, TLS)
  'secret',
  'clientsecret',
  'token',
  'accesstoken',
  'authorization', // an HTTP header: Bearer <key>
  'redemptioncode',
]);

/**
 * Strings that are a gateway key whatever field carries them: every key the gateway
 * makes starts with gwk_ (reseller keys gwk_, principal keys gwk_op_, gwk_org_, ...).
 */
const GATEWAY_KEY = /^gwk_[A-Za-z0-9_-]+$/;

export const REDACTED = '[redacted]';

/** How deep a detail is walked; deeper parts are replaced whole (details are a few levels). */
const MAX_DEPTH = 16;

const isSecretField = (name: string): boolean => SECRET_FIELDS.has(name.toLowerCase().replace(/[-_]/g, ''));

/** A copy of `value` with every secret replaced by "[redacted]". */
export function redactSecrets<T>(value: T): T {
  return redact(value, 0) as T;
}

function redact(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return GATEWAY_KEY.test(value) ? REDACTED : value;
  if (value === null || typeof value !== 'object') return value;
  // What JSON would write for it (a Date's ISO text, a Decimal's digits), then redacted.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return redact((value as { toJSON(): unknown }).toJSON(), depth + 1);
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    out[name] = isSecretField(name) && v !== null && v !== undefined ? REDACTED : redact(v, depth + 1);
  }
  return out;
}
