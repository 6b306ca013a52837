// Uploads are spooled to disk before intake reads them (memory stays flat whatever the
// size). A spool file is a partner's whole document: readable by the gateway's user only,
// removed when the request ends whatever its outcome, and, for a process that died mid
// request, swept when the next one starts. Each file carries the pid of the process that
// wrote it, so a gateway sharing the folder with another live one leaves that one's alone.
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, rmSync, type WriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

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

/** What spooling a request body came to: all of it written, or cut off at the limit. */
export type Spooled = { complete: true; bytes: number } | { complete: false; bytesSeen: number };

/**
 * Writes a request's body to a spool file, up to `maxBytes`. A longer body stops being
 * written at the first chunk past the limit (the file then holds part of it: the caller
 * removes it), and the request is left open and unread from there, not destroyed:
 * destroying it would reset the connection under a client still sending, which would
 * then never read the 413 it is owed (see discardRestOfBody).
 */
export async function spoolBody(body: IncomingMessage, file: WriteStream, maxBytes: number): Promise<Spooled> {
  let bytes = 0;
  let complete = true;
  async function* upToLimit(): AsyncIterable<Buffer> {
    // destroyOnReturn false: leaving the loop at the limit keeps the request (and its socket) open.
    for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        complete = false;
        return;
      }
      yield chunk;
    }
  }
  try {
    await pipeline(upToLimit, file);
  } catch (err) {
    // The disk refused, or the client went away: nothing will read the rest of this body.
    body.destroy();
    throw err;
  }
  return complete ? { complete: true, bytes } : { complete: false, bytesSeen: bytes };
}

/**
 * For a request answered before its body was read (refused as too large): reads the rest
 * and throws it away, for `lingerMs` and `lingerBytes` at most, then closes the
 * connection if the body has still not ended. Node's server closes a socket right after
 * an answer that says Connection: close, and a socket closed with bytes unread is reset
 * (RST), which can reach the client before it has read the answer; reading on lets the
 * answer arrive first. A body that ends in time leaves the connection usable.
 */
export function discardRestOfBody(req: IncomingMessage, limits: { lingerMs: number; lingerBytes: number }): void {
  if (req.readableEnded) return;
  let discarded = 0;
  const stop = () => {
    clearTimeout(timer);
    req.off('data', onData);
  };
  const cut = () => {
    stop();
    req.socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limits.lingerBytes) cut();
  };
  const timer = setTimeout(cut, limits.lingerMs);
  timer.unref();
  req.on('data', onData);
  req.once('end', stop);
  req.once('close', stop);
  req.resume();
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
