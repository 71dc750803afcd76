/**
 * The send's cycle, traced on the server of bench:messenger (`--trace`): where the time between
 * a send's arrival and its answer goes, and how a woken reader's answer and its next long-poll
 * fall around it. It wraps, from outside, the methods a send passes through — the log's append,
 * flush and block write (with its fsync), the subnet's apply (executor, listeners, submitters)
 * and the readers-first wakes — and follows requests with Node's HTTP diagnostics channels, so
 * nothing in src/ carries tracing code. Marks are performance.now() in ms; the report gives
 * medians and p90s per stage over the one-room runs' messages (txn ids `cold…`, `warm…`) since the last report.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ReadersFirst } from '../src/messenger/sync/readers-first.ts';
import { Executor } from '../src/subnet/executor.ts';
import { SqliteLog } from '../src/subnet/log/sqlite-log.ts';
import { Subnet } from '../src/subnet/subnet.ts';

interface SendMarks {
  arrived?: number;
  appended?: number;
  flushStarted?: number;
  written?: number;
  executed?: number;
  listened?: number;
  settled?: number;
  finished?: number;
  block?: number;
}

interface BlockMarks {
  commands: number;
  flushStarted: number;
  written: number;
  executed?: number;
  listened?: number;
  settled?: number;
  woken: number;
}

const sends = new Map<string, SendMarks>();
const blocks: BlockMarks[] = [];
/** Per reader (its token): when its last answer was written, and the gaps until its next long-poll arrived. */
const readerAnswered = new Map<string, number>();
const readerTurnaround: number[] = [];
/** From a wake to the woken sync's answer being written. */
const wakeToAnswer: number[] = [];
/** From a sender's answer to its next send's arrival (the client's turnaround). */
const senderAnswered = new Map<string, number>();
const senderTurnaround: number[] = [];
const pendingWakes: number[] = [];
let tracing = false;
let firstSend = 0;
let lastFinish = 0;
let elu0: ReturnType<typeof performance.eventLoopUtilization> | undefined;
let cpu0: NodeJS.CpuUsage | undefined;

/** The transaction ids of the one-room runs' messages. */
const BENCH_TXN = /^(?:cold|warm)\d/;
const txnOf = (url: string) => {
  const txn = /\/send\/m\.room\.message\/([^/?]+)/.exec(url)?.[1];
  return txn !== undefined && BENCH_TXN.test(txn) ? txn : undefined;
};
const senderOf = (txn: string) => txn.slice(0, txn.indexOf('.'));
const isLongPoll = (url: string) => url.includes('/sync?since=');

subscribe('http.server.request.start', (message) => {
  const { request } = message as { request: IncomingMessage };
  const now = performance.now();
  const url = request.url ?? '';
  const txn = txnOf(url);
  if (txn) {
    if (!tracing) {
      tracing = true;
      firstSend = now;
      elu0 = performance.eventLoopUtilization();
      cpu0 = process.cpuUsage();
    }
    sends.set(txn, { arrived: now });
    const previous = senderAnswered.get(senderOf(txn));
    if (previous !== undefined) senderTurnaround.push(now - previous);
  } else if (tracing && isLongPoll(url)) {
    const reader = request.headers.authorization ?? '';
    const previous = readerAnswered.get(reader);
    if (previous !== undefined) readerTurnaround.push(now - previous);
  }
  (request as IncomingMessage & { traceWoken?: number }).traceWoken = undefined;
});

subscribe('http.server.response.finish', (message) => {
  const { request } = message as { request: IncomingMessage; response: ServerResponse };
  const now = performance.now();
  const url = request.url ?? '';
  const txn = txnOf(url);
  if (txn) {
    const marks = sends.get(txn);
    if (marks) marks.finished = now;
    senderAnswered.set(senderOf(txn), now);
    lastFinish = now;
  } else if (tracing && isLongPoll(url)) {
    readerAnswered.set(request.headers.authorization ?? '', now);
    const woken = pendingWakes.shift();
    if (woken !== undefined) wakeToAnswer.push(now - woken);
  }
});

