// Part of `npm run build`: the configuration's validator as plain JavaScript, generated
// from CONFIG_SCHEMA with Ajv's standalone code (https://ajv.js.org/standalone.html).
// Compiling the schema when the command line starts took about 60 ms of every command;
// the generated module loads in about 1 ms. It carries the hash of the schema it was made
// from: config.ts compiles the schema itself when the two differ (dist/ built before a
// change to the schema), so a stale validator is never used.
import { writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';

const { CONFIG_SCHEMA, CONFIG_VALIDATOR_FILE, configSchemaHash } = await import('../dist/src/config.js');
const ajv = new Ajv({ allErrors: true, code: { source: true } });
const code = standalone.default(ajv, ajv.compile(CONFIG_SCHEMA));
const out = new URL(`../dist/src/${CONFIG_VALIDATOR_FILE}`, import.meta.url);
writeFileSync(out, `${code}\nmodule.exports.schemaHash = ${JSON.stringify(configSchemaHash())};\n`);
process.stdout.write(`config validator written: dist/src/${CONFIG_VALIDATOR_FILE} (schema ${configSchemaHash().slice(0, 12)})\n`);
