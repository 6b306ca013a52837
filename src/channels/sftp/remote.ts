// One SFTP session to a mailbox's server: the few operations the poller needs, each
// bounded in time so that a server that stops answering cannot hold a poll forever.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import type { Logger } from '../../log/logger.js';
import type { ResolvedMailbox } from './settings.js';
import type { RemoteFile } from '../../model/sftp.js';


// SSH keepalives detect a peer that vanished without closing TCP (a pulled cable, a
// dropped NAT entry): after 3 unanswered probes 5 s apart the session is closed, which
// fails the operation in hand (a download has no other deadline).
const KEEPALIVE_INTERVAL_MS = 5000;
const KEEPALIVE_COUNT_MAX = 3;
/** end() waits this long for the server to close; a dead peer must not hold stop(). */
const END_TIMEOUT_MS = 2000;

export class RemoteError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export function fingerprintOf(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

export class RemoteSession {
  private constructor(
    private readonly client: SftpClient,
    private readonly mailbox: ResolvedMailbox,
    private closed: { value: boolean },
  ) {}

  static async open(mailbox: ResolvedMailbox, logger: Logger): Promise<RemoteSession> {
    const closed = { value: false };
    // The library's default callbacks print to the console; ours log and mark the
    // session dead so that the poller reconnects instead of reusing it.
    const client = new SftpClient(`mailbox:${mailbox.name}`, {
      error: (err: unknown) => {
        closed.value = true;
        logger.log('warn', 'sftp connection error', { mailbox: mailbox.name, error: errorText(err) });
      },
      end: () => {
        closed.value = true;
      },
      close: () => {
        closed.value = true;
      },
    });
    const expected = mailbox.hostKeyFingerprint?.replace(/=+$/, '');
    let seenFingerprint: string | undefined;
    try {
      await client.connect({
        host: mailbox.host,
        port: mailbox.port,
        username: mailbox.username,
        ...(mailbox.password !== undefined ? { password: mailbox.password } : {}),
        ...(mailbox.privateKeyPath !== undefined ? { privateKey: readFileSync(mailbox.privateKeyPath) } : {}),
        ...(mailbox.passphrase !== undefined ? { passphrase: mailbox.passphrase } : {}),
        readyTimeout: mailbox.connectTimeoutMs,
        keepaliveInterval: KEEPALIVE_INTERVAL_MS,
        keepaliveCountMax: KEEPALIVE_COUNT_MAX,
        hostVerifier: (key: Buffer) => {
          seenFingerprint = fingerprintOf(key);
          return expected === undefined || seenFingerprint === expected;
        },
        // The library's own retries would hide the failure from our backoff and logs.
        retries: 0,
      });
    } catch (err) {
      closed.value = true;
      void client.end().catch(() => undefined);
      if (expected !== undefined && seenFingerprint !== undefined && seenFingerprint !== expected) {
        throw new RemoteError(`host key ${seenFingerprint} of ${mailbox.host} is not the configured ${expected}`, 'HOST_KEY');
      }
      throw err;
    }
    if (expected === undefined) {
      logger.log('warn', 'sftp host key not verified: set hostKeyFingerprint', { mailbox: mailbox.name, hostKeyFingerprint: seenFingerprint });
    }
    return new RemoteSession(client, mailbox, closed);
  }

  get usable(): boolean {
    return !this.closed.value;
  }

  /** Regular files of a folder, with the library's type letter ('-' file, 'd', 'l'). */
  async list(dir: string): Promise<(RemoteFile & { type: string })[]> {
    const entries = await this.bounded(`list ${dir}`, this.client.list(dir));
    return entries.map((e) => ({ name: e.name, size: e.size, mtimeMs: e.modifyTime, type: e.type }));
  }

  /** null when the path does not exist. */
  async stat(path: string): Promise<{ size: number; mtimeMs: number; isFile: boolean } | null> {
    const kind = await this.bounded(`exists ${path}`, this.client.exists(path));
    if (kind === false) return null;
    const s = await this.bounded(`stat ${path}`, this.client.stat(path));
    return { size: s.size, mtimeMs: s.modifyTime, isFile: s.isFile };
  }

  async ensureDir(dir: string): Promise<void> {
    const kind = await this.bounded(`exists ${dir}`, this.client.exists(dir));
    if (kind === 'd') return;
    if (kind !== false) throw new RemoteError(`${dir} exists and is not a folder`);
    await this.bounded(`mkdir ${dir}`, this.client.mkdir(dir, true));
  }

  /** Downloads to a local file. Not bounded by operationTimeoutMs (a large file takes
   * long); a dead peer is detected by the keepalives instead. */
  async download(remotePath: string, localPath: string): Promise<void> {
    this.assertOpen();
    await this.client.fastGet(remotePath, localPath);
  }

  async read(remotePath: string): Promise<Buffer> {
    const body = await this.bounded(`get ${remotePath}`, this.client.get(remotePath));
    if (!Buffer.isBuffer(body)) throw new RemoteError(`get ${remotePath} did not return bytes`);
    return body;
  }

  async write(remotePath: string, body: Buffer): Promise<void> {
    await this.bounded(`put ${remotePath}`, this.client.put(body, remotePath));
  }

  /** Fails when `to` exists (plain SFTP rename never replaces a file). */
  async rename(from: string, to: string): Promise<void> {
    await this.bounded(`rename ${from}`, this.client.rename(from, to));
  }

  async remove(path: string): Promise<void> {
    await this.bounded(`delete ${path}`, this.client.delete(path, true));
  }

  join(dir: string, name: string): string {
    return posix.join(dir, name);
  }

  async close(): Promise<void> {
    if (this.closed.value) {
      void this.client.end().catch(() => undefined);
      return;
    }
    this.closed.value = true;
    await withTimeout(this.client.end().then(() => undefined), END_TIMEOUT_MS, 'end').catch(() => undefined);
  }

  private assertOpen(): void {
    if (this.closed.value) throw new RemoteError(`connection to ${this.mailbox.host} is closed`, 'CLOSED');
  }

  private async bounded<T>(what: string, work: Promise<T>): Promise<T> {
    if (this.closed.value) {
      work.catch(() => undefined);
      throw new RemoteError(`connection to ${this.mailbox.host} is closed`, 'CLOSED');
    }
    try {
      return await withTimeout(work, this.mailbox.operationTimeoutMs, what);
    } catch (err) {
      if (err instanceof RemoteError && err.code === 'TIMEOUT') this.closed.value = true;
      throw err;
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RemoteError(`${what}: no answer within ${ms} ms`, 'TIMEOUT')), ms);
  });
  // The losing promise may still reject later; it must not become an unhandled rejection.
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return code === undefined || code === null ? undefined : String(code);
}
