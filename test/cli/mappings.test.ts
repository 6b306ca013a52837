// Mappings in use: `mapping test` reads a partner's file through a mapping and applies
// nothing; a running `serve` reloads its mappings (POST /v1/mappings/reload, SIGHUP)
// and reads the next file with the edited one, in its intake workers too; a mapping that
// fails its checks refuses the reload and the set in use stays.
import { expect } from 'chai';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { databaseKind } from '../support/db.js';
import { CLI, gatewayHome, startCliGateway, stopChild, type GatewayHome } from '../support/cli-gateway.js';
import { KEY_A } from '../support/http.js';

const OPERATOR = 'gwk_op_sample_local_trial_only';
const EXAMPLES = join('mappings', 'examples');

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe(`mapping test: a file read through a mapping, nothing applied (${databaseKind()})`, function () {
  this.timeout(60_000);
  let home: GatewayHome;
  let env: NodeJS.ProcessEnv;

  before(function () {
    home = gatewayHome('mapping-test');
    env = { ...home.env, GATEWAY_MAPPING_DIRS: EXAMPLES };
    expect(cli(env, 'seed').code).to.equal(0);
  });
  after(async function () {
    await home?.remove();
  });

  it('a good file: the mapping, the order and each delivery as read, no errors, exit 0; nothing is received', function () {
    const r = cli(env, 'mapping', 'test', join(EXAMPLES, 'van-dijk-leverbestand.csv'), '--partner', '4C1D2E30', '--json');
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as Record<string, any>;
    expect(out).to.include({ applied: false, readable: true, fileName: 'van-dijk-leverbestand.csv' });
    expect(out.mapping.id).to.equal('van-dijk-csv');
    expect(out.counts).to.deep.equal({ purchaseOrders: 1, shipNotices: 2, orderLines: 1, devices: 3 });
    expect(out.documents.map((d: any) => [d.type, d.doc.deliveryNumber ?? d.doc.orderDate, d.doc.poNumber ?? d.doc.devices.length])).to.deep.equal([
      ['purchaseOrder', '2026-11-02T00:00:00Z', 'Daniëlle 2026-17'],
      ['shipNotice', 'VD-5001-20261102', 2],
      ['shipNotice', 'VD-5001-20261103', 1],
    ]);
    expect(out.errors).to.deep.equal([]);
    const text = cli(env, 'mapping', 'test', join(EXAMPLES, 'van-dijk-leverbestand.csv'), '--partner', '4C1D2E30');
    expect(text.stdout).to.include('read with mapping van-dijk-csv').and.include('delivery VD-5001-20261103 of order VD-5001').and.include('nothing applied');
    const documents = JSON.parse(cli(env, 'document', 'list').stdout) as unknown[];
    expect(documents, 'nothing was received').to.deep.equal([]);
    expect(cli(env, 'device', 'show', '--serial', 'VDK0MAC00001').code, 'no device was made').to.not.equal(0);
  });

  it('a broken file: every error with its line, exit 3, and still nothing received', function () {
    const broken = join(home.dir, 'kapot.csv');
    const good = readFileSync(join(EXAMPLES, 'van-dijk-leverbestand.csv'), 'latin1');
    writeFileSync(broken, good.replace('03.11.2026', '31.11.2026').replace('VDK0MAC00002;MXK53N/A;19827', 'VDK0MAC00002;MXK53N/A;'), 'latin1');
    const r = cli(env, 'mapping', 'test', broken, '--partner', '4C1D2E30', '--json');
    expect(r.code).to.equal(3);
    const out = JSON.parse(r.stdout) as Record<string, any>;
    expect(out.readable).to.equal(false);
    expect(out.errors.map((e: any) => [e.code, e.params.field, e.params.at])).to.deep.equal([
      ['GW-MAP-6201', 'customerId', 'kapot.csv, line 3'],
      ['GW-MAP-6202', 'orderDate', 'kapot.csv, line 4'],
      ['GW-MAP-6202', 'shipDate', 'kapot.csv, line 4'],
    ]);
    expect(out.documents, 'a file with errors yields no documents').to.deep.equal([]);
    expect(JSON.parse(cli(env, 'document', 'list').stdout)).to.deep.equal([]);
  });

  it('no mapping fits: said, exit 3', function () {
    const r = cli(env, 'mapping', 'test', join(EXAMPLES, 'van-dijk-leverbestand.csv'), '--partner', '2B7D9C10', '--json');
    expect(r.code).to.equal(3);
    expect((JSON.parse(r.stdout) as Record<string, any>).errors.map((e: any) => e.code)).to.deep.equal(['GW-DOC-6005']);
  });
});

