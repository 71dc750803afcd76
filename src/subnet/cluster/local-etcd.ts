import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * A 3-member (or n-member) etcd on loopback, each member its own `etcd` process with its own
 * data folder: what `npm run cluster` and the cluster tests run against. Production runs etcd
 * as a service per province; this is for trying a cluster on one machine.
 */

export class LocalEtcdError extends Error {
  override name = 'LocalEtcdError';
}

export interface LocalEtcdOptions {
  /** Folder under which each member keeps `member-N/`. */
  dir: string;
  members?: number;
  /** etcd's backend quota (`--quota-backend-bytes`); etcd's default is 2 GiB. */
  quotaBackendBytes?: number;
  /** The etcd binary; Debian's etcd-server installs /usr/bin/etcd. */
  binary?: string;
  /** Each member's client and peer ports, to reopen a cluster kept in `dir`; free ports by default. */
  ports?: readonly { client: number; peer: number }[];
  /** How long to wait for every member to report healthy. */
  startTimeoutMs?: number;
}

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  /** The process, or undefined while the member is killed. */
  process: ChildProcess | undefined;
}

export interface LocalEtcd {
  members: readonly EtcdMember[];
  /** `host:port` of every member, for `--cluster etcd://…` and the client. */
  endpoints: string[];
  /**
   * Waits until the running members report a leader other than `not` (a member just killed or
   * stopped) and returns its name; an election normally takes a second or two, more on a busy machine.
   */
  waitForLeader(options?: { not?: string; timeoutMs?: number }): Promise<string>;
  /** Sends `signal` to one member; SIGKILL and SIGTERM wait for it to be gone. */
  signal(name: string, signal: NodeJS.Signals): Promise<void>;
  /** Starts a killed member again on its data folder and ports, and waits until it is healthy. */
  restart(name: string): Promise<void>;
  /** Waits until every running member answers healthy. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every member (continuing stopped ones first) and waits for them to exit. */
  stop(): Promise<void>;
}

export const ETCD_BINARY = '/usr/bin/etcd';

