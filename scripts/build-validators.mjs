// Part of `npm run build`: the JSON Schema validators of src/model/validators.ts as plain
// JavaScript, generated with Ajv's standalone code (https://ajv.js.org/standalone.html),
// each module next to the one that owns its schemas, with the schemas' hash so that a
// stale one is never used.
import { writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';

const { schemaSetHash } = await import('../dist/src/model/validators.js');
const owners = [
  { module: 'config.js', set: (await import('../dist/src/config.js')).CONFIG_SCHEMAS },
  { module: 'model/documents.js', set: (await import('../dist/src/model/documents.js')).DOCUMENT_SCHEMAS },
  { module: 'mapping/mapping.js', set: (await import('../dist/src/mapping/mapping.js')).mappingSchemas() },
];
for (const { module, set } of owners) {
  const ajv = new Ajv({ ...set.options, code: { source: true } });
  for (const ref of set.refs ?? []) ajv.addSchema(ref);
  for (const [name, schema] of Object.entries(set.schemas)) ajv.addSchema(schema, name);
  const code = standalone.default(ajv, Object.fromEntries(Object.keys(set.schemas).map((name) => [name, name])));
  const out = new URL(`../dist/src/${module.replace(/[^/]*$/, '')}${set.file}`, import.meta.url);
  writeFileSync(out, `${code}\nmodule.exports.schemaHash = ${JSON.stringify(schemaSetHash(set))};\n`);
  process.stdout.write(`validators written: ${out.pathname.replace(/.*\/dist\//, 'dist/')} (${Object.keys(set.schemas).join(', ')}; schemas ${schemaSetHash(set).slice(0, 12)})\n`);
}
