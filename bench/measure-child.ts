// Runs the gateway's CLI in this process and, at exit, reports the process's peak
// resident memory, so that the benchmark measures the real command end to end.
import { resourceUsage } from 'node:process';

process.on('exit', () => {
  process.stderr.write(`\nBENCH_MAX_RSS_KB=${resourceUsage().maxRSS}\n`);
});

// The CLI reads its arguments from process.argv.slice(2), which here are the ones given
// after this script: it runs exactly as `node dist/src/cli.js ...` would.
await import('../src/cli.js');
