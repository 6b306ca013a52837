// Which organisations a key of the gateway's own roles belongs to: an organisation admin's
// to exactly one; a finance key to none (it sees every organisation) or to a set it is
// limited to; an operator's or a metrics scraper's to none.
import { STORE_LIMITS } from '../model/limits.js';
import type { PrincipalRole } from '../model/roles.js';

/** Why a key request names the wrong organisations. */
export type KeyOrganisationsRefusal =
  /** An organisation admin key names no organisation. */
  | 'org-required'
  /** A key of another role names one. */
  | 'org-not-allowed'
  /** A key that is not finance names a set to be limited to. */
  | 'scope-not-allowed'
  /** A finance key names a larger set than one key may be limited to. */
  | 'scope-too-large';

/** The refusal of a key request for `role` naming an organisation (or not) and a set of `scopeCount` distinct organisations; undefined when it may be made. */
export function checkKeyOrganisations(role: PrincipalRole, orgGiven: boolean, scopeCount: number): KeyOrganisationsRefusal | undefined {
  if (role === 'org_admin' && !orgGiven) return 'org-required';
  if (role !== 'org_admin' && orgGiven) return 'org-not-allowed';
  if (scopeCount > 0 && role !== 'finance') return 'scope-not-allowed';
  if (scopeCount > STORE_LIMITS.maxFinanceScopeOrgs) return 'scope-too-large';
  return undefined;
}
