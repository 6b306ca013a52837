// The JSON reader alone (no database): documents in the reseller API's bulk-enroll shape.
// Each order is a PurchaseOrder (header only), each delivery a ShipNotice; a broken
// document is refused with the code and the JSON path of what is wrong.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { readJson } from '../../../src/formats/json/reader.js';
import type { ReadItem } from '../../../src/formats/types.js';
import { loadMappings } from '../../../src/mapping/mapping.js';
import { DOCUMENT_LIMITS, INTAKE_LIMITS } from '../../../src/model/limits.js';
import { documentsOf, errorsOf, readAll, SAMPLE_JSON } from '../../intake/support.js';

const mapping = loadMappings().get('reseller-api-json')!;
const SAMPLE = readFileSync(SAMPLE_JSON);

const read = (bytes: Buffer | string, opts: Parameters<typeof readAll>[3] = {}) => readAll(readJson, mapping, bytes, { fileName: 'doc.json', ...opts });

const SAMPLE_ITEMS: ReadItem[] = [
  {
    type: 'purchaseOrder',
    at: 'harbour-orders.json, /orders/0',
    doc: { orderNumber: 'HB-JSON-0007', orderType: 'OR', orderDate: '2026-11-02T09:00:00Z', customerId: '30411', poNumber: 'FAB-PO-0007', lines: [] },
  },
  {
    type: 'shipNotice',
    at: 'harbour-orders.json, /orders/0/deliveries/0',
    doc: {
      orderNumber: 'HB-JSON-0007',
      deliveryNumber: 'HB-JSON-D-0007',
      shipDate: '2026-11-03T15:30:00Z',
      devices: [
        { serial: 'HBJSONMAC001', assetTag: 'FAB-M-001', deviceFamily: 'Mac', at: '/orders/0/deliveries/0/devices/0' },
        { serial: 'HBJSONMAC002', assetTag: 'FAB-M-002', deviceFamily: 'Mac', at: '/orders/0/deliveries/0/devices/1' },
      ],
    },
  },
];

/** The sample, changed by `edit` (on a parsed copy). */
function sampleWith(edit: (body: any) => void): string {
  const body = JSON.parse(SAMPLE.toString('utf8'));
  edit(body);
  return JSON.stringify(body, null, 2);
}

function expectRefused(items: ReadItem[], expected: { code: string; at: string | null }[]): void {
  expect(documentsOf(items), JSON.stringify(items)).to.have.length(0);
  expect(errorsOf(items).map((e) => [e.code, e.params?.at ?? null])).to.deep.equal(expected.map((e) => [e.code, e.at]));
}

