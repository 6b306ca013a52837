// Format detection from a file's head, and the mapping section the pipeline picks a
// partner's X12 mapping by.
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sniffX12, x12HeadProblem } from '../../../src/formats/x12/sniff.js';
import { x12TransactionSets } from '../../../src/formats/x12/mapping-section.js';
import { BUILTIN_MAPPINGS_DIR, loadMappings, MappingError } from '../../../src/mapping/mapping.js';
import { fixture, mapping, mappingCopy, sample } from './helpers.js';

describe('X12 sniffing and mapping sections', () => {
  it('finds the transaction sets in the head of a file', () => {
    expect(sniffX12(sample('apple-850.edi').toString('utf8'))).to.deep.equal({ setIds: ['850'] });
    expect(sniffX12(sample('apple-856.edi').toString('utf8'))).to.deep.equal({ setIds: ['856'] });
    expect(sniffX12(fixture('unsupported-810.edi').toString('utf8'))).to.deep.equal({ setIds: ['810', '850'] });
    expect(sniffX12(fixture('crlf-850.edi').toString('utf8'))).to.deep.equal({ setIds: ['850'] });
  });

  it('reads each interchange with its own delimiters', () => {
    const text = sample('apple-850.edi').toString('utf8') + fixture('two-interchanges.edi').toString('utf8');
    expect(sniffX12(text)).to.deep.equal({ setIds: ['850', '856'] });
  });

  it('counts only complete ST segments of a head cut short', () => {
    const text = sample('apple-856.edi').toString('utf8');
    const cut = text.indexOf('ST*856') + 5;
    expect(sniffX12(text.slice(0, cut))).to.deep.equal({ setIds: [] });
    expect(sniffX12(text.slice(0, cut + 7))).to.deep.equal({ setIds: ['856'] });
  });

  it('is undefined for what is not X12', () => {
    expect(sniffX12(fixture('garbage.edi').toString('utf8'))).to.equal(undefined);
    expect(sniffX12('orderNumber,serial\nAPL-1,DMPX1A2B3C01\n')).to.equal(undefined);
    expect(sniffX12('<?xml version="1.0"?><cXML/>')).to.equal(undefined);
    expect(sniffX12('ISA*00*short')).to.equal(undefined);
    expect(sniffX12('')).to.equal(undefined);
  });

  it('says which sets each Apple mapping handles', () => {
    expect(x12TransactionSets(mapping('apple-x12-850').x12!)).to.deep.equal(['850']);
    expect(x12TransactionSets(mapping('apple-x12-856').x12!)).to.deep.equal(['856']);
  });

  it('refuses a mapping whose x12 section lists 850 without saying how to map it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'x12-mapping-'));
    const m = mappingCopy('apple-x12-850');
    m.id = 'broken-x12';
    delete m.x12!.purchaseOrder;
    writeFileSync(join(dir, 'broken-x12.json'), JSON.stringify(m));
    expect(() => loadMappings([BUILTIN_MAPPINGS_DIR, dir])).to.throw(MappingError, /purchaseOrder/);
  });

  it('refuses a source without a valid segment id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'x12-mapping-'));
    const m = mappingCopy('apple-x12-856');
    m.id = 'broken-x12-source';
    m.x12!.shipNotice!.serial = [{ segment: 'ref', qualifier: 'SE' }];
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(m));
    expect(() => loadMappings([BUILTIN_MAPPINGS_DIR, dir])).to.throw(MappingError, /segment/);
  });

  it('says what is wrong with an ISA it cannot read, where the reader would (x12HeadProblem)', () => {
    const text = sample('apple-850.edi').toString('utf8');
    expect(x12HeadProblem(text)).to.equal(undefined);
    expect(x12HeadProblem(`\n\n${text.replace('*P*>~', '*P*>X')}`)).to.deep.equal({
      at: 'segment 1, line 3',
      detail: 'the delimiters (element separator at position 4, ISA16, segment terminator at position 106) are missing, alphanumeric or repeated',
    });
    expect(x12HeadProblem(text.replace('*000000905*', '*00000090A*'))?.detail).to.contain('ISA13');
    expect(x12HeadProblem('ISA*00*short')).to.deep.equal({ at: 'segment 1, line 1', detail: 'the file ends inside the ISA segment (12 of 106 characters): "ISA*00*short"' });
  });
});
