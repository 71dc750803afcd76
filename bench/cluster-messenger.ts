/**
 * The messenger load of bench:cluster (`--messenger`), run in each replica's process against
 * that replica's own HTTP server on loopback: a few senders register there, join one public
 * room, and send `m.room.message` back to back (a closed loop) for a number of seconds.
 *
 * It runs beside the replica rather than in the benchmark's process because the replica's
 * Subnet is at hand there: when a send's 200 arrives, the replica has applied the send, so its
 * applied block is the first block whose certificate surely covers it. The answer does not name
 * its block, so that block is an upper bound and the latency to "its" certificate is one too.
 */
import type { Subnet } from '../src/subnet/index.ts';
import { matrixCall } from '../test/fixtures/messenger-node.ts';
import { clock, type DriveOutcome, Recorder } from './cluster-drive.ts';

export interface Sender {
  token: string;
  userId: string;
}

const PASSWORD = 'long enough password';

/** Registers `count` senders named `${prefix}-N` on the node at `url` (user-interactive auth, m.login.dummy). */
export async function registerSenders(url: string, prefix: string, count: number): Promise<Sender[]> {
  const senders: Sender[] = [];
  for (let i = 0; i < count; i++) {
    const body = { username: `${prefix}-${i}`, password: PASSWORD };
    const { session } = (await matrixCall(url, 'POST', '/register', undefined, body)).body as { session: string };
    const done = await matrixCall(url, 'POST', '/register', undefined, { ...body, auth: { type: 'm.login.dummy', session } });
    if (done.status !== 200) throw new Error(`registering ${body.username} on ${url} failed: ${JSON.stringify(done.body)}`);
    senders.push({ token: done.body.access_token as string, userId: done.body.user_id as string });
  }
  return senders;
}

/** A public room created by `creator` on the node at `url`; its id. */
export async function createPublicRoom(url: string, creator: Sender): Promise<string> {
  const created = await matrixCall(url, 'POST', '/createRoom', creator.token, { preset: 'public_chat', name: 'bench:cluster' });
  if (created.status !== 200) throw new Error(`creating the bench room on ${url} failed: ${JSON.stringify(created.body)}`);
  return created.body.room_id as string;
}

/**
 * Every sender joins `roomId` on the node at `url`; a replica that has not applied the room's
 * creation yet refuses, so each join is retried for up to a minute.
 */
export async function joinRoom(url: string, senders: readonly Sender[], roomId: string): Promise<void> {
  const path = `/rooms/${encodeURIComponent(roomId)}/join`;
  for (const sender of senders) {
    let joined = await matrixCall(url, 'POST', path, sender.token, {});
    for (let attempt = 0; attempt < 600 && joined.status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      joined = await matrixCall(url, 'POST', path, sender.token, {});
    }
    if (joined.status !== 200) throw new Error(`${sender.userId} could not join ${roomId} on ${url}: ${JSON.stringify(joined.body)}`);
  }
}

/**
 * Each sender sends `m.room.message` to `roomId`, the next as soon as the last one was answered,
 * for `seconds`; timed to the 200 and (when `certify`) to the certificate of the block the
 * replica had applied when the 200 arrived.
 */
export async function sendLoop(
  url: string,
  subnet: Pick<Subnet, 'waitForCertificate' | 'appliedBlock'>,
  options: { senders: readonly Sender[]; roomId: string; prefix: string; seconds: number; certify: boolean },
): Promise<DriveOutcome> {
  const recorder = new Recorder();
  const room = encodeURIComponent(options.roomId);
  const startedAt = clock();
  const until = startedAt + options.seconds * 1000;
  await Promise.all(
    options.senders.map(async (sender, s) => {
      for (let i = 0; clock() < until; i++) {
        const due = clock();
        const txn = `${options.prefix}-${s}-${i}`;
        const sent = await matrixCall(url, 'PUT', `/rooms/${room}/send/m.room.message/${txn}`, sender.token, {
          msgtype: 'm.text',
          body: 'x'.repeat(100),
        });
        if (sent.status !== 200) throw new Error(`a send on ${url} failed (${sent.status}): ${JSON.stringify(sent.body)}`);
        recorder.answered(subnet, subnet.appliedBlock, due, options.certify);
      }
    }),
  );
  return recorder.outcome(startedAt, clock());
}
