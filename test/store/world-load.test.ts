// What a transaction loads of an order on file: a sale adding deliveries (OR) reads only
// the lines of the serials it names, and counts the order's other live lines, so that a
// delivery added to an order of 600,000 devices does not load them all; an override, a
// void or a return reads the whole order. The pending count of GW-OR-4120 still counts
// the whole order.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { loadWorld } from '../../src/store/enrollment-store.js';
import { findSupplier } from '../../src/store/suppliers.js';
import type { OrderInput } from '../../src/model/commands.js';
import type { Supplier } from '../../src/model/state.js';
import { databaseKind, sampleDatabase, type TestDb } from '../support/db.js';
import { ingestText, intakeDeps, tempDir } from '../intake/support.js';

const HEADER = 'order_number,order_type,order_date,org_id,po_number,delivery_number,ship_date,serial,asset_tag,part_number\n';
const rows = (order: string, org: string, delivery: string, serials: string[]) =>
  HEADER + serials.map((s) => `${order},OR,2026-11-02,${org},PO-${order},${delivery},2026-11-03,${s},,MW6F3LL/A`).join('\n') + '\n';

function sale(orderNumber: string, orderType: string, delivery: string, serials: string[]): OrderInput {
  return { orderNumber, orderType, orderDate: '2026-11-02T00:00:00Z', customerId: '19827', poNumber: `PO-${orderNumber}`, deliveries: [{ deliveryNumber: delivery, shipDate: '2026-11-04T00:00:00Z', devices: serials.map((deviceId) => ({ deviceId })) }] };
}

describe(`loading an order on file for a transaction (${databaseKind()})`, function () {
  this.timeout(20000);
  let t: TestDb;
  let supplier: Supplier;
  let tmp: ReturnType<typeof tempDir>;
  const load = (db: Knex, input: OrderInput) => loadWorld(db, supplier, [input], { orgIds: ['19827'], appleCustomerNumbers: [] });

  before(async function () {
    t = await sampleDatabase();
    supplier = (await findSupplier(t.db, '16FCE4A0'))!;
    tmp = tempDir('gw-world-load');
    const first = await ingestText(intakeDeps(t.db), tmp.dir, 'wl-d1.csv', rows('WL-1', '19827', 'WL-D1', ['WLSERIAL0001', 'WLSERIAL0002', 'WLSERIAL0003']));
    expect(first.status).to.equal('applied');
  });
  after(async function () {
    await t?.close();
    tmp?.remove();
  });

  it('a sale adding a delivery loads the lines and devices of the serials it names, and counts the other live lines', async function () {
    const world = await load(t.db, sale('WL-1', 'OR', 'WL-D2', ['WLSERIAL0001', 'WLSERIAL0004']));
    const order = world.orders.get('WL-1')!;
    expect([...order.lines.keys()]).to.deep.equal(['WLSERIAL0001']);
    expect(order.liveLinesNotLoaded).to.equal(2);
    expect([...world.devices.keys()].sort()).to.deep.equal(['WLSERIAL0001']);
    expect(order.deliveries.map((d) => d.deliveryNumber)).to.deep.equal(['WL-D1']);
  });

  it('an override loads the whole order', async function () {
    const world = await load(t.db, sale('WL-1', 'OV', 'WL-D1', ['WLSERIAL0001']));
    const order = world.orders.get('WL-1')!;
    expect([...order.lines.keys()].sort()).to.deep.equal(['WLSERIAL0001', 'WLSERIAL0002', 'WLSERIAL0003']);
    expect(order.liveLinesNotLoaded).to.equal(undefined);
    expect([...world.devices.keys()].sort()).to.deep.equal(['WLSERIAL0001', 'WLSERIAL0002', 'WLSERIAL0003']);
  });

  it('GW-OR-4120 still counts every pending device of the order, not only the delivery\'s', async function () {
    // Contoso Health (55120) has added no reseller: its devices wait, pending.
    const deps = intakeDeps(t.db);
    await ingestText(deps, tmp.dir, 'wl-p1.csv', rows('WL-2', '55120', 'WL-P1', ['WLPEND000001', 'WLPEND000002']));
    const second = await ingestText(deps, tmp.dir, 'wl-p2.csv', rows('WL-2', '55120', 'WL-P2', ['WLPEND000003']));
    const doc = await t.db('documents').where({ document_id: second.documentId }).first();
    const notice = await t.db('document_items').where({ document_pk: doc.id, kind: 'shipNotice' }).first();
    expect(notice.code).to.equal('GW-OR-4120');
    expect(JSON.parse(notice.params_json).count).to.equal(3);
  });
});
