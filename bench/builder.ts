/**
 * bench:builder — the app builder's engine on a real subnet replica: how long a spec takes to
 * deploy, record creates/s through the whole write path (log, executor, validation,
 * permissions, index rows, digest), and list queries at N records (first page, a deep page by
 * cursor, a filtered range, a search) — beside the subnet's own kv.put rate, measured in the
 * same run on the same machine: the ceiling a builder command cannot beat.
 *
 *   node bench/builder.ts [--records N] [--concurrency C] [--dir PARENT]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { builderApp, OfflinePlanner } from '../src/builder/index.ts';
import { messengerApp } from '../src/messenger/index.ts';
import {
  applyGenesis,
  type CommandResult,
  coreApps,
  type JsonValue,
  loadOrCreateSigningKey,
  makeGenesis,
  newCommandId,
  Subnet,
} from '../src/subnet/index.ts';
import { licenseBuilder, registerVerifiedPerson, submitOrThrow } from '../test/fixtures/licensed-builder.ts';
import { measureBuilderPages, printPageLoads } from './builder-pages.ts';

const { values } = parseArgs({ options: { records: { type: 'string' }, concurrency: { type: 'string' }, dir: { type: 'string' } } });
const RECORDS = Number(values.records ?? 100_000);
const CONCURRENCY = Number(values.concurrency ?? 256);
const KV_COMMANDS = 5_000;
const parent = resolve(values.dir ?? tmpdir());
const dataDir = mkdtempSync(join(parent, 'watan-bench-builder-'));
const spec = JSON.parse(readFileSync(new URL('../examples/apps/startup-inventory.json', import.meta.url), 'utf8'));

function check(result: CommandResult): CommandResult {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result;
}

/** Runs `count` commands `concurrency` at a time; answers commands per second. */
async function rate(count: number, make: (i: number) => { app: string; method: string; args: JsonValue; caller: string }): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) check(await subnet.submit({ id: newCommandId(), ...make(next++) }));
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return count / ((performance.now() - started) / 1000);
}

