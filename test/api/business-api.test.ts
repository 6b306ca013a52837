// Apple's business API for organisations (spec/abm-org-api.md) over real HTTP against a
// real database: accounts registered through /v1, tokens granted for ES256 client
// assertions made here with a real key, every refusal of the token endpoint, and the
// device and server resources (paging by links.next, sparse fieldsets, assignedServer,
// another organisation's data). The tests of the describe build on each other.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { expect } from 'chai';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { releaseDeviceFromOrg } from '../../src/admin/operations.js';
import { findBusinessAccount, insertBusinessToken } from '../../src/store/business-api.js';
import { sha256Hex } from '../../src/store/suppliers.js';
import { api, makeKey, type ApiAnswer } from '../support/api.js';
import { TEST_ACTOR, databaseKind } from '../support/db.js';
import { KEY_A, RESELLER_A, SHIP_TO_A, bulk, call, order, useSampleGateway } from '../support/http.js';
import { businessClient, type BusinessClient } from '../support/business-api.js';
import { receive } from '../../src/intake/receive.js';
import { intakeDeps } from '../intake/support.js';

const PID = String(process.pid % 1000).padStart(3, '0');
const ba = (n: number): string => `BA${PID}X${String(n).padStart(5, '0')}`;

describe(`business API for organisations (${databaseKind()})`, function () {
  this.timeout(30000);
  const g = useSampleGateway();
  let orgKey = '';
  let otherOrgKey = '';
  let account: BusinessClient;
  let other: BusinessClient;
  let token = '';

  const tokenRequest = (body: string, path = '/auth/oauth2/token') =>
    fetch(`${g.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }).then(async (r) => ({ status: r.status, headers: r.headers, body: (await r.json()) as any }));
  const get = (path: string, bearer: string) => api(g.url, 'GET', path, bearer);
  const expectAppleError = (a: ApiAnswer, status: number, code: string) => {
    expect(a.status, a.text).to.equal(status);
    expect(a.body.errors, a.text).to.have.lengthOf(1);
    expect(a.body.errors[0]).to.include({ status: String(status), code });
    expect(a.body.errors[0].detail).to.be.a('string').and.not.equal('');
  };

  async function register(key: string, keyId?: string): Promise<BusinessClient> {
    const client = await businessClient();
    const a = await api(g.url, 'POST', '/v1/business-api-accounts', key, { publicKey: client.publicKeyPem, ...(keyId ? { keyId } : {}) });
    expect(a.status, a.text).to.equal(201);
    expect(a.body.clientId).to.match(/^BUSINESSAPI\.[0-9a-f-]{36}$/);
    expect(a.body.publicKey).to.include({ kty: 'EC', crv: 'P-256' });
    if (keyId) expect(a.body.keyId).to.equal(keyId);
    client.register(a.body.clientId, a.body.keyId);
    return client;
  }
  /** A token request's form: `client`'s fields with `clientAssertion`, `overrides` on top. */
  const form = (client: { clientId(): string }, clientAssertion: string, overrides: Record<string, string> = {}) =>
    new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.clientId(),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
      scope: 'business.api',
      ...overrides,
    }).toString();

  before(async function () {
    orgKey = (await makeKey(g.t.db, 'org_admin', { orgId: '19827' })).key;
    otherOrgKey = (await makeKey(g.t.db, 'org_admin', { orgId: '30411' })).key;
    // 19827 has added reseller A: iPads go to its default iPad server; a device of no family to none.
    const day = '2026-03-02';
    const devices = [1, 2, 3].map((n) => ({ deviceId: ba(n), deviceFamily: 'iPad' })).concat([{ deviceId: ba(4) } as any]);
    const posted = await call(
      g.url,
      'bulk-enroll-devices',
      bulk('TX-BA-1', [order('ORD-BA-1', 'OR', '19827', null, { orderDate: `${day}T10:00:00Z`, deliveries: [{ deliveryNumber: 'D-BA-1', shipDate: `${day}T12:00:00Z`, devices }] })], RESELLER_A, SHIP_TO_A),
      { key: KEY_A },
    );
    expect(posted.status, posted.text).to.equal(200);
    const posted2 = await call(
      g.url,
      'bulk-enroll-devices',
      bulk('TX-BA-2', [order('ORD-BA-2', 'OR', '30411', null, { orderDate: `${day}T10:00:00Z`, deliveries: [{ deliveryNumber: 'D-BA-2', shipDate: `${day}T12:00:00Z`, devices: [{ deviceId: ba(9) }] }] })], RESELLER_A, SHIP_TO_A),
      { key: KEY_A },
    );
    expect(posted2.status, posted2.text).to.equal(200);
    // Apple's own sale to 19827 (customer number 0000123456): its 856 waits for its 850.
    for (const file of ['apple-856.edi', 'apple-850.edi']) {
      const result = await receive(intakeDeps(g.t.db), { partnerId: 'APPLE', channel: 'cli', fileName: file, path: `samples/documents/${file}`, actor: 'test' });
      expect(result.status, JSON.stringify(result.errors)).to.equal(file === 'apple-856.edi' ? 'awaiting_order' : 'applied');
    }
  });

  it('registers accounts for EC P-256 keys only, with unique key ids, audited', async () => {
    account = await register(orgKey, `kid-${PID}-a`);
    other = await register(otherOrgKey);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const refused = await api(g.url, 'POST', '/v1/business-api-accounts', orgKey, { publicKey: rsa });
    expect(refused.status, refused.text).to.equal(422);
    expect(refused.body.error.message).to.match(/EC P-256/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect((await api(g.url, 'POST', '/v1/business-api-accounts', orgKey, { publicKey: p384 })).status).to.equal(422);
    const again = await api(g.url, 'POST', '/v1/business-api-accounts', orgKey, { publicKey: (await businessClient()).publicKeyPem, keyId: account.keyId() });
    expect(again.status, again.text).to.equal(409);
    const listed = await api(g.url, 'GET', '/v1/business-api-accounts', orgKey);
    expect(listed.body.items.map((x: any) => x.clientId)).to.deep.equal([account.clientId()]);
    const audited = (await g.t.db('audit_log').where({ action: 'business-api.account.create' }).select('detail_json')) as { detail_json: string }[];
    expect(audited.map((r) => JSON.parse(r.detail_json).clientId)).to.include.members([account.clientId(), other.clientId()]);
  });

  it('grants a one-hour token for a good assertion, from the form or the query string, at both token URLs', async () => {
    const granted = await tokenRequest(form(account, await account.assertion()));
    expect(granted.status, JSON.stringify(granted.body)).to.equal(200);
    expect(granted.body).to.include({ token_type: 'Bearer', expires_in: 3600, scope: 'business.api' });
    token = granted.body.access_token;
    expect(token).to.match(/^gwat_/);
    const stored = (await g.t.db('business_api_tokens').select('digest')) as { digest: string }[];
    expect(stored.map((r) => r.digest)).to.include(sha256Hex(token));
    expect(JSON.stringify(stored)).not.to.include(token);
    const v2 = await tokenRequest(form(account, await account.assertion({ aud: `${g.url}/auth/oauth2/v2/token` })), '/auth/oauth2/v2/token');
    expect(v2.status, JSON.stringify(v2.body)).to.equal(200);
    const inQuery = await fetch(`${g.url}/auth/oauth2/token?${form(account, await account.assertion())}`, { method: 'POST' });
    expect(inQuery.status).to.equal(200);
  });

  it('refuses every bad assertion and client with the OAuth error', async () => {
    const stranger = await businessClient();
    stranger.register(account.clientId(), account.keyId());
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string][] = [
      ['wrong signature', form(account, await stranger.assertion())],
      ["another key's kid", form(account, await account.assertion({}, { kid: other.keyId() }))],
      ['expired', form(account, await account.assertion({ iat: now - 7200, exp: now - 3600 }))],
      ['over 180 days', form(account, await account.assertion({ iat: now - 60, exp: now + 181 * 86400 }))],
      ['wrong aud', form(account, await account.assertion({ aud: 'https://example.com/token' }))],
      ['sub is not the client', form(account, await account.assertion({ sub: other.clientId() }))],
      ['unknown client', form({ clientId: () => `BUSINESSAPI.${randomUUID()}` }, await account.assertion())],
    ];
    for (const [what, body] of cases) {
      const r = await tokenRequest(body);
      expect(r.status, what).to.equal(400);
      expect(r.body.error, `${what}: ${JSON.stringify(r.body)}`).to.equal('invalid_client');
    }
    const missing = await tokenRequest(form(account, await account.assertion(), { grant_type: 'password' }));
    expect(missing.body.error).to.equal('unsupported_grant_type');
    expect((await tokenRequest('grant_type=client_credentials')).body.error).to.equal('invalid_request');
  });

  it('lists the organisation\'s devices page by page, following links.next verbatim', async () => {
    const seen: string[] = [];
    let next: string | undefined = `${g.url}/v1/orgDevices?limit=1`;
    for (let pages = 0; next; pages++) {
      expect(pages).to.be.below(50);
      const r = await fetch(next, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
      const body = (await r.json()) as any;
      expect(r.status, JSON.stringify(body)).to.equal(200);
      expect(body.data).to.have.lengthOf.at.most(1);
      expect(body.meta.paging.limit).to.equal(1);
      seen.push(...body.data.map((d: any) => d.id));
      next = body.links.next;
      if (next) expect(next).to.match(/^http:\/\/.+\/v1\/orgDevices\?limit=1&cursor=/);
      else expect(body.meta.paging.nextCursor).to.equal(undefined);
    }
    const ours = seen.filter((s) => s.startsWith(`BA${PID}`));
    expect(ours).to.deep.equal([1, 2, 3, 4].map(ba));
    expect(seen).not.to.include(ba(9)); // 30411's
    const one = await get(`/v1/orgDevices/${ba(1)}`, token);
    expect(one.status, one.text).to.equal(200);
    const attrs = one.body.data.attributes;
    expect(one.body.data).to.include({ type: 'orgDevices', id: ba(1) });
    expect(attrs).to.include({ serialNumber: ba(1), productFamily: 'iPad', status: 'ASSIGNED', orderNumber: 'ORD-BA-1', purchaseSourceType: 'RESELLER', purchaseSourceId: RESELLER_A, color: '' });
    expect(attrs.orderDateTime).to.equal('2026-03-02T10:00:00Z');
    expect(attrs.releasedFromOrgDateTime).to.equal(null);
    expect(attrs.imei).to.deep.equal([]);
    expect(one.body.data.relationships.assignedServer.links.related).to.equal(`${g.url}/v1/orgDevices/${ba(1)}/assignedServer`);
    expect(attrs).to.include({ isMdmMigrationCapable: false, mdmMigrationStatus: null, releaserId: null });
    // AppleCare is not known here: said in the API's error shape, not answered as "none".
    expectAppleError(await get(`/v1/orgDevices/${ba(1)}/appleCareCoverage`, token), 404, 'NOT_FOUND');
  });

  it("names each device's source: Apple with the order's customer number, or the reseller", async () => {
    const apple = await get('/v1/orgDevices/DMPX1A2B3C01', token);
    expect(apple.status, apple.text).to.equal(200);
    expect(apple.body.data.attributes).to.include({ purchaseSourceType: 'APPLE', purchaseSourceId: '0000123456', orderNumber: 'APL-850-1001', productFamily: 'iPad' });
    const reseller = await get(`/v1/orgDevices/${ba(2)}`, token);
    expect(reseller.body.data.attributes).to.include({ purchaseSourceType: 'RESELLER', purchaseSourceId: RESELLER_A });
  });

  it('honours fields[orgDevices], refuses unknown names, and accepts //v1/ paths', async () => {
    const r = await get(`/v1/orgDevices?fields%5BorgDevices%5D=serialNumber,status&limit=2`, token);
    expect(r.status, r.text).to.equal(200);
    for (const d of r.body.data) expect(Object.keys(d.attributes).sort()).to.deep.equal(['serialNumber', 'status']);
    expectAppleError(await get('/v1/orgDevices?fields[orgDevices]=serialNumber,shoeSize', token), 400, 'PARAMETER_ERROR.INVALID');
    const doubled = await fetch(`${g.url}//v1/orgDevices/${ba(2)}`, { headers: { authorization: `Bearer ${token}` } });
    expect(doubled.status).to.equal(200);
  });

  it('answers the assigned server of a device, and null for a device on none', async () => {
    const linkage = await get(`/v1/orgDevices/${ba(1)}/relationships/assignedServer`, token);
    expect(linkage.status, linkage.text).to.equal(200);
    expect(linkage.body.data.type).to.equal('mdmServers');
    const server = await get(`/v1/orgDevices/${ba(1)}/assignedServer`, token);
    expect(server.body.data.id).to.equal(linkage.body.data.id);
    expect(server.body.data.attributes).to.include({ serverName: 'Northwind MDM (iPad)', serverType: 'MDM', status: 'ACTIVE' });
    expect(server.body.data.attributes.defaultProductFamilies).to.deep.equal(['IPAD']);
    expect(server.body.data.attributes.deviceCount).to.be.at.least(3);
    const none = await get(`/v1/orgDevices/${ba(4)}/relationships/assignedServer`, token);
    expect(none.status, none.text).to.equal(200);
    expect(none.body.data).to.equal(null);
    expect((await get(`/v1/orgDevices/${ba(4)}`, token)).body.data.attributes.status).to.equal('UNASSIGNED');
    expect((await get(`/v1/orgDevices/${ba(4)}/assignedServer`, token)).body.data).to.equal(null);

    const servers = await get('/v1/mdmServers?limit=1000', token);
    expect(servers.status, servers.text).to.equal(200);
    const ipad = servers.body.data.find((s: any) => s.id === linkage.body.data.id);
    expect(ipad.attributes.serverName).to.equal('Northwind MDM (iPad)');
    const onIt = await get(`/v1/mdmServers/${ipad.id}/relationships/devices?limit=1000`, token);
    expect(onIt.body.data.filter((d: any) => d.id.startsWith(`BA${PID}`))).to.deep.equal([1, 2, 3].map((n) => ({ type: 'orgDevices', id: ba(n) })));
  });

  it("never shows another organisation's device or server; answers a released device's read", async () => {
    expectAppleError(await get(`/v1/orgDevices/${ba(9)}`, token), 404, 'NOT_FOUND');
    const otherToken = (await tokenRequest(form(other, await other.assertion()))).body.access_token as string;
    const theirServers = (await get('/v1/mdmServers', otherToken)).body.data.map((s: any) => s.id);
    const ours = (await get('/v1/mdmServers', token)).body.data.map((s: any) => s.id).filter((id: string) => !theirServers.includes(id));
    expect(ours.length).to.be.above(0);
    expectAppleError(await get(`/v1/mdmServers/${ours[0]}/relationships/devices`, otherToken), 404, 'NOT_FOUND');
    await releaseDeviceFromOrg(g.t.db, TEST_ACTOR, '19827', ba(3), 'sold');
    const released = await get(`/v1/orgDevices/${ba(3)}`, token);
    expect(released.status, released.text).to.equal(200);
    expect(released.body.data.attributes.releasedFromOrgDateTime).to.be.a('string');
    expect(released.body.data.attributes.releaserId).to.equal(TEST_ACTOR.name);
    expect(released.body.data.attributes.status).to.equal('UNASSIGNED');
    const listed = (await get('/v1/orgDevices?limit=1000', token)).body.data.map((d: any) => d.id);
    expect(listed).not.to.include(ba(3));
  });

  /** Posts an activity; answers the POST's answer. */
  const postActivity = (activityType: string, serials: string[], serverId?: string, bearer = token) =>
    api(g.url, 'POST', '/v1/orgDeviceActivities', bearer, {
      data: {
        type: 'orgDeviceActivities',
        attributes: { activityType },
        relationships: { ...(serverId ? { mdmServer: { data: { type: 'mdmServers', id: serverId } } } : {}), devices: { data: serials.map((id) => ({ type: 'orgDevices', id })) } },
      },
    });
  /** Polls the activity as a client does until it leaves IN_PROGRESS. */
  async function completed(id: string): Promise<any> {
    for (let i = 0; i < 50; i++) {
      const a = await get(`/v1/orgDeviceActivities/${id}`, token);
      expect(a.status, a.text).to.equal(200);
      if (a.body.data.attributes.status !== 'IN_PROGRESS') return a.body.data;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`activity ${id} did not complete`);
  }
  const serverNamed = async (name: string): Promise<string> => (await get('/v1/mdmServers?limit=1000', token)).body.data.find((s: any) => s.attributes.serverName === name).id;

  it('assigns devices through an activity: IN_PROGRESS, then COMPLETED; a device that cannot move is named in the CSV', async () => {
    const mac = await serverNamed('Northwind MDM (Mac)');
    const posted = await postActivity('ASSIGN_DEVICES', [ba(1), ba(4), ba(3)], mac);
    expect(posted.status, posted.text).to.equal(201);
    expect(posted.body.data.type).to.equal('orgDeviceActivities');
    expect(posted.body.data.attributes).to.include({ status: 'IN_PROGRESS', subStatus: 'SUBMITTED', activityType: 'ASSIGN_DEVICES' });
    const done = await completed(posted.body.data.id);
    expect(done.attributes).to.include({ status: 'COMPLETED', subStatus: 'COMPLETED_WITH_ERROR' });
    expect(done.attributes.completedDateTime).to.be.a('string');
    expect(done.attributes.downloadUrl).to.equal(`${g.url}/v1/orgDeviceActivities/${posted.body.data.id}/results`);
    const csv = await fetch(done.attributes.downloadUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(csv.status).to.equal(200);
    expect(csv.headers.get('content-type')).to.match(/^text\/csv/);
    const rows = (await csv.text()).trim().split('\r\n').map((l) => l.split(','));
    expect(rows[0]).to.deep.equal(['serialNumber', 'result', 'errorCode', 'errorMessage']);
    expect(rows.slice(1).map((r) => r.slice(0, 3))).to.deep.equal([
      [ba(1), 'SUCCESS', ''],
      [ba(4), 'SUCCESS', ''],
      [ba(3), 'FAILED', 'GW-AS-4402'],
    ]);
    const server = await get(`/v1/orgDevices/${ba(4)}/relationships/assignedServer`, token);
    expect(server.body.data.id).to.equal(mac);
    // Only the account that made it fetches the results; another organisation does not see it.
    const otherToken = (await tokenRequest(form(other, await other.assertion()))).body.access_token as string;
    expect((await get(`/v1/orgDeviceActivities/${posted.body.data.id}`, otherToken)).status).to.equal(404);
    expect((await get(`/v1/orgDeviceActivities/${posted.body.data.id}/results`, otherToken)).status).to.equal(404);
    const audited = (await g.t.db('audit_log').where('action', 'like', 'business-api.activity.%').select('action', 'detail_json')) as { action: string; detail_json: string }[];
    expect(audited.filter((a) => JSON.parse(a.detail_json).activityId === posted.body.data.id).map((a) => a.action).sort()).to.deep.equal([
      'business-api.activity.complete',
      'business-api.activity.submit',
    ]);
  });

  it('unassigns a device, and refuses what it cannot carry out before recording anything', async () => {
    const mac = await serverNamed('Northwind MDM (Mac)');
    const posted = await postActivity('UNASSIGN_DEVICES', [ba(4)], mac);
    expect(posted.status, posted.text).to.equal(201);
    expect((await completed(posted.body.data.id)).attributes.subStatus).to.equal('COMPLETED_WITH_SUCCESS');
    expect((await get(`/v1/orgDevices/${ba(4)}`, token)).body.data.attributes.status).to.equal('UNASSIGNED');
    const before = Number(((await g.t.db('org_device_activities').count({ n: '*' }).first()) as { n: unknown }).n);
    expectAppleError(await postActivity('ASSIGN_DEVICES', [ba(1), 'NOSUCHSERIAL9'], mac), 409, 'ENTITY_ERROR');
    expectAppleError(await postActivity('ASSIGN_DEVICES', [ba(9)], mac), 409, 'ENTITY_ERROR'); // 30411's device
    expectAppleError(await postActivity('ASSIGN_DEVICES', [ba(1)], 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF'), 409, 'ENTITY_ERROR');
    expectAppleError(await postActivity('ASSIGN_DEVICES', [ba(1)]), 422, 'ENTITY_ERROR.ATTRIBUTE.INVALID');
    expectAppleError(await postActivity('RELEASE_DEVICES', [ba(1)], mac), 422, 'ENTITY_ERROR.ATTRIBUTE.INVALID');
    expectAppleError(await postActivity('CANCEL_MDM_MIGRATION', [ba(1)]), 422, 'ENTITY_ERROR.ATTRIBUTE.INVALID');
    expectAppleError(await postActivity('PAINT_DEVICES', [ba(1)]), 400, 'PARAMETER_ERROR.INVALID');
    expectAppleError(await api(g.url, 'POST', '/v1/orgDeviceActivities', token, { data: { type: 'orgDeviceActivities' } }), 400, 'PARAMETER_ERROR.INVALID');
    expect(Number(((await g.t.db('org_device_activities').count({ n: '*' }).first()) as { n: unknown }).n)).to.equal(before);
  });

  it('releases a device through an activity: a later reseller order for it is refused with GW-DE-4310', async () => {
    const posted = await postActivity('RELEASE_DEVICES', [ba(2)]);
    expect(posted.status, posted.text).to.equal(201);
    expect((await completed(posted.body.data.id)).attributes.subStatus).to.equal('COMPLETED_WITH_SUCCESS');
    expect((await get(`/v1/orgDevices/${ba(2)}`, token)).body.data.attributes.releasedFromOrgDateTime).to.be.a('string');
    const day = '2026-03-05';
    const again = await call(
      g.url,
      'bulk-enroll-devices',
      bulk('TX-BA-3', [order('ORD-BA-3', 'OR', '19827', null, { orderDate: `${day}T10:00:00Z`, deliveries: [{ deliveryNumber: 'D-BA-3', shipDate: `${day}T12:00:00Z`, devices: [{ deviceId: ba(2) }] }] })], RESELLER_A, SHIP_TO_A),
      { key: KEY_A },
    );
    expect(again.status, again.text).to.equal(200);
    const status = await call(g.url, 'check-transaction-status', { requestContext: { shipTo: SHIP_TO_A, timeZone: '420', langCode: 'en' }, depResellerId: RESELLER_A, deviceEnrollmentTransactionId: again.body.deviceEnrollmentTransactionId }, { key: KEY_A });
    const device = (status.body as any).orders[0].deliveries[0].devices[0];
    expect(device).to.include({ deviceId: ba(2), devicePostStatus: 'GW-DE-4310' });
  });

  it('keeps the two kinds of credential apart, refuses expired tokens and stops a revoked account at once', async () => {
    expectAppleError(await get('/v1/orgDevices', orgKey), 403, 'FORBIDDEN_ERROR');
    expect((await get('/v1/devices', token)).status).to.equal(403);
    expectAppleError(await get('/v1/orgDevices', 'gwat_not-a-token'), 401, 'NOT_AUTHORIZED');
    const acc = (await findBusinessAccount(g.t.db, account.clientId()))!;
    const stale = 'gwat_stale_token_for_this_test';
    await insertBusinessToken(g.t.db, sha256Hex(stale), acc.pk, '2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z');
    expectAppleError(await get('/v1/orgDevices', stale), 401, 'NOT_AUTHORIZED');
    const revoked = await api(g.url, 'DELETE', `/v1/business-api-accounts/${account.clientId()}`, orgKey);
    expect(revoked.status, revoked.text).to.equal(200);
    expect(revoked.body.revokedAt).to.be.a('string');
    expectAppleError(await get('/v1/orgDevices', token), 401, 'NOT_AUTHORIZED');
    const refused = await tokenRequest(form(account, await account.assertion()));
    expect(refused.body.error).to.equal('invalid_client');
    expect((await api(g.url, 'DELETE', `/v1/business-api-accounts/${other.clientId()}`, orgKey)).status).to.equal(404);
  });

  it('slows a client that asks for tokens too often: 429 with Retry-After', async () => {
    const body = form(other, 'not-a-jwt');
    let last = await tokenRequest(body);
    for (let i = 0; i < 40 && last.status !== 429; i++) last = await tokenRequest(body);
    expect(last.status).to.equal(429);
    expect(Number(last.headers.get('retry-after'))).to.be.within(1, 60);
  });

  it('slows a client that calls the resources too often: 429 RATE_LIMIT_EXCEEDED with Retry-After, other clients unaffected', async () => {
    const busy = await register(otherOrgKey);
    const busyToken = (await tokenRequest(form(busy, await busy.assertion()))).body.access_token as string;
    let last: ApiAnswer | undefined;
    for (let i = 0; i < 700; i++) {
      last = await get('/v1/mdmServers?limit=1', busyToken);
      if (last.status !== 200) break;
    }
    expectAppleError(last!, 429, 'RATE_LIMIT_EXCEEDED');
    expect(Number(last!.headers.get('retry-after'))).to.be.within(1, 60);
    const quiet = await register(otherOrgKey);
    const calm = (await tokenRequest(form(quiet, await quiet.assertion()))).body.access_token as string;
    expect((await get('/v1/mdmServers?limit=1', calm)).status).to.equal(200);
  });
});
