// Audit actions are named one way (src/model/audit-actions.ts): entries written under the
// earlier names get the names the log is now filtered by, so `action=key.*` finds every
// key event of the past too. Only the action name changes; who, when and what stay.
import type { Knex } from 'knex';

const RENAMED: Record<string, string> = {
  'principal-key.create': 'key.create',
  'principal-key.revoke': 'key.revoke',
  'credential.api-key.create': 'key.create',
  'credential.certificate.add': 'certificate.add',
  'business-api-account.create': 'business-api.account.create',
  'business-api-account.revoke': 'business-api.account.revoke',
};

export async function up(knex: Knex): Promise<void> {
  for (const [from, to] of Object.entries(RENAMED)) await knex('audit_log').where({ action: from }).update({ action: to });
  // A reseller credential's revocation: a key's or a certificate's, as the credential says.
  const revoked = (await knex('audit_log').where({ action: 'credential.revoke' }).select('id', 'detail_json')) as { id: number; detail_json: string }[];
  for (const row of revoked) {
    const credentialId = (JSON.parse(row.detail_json) as { credentialId?: unknown }).credentialId;
    const credential = (await knex('credentials').where({ id: Number(credentialId) }).first('kind')) as { kind: string } | undefined;
    await knex('audit_log').where({ id: row.id }).update({ action: credential?.kind === 'certificate' ? 'certificate.revoke' : 'key.revoke' });
  }
}

/** The earlier names are not brought back: several became one (key.create). */
export async function down(): Promise<void> {}
