// 855 purchase order acknowledgments written from results passed in: IA for accepted
// lines, IR with a coded MSG for refused ones, BAK02 from the order's outcome.
import { expect } from 'chai';
import { acknowledgmentType, write855, type Ack855Input, type Write855Options } from '../../../src/formats/x12/ack855.js';
import { envelopeProblems, parseX12, read, sample, segmentsOf } from './helpers.js';

const OPTS: Write855Options = {
  controlNumber: '300',
  now: new Date('2026-11-02T12:00:00Z'),
  senderQualifier: 'ZZ',
  senderId: 'ABMEDIGATEWAY',
  receiverQualifier: 'ZZ',
  receiverId: 'APPLE',
  applicationSender: 'ABMEDIGATEWAY',
  applicationReceiver: 'APPLE',
};

/** The input as the pipeline would build it: the order read from the 850 sample, and per-line results. */
async function orderInput(refused: Record<string, { code: string; message: string }> = {}): Promise<Ack855Input> {
  const r = await read(sample('apple-850.edi'), 'apple-x12-850');
  const order = r.orders[0]!;
  return {
    orderNumber: order.orderNumber,
    orderDate: order.orderDate,
    status: 'accepted',
    lines: order.lines.map((l) => {
      const error = refused[l.lineNumber];
      return error
        ? { lineNumber: l.lineNumber, partNumber: l.partNumber, quantity: l.quantity, accepted: false, error }
        : { lineNumber: l.lineNumber, partNumber: l.partNumber, quantity: l.quantity, accepted: true };
    }),
  };
}

describe('X12 855 writer', () => {
  it('acknowledges an order accepted in full: BAK02 AC, ACK IA per line', async () => {
    const input = await orderInput();
    const segments = parseX12(write855(input, OPTS));
    expect(envelopeProblems(segments)).to.deep.equal([]);
    expect(segmentsOf(segments, 'GS')[0]!.slice(0, 4)).to.deep.equal(['GS', 'PR', 'ABMEDIGATEWAY', 'APPLE']);
    expect(segmentsOf(segments, 'BAK')).to.deep.equal([['BAK', '00', 'AC', 'APL-850-1001', '20261102']]);
    expect(segmentsOf(segments, 'PO1')).to.deep.equal([
      ['PO1', '1', '3', 'EA', '', '', 'VP', 'MW6F3LL/A'],
      ['PO1', '2', '1', 'EA', '', '', 'VP', 'MX2E3LL/A'],
      ['PO1', '3', '1', 'EA', '', '', 'VP', 'D6701Z/A'],
    ]);
    expect(segmentsOf(segments, 'ACK')).to.deep.equal([
      ['ACK', 'IA', '3', 'EA'],
      ['ACK', 'IA', '1', 'EA'],
      ['ACK', 'IA', '1', 'EA'],
    ]);
    expect(segmentsOf(segments, 'MSG')).to.deep.equal([]);
    expect(segmentsOf(segments, 'CTT')).to.deep.equal([['CTT', '3']]);
  });

  it('marks a refused line IR with its coded message: BAK02 AD', async () => {
    const input = await orderInput({ '2': { code: 'DEP-ERR-DE-4301', message: 'Device ID C02Z*91~X is invalid: bad characters.' } });
    expect(acknowledgmentType(input)).to.equal('AD');
    const segments = parseX12(write855(input, OPTS));
    expect(envelopeProblems(segments)).to.deep.equal([]);
    expect(segmentsOf(segments, 'BAK')[0]![2]).to.equal('AD');
    const loop = segments.slice(segments.findIndex((s) => s[0] === 'PO1' && s[1] === '2')).slice(0, 3);
    expect(loop).to.deep.equal([
      ['PO1', '2', '1', 'EA', '', '', 'VP', 'MX2E3LL/A'],
      ['ACK', 'IR', '1', 'EA'],
      // Delimiters in the message become blanks: the 855 stays parseable.
      ['MSG', 'DEP-ERR-DE-4301 Device ID C02Z 91 X is invalid: bad characters.'],
    ]);
    expect(segmentsOf(segments, 'ACK').map((s) => s[1])).to.deep.equal(['IA', 'IR', 'IA']);
  });

  it('rejects a refused order: BAK02 RJ, every line IR, the reason in the heading', async () => {
    const input: Ack855Input = {
      ...(await orderInput()),
      status: 'rejected',
      error: { code: 'DEP-ERR-OR-4102', message: 'Customer ID is invalid: no organisation 0000123456.' },
    };
    const segments = parseX12(write855(input, OPTS));
    expect(envelopeProblems(segments)).to.deep.equal([]);
    expect(segmentsOf(segments, 'BAK')[0]![2]).to.equal('RJ');
    expect(segmentsOf(segments, 'N9')).to.deep.equal([['N9', 'ZZ', 'DEP-ERR-OR-4102']]);
    expect(segmentsOf(segments, 'ACK').map((s) => s[1])).to.deep.equal(['IR', 'IR', 'IR']);
    expect(segmentsOf(segments, 'MSG')).to.have.length(4);
  });

  it('writes one 855 per order in one interchange, with counts and control numbers right', async () => {
    const first = await orderInput();
    const second: Ack855Input = {
      orderNumber: 'APL-850-1002',
      orderDate: '20261102',
      status: 'accepted',
      lines: [{ lineNumber: '1', partNumber: 'MYMJ3LL/A', quantity: 2, accepted: true }],
    };
    const segments = parseX12(write855([first, second], OPTS));
    expect(envelopeProblems(segments)).to.deep.equal([]);
    expect(segmentsOf(segments, 'ST')).to.deep.equal([['ST', '855', '0300'], ['ST', '855', '0301']]);
    expect(segmentsOf(segments, 'GE')).to.deep.equal([['GE', '2', '300']]);
    expect(segmentsOf(segments, 'ISA')[0]![13]).to.equal('000000300');
  });
});
