// Request bodies and error answers shared by every HTTP route: the content type and
// JSON checks, and the HTTP status each code answers with.
import type { Request, Response } from 'express';
import type { CodedError, ErrorCode } from '../../model/error-codes.js';
import { toWire } from '../../model/messages.js';
import { readRequestBody } from '../../formats/reseller/request.js';

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  'GRX-50001': 401,
  'GRX-50038': 401,
  'GRX-90004': 403,
  'GRX-50025': 403,
  'GRX-50026': 403,
  'GRX-16002': 415,
  'GW-TX-3011': 413,
  'GW-TX-3010': 409,
  'GRX-16001': 500,
  'DEP-ERR-4005': 503,
};

export function httpStatusFor(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 400;
}

/** The protocol's flat envelope: platform and context errors at top level. */
export function sendFlatError(res: Response, error: CodedError, langCode: string, transactionId?: string): void {
  res.status(httpStatusFor(error.code)).json({ ...toWire(error, langCode), ...(transactionId ? { transactionId } : {}) });
}

export type ParsedBody = { body: unknown } | { error: CodedError };

/** The protocol's content type check: a body that is not declared JSON is GRX-16002. */
export function contentTypeError(req: Request): CodedError | undefined {
  const type = req.get('content-type') ?? '';
  if (/^application\/json\s*(;|$)/i.test(type)) return undefined;
  return { code: 'GRX-16002', params: { contentType: type === '' ? '(none)' : JSON.stringify(type.slice(0, 100)) } };
}

/** Reads a reseller-API body that express.raw buffered: content type first, then syntax and shape (readRequestBody). */
export function readJsonBody(req: Request): ParsedBody {
  const typeError = contentTypeError(req);
  if (typeError) return { error: typeError };
  return readRequestBody(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
}
