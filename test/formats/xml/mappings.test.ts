import { expect } from 'chai';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMappings, MappingError } from '../../../src/mapping/mapping.js';
import { mapping } from './support.js';

describe('XML mappings', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'xml-mappings-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('harbour-xml and brightline-cxml pass the mapping schema', () => {
    for (const name of ['harbour-xml', 'brightline-cxml']) copyFileSync(join(process.cwd(), 'mappings', `${name}.json`), join(dir, `${name}.json`));
    const loaded = loadMappings([dir]);
    expect([...loaded.keys()].sort()).to.deep.equal(['brightline-cxml', 'harbour-xml']);
    expect(loaded.get('brightline-cxml')!.partners).to.deep.equal(['16FCE4A0']);
    expect(loaded.get('harbour-xml')!.partners).to.deep.equal(['2B7D9C10']);
  });

  it('refuses a location outside the location language, and unknown keys', () => {
    const bad = mapping('brightline-cxml');
    bad.xml!.cxml!.customerId = '//BillTo';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    expect(() => loadMappings([dir])).to.throw(MappingError, /customerId/);
    const unknown = mapping('harbour-xml');
    (unknown.xml as unknown as Record<string, unknown>).fetchDtd = true;
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(unknown));
    expect(() => loadMappings([dir])).to.throw(MappingError, /unknown key "fetchDtd"/);
  });
});
