// The devices of the query API over real HTTP against a real database (SQLite, or
// PostgreSQL when DATABASE_URL is set), loaded with samples/: search, one device with its
// history, server assignment, default servers and release. Devices are enrolled through
// the reseller API, so the real enrollment path runs. The tests of one describe run in
// order and build on each other's changes.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { revokePrincipalKey } from '../../src/admin/operations.js';
import { api, makeKey, type ApiAnswer } from '../support/api.js';
import { TEST_ACTOR, databaseKind } from '../support/db.js';
import { KEY_A, KEY_B, RESELLER_A, RESELLER_B, SHIP_TO_A, SHIP_TO_B, bulk, call, context, order, useSampleGateway, type DeviceSpec } from '../support/http.js';

const PID = String(process.pid % 1000).padStart(3, '0');
/** A serial of this suite: upper-case letters and digits, 11 characters. */
const dv = (n: number): string => `DV${PID}X${String(n).padStart(5, '0')}`;
const UNKNOWN = dv(99999);

function ord(orderNumber: string, type: string, customerId: string, devices: (string | DeviceSpec)[] | null, day: string) {
  return order(orderNumber, type, customerId, null, {
    orderDate: `${day}T10:00:00Z`,
    ...(devices === null
      ? {}
      : { deliveries: [{ deliveryNumber: `D-${orderNumber}`, shipDate: `${day}T12:00:00Z`, devices: devices.map((d) => (typeof d === 'string' ? { deviceId: d } : d)) }] }),
  });
}

/** Posts a transaction as reseller A or B; answers its enrollment id and per-device statuses. */
async function enrol(url: string, who: 'A' | 'B', transactionId: string, orders: unknown[]): Promise<{ enrollmentId: string; devices: Map<string, string> }> {
  const [reseller, shipTo, key] = who === 'A' ? [RESELLER_A, SHIP_TO_A, KEY_A] : [RESELLER_B, SHIP_TO_B, KEY_B];
  const posted = await call(url, 'bulk-enroll-devices', bulk(transactionId, orders, reseller, shipTo), { key });
  expect(posted.status, posted.text).to.equal(200);
  const enrollmentId = posted.body.deviceEnrollmentTransactionId as string;
  const status = await call(url, 'check-transaction-status', { ...context(reseller, shipTo), deviceEnrollmentTransactionId: enrollmentId }, { key });
  expect(status.status, status.text).to.equal(200);
  const devices = new Map<string, string>();
  for (const o of (status.body as any).orders ?? []) for (const d of o.deliveries ?? []) for (const x of d.devices ?? []) devices.set(x.deviceId, x.devicePostStatus);
  return { enrollmentId, devices };
}

function expectError(a: ApiAnswer, status: number, code: string): void {
  expect(a.status, a.text).to.equal(status);
  expect(a.body.error.code, a.text).to.equal(code);
  expect(a.body.error.requestId).to.equal(a.headers.get('x-request-id'));
}

async function walk(url: string, path: string, key: string, limit: number, pick: (body: any) => { items: any[]; nextCursor: string | null } = (b) => b): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const a = await api(url, 'GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, key);
    expect(a.status, a.text).to.equal(200);
    const page = pick(a.body);
    expect(page.items.length).to.be.at.most(limit);
    if (page.nextCursor !== null) expect(page.items).to.have.lengthOf(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
    expect(pages, 'the walk ends').to.be.below(100);
  } while (cursor !== null);
  return { items, pages };
}

