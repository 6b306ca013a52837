// The design's layering, checked rather than remembered (../shared/DESIGN.md, "Layers"):
// dependency-cruiser applies .dependency-cruiser.cjs to src/ (each layer imports only
// those below it, no import circle, knex and the drivers in src/store/ only), and a scan
// of the sources finds no query built outside src/store/. Each check is also run on a
// small tree that breaks it, so that a rule that stopped matching fails here too.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { expect } from 'chai';

const ROOT = process.cwd();
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function cruise(cwd: string): Violation[] {
  const r = spawnSync(DEPCRUISE, ['src', '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  const report = JSON.parse(r.stdout) as { summary: { violations: Violation[] } };
  return report.summary.violations;
}

/** A table builder or raw SQL on a handle: `db('devices')`, `trx('order_lines as l')`, `db.raw(`. */
const QUERY = /\b(?:db|trx|tx|sp|knex)\s*\(\s*['"`][a-z_]+(?: as [a-z]+)?['"`]\s*\)|\b(?:db|trx|tx|sp|knex)\.raw\(/;

function queriesOutsideStore(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) {
        const rel = relative(root, path);
        if (rel.startsWith(join('src', 'store'))) continue;
        readFileSync(path, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (QUERY.test(line)) found.push(`${rel}:${i + 1}: ${line.trim()}`);
          });
      }
    }
  };
  walk(join(root, 'src'));
  return found;
}

/** A tree in the project's shape that breaks each rule once. */
function brokenTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gw-imports-'));
  const files: Record<string, string> = {
    'src/store/rows.ts': "import { rule } from '../domain/rule.js';\nexport const rows = () => rule;\n",
    'src/domain/rule.ts': "import { rows } from '../store/rows.js';\nexport const rule = 1;\nexport const again = () => rows;\n",
    'src/formats/reader.ts': "import knex from 'knex';\nexport const reader = knex;\n",
    'src/model/types.ts': "import { reader } from '../formats/reader.js';\nexport type T = typeof reader;\n",
    'src/intake/run.ts': "export async function run(db: (t: string) => unknown) {\n  return db('devices');\n}\n",
    'src/console/screen.tsx': "import { rows } from '../store/rows.js';\nexport const screen = () => rows;\n",
    'src/channels/page.ts': "import { screen } from '../console/screen.js';\nexport const page = screen;\n",
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  writeFileSync(join(dir, 'tsconfig.json'), readFileSync(join(ROOT, 'tsconfig.json')));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

describe('architecture: imports follow the layers', function () {
  this.timeout(60_000);

  it('src/ has no import that breaks a layer, no circle, no knex or driver outside src/store/', function () {
    const violations = cruise(ROOT);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).to.deep.equal([]);
  });

  it('no query is built outside src/store/', function () {
    expect(queriesOutsideStore(ROOT)).to.deep.equal([]);
  });

  it('the checks catch each kind of break', function () {
    const dir = brokenTree();
    try {
      const rules = new Set(cruise(dir).map((v) => v.rule.name));
      for (const rule of ['no-circular', 'store-imports-only-below', 'domain-imports-only-below', 'model-imports-only-below', 'sql-only-in-store', 'console-is-a-client', 'nothing-imports-the-console']) {
        expect([...rules], rule).to.include(rule);
      }
      expect(queriesOutsideStore(dir)).to.deep.equal(["src/intake/run.ts:2: return db('devices');"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
