/**
 * Notifications end to end: a staff member moves a complaint along its workflow over the
 * builder's HTTP API, the outbox row is dispatched through the National Messenger by the apps'
 * bot, and the citizen's matrix-js-sdk client is invited to a direct room and shows the message
 * in English and Urdu.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createClient, type MatrixClient } from 'matrix-js-sdk';
import { startSyncing, unrefSdkSyncTimers, until } from '../fixtures/matrix-clients.ts';
import { type BuilderNode, startBuilderNode } from './builder-node.ts';

unrefSdkSyncTimers();

let n: BuilderNode;
let client: MatrixClient | undefined;
const spec = JSON.parse(readFileSync(new URL('../../examples/apps/complaint-tracking.json', import.meta.url), 'utf8'));
before(async () => {
  n = await startBuilderNode('builder-notify');
});
after(async () => {
  client?.stopClient();
  await n.close();
});

test('a complaint’s step reaches its citizen as a message from the apps’ bot', async () => {
  const app = spec.slug as string;
  assert.equal((await n.api('POST', '', n.builder.token, { spec })).status, 200);
  const staff = await n.verifiedAccount('staff');
  const citizen = await n.verifiedAccount('citizen');
  const assigned = await n.m.node.subnet.submit({
    app: 'builder',
    method: 'member_assign_role',
    args: { app, user_id: staff.userId, role: 'staff' },
    caller: n.builder.userId,
  });
  assert.ok(assigned.ok, JSON.stringify(assigned));

  client = createClient({ baseUrl: n.m.node.url, userId: citizen.userId, accessToken: citizen.token, deviceId: 'PHONE' });
  await startSyncing(client);
  const made = await n.api('POST', `/${app}/records/complaint`, citizen.token, {
    fields: { category: 'streetlight', description: 'The street light is out for a week', location: 'Street 9, F-7' },
  });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const started = await n.api('POST', `/${app}/records/complaint/${made.body.id}/transitions/start`, staff.token);
  assert.equal(started.status, 200, JSON.stringify(started.body));

  const me = client;
  const invited = await until('the bot’s invite', () => me.getRooms().find((room) => room.getMyMembership() === 'invite'));
  await me.joinRoom(invited.roomId);
  const notice = await until('the notice in the room', () =>
    me
      .getRoom(invited.roomId)
      ?.getLiveTimeline()
      .getEvents()
      .find((event) => event.getType() === 'm.room.message'),
  );
  assert.equal(notice.getSender(), '@watan-apps:localhost');
  assert.equal(
    notice.getContent().body,
    'Work has started on your complaint at Street 9, F-7.\nStreet 9, F-7 پر آپ کی شکایت پر کام شروع ہو گیا ہے۔',
  );
  await until(
    'the outbox emptied',
    () => (n.m.node.subnet.query('builder', 'notifications_pending', { limit: 10 }, 'test') as unknown[]).length === 0,
  );
});

test('a notification to a room reaches it once its people invite the bot; a room that keeps the bot out loses nothing else', async () => {
  const office = await n.verifiedAccount('office-lead');
  const makeRoom = async (preset: string) => {
    const made = await n.m.call('POST', '/createRoom', office.token, { preset, name: `desk ${preset}` });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    return made.body.room_id as string;
  };
  const invitedRoom = await makeRoom('private_chat');
  const closedRoom = await makeRoom('private_chat');
  const invite = await n.m.call('POST', `/rooms/${encodeURIComponent(invitedRoom)}/invite`, office.token, {
    user_id: '@watan-apps:localhost',
  });
  assert.equal(invite.status, 200, JSON.stringify(invite.body));

  const deskSpec = structuredClone(spec);
  deskSpec.slug = 'complaint-desk';
  deskSpec.notifications = [
    {
      entity: 'complaint',
      on: 'create',
      to: [{ room: closedRoom }],
      message: { en: 'Closed room: {location}', ur: 'بند کمرہ: {location}' },
    },
    {
      entity: 'complaint',
      on: 'create',
      to: [{ room: invitedRoom }],
      message: { en: 'New complaint at {location}', ur: '{location} پر نئی شکایت' },
    },
  ];
  assert.equal((await n.api('POST', '', n.builder.token, { spec: deskSpec })).status, 200);
  const made = await n.api('POST', '/complaint-desk/records/complaint', office.token, {
    fields: { category: 'water', description: 'No water since morning', location: 'Block C' },
  });
  assert.equal(made.status, 200, JSON.stringify(made.body));

  const notice = await until('the notice in the room that invited the bot', async () => {
    const page = await n.m.call('GET', `/rooms/${encodeURIComponent(invitedRoom)}/messages?dir=b&limit=20`, office.token);
    return (page.body.chunk as { type: string; sender: string; content: { body?: string } }[]).find(
      (event) => event.type === 'm.room.message',
    );
  });
  assert.equal(notice.sender, '@watan-apps:localhost');
  assert.equal(notice.content.body, 'New complaint at Block C\nBlock C پر نئی شکایت');
  await until(
    'the outbox emptied, the closed room’s notice refused rather than retried for ever',
    () => (n.m.node.subnet.query('builder', 'notifications_pending', { limit: 10 }, 'test') as unknown[]).length === 0,
  );
  const closed = await n.m.call('GET', `/rooms/${encodeURIComponent(closedRoom)}/messages?dir=b&limit=20`, office.token);
  assert.equal((closed.body.chunk as { type: string }[]).filter((event) => event.type === 'm.room.message').length, 0);
});
