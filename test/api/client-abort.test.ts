// A client that hangs up in the middle of an upload is the client's doing: the gateway
// notes it at info, without an error or a stack, keeps no spool file and keeps answering.
import { expect } from 'chai';
import http from 'node:http';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../src/channels/http/app.js';
import { startServer, type RunningServer } from '../../src/channels/http/server.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import type { LogLevel } from '../../src/log/logger.js';
import { databaseKind, sampleDatabase, type TestDb } from '../support/db.js';
import { KEY_A } from '../support/http.js';
import { testCreditSettings } from '../support/credit.js';
import { tempDir } from '../intake/support.js';

describe(`a client that hangs up mid-upload (${databaseKind()})`, function () {
  this.timeout(30000);
  let t: TestDb;
  let gw: RunningServer;
  let spool: ReturnType<typeof tempDir>;
  const lines: { level: LogLevel; msg: string; fields: Record<string, unknown> }[] = [];

  before(async () => {
    t = await sampleDatabase();
    spool = tempDir('gw-abort');
    const config: GatewayConfig = { ...DEFAULT_CONFIG, port: 0, requestLog: false, intake: { ...DEFAULT_CONFIG.intake, spoolDir: join(spool.dir, 'spool') } };
    const logger = { log: (level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => void lines.push({ level, msg, fields }) };
    gw = await startServer(createApp(t.db, config, logger, testCreditSettings()), config);
  });
  after(async () => {
    await gw?.close();
    await t?.close();
    spool?.remove();
  });

  it('is logged at info as a closed connection, never as an unhandled error, and leaves no spool file', async () => {
    const req = http.request(`${gw.url}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'text/csv', 'content-length': '100000' } });
    req.on('error', () => undefined);
    req.write('order_number,order_type\n');
    for (let i = 0; i < 100 && !lines.length; i++) {
      await new Promise((r) => setTimeout(r, 20));
      // The spool folder is made with the first upload's file: until the request reaches its handler, there is none.
      if (existsSync(join(spool.dir, 'spool')) && readdirSync(join(spool.dir, 'spool')).length > 0) break;
    }
    req.destroy();
    for (let i = 0; i < 100 && !lines.some((l) => l.msg.includes('closed the connection')); i++) await new Promise((r) => setTimeout(r, 20));
    expect(lines.filter((l) => l.level === 'error'), JSON.stringify(lines)).to.deep.equal([]);
    const note = lines.find((l) => l.msg === 'client closed the connection before its request was read');
    expect(note?.level).to.equal('info');
    expect(note?.fields.path).to.equal('/v1/documents');
    expect(readdirSync(join(spool.dir, 'spool'))).to.deep.equal([]);
    const health = await fetch(`${gw.url}/healthz`);
    expect(health.status).to.equal(200);
  });
});
