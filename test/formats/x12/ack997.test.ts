// 997 functional acknowledgments written from the reader's real results, parsed back:
// AK9 A / P / R, AK3/AK4 naming the faulty segment and element, and envelopes whose
// counts and control numbers add up.
import { expect } from 'chai';
import { groupStatus, write997 } from '../../../src/formats/x12/ack997.js';
import { envelopeProblems, fixture, mappingCopy, parseX12, read, sample, segmentsOf } from './helpers.js';
import type { X12InterchangeInfo } from '../../../src/model/x12.js';

const NOW = new Date('2026-11-03T09:30:00Z');

async function ack(bytes: Buffer, mappingId: string, index = 0): Promise<{ text: string; segments: string[][]; info: X12InterchangeInfo }> {
  const r = await read(bytes, mappingId);
  const info = r.interchanges[index]!;
  const text = write997(info, { controlNumber: '4711', now: NOW });
  return { text, segments: parseX12(text), info };
}

describe('X12 997 writer', () => {
  it('accepts a clean interchange: AK5 A per set, AK9 A with its counts', async () => {
    const { segments } = await ack(sample('apple-850.edi'), 'apple-x12-850');
    expect(envelopeProblems(segments)).to.deep.equal([]);
    expect(segments.filter((s) => s[0]!.startsWith('AK'))).to.deep.equal([
      ['AK1', 'PO', '905'],
      ['AK2', '850', '0001'],
      ['AK5', 'A'],
      ['AK2', '850', '0002'],
      ['AK5', 'A'],
      ['AK9', 'A', '2', '2', '2'],
    ]);
  });

  it('answers from the receiver to the sender, with its own control numbers from the options', async () => {
    const { segments } = await ack(sample('apple-850.edi'), 'apple-x12-850');
    const isa = segments[0]!;
    expect([isa[5], isa[6], isa[7], isa[8]]).to.deep.equal(['ZZ', 'ABMEDIGATEWAY  ', 'ZZ', 'APPLE          ']);
    expect(isa[9]).to.equal('261103');
    expect(isa[10]).to.equal('0930');
    expect(isa[13]).to.equal('000004711');
    expect(isa[15]).to.equal('P');
    expect(segmentsOf(segments, 'GS')).to.deep.equal([['GS', 'FA', 'ABMEDIGATEWAY', 'APPLE', '20261103', '0930', '4711', 'X', '004010']]);
    expect(segmentsOf(segments, 'ST')).to.deep.equal([['ST', '997', '4711']]);
    expect(segmentsOf(segments, 'SE')).to.deep.equal([['SE', '8', '4711']]);
    expect(segmentsOf(segments, 'GE')).to.deep.equal([['GE', '1', '4711']]);
    expect(segmentsOf(segments, 'IEA')).to.deep.equal([['IEA', '1', '000004711']]);
  });

  it('is P when one of two sets is refused, with the refused set coded', async () => {
    const { segments } = await ack(fixture('se-count-850.edi'), 'apple-x12-850');
    expect(envelopeProblems(segments)).to.deep.equal([]);
    expect(segmentsOf(segments, 'AK5')).to.deep.equal([['AK5', 'A'], ['AK5', 'R', '4']]);
    expect(segmentsOf(segments, 'AK9')).to.deep.equal([['AK9', 'P', '2', '2', '1']]);
  });

  it('is R when every set is refused', async () => {
    const { segments } = await ack(fixture('se-count-both-850.edi'), 'apple-x12-850');
    expect(envelopeProblems(segments)).to.deep.equal([]);
    expect(segmentsOf(segments, 'AK5')).to.deep.equal([['AK5', 'R', '4'], ['AK5', 'R', '4']]);
    expect(segmentsOf(segments, 'AK9')).to.deep.equal([['AK9', 'R', '2', '2', '0']]);
  });

  it('names the faulty segment and element in AK3/AK4: a bad BEG05 date', async () => {
    const { segments } = await ack(fixture('bad-date-850.edi'), 'apple-x12-850');
    expect(envelopeProblems(segments)).to.deep.equal([]);
    const ak = segments.filter((s) => s[0]!.startsWith('AK'));
    expect(ak).to.deep.equal([
      ['AK1', 'PO', '905'],
      ['AK2', '850', '0001'],
      ['AK5', 'A'],
      ['AK2', '850', '0002'],
      ['AK3', 'BEG', '2', '', '8'],
      ['AK4', '5', '', '8', '20261302'],
      ['AK5', 'R', '5'],
      ['AK9', 'P', '2', '2', '1'],
    ]);
  });

  it('names the HL loop of an 856 hierarchy error', async () => {
    const { segments } = await ack(fixture('hl-parent-856.edi'), 'apple-x12-856');
    expect(segmentsOf(segments, 'AK3')).to.deep.equal([['AK3', 'HL', '13', 'HL', '8']]);
    expect(segmentsOf(segments, 'AK4')).to.deep.equal([['AK4', '2', '', '7', '9']]);
  });

  it('reports a missing segment with AK304 3', async () => {
    const { segments } = await ack(fixture('missing-serial-856.edi'), 'apple-x12-856');
    expect(segmentsOf(segments, 'AK3')).to.deep.equal([['AK3', 'REF', '13', 'HL', '3']]);
    expect(segmentsOf(segments, 'AK9')).to.deep.equal([['AK9', 'P', '2', '2', '1']]);
  });

  it('rejects a group with a group error (AK905), whatever its sets', async () => {
    const { segments, info } = await ack(fixture('ge-count-850.edi'), 'apple-x12-850');
    expect(groupStatus(info.groups[0]!)).to.equal('R');
    expect(segmentsOf(segments, 'AK5')).to.deep.equal([['AK5', 'A'], ['AK5', 'A']]);
    expect(segmentsOf(segments, 'AK9')).to.deep.equal([['AK9', 'R', '3', '2', '2', '5']]);
  });

  it('acknowledges a truncated interchange from what was read: trailer missing', async () => {
    const { segments } = await ack(fixture('truncated-856.edi'), 'apple-x12-856');
    expect(envelopeProblems(segments)).to.deep.equal([]);
    expect(segmentsOf(segments, 'AK5')).to.deep.equal([['AK5', 'R', '2']]);
    expect(segmentsOf(segments, 'AK9')).to.deep.equal([['AK9', 'R', '1', '1', '0', '3']]);
  });

  it('writes one 997 per functional group received, each in its own FA group', async () => {
    const { segments } = await ack(fixture('unsupported-810.edi'), 'apple-x12-850');
    expect(envelopeProblems(segments)).to.deep.equal([]);
    expect(segmentsOf(segments, 'GS').map((s) => s[6])).to.deep.equal(['4711', '4712']);
    expect(segmentsOf(segments, 'ST')).to.deep.equal([['ST', '997', '4711'], ['ST', '997', '4712']]);
    expect(segmentsOf(segments, 'AK1')).to.deep.equal([['AK1', 'IN', '31'], ['AK1', 'PO', '32']]);
    expect(segmentsOf(segments, 'AK5')).to.deep.equal([['AK5', 'R', '1'], ['AK5', 'A']]);
    expect(segmentsOf(segments, 'AK9')).to.deep.equal([['AK9', 'R', '1', '1', '0'], ['AK9', 'A', '1', '1', '1']]);
    expect(segmentsOf(segments, 'IEA')).to.deep.equal([['IEA', '2', '000004711']]);
  });

  it('uses the delimiters and usage indicator of the interchange it answers', async () => {
    const { text, info } = await ack(fixture('two-interchanges.edi'), 'apple-x12-856', 1);
    expect(info.elementSeparator).to.equal('|');
    expect(text.startsWith('ISA|00|')).to.equal(true);
    expect(text[104]).to.equal('^');
    expect(text[105]).to.equal('\n');
    const segments = parseX12(text);
    expect(envelopeProblems(segments)).to.deep.equal([]);
    expect(segments[0]![15]).to.equal('T');
    expect(segmentsOf(segments, 'AK9')).to.deep.equal([['AK9', 'A', '1', '1', '1']]);
  });

  it('takes explicit sender and receiver ids, and a line break after each segment', async () => {
    const r = await read(sample('apple-856.edi'), 'apple-x12-856');
    const text = write997(r.interchanges[0]!, {
      controlNumber: '12',
      now: NOW,
      senderQualifier: '01',
      senderId: 'GATEWAY',
      receiverQualifier: '01',
      receiverId: 'APPLEEDI',
      lineBreak: '\r\n',
    });
    expect(text.split('\r\n')).to.have.length(13);
    const isa = parseX12(text)[0]!;
    expect([isa[5], isa[6]!.trim(), isa[7], isa[8]!.trim()]).to.deep.equal(['01', 'GATEWAY', '01', 'APPLEEDI']);
  });

  it("answers in the partner's version: ISA11 its repetition separator (one of ours taken: ^), ISA12 and GS08 as received", async () => {
    const text = sample('apple-850.edi').toString('utf8').replace('*U*00401*', '*!*00501*').replace('*X*004010~', '*X*005010~');
    const m = mappingCopy('apple-x12-850');
    m.x12!.versions = ['005010'];
    const info = (await read(text, m)).interchanges[0]!;
    const isaOf = (written: string) => parseX12(written)[0]!;
    expect(isaOf(write997(info, { controlNumber: '4711', now: NOW })).slice(11, 13)).to.deep.equal(['!', '00501']);
    expect(segmentsOf(parseX12(write997(info, { controlNumber: '4711', now: NOW })), 'GS')[0]![8]).to.equal('005010');
    // A partner whose repetition separator is the answer's component separator gets "^".
    expect(isaOf(write997({ ...info, repetitionSeparator: info.componentSeparator }, { controlNumber: '4711', now: NOW })).slice(11, 13)).to.deep.equal(['^', '00501']);
    // Documents read before ISA11/ISA12 were kept answer in 004010, as they always did.
    const { version: _version, repetitionSeparator: _separator, ...old } = info;
    expect(isaOf(write997(old, { controlNumber: '4711', now: NOW })).slice(11, 13)).to.deep.equal(['U', '00401']);
  });
});
