// How the reseller API reads its JSON, over real HTTP against a real database (SQLite, or
// PostgreSQL when DATABASE_URL is set): existing clients send null for the optional fields
// they do not fill (the public Python reseller client does by default), so a null member
// is an absent one on every call; a key given twice in one object, or nesting without end,
// is refused with GRX-1000 naming the key or the limit, and its line and column.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { expect } from 'chai';
import { bulk, call, context, order, useSampleGateway, type Answer } from '../support/http.js';
import { deviceReport } from '../../src/admin/lookups.js';
import { INTAKE_LIMITS } from '../../src/model/limits.js';

let serials = 0;
/** A fresh, valid serial number. */
function sn(): string {
  return `TJN${process.pid % 1000}X${String(++serials).padStart(6, '0')}`;
}

const b = (a: Answer): any => a.body;

function expectSuccess(a: Answer): string {
  expect(a.status, a.text).to.equal(200);
  expect(b(a).enrollDevicesResponse.statusCode, a.text).to.equal('SUCCESS');
  return b(a).deviceEnrollmentTransactionId as string;
}

/** A platform error: flat at top level, with its HTTP status. */
function expectFlat(a: Answer, code: string, status = 400): string {
  expect(a.status, a.text).to.equal(status);
  expect(b(a).errorCode, a.text).to.equal(code);
  return b(a).errorMessage as string;
}

/** The codes of an error in a call's own envelope (one object or an array). */
function envelopeCodes(a: Answer, envelope: string): string[] {
  expect(a.status, a.text).to.equal(400);
  const e = b(a)[envelope];
  expect(e, a.text).to.not.equal(undefined);
  return (Array.isArray(e) ? e : [e]).map((x: any) => x.errorCode as string);
}

function show(url: string, orderNumbers: string[]) {
  return call(url, 'show-order-details', { ...context(), orderNumbers });
}

describe('reseller API: null is an absent field', () => {
  const g = useSampleGateway();

  it('a bulk-enroll with "poNumber": null and "assetTag": null applies, and shows neither', async () => {
    const serial = sn();
    const body = bulk('TX-NULL-1', [order('ORD-NULL-1', 'OR', '19827', [{ deviceId: serial, assetTag: null as unknown as string, deviceFamily: null as unknown as string }], { poNumber: null })]);
    const id = expectSuccess(await call(g.url, 'bulk-enroll-devices', body));
    expect((await deviceReport(g.t.db, serial))!.state).to.equal('enrolled');
    const status = await call(g.url, 'check-transaction-status', { ...context(), deviceEnrollmentTransactionId: id });
    expect(b(status).statusCode, status.text).to.equal('COMPLETE');
    const shown = b(await show(g.url, ['ORD-NULL-1'])).orders[0];
    expect(shown).to.not.have.property('poNumber');
    expect(shown.deliveries[0].devices).to.deep.equal([{ deviceId: serial }]);
  });

  it('the same transaction with the nulls left out is the same transaction: the same id, nothing applied twice', async () => {
    const serial = sn();
    const withNulls = bulk('TX-NULL-2', [order('ORD-NULL-2', 'OR', '19827', [{ deviceId: serial, assetTag: null as unknown as string }], { poNumber: null })]);
    const first = expectSuccess(await call(g.url, 'bulk-enroll-devices', withNulls));
    const without = bulk('TX-NULL-2', [order('ORD-NULL-2', 'OR', '19827', [serial])]);
    delete (without.orders[0] as any).poNumber;
    expect(expectSuccess(await call(g.url, 'bulk-enroll-devices', without))).to.equal(first);
  });

  it('an override (OV) with a null poNumber and a void (VD) with "deliveries": null apply', async () => {
    const [one, two] = [sn(), sn()];
    expectSuccess(await call(g.url, 'bulk-enroll-devices', bulk('TX-NULL-3', [order('ORD-NULL-3', 'OR', '19827', [one])])));
    const ov = order('ORD-NULL-3', 'OV', '19827', [two], { poNumber: null, orderDate: '2026-01-12T10:00:00Z' });
    (ov.deliveries![0] as any).deliveryNumber = 'SELF';
    (ov.deliveries![0] as any).shipDate = '2026-01-12T10:00:00Z';
    expectSuccess(await call(g.url, 'bulk-enroll-devices', bulk('TX-NULL-4', [ov])));
    expect(b(await show(g.url, ['ORD-NULL-3'])).orders[0].deliveries.flatMap((d: any) => d.devices.map((x: any) => x.deviceId))).to.deep.equal([two]);
    const vd = order('ORD-NULL-3', 'VD', '19827', null, { poNumber: null, deliveries: null, orderDate: '2026-01-13T10:00:00Z' });
    expectSuccess(await call(g.url, 'bulk-enroll-devices', bulk('TX-NULL-5', [vd])));
    expect((await deviceReport(g.t.db, two))!.state).to.not.equal('enrolled');
  });

  it('a null required field gets the code of a missing one, and its device is not enrolled', async () => {
    const cases: [string, (body: any) => void, string][] = [
      ['transactionId', (body) => (body.transactionId = null), 'DEP-ERR-3001'],
      ['orders', (body) => (body.orders = null), 'DEP-ERR-3003'],
      ['orderNumber', (body) => (body.orders[0].orderNumber = null), 'DEP-ERR-3004'],
      ['customerId', (body) => (body.orders[0].customerId = null), 'DEP-ERR-OR-4101'],
      ['orderDate', (body) => (body.orders[0].orderDate = null), 'DEP-ERR-OR-4104'],
      ['deliveryNumber', (body) => (body.orders[0].deliveries[0].deliveryNumber = null), 'DEP-ERR-OR-4111'],
      ['shipDate', (body) => (body.orders[0].deliveries[0].shipDate = null), 'DEP-ERR-DL-4201'],
      ['deviceId', (body) => (body.orders[0].deliveries[0].devices[0].deviceId = null), 'DEP-ERR-DL-4205'],
    ];
    for (const [field, edit, code] of cases) {
      const serial = sn();
      const body = bulk(`TX-NULL-REQ-${field}`, [order(`ORD-NULL-REQ-${field}`, 'OR', '19827', [serial])]);
      edit(body);
      const a = await call(g.url, 'bulk-enroll-devices', body);
      // Transaction-level codes refuse the request; order, delivery and device codes are in its status.
      const answer =
        a.status === 200 ? await call(g.url, 'check-transaction-status', { ...context(), deviceEnrollmentTransactionId: b(a).deviceEnrollmentTransactionId }) : a;
      expect(JSON.stringify(answer.body), field).to.include(`"${code}"`);
      expect(await deviceReport(g.t.db, serial), field).to.equal(undefined);
    }
  });

  it('a null depResellerId, Ship-To or language is missing too: GRX-1056, GRX-50020, GRX-50031', async () => {
    const body = (edit: (b: any) => void) => {
      const x: any = bulk('TX-NULL-CTX', [order('ORD-NULL-CTX', 'OR', '19827', [sn()])]);
      edit(x);
      return x;
    };
    expectFlat(await call(g.url, 'bulk-enroll-devices', body((x) => (x.depResellerId = null))), 'GRX-1056');
    expectFlat(await call(g.url, 'bulk-enroll-devices', body((x) => (x.requestContext.shipTo = null))), 'GRX-50020');
    expectFlat(await call(g.url, 'bulk-enroll-devices', body((x) => (x.requestContext.langCode = null))), 'GRX-50031');
  });

  it('the status calls: null ids and lists are missing (DEP-ERR-4001, DEP-ERR-5001), a null optional context field is absent', async () => {
    const status = await call(g.url, 'check-transaction-status', { ...context(), deviceEnrollmentTransactionId: null });
    expect(envelopeCodes(status, 'checkTransactionErrorResponse')).to.deep.equal(['DEP-ERR-4001']);
    const shown = await call(g.url, 'show-order-details', { ...context(), orderNumbers: null });
    expect(envelopeCodes(shown, 'showOrderErrorResponse')).to.deep.equal(['DEP-ERR-5001']);
    // An extra the protocol does not define, sent as null, changes nothing.
    const extra = await call(g.url, 'show-order-details', { ...context(), orderNumbers: ['ORD-NULL-1'], pageToken: null });
    expect(extra.status, extra.text).to.equal(200);
    // A null inside a list is not a field: it is the wrong type.
    expectFlat(await call(g.url, 'show-order-details', { ...context(), orderNumbers: [null] }), 'GRX-5004');
  });
});

