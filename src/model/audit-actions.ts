// Every action the audit log records, named one way: area first, then what was acted on
// where there is more than one thing in the area, then the verb, lower case, words joined
// by dashes (`key.create`, `organisation.default-server.set`). `GET /v1/audit?action=key.*`
// then finds every key event, whoever's key. docs/query-api.md lists them from here (a test
// checks that it lists every one).
export const AUDIT_ACTIONS = {
  'organisation.add': 'an organisation added',
  'organisation.customer-number.add': 'an Apple customer number added to an organisation',
  'organisation.default-server.set': "a device family's default server set or cleared",
  'supplier.add': 'a supplier (reseller, or Apple) added',
  'supplier.ship-to.add': 'a Ship-To added to a reseller',
  'supplier.ship-to.status': 'a Ship-To made active or inactive',
  'link.add': 'an organisation added a reseller (its pending devices enrolled)',
  'link.remove': 'an organisation removed a reseller',
  'key.create': 'a key made: a reseller API key, or an operator, org-admin, finance or metrics key',
  'key.revoke': 'a key revoked',
  'certificate.add': "a reseller's client certificate added",
  'certificate.revoke': "a reseller's client certificate revoked",
  'device.server.assign': 'devices assigned to a device-management server',
  'device.release': 'a device released by its organisation',
  'document.replay': 'a rejected document run through intake again',
  'credit.codes.download': 'volume-credit redemption codes downloaded',
  'credit.code.reissue': 'a redemption code replaced by a new one',
  'business-api.account.create': "a business API account registered for an organisation's clients",
  'business-api.account.revoke': 'a business API account revoked (its tokens with it)',
  'business-api.activity.submit': 'a business API activity (assign, unassign, release) submitted',
  'business-api.activity.complete': 'a business API activity carried out, with its counts',
  'session.create': 'someone signed in to the console with their key (the key is not recorded)',
  'session.end': 'someone signed out of the console',
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

/** Every write over HTTP is also recorded as http.<method> (http.post, http.delete, ...). */
export type HttpAuditAction = `http.${'post' | 'put' | 'patch' | 'delete'}`;
