// The docs cannot drift from the gateway: every shell example in README.md and docs/ is
// run as pasted against a gateway started as `npm start` starts it (the demo, on SQLite or
// on a fresh PostgreSQL schema), and every relative link points at a file and heading that
// exist. An example that cannot run here (installing, serving on a fixed port, restoring
// onto another host) says so in a comment before it (`<!-- not run: why -->`), and its
// commands are checked instead: each gateway command line must parse (command, arguments,
// options), each npm script must exist, and each other program must be one the docs
// expect a reader to have.
import { expect } from 'chai';
import { spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { checkCommandLine } from '../../src/cli-program.js';
import { ERROR_CODES } from '../../src/model/error-codes.js';
import { databaseKind } from '../support/db.js';
import { gatewayHome, startCliGateway, stopChild, type GatewayHome } from '../support/cli-gateway.js';

const ROOT = process.cwd();
const DOC_FILES = ['README.md', 'mappings/README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
/** The address the examples use: `npm start`'s. */
const DOCUMENTED_URL = 'http://127.0.0.1:8080';
/** Programs an example that is not run may name besides the gateway's and npm: a reader's own tools. */
const READERS_TOOLS = new Set(['cp', 'rm', 'mv', 'createdb', 'pg_restore', 'pg_dump', 'psql', 'sqlite3', 'apt-get', 'export', 'bash', 'curl']);

interface Example {
  file: string;
  line: number;
  code: string;
  /** Why it is not run, when it is not. */
  notRun?: string;
}

function examplesOf(file: string): Example[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const found: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```sh') continue;
    const end = lines.indexOf('```', i + 1);
    const marker = /^<!-- not run: (.+) -->$/.exec(lines[i - 1] ?? '');
    found.push({ file, line: i + 1, code: lines.slice(i + 1, end).join('\n'), ...(marker ? { notRun: marker[1]! } : {}) });
    i = end;
  }
  return found;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}

function anchorsIn(file: string): Set<string> {
  return new Set(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /^#+ /.test(l))
      .map((l) => anchorOf(l.replace(/^#+ /, ''))),
  );
}

/** A shell line as words: quotes and $(...) kept whole, enough for the examples' command lines. */
function wordsOf(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else word += c;
    } else if (depth > 0) {
      word += c;
      if (c === '(') depth++;
      if (c === ')') depth--;
    } else if (c === '$' && line[i + 1] === '(') {
      word += '$(';
      depth = 1;
      i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ' ') {
      if (word) words.push(word);
      word = '';
    } else word += c;
  }
  if (word) words.push(word);
  return words;
}

/** The commands of an example that is not run, one per line (continued lines joined, comments and `&&` split off). */
function commandsOf(code: string): string[][] {
  return code
    .replace(/\\\n/g, ' ')
    .split('\n')
    .flatMap((l) => l.replace(/(^|\s)#.*$/, '').split('&&'))
    .map((l) => wordsOf(l.trim()))
    .map((words) => {
      // Leading VAR=value assignments set the command's environment.
      let i = 0;
      while (i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]!)) i++;
      return words.slice(i);
    })
    .filter((words) => words.length > 0);
}

async function checkCommand(words: string[]): Promise<string | null> {
  const [program, ...args] = words;
  if (program === 'node' && args[0] === 'dist/src/cli.js') return checkCommandLine(args.slice(1));
  if (program === 'npm') {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const script = args[0] === 'run' ? args[1]! : args[0]!;
    if (['ci', 'install'].includes(script)) return null;
    if (!(script in scripts)) return `npm has no script ${script}`;
    if (script === 'bench') {
      // The benchmark's own options, as bench/run.ts declares them.
      const declared = readFileSync(join(ROOT, 'bench', 'run.ts'), 'utf8');
      for (const option of args.filter((a) => a.startsWith('--') && a !== '--')) {
        const name = option.slice(2).split('=')[0]!;
        if (!new RegExp(`['"]?${name}['"]?: \\{ type:`).test(declared)) return `npm run bench has no option ${option}`;
      }
    }
    return null;
  }
  return READERS_TOOLS.has(program!) ? null : `${program} is neither the gateway, npm, nor a tool the docs expect the reader to have`;
}

describe(`the docs: links, and every example run or checked (${databaseKind()})`, function () {
  this.timeout(180_000);
  const examples = DOC_FILES.flatMap(examplesOf);
  let home: GatewayHome | undefined;
  let gateway: { child: ChildProcess; url: string } | undefined;
  let work: string;

  before(async function () {
    home = gatewayHome('docs');
    gateway = await startCliGateway(['demo', '--port', '0'], home.env);
    // The examples' folder: the gateway's files where a reader has them, and room for what they write.
    work = mkdtempSync(join(tmpdir(), 'gw-docs-'));
    for (const entry of ['dist', 'samples', 'mappings', 'node_modules', 'package.json']) symlinkSync(join(ROOT, entry), join(work, entry));
  });

  after(async function () {
    await stopChild(gateway?.child);
    await home?.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('has examples to run, in README.md and docs/', function () {
    expect(examples.filter((e) => !e.notRun).length).to.be.at.least(8);
    expect(new Set(examples.map((e) => e.file)).size).to.be.greaterThan(4);
  });

  it('every relative link leads to a file, and every #anchor to a heading in it', function () {
    const broken: string[] = [];
    for (const file of DOC_FILES) {
      const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // http:, https:, mailto:
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const resolved = path === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), path);
        if (!resolved.startsWith(ROOT + '/')) broken.push(`${file}: ${target} leads outside the repository`);
        else if (!readdirSync(dirname(resolved)).includes(resolved.slice(dirname(resolved).length + 1))) broken.push(`${file}: ${target}: no such file`);
        else if (anchor !== undefined && !anchorsIn(resolved).has(anchor)) broken.push(`${file}: ${target}: no such heading`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it('every example that is not run names only commands that exist, with options they take', async function () {
    const notRun = examples.filter((e) => e.notRun);
    expect(notRun.length).to.be.greaterThan(0);
    const problems: string[] = [];
    for (const example of notRun) {
      for (const words of commandsOf(example.code)) {
        const problem = await checkCommand(words);
        if (problem) problems.push(`${example.file}:${example.line}: ${words.join(' ')}: ${problem}`);
      }
    }
    expect(problems).to.deep.equal([]);
  });

  it('the check of examples that are not run catches a wrong one', async function () {
    expect(await checkCommand(['node', 'dist/src/cli.js', 'backup', '--output', 'x'])).to.match(/unknown option '--output'/);
    expect(await checkCommand(['node', 'dist/src/cli.js', 'device', 'find'])).to.match(/unknown command/);
    expect(await checkCommand(['npm', 'run', 'bench', '--', '--only', 'intake', '--sizes', '5'])).to.match(/no option --sizes/);
    expect(await checkCommand(['npm', 'run', 'benchmark'])).to.match(/no script benchmark/);
    expect(await checkCommand(['wget', 'x'])).to.match(/wget is neither/);
  });

  it('every command line written inline (`device show --serial X`, `report credit --from ...`) is one the command line takes', async function () {
    const help = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), '--help'], { encoding: 'utf8' }).stdout;
    const firstWords = new Set(help.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim().split(' ')[0]!));
    const problems: string[] = [];
    let checked = 0;
    for (const file of DOC_FILES) {
      const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, span] of text.matchAll(/`([^`\n]+)`/g)) {
        const words = wordsOf(span!.replace(/^node dist\/src\/cli\.js /, ''));
        // A synopsis ([optional], a|b, <placeholder>, ...) describes a command rather than writing one out.
        // A command's name alone (`document show`) names it rather than runs it.
        if (!firstWords.has(words[0]!) || words.every((w) => /^[a-z-]+$/.test(w) && !w.startsWith('-')) || /[[\]|<>…]|\.\.\./.test(span!)) continue;
        checked++;
        const problem = await checkCommandLine(words);
        if (problem) problems.push(`${file}: \`${span}\`: ${problem}`);
      }
    }
    expect(checked).to.be.greaterThan(20);
    expect(problems).to.deep.equal([]);
  });

  it('the protocol reference lists every code of the reseller API with the gateway\'s own message', function () {
    const reference = readFileSync(join(ROOT, 'docs', 'reseller-api-protocol.md'), 'utf8');
    const listed = new Map([...reference.matchAll(/^\| `([A-Z][A-Z0-9-]+)` \| (.*) \|$/gm)].map((m) => [m[1]!, m[2]!.replace(/\\\|/g, '|')]));
    const protocol = Object.entries(ERROR_CODES).filter(([code]) => /^(DEP|GRX)-/.test(code));
    expect(protocol.length).to.be.greaterThan(40);
    for (const [code, message] of protocol) expect(listed.get(code), code).to.equal(message);
    for (const code of listed.keys()) expect(ERROR_CODES, `${code} in the reference`).to.have.property(code);
  });

  it('the documents page lists every document, mapping, CSV, XML and X12 code, and no code that does not exist', function () {
    const page = readFileSync(join(ROOT, 'docs', 'documents.md'), 'utf8');
    const section = page.slice(page.indexOf('## Document codes'));
    const listed = new Set<string>();
    for (const m of section.matchAll(/^\| (GW-[A-Z0-9]+)-(\d+)(?:\.\.(\d+))? \|/gm)) {
      const [, prefix, first, last] = m;
      for (let n = Number(first); n <= Number(last ?? first); n++) listed.add(`${prefix}-${n}`);
    }
    const intake = Object.keys(ERROR_CODES).filter((code) => /^GW-(DOC|MAP|CSV|XML|X12)-/.test(code));
    expect(intake.length).to.be.greaterThan(30);
    expect(intake.filter((code) => !listed.has(code)), 'codes the page does not list').to.deep.equal([]);
    expect([...listed].filter((code) => !(code in ERROR_CODES)), 'codes the page lists that do not exist').to.deep.equal([]);
  });

  it('the command-line reference names every command the command line has', function () {
    const help = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), '--help'], { encoding: 'utf8' }).stdout;
    const commands = help
      .split('\n')
      .filter((l) => l.startsWith('  '))
      .map((l) => l.trim().split(' ').filter((w) => /^[a-z][a-z-]*$/.test(w)))
      .map((words) => (['org', 'reseller', 'key', 'api-account', 'cert', 'link', 'device', 'order', 'credit', 'report', 'document', 'mapping'].includes(words[0]!) ? words.slice(0, 2) : words.slice(0, 1)).join(' '));
    expect(commands.length).to.be.greaterThan(30);
    const reference = readFileSync(join(ROOT, 'docs', 'command-line.md'), 'utf8');
    for (const command of commands) expect(reference, command).to.include(`\`${command}`);
  });

  /** Runs an example's code as a reader would paste it, at the test gateway's address; any HTTP error fails it. */
  function runExample(code: string, name: string): SpawnSyncReturns<string> {
    const script = ['set -euo pipefail', 'curl() { command curl --fail-with-body --show-error "$@"; }', code.replaceAll(DOCUMENTED_URL, gateway!.url)].join('\n');
    const file = join(work, `example-${name}.sh`);
    writeFileSync(file, script);
    return spawnSync('bash', [file], { cwd: work, env: home!.env, encoding: 'utf8', timeout: 60_000 });
  }

  it('an example that answers an HTTP error, or a command that fails, fails its test', function () {
    expect(runExample(`curl -s ${DOCUMENTED_URL}/v1/devices/NOPE -H 'Authorization: Bearer gwk_org_sample_northwind_local_trial_only'`, 'http-error').status).to.not.equal(0);
    expect(runExample('node dist/src/cli.js device show --serial NOPE00000000', 'cli-error').status).to.not.equal(0);
    expect(runExample(`curl -s ${DOCUMENTED_URL}/healthz`, 'fine').status).to.equal(0);
  });

  for (const example of examples) {
    if (example.notRun) continue;
    it(`${example.file}:${example.line} runs as pasted`, function () {
      const r = runExample(example.code, `${example.file.replace(/\W/g, '-')}-${example.line}`);
      expect(r.status, `${example.file}:${example.line} exited ${r.status}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`).to.equal(0);
    });
  }
});
