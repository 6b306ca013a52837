// Mutual TLS: resellers identified by a client certificate signed by the configured CA
// and registered for them. Certificates are made with the openssl command line in a
// temporary folder for this run only.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { sampleDatabase, TEST_ACTOR, type TestDb } from '../support/db.js';
import { bulk, context, order, startGateway, KEY_A, KEY_B, RESELLER_A, RESELLER_B, SHIP_TO_B } from '../support/http.js';
import type { RunningServer } from '../../src/channels/http/server.js';
import { addCertificate, revokeCredentialById } from '../../src/admin/operations.js';
import { deviceReport } from '../../src/admin/lookups.js';

interface Pki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Signed by the CA, registered for reseller A. */
  signed: { cert: string; key: string };
  /** Signed by the CA, never registered. */
  unregistered: { cert: string; key: string };
  /** Signed by the CA, registered for reseller A and then revoked. */
  revoked: { cert: string; key: string };
  /** Signed by the CA, registered for reseller B. */
  resellerB: { cert: string; key: string };
  /** Signed by nobody but itself. */
  selfSigned: { cert: string; key: string };
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'gw-tls-'));
  const f = (name: string) => join(dir, name);
  const newKey = (name: string) => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(name)]);

  newKey('ca.key');
  openssl([
    'req', '-x509', '-new', '-key', f('ca.key'), '-sha256', '-days', '2', '-subj', '/CN=Gateway Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', f('ca.pem'),
  ]);

  const signLeaf = (name: string, subject: string, ext: string) => {
    newKey(`${name}.key`);
    openssl(['req', '-new', '-key', f(`${name}.key`), '-subj', subject, '-out', f(`${name}.csr`)]);
    writeFileSync(f(`${name}.ext`), ext);
    openssl([
      'x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
      '-days', '2', '-sha256', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`),
    ]);
  };
  signLeaf('server', '/CN=localhost', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';
  signLeaf('client', '/CN=16FCE4A0 client', clientExt);
  signLeaf('unregistered', '/CN=16FCE4A0 unregistered', clientExt);
  signLeaf('revoked', '/CN=16FCE4A0 revoked', clientExt);
  signLeaf('clientb', '/CN=2B7D9C10 client', clientExt);

  newKey('self.key');
  openssl([
    'req', '-x509', '-new', '-key', f('self.key'), '-sha256', '-days', '2', '-subj', '/CN=16FCE4A0 client',
    '-addext', 'extendedKeyUsage=clientAuth', '-out', f('self.pem'),
  ]);

  const pair = (name: string) => ({ cert: f(`${name}.pem`), key: f(`${name}.key`) });
  return {
    dir,
    caCert: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    signed: pair('client'),
    unregistered: pair('unregistered'),
    revoked: pair('revoked'),
    resellerB: pair('clientb'),
    selfSigned: pair('self'),
  };
}

const fingerprint = (certFile: string): string => new X509Certificate(readFileSync(certFile)).fingerprint256;

interface Reply {
  status: number;
  body: any;
  text: string;
}

/** One POST over HTTPS, trusting only the test CA, with an optional client certificate and key. */
function post(
  baseUrl: string,
  path: string,
  body: unknown,
  opts: { ca: string; client?: { cert: string; key: string }; bearer?: string },
): Promise<Reply> {
  const payload = Buffer.from(JSON.stringify(body));
  const url = new URL(`${baseUrl}/enroll-service/1.0/${path}`);
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': payload.length };
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        method: 'POST',
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        headers,
        ca: readFileSync(opts.ca),
        ...(opts.client ? { cert: readFileSync(opts.client.cert), key: readFileSync(opts.client.key) } : {}),
        agent: false,
        rejectUnauthorized: true,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let parsed: any = {};
          try {
            parsed = JSON.parse(text);
          } catch {
            /* asserted on text */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function expectCertificateRefused(r: Reply): void {
  expect(r.status, r.text).to.equal(401);
  expect(r.body.errorCode, r.text).to.equal('GRX-50038');
  expect(r.body.errorMessage).to.be.a('string').that.is.not.empty;
  expect(r.text).to.not.match(/(\\n|\n)\s*at\s+\S/);
  expect(r.text).to.not.include('Error:');
}

function expectAccepted(r: Reply): string {
  expect(r.status, r.text).to.equal(200);
  expect(r.body.enrollDevicesResponse?.statusCode, r.text).to.equal('SUCCESS');
  expect(r.body.deviceEnrollmentTransactionId).to.match(/^[0-9a-f-]{36}_\d{13}$/);
  return r.body.deviceEnrollmentTransactionId as string;
}

let counter = 0;
const serial = (): string => `TLSSN${process.pid % 1000}X${String(++counter).padStart(5, '0')}`;

describe('reseller API over mutual TLS', function () {
  this.timeout(60_000);
  let pki: Pki;
  let t: TestDb;

  before(async () => {
    pki = makePki();
    t = await sampleDatabase();
    await addCertificate(t.db, TEST_ACTOR, RESELLER_A, fingerprint(pki.signed.cert), 'test');
    await addCertificate(t.db, TEST_ACTOR, RESELLER_B, fingerprint(pki.resellerB.cert), 'test B');
    const revokedId = await addCertificate(t.db, TEST_ACTOR, RESELLER_A, fingerprint(pki.revoked.cert), 'to revoke');
    await revokeCredentialById(t.db, TEST_ACTOR, revokedId);
  });
  after(async () => {
    await t?.close();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  describe('with a client certificate required', () => {
    let gw: RunningServer;

    before(async () => {
      gw = await startGateway(t.db, {
        tls: { certFile: pki.serverCert, keyFile: pki.serverKey, clientCaFile: pki.caCert, requireClientCertificate: true },
      });
      expect(gw.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
    });
    after(async () => {
      await gw?.close();
    });

    it('a CA-signed, registered certificate is accepted and acts as its reseller', async () => {
      const s = serial();
      const r = await post(gw.url, 'bulk-enroll-devices', bulk('TX-TLS-1', [order('ORD-TLS-1', 'OR', '19827', [s])]), {
        ca: pki.caCert,
        client: pki.signed,
      });
      const id = expectAccepted(r);
      const report = (await deviceReport(t.db, s))!;
      expect(report.state).to.equal('enrolled');
      expect(report.supplier).to.equal(RESELLER_A);
      const status = await post(gw.url, 'check-transaction-status', { ...context(), deviceEnrollmentTransactionId: id }, { ca: pki.caCert, client: pki.signed });
      expect(status.status, status.text).to.equal(200);
      expect(status.body.deviceEnrollmentTransactionID).to.equal(id);
      expect(status.body.statusCode).to.equal('COMPLETE');
    });

    it("a registered certificate cannot act for another reseller (GRX-90004)", async () => {
      const r = await post(gw.url, 'bulk-enroll-devices', bulk('TX-TLS-X', [order('ORD-TLS-X', 'OR', '30411', [serial()])], RESELLER_B, SHIP_TO_B), {
        ca: pki.caCert,
        client: pki.signed,
      });
      expect(r.status, r.text).to.equal(403);
      expect(r.body.errorCode).to.equal('GRX-90004');
    });

    it("reseller B's certificate acts as B", async () => {
      const s = serial();
      const r = await post(gw.url, 'bulk-enroll-devices', bulk('TX-TLS-B', [order('ORD-TLS-B', 'OR', '30411', [s])], RESELLER_B, SHIP_TO_B), {
        ca: pki.caCert,
        client: pki.resellerB,
      });
      expectAccepted(r);
      expect((await deviceReport(t.db, s))!.supplier).to.equal(RESELLER_B);
    });

    it('no client certificate is GRX-50038 (401), even with a valid bearer key', async () => {
      const s = serial();
      const r = await post(gw.url, 'bulk-enroll-devices', bulk('TX-TLS-2', [order('ORD-TLS-2', 'OR', '19827', [s])]), {
        ca: pki.caCert,
        bearer: KEY_A,
      });
      expectCertificateRefused(r);
      expect(await deviceReport(t.db, s)).to.equal(undefined);
      const none = await post(gw.url, 'show-order-details', { ...context(), orderNumbers: ['ORD-TLS-1'] }, { ca: pki.caCert });
      expectCertificateRefused(none);
    });

    it('a self-signed client certificate is GRX-50038, even with a valid bearer key', async () => {
      const s = serial();
      const r = await post(gw.url, 'bulk-enroll-devices', bulk('TX-TLS-3', [order('ORD-TLS-3', 'OR', '19827', [s])]), {
        ca: pki.caCert,
        client: pki.selfSigned,
        bearer: KEY_A,
      });
      expectCertificateRefused(r);
      expect(await deviceReport(t.db, s)).to.equal(undefined);
    });

    it('a self-signed certificate whose fingerprint is registered is still GRX-50038', async () => {
      // Registration alone must not make a certificate the CA did not sign acceptable.
      const db2 = await sampleDatabase();
      try {
        await addCertificate(db2.db, TEST_ACTOR, RESELLER_A, fingerprint(pki.selfSigned.cert), 'self-signed');
        const gw2 = await startGateway(db2.db, {
          tls: { certFile: pki.serverCert, keyFile: pki.serverKey, clientCaFile: pki.caCert, requireClientCertificate: true },
        });
        try {
          const r = await post(gw2.url, 'bulk-enroll-devices', bulk('TX-TLS-SS', [order('ORD-TLS-SS', 'OR', '19827', [serial()])]), {
            ca: pki.caCert,
            client: pki.selfSigned,
          });
          expectCertificateRefused(r);
        } finally {
          await gw2.close();
        }
      } finally {
        await db2.close();
      }
    });

    it('a CA-signed certificate that is not registered is GRX-50038', async () => {
      const s = serial();
      const r = await post(gw.url, 'bulk-enroll-devices', bulk('TX-TLS-4', [order('ORD-TLS-4', 'OR', '19827', [s])]), {
        ca: pki.caCert,
        client: pki.unregistered,
      });
      expectCertificateRefused(r);
      expect(await deviceReport(t.db, s)).to.equal(undefined);
    });

    it('a CA-signed certificate whose registration was revoked is GRX-50038', async () => {
      const r = await post(gw.url, 'bulk-enroll-devices', bulk('TX-TLS-5', [order('ORD-TLS-5', 'OR', '19827', [serial()])]), {
        ca: pki.caCert,
        client: pki.revoked,
        bearer: KEY_A,
      });
      expectCertificateRefused(r);
    });
  });

  describe('with a client certificate optional', () => {
    let gw: RunningServer;

    before(async () => {
      gw = await startGateway(t.db, {
        tls: { certFile: pki.serverCert, keyFile: pki.serverKey, clientCaFile: pki.caCert, requireClientCertificate: false },
      });
    });
    after(async () => {
      await gw?.close();
    });

    it('no certificate and a valid bearer key works', async () => {
      const s = serial();
      const r = await post(gw.url, 'bulk-enroll-devices', bulk('TX-TLS-OPT-1', [order('ORD-TLS-OPT-1', 'OR', '19827', [s])]), {
        ca: pki.caCert,
        bearer: KEY_A,
      });
      expectAccepted(r);
      expect((await deviceReport(t.db, s))!.supplier).to.equal(RESELLER_A);
    });

    it('no certificate and a key of reseller B acts as B', async () => {
      const r = await post(gw.url, 'show-order-details', { ...context(RESELLER_B, SHIP_TO_B), orderNumbers: ['ORD-TLS-B'] }, {
        ca: pki.caCert,
        bearer: KEY_B,
      });
      expect(r.status, r.text).to.equal(200);
      expect(r.body.orders[0].orderNumber).to.equal('ORD-TLS-B');
      expect(r.body.orders[0]).to.not.have.property('showOrderStatusCode');
    });

    it('no certificate and no key is GRX-50001', async () => {
      const r = await post(gw.url, 'show-order-details', { ...context(), orderNumbers: ['X'] }, { ca: pki.caCert });
      expect(r.status, r.text).to.equal(401);
      expect(r.body.errorCode).to.equal('GRX-50001');
    });

    it('a registered certificate works without any key', async () => {
      const s = serial();
      const r = await post(gw.url, 'bulk-enroll-devices', bulk('TX-TLS-OPT-2', [order('ORD-TLS-OPT-2', 'OR', '19827', [s])]), {
        ca: pki.caCert,
        client: pki.signed,
      });
      expectAccepted(r);
    });

    it('a self-signed certificate is GRX-50038, not silently ignored', async () => {
      const r = await post(gw.url, 'bulk-enroll-devices', bulk('TX-TLS-OPT-3', [order('ORD-TLS-OPT-3', 'OR', '19827', [serial()])]), {
        ca: pki.caCert,
        client: pki.selfSigned,
      });
      expectCertificateRefused(r);
    });
  });
});
