/**
 * The messenger's busiest request paths, driven against a throwaway node before a real one
 * listens (see src/cli/warm-up.ts). V8 optimises a function only after it has run a while, so
 * a node that has just started serves its first thousand messages at two thirds of its speed
 * or less: just when every client reconnects at once after a restart. Functions and what V8
 * learned of them are shared by every node in the process, so the real node's first clients
 * meet code that is already optimised.
 */
import { Agent, request } from 'node:http';
import type { Subnet } from '../subnet/index.ts';
import { newSessionTokens } from './http/session-tokens.ts';

/** How much the warm-up sends: `senders` × `messages` into one room that `members` long-poll. */
export interface WarmUpLoad {
  senders: number;
  members: number;
  messages: number;
}

/** A thousand messages: about as many as V8 needs to see before a node serves them at its warm speed (measured in bench:messenger). */
export const DEFAULT_WARM_UP_LOAD: WarmUpLoad = { senders: 10, members: 10, messages: 100 };

export interface WarmUpReport {
  messages: number;
  /** Messages the members' long-polls answered with (a long timeline may skip some). */
  deliveries: number;
  /** Members whose long-polls brought them the last message. */
  caughtUp: number;
}

export class WarmUpError extends Error {
  override name = 'WarmUpError';
}

/** What the warm-up needs of the throwaway node: where it listens, and its subnet to make accounts on. */
export interface WarmUpTarget {
  url: string;
  subnet: Subnet;
  serverName: string;
}

// What an encrypting client sends instead of a message: the server never reads the ciphertext, so any will do.
const ENCRYPTED = [
  'm.room.encrypted',
  {
    algorithm: 'm.megolm.v1.aes-sha2',
    ciphertext: 'AwgAEnB3YXJtLXVw',
    device_id: 'WARMUP',
    sender_key: 'd2FybS11cA',
    session_id: 'd2FybS11cA',
  },
] as const;

/** Sends, long-polls, receipts and typing, as a room's members make them; throws `WarmUpError` on any refusal. */
export async function warmUpMessenger(target: WarmUpTarget, load: WarmUpLoad = DEFAULT_WARM_UP_LOAD): Promise<WarmUpReport> {
  const agent = new Agent({ keepAlive: true });
  const call = caller(target.url, agent);
  try {
    const users = await accounts(target, load.senders + load.members);
    const [owner, ...others] = users as [Account, ...Account[]];
    const { room_id: roomId } = await call<{ room_id: string }>('POST', '/createRoom', owner, { preset: 'public_chat' });
    for (const user of others) await call('POST', `/rooms/${encodeURIComponent(roomId)}/join`, user, {});
    const room: WarmUpRoom = { id: roomId, messages: load.senders * load.messages };
    const members = Promise.all(
      users.slice(load.senders).map((member, i) => follow(call, room, member, FILTERS[i % FILTERS.length] ?? 'none')),
    );
    // A member's failure is judged below, once the sends are over.
    members.catch(() => {});
    try {
      await Promise.all(users.slice(0, load.senders).map((sender, s) => send(call, room, sender, s, load.messages)));
      // The last word, which every member waits to see: earlier ones a long timeline may have skipped.
      room.last = (
        await call<{ event_id: string }>('PUT', `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/warm-up.end`, owner, {
          msgtype: 'm.text',
          body: 'warm-up over',
        })
      ).event_id;
    } finally {
      room.stopAt = performance.now() + (room.failed ? 0 : CATCH_UP_MS);
    }
    const followed = await members;
    return {
      messages: room.messages,
      deliveries: followed.reduce((sum, { seen }) => sum + seen, 0),
      caughtUp: followed.filter(({ caughtUp }) => caughtUp).length,
    };
  } finally {
    agent.destroy();
  }
}

/** The room every warm-up user is in, and when its members stop following it. */
interface WarmUpRoom {
  id: string;
  messages: number;
  /** The last message sent, once it is: a member who has seen it stops. */
  last?: string;
  /** Set once the sends are over (at once if they failed): members stop at this time even if they missed the last message. */
  stopAt?: number;
  failed?: boolean;
}

/** How long members get, after the last send, to be told of it. */
const CATCH_UP_MS = 5_000;

