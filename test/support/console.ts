// The console's browser tests: a real gateway started as `npm start` starts it (the demo:
// samples loaded, sample documents through intake, trial keys of every role), on this
// run's database (a fresh SQLite file, or a fresh PostgreSQL schema), and Debian's
// Chromium driven by playwright-core. Each screen looked at is saved as a screenshot
// under test-artifacts/console/ and checked by axe-core.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { databaseKind } from './db.js';
import { gatewayHome, startCliGateway, stopChild } from './cli-gateway.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const ARTIFACTS = join(REPO, 'test-artifacts', 'console', databaseKind());

/** The demo's trial keys (samples/keys.json, samples/suppliers.json). */
export const TRIAL_KEYS = {
  operator: 'gwk_op_sample_local_trial_only',
  northwindAdmin: 'gwk_org_sample_northwind_local_trial_only',
  fabrikamAdmin: 'gwk_org_sample_fabrikam_local_trial_only',
  finance: 'gwk_fin_sample_local_trial_only',
  brightline: 'gwk_sample_brightline_local_trial_only',
} as const;

export interface DemoGateway {
  url: string;
  stop(): Promise<void>;
}

/** `demo --port 0` on a fresh database of this run's kind; answers once it listens. */
export async function startDemoGateway(): Promise<DemoGateway> {
  const home = gatewayHome('console');
  const { child, url } = await startCliGateway(['demo', '--host', '127.0.0.1', '--port', '0'], home.env);
  return {
    url,
    async stop() {
      await stopChild(child);
      await home.remove();
    },
  };
}

/** Debian's Chromium (CHROMIUM_PATH to use another), headless; .ci/run installs it. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Saves a screenshot of the screen as it is now, and answers the accessibility problems
 * axe-core finds on it that are serious or critical (each as "rule: help (where)").
 */
export async function look(page: Page, name: string): Promise<string[]> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  // page.evaluate runs as the browser's own tooling: the page's CSP, which allows no script from elsewhere, does not apply to it.
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  })) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
}
