// The roles of the gateway's own keys (operators, organisation admins, finance, metrics
// scrapers); resellers' keys are their credentials.

export const PRINCIPAL_ROLES = ['operator', 'org_admin', 'finance', 'metrics'] as const;
export type PrincipalRole = (typeof PRINCIPAL_ROLES)[number];