describe(`query API: devices (${databaseKind()})`, function () {
  this.timeout(30000);
  const g = useSampleGateway();
  const keys = {} as Record<'operator' | 'org19827' | 'org30411' | 'finance', string>;
  let orgKeyId19827 = '';
  let movedEnrollmentId = '';
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  let openApi: any;

  /** The answer matches the 200 schema its route declares in /openapi.json. */
  function conforms(method: 'get' | 'post' | 'put', template: string, a: ApiAnswer): void {
    expect(a.status, a.text).to.equal(200);
    const schema = openApi.paths[`/v1${template}`][method].responses['200'].content['application/json'].schema;
    const validate = ajv.compile(schema);
    expect(validate(a.body), `${template}: ${JSON.stringify(validate.errors)}`).to.equal(true);
  }

  const serials = (a: ApiAnswer): string[] => a.body.items.map((d: any) => d.serial);
  const get = (path: string, key: string) => api(g.url, 'GET', `/v1${path}`, key);
  const assign = (key: string, body: unknown) => api(g.url, 'POST', '/v1/devices/assignments', key, body);
  const release = (key: string, serial: string, body: unknown) => api(g.url, 'POST', `/v1/devices/${serial}/release`, key, body);

  before(async function () {
    keys.operator = (await makeKey(g.t.db, 'operator')).key;
    const k = await makeKey(g.t.db, 'org_admin', { orgId: '19827' });
    keys.org19827 = k.key;
    orgKeyId19827 = k.keyId;
    keys.org30411 = (await makeKey(g.t.db, 'org_admin', { orgId: '30411' })).key;
    keys.finance = (await makeKey(g.t.db, 'finance')).key;
    openApi = (await api(g.url, 'GET', '/openapi.json', null)).body;

    // 19827 has added reseller A (default servers: iPad and Mac), 30411 both, 55120 none.
    await enrol(g.url, 'A', 'TX-DV-1', [
      ord('ORD-D-1', 'OR', '19827', [{ deviceId: dv(1), deviceFamily: 'iPad' }, { deviceId: dv(2), deviceFamily: 'iPad' }, { deviceId: dv(3), deviceFamily: 'Mac' }, dv(4), dv(5)], '2026-01-10'),
    ]);
    // dv(20) is enrolled to 30411, returned, then sold to 19827.
    await enrol(g.url, 'A', 'TX-DV-2', [ord('ORD-D-2', 'OR', '30411', [dv(20), dv(21)], '2026-01-10')]);
    expect((await enrol(g.url, 'A', 'TX-DV-3', [ord('RET-D-2', 'RE', '30411', [dv(20)], '2026-01-20')])).devices.get(dv(20))).to.equal('COMPLETE');
    const moved = await enrol(g.url, 'A', 'TX-DV-4', [ord('ORD-D-3', 'OR', '19827', [dv(20)], '2026-02-01')]);
    expect(moved.devices.get(dv(20))).to.equal('COMPLETE');
    movedEnrollmentId = moved.enrollmentId;
    // dv(6) is returned while in 19827.
    await enrol(g.url, 'A', 'TX-DV-5', [ord('ORD-D-4', 'OR', '19827', [dv(6)], '2026-02-02')]);
    await enrol(g.url, 'A', 'TX-DV-6', [ord('RET-D-4', 'RE', '19827', [dv(6)], '2026-02-03')]);
    await enrol(g.url, 'B', 'TX-DV-B1', [ord('ORD-DB-1', 'OR', '30411', [dv(30), dv(31)], '2026-01-15')]);
    // 19827 has not added reseller B: pending.
    await enrol(g.url, 'B', 'TX-DV-B2', [ord('ORD-DB-2', 'OR', '19827', [dv(40)], '2026-01-15')]);
  });

  const ALL = [1, 2, 3, 4, 5, 6, 20, 21, 30, 31, 40].map(dv);
  const ORG_19827 = [1, 2, 3, 4, 5, 6, 20, 40].map(dv);

  // ---- search ----------------------------------------------------------------------------

  it('the operator searches every device, by serial, prefix, state, family, server, supplier, order and organisation', async () => {
    const all = await get('/devices', keys.operator);
    conforms('get', '/devices', all);
    expect(serials(all)).to.deep.equal(ALL);
    expect(all.body.items[0]).to.deep.equal({
      serial: dv(1),
      state: 'enrolled',
      orgId: '19827',
      supplierId: RESELLER_A,
      orderNumber: 'ORD-D-1',
      family: 'iPad',
      assetTag: null,
      server: 'Northwind MDM (iPad)',
      updatedAt: all.body.items[0].updatedAt,
      links: { self: `/v1/devices/${dv(1)}`, order: `/v1/orders/${RESELLER_A}/ORD-D-1` },
    });
    const q = async (query: string) => serials(await get(`/devices?${query}`, keys.operator));
    expect(await q(`serial=${dv(3)}`)).to.deep.equal([dv(3)]);
    expect(await q(`serialPrefix=DV${PID}X0000`)).to.deep.equal([1, 2, 3, 4, 5, 6].map(dv));
    expect(await q(`serialPrefix=DV${PID}X0003`)).to.deep.equal([30, 31].map(dv));
    expect(await q('state=pending')).to.deep.equal([dv(40)]);
    expect(await q('state=returned')).to.deep.equal([dv(6)]);
    expect(await q('family=Mac')).to.deep.equal([dv(3)]);
    expect(await q(`server=${encodeURIComponent('Northwind MDM (iPad)')}`)).to.deep.equal([dv(1), dv(2)]);
    expect(await q(`supplier=${RESELLER_B}`)).to.deep.equal([30, 31, 40].map(dv));
    expect(await q('orderNumber=ORD-D-1')).to.deep.equal([1, 2, 3, 4, 5].map(dv));
    expect(await q(`orderNumber=ORD-D-1&supplier=${RESELLER_B}`)).to.deep.equal([]);
    // dv(20) moved to 19827: 30411 keeps dv(21) and reseller B's two.
    expect(await q('org=30411')).to.deep.equal([21, 30, 31].map(dv));
  });

  it("an organisation admin finds its organisation's devices only; naming another is 403, another's device 404 like missing", async () => {
    expect(serials(await get('/devices', keys.org19827))).to.deep.equal(ORG_19827);
    expectError(await get('/devices?org=30411', keys.org19827), 403, 'GW-AUTH-403');
    expect(serials(await get('/devices?org=19827', keys.org19827))).to.deep.equal(ORG_19827);
    expect(serials(await get(`/devices?serial=${dv(30)}`, keys.org19827))).to.deep.equal([]);
    const other = await get(`/devices/${dv(30)}`, keys.org19827);
    const missing = await get(`/devices/${UNKNOWN}`, keys.org19827);
    expectError(other, 404, 'GW-DE-4320');
    expectError(missing, 404, 'GW-DE-4320');
    expect(other.body.error.message).to.equal(`Device ${dv(30)} was not found.`);
    expect(Object.keys(other.body.error)).to.deep.equal(Object.keys(missing.body.error));
    // It left 30411 for 19827: 30411 no longer sees it.
    expectError(await get(`/devices/${dv(20)}`, keys.org30411), 404, 'GW-DE-4320');
    expect(serials(await get('/devices', keys.org30411))).to.deep.equal([21, 30, 31].map(dv));
  });

  it("one device: its state and history with the transaction behind each change; an organisation sees only its own events", async () => {
    const op = await get(`/devices/${dv(20)}`, keys.operator);
    conforms('get', '/devices/{serial}', op);
    expect(op.body.history.items.map((e: any) => [e.event, e.fromState, e.toState, e.orgId, e.orderNumber])).to.deep.equal([
      ['enrolled', null, 'enrolled', '30411', 'ORD-D-2'],
      ['returned', 'enrolled', 'returned', '30411', 'ORD-D-2'],
      ['enrolled', 'returned', 'enrolled', '19827', 'ORD-D-3'],
    ]);

    const mine = await get(`/devices/${dv(20)}`, keys.org19827);
    conforms('get', '/devices/{serial}', mine);
    expect(mine.body).to.include({ serial: dv(20), state: 'enrolled', orgId: '19827', supplierId: RESELLER_A, orderNumber: 'ORD-D-3', released: null });
    expect(mine.body.history.items).to.have.lengthOf(1);
    const [e] = mine.body.history.items;
    expect(e).to.include({ event: 'enrolled', orgId: '19827', supplierId: RESELLER_A, orderNumber: 'ORD-D-3', document: `transaction ${movedEnrollmentId}`, actor: `reseller:${RESELLER_A}` });
    expect(e.transaction).to.deep.equal({ supplierId: RESELLER_A, transactionId: 'TX-DV-4', enrollmentId: movedEnrollmentId });

    const pending = await get(`/devices/${dv(40)}`, keys.org19827);
    conforms('get', '/devices/{serial}', pending);
    expect(pending.body.state).to.equal('pending');
    expect(pending.body.pendingReason).to.equal(
      `GW-OR-4120: Organisation 19827 has not added reseller ${RESELLER_B}: 1 device(s) are held as pending and will be enrolled when it does.`,
    );
  });

  it('pagination walks every device and every event exactly once; a cursor reused with other filters is GW-API-4002', async () => {
    for (const limit of [1, 3, 5]) {
      const { items, pages } = await walk(g.url, '/v1/devices', keys.operator, limit);
      expect(items.map((d) => d.serial)).to.deep.equal(ALL);
      expect(pages).to.equal(Math.ceil(ALL.length / limit));
    }
    const org = await walk(g.url, '/v1/devices', keys.org19827, 3);
    expect(org.items.map((d) => d.serial)).to.deep.equal(ORG_19827);
    const history = await walk(g.url, `/v1/devices/${dv(20)}`, keys.operator, 1, (b) => b.history);
    expect(history.items.map((e) => e.event)).to.deep.equal(['enrolled', 'returned', 'enrolled']);

    const first = await get('/devices?limit=2', keys.operator);
    const cursor = encodeURIComponent(first.body.nextCursor);
    expect(serials(await get(`/devices?limit=2&cursor=${cursor}`, keys.operator))).to.deep.equal(ALL.slice(2, 4));
    expectError(await get(`/devices?limit=2&state=enrolled&cursor=${cursor}`, keys.operator), 400, 'GW-API-4002');
    const h = await get(`/devices/${dv(20)}?limit=1`, keys.operator);
    expectError(await get(`/devices/${dv(1)}?limit=1&cursor=${encodeURIComponent(h.body.history.nextCursor)}`, keys.operator), 400, 'GW-API-4002');
    // A device cursor is no history cursor.
    expectError(await get(`/devices/${dv(20)}?cursor=${cursor}`, keys.operator), 400, 'GW-API-4002');
  });

  it('invalid parameters are 400 GW-API-4001 naming the parameter; other roles are 403', async () => {
    const cases: [string, 'query' | 'path', string][] = [
      [`/devices?serial=${dv(1).toLowerCase()}`, 'query', 'serial'],
      [`/devices?serial=${dv(1)}&serialPrefix=DV`, 'query', 'serialPrefix'],
      ['/devices?serialPrefix=DV%25', 'query', 'serialPrefix'],
      ['/devices?state=lost', 'query', 'state'],
      ['/devices?family=Phone', 'query', 'family'],
      ['/devices?limit=0', 'query', 'limit'],
      ['/devices?owner=me', 'query', 'owner'],
      ['/devices/not-a-serial', 'path', 'serial'],
    ];
    for (const [path, where, param] of cases) {
      const a = await get(path, keys.operator);
      expectError(a, 400, 'GW-API-4001');
      expect(a.body.error.details[0], path).to.deep.include({ in: where, path: param });
    }
    expectError(await api(g.url, 'GET', '/v1/devices', KEY_A), 403, 'GW-AUTH-403');
    expectError(await get('/devices', keys.finance), 403, 'GW-AUTH-403');
    expectError(await get(`/devices/${dv(1)}`, keys.finance), 403, 'GW-AUTH-403');
    expectError(await assign(keys.finance, { server: 'X', serials: [dv(1)] }), 403, 'GW-AUTH-403');
  });

  // ---- assignment --------------------------------------------------------------------------

  it('assigns devices by serial: one event per changed device and one audit entry; the same server again is unchanged', async () => {
    const a = await assign(keys.org19827, { server: 'Northwind MDM (iPad)', serials: [dv(1), dv(2), dv(3)] });
    conforms('post', '/devices/assignments', a);
    expect(a.body).to.deep.equal({ orgId: '19827', server: 'Northwind MDM (iPad)', assigned: 1, unchanged: 2 });
    const d3 = await get(`/devices/${dv(3)}`, keys.org19827);
    expect(d3.body).to.include({ server: 'Northwind MDM (iPad)', state: 'enrolled' });
    const last = d3.body.history.items[d3.body.history.items.length - 1];
    expect(last).to.include({
      event: 'server-assigned',
      fromState: 'enrolled',
      toState: 'enrolled',
      detail: 'server "Northwind MDM (Mac)" -> "Northwind MDM (iPad)"',
      document: `server assignment ${a.headers.get('x-request-id')}`,
      transaction: null,
    });
    expect(last.actor).to.match(/^org-admin:19827:/);
    // One event: the two already there got none.
    const events = await g.t.db('device_events').whereIn('serial', [dv(1), dv(2), dv(3)]).where('kind', 'server-assigned').select('serial');
    expect(events.map((r: any) => r.serial)).to.deep.equal([dv(3)]);
    const audits = await g.t.db('audit_log').where({ action: 'device.server.assign' }).select('detail_json', 'request_id', 'actor');
    expect(audits).to.have.lengthOf(1);
    expect(audits[0].request_id).to.equal(a.headers.get('x-request-id'));
    expect(JSON.parse(audits[0].detail_json)).to.deep.include({ orgId: '19827', server: 'Northwind MDM (iPad)', assigned: 1, unchanged: 2 });

    const again = await assign(keys.org19827, { server: 'Northwind MDM (iPad)', serials: [dv(1), dv(2), dv(3), dv(3)] });
    expect(again.body).to.deep.equal({ orgId: '19827', server: 'Northwind MDM (iPad)', assigned: 0, unchanged: 3 });
  });

  it('is all or nothing: any device that cannot be assigned refuses the request, each listed with its code', async () => {
    const before = await g.t.db('devices').where('serial', dv(4)).first('server', 'version');
    const eventsBefore = await g.t.db('device_events').count({ n: '*' }).first();
    const a = await assign(keys.org19827, { server: 'Lab MDM', serials: [dv(4), dv(30), UNKNOWN, dv(6), dv(40)] });
    expectError(a, 422, 'GW-AS-4400');
    expect(a.body.error.message).to.equal('4 of 5 request entries cannot be assigned to server Lab MDM; nothing was changed.');
    expect(a.body.error.details).to.deep.equal([
      { in: 'body', path: 'serials.1', message: `GW-AS-4401: Device ${dv(30)} is not a device of organisation 19827.` },
      { in: 'body', path: 'serials.2', message: `GW-AS-4401: Device ${UNKNOWN} is not a device of organisation 19827.` },
      { in: 'body', path: 'serials.3', message: `GW-AS-4402: Device ${dv(6)} is returned: only an enrolled device can be assigned to a server.` },
      { in: 'body', path: 'serials.4', message: `GW-AS-4403: Device ${dv(40)} is pending until organisation 19827 adds reseller ${RESELLER_B}; assign it once it is enrolled.` },
    ]);
    expect(await g.t.db('devices').where('serial', dv(4)).first('server', 'version')).to.deep.equal(before);
    expect(Number((await g.t.db('device_events').count({ n: '*' }).first())!.n)).to.equal(Number(eventsBefore!.n));
    // An organisation admin of 30411 cannot assign 19827's devices either.
    const other = await assign(keys.org30411, { server: 'Lab MDM', serials: [dv(1)] });
    expectError(other, 422, 'GW-AS-4400');
    expect(other.body.error.details[0].message).to.equal(`GW-AS-4401: Device ${dv(1)} is not a device of organisation 30411.`);
    expect((await get(`/devices/${dv(1)}`, keys.operator)).body.server).to.equal('Northwind MDM (iPad)');
  });

  it('assigns by order: every device the order holds; orders of others, missing or empty are refused', async () => {
    const a = await assign(keys.org19827, { server: 'Lab MDM', orders: [{ supplierId: RESELLER_A, orderNumber: 'ORD-D-1' }] });
    expect(a.body).to.deep.equal({ orgId: '19827', server: 'Lab MDM', assigned: 5, unchanged: 0 });
    expect(serials(await get(`/devices?server=Lab%20MDM`, keys.org19827))).to.deep.equal([1, 2, 3, 4, 5].map(dv));

    const refused = await assign(keys.org19827, {
      server: 'Other MDM',
      orders: [
        { supplierId: RESELLER_A, orderNumber: 'ORD-D-3' },
        { supplierId: RESELLER_B, orderNumber: 'ORD-DB-1' },
        { supplierId: RESELLER_A, orderNumber: 'ORD-NOPE' },
        { supplierId: RESELLER_A, orderNumber: 'ORD-D-4' },
        { supplierId: RESELLER_B, orderNumber: 'ORD-DB-2' },
      ],
    });
    expectError(refused, 422, 'GW-AS-4400');
    expect(refused.body.error.details).to.deep.equal([
      { in: 'body', path: 'orders.1', message: `GW-AS-4404: Order ${RESELLER_B}/ORD-DB-1 is not an order of organisation 19827.` },
      { in: 'body', path: 'orders.2', message: `GW-AS-4404: Order ${RESELLER_A}/ORD-NOPE is not an order of organisation 19827.` },
      { in: 'body', path: 'orders.3', message: `GW-AS-4405: Order ${RESELLER_A}/ORD-D-4 holds no device now (its devices were returned, voided, removed or released).` },
      { in: 'body', path: 'orders.4', message: `GW-AS-4403: Device ${dv(40)} is pending until organisation 19827 adds reseller ${RESELLER_B}; assign it once it is enrolled.` },
    ]);
    expect((await get(`/devices/${dv(20)}`, keys.org19827)).body.server).to.equal(null);
  });

  it('the operator names the organisation; an organisation admin cannot name another; bodies are checked', async () => {
    const noOrg = await assign(keys.operator, { server: 'Fab MDM', serials: [dv(30)] });
    expectError(noOrg, 400, 'GW-API-4001');
    expect(noOrg.body.error.details).to.deep.equal([{ in: 'body', path: 'orgId', message: 'is required with an operator key' }]);
    expectError(await assign(keys.operator, { orgId: '00000', server: 'Fab MDM', serials: [dv(30)] }), 404, 'GW-ORG-4040');
    const op = await assign(keys.operator, { orgId: '30411', server: 'Fab MDM', serials: [dv(30)] });
    expect(op.body).to.deep.equal({ orgId: '30411', server: 'Fab MDM', assigned: 1, unchanged: 0 });
    const events = (await get(`/devices/${dv(30)}`, keys.operator)).body.history.items;
    expect(events[events.length - 1].actor).to.match(/^operator:/);

    expectError(await assign(keys.org19827, { orgId: '30411', server: 'X', serials: [dv(30)] }), 403, 'GW-AUTH-403');
    // Its own organisation named is fine.
    expect((await assign(keys.org19827, { orgId: '19827', server: 'Lab MDM', serials: [dv(1)] })).body.unchanged).to.equal(1);

    const bad: [unknown, string][] = [
      [{ server: 'X' }, 'serials'],
      [{ server: 'X', serials: [dv(1)], orders: [{ supplierId: RESELLER_A, orderNumber: 'ORD-D-1' }] }, 'orders'],
      [{ server: '   ', serials: [dv(1)] }, 'server'],
      [{ server: 'x'.repeat(101), serials: [dv(1)] }, 'server'],
      [{ server: 'X', serials: [] }, 'serials'],
      [{ server: 'X', serials: [dv(1), 'lower1234'] }, 'serials.1'],
      [{ server: 'X', orders: [{ supplierId: RESELLER_A }] }, 'orders.0.orderNumber'],
      [{ server: 'X', serials: [dv(1)], colour: 'red' }, 'colour'],
      [{ server: 'X', serials: Array.from({ length: 10_001 }, (_, i) => dv(i)) }, 'serials'],
    ];
    for (const [body, path] of bad) {
      const a = await assign(keys.org19827, body);
      expectError(a, 400, 'GW-API-4001');
      expect(a.body.error.details[0], JSON.stringify(body).slice(0, 80)).to.deep.include({ in: 'body', path });
    }
  });

  // ---- default servers ---------------------------------------------------------------------

  it('reads and sets the default server per family; new devices of the family get it', async () => {
    const read = await get('/default-servers', keys.org19827);
    conforms('get', '/default-servers', read);
    expect(read.body.orgId).to.equal('19827');
    expect(read.body.servers).to.deep.include.members([
      { family: 'iPad', server: 'Northwind MDM (iPad)' },
      { family: 'Mac', server: 'Northwind MDM (Mac)' },
      { family: 'iPhone', server: null },
    ]);
    expect(read.body.servers).to.have.lengthOf(6);

    const set = await api(g.url, 'PUT', '/v1/default-servers/iPhone', keys.org19827, { server: 'Northwind MDM (iPhone)' });
    conforms('put', '/default-servers/{family}', set);
    expect(set.body.servers).to.deep.include({ family: 'iPhone', server: 'Northwind MDM (iPhone)' });
    // The latest: loading the samples set default servers too.
    const audit = await g.t.db('audit_log').where({ action: 'organisation.default-server.set' }).orderBy('id', 'desc').first('detail_json', 'actor');
    expect(audit.actor).to.match(/^org-admin:19827:/);
    expect(JSON.parse(audit.detail_json)).to.deep.equal({ orgId: '19827', family: 'iPhone', server: 'Northwind MDM (iPhone)' });
    await enrol(g.url, 'A', 'TX-DV-7', [ord('ORD-D-7', 'OR', '19827', [{ deviceId: dv(7), deviceFamily: 'iPhone' }], '2026-03-01')]);
    expect((await get(`/devices/${dv(7)}`, keys.org19827)).body.server).to.equal('Northwind MDM (iPhone)');

    const cleared = await api(g.url, 'PUT', '/v1/default-servers/iPhone', keys.org19827, { server: null });
    expect(cleared.body.servers).to.deep.include({ family: 'iPhone', server: null });
    // 30411 is untouched.
    expect((await get('/default-servers?org=30411', keys.operator)).body.servers.every((s: any) => s.server === null)).to.equal(true);
  });

  it('default servers: the operator names the organisation; an organisation admin cannot name another', async () => {
    const noOrg = await get('/default-servers', keys.operator);
    expectError(noOrg, 400, 'GW-API-4001');
    expect(noOrg.body.error.details).to.deep.equal([{ in: 'query', path: 'org', message: 'is required with an operator key' }]);
    expectError(await get('/default-servers?org=00000', keys.operator), 404, 'GW-ORG-4040');
    const op = await api(g.url, 'PUT', '/v1/default-servers/Mac?org=30411', keys.operator, { server: 'Fabrikam Jamf' });
    expect(op.body).to.deep.include({ orgId: '30411' });
    expect(op.body.servers).to.deep.include({ family: 'Mac', server: 'Fabrikam Jamf' });
    expectError(await get('/default-servers?org=30411', keys.org19827), 403, 'GW-AUTH-403');
    expectError(await api(g.url, 'PUT', '/v1/default-servers/Mac?org=30411', keys.org19827, { server: 'Mine' }), 403, 'GW-AUTH-403');
    expect((await get('/default-servers?org=30411', keys.operator)).body.servers).to.deep.include({ family: 'Mac', server: 'Fabrikam Jamf' });

    const family = await api(g.url, 'PUT', '/v1/default-servers/Phone', keys.org19827, { server: 'X' });
    expectError(family, 400, 'GW-API-4001');
    expect(family.body.error.details[0]).to.deep.include({ in: 'path', path: 'family' });
    expectError(await api(g.url, 'PUT', '/v1/default-servers/Mac', keys.org19827, { server: 5 }), 400, 'GW-API-4001');
    expectError(await api(g.url, 'PUT', '/v1/default-servers/Mac', keys.org19827, {}), 400, 'GW-API-4001');
  });

  // ---- release -------------------------------------------------------------------------------

  it('releases an enrolled device with a reason; later orders naming it are refused (GW-DE-4310)', async () => {
    const r = await release(keys.org19827, dv(5), { reason: 'sold to staff' });
    conforms('post', '/devices/{serial}/release', r);
    expect(r.body).to.deep.include({ serial: dv(5), state: 'released', orgId: '19827', reason: 'sold to staff' });
    const d = await get(`/devices/${dv(5)}`, keys.org19827);
    expect(d.body).to.include({ state: 'released', server: null });
    expect(d.body.released).to.deep.equal({ orgId: '19827', reason: 'sold to staff', releasedAt: r.body.releasedAt });
    expect(d.body.history.items.at(-1)).to.include({ event: 'released', fromState: 'enrolled', toState: 'released', detail: 'sold to staff', document: 'release' });
    expect((await get(`/orders/${RESELLER_A}/ORD-D-1`, keys.org19827)).body.devices.items.find((x: any) => x.serial === dv(5)).status).to.equal('released');

    // Later orders cannot undo it, whoever sends them, for whichever organisation.
    const later = await enrol(g.url, 'A', 'TX-DV-8', [ord('ORD-D-8', 'OR', '30411', [dv(5)], '2026-04-01')]);
    expect(later.devices.get(dv(5))).to.equal('GW-DE-4310');
    const laterB = await enrol(g.url, 'B', 'TX-DV-B3', [ord('ORD-DB-3', 'OR', '19827', [dv(5)], '2026-04-01')]);
    expect(laterB.devices.get(dv(5))).to.equal('GW-DE-4310');
    expect((await get(`/devices/${dv(5)}`, keys.org19827)).body).to.include({ state: 'released', orgId: '19827' });
    // Still its organisation's to see, and the search finds it.
    expect(serials(await get('/devices?state=released', keys.org19827))).to.deep.equal([dv(5)]);
  });

  it('refuses a release of a device that is not enrolled (409 GW-DE-4311) and of one out of scope (404 like missing)', async () => {
    const again = await release(keys.org19827, dv(5), { reason: 'again' });
    expectError(again, 409, 'GW-DE-4311');
    expect(again.body.error.message).to.equal(`Device ${dv(5)} is not enrolled to organisation 19827 (it is released).`);
    const returned = await release(keys.org19827, dv(6), { reason: 'lost' });
    expectError(returned, 409, 'GW-DE-4311');
    expect(returned.body.error.message).to.include('(it is returned)');

    const other = await release(keys.org19827, dv(30), { reason: 'mine now' });
    const missing = await release(keys.org19827, UNKNOWN, { reason: 'mine now' });
    expectError(other, 404, 'GW-DE-4320');
    expectError(missing, 404, 'GW-DE-4320');
    expect((await get(`/devices/${dv(30)}`, keys.operator)).body.state).to.equal('enrolled');
    expectError(await release(keys.org19827, dv(30), { orgId: '30411', reason: 'x' }), 403, 'GW-AUTH-403');

    const blank = await release(keys.org19827, dv(4), { reason: '  ' });
    expectError(blank, 400, 'GW-API-4001');
    expect(blank.body.error.details[0]).to.deep.include({ in: 'body', path: 'reason' });
    expectError(await release(keys.org19827, dv(4), { reason: 'x'.repeat(201) }), 400, 'GW-API-4001');
    expect((await get(`/devices/${dv(4)}`, keys.operator)).body.state).to.equal('enrolled');
  });

  it('the operator releases for the organisation it names', async () => {
    expectError(await release(keys.operator, dv(31), { reason: 'lost' }), 400, 'GW-API-4001');
    // Not that organisation's device: the operator sees it, so it is told why.
    const wrong = await release(keys.operator, dv(31), { orgId: '19827', reason: 'lost' });
    expectError(wrong, 409, 'GW-DE-4311');
    expect(wrong.body.error.message).to.include('(it is not in this organisation)');
    const ok = await release(keys.operator, dv(31), { orgId: '30411', reason: 'lost' });
    expect(ok.body).to.deep.include({ serial: dv(31), state: 'released', orgId: '30411', reason: 'lost' });
    expect(serials(await get('/devices?state=released', keys.org30411))).to.deep.equal([dv(31)]);
  });

  it('a revoked key stops working at once', async () => {
    expect((await get('/devices', keys.org19827)).status).to.equal(200);
    await revokePrincipalKey(g.t.db, TEST_ACTOR, orgKeyId19827);
    expectError(await get('/devices', keys.org19827), 401, 'GW-AUTH-401');
    expectError(await get(`/devices/${dv(1)}`, keys.org19827), 401, 'GW-AUTH-401');
    expectError(await assign(keys.org19827, { server: 'X', serials: [dv(1)] }), 401, 'GW-AUTH-401');
    expectError(await release(keys.org19827, dv(1), { reason: 'x' }), 401, 'GW-AUTH-401');
    expectError(await get('/default-servers', keys.org19827), 401, 'GW-AUTH-401');
    expect((await get(`/devices/${dv(1)}`, keys.operator)).body.state).to.equal('enrolled');
  });
});
