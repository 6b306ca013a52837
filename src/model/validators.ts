// JSON Schema validators that `npm run build` generates as plain JavaScript
// (scripts/build-validators.mjs, Ajv's standalone code, https://ajv.js.org/standalone.html)
// next to the module that owns the schemas. Compiling when a process starts cost about
// 60 ms for the configuration, 60 ms for the canonical documents and 50 ms for the
// mappings (with Ajv's own loading): every command, every intake process and every thread
// that reads a document paid it; a generated module loads in about 1 ms. It carries the
// hash of the schemas it was made from, and schemas that differ (dist/ built before a
// change to them) are compiled here instead: a stale validator is never used.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, Options, ValidateFunction } from 'ajv';

/** A module's schemas, each by the name its validator is exported under, and how Ajv compiles them. */
export interface SchemaSet {
  /** The generated module's file name, next to the owning module in dist/. */
  file: string;
  schemas: Record<string, object>;
  /** Schemas the named ones refer to by $id. */
  refs?: object[];
  options: Options;
}

export function schemaSetHash(set: SchemaSet): string {
  return createHash('sha256').update(JSON.stringify({ schemas: set.schemas, refs: set.refs ?? [], options: set.options })).digest('hex');
}

type Generated = Record<string, ValidateFunction> & { schemaHash?: string };

/**
 * The validators of `set`, by name: the build's generated module beside `ownerUrl` (the
 * owning module's import.meta.url) when it was made from these very schemas, else compiled
 * here (Ajv itself loaded only then).
 */
export function loadValidators(ownerUrl: string, set: SchemaSet): Record<string, ValidateFunction> {
  const require = createRequire(ownerUrl);
  try {
    // A module of the build's, not of the source tree: CommonJS, loaded by path.
    const generated = require(`./${set.file}`) as Generated;
    if (generated.schemaHash === schemaSetHash(set)) return generated;
  } catch {
    // No generated module (a build that did not make one): compile below.
  }
  const { Ajv } = require('ajv') as { Ajv: typeof AjvClass };
  const ajv = new Ajv(set.options);
  for (const ref of set.refs ?? []) ajv.addSchema(ref);
  return Object.fromEntries(Object.entries(set.schemas).map(([name, schema]) => [name, ajv.compile(schema)]));
}
