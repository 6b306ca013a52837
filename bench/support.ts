// What the benchmarks share: running the gateway's CLI (timed, with its peak RSS) and
// long-running children that serve HTTP (`serve`, the null server), a small HTTP client,
// latency statistics, the machine's state, and Markdown tables.
//
// The gateway is driven only through its public surfaces: the CLI, HTTP and environment
// variables, so that the same harness measures any implementation of them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The gateway's CLI, run so that it reports its peak RSS at exit (measure-child.ts). */
const CLI_CHILD = join(HERE, 'measure-child.js');
/** How long a child server may take to say where it listens. */
const START_TIMEOUT_MS = 30_000;
/** What a CLI command may print before it is cut off (an ingest's JSON outcome is small). */
const MAX_CLI_OUTPUT_BYTES = 64 * 1024 * 1024;
/** How long the CPU is watched to say whether the machine is quiet. */
const CPU_SAMPLE_MS = 1000;
/** Busier than this share of all cores (the benchmark's own children are not running then): busy. */
const QUIET_CPU_SHARE = 0.15;

export const MIB = 1024 * 1024;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Seconds since `started`, a process.hrtime.bigint(). */
export function secondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

export const int = (n: number) => Math.round(n).toLocaleString('en');

export interface Timed {
  seconds: number;
  /** The command's peak RSS when it reports one (the gateway's CLI does), else null. */
  maxRssMb: number | null;
  stdout: string;
}

/** Runs a command to completion, timing it end to end; throws when it fails. */
export function runTimed(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Timed {
  const started = process.hrtime.bigint();
  const r = spawnSync(command, args, { env, input, encoding: 'utf8', maxBuffer: MAX_CLI_OUTPUT_BYTES });
  const seconds = secondsSince(started);
  if (r.error) throw new Error(`${command} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  const rss = /BENCH_MAX_RSS_KB=(\d+)/.exec(r.stderr ?? '');
  return { seconds, maxRssMb: rss ? Number(rss[1]) / 1024 : null, stdout: r.stdout };
}

/** `node dist/src/cli.js ARGS` with `env`, timed. */
export function gatewayCli(args: string[], env: NodeJS.ProcessEnv): Timed {
  return runTimed(process.execPath, [CLI_CHILD, ...args], env);
}

/** Throws `hint` when a command-line tool the benchmark needs is missing. */
export function requireTool(command: string, args: string[], hint: string): void {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(hint);
}

/** The CPU time (user and system) a process has used so far, in seconds. */
function cpuSecondsOf(pid: number): number {
  // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, after the command name in parentheses.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** The processes a process started, and theirs (`serve` starts its intake process on SQLite), from /proc. */
function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // It ended while the list was read.
    }
  }
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length > 0; ) {
    const next = [...parentOf].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    ticks = Number(r.stdout) > 0 ? Number(r.stdout) : 100;
  }
  return ticks;
}

/**
 * A child process that serves HTTP and says where on stderr (`... listening on http://...`):
 * the gateway's `serve --port 0` (through measure-child, so that its peak RSS is reported at
 * exit) or the null server. Its stdout (the gateway's JSON request log) is read and dropped,
 * except lines `keepLine` asks for.
 */
export class ServedChild {
  readonly child: ChildProcess;
  url = '';
  private stderr = '';
  readonly keptLines: string[] = [];

  private constructor(script: string, args: string[], env: NodeJS.ProcessEnv, keepLine?: (line: string) => boolean) {
    this.child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let pendingOut = '';
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      if (!keepLine) return;
      pendingOut += text;
      const lines = pendingOut.split('\n');
      pendingOut = lines.pop()!;
      for (const l of lines) if (keepLine(l)) this.keptLines.push(l);
    });
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
  }

  /** `serve` on 127.0.0.1, on a port the system picks, with the database `env` names. */
  static async gateway(env: NodeJS.ProcessEnv, keepLine?: (line: string) => boolean): Promise<ServedChild> {
    return new ServedChild(CLI_CHILD, ['serve', '--host', '127.0.0.1', '--port', '0'], env, keepLine).started();
  }

  /** A server that answers every request at once (null-server.ts): the client side's ceiling. */
  static async nullServer(): Promise<ServedChild> {
    return new ServedChild(join(HERE, 'null-server.js'), [], process.env).started();
  }

  private async started(): Promise<this> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const m = /listening on (http:\/\/\S+)/.exec(this.stderr);
      if (m) {
        this.url = m[1]!;
        return this;
      }
      if (this.child.exitCode !== null) break;
      await sleep(50);
    }
    this.child.kill('SIGKILL');
    throw new Error(`the server did not start:\n${this.stderr}`);
  }

  status(): { rssKb: number; hwmKb: number } {
    const text = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
  }

  /** CPU seconds (user and system) the child and the processes it started have used so far. */
  cpuSeconds(): number {
    return [this.child.pid!, ...descendantsOf(this.child.pid!)].reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
  }

  /** The peak RSS (VmHWM) of the processes the child started, summed, in KiB (its intake processes). */
  helpersPeakKb(): number {
    return this.helperPeaksKb().reduce((sum, kb) => sum + kb, 0);
  }

  /** The peak RSS (VmHWM) of each process the child started, in KiB. */
  helperPeaksKb(): number[] {
    return descendantsOf(this.child.pid!).map((pid) => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0));
  }

  /** Resets the high-water mark; false where the kernel refuses. */
  resetPeak(): boolean {
    try {
      writeFileSync(`/proc/${this.child.pid}/clear_refs`, '5');
      return this.status().hwmKb <= this.status().rssKb + 1024;
    } catch {
      return false;
    }
  }

  /** SIGTERM, and the peak RSS the child reported at exit (KiB), when it did. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return null;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await exited;
    const m = /BENCH_MAX_RSS_KB=(\d+)/.exec(this.stderr);
    return m ? Number(m[1]) : null;
  }
}

/**
 * Idle kept-alive connections are dropped after this long, before the gateway's server
 * closes them (Node's default keepAliveTimeout, 5 s): else a request can be sent on a
 * connection the server is closing and fail with "socket hang up", the client's fault.
 */