export async function startLocalEtcd(options: LocalEtcdOptions): Promise<LocalEtcd> {
  const count = options.ports?.length ?? options.members ?? 3;
  const binary = options.binary ?? ETCD_BINARY;
  const token = `watan-${randomBytes(6).toString('hex')}`;
  const members: EtcdMember[] = [];
  for (let i = 1; i <= count; i++) {
    const ports = options.ports?.[i - 1];
    members.push({
      name: `member-${i}`,
      clientUrl: `http://127.0.0.1:${ports?.client ?? (await freePort())}`,
      peerUrl: `http://127.0.0.1:${ports?.peer ?? (await freePort())}`,
      process: undefined,
    });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const stderr = new Map<string, string>();

  const launch = (member: EtcdMember, state: 'new' | 'existing') => {
    const dataDir = join(options.dir, member.name);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const args = [
      `--name=${member.name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${member.clientUrl}`,
      `--advertise-client-urls=${member.clientUrl}`,
      `--listen-peer-urls=${member.peerUrl}`,
      `--initial-advertise-peer-urls=${member.peerUrl}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-state=${state}`,
      `--initial-cluster-token=${token}`,
      '--logger=zap',
      '--log-outputs=stderr',
      '--log-level=error',
      ...(options.quotaBackendBytes ? [`--quota-backend-bytes=${options.quotaBackendBytes}`] : []),
      // Replicas delete certified blocks; compaction lets etcd reuse their space (defragmentation returns it to the disk).
      '--auto-compaction-mode=revision',
      '--auto-compaction-retention=10000',
    ];
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    stderr.set(member.name, '');
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr.set(member.name, ((stderr.get(member.name) ?? '') + chunk).slice(-4000));
    });
    child.once('error', (error) => stderr.set(member.name, `${stderr.get(member.name) ?? ''}\n${error.message}`));
    child.once('exit', () => {
      if (member.process === child) member.process = undefined;
    });
    member.process = child;
  };

  const byName = (name: string): EtcdMember => {
    const member = members.find((m) => m.name === name);
    if (!member) throw new LocalEtcdError(`no etcd member named ${name}`);
    return member;
  };

  const waitHealthy = async (timeoutMs = options.startTimeoutMs ?? 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (const member of members) {
      if (!member.process) continue;
      while (!(await isHealthy(member))) {
        if (!member.process) throw new LocalEtcdError(`etcd ${member.name} exited while starting:\n${stderr.get(member.name)}`);
        if (Date.now() > deadline) {
          throw new LocalEtcdError(`etcd ${member.name} was not healthy within ${timeoutMs} ms:\n${stderr.get(member.name)}`);
        }
        await delay(100);
      }
    }
  };

  const signal = async (name: string, sig: NodeJS.Signals): Promise<void> => {
    const child = byName(name).process;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(sig);
    if (sig === 'SIGKILL' || sig === 'SIGTERM') await exited;
  };

  /** The current Raft leader's name, as the members report it; throws while they report none. */
  const leader = async (): Promise<string> => {
    for (const member of members) {
      if (!member.process) continue;
      const status = await memberStatus(member).catch(() => undefined);
      if (!status?.leader || status.leader === '0') continue;
      for (const candidate of members) {
        const own = await memberStatus(candidate).catch(() => undefined);
        if (own?.header?.member_id === status.leader) return candidate.name;
      }
    }
    throw new LocalEtcdError('no etcd member reports a leader');
  };

  const waitForLeader = async ({ not, timeoutMs = 30_000 }: { not?: string; timeoutMs?: number } = {}): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const name = await leader().catch(() => undefined);
      if (name !== undefined && name !== not) return name;
      if (Date.now() > deadline) {
        throw new LocalEtcdError(`no etcd member reported a leader${not ? ` other than ${not}` : ''} within ${timeoutMs} ms`);
      }
      await delay(100);
    }
  };

  const stopMember = async (member: EtcdMember, graceMs: number): Promise<void> => {
    const child = member.process;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  // Followers first, then the leader. A leader told to stop first tries to hand its leadership
  // to a follower, and with its followers stopping too it may wait out etcd's request timeout
  // (measured: the whole 5 s grace, in about half the stops, also after the followers had
  // exited). A member alone holds no quorum and etcd syncs its log before it acknowledges,
  // so ending the last one after a short grace loses nothing. Members that do not answer (a
  // failed start) are not waited on for long: then the order is only a guess.
  const stop = async (): Promise<void> => {
    for (const member of members) member.process?.kill('SIGCONT');
    // The timer is unref'd: left running once the leader is known, it holds nothing up.
    const last = await Promise.race([leader().catch(() => undefined), delay(2000, undefined, { ref: false })]);
    await Promise.all(members.filter((m) => m.name !== last).map((m) => stopMember(m, 5000)));
    await Promise.all(members.map((m) => stopMember(m, 500)));
  };

  for (const member of members) launch(member, 'new');
  try {
    await waitHealthy();
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    members,
    endpoints: members.map((m) => new URL(m.clientUrl).host),
    waitForLeader,
    signal,
    async restart(name) {
      const member = byName(name);
      if (member.process) throw new LocalEtcdError(`etcd ${name} is still running`);
      launch(member, 'existing');
      await waitHealthy();
    },
    waitHealthy,
    stop,
  };
}

interface MemberStatus {
  header?: { member_id?: string };
  leader?: string;
}

/** Status through etcd's JSON gateway, so the harness needs no client of its own. */
async function memberStatus(member: EtcdMember): Promise<MemberStatus> {
  const response = await fetch(`${member.clientUrl}/v3/maintenance/status`, {
    method: 'POST',
    body: '{}',
    signal: AbortSignal.timeout(2000),
  });
  return (await response.json()) as MemberStatus;
}

async function isHealthy(member: EtcdMember): Promise<boolean> {
  try {
    const response = await fetch(`${member.clientUrl}/health`, { signal: AbortSignal.timeout(2000) });
    const body = (await response.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

/**
 * A port the system has free now. Another process could take it before it is used; whatever
 * then binds it fails saying so.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
