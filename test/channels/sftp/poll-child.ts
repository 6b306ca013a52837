// A gateway process that only polls one mailbox, for the test that kills a gateway in
// the middle of a file. Settings come as JSON in SFTP_CHILD; logs go to stdout as JSON.
// SIGTERM stops it cleanly (the test uses SIGKILL).
import { openDatabase } from '../../../src/store/db.js';
import { jsonLogger } from '../../../src/log/logger.js';
import { MailboxPoller } from '../../../src/channels/sftp/poller.js';
import type { ResolvedMailbox } from '../../../src/channels/sftp/settings.js';
import { intakeDeps } from './helpers.js';

export interface ChildSettings {
  database: { databaseUrl: string | null; sqlitePath: string; pgSchema: string | null };
  mailbox: ResolvedMailbox;
  spoolDir: string;
  holderId: string;
}

const settings = JSON.parse(process.env.SFTP_CHILD ?? '') as ChildSettings;
const db = openDatabase(settings.database);
const poller = new MailboxPoller({
  deps: intakeDeps(db),
  mailbox: settings.mailbox,
  spoolDir: settings.spoolDir,
  logger: jsonLogger(),
  holderId: settings.holderId,
});
poller.start();
process.once('SIGTERM', () => {
  void poller
    .stop()
    .then(() => db.destroy())
    .then(() => process.exit(0));
});
