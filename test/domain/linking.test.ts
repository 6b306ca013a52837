// Unit tests of adding a supplier to an organisation (src/domain/linking.ts checkLink);
// what the link enrolls is tested with the enrollment rules.
import { expect } from 'chai';
import { checkLink } from '../../src/domain/linking.js';

describe('checkLink', () => {
  const org = { linkedSupplierPks: [2] };

  it('Apple needs no link: its orders match by Apple customer number', () => {
    expect(checkLink(org, { pk: 9, kind: 'apple' })).to.equal('apple-needs-no-link');
  });

  it('a reseller added already changes nothing; another is added', () => {
    expect(checkLink(org, { pk: 2, kind: 'reseller' })).to.equal('added-already');
    expect(checkLink(org, { pk: 3, kind: 'reseller' })).to.equal('add');
  });
});
