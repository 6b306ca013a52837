// Upload spool files (src/channels/http/spool.ts): private to the gateway's user, named
// with the writing process's pid, and swept at start when no live process holds them.
import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createSpoolFile, sweepUploadSpool } from '../../src/channels/http/spool.js';

describe('upload spool files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-spool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a file only the gateway user may read, named with this process', async () => {
    const { path, stream } = createSpoolFile(dir, 'http');
    stream.end('ISA*...');
    await once(stream, 'close');
    expect(path).to.match(new RegExp(`/http-${process.pid}-[0-9a-f-]{36}$`));
    expect(statSync(path).mode & 0o777).to.equal(0o600);
  });

  it('sweeps the files of dead processes, its own and older unnamed ones; keeps a live process\'s and anything else', () => {
    const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const names = {
      dead: `http-999999-${uuid}`,
      deadPurchases: `credit-purchases-999998-${uuid}`,
      own: `http-${process.pid}-${uuid}`,
      live: `http-4242-${uuid}`,
      legacy: `http-${uuid}`,
      legacyPurchases: `credit-purchases-${uuid}.csv`,
      sftp: 'mailbox-a',
      other: 'notes.txt',
    };
    for (const n of Object.values(names)) writeFileSync(join(dir, n), 'x');
    const removed = sweepUploadSpool(dir, (pid) => pid === 4242);
    expect(removed.sort()).to.deep.equal([names.dead, names.deadPurchases, names.own, names.legacy, names.legacyPurchases].sort());
    expect(readdirSync(dir).sort()).to.deep.equal([names.live, names.sftp, names.other].sort());
  });

  it('a missing spool folder is nothing to sweep', () => {
    expect(sweepUploadSpool(join(dir, 'none'))).to.deep.equal([]);
  });
});
