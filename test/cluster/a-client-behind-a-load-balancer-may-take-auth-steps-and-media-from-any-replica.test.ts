import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { nodeParts } from '../../src/cli/composition.ts';
import type { RunningNode } from '../../src/node/index.ts';
import { type EtcdCluster, startEtcdCluster } from '../fixtures/etcd-cluster.ts';
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

let etcd: EtcdCluster;
let root: string;
const nodes: RunningNode[] = [];
before(async () => {
  etcd = await startEtcdCluster('uia');
  root = mkdtempSync(join(tmpdir(), 'watan-cluster-uia-'));
  const { genesis } = clusterGenesis(root, 'uia-cluster', ['a', 'b']);
  for (const name of ['a', 'b']) {
    const parts = nodeParts({ openRegistration: true, rateLimits: { authPerMinute: 10_000, sendsPer10Seconds: 10_000 } });
    nodes.push(await startClusterNode(root, name, genesis, etcd.endpoints, parts));
  }
});
after(async () => {
  for (const node of nodes) await node.close();
  await etcd?.stop();
  rmSync(root, { recursive: true, force: true });
});

test(
  'a client behind a load balancer may take each step of user-interactive auth on another replica: registration and deleting a device',
  TIMEOUT,
  async () => {
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
  },
);

test(
  'media uploaded on one replica is fetched by another from its peer, and kept only if it hashes to the content hash the log holds',
  TIMEOUT,
  async () => {
    const [a, b] = nodes as [RunningNode, RunningNode];
    const registered = await matrixCall(a.url, 'POST', '/register', undefined, {
      username: 'media-owner',
      password: PASSWORD,
      auth: { type: 'm.login.dummy' },
    });
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    const token = registered.body.access_token as string;
    const upload = async (bytes: string) => {
      const response = await fetch(`${a.url}/_matrix/media/v3/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
        body: bytes,
      });
      assert.equal(response.status, 200);
      return ((await response.json()) as { content_uri: string }).content_uri.slice('mxc://'.length);
    };
    const download = async (node: RunningNode, mxc: string) => {
      const get = async () => {
        const response = await fetch(`${node.url}/_matrix/client/v1/media/download/${mxc}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return { status: response.status, text: await response.text() };
      };
      // Until the replica has applied the token and the upload, both are unknown to it (bounded).
      let answer = await get();
      for (let i = 0; i < 100 && (answer.status === 401 || /there is no media/.test(answer.text)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        answer = await get();
      }
      return answer;
    };

    const original = await upload('bytes uploaded on replica A');
    const fetched = await download(b, original);
    assert.equal(fetched.status, 200, fetched.text);
    assert.equal(fetched.text, 'bytes uploaded on replica A');

    // A peer serving other bytes than the log's content hash: replica B refuses them.
    const other = await upload('more bytes uploaded on replica A');
    const sha256 = createHash('sha256').update('more bytes uploaded on replica A').digest('hex');
    writeFileSync(join(root, 'a', 'media', sha256.slice(0, 2), sha256), 'tampered bytes');
    const refused = await download(b, other);
    assert.equal(refused.status, 404, refused.text);
    assert.match(refused.text, /not on this replica, and no peer served them/);

    // The peer endpoint is for member replicas only.
    const anonymous = await fetch(`${a.url}/_watan/v1/replicas/media/${sha256}`);
    assert.equal(anonymous.status, 401, 'an unsigned request names no replica');
    await anonymous.body?.cancel();
  },
);
