// The console's reads on a large organisation (part of the export benchmark, which builds
// a database of 1,000,000 devices for one organisation): each screen's /v1 call, as the
// organisation's admin makes it from the console, timed at the API, 20 times each after
// one warm-up call. Target: each under 300 ms (issue "A web console", acceptance).
import { against, httpRequest, keptAliveAgent, summarise, table, type ServedChild } from './support.js';

const TIMES = 20;
const TARGET_MS = 300;

export async function measureConsoleReads(gw: ServedChild, adminKey: string, sampleSerial: string): Promise<boolean> {
  const agent = keptAliveAgent(1);
  const reads: [string, string][] = [
    ['devices, first page (50)', '/v1/devices?limit=50'],
    ['devices, next page', ''],
    ['serial search (first 10 characters)', `/v1/devices?serialPrefix=${sampleSerial.slice(0, 10)}&limit=50`],
    ['devices by state (pending)', '/v1/devices?state=pending&limit=50'],
    ['a device with its history', `/v1/devices/${sampleSerial}`],
    ['overview (devices by state, resellers)', ''],
    ['orders, first page (50)', '/v1/orders?limit=50'],
  ];
  const get = (path: string) => httpRequest(`${gw.url}${path}`, { method: 'GET', headers: { authorization: `Bearer ${adminKey}` }, agent });
  // The paths that come from an answer: the next page's cursor, the admin's organisation.
  const first = JSON.parse((await get('/v1/devices?limit=50')).body) as { nextCursor: string };
  reads[1]![1] = `/v1/devices?limit=50&cursor=${first.nextCursor}`;
  const me = JSON.parse((await get('/v1/me')).body) as { organisation: { orgId: string } };
  reads[5]![1] = `/v1/organisations/${me.organisation.orgId}`;
  const rows: string[][] = [];
  let allMet = true;
  for (const [label, path] of reads) {
    const warm = await get(path);
    if (warm.status !== 200) throw new Error(`${label}: ${path} answered ${warm.status}: ${warm.body.slice(0, 200)}`);
    const ms: number[] = [];
    for (let i = 0; i < TIMES; i++) ms.push((await get(path)).ms);
    const s = summarise(ms);
    const met = s.maxMs < TARGET_MS;
    allMet &&= met;
    rows.push([label, `\`${path.split('?')[0]}\``, s.p50Ms.toFixed(1), against(s.maxMs.toFixed(1), met)]);
  }
  agent.destroy();
  process.stdout.write(`\nthe console's reads, as the admin of the 1,000,000-device organisation (${TIMES} calls each after a warm-up):\n`);
  process.stdout.write(table(['screen', 'route', 'p50 ms', `worst ms (target < ${TARGET_MS})`], rows));
  return allMet;
}
