import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeParts } from '../../src/cli/composition.ts';
import type { RunningNode } from '../../src/node/index.ts';
import { dataFiles, loadOrCreateSigningKey, makeGenesis } from '../../src/subnet/index.ts';
import { startEtcdCluster } from '../fixtures/etcd-cluster.ts';
import { startClusterNode } from '../fixtures/etcd-replicas.ts';
import { matrixCall } from '../fixtures/messenger-node.ts';

const TIMEOUT = { timeout: 300_000 };

function call(node: RunningNode, method: string, path: string, token?: string, body?: unknown) {
  return matrixCall(node.url, method, path, token, body);
}

test(
  'a client on replica A sends; a client on replica B receives it through sync, with the tokens the subnet gave them',
  TIMEOUT,
  async () => {
    const etcd = await startEtcdCluster('messenger');
    const root = mkdtempSync(join(tmpdir(), 'watan-cluster-messenger-'));
    const nodes: RunningNode[] = [];
    try {
      const governance = loadOrCreateSigningKey(join(root, 'governance.key'));
      const names = ['a', 'b'];
      const keys = names.map((name) => {
        mkdirSync(join(root, name), { mode: 0o700 });
        return loadOrCreateSigningKey(dataFiles(join(root, name)).nodeKey);
      });
      const genesis = makeGenesis({
        subnet: 'messenger-cluster',
        jurisdiction: 'PK',
        threshold: 1,
        governance: [{ key: governance, label: 'governance' }],
        nodes: keys.map((key, i) => ({ id: key.id, operator: `op ${i}`, dataCentre: `dc ${i}`, province: 'Punjab', jurisdiction: 'PK' })),
      });
      for (const name of names) {
        const parts = nodeParts({ openRegistration: true, rateLimits: { authPerMinute: 10_000, sendsPer10Seconds: 10_000 } });
        nodes.push(await startClusterNode(root, name, genesis, etcd.endpoints, parts));
      }
      const [a, b] = nodes as [RunningNode, RunningNode];
      const register = async (node: RunningNode, username: string) => {
        const body = { username, password: 'long enough password' };
        const { session } = (await call(node, 'POST', '/register', undefined, body)).body as { session: string };
        const done = await call(node, 'POST', '/register', undefined, { ...body, auth: { type: 'm.login.dummy', session } });
        assert.equal(done.status, 200, JSON.stringify(done.body));
        return done.body as { access_token: string; user_id: string };
      };
      const alice = await register(a, 'alice');
      const bob = await register(b, 'bob');
      const room = await call(a, 'POST', '/createRoom', alice.access_token, { invite: [bob.user_id] });
      assert.equal(room.status, 200, JSON.stringify(room.body));
      const roomId = room.body.room_id as string;
      // Bob's replica may not have applied the invite yet; his join is retried until it has (bounded).
      let joined = await call(b, 'POST', `/rooms/${encodeURIComponent(roomId)}/join`, bob.access_token, {});
      for (let i = 0; i < 100 && joined.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        joined = await call(b, 'POST', `/rooms/${encodeURIComponent(roomId)}/join`, bob.access_token, {});
      }
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
      const first = await call(b, 'GET', '/sync?timeout=0', bob.access_token);
      const since = first.body.next_batch as string;
      const sent = await call(a, 'PUT', `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/txn1`, alice.access_token, {
        msgtype: 'm.text',
        body: 'hello from replica A',
      });
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      let received: unknown;
      let next = since;
      for (let i = 0; i < 20 && !received; i++) {
        const sync = await call(b, 'GET', `/sync?timeout=5000&since=${encodeURIComponent(next)}`, bob.access_token);
        next = sync.body.next_batch as string;
        const timeline =
          (sync.body.rooms as { join?: Record<string, { timeline: { events: { event_id: string; content: { body?: string } }[] } }> })
            ?.join?.[roomId]?.timeline.events ?? [];
        received = timeline.find((event) => event.event_id === sent.body.event_id);
      }
      assert.ok(received, "bob's sync on replica B delivers alice's message sent on replica A");
      assert.equal((received as { content: { body: string } }).content.body, 'hello from replica A');
      // The token replica B issued works on replica A too.
      const whoami = await call(a, 'GET', '/account/whoami', bob.access_token);
      assert.equal(whoami.body.user_id, bob.user_id);
    } finally {
      for (const node of nodes) await node.close();
      await etcd.stop();
      rmSync(root, { recursive: true, force: true });
    }
  },
);
