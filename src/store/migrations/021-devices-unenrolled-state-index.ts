// The devices' (org_pk, state) index kept for the devices that are not enrolled. Nearly
// every device on file is enrolled, and every enrollment wrote an entry into this index
// that no read needed: a read of an organisation's devices in order walks (org_pk,
// serial), and the enrolled count is the organisation's devices less the others
// (store/device-queries.ts). The reads by state that need it (an organisation's pending
// devices, for linking and for the console; its returned, voided and released ones) ask
// for `state <> 'enrolled'` as well, in those words, so that both databases see the
// partial index serves them. A million-serial CSV writes a million index entries fewer.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX devices_org_pk_state_index');
  await knex.raw("CREATE INDEX devices_org_pk_state_unenrolled_index ON devices (org_pk, state) WHERE state <> 'enrolled'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX devices_org_pk_state_unenrolled_index');
  await knex.raw('CREATE INDEX devices_org_pk_state_index ON devices (org_pk, state)');
}