describe('JSON reader', function () {
  it('the Harbour sample: one PurchaseOrder and its ShipNotice, with exact fields', async function () {
    expect(await read(SAMPLE, { fileName: 'harbour-orders.json' })).to.deep.equal(SAMPLE_ITEMS);
  });

  it('the same items however the bytes arrive (1-byte and random chunks)', async function () {
    expect(await read(SAMPLE, { fileName: 'harbour-orders.json', cut: 1 })).to.deep.equal(SAMPLE_ITEMS);
    expect(await read(SAMPLE, { fileName: 'harbour-orders.json', cut: { seed: 9, maxSize: 50 } })).to.deep.equal(SAMPLE_ITEMS);
  });

  it('a date without a time is midnight UTC; a part number gives no family when the mapping names none', async function () {
    const json = sampleWith((b) => {
      b.orders[0].orderDate = '2026-11-02';
      b.orders[0].deliveries[0].devices = [{ deviceId: 'HBJSONIPAD01', partNumber: 'MW6F3LL/A' }];
    });
    const items = await read(json);
    expect(errorsOf(items)).to.deep.equal([]);
    expect((items[0] as Extract<ReadItem, { type: 'purchaseOrder' }>).doc.orderDate).to.equal('2026-11-02T00:00:00Z');
    expect((items[1] as Extract<ReadItem, { type: 'shipNotice' }>).doc.devices).to.deep.equal([
      { serial: 'HBJSONIPAD01', partNumber: 'MW6F3LL/A', at: '/orders/0/deliveries/0/devices/0' },
    ]);
  });

  it('broken JSON: GW-DOC-6006 naming the line and column, nothing yielded but the error', async function () {
    // Line 3 is `  "orders": [,`: the comma is its 14th character.
    const items = await read(SAMPLE.toString('utf8').replace('"orders": [', '"orders": [,'), { cut: 5 });
    expectRefused(items, [{ code: 'GW-DOC-6006', at: 'doc.json, line 3, column 14' }]);
    expect(String(errorsOf(items)[0]!.params?.detail)).to.match(/^not valid JSON: unexpected ","/);
  });

  it('a truncated document: GW-DOC-6006 at the end of the text', async function () {
    const cut = SAMPLE.subarray(0, SAMPLE.length - 20);
    const lines = cut.toString('utf8').split('\n');
    const items = await read(cut);
    expectRefused(items, [{ code: 'GW-DOC-6006', at: `doc.json, line ${lines.length}, column ${lines.at(-1)!.length + 1}` }]);
    expect(String(errorsOf(items)[0]!.params?.detail)).to.include('ends before the JSON value is complete');
  });

  it('a device without deviceId: GW-MAP-6201 naming its JSON path; the other device is not yielded either', async function () {
    const items = await read(sampleWith((b) => delete b.orders[0].deliveries[0].devices[1].deviceId));
    expectRefused(items, [{ code: 'GW-MAP-6201', at: 'doc.json, /orders/0/deliveries/0/devices/1' }]);
    expect(errorsOf(items)[0]!.params?.field).to.equal('deviceId');
  });

  it('a bad date: GW-MAP-6202 naming the field, the value and its path', async function () {
    const items = await read(sampleWith((b) => (b.orders[0].deliveries[0].shipDate = '03/11/2026')));
    expectRefused(items, [{ code: 'GW-MAP-6202', at: 'doc.json, /orders/0/deliveries/0/shipDate' }]);
    expect(errorsOf(items)[0]!.params).to.include({ field: 'shipDate', value: '03/11/2026' });
  });

  it('an impossible date, 2026-02-30: GW-MAP-6202', async function () {
    const items = await read(sampleWith((b) => (b.orders[0].orderDate = '2026-02-30T10:00:00Z')));
    expectRefused(items, [{ code: 'GW-MAP-6202', at: 'doc.json, /orders/0/orderDate' }]);
  });

  it('an unknown device family: GW-MAP-6205', async function () {
    const items = await read(sampleWith((b) => (b.orders[0].deliveries[0].devices[0].deviceFamily = 'Toaster')));
    expectRefused(items, [{ code: 'GW-MAP-6205', at: 'doc.json, /orders/0/deliveries/0/devices/0' }]);
  });

  it('no orders: GW-MAP-6201 at /orders', async function () {
    expectRefused(await read('{"transactionId":"X","orders":[]}'), [{ code: 'GW-MAP-6201', at: 'doc.json, /orders' }]);
  });

  it('an empty document: GW-DOC-6007; invalid UTF-8: GW-DOC-6001', async function () {
    expectRefused(await read('  \n'), [{ code: 'GW-DOC-6007', at: null }]);
    const bad = Buffer.concat([Buffer.from('{\n"orders": [\n{"orderNumber": "A'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}')]);
    const items = await read(bad);
    expect(documentsOf(items)).to.have.length(0);
    expect(errorsOf(items).map((e) => e.code)).to.deep.equal(['GW-DOC-6001']);
    expect(String(errorsOf(items)[0]!.params?.at)).to.match(/^doc\.json, line 3\b/);
  });

  it('null is an absent field: a null poNumber or assetTag is left out, a null deviceId is missing (GW-MAP-6201)', async function () {
    const items = await read(
      sampleWith((b) => {
        b.orders[0].poNumber = null;
        b.orders[0].deliveries[0].devices[0].assetTag = null;
        b.orders[0].deliveries[0].devices[1].deviceFamily = null;
      }),
    );
    expect(errorsOf(items)).to.deep.equal([]);
    const po = items[0] as Extract<ReadItem, { type: 'purchaseOrder' }>;
    expect(po.doc).to.not.have.property('poNumber');
    const notice = items[1] as Extract<ReadItem, { type: 'shipNotice' }>;
    expect(notice.doc.devices).to.deep.equal([
      { serial: 'HBJSONMAC001', deviceFamily: 'Mac', at: '/orders/0/deliveries/0/devices/0' },
      { serial: 'HBJSONMAC002', assetTag: 'FAB-M-002', at: '/orders/0/deliveries/0/devices/1' },
    ]);
    const missing = await read(sampleWith((b) => (b.orders[0].deliveries[0].devices[1].deviceId = null)));
    expectRefused(missing, [{ code: 'GW-MAP-6201', at: 'doc.json, /orders/0/deliveries/0/devices/1' }]);
  });

  it('a key twice in one object: GW-DOC-6006 naming the key, its line and column, however the bytes arrive', async function () {
    const json = SAMPLE.toString('utf8').replace('"customerId": "30411",', '"customerId": "30411", "customerId": "99999",');
    const line = json.split('\n').findIndex((l) => l.includes('"99999"'));
    const column = json.split('\n')[line]!.indexOf('"customerId": "99999"') + 1;
    for (const cut of ['whole', 1, 7] as const) {
      const items = await read(json, { cut });
      expectRefused(items, [{ code: 'GW-DOC-6006', at: `doc.json, line ${line + 1}, column ${column}` }]);
      expect(String(errorsOf(items)[0]!.params?.detail)).to.include('"customerId" appears twice');
    }
  });

  it('the same key spelled with an escape is the same key; the same key in two objects is not a repeat', async function () {
    const json = SAMPLE.toString('utf8').replace('"orderType": "OR",', '"orderType": "OR", "order\\u0054ype": "OR",');
    expect(errorsOf(await read(json)).map((e) => e.code)).to.deep.equal(['GW-DOC-6006']);
    expect(errorsOf(await read(SAMPLE))).to.deep.equal([]); // deviceId in each device, orderNumber in the order and at top level
  });

  it(`nesting past ${INTAKE_LIMITS.jsonDepth} levels: GW-DOC-6009 at the bracket that goes too deep`, async function () {
    const depth = INTAKE_LIMITS.jsonDepth;
    // The body is level 1, "extra" holds the rest: the bracket that opens level depth + 1 is refused.
    const json = `{"extra":\n${'['.repeat(depth + 10)}${']'.repeat(depth + 10)}}`;
    const items = await read(json, { cut: 3 });
    expectRefused(items, [{ code: 'GW-DOC-6009', at: `doc.json, line 2, column ${depth}` }]);
    expect(String(errorsOf(items)[0]!.params?.detail)).to.include(`nested more than ${depth} deep`);
    // As deep as allowed is read: the document only lacks its orders.
    const deepest = `{"extra":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}, "orders": []}`;
    expectRefused(await read(deepest), [{ code: 'GW-MAP-6201', at: 'doc.json, /orders' }]);
  });

  it(`an object of more than ${INTAKE_LIMITS.jsonMembersPerObject} members: GW-DOC-6009 at the key past the limit`, async function () {
    const members = Array.from({ length: INTAKE_LIMITS.jsonMembersPerObject + 1 }, (_, i) => `"k${i}":0`);
    const json = `{"extra":{${members.join(',')}}}`;
    const items = await read(json, { cut: 4096 });
    expectRefused(items, [{ code: 'GW-DOC-6009', at: `doc.json, line 1, column ${json.indexOf(`"k${INTAKE_LIMITS.jsonMembersPerObject}"`) + 1}` }]);
  });

  it('what the shape does not name is read but not built: extras of any size around the orders', async function () {
    const extras = `"extra": [${'[1,{"a":null}],'.repeat(10_000)}[]], "note": {"deviceId": "NOTADEVICE"}`;
    const json = SAMPLE.toString('utf8').replace('"transactionId": "HB-JSON-0007",', `"transactionId": "HB-JSON-0007", ${extras},`);
    expect(await read(json, { fileName: 'harbour-orders.json', cut: { seed: 3, maxSize: 4096 } })).to.deep.equal(SAMPLE_ITEMS);
  });

  it('streams: an order\'s items are yielded once the order ends, before the next order is read', async function () {
    const order = (n: number) => ({
      orderNumber: `HB-S-${n}`, orderDate: '2026-11-02T09:00:00Z', orderType: 'OR', customerId: '30411',
      deliveries: [{ deliveryNumber: `D-${n}`, shipDate: '2026-11-03T09:00:00Z', devices: [{ deviceId: `HBSTREAM${n}` }] }],
    });
    const text = JSON.stringify({ orders: [order(1), order(2)] });
    const second = text.indexOf('{"orderNumber":"HB-S-2"');
    let pulled = 0;
    async function* input(): AsyncIterable<Buffer> {
      pulled = 1;
      yield Buffer.from(text.slice(0, second));
      pulled = 2;
      yield Buffer.from(text.slice(second));
    }
    const seen: [string, number][] = [];
    for await (const item of readJson(input(), { mapping, fileName: 'doc.json', limits: { maxLineBytes: 65536, maxErrors: 10 } })) {
      if (item.type !== 'purchaseOrder' && item.type !== 'shipNotice') throw new Error(`unexpected ${JSON.stringify(item)}`);
      seen.push([item.doc.orderNumber, pulled]);
    }
    expect(seen).to.deep.equal([
      ['HB-S-1', 1],
      ['HB-S-1', 1],
      ['HB-S-2', 2],
      ['HB-S-2', 2],
    ]);
  });

  it('each delivery has its own devices, in order, wherever they and the header come', async function () {
    const json = JSON.stringify({
      orders: [
        {
          deliveries: [
            { devices: [{ deviceId: 'A1', assetTag: 'Tag ✓' }, { deviceId: 'A2' }], deliveryNumber: 'DA', shipDate: '2026-11-03T09:00:00Z' },
            { deliveryNumber: 'DB', shipDate: '2026-11-03T09:00:00Z', devices: [{ deviceId: 'B1' }] },
            { deliveryNumber: 'DC', shipDate: '2026-11-03T09:00:00Z', devices: [{ deviceId: 'C1', partNumber: 'MK1E3LL/A', deviceFamily: 'Mac' }], note: { devices: [{ deviceId: 'NOT-A-DEVICE' }] } },
          ],
          orderNumber: 'HB-P-1', orderDate: '2026-11-02T09:00:00Z', orderType: 'OR', customerId: '30411',
        },
      ],
    });
    for (const cut of [1, { seed: 5, maxSize: 40 }] as const) {
      const notices = documentsOf(await read(json, { cut })).flatMap((i) => (i.type === 'shipNotice' ? [i.doc] : []));
      expect(notices.map((n) => [n.deliveryNumber, n.devices])).to.deep.equal([
        ['DA', [{ serial: 'A1', assetTag: 'Tag ✓', at: '/orders/0/deliveries/0/devices/0' }, { serial: 'A2', at: '/orders/0/deliveries/0/devices/1' }]],
        ['DB', [{ serial: 'B1', at: '/orders/0/deliveries/1/devices/0' }]],
        ['DC', [{ serial: 'C1', partNumber: 'MK1E3LL/A', deviceFamily: 'Mac', at: '/orders/0/deliveries/2/devices/0' }]],
      ]);
    }
  });

  it(`a delivery of more than ${DOCUMENT_LIMITS.devicesPerShipNotice} devices is refused (GW-MAP-6205), and nothing is yielded`, async function () {
    const devices = Array.from({ length: DOCUMENT_LIMITS.devicesPerShipNotice + 2 }, (_, i) => `{"deviceId":"L${i}"}`).join(',');
    const json = `{"orders":[{"orderNumber":"HB-L-1","orderDate":"2026-11-02T09:00:00Z","orderType":"OR","customerId":"30411","deliveries":[{"deliveryNumber":"DL","shipDate":"2026-11-03T09:00:00Z","devices":[${devices}]}]}]}`;
    const items = await read(json);
    expect(documentsOf(items).filter((i) => i.type === 'shipNotice')).to.have.length(0);
    expect(errorsOf(items).map((e) => [e.code, e.params?.field, e.params?.at])).to.deep.equal([['GW-MAP-6205', 'delivery DL', 'doc.json, /orders/0/deliveries/0']]);
  });

  describe('control characters (GW-DOC-6013), named at their line and column', function () {
    /** The sample with the second device's id written as `raw` (JSON text, escapes and all). */
    function withDeviceId(raw: string): { json: string; at: string } {
      const json = SAMPLE.toString('utf8').replace('"HBJSONMAC002"', `"${raw}"`);
      const lines = json.split('\n');
      const line = lines.findIndex((l) => l.includes(`"${raw}"`));
      const column = lines[line]!.indexOf(`"${raw}"`) + 1 + raw.search(/\\[ubf]|[\u0000-\u001f]/) + 1;
      return { json, at: `doc.json, line ${line + 1}, column ${column}` };
    }

    for (const [name, raw, char] of [
      ['an escaped NUL', 'HBJSON\\u0000MAC2', 'U+0000'],
      ['an escaped U+001F', 'HBJSON\\u001fMAC2', 'U+001F'],
      ['the short escape \\b', 'HBJSONMAC\\b02', 'U+0008'],
      ['the short escape \\f', 'HBJSON\\fMAC02', 'U+000C'],
      ['a NUL written as it is', 'HBJSON\u0000MAC2', 'U+0000'],
    ] as const) {
      it(`${name} in a field is refused, and nothing is yielded`, async function () {
        const { json, at } = withDeviceId(raw);
        expectRefused(await read(json, { cut: 7 }), [{ code: 'GW-DOC-6013', at }]);
        expect(errorsOf(await read(json))[0]!.params?.char).to.equal(char);
      });
    }

    it('an escaped backslash before "u0000" is text, and \\t, \\n, \\r escapes are allowed', async function () {
      for (const raw of ['HBJSON\\\\u0000', 'HBJSON\\tMAC\\r\\n2']) {
        const items = await read(withDeviceId(raw).json);
        expect(errorsOf(items).map((e) => e.code), raw).to.not.include('GW-DOC-6013');
        expect(errorsOf(items).map((e) => e.code), raw).to.not.include('GW-DOC-6006');
      }
    });
  });
});
