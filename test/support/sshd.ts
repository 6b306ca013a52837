// A real OpenSSH sshd for the SFTP tests, on a free loopback port, with its own host key,
// a client key pair and internal-sftp. It runs as the current user (root in CI: sshd
// needs root to switch to the logged-in user, and the test logs in as that same user).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const SSHD_PATH = '/usr/sbin/sshd';
const SSH_KEYGEN_PATH = '/usr/bin/ssh-keygen';
/** How long sshd gets to accept connections after it starts. */
const READY_TIMEOUT_MS = 10_000;

export interface Sshd {
  host: string;
  port: number;
  username: string;
  /** Private key of the client key pair that may log in. */
  clientKeyPath: string;
  /** The host key's fingerprint, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** sshd's own temporary folder (keys, config, pid file). */
  dir: string;
  running(): boolean;
  /** Kills the per-connection processes of this sshd: every open session drops at once,
   * as with a server that restarts or a connection that breaks. Returns how many. */
  dropSessions(): number;
  /** Stops the server (existing sessions end with it) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.error?.message || ''}`);
  return r.stdout;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** True when something on the port answers with an SSH banner. */
function answersSsh(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (d: Buffer) => done(d.toString('latin1').startsWith('SSH-')));
  });
}

/** Processes whose parent is `parent` (from /proc: field 4 of stat, after the command name). */
function childrenOf(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

export async function startSshd(): Promise<Sshd> {
  if (!existsSync(SSHD_PATH)) {
    throw new Error(
      `OpenSSH server not found at ${SSHD_PATH}: the SFTP mailbox tests need a real sshd. ` +
        'Install openssh-server (apt-get install -y openssh-server; .ci/run does it).',
    );
  }
  // sshd refuses to start without its privilege-separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'gw-sshd-'));
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const clientKey = join(dir, 'client_ed25519');
  run(SSH_KEYGEN_PATH, ['-q', '-t', 'ed25519', '-N', '', '-C', 'gateway-test-host', '-f', hostKey]);
  run(SSH_KEYGEN_PATH, ['-q', '-t', 'ed25519', '-N', '', '-C', 'gateway-test-client', '-f', clientKey]);
  const fingerprint = run(SSH_KEYGEN_PATH, ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`]).split(/\s+/)[1]!;
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  const port = await freePort();
  const username = userInfo().username;
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1`,
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${username}`,
      'UseDNS no',
      // The tests open many short sessions at once (several pollers, reconnects).
      'MaxStartups 100',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let stderr = '';

  async function start(): Promise<void> {
    if (child) return;
    stderr = '';
    const proc = spawn(SSHD_PATH, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    proc.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-4000);
    });
    exited = new Promise((resolve) =>
      proc.once('exit', () => {
        if (child === proc) child = null;
        resolve();
      }),
    );
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child !== proc) throw new Error(`sshd exited at start: ${stderr.trim()}`);
      if (await answersSsh(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`sshd did not accept connections on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms: ${stderr.trim()}`);
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc) return;
    proc.kill('SIGTERM');
    await exited;
  }

  function dropSessions(): number {
    const master = child?.pid;
    if (master === undefined) return 0;
    let killed = 0;
    for (const pid of childrenOf(master)) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // already gone
      }
    }
    return killed;
  }

  await start();
  return {
    host: '127.0.0.1',
    port,
    username,
    clientKeyPath: clientKey,
    hostKeyFingerprint: fingerprint,
    dir,
    running: () => child !== null,
    dropSessions,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
