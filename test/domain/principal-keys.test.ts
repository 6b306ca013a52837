// Unit tests of which organisations a key of the gateway's own roles belongs to
// (src/domain/principal-keys.ts).
import { expect } from 'chai';
import { checkKeyOrganisations } from '../../src/domain/principal-keys.js';
import { STORE_LIMITS } from '../../src/model/limits.js';

describe('checkKeyOrganisations', () => {
  it('an organisation admin key names exactly its organisation, and no set', () => {
    expect(checkKeyOrganisations('org_admin', true, 0)).to.equal(undefined);
    expect(checkKeyOrganisations('org_admin', false, 0)).to.equal('org-required');
    expect(checkKeyOrganisations('org_admin', true, 2)).to.equal('scope-not-allowed');
  });

  it('a finance key names no organisation; it sees every one, or a set of at most maxFinanceScopeOrgs', () => {
    expect(checkKeyOrganisations('finance', false, 0)).to.equal(undefined);
    expect(checkKeyOrganisations('finance', false, STORE_LIMITS.maxFinanceScopeOrgs)).to.equal(undefined);
    expect(checkKeyOrganisations('finance', false, STORE_LIMITS.maxFinanceScopeOrgs + 1)).to.equal('scope-too-large');
    expect(checkKeyOrganisations('finance', true, 0)).to.equal('org-not-allowed');
  });

  it('operator and metrics keys belong to no organisation', () => {
    for (const role of ['operator', 'metrics'] as const) {
      expect(checkKeyOrganisations(role, false, 0)).to.equal(undefined);
      expect(checkKeyOrganisations(role, true, 0)).to.equal('org-not-allowed');
      expect(checkKeyOrganisations(role, false, 1)).to.equal('scope-not-allowed');
    }
  });
});