describe(`serve: mappings reloaded without a restart (${databaseKind()})`, function () {
  this.timeout(120_000);
  let home: GatewayHome;
  let env: NodeJS.ProcessEnv;
  let child: ChildProcess | undefined;
  let url: string;
  let mappingDir: string;
  const header = 'Bestelnummer;Leverdatum;Serienummer;Artikelnummer;Klantnummer\r\n';
  const file = (serial: string) => `${header}BL-NL-1;02.11.2026;${serial};MXK53N/A;19827\r\n`;
  // Brightline (16FCE4A0) starts sending a second layout; its first mapping of it names a wrong column.
  const mapping = (serialColumn: string) => ({
    id: 'brightline-nl-csv',
    partners: ['16FCE4A0'],
    format: 'csv',
    dateFormats: ['DD.MM.YYYY'],
    parts: { credit: [], families: [{ prefix: 'MX', family: 'Mac' }] },
    acks: { csv: true },
    csv: {
      rows: 'shipNotice',
      delimiter: ';',
      quote: '"',
      decimalSeparator: ',',
      unknownColumns: 'refuse',
      columns: { orderNumber: 'Bestelnummer', shipDate: 'Leverdatum', orderDate: 'Leverdatum', serial: serialColumn, partNumber: 'Artikelnummer', customerId: 'Klantnummer' },
      defaults: { orderType: 'OR' },
      derived: { deliveryNumber: '{orderNumber}-{shipDate|YYYYMMDD}' },
    },
  });
  const writeMapping = (m: object) => writeFileSync(join(mappingDir, 'brightline-nl-csv.json'), JSON.stringify(m, null, 2));

  async function call(method: string, path: string, key: string, body?: string): Promise<{ status: number; body: Record<string, any> }> {
    const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'text/csv', 'x-file-name': 'levering.csv' } : {}) }, ...(body ? { body } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  before(async function () {
    home = gatewayHome('mapping-reload');
    mappingDir = join(home.dir, 'mappings');
    mkdirSync(mappingDir);
    writeMapping(mapping('Serie'));
    env = { ...home.env, GATEWAY_MAPPING_DIRS: mappingDir };
    expect(cli(env, 'seed').code).to.equal(0);
    ({ child, url } = await startCliGateway(['serve', '--port', '0'], env));
  });
  after(async function () {
    await stopChild(child);
    await home?.remove();
  });

  it('an edited mapping is used after POST /v1/mappings/reload, by the intake workers too; GET /v1/mappings says the version', async function () {
    const before = await call('GET', '/v1/mappings', OPERATOR);
    expect(before.status).to.equal(200);
    expect(before.body.items.map((m: any) => m.id)).to.include('brightline-nl-csv');
    const refused = await call('POST', '/v1/documents', KEY_A, file('NLRELOAD0001'));
    expect(refused.status, 'the header does not fit the mapping as it was').to.equal(422);

    writeMapping(mapping('Serienummer'));
    const stillOld = await call('POST', '/v1/documents', KEY_A, file('NLRELOAD0002'));
    expect(stillOld.status, 'nothing changes before the reload').to.equal(422);
    expect((await call('GET', '/v1/mappings', OPERATOR)).body.version).to.equal(before.body.version);

    expect((await call('POST', '/v1/mappings/reload', KEY_A)).status, 'a reseller cannot reload').to.equal(403);
    const reload = await call('POST', '/v1/mappings/reload', OPERATOR);
    expect(reload.status).to.equal(200);
    expect(reload.body).to.include({ previousVersion: before.body.version });
    expect(reload.body.changed).to.deep.equal(['brightline-nl-csv']);
    expect(reload.body.version).to.not.equal(before.body.version);
    const after = await call('GET', '/v1/mappings', OPERATOR);
    expect(after.body.version).to.equal(reload.body.version);
    const onDisk = JSON.parse(cli(env, 'mapping', 'list').stdout) as { version: string };
    expect(onDisk.version, 'mapping list on the same folders gives the running version').to.equal(reload.body.version);

    const applied = await call('POST', '/v1/documents', KEY_A, file('NLRELOAD0003'));
    expect(applied.status, JSON.stringify(applied.body)).to.equal(201);
    expect(applied.body).to.include({ status: 'applied', mappingId: 'brightline-nl-csv' });
    const order = cli(env, 'order', 'show', '--reseller-id', '16FCE4A0', '--order-number', 'BL-NL-1');
    expect(order.code, order.stderr).to.equal(0);
    expect(order.stdout).to.include('BL-NL-1-20261102').and.include('NLRELOAD0003');
  });

  it('a mapping that fails its checks refuses the reload, naming the key; the set in use stays and keeps working', async function () {
    const inUse = (await call('GET', '/v1/mappings', OPERATOR)).body.version as string;
    const broken = mapping('Serienummer') as Record<string, any>;
    broken.csv = { ...broken.csv, derived: { deliveryNumber: '{orderNumber}-{Verzenddatum' } };
    writeMapping(broken);
    const refused = await call('POST', '/v1/mappings/reload', OPERATOR);
    expect(refused.status).to.equal(422);
    expect(refused.body.error.code).to.equal('GW-MAP-6210');
    expect(refused.body.error.message).to.include(inUse).and.include('/csv/derived/deliveryNumber');
    expect((await call('GET', '/v1/mappings', OPERATOR)).body.version).to.equal(inUse);
    const applied = await call('POST', '/v1/documents', KEY_A, file('NLRELOAD0004'));
    expect(applied.status, JSON.stringify(applied.body)).to.equal(201);
  });

  it('SIGHUP reloads too: a new mapping file is in use once the version changes', async function () {
    const inUse = (await call('GET', '/v1/mappings', OPERATOR)).body.version as string;
    writeMapping(mapping('Serienummer'));
    copyFileSync(join(EXAMPLES, 'van-dijk-csv.json'), join(mappingDir, 'van-dijk-csv.json'));
    child!.kill('SIGHUP');
    let now = inUse;
    for (let i = 0; i < 50 && now === inUse; i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = (await call('GET', '/v1/mappings', OPERATOR)).body.version as string;
    }
    expect(now).to.not.equal(inUse);
    const items = (await call('GET', '/v1/mappings', OPERATOR)).body.items.map((m: any) => m.id);
    expect(items).to.include('van-dijk-csv');
    const resellerView = (await call('GET', '/v1/mappings', KEY_A)).body.items.map((m: any) => m.id);
    expect(resellerView, "a reseller sees its own and the shared mappings, not another partner's").to.include('brightline-nl-csv').and.include('reseller-api').and.not.include('van-dijk-csv');
  });

  it('POST /v1/mappings/test reads a file for the calling reseller and applies nothing', async function () {
    const tested = await call('POST', '/v1/mappings/test?name=probe.csv', KEY_A, file('NLPROBE00001'));
    expect(tested.status, JSON.stringify(tested.body)).to.equal(200);
    expect(tested.body).to.include({ applied: false, readable: true, fileName: 'probe.csv' });
    expect(tested.body.mapping.id).to.equal('brightline-nl-csv');
    expect(tested.body.documents[1].doc.devices.map((d: any) => d.serial)).to.deep.equal(['NLPROBE00001']);
    expect(cli(env, 'device', 'show', '--serial', 'NLPROBE00001').code).to.not.equal(0);
    const operatorWithoutPartner = await call('POST', '/v1/mappings/test', OPERATOR, file('NLPROBE00002'));
    expect(operatorWithoutPartner.status).to.equal(400);
    const operator = await call('POST', '/v1/mappings/test?partner=16FCE4A0', OPERATOR, file('NLPROBE00002'));
    expect(operator.body.readable).to.equal(true);
  });

  it('a file over the limit of a test over HTTP is answered 413 GW-DOC-6002, readable by the client, declared or chunked', async function () {
    const big = Buffer.alloc(17 * 1024 * 1024, 'a');
    const declared = await fetch(`${url}/v1/mappings/test`, { method: 'POST', headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'text/csv' }, body: big });
    expect(declared.status).to.equal(413);
    expect(((await declared.json()) as { error: { code: string } }).error.code).to.equal('GW-DOC-6002');
    // No Content-Length: 17 chunks of 1 MiB, as a client that streams a file sends them.
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 17) controller.enqueue(new Uint8Array(1024 * 1024).fill(97));
        else controller.close();
      },
    });
    const chunked = await fetch(`${url}/v1/mappings/test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'text/csv' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).to.equal(413);
    expect(((await chunked.json()) as { error: { code: string } }).error.code).to.equal('GW-DOC-6002');
    expect((await fetch(`${url}/healthz`)).status).to.equal(200);
  });
});
