/**
 * The kv.put load of bench:cluster, run where the replica is (in its process, on its Subnet):
 * closed loop (a fixed number of submitters, each sending its next command when the last one
 * returned: the saturated rate) or open loop (commands at a fixed rate whatever the replica
 * does: latency at a given load, measured from when each command was due, so a stall is not
 * hidden by submitters that stopped sending).
 */
import type { Subnet } from '../src/subnet/index.ts';

/** Milliseconds since the epoch at sub-millisecond resolution, comparable across processes on one machine. */
export function clock(): number {
  return performance.timeOrigin + performance.now();
}

export interface DriveOutcome {
  /** Epoch ms when the first command was sent and when the last local result came back. */
  startedAt: number;
  endedAt: number;
  /** When the last certificate of a driven command's block arrived. */
  certifiedAt: number;
  /** Milliseconds to the local result, per command. */
  results: number[];
  /** Milliseconds to the block's quorum certificate on this replica, per command (empty when not asked). */
  certified: number[];
  /** Commands whose block was not certified within CERTIFICATE_WAIT_MS. */
  uncertified: number;
}

/** How long one command waits for its block's certificate before it counts as uncertified. */
const CERTIFICATE_WAIT_MS = 60_000;

type Submitter = Pick<Subnet, 'submit' | 'waitForCertificate'>;

export class Recorder {
  readonly results: number[] = [];
  readonly certified: number[] = [];
  readonly pending: Promise<void>[] = [];
  uncertified = 0;
  certifiedAt = 0;

  /** Sends one put; times it from `due` to its result and (when `certify`) to its block's certificate. */
  async put(subnet: Submitter, key: string, due: number, certify: boolean): Promise<void> {
    const result = await subnet.submit({ app: 'kv', method: 'put', caller: 'bench', args: { key, value: 'v'.repeat(100) } });
    if (!result.ok) throw new Error(`command failed: ${result.error.message}`);
    this.answered(subnet, result.block, due, certify);
  }

  /**
   * Records an answer that came now for a command due at `due`, and (when `certify`) starts
   * waiting for the certificate of `block`, the block that holds it (or a later one).
   */
  answered(subnet: Pick<Subnet, 'waitForCertificate'>, block: number, due: number, certify: boolean): void {
    this.results.push(clock() - due);
    if (!certify) return;
    // Not awaited by the submitter: it goes on, as a client that asks for the proof later would.
    this.pending.push(
      subnet.waitForCertificate(block, CERTIFICATE_WAIT_MS).then((certificate) => {
        const now = clock();
        if (!certificate) this.uncertified += 1;
        else this.certified.push(now - due);
        this.certifiedAt = Math.max(this.certifiedAt, now);
      }),
    );
  }

  async outcome(startedAt: number, endedAt: number): Promise<DriveOutcome> {
    await Promise.all(this.pending);
    const { results, certified, uncertified } = this;
    return { startedAt, endedAt, certifiedAt: Math.max(this.certifiedAt, endedAt), results, certified, uncertified };
  }
}

/** `commands` puts from `concurrency` submitters spread over `subnets`, each waiting for its last result. */
export async function closedLoop(
  subnets: readonly Submitter[],
  options: { prefix: string; commands: number; concurrency: number; certify: boolean },
): Promise<DriveOutcome> {
  const recorder = new Recorder();
  let next = 0;
  const startedAt = clock();
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, worker) => {
      const subnet = subnets[worker % subnets.length] as Submitter;
      for (let i = next++; i < options.commands; i = next++) {
        await recorder.put(subnet, `${options.prefix}-${i % 10_000}`, clock(), options.certify);
      }
    }),
  );
  return recorder.outcome(startedAt, clock());
}

/** `rate` puts a second for `seconds`, each sent when due whether or not earlier ones returned. */
export async function openLoop(subnet: Submitter, options: { prefix: string; rate: number; seconds: number }): Promise<DriveOutcome> {
  const recorder = new Recorder();
  const total = Math.max(1, Math.round(options.rate * options.seconds));
  const interval = 1000 / options.rate;
  const startedAt = clock();
  const sent: Promise<void>[] = [];
  let issued = 0;
  while (issued < total) {
    const due = Math.min(total, Math.floor((clock() - startedAt) / interval) + 1);
    for (; issued < due; issued++)
      sent.push(recorder.put(subnet, `${options.prefix}-${issued % 10_000}`, startedAt + issued * interval, true));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(sent);
  return recorder.outcome(startedAt, clock());
}
