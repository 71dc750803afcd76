import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeParts } from '../../src/cli/composition.ts';
import type { RunningNode } from '../../src/node/index.ts';
import { startEtcdCluster } from '../fixtures/etcd-cluster.ts';
import { clusterGenesis, startClusterNode } from '../fixtures/etcd-replicas.ts';
import { matrixCall } from '../fixtures/messenger-node.ts';

const TIMEOUT = { timeout: 300_000 };
const PASSWORD = 'long enough password';

/** Calls until the answer is not `M_UNKNOWN_TOKEN` (the replica has not yet applied the token's login), bounded. */
async function once(node: RunningNode, method: string, path: string, token: string, body?: unknown) {
  let answer = await matrixCall(node.url, method, path, token, body);
  for (let i = 0; i < 100 && answer.body.errcode === 'M_UNKNOWN_TOKEN'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    answer = await matrixCall(node.url, method, path, token, body);
  }
  return answer;
}

test(
  'a client behind a load balancer may take each step of user-interactive auth on another replica: registration and deleting a device',
  TIMEOUT,
  async () => {
    const etcd = await startEtcdCluster('uia');
    const root = mkdtempSync(join(tmpdir(), 'watan-cluster-uia-'));
    const nodes: RunningNode[] = [];
    try {
      const { genesis } = clusterGenesis(root, 'uia-cluster', ['a', 'b']);
      for (const name of ['a', 'b']) {
        const parts = nodeParts({ openRegistration: true, rateLimits: { authPerMinute: 10_000, sendsPer10Seconds: 10_000 } });
        nodes.push(await startClusterNode(root, name, genesis, etcd.endpoints, parts));
      }
      const [a, b] = nodes as [RunningNode, RunningNode];

      // Registration: the session replica A opened completes on replica B.
      const body = { username: 'zainab', password: PASSWORD };
      const started = await matrixCall(a.url, 'POST', '/register', undefined, body);
      assert.equal(started.status, 401);
      const session = started.body.session as string;
      const forged = `${session.split('.')[0]}.${'A'.repeat(86)}`;
      const refused = await matrixCall(b.url, 'POST', '/register', undefined, {
        ...body,
        auth: { type: 'm.login.dummy', session: forged },
      });
      assert.equal(refused.status, 401, 'a session no replica signed is not one');
      const done = await matrixCall(b.url, 'POST', '/register', undefined, { ...body, auth: { type: 'm.login.dummy', session } });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      const { access_token: token, user_id: userId } = done.body as { access_token: string; user_id: string };

      // A second device, deleted with a session opened on A and the password given on B.
      const login = await matrixCall(b.url, 'POST', '/login', undefined, {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: 'zainab' },
        password: PASSWORD,
      });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const device = login.body.device_id as string;
      const challenge = await once(a, 'DELETE', `/devices/${device}`, token, {});
      assert.equal(challenge.status, 401, JSON.stringify(challenge.body));
      const auth = { type: 'm.login.password', identifier: { type: 'm.id.user', user: userId }, password: PASSWORD };
      const wrongCall = await once(b, 'POST', '/delete_devices', token, {
        devices: [device],
        auth: { ...auth, session: challenge.body.session },
      });
      assert.equal(wrongCall.status, 401, 'a session opened for one call does not pass another, on any replica');
      const deleted = await once(b, 'DELETE', `/devices/${device}`, token, { auth: { ...auth, session: challenge.body.session } });
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      let gone = await once(a, 'GET', `/devices/${device}`, token);
      for (let i = 0; i < 100 && gone.status === 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        gone = await once(a, 'GET', `/devices/${device}`, token);
      }
      assert.equal(gone.status, 404, 'replica A applied the deletion too');
    } finally {
      for (const node of nodes) await node.close();
      await etcd.stop();
      rmSync(root, { recursive: true, force: true });
    }
  },
);
