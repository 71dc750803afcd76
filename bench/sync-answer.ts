/**
 * bench:sync-answer — what a woken long-poll costs the node when the reader's only news is one
 * message in one room: the sync's queries (rooms, then the encryption sections) for each member
 * of a 10-member room after each message, measured in this process on a node of its own.
 * Beside it, in the same run, the floor of any answer: one trivial query (the stream head)
 * through the same query path. HTTP and JSON are not in these figures (bench:messenger has
 * them); this is the part that one computation per room per block shares out. Beside it, what a
 * long-poll of someone in another room costs when the message moved the stream past their token:
 * the quiet answer it used to work out before waiting, and the caught-up check (sync_caught_up,
 * from the stream records) that now lets it wait at once.
 *
 *   node bench/sync-answer.ts [--messages N]
 */
import { createHash, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { JsonValue } from '../src/subnet/index.ts';
import { startBenchNode } from './bench-node.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '500' } } });
const MESSAGES = Number(values.messages);
const MEMBERS = 10;
const WARM_UP = 50;

const { node, stop } = await startBenchNode('sync-answer');
try {
  const submit = async (method: string, args: Record<string, unknown>, caller: string) => {
    const result = await node.subnet.submit({ app: 'messenger', method, args: args as JsonValue, caller });
    if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
    return result.value as Record<string, unknown>;
  };
  const users = Array.from({ length: MEMBERS }, (_, i) => `@u${i}:localhost`);
  // A second room whose members hear nothing of the first: each message there moves the stream past their tokens.
  const bystanders = Array.from({ length: MEMBERS }, (_, i) => `@u${MEMBERS + i}:localhost`);
  for (const [i] of [...users, ...bystanders].entries()) {
    const tokenHash = createHash('sha256').update(randomBytes(16)).digest('hex');
    await submit('register', { localpart: `u${i}`, server_name: 'localhost', device_id: 'BENCH', token_hash: tokenHash }, 'anonymous');
  }
  const [creator, ...others] = users as [string, ...string[]];
  const { room_id: roomId } = await submit('create_room', { server_name: 'localhost', invite: others }, creator);
  for (const user of others) await submit('membership', { room_id: roomId, target: user, membership: 'join' }, user);
  const [host, ...guests] = bystanders as [string, ...string[]];
  const { room_id: otherRoom } = await submit('create_room', { server_name: 'localhost', invite: guests }, host);
  for (const user of guests) await submit('membership', { room_id: otherRoom, target: user, membership: 'join' }, user);
  const query = (name: string, args: Record<string, unknown>, caller: string) => node.subnet.query('messenger', name, args, caller);
  let since = query('stream_head', {}, creator) as number;
  let answerMicros = 0;
  let answers = 0;
  let quietMicros = 0;
  let checkMicros = 0;
  for (let m = 0; m < MESSAGES + WARM_UP; m++) {
    await submit(
      'send_event',
      { room_id: roomId, type: 'm.room.message', content_json: '{"msgtype":"m.text","body":"bench"}' },
      users[m % MEMBERS] as string,
    );
    const head = query('stream_head', {}, creator) as number;
    const started = process.hrtime.bigint();
    for (const user of users) {
      query('sync_rooms', { limit: 10, filter: {}, device_id: 'BENCH', since }, user);
      query('encryption_sync', { device_id: 'BENCH', since, to_device_since: since }, user);
    }
    const micros = Number(process.hrtime.bigint() - started) / 1000;
    // A bystander's long-poll from the same token: the quiet answer worked out before waiting, against the check that replaces it.
    const quietStarted = process.hrtime.bigint();
    for (const user of bystanders) {
      query('sync_rooms', { limit: 10, filter: {}, device_id: 'BENCH', since }, user);
      query('encryption_sync', { device_id: 'BENCH', since, to_device_since: since }, user);
    }
    const checkStarted = process.hrtime.bigint();
    for (const user of bystanders) if (query('sync_caught_up', { since }, user) !== true) throw new Error('a bystander was told of news');
    const checkEnded = process.hrtime.bigint();
    if (m >= WARM_UP) {
      answerMicros += micros;
      answers += MEMBERS;
      quietMicros += Number(checkStarted - quietStarted) / 1000;
      checkMicros += Number(checkEnded - checkStarted) / 1000;
    }
    since = head;
  }
  const started = process.hrtime.bigint();
  for (let i = 0; i < 10_000; i++) query('stream_head', {}, creator);
  const floorMicros = Number(process.hrtime.bigint() - started) / 1000 / 10_000;
  const row = (measure: string, value: string) => `| ${measure.padEnd(66)} | ${value.padEnd(12)} |`;
  console.log(
    `bench:sync-answer — ${MESSAGES} messages into a room of ${MEMBERS}, node ${process.version}, ${availableParallelism()} CPUs`,
  );
  console.log(row('measure', 'value'));
  console.log(`|${'-'.repeat(68)}|${'-'.repeat(14)}|`);
  console.log(row('one trivial query through the same path (µs, floor)', floorMicros.toFixed(1)));
  console.log(row('a member’s answer: one new message in one room (µs)', (answerMicros / answers).toFixed(1)));
  console.log(row('another room’s member, quiet answer worked out before waiting (µs)', (quietMicros / answers).toFixed(1)));
  console.log(row('another room’s member, the caught-up check instead (µs)', (checkMicros / answers).toFixed(1)));
} finally {
  await stop();
}
process.exit(0);
