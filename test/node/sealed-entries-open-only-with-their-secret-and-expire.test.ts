/**
 * The short-lived shared store's sealed entries (what user-interactive auth sessions and
 * sign-in confirmations are kept as): found and opened only with the secret that sealed them,
 * for their own kind, unaltered; taken once; gone, and announced gone, when they expire.
 * Run on the memory store a node alone uses; the etcd store is proven by the cluster tests.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type EphemeralChange, MemoryEphemeralStore, SealedEntries } from '../../src/node/index.ts';

test('a sealed entry opens only with its secret, for its kind, unaltered, and is taken once', async () => {
  const store = new MemoryEphemeralStore();
  const raw: EphemeralChange[] = [];
  store.watch('', (change) => raw.push(change));
  const sessions = new SealedEntries<{ userId: string }>(store, 'uia-session');
  const secret = randomBytes(16).toString('base64url');
  await sessions.put(secret, { userId: '@ayesha:localhost' }, 60_000);
  assert.deepEqual(await sessions.get(secret), { userId: '@ayesha:localhost' });
  assert.equal(await sessions.get(randomBytes(16).toString('base64url')), undefined);
  assert.equal(await new SealedEntries(store, 'sign-in-confirmation').get(secret), undefined, 'another kind does not open it');

  const [stored] = raw;
  assert.ok(stored?.value);
  assert.ok(!stored.key.includes(secret) && !stored.value.toString('latin1').includes(secret), 'the secret is not in the store');
  assert.ok(!stored.value.toString('latin1').includes('ayesha'), 'the value is sealed');
  const altered = Buffer.from(stored.value);
  altered[altered.length - 20] = (altered[altered.length - 20] as number) ^ 1;
  await store.put(stored.key, altered, 60_000);
  assert.equal(await sessions.get(secret), undefined, 'altered bytes do not open');

  await sessions.put(secret, { userId: '@ayesha:localhost' }, 60_000);
  assert.deepEqual(await sessions.take(secret), { userId: '@ayesha:localhost' });
  assert.equal(await sessions.take(secret), undefined, 'taken once');
  await store.close();
});

test('an entry expires on its own, and its watchers hear it go', async () => {
  const store = new MemoryEphemeralStore();
  const changes: EphemeralChange[] = [];
  store.watch('typing/', (change) => changes.push(change));
  await store.put('typing/!room/@ayesha', Buffer.alloc(0), 30);
  await store.put('other/key', Buffer.alloc(0), 30);
  await sleep(100);
  assert.equal(await store.get('typing/!room/@ayesha'), undefined);
  assert.deepEqual(
    changes.map((change) => [change.key, change.value === undefined ? 'gone' : 'there']),
    [
      ['typing/!room/@ayesha', 'there'],
      ['typing/!room/@ayesha', 'gone'],
    ],
  );
  assert.ok((changes[1]?.revision ?? 0) > (changes[0]?.revision ?? 0), 'revisions grow');
  await store.close();
});
