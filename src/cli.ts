#!/usr/bin/env node
// The gateway's command line, as installed (`abm-edi-gateway`) and as run from the
// folder (`node dist/src/cli.js`): the program is cli-program.ts.
import { main } from './cli-program.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
