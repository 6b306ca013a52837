// Unit tests of what an order says of each device it named (src/domain/order-lines.ts).
import { expect } from 'chai';
import { orderDeviceStatus } from '../../src/domain/order-lines.js';
import type { LineStatus } from '../../src/model/state.js';

describe('orderDeviceStatus', () => {
  it('a line that is not live says what became of the device, whatever the device is now', () => {
    for (const line of ['returned', 'removed', 'voided', 'released'] as LineStatus[]) {
      expect(orderDeviceStatus(line, 'enrolled', false)).to.equal(line);
      expect(orderDeviceStatus(line, null, false)).to.equal(line);
    }
  });

  it('a live line held by the order says the device state: enrolled or pending', () => {
    expect(orderDeviceStatus('live', 'enrolled', true)).to.equal('enrolled');
    expect(orderDeviceStatus('live', 'pending', true)).to.equal('pending');
  });

  it('a live line whose device is missing, held elsewhere or not live breaks the rule: undefined', () => {
    expect(orderDeviceStatus('live', null, true)).to.equal(undefined);
    expect(orderDeviceStatus('live', 'enrolled', false)).to.equal(undefined);
    expect(orderDeviceStatus('live', 'returned', true)).to.equal(undefined);
    expect(orderDeviceStatus('live', 'released', true)).to.equal(undefined);
  });
});