describe('reseller API: repeated keys and nesting are refused, naming where', () => {
  const g = useSampleGateway();

  it('customerId twice in an order: GRX-1000 naming the key, its line and column; nothing applies', async () => {
    const serial = sn();
    const text = JSON.stringify(bulk('TX-DUP-1', [order('ORD-DUP-1', 'OR', '19827', [serial])]), null, 2).replace(
      '"customerId": "19827",',
      '"customerId": "19827",\n      "customerId": "30411",',
    );
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('"30411"'));
    const message = expectFlat(await call(g.url, 'bulk-enroll-devices', null, { raw: text }), 'GRX-1000');
    expect(message).to.include('"customerId" appears twice').and.include(`line ${line + 1}, column ${lines[line]!.indexOf('"customerId"') + 1}`);
    expect(await deviceReport(g.t.db, serial)).to.equal(undefined);
  });

  it('a repeated key in a status call is GRX-1000 too', async () => {
    const raw = `{"requestContext": {"shipTo": "0000052010", "timeZone": "420", "langCode": "en"}, "depResellerId": "16FCE4A0", "depResellerId": "2B7D9C10", "orderNumbers": ["X"]}`;
    expect(expectFlat(await call(g.url, 'show-order-details', null, { raw }), 'GRX-1000')).to.include('"depResellerId" appears twice').and.include(`line 1, column ${raw.indexOf('"depResellerId": "2B7D9C10"') + 1}`);
  });

  it(`nesting past ${INTAKE_LIMITS.jsonDepth} levels is GRX-1000 at the bracket, and the gateway answers on`, async () => {
    const body = JSON.stringify(bulk('TX-DEEP', [order('ORD-DEEP', 'OR', '19827', [sn()])]));
    const raw = `${body.slice(0, -1)}, "extra": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const message = expectFlat(await call(g.url, 'bulk-enroll-devices', null, { raw }), 'GRX-1000');
    expect(message).to.include(`nested more than ${INTAKE_LIMITS.jsonDepth} deep`).and.include(`column ${body.length + 11 + INTAKE_LIMITS.jsonDepth - 1}`);
    expectSuccess(await call(g.url, 'bulk-enroll-devices', bulk('TX-DEEP-AFTER', [order('ORD-DEEP-AFTER', 'OR', '19827', [sn()])])));
  });
});