type Wrapped = (this: unknown, ...args: unknown[]) => unknown;
function wrap(prototype: object, name: string, around: (original: Wrapped) => Wrapped): void {
  const target = prototype as Record<string, Wrapped>;
  const original = target[name] as Wrapped;
  target[name] = around(original);
}

let currentBlock: BlockMarks | undefined;
/** The block whose apply is running. */
let applying: BlockMarks | undefined;
let currentTxns: string[] = [];

const commandTxn = (command: { args?: unknown }) => {
  const args = command.args as { txn?: { txn_id?: string } } | undefined;
  const id = args?.txn?.txn_id;
  return typeof id === 'string' && BENCH_TXN.test(id) ? id : undefined;
};

wrap(
  SqliteLog.prototype,
  'append',
  (original) =>
    function (this: unknown, ...args: unknown[]) {
      const now = performance.now();
      for (const command of args[0] as { args?: unknown }[]) {
        const txn = commandTxn(command);
        const marks = txn && sends.get(txn);
        if (marks) marks.appended = now;
      }
      return original.apply(this, args);
    },
);

/** A block's traced sends become the block the next apply runs. */
function blockStarted(commands: readonly { args?: unknown }[], block: number, started: number, written: number): void {
  const txns = commands.map(commandTxn).filter((txn): txn is string => txn !== undefined);
  if (txns.length === 0) return;
  currentBlock = { commands: commands.length, flushStarted: started, written, woken: 0 };
  currentTxns = txns;
  blocks.push(currentBlock);
  for (const txn of txns) {
    const marks = sends.get(txn);
    if (marks) Object.assign(marks, { flushStarted: started, written, block });
  }
}

if ('writeBlock' in SqliteLog.prototype) {
  // The log writes and fsyncs on the event loop (before the writer thread).
  wrap(
    SqliteLog.prototype,
    'writeBlock',
    (original) =>
      function (this: unknown, ...args: unknown[]) {
        const started = performance.now();
        const result = original.apply(this, args) as { block: number };
        blockStarted(
          (args[0] as { command: { args?: unknown } }[]).map(({ command }) => command),
          result.block,
          started,
          performance.now(),
        );
        return result;
      },
  );
} else {
  // The log's writer thread writes and fsyncs; the block's commands are known when it is made.
  const { BlockWriter } = await import('../src/subnet/log/block-writer.ts');
  const made = new Map<number, { args?: unknown }[]>();
  wrap(
    SqliteLog.prototype,
    'nextBlock',
    (original) =>
      function (this: unknown, ...args: unknown[]) {
        const result = original.apply(this, args) as { block: number };
        made.set(
          result.block,
          (args[0] as { command: { args?: unknown } }[]).map(({ command }) => command),
        );
        return result;
      },
  );
  wrap(
    BlockWriter.prototype,
    'write',
    (original) =>
      function (this: unknown, ...args: unknown[]) {
        const started = performance.now();
        const { block } = args[0] as { block: number };
        const written = original.apply(this, args) as Promise<void>;
        written.then(
          () => {
            blockStarted(made.get(block) ?? [], block, started, performance.now());
            made.delete(block);
          },
          () => made.delete(block),
        );
        return written;
      },
  );
}

wrap(
  Subnet.prototype,
  'apply',
  (original) =>
    function (this: unknown, ...args: unknown[]) {
      const block = currentBlock;
      const txns = currentTxns;
      currentBlock = undefined;
      currentTxns = [];
      applying = block;
      const result = original.apply(this, args);
      applying = undefined;
      const settled = performance.now();
      if (block) {
        block.settled = settled;
        for (const txn of txns) {
          const marks = sends.get(txn);
          if (marks) Object.assign(marks, { executed: block.executed, listened: block.listened, settled });
        }
      }
      return result;
    },
);

// The executor ends, then the listeners (the notifier, which wakes the readers) run, then the submitters are answered.
wrap(
  Executor.prototype,
  'applyBlocks',
  (original) =>
    function (this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      if (applying) applying.executed = performance.now();
      return result;
    },
);

