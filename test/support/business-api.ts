// A client of Apple's business API as the tests make one: an EC P-256 key pair made here,
// and client assertions signed with it as Apple's clients sign them.
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { APPLE_TOKEN_AUDIENCE } from '../../src/domain/business-api.js';

export interface BusinessClient {
  publicKeyPem: string;
  privateKey: KeyObject;
  /** The client id and key id the gateway gave the account. */
  register(clientId: string, keyId: string): void;
  clientId(): string;
  keyId(): string;
  /** A client assertion; `claims` and `header` override the good defaults. */
  assertion(claims?: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  /** The token request's form body, with a fresh assertion; `fields` override. */
  tokenForm(fields?: Record<string, string>): Promise<string>;
}

export async function businessClient(): Promise<BusinessClient> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let ids: { clientId: string; keyId: string } | undefined;
  const need = () => {
    if (!ids) throw new Error('register the account first');
    return ids;
  };
  const client: BusinessClient = {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey,
    register: (clientId, keyId) => void (ids = { clientId, keyId }),
    clientId: () => need().clientId,
    keyId: () => need().keyId,
    async assertion(claims = {}, header = {}) {
      const { clientId, keyId } = need();
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ sub: clientId, iss: clientId, aud: APPLE_TOKEN_AUDIENCE, iat: now - 60, exp: now + 86400, jti: randomUUID(), ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: keyId, ...header })
        .sign(privateKey);
    },
    async tokenForm(fields = {}) {
      return new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: need().clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await client.assertion(),
        scope: 'business.api',
        ...fields,
      }).toString();
    },
  };
  return client;
}