const CLIENT_IDLE_SOCKET_MS = 4000;

/** Kept-alive connections, at most `maxSockets` at once. */
export function keptAliveAgent(maxSockets = Infinity): http.Agent {
  // `timeout` destroys a socket idle in the agent's free list; a request in flight is not cut by it.
  return new http.Agent({ keepAlive: true, maxSockets, timeout: CLIENT_IDLE_SOCKET_MS });
}

export interface Answer {
  status: number;
  body: string;
  /** From the call to the end of the answer. */
  ms: number;
}

/** One HTTP request; the body a string or a stream (with its length). Network errors reject. */
export function httpRequest(
  url: string,
  opts: { method: 'GET' | 'POST'; headers?: http.OutgoingHttpHeaders; body?: string | { stream: Readable; bytes: number }; agent: http.Agent },
): Promise<Answer> {
  const started = performance.now();
  return new Promise<Answer>((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { ...opts.headers };
    if (typeof opts.body === 'string') headers['content-length'] = Buffer.byteLength(opts.body);
    else if (opts.body) headers['content-length'] = opts.body.bytes;
    const req = http.request(url, { method: opts.method, headers, agent: opts.agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (t: string) => (body += t));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (typeof opts.body === 'string' || opts.body === undefined) req.end(opts.body);
    else opts.body.stream.on('error', reject).pipe(req);
  });
}

export interface Latencies {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentiles of latencies in milliseconds (NaN when there are none). */
export function summarise(ms: readonly number[]): Latencies {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
  return { count: sorted.length, p50Ms: at(50), p99Ms: at(99), maxMs: sorted.length === 0 ? NaN : sorted[sorted.length - 1]! };
}

/** A Markdown table. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |\n`;
  return line(headers) + line(headers.map(() => '---')) + rows.map(line).join('');
}

/** "met" or "MISSED" after a figure, against its target. */
export function against(value: string, ok: boolean): string {
  return `${value} ${ok ? 'met' : 'MISSED'}`;
}

/** Total and idle CPU time of the whole machine, from /proc/stat (clock ticks). */
function cpuTimes(): { total: number; idle: number } {
  const first = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const n = first.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is inside user).
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, idle };
}

/**
 * The machine's state, to read the figures against: cores, load averages, memory, and how
 * busy the CPUs are over one second, while none of the benchmark's children runs: "quiet"
 * or "busy".
 */
export async function machineState(when: 'start' | 'end' | `before ${string}`): Promise<string> {
  const cores = availableParallelism();
  const before = cpuTimes();
  await sleep(CPU_SAMPLE_MS);
  const after = cpuTimes();
  const busyShare = 1 - (after.idle - before.idle) / Math.max(1, after.total - before.total);
  const [l1, l5, l15, tasks] = readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/);
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(meminfo)?.[1] ?? NaN);
  // The load averages lag (at the end they hold the benchmark's own work): the CPU sample says what runs now.
  const quiet = busyShare < QUIET_CPU_SHARE;
  return (
    `machine ${when === 'start' || when === 'end' ? `at ${when}` : when}: ${cores} cores (nproc), load average ${l1} ${l5} ${l15} (${tasks} running/tasks), ` +
    `memory ${int(kb('MemFree') / 1024)} MiB free, ${int(kb('MemAvailable') / 1024)} MiB available of ${int(kb('MemTotal') / 1024)} MiB, ` +
    `CPU ${(busyShare * 100).toFixed(0)}% busy over ${CPU_SAMPLE_MS / 1000} s: ${quiet ? 'quiet' : 'BUSY'}` +
    (when === 'start' ? '' : ' (the load averages include this benchmark)')
  );
}