wrap(
  ReadersFirst.prototype,
  'wake',
  (original) =>
    function (this: unknown, ...args: unknown[]) {
      const now = performance.now();
      const wakes = [...(args[0] as Iterable<() => void>)];
      const block = applying;
      if (block) block.woken += wakes.length;
      for (let i = 0; i < wakes.length; i++) pendingWakes.push(now);
      const result = original.call(this, wakes);
      if (block) block.listened = performance.now();
      return result;
    },
);

function stats(values: number[]): string {
  if (values.length === 0) return '—';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
  return `${at(0.5).toFixed(2)} / ${at(0.9).toFixed(2)} / ${at(0.99).toFixed(2)}`;
}

const gap = (from: (m: SendMarks) => number | undefined, to: (m: SendMarks) => number | undefined) =>
  [...sends.values()].flatMap((m) => {
    const a = from(m);
    const b = to(m);
    return a === undefined || b === undefined ? [] : [b - a];
  });

/** The trace's table: per stage, median / p90 / p99 ms. */
export function traceReport(): string {
  const elu = elu0 && performance.eventLoopUtilization(elu0);
  const cpu = cpu0 && process.cpuUsage(cpu0);
  const seconds = (lastFinish - firstSend) / 1000;
  const rows: [string, string][] = [
    ['sends traced / blocks with sends', `${sends.size} / ${blocks.length}`],
    ['commands per block (median / p90 / p99)', stats(blocks.map((b) => b.commands))],
    ['readers woken per block', stats(blocks.map((b) => b.woken))],
    [
      'send: arrival → appended to the log (HTTP, auth, gate)',
      stats(
        gap(
          (m) => m.arrived,
          (m) => m.appended,
        ),
      ),
    ],
    [
      'send: appended → its block starts writing (queue, setImmediate)',
      stats(
        gap(
          (m) => m.appended,
          (m) => m.flushStarted,
        ),
      ),
    ],
    [
      'send: block write (insert + fsync; writer thread if any)',
      stats(
        gap(
          (m) => m.flushStarted,
          (m) => m.written,
        ),
      ),
    ],
    [
      'send: written → executor done (readFrom, applyBlocks)',
      stats(
        gap(
          (m) => m.written,
          (m) => m.executed,
        ),
      ),
    ],
    [
      'send: executor done → listeners done (wakes queued)',
      stats(
        gap(
          (m) => m.executed,
          (m) => m.listened,
        ),
      ),
    ],
    [
      'send: listeners → submitter settled',
      stats(
        gap(
          (m) => m.listened,
          (m) => m.settled,
        ),
      ),
    ],
    [
      'send: settled → answer written',
      stats(
        gap(
          (m) => m.settled,
          (m) => m.finished,
        ),
      ),
    ],
    [
      'send: arrival → answer written (all)',
      stats(
        gap(
          (m) => m.arrived,
          (m) => m.finished,
        ),
      ),
    ],
    ['sender: answer → next send arrives (client turnaround)', stats(senderTurnaround)],
    ['reader: woken → answer written', stats(wakeToAnswer)],
    ['reader: answer → next long-poll arrives (client turnaround)', stats(readerTurnaround)],
    [
      'block: first write → next block first write (cycle)',
      stats(blocks.slice(1).map((b, i) => b.flushStarted - (blocks[i] as BlockMarks).flushStarted)),
    ],
    ['server event loop busy over the sends (ELU)', elu ? `${(100 * elu.utilization).toFixed(0)}%` : '—'],
    [
      'server CPU over the sends (user+system, % of one core)',
      cpu && seconds > 0 ? `${((cpu.user + cpu.system) / 10_000 / seconds).toFixed(0)}%` : '—',
    ],
  ];
  return [
    '| server trace, ms (median / p90 / p99)                              | value                  |',
    ...rows.map(([measure, value]) => `| ${measure.padEnd(66)} | ${value.padEnd(22)} |`),
  ].join('\n');
}

/** Forgets what was traced, so that the next report covers only what follows. */
export function traceReset(): void {
  sends.clear();
  blocks.length = 0;
  for (const list of [readerTurnaround, wakeToAnswer, senderTurnaround, pendingWakes]) list.length = 0;
  readerAnswered.clear();
  senderAnswered.clear();
  tracing = false;
}