// How members ask for their timeline: through a filter they stored, one given inline, and none.
const FILTER = { room: { timeline: { limit: 50 }, state: { lazy_load_members: true } } };
const FILTERS = ['stored', 'inline', 'none'] as const;

/** A member long-polls /sync until they have seen the last message, reading every fourth answer. */
async function follow(
  call: Call,
  room: WarmUpRoom,
  member: Account,
  filtering: (typeof FILTERS)[number],
): Promise<{ seen: number; caughtUp: boolean }> {
  let filter = '';
  if (filtering === 'stored') {
    const { filter_id } = await call<{ filter_id: string }>('POST', `/user/${encodeURIComponent(member.userId)}/filter`, member, FILTER);
    filter = `&filter=${encodeURIComponent(filter_id)}`;
  } else if (filtering === 'inline') {
    filter = `&filter=${encodeURIComponent(JSON.stringify(FILTER))}`;
  }
  let since = (await call<{ next_batch: string }>('GET', `/sync?timeout=0${filter}`, member)).next_batch;
  const seen = new Set<string>();
  let answers = 0;
  const caughtUp = () => room.last !== undefined && seen.has(room.last);
  while (!caughtUp() && (room.stopAt === undefined || performance.now() < room.stopAt)) {
    const answer = await call<SyncAnswer>('GET', `/sync?since=${encodeURIComponent(since)}&timeout=500${filter}`, member);
    since = answer.next_batch;
    const events = answer.rooms?.join?.[room.id]?.timeline?.events ?? [];
    for (const event of events) if (event.type === 'm.room.message' || event.type === 'm.room.encrypted') seen.add(event.event_id);
    answers += 1;
    const last = events.at(-1);
    if (last && answers % 4 === 0) {
      await call('POST', `/rooms/${encodeURIComponent(room.id)}/receipt/m.read/${encodeURIComponent(last.event_id)}`, member, {});
    }
  }
  return { seen: seen.size, caughtUp: caughtUp() };
}

/** A sender's messages, each sent when the last is answered, both kinds a member sends, with typing now and then. */
async function send(call: Call, room: WarmUpRoom, sender: Account, s: number, messages: number): Promise<void> {
  const path = `/rooms/${encodeURIComponent(room.id)}`;
  try {
    for (let m = 0; m < messages; m++) {
      if (m % 10 === 0) await call('PUT', `${path}/typing/${encodeURIComponent(sender.userId)}`, sender, { typing: true, timeout: 5000 });
      const [type, content] = m % 2 === 0 ? ['m.room.message', { msgtype: 'm.text', body: `warm-up ${m}` }] : ENCRYPTED;
      await call('PUT', `${path}/send/${type}/warm-up.${s}.${m}`, sender, content);
    }
  } catch (error) {
    room.failed = true;
    throw error;
  }
}

interface Account {
  userId: string;
  token: string;
}

interface SyncAnswer {
  next_batch: string;
  rooms?: { join?: Record<string, { timeline?: { events?: { event_id: string; type: string }[] } }> };
}

type Call = ReturnType<typeof caller>;

/** Accounts made directly on the subnet, as a sign-in makes them: the token is made here, at ingress, and only its hash is stored. */
async function accounts(target: WarmUpTarget, count: number): Promise<Account[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const tokens = newSessionTokens(false, 0);
      const result = await target.subnet.submit({
        app: 'messenger',
        method: 'register',
        args: { localpart: `warm-up-${i}`, server_name: target.serverName, device_id: 'WARMUP', ...tokens.args },
        caller: 'anonymous',
      });
      if (!result.ok) throw new WarmUpError(`the warm-up could not make an account: ${result.error.message}`);
      return { userId: (result.value as { user_id: string }).user_id, token: tokens.response.access_token };
    }),
  );
}

/** One client-server request as a user; its JSON answer, or `WarmUpError` for any status but 200. */
function caller(url: string, agent: Agent) {
  return <T = unknown>(method: string, path: string, user: Account, body?: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const outgoing = request(
        `${url}/_matrix/client/v3${path}`,
        {
          method,
          agent,
          headers: {
            authorization: `Bearer ${user.token}`,
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode === 200) resolve(JSON.parse(text) as T);
            else reject(new WarmUpError(`the warm-up's ${method} ${path.split('?')[0]} was answered ${response.statusCode}: ${text}`));
          });
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
}
