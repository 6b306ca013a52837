// Uploads are spooled to disk before intake reads them (memory stays flat whatever the
// size). A spool file is a partner's whole document: readable by the gateway's user only,
// removed when the request ends whatever its outcome, and, for a process that died mid
// request, swept when the next one starts. Each file carries the pid of the process that
// wrote it, so a gateway sharing the folder with another live one leaves that one's alone.
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/** What a spool file holds: an HTTP document upload or a purchase-history CSV. */
export type SpoolKind = 'http' | 'credit-purchases';

const SPOOLED = /^(http|credit-purchases)-(\d+)-[0-9a-f-]{36}$/;
/** Names written before files carried their pid (an older gateway's): no process owns them after a restart. */
const SPOOLED_WITHOUT_PID = /^(http-[0-9a-f-]{36}|credit-purchases-[0-9a-f-]{36}\.csv)$/;

/** A new spool file of this process, created readable and writable by the gateway's user only. */
export function createSpoolFile(dir: string, kind: SpoolKind): { path: string; stream: WriteStream } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${kind}-${process.pid}-${randomUUID()}`);
  return { path, stream: createWriteStream(path, { mode: 0o600, flags: 'wx' }) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but is another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the upload spool files no live request holds: those of processes that are gone,
 * and this process's own (called at start, before any request: a restarted gateway may
 * get its dead predecessor's pid). Answers the names removed.
 */
export function sweepUploadSpool(dir: string, isAlive: (pid: number) => boolean = alive): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // no spool folder yet
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = SPOOLED.exec(name);
    const orphan = m ? Number(m[2]) === process.pid || !isAlive(Number(m[2])) : SPOOLED_WITHOUT_PID.test(name);
    if (!orphan) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
