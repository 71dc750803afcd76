/**
 * User-interactive auth behind a load balancer: the session a client is given on replica A
 * (401 with a session id) is finished on replica B with the password. The open session is
 * in etcd only as a hash of its id and a value sealed by it: neither the id nor the user it
 * belongs to is there in the clear.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunningNode } from '../../src/node/index.ts';
import { connectEtcd } from '../../src/subnet/index.ts';
import { matrixCall } from '../fixtures/messenger-node.ts';
import { PASSWORD, startMessengerReplicas } from '../fixtures/messenger-replicas.ts';

test('a device deletion started on one replica finishes on another', { timeout: 120_000 }, async () => {
  const replicas = await startMessengerReplicas('uia-replicas', 2);
  try {
    const [a, b] = replicas.nodes as [RunningNode, RunningNode];
    const alice = await replicas.register(a, 'alice');
    const phone = await matrixCall(a.url, 'POST', '/login', undefined, {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: 'alice' },
      password: PASSWORD,
    });
    assert.equal(phone.status, 200, JSON.stringify(phone.body));
    const phoneDevice = phone.body.device_id as string;
    await replicas.settle();

    const started = await matrixCall(a.url, 'DELETE', `/devices/${phoneDevice}`, alice.access_token, {});
    assert.equal(started.status, 401, JSON.stringify(started.body));
    const session = started.body.session as string;
    assert.deepEqual(started.body.flows, [{ stages: ['m.login.password'] }]);

    const etcd = await connectEtcd(replicas.etcd.endpoints);
    try {
      const shared = await etcd.getAll().prefix(`/watan/${a.subnet.subnetId}/ephemeral/`).buffers();
      const stored = Object.entries(shared).map(([key, value]) => key + value.toString('latin1'));
      assert.equal(stored.length, 1, 'the open session is shared through etcd');
      for (const clear of [session, alice.user_id, phoneDevice]) {
        assert.ok(!stored.some((entry) => entry.includes(clear)), `etcd does not hold ${clear} in the clear`);
      }
    } finally {
      etcd.close();
    }

    const auth = { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: PASSWORD, session };
    // The session is bound to the request it was given for: another request on B does not pass with it.
    const other = await matrixCall(b.url, 'DELETE', `/devices/${alice.device_id}`, alice.access_token, { auth });
    assert.equal(other.status, 401);
    assert.notEqual(other.body.session, session);
    const finished = await matrixCall(b.url, 'DELETE', `/devices/${phoneDevice}`, alice.access_token, { auth });
    assert.equal(finished.status, 200, JSON.stringify(finished.body));
    // Used once: the same session does not pass a second time, on either replica.
    const reused = await matrixCall(a.url, 'DELETE', `/devices/${phoneDevice}`, alice.access_token, { auth });
    assert.equal(reused.status, 401);
    await replicas.settle();
    for (const node of [a, b]) {
      const whoami = await matrixCall(node.url, 'GET', '/account/whoami', phone.body.access_token as string);
      assert.equal(whoami.status, 401, 'the deleted device is signed out on every replica');
    }
  } finally {
    await replicas.close();
  }
});
