import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MatrixClient, MatrixError } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { registeredClient, startSyncing, unrefSdkSyncTimers, until } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

unrefSdkSyncTimers();
const dir = mkdtempSync(join(tmpdir(), 'watan-member-profiles-'));
const PASSWORD = 'long enough password';
let node: RunningWatan;
const running: MatrixClient[] = [];

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0']);
});
after(async () => {
  for (const client of running) client.stopClient();
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function syncing(username: string): Promise<MatrixClient> {
  const client = await registeredClient(node.url, username, PASSWORD);
  running.push(client);
  await startSyncing(client);
  return client;
}

test('member events carry display names, and a new name reaches every room the person is in', async () => {
  const alice = await syncing('alice');
  const bob = await syncing('bob');
  await alice.setDisplayName('Alice Akhtar');
  await bob.setDisplayName('Bob Baig');
  const { room_id: roomId } = await alice.createRoom({ name: 'Names', invite: [bob.getUserId() as string] });
  const invite = await until('bob invited', () => alice.getRoom(roomId)?.getMember(bob.getUserId() as string) ?? undefined);
  assert.equal(invite.events.member?.getContent().displayname, 'Bob Baig', 'an invite carries the invitee’s profile');
  await until('the invite at bob', () => bob.getRoom(roomId));
  await bob.joinRoom(roomId);
  await until('bob named in alice’s member list', () => alice.getRoom(roomId)?.getMember(bob.getUserId() as string)?.name === 'Bob Baig');
  assert.equal(bob.getRoom(roomId)?.getMember(alice.getUserId() as string)?.name, 'Alice Akhtar', 'the creator’s join carries her name');

  await bob.setDisplayName('Robert Baig');
  await until('the new name in the room', () => alice.getRoom(roomId)?.getMember(bob.getUserId() as string)?.name === 'Robert Baig');
  const state = await alice.getStateEvent(roomId, 'm.room.member', bob.getUserId() as string);
  assert.equal(state.displayname, 'Robert Baig');
  assert.equal(state.membership, 'join');
});

test('an m.room.redaction sent as an event redacts its target', async () => {
  const carol = await syncing('carol');
  const { room_id: roomId } = await carol.createRoom({ name: 'Redactions' });
  const { event_id: eventId } = await carol.sendTextMessage(roomId, 'sent in error');
  await carol.sendEvent(roomId, 'm.room.redaction' as never, { redacts: eventId, reason: 'typo' } as never);
  const served = (await carol.fetchRoomEvent(roomId, eventId)) as { content: object; unsigned?: { redacted_because?: unknown } };
  assert.deepEqual(served.content, {}, 'the target lost its content');
  assert.ok(served.unsigned?.redacted_because, 'and says what redacted it');
  const missing = await carol.sendEvent(roomId, 'm.room.redaction' as never, { reason: 'no target' } as never).catch((e: MatrixError) => e);
  assert.equal((missing as MatrixError).errcode, 'M_BAD_JSON');
});

test('a deactivated account leaves its rooms and declines its invites', async () => {
  const dana = await syncing('dana');
  const erum = await registeredClient(node.url, 'erum', PASSWORD);
  const { room_id: joined } = await dana.createRoom({ name: 'Joined' });
  const { room_id: invited } = await dana.createRoom({ name: 'Invited', invite: [erum.getUserId() as string] });
  await dana.invite(joined, erum.getUserId() as string);
  await erum.joinRoom(joined);
  const uia = (await erum.deactivateAccount().catch((e: MatrixError) => e.data)) as { session: string };
  await erum.deactivateAccount({
    type: 'm.login.password',
    session: uia.session,
    identifier: { type: 'm.id.user', user: 'erum' },
    password: PASSWORD,
  } as never);
  for (const roomId of [joined, invited]) {
    await until(`erum gone from ${roomId}`, () => dana.getRoom(roomId)?.getMember(erum.getUserId() as string)?.membership === 'leave');
  }
  assert.deepEqual(
    (await dana.getJoinedRoomMembers(joined)).joined[erum.getUserId() as string],
    undefined,
    'the deactivated account is no longer a joined member',
  );
});
