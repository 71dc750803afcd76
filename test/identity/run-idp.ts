/** Spawns `watan idp` for end-to-end tests, and finds free ports for the nodes that use it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot, START_TIMEOUT_MS } from '../cli/run-watan.ts';

export interface RunningIdp {
  issuer: string;
  clientId: string;
  secretFile: string;
  output(): string;
  kill(): Promise<void>;
}

const READY = /^watan idp: issuer (\S+) client (\S+) secret-file (\S+)$/m;

/** Starts `watan idp ...args`; resolves once it prints its issuer. */
export function startIdp(args: readonly string[]): Promise<RunningIdp> {
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'src/cli/main.ts'), 'idp', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill();
      reject(new Error(`watan idp did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = READY.exec(output);
      if (!match) return;
      clearTimeout(timer);
      const [, issuer, clientId, secretFile] = match as unknown as [string, string, string, string];
      resolve({ issuer, clientId, secretFile, output: () => output, kill });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`watan idp exited before it was ready:\n${output}`));
    });
  });
}

/** A port free on localhost now, for a node whose callback URL the provider must know in advance. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, 'localhost', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
