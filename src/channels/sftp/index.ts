// The SFTP channel: one poller per configured partner mailbox, started by `serve`.
import { DEFAULT_CONFIG } from '../../config.js';
import type { IntakeDeps } from '../../intake/receive.js';
import type { Intake } from '../../intake/service.js';
import type { Logger } from '../../log/logger.js';
import { MailboxPoller } from './poller.js';
import { MailboxSettingsError, resolveMailboxes, type MailboxSettings } from './settings.js';

export { MailboxPoller, isTemporaryName, type PollReport, type PollerOptions } from './poller.js';
export { MAILBOX_DEFAULTS, MAILBOX_SCHEMA, MailboxSettingsError, resolveMailbox, resolveMailboxes, type MailboxSettings, type ResolvedMailbox } from './settings.js';

export interface MailboxOptions {
  /** The gateway's spool folder (config intake.spoolDir); each mailbox uses a folder under it. */
  spoolDir?: string;
  /** Where the files are received (`serve`: an intake process); by default in this thread. */
  intake?: Intake;
}

/**
 * Starts polling every mailbox; returns at once. Settings that cannot work (a name used
 * twice, a mapping that is not loaded) throw here, at start-up, rather than at the first
 * file. stop() lets each poller finish the file in hand and closes the connections.
 */
export function startMailboxes(deps: IntakeDeps, mailboxes: MailboxSettings[], logger: Logger, options: MailboxOptions = {}): { stop(): Promise<void> } {
  const resolved = resolveMailboxes(mailboxes);
  for (const m of resolved) {
    if (m.mappingId !== undefined && !deps.mappings.has(m.mappingId)) {
      throw new MailboxSettingsError(`mailbox "${m.name}": mapping "${m.mappingId}" is not loaded`);
    }
  }
  const spoolDir = options.spoolDir ?? DEFAULT_CONFIG.intake.spoolDir;
  const pollers = resolved.map((mailbox) => new MailboxPoller({ deps, mailbox, spoolDir, logger, ...(options.intake ? { intake: options.intake } : {}) }));
  for (const p of pollers) {
    p.start();
  }
  if (pollers.length > 0) logger.log('info', 'sftp mailboxes started', { mailboxes: resolved.map((m) => m.name) });
  let stopping: Promise<void> | null = null;
  return {
    stop() {
      stopping ??= Promise.all(pollers.map((p) => p.stop())).then(() => {
        if (pollers.length > 0) logger.log('info', 'sftp mailboxes stopped', { mailboxes: resolved.map((m) => m.name) });
      });
      return stopping;
    },
  };
}
