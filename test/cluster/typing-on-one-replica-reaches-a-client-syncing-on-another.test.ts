/**
 * Typing behind a load balancer: alice's client talks to replica A, bob's matrix-js-sdk
 * client syncs on replica B. Her notices go through etcd under a lease, wake bob's waiting
 * sync on B, and expire there on their own when she stops renewing them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from 'matrix-js-sdk';
import type { RunningNode } from '../../src/node/index.ts';
import { quietSdkLogs, startSyncing, unrefSdkSyncTimers, until } from '../fixtures/matrix-clients.ts';
import { startMessengerReplicas } from '../fixtures/messenger-replicas.ts';

unrefSdkSyncTimers();
quietSdkLogs();

test('typing on one replica reaches a client syncing on another, and expires there', { timeout: 120_000 }, async () => {
  const replicas = await startMessengerReplicas('typing-replicas', 2);
  const clients: ReturnType<typeof createClient>[] = [];
  try {
    const [a, b] = replicas.nodes as [RunningNode, RunningNode];
    const [aliceAccount, bobAccount] = [await replicas.register(a, 'alice'), await replicas.register(b, 'bob')];
    const client = (node: RunningNode, account: typeof aliceAccount) => {
      const made = createClient({
        baseUrl: node.url,
        userId: account.user_id,
        accessToken: account.access_token,
        deviceId: account.device_id,
      });
      clients.push(made);
      return made;
    };
    const alice = client(a, aliceAccount);
    const bob = client(b, bobAccount);
    const { room_id: roomId } = await alice.createRoom({ invite: [bobAccount.user_id] });
    await replicas.settle();
    await bob.joinRoom(roomId);
    await replicas.settle();
    await startSyncing(bob, 10);
    await until('bob’s client on B knows the room', () => bob.getRoom(roomId)?.getMember(aliceAccount.user_id));

    await alice.sendTyping(roomId, true, 30_000);
    await until('alice typing in bob’s view on B', () => bob.getRoom(roomId)?.getMember(aliceAccount.user_id)?.typing === true);
    await alice.sendTyping(roomId, false, 0);
    await until('alice stopped typing in bob’s view on B', () => bob.getRoom(roomId)?.getMember(aliceAccount.user_id)?.typing === false);

    // A notice nobody renews or stops ends by itself on every replica (etcd ends its lease).
    await alice.sendTyping(roomId, true, 2_000);
    await until('alice typing again in bob’s view', () => bob.getRoom(roomId)?.getMember(aliceAccount.user_id)?.typing === true);
    await until('her notice expired in bob’s view', () => bob.getRoom(roomId)?.getMember(aliceAccount.user_id)?.typing === false);
    assert.equal(bob.getRoom(roomId)?.getMember(aliceAccount.user_id)?.typing, false);
  } finally {
    for (const client of clients) client.stopClient();
    await replicas.close();
  }
});