function timeQuery(runs: number, ask: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    ask();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const subnet = await Subnet.open({ dataDir, apps: [...coreApps, messengerApp, builderApp] });
try {
  const governance = loadOrCreateSigningKey(join(dataDir, 'bench-governance.key'));
  await applyGenesis(
    subnet,
    makeGenesis({
      subnet: subnet.subnetId,
      jurisdiction: 'PK',
      threshold: 1,
      governance: [{ key: governance, label: 'bench' }],
      nodes: [{ id: subnet.nodeKey.id, operator: 'bench', dataCentre: 'bench', province: 'Punjab', jurisdiction: 'PK' }],
    }),
  );
  const run = (app: string, method: string, args: Record<string, unknown>, caller: string) =>
    submitOrThrow(subnet, app, method, args, caller);
  const admin = (await registerVerifiedPerson(subnet, 'admin')).userId;
  const owner = (await registerVerifiedPerson(subnet, 'owner')).userId;
  await licenseBuilder(subnet, governance, admin, owner, 'startups');

  const kvRate = await rate(KV_COMMANDS, (i) => ({
    app: 'kv',
    method: 'put',
    args: { key: `k${i % 10_000}`, value: 'x'.repeat(100) },
    caller: 'bench',
  }));

  const deployStarted = performance.now();
  await run('builder', 'app_deploy', { spec }, owner);
  const deployMs = performance.now() - deployStarted;
  await run('builder', 'member_assign_role', { app: spec.slug, user_id: owner, role: 'manager' }, owner);

  // Description → deployed app: the offline planner's proposal, validated, then deployed through the log.
  const planner = new OfflinePlanner();
  const described: [string, string][] = [
    [
      'en',
      'complaint tracking for a municipal office: citizens file a complaint with a photo, staff assign and resolve it, the citizen is told when it is resolved',
    ],
    ['ur', 'ایک کلینک کے لیے اپائنٹمنٹ بکنگ'],
    ['roman', 'daftar ke mulazmeen ki chutti ki darkhwast, manager manzoor ya mustarad kare aur mulazim ko bataya jaye'],
  ];
  const planned: [string, number, number][] = [];
  for (const [language, description] of described) {
    const started = performance.now();
    const { spec: proposal } = planner.planNow({ description });
    const planMs = performance.now() - started;
    await run('builder', 'app_deploy', { spec: proposal }, owner);
    planned.push([language, planMs, performance.now() - started]);
  }

  const createRate = await rate(RECORDS, (i) => ({
    app: 'builder',
    method: 'record_create',
    args: {
      app: spec.slug,
      entity: 'product',
      fields: { sku: `SKU-${i}`, title: `Product ${i} ${['blue', 'green', 'red'][i % 3]}`, quantity: i % 1000, price: (i % 5000) * 100 },
    },
    caller: owner,
  }));

  const list = (request: Record<string, unknown>) =>
    subnet.query('builder', 'record_list', { app: spec.slug, entity: 'product', limit: 50, ...request }, owner) as {
      records: unknown[];
      next: string | null;
    };
  const firstPage = timeQuery(50, () => list({ sort: { field: 'quantity' } }));
  let cursor: string | null = null;
  for (let page = 0; page < 1000 && (page === 0 || cursor); page++)
    cursor = list({ sort: { field: 'quantity' }, ...(cursor ? { after: cursor } : {}) }).next;
  const deepPage = timeQuery(50, () => list({ sort: { field: 'quantity' }, ...(cursor ? { after: cursor } : {}) }));
  const filtered = timeQuery(50, () =>
    list({ filters: { quantity: { min: 500, max: 510 } }, sort: { field: 'price', direction: 'desc' } }),
  );
  const searched = timeQuery(50, () => list({ search: 'green' }));
  const exact = timeQuery(50, () => list({ filters: { sku: `SKU-${Math.floor(RECORDS / 2)}` } }));

  const rows: [string, string][] = [
    ['subnet kv.put (ceiling, same run)', `${kvRate.toFixed(0)} commands/s`],
    ['deploy a spec (startup-inventory)', `${deployMs.toFixed(1)} ms`],
    ...planned.map(([language, planMs, totalMs]): [string, string] => [
      `description → deployed app, offline planner (${language})`,
      `${totalMs.toFixed(1)} ms (planning ${planMs.toFixed(1)} ms; target ≤ 2000 ms)`,
    ]),
    [`record creates (${RECORDS} products)`, `${createRate.toFixed(0)} records/s (${((createRate / kvRate) * 100).toFixed(0)}% of kv.put)`],
    [`list, first page of 50 sorted, at ${RECORDS}`, `${firstPage.toFixed(2)} ms (median of 50)`],
    [`list, page 1000 by cursor, at ${RECORDS}`, `${deepPage.toFixed(2)} ms`],
    ['list, range filter + sort on another field', `${filtered.toFixed(2)} ms`],
    ['list, search one word (1 in 3 match)', `${searched.toFixed(2)} ms`],
    ['list, equality filter on a unique field', `${exact.toFixed(2)} ms`],
  ];
  const left = Math.max(...rows.map(([a]) => a.length));
  const right = Math.max(...rows.map(([, b]) => b.length));
  console.log(`| ${'measure'.padEnd(left)} | ${'value'.padEnd(right)} |\n|${'-'.repeat(left + 2)}|${'-'.repeat(right + 2)}|`);
  for (const [a, b] of rows) console.log(`| ${a.padEnd(left)} | ${b.padEnd(right)} |`);
  console.log(`concurrency ${CONCURRENCY}; data in ${parent}`);
} finally {
  await subnet.close();
  rmSync(dataDir, { recursive: true, force: true });
}

// Page load of a generated list in a real browser, on its own node, after the engine's figures.
printPageLoads(await measureBuilderPages({ records: 1_000 }));
console.log('page loads: median of runs; cold: a fresh browser profile; warm: the stylesheet and script cached');
