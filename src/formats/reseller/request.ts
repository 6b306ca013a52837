// The bytes of a reseller-API request as a JSON object, read the way the protocol's
// clients write them: every call (bulk-enroll-devices as a document, the status and
// show-order calls in their channel) reads its body here, so all answer alike.
// - not UTF-8, empty, not JSON, a key twice in one object, nesting past
//   INTAKE_LIMITS.jsonDepth: GRX-1000, naming the line and column;
// - JSON that is not an object: GRX-5004;
// - a member whose value is null is absent: clients send `"poNumber": null` for a field
//   they do not fill, so an optional field is simply not given and a required one gets the
//   protocol's code for a missing field.
import type { CodedError } from '../../model/error-codes.js';
import { positionOf } from '../json/tokenizer.js';
import { parseJsonText } from '../json/value.js';

export type RequestBody = Record<string, unknown>;

export function readRequestBody(bytes: Buffer): { body: RequestBody } | { error: CodedError } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { error: { code: 'GRX-1000', params: { detail: 'the body is not valid UTF-8' } } };
  }
  if (text.trim() === '') return { error: { code: 'GRX-1000', params: { detail: 'the body is empty' } } };
  const parsed = parseJsonText(text, { nullIsAbsent: true });
  if ('error' in parsed) return { error: { code: 'GRX-1000', params: { detail: `${parsed.error.message} (${positionOf(parsed.error)})` } } };
  const body = parsed.value;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { error: { code: 'GRX-5004', params: { path: '/', detail: 'the body must be a JSON object' } } };
  }
  return { body };
}
