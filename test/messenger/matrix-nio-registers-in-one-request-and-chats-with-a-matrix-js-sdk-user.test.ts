/**
 * A second, independent client library: matrix-nio 0.20 (Debian's python3-matrix-nio, the
 * library behind many Python bots), driven as a child process. It registers exactly its own
 * way (one request, m.login.dummy without a session), signs in, creates a room with a
 * matrix-js-sdk user, and both send and receive; nio pages back and lists the members. nio
 * checks every answer against its own schemas, so an answer it cannot read fails the test.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MatrixClient } from 'matrix-js-sdk';
import { quietSdkLogs, registeredClient, startSyncing, unrefSdkSyncTimers, until } from '../fixtures/matrix-clients.ts';
import { type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

unrefSdkSyncTimers();
quietSdkLogs();
checkResponsesAgainstSpec();

/** Debian's Python, which has python3-matrix-nio (a python3 earlier on PATH may not). */
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../fixtures/matrix-nio-client.py', import.meta.url));

let messenger: MessengerNode;
let jamal: MatrixClient;

before(async () => {
  messenger = await startMessengerNode('matrix-nio');
  jamal = await registeredClient(messenger.node.url, 'jamal');
  await startSyncing(jamal);
});
after(async () => {
  jamal?.stopClient();
  await messenger?.close();
});

interface Step {
  step: string;
  [field: string]: unknown;
}

/** nio's script as a child process: its steps as they come, and a way to tell it to go on. */
function runNio(args: string[]) {
  const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    /** The next step nio reports; fails with nio's own words when it reports a failure or stops. */
    async next(expected: string): Promise<Step> {
      const line = await lines.next();
      if (line.done) throw new Error(`matrix-nio stopped before "${expected}" (exit ${await exited}): ${stderr.slice(-2000)}`);
      const step = JSON.parse(line.value) as Step;
      if (step.step !== expected) throw new Error(`matrix-nio said ${line.value} where "${expected}" was expected; ${stderr.slice(-2000)}`);
      return step;
    },
    goOn(): void {
      child.stdin.write('go on\n');
    },
    exited,
    kill: () => child.kill(),
  };
}

test('matrix-nio registers in one request, chats with a matrix-js-sdk user, pages back and lists members', {
  timeout: 180_000,
}, async () => {
  const nio = runNio([messenger.node.url, 'nadia', 'long enough password', jamal.getUserId() as string]);
  try {
    const registered = await nio.next('registered');
    assert.equal(registered.user_id, '@nadia:localhost', 'registered in one request, m.login.dummy without a session');
    await nio.next('signed_in');
    const { room_id: roomId } = (await nio.next('room')) as Step & { room_id: string };

    await until('jamal to be invited', () => jamal.getRoom(roomId)?.getMyMembership() === 'invite');
    await jamal.joinRoom(roomId);
    nio.goOn();

    const { event_ids: sent } = (await nio.next('sent')) as Step & { event_ids: string[] };
    const bodies = () =>
      (jamal.getRoom(roomId)?.getLiveTimeline().getEvents() ?? [])
        .filter((event) => event.getType() === 'm.room.message')
        .map((event) => event.getContent().body as string);
    await until('jamal to receive nio’s three messages', () => bodies().length === 3);
    assert.deepEqual(bodies(), ['Salaam from nio', 'second from nio', 'third from nio']);
    assert.deepEqual(
      jamal
        .getRoom(roomId)
        ?.getLiveTimeline()
        .getEvents()
        .filter((event) => event.getType() === 'm.room.message')
        .map((e) => e.getId()),
      sent,
    );
    assert.equal(jamal.getRoom(roomId)?.getMember('@nadia:localhost')?.name, 'nadia', 'nio’s user is named by her localpart');
    await jamal.sendTextMessage(roomId, 'Wa alaikum salaam from js');
    nio.goOn();

    const received = await nio.next('received');
    assert.equal(received.body, 'Wa alaikum salaam from js');
    assert.equal(received.display_name, 'jamal', 'nio reads the display name from the member event');

    const history = await nio.next('history');
    assert.deepEqual(history.bodies, ['Salaam from nio', 'second from nio', 'third from nio'], 'paging back reaches the first message');
    assert.ok((history.pages as number) >= 3, `paged two events at a time (${history.pages} pages)`);

    const members = await nio.next('members');
    assert.deepEqual(members.members, {
      '@nadia:localhost': { display_name: 'nadia', avatar_url: null },
      [jamal.getUserId() as string]: { display_name: 'jamal', avatar_url: null },
    });
    await nio.next('done');
    assert.equal(await nio.exited, 0);
  } finally {
    nio.kill();
  }
});
