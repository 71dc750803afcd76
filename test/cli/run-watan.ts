/** Spawns the `watan` CLI for end-to-end tests: one-shot commands and long-running nodes. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(repoRoot, 'src/cli/main.ts');

/** Generous bounds on every wait, so a hang fails the test instead of stalling the run. */
export const COMMAND_TIMEOUT_MS = 20_000;
export const START_TIMEOUT_MS = 20_000;
export const STOP_TIMEOUT_MS = 15_000;

export interface CommandOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function spawnWatan(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [MAIN, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WATAN_LOG_LEVEL: process.env.WATAN_LOG_LEVEL ?? 'warn', ...env },
  });
}

/** Accumulates a child's stdout and stderr as text, readable at any time. */
function collectOutput(child: ChildProcess): { stdout: string; stderr: string } {
  const output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  return output;
}

/** Runs one command to completion; kills it and rejects if it outlives `timeoutMs`. */
export function runWatan(args: readonly string[], timeoutMs = COMMAND_TIMEOUT_MS): Promise<CommandOutcome> {
  const child = spawnWatan(args);
  const output = collectOutput(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`watan ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`),
      );
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: output.stdout, stderr: output.stderr });
    });
  });
}

export interface RunningWatan {
  child: ChildProcess;
  /** The base URL from the listening line, e.g. http://localhost:41234. */
  url: string;
  port: number;
  node: string;
  subnet: string;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and resolves with how the process ended; SIGKILLs it after `timeoutMs`. */
  stop(signal: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Makes sure the process is gone; safe to call at any time, any number of times. */
  kill(): Promise<void>;
}

const LISTENING = /^watan: node (\S+) of subnet (\S+) listening on (http:\/\/\S+:(\d+))$/m;

/**
 * Starts `watan start ...args` and resolves once it prints its listening line. Rejects, and
 * kills the process, if it exits first or does not listen within `timeoutMs`. The node skips
 * its start-up warm-up unless `args` ask for it (`--warm-up`): tests start many nodes, and
 * the warm-up has a test of its own.
 */
export function startWatan(args: readonly string[], timeoutMs = START_TIMEOUT_MS, env: NodeJS.ProcessEnv = {}): Promise<RunningWatan> {
  const warmUp = args.includes('--warm-up') ? [] : ['--no-warm-up'];
  const child = spawnWatan(['start', ...warmUp, ...args], env);
  const output = collectOutput(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const kill = async (): Promise<void> => {
    if (hasExited || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };

  const stop: RunningWatan['stop'] = async (signal, stopTimeoutMs = STOP_TIMEOUT_MS) => {
    if (!hasExited) child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), stopTimeoutMs);
    });
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      await kill();
      throw new Error(`watan did not exit within ${stopTimeoutMs} ms of ${signal}\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`);
    }
    return outcome;
  };

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, running?: RunningWatan) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      if (error) void kill().then(() => reject(error));
      else resolve(running as RunningWatan);
    };
    const timer = setTimeout(() => {
      finish(
        new Error(
          `watan start did not print its listening line within ${timeoutMs} ms\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`,
        ),
      );
    }, timeoutMs);
    const onData = () => {
      const match = LISTENING.exec(output.stdout);
      if (!match) return;
      const [, node, subnet, url, port] = match as unknown as [string, string, string, string, string];
      finish(null, { child, url, port: Number(port), node, subnet, stdout: () => output.stdout, stderr: () => output.stderr, stop, kill });
    };
    child.stdout?.on('data', onData);
    child.once('error', (error) => finish(error));
    void exited.then(({ code, signal }) => {
      finish(
        new Error(
          `watan start exited (code ${code}, signal ${signal}) before listening\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`,
        ),
      );
    });
  });
}

/** GETs a URL with a timeout and parses its JSON body. */
export async function getJson(url: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
