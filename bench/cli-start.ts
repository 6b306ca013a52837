// The command line's start-up: how long `--help`, `--version` and a lookup take from the
// process starting to its exit, against Node.js starting and exiting with nothing to do
// (`node -e 0`) in the same run. The target is under 300 ms each: a command loads what it
// runs, not the whole gateway. The lookups run on the demo's SQLite database.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayCli, runTimed, table, against } from './support.js';
import { sqliteTarget } from './targets.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js');
const TARGET_MS = 300;
const RUNS = 15;

/** The median and the slowest of `RUNS` runs of `args`, in milliseconds. */
function timeRuns(command: string, args: string[], env: NodeJS.ProcessEnv): { p50: number; worst: number } {
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) ms.push(runTimed(command, args, env).seconds * 1000);
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(RUNS / 2)]!, worst: ms[RUNS - 1]! };
}

export function runCliStartBench(workDir: string): void {
  const target = sqliteTarget(workDir, 'cli-start');
  gatewayCli(['demo', '--no-serve'], target.env);
  const node = timeRuns(process.execPath, ['-e', '0'], target.env);
  const cases: [string, string[]][] = [
    ['--help', ['--help']],
    ['--version', ['--version']],
    ['device show (a lookup)', ['device', 'show', '--serial', 'DMPX1A2B3C01']],
    ['org list (a lookup)', ['org', 'list']],
  ];
  process.stdout.write(`command-line start-up: ${RUNS} runs each on the demo's SQLite database; node -e 0 took ${node.p50.toFixed(0)} ms (median) in the same run\n\n`);
  const rows = cases.map(([label, args]) => {
    const t = timeRuns(process.execPath, [CLI, ...args], target.env);
    return [label, t.p50.toFixed(0), t.worst.toFixed(0), (t.p50 / node.p50).toFixed(1), against(t.p50.toFixed(0), t.p50 < TARGET_MS)];
  });
  process.stdout.write(table(['command', 'median ms', 'slowest ms', 'x node -e 0', `median (target < ${TARGET_MS} ms)`], rows) + '\n');
}
