// The import rules of ../shared/DESIGN.md, checked by test/architecture/imports.test.ts
// (so by `npm test`) and by `npx depcruise src`:
//   channels/, cli*.ts, config.ts      anything below
//   intake/                            formats, mapping, domain, store, model, credit, metrics
//   admin/, credit/                    the read side (query, reports), formats, domain, store, model
//   query/, reports/                   formats, domain, store, model
//   metrics/                           store, model
//   formats/, mapping/                 each other and model; never the database
//   domain/                            model only: rules are plain functions over plain data
//   store/                             model only: the one place with SQL
//   model/                             nothing of ours
//   console/                           nothing of ours either: it runs in the browser and
//                                      knows the gateway only through /v1; nothing imports it
// and no import circle anywhere. Type-only imports count: a layer that names a type from
// above it depends on it.
const layer = (name, allowed) => ({
  name: `${name}-imports-only-below`,
  comment: `src/${name}/ may import only ${allowed.length ? allowed.join(', ') : 'itself'} (../shared/DESIGN.md, "Layers")`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: '^src/', pathNot: [`^src/${name}/`, ...allowed.map((a) => `^src/${a}/`)] },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import circle: each module stands on the ones below it.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    layer('model', []),
    layer('store', ['model']),
    layer('domain', ['model']),
    layer('formats', ['mapping', 'model']),
    layer('mapping', ['formats', 'model']),
    layer('query', ['formats', 'domain', 'store', 'model', 'reports']),
    layer('reports', ['formats', 'domain', 'store', 'model', 'query']),
    layer('metrics', ['store', 'model']),
    layer('log', ['model']),
    layer('admin', ['query', 'reports', 'formats', 'domain', 'store', 'model', 'log']),
    layer('credit', ['query', 'reports', 'formats', 'domain', 'store', 'model', 'admin']),
    layer('intake', ['formats', 'mapping', 'domain', 'store', 'model', 'credit', 'metrics']),
    {
      name: 'console-is-a-client',
      comment: 'src/console/ runs in the browser and reaches the gateway through /v1 only: it imports nothing of the server (../shared/DESIGN.md, "The console")',
      severity: 'error',
      from: { path: '^src/console/' },
      to: { path: '^src/', pathNot: '^src/console/' },
    },
    {
      name: 'nothing-imports-the-console',
      comment: 'The server serves the built console as files; no server module imports its sources.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/console/' },
      to: { path: '^src/console/' },
    },
    {
      name: 'sql-only-in-store',
      comment: 'Only src/store/ builds queries: knex itself is imported there alone (elsewhere a handle is passed, by type).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/store/' },
      to: { path: 'node_modules/knex/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'database-drivers-only-in-store',
      comment: 'The database drivers are opened in src/store/db.ts only.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/store/' },
      to: { path: 'node_modules/(pg|pg-copy-streams|sqlite3|better-sqlite3)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
