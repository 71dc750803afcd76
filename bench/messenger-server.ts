/**
 * The server side of bench:messenger, in a process of its own so that the load generator
 * does not share its event loop. `trivial` serves one Fastify route (the ceiling); `watan`
 * starts a Watan node on a temporary data folder and creates the benchmark's accounts
 * directly on the subnet (no scrypt: account setup is not what is measured). It tells its
 * parent the URL (and the users' access tokens) over IPC, answers `rss` with its resident
 * memory, and stops on `stop`.
 */
import { createHash, randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { startBenchNode } from './bench-node.ts';

export type ServerMessage =
  | { url: string; tokens: string[]; warmUpMs?: number }
  | { rss: number }
  | { heap: number }
  | { cpuMicros: number }
  | { trace: string };
/**
 * `rss`: resident memory now; `heap`: the heap in use after a full collection (what is retained,
 * not transient garbage); `cpu`: the CPU time the server has used (user and system), which on a
 * shared machine compares runs better than wall-clock rates do.
 */
export type ParentMessage = 'rss' | 'heap' | 'cpu' | 'trace' | 'stop';

/** `trace`: the send cycle's trace (bench/messenger-trace.ts), when the parent asked for one (WATAN_BENCH_TRACE=1). */
const tracer = process.env.WATAN_BENCH_TRACE === '1' ? await import('./messenger-trace.ts') : undefined;

const send = (message: ServerMessage) => process.send?.(message);

async function serveTrivialRoute(): Promise<() => Promise<void>> {
  const app = Fastify();
  app.get('/ping', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
  const address = app.server.address();
  send({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ping`, tokens: [] });
  return () => app.close();
}

async function serveWatan(users: number, warm: boolean): Promise<() => Promise<void>> {
  const { node, warmedUp, stop } = await startBenchNode('messenger', { warmUp: warm });
  if (warm && !warmedUp) throw new Error('the warm-up did not finish');
  // A known token per user; only its hash is stored, as at a real sign-in.
  const tokens = await Promise.all(
    Array.from({ length: users }, async (_, i) => {
      const token = `bench_${randomBytes(16).toString('hex')}`;
      const result = await node.subnet.submit({
        app: 'messenger',
        method: 'register',
        args: {
          localpart: `u${i}`,
          server_name: 'localhost',
          device_id: 'BENCH',
          token_hash: createHash('sha256').update(token).digest('hex'),
        },
        caller: 'anonymous',
      });
      if (!result.ok) throw new Error(result.error.message);
      return token;
    }),
  );
  send({ url: node.url, tokens, ...(warmedUp ? { warmUpMs: warmedUp.ms } : {}) });
  return stop;
}

const [mode, users, warm] = process.argv.slice(2);
const stop = mode === 'trivial' ? await serveTrivialRoute() : await serveWatan(Number(users), warm === 'warm-up');
process.on('message', async (message: ParentMessage) => {
  if (message === 'rss') send({ rss: process.memoryUsage().rss });
  if (message === 'heap') {
    (globalThis as { gc?: () => void }).gc?.();
    send({ heap: process.memoryUsage().heapUsed });
  }
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ cpuMicros: user + system });
  }
  if (message === 'trace') {
    // Each report covers the run since the last one (bench:messenger's cold and warm runs).
    send({ trace: tracer?.traceReport() ?? 'no trace: start the server with WATAN_BENCH_TRACE=1' });
    tracer?.traceReset();
  }
  if (message === 'stop') {
    await stop();
    process.exit(0);
  }
});
