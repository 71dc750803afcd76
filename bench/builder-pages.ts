/**
 * Page load of a generated app's list in chromium: the list of an app holding 1,000 records
 * (first page, a filtered page, a search, the same list in Urdu), each loaded cold (a fresh
 * browser profile) and warm (the stylesheet cached), timed from navigation to the load event
 * with the bytes the browser transferred — beside a trivial static page served by a bare
 * node:http server in the same run, the ceiling no page of the node can beat.
 *
 *   node bench/builder-pages.ts [--records N] [--runs R]
 *
 * `measureBuilderPages()` is what bench:builder calls; run alone it prints the table.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Browser, chromium } from 'playwright-core';
import { loadOrCreateSigningKey } from '../src/subnet/index.ts';
import { licenseBuilder, registerVerifiedPerson, submitOrThrow } from '../test/fixtures/licensed-builder.ts';
import { startBenchNode } from './bench-node.ts';

export interface PageLoad {
  page: string;
  /** Median milliseconds from navigation to the load event, with a fresh profile. */
  coldMs: number;
  /** Median milliseconds with the stylesheet and script already cached. */
  warmMs: number;
  /** Bytes over the wire on a cold load (document and every resource, headers included). */
  coldBytes: number;
  /** Bytes of the document alone. */
  documentBytes: number;
}

export interface PageLoadOptions {
  records?: number;
  runs?: number;
}

const TRIVIAL_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>static</title></head><body><p>static</p></body></html>';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Loads `url` in chromium `runs` times cold and warm with the cookies given; the load event's timing and the bytes transferred. */
async function measure(
  browser: Browser,
  name: string,
  url: string,
  runs: number,
  cookies: { name: string; value: string }[],
): Promise<PageLoad> {
  const cold: number[] = [];
  const warm: number[] = [];
  let coldBytes = 0;
  let documentBytes = 0;
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    if (cookies.length > 0) await context.addCookies(cookies.map((cookie) => ({ ...cookie, url })));
    const page = await context.newPage();
    for (const [times, first] of [
      [cold, true],
      [warm, false],
    ] as const) {
      await page.goto(url, { waitUntil: 'load' });
      const timing = (await page.evaluate(`(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const resources = performance.getEntriesByType('resource');
        return { ms: nav.loadEventEnd - nav.startTime, bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0), document: nav.transferSize };
      })()`)) as { ms: number; bytes: number; document: number };
      times.push(timing.ms);
      if (first && run === 0) {
        coldBytes = timing.bytes;
        documentBytes = timing.document;
      }
    }
    await context.close();
  }
  return { page: name, coldMs: median(cold), warmMs: median(warm), coldBytes, documentBytes };
}

export async function measureBuilderPages(options: PageLoadOptions = {}): Promise<PageLoad[]> {
  const records = options.records ?? 1_000;
  const runs = options.runs ?? 15;
  const bench = await startBenchNode('builder-pages');
  const staticServer = createServer((_request, response) => {
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(TRIVIAL_PAGE);
  });
  let browser: Browser | undefined;
  try {
    const { subnet, url } = bench.node;
    const run = (app: string, method: string, args: Record<string, unknown>, caller: string) =>
      submitOrThrow(subnet, app, method, args, caller);
    /** A verified person and a login token for them, exchanged over HTTP for an access token. */
    const person = async (localpart: string) => {
      const { userId, loginToken } = await registerVerifiedPerson(subnet, localpart, { signIn: true });
      const answer = await fetch(`${url}/_matrix/client/v3/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'm.login.token', token: loginToken }),
      });
      return { userId, token: ((await answer.json()) as { access_token: string }).access_token };
    };
    const admin = await person('admin');
    const owner = await person('owner');
    await licenseBuilder(subnet, loadOrCreateSigningKey(join(subnet.dataDir, 'governance.key')), admin.userId, owner.userId, 'startups');
    const spec = JSON.parse(readFileSync(new URL('../examples/apps/startup-inventory.json', import.meta.url), 'utf8'));
    await run('builder', 'app_deploy', { spec }, owner.userId);
    await run('builder', 'member_assign_role', { app: spec.slug, user_id: owner.userId, role: 'manager' }, owner.userId);
    const colours = ['blue', 'green', 'red'];
    await Promise.all(
      Array.from({ length: 16 }, async (_, worker) => {
        for (let i = worker; i < records; i += 16) {
          const fields = { sku: `SKU-${i}`, title: `Product ${i} ${colours[i % 3]}`, quantity: i % 100, price: (i % 5000) * 100 };
          await run('builder', 'record_create', { app: spec.slug, entity: 'product', fields }, owner.userId);
        }
      }),
    );
    await new Promise<void>((resolve) => staticServer.listen(0, '127.0.0.1', resolve));
    const address = staticServer.address();
    const staticUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
    });
    const session = [{ name: 'watan_session', value: owner.token }];
    const list = `${url}/apps/${spec.slug}/product`;
    return [
      await measure(browser, 'trivial static page (bare node:http; ceiling)', staticUrl, runs, []),
      await measure(browser, 'sign-in page (no session)', `${url}/sign-in`, runs, []),
      await measure(browser, `list of ${records} records, first page`, list, runs, session),
      await measure(browser, 'same list, filtered (quantity 10–20)', `${list}?quantity.min=10&quantity.max=20`, runs, session),
      await measure(browser, 'same list, searched ("green")', `${list}?q=green`, runs, session),
      await measure(browser, 'same list in Urdu', `${list}?lang=ur`, runs, session),
    ];
  } finally {
    await browser?.close();
    staticServer.close();
    await bench.stop();
  }
}

export function printPageLoads(rows: readonly PageLoad[]): void {
  const left = Math.max(...rows.map((row) => row.page.length), 4);
  console.log(`| ${'page'.padEnd(left)} | cold ms | warm ms | cold bytes | document bytes |`);
  console.log(`|${'-'.repeat(left + 2)}|---------|---------|------------|----------------|`);
  for (const row of rows) {
    console.log(
      `| ${row.page.padEnd(left)} | ${row.coldMs.toFixed(1).padStart(7)} | ${row.warmMs.toFixed(1).padStart(7)} | ${String(row.coldBytes).padStart(10)} | ${String(row.documentBytes).padStart(14)} |`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { records: { type: 'string' }, runs: { type: 'string' } } });
  const rows = await measureBuilderPages({
    ...(values.records ? { records: Number(values.records) } : {}),
    ...(values.runs ? { runs: Number(values.runs) } : {}),
  });
  printPageLoads(rows);
  console.log('median of runs; cold: a fresh browser profile; warm: the same page again with the stylesheet and script cached');
}
