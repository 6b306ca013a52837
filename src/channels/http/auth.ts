// Who is calling: a reseller identified by its client certificate (mutual TLS, when the
// server runs with TLS settings) or by `Authorization: Bearer <key>`.
import type { TLSSocket } from 'node:tls';
import type { Request } from 'express';
import type { Knex } from 'knex';
import type { Supplier } from '../../model/state.js';
import type { CodedError } from '../../model/error-codes.js';
import { findSupplierByCredential, normaliseFingerprint, sha256Hex } from '../../store/suppliers.js';
import { RESELLER_API_LIMITS } from '../../model/limits.js';

export interface AuthSettings {
  tls: boolean;
  requireClientCertificate: boolean;
}

export type AuthResult = { supplier: Supplier; via: 'certificate' | 'api-key' } | { error: CodedError };


export async function authenticate(db: Knex, req: Request, settings: AuthSettings): Promise<AuthResult> {
  if (settings.tls) {
    const socket = req.socket as TLSSocket;
    const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    const presented = cert && Object.keys(cert).length > 0;
    if (presented) {
      // The TLS layer asked for a certificate but let unsigned ones through so that we
      // can answer in the protocol's envelope instead of dropping the connection.
      if (!socket.authorized || !cert.fingerprint256) return { error: { code: 'GRX-50038' } };
      const supplier = await findSupplierByCredential(db, 'certificate', normaliseFingerprint(cert.fingerprint256));
      if (!supplier) return { error: { code: 'GRX-50038' } };
      return { supplier, via: 'certificate' };
    }
    if (settings.requireClientCertificate) return { error: { code: 'GRX-50038' } };
  }
  const header = req.get('authorization');
  if (!header) return { error: { code: 'GRX-50001', params: { detail: 'no credentials: send a client certificate or Authorization: Bearer <key>' } } };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match || match[1]!.length > RESELLER_API_LIMITS.maxKeyChars) {
    return { error: { code: 'GRX-50001', params: { detail: 'the Authorization header must be "Bearer <key>"' } } };
  }
  const supplier = await findSupplierByCredential(db, 'api-key', sha256Hex(match[1]!));
  if (!supplier) return { error: { code: 'GRX-50001', params: { detail: 'unknown or revoked key' } } };
  return { supplier, via: 'api-key' };
}
