import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PresenceStore } from '../../src/messenger/presence.ts';

function storeWithClock() {
  const clock = { now: 1_000 };
  const store = new PresenceStore({ now: () => clock.now, offlineAfterMs: 30_000 });
  const announced: string[][] = [];
  store.subscribe((userIds) => announced.push([...userIds]));
  return { clock, store, announced };
}

test('a user is online while syncing and for the grace period after, then offline without any timer', () => {
  const { clock, store } = storeWithClock();
  assert.equal(store.contentOf('@amna:x').presence, 'offline', 'a user never seen is offline');
  const ended = store.syncStarted('@amna:x', 'PHONE');
  clock.now += 60_000;
  assert.equal(store.contentOf('@amna:x').presence, 'online', 'a long-poll in progress keeps its user online');
  ended();
  clock.now += 29_000;
  assert.deepEqual(store.contentOf('@amna:x'), { presence: 'online', last_active_ago: 89_000, currently_active: true });
  clock.now += 2_000;
  assert.equal(store.contentOf('@amna:x').presence, 'offline');
});

test('only transitions take a serial and wake listeners; a sync that keeps someone online does not', () => {
  const { clock, store, announced } = storeWithClock();
  store.syncStarted('@bilal:x', 'PHONE')();
  const afterOnline = store.position;
  assert.deepEqual(announced, [['@bilal:x']]);
  for (let i = 0; i < 5; i += 1) {
    clock.now += 1_000;
    store.syncStarted('@bilal:x', 'PHONE')();
  }
  assert.equal(store.position, afterOnline, 'repeated syncs change nothing');
  assert.deepEqual(store.changedSince(afterOnline), []);
  store.set('@bilal:x', 'PHONE', 'online', 'at lunch');
  assert.deepEqual(store.changedSince(afterOnline), ['@bilal:x'], 'a new status is a change');
  assert.equal(announced.length, 2);
  const afterStatus = store.position;
  clock.now += 31_000;
  assert.deepEqual(store.changedSince(afterStatus), ['@bilal:x'], 'going offline is noticed on the next read');
  assert.deepEqual(announced.at(-1), ['@bilal:x']);
});

test('set_presence on sync: offline leaves presence alone, unavailable marks the device idle', () => {
  const { store } = storeWithClock();
  store.syncStarted('@chand:x', 'PHONE', 'offline')();
  assert.equal(store.contentOf('@chand:x').presence, 'offline', 'a client syncing with set_presence=offline is not marked online');
  store.syncStarted('@chand:x', 'PHONE', 'unavailable')();
  assert.equal(store.contentOf('@chand:x').presence, 'unavailable');
  store.syncStarted('@chand:x', 'PHONE', 'online')();
  assert.equal(store.contentOf('@chand:x').presence, 'online');
  store.syncStarted('@chand:x', 'LAPTOP', 'unavailable')();
  assert.equal(store.contentOf('@chand:x').presence, 'online', 'an idle laptop does not hide an active phone');
  store.syncStarted('@chand:x', 'PHONE', 'unavailable')();
  assert.equal(store.contentOf('@chand:x').presence, 'unavailable', 'once every device is idle, so is the user');
});

test('setting offline from the only device takes the user offline at once, even mid-sync', () => {
  const { store } = storeWithClock();
  const ended = store.syncStarted('@gul:x', 'PHONE');
  store.set('@gul:x', 'PHONE', 'offline', undefined);
  assert.equal(store.contentOf('@gul:x').presence, 'offline');
  ended();
  assert.equal(store.contentOf('@gul:x').presence, 'offline');
  store.syncStarted('@gul:x', 'PHONE')();
  assert.equal(store.contentOf('@gul:x').presence, 'online', 'the next ordinary sync brings them back');
});

test('a new client is told of users online or with a status, not of everyone ever seen', () => {
  const { clock, store } = storeWithClock();
  store.syncStarted('@dua:x', 'PHONE')();
  store.set('@ehsan:x', 'PHONE', 'offline', 'on leave until Monday');
  store.syncStarted('@fahad:x', 'PHONE')();
  clock.now += 31_000;
  store.syncStarted('@dua:x', 'PHONE')();
  assert.deepEqual(store.changedSince(undefined).sort(), ['@dua:x', '@ehsan:x']);
  assert.equal(store.contentOf('@ehsan:x').status_msg, 'on leave until Monday');
});

test('what changed since a token stays right after thousands of changes, when superseded ones are dropped', () => {
  const { store } = storeWithClock();
  store.set('@quiet:x', 'PHONE', 'online', undefined);
  const afterQuiet = store.position;
  // One user changing status again and again: far more entries than the journal keeps.
  for (let i = 0; i < 3_000; i += 1) store.set('@busy:x', 'PHONE', 'online', `status ${i}`);
  const late = store.position;
  store.set('@late:x', 'PHONE', 'online', undefined);
  assert.deepEqual(store.changedSince(0).sort(), ['@busy:x', '@late:x', '@quiet:x']);
  assert.deepEqual(store.changedSince(afterQuiet).sort(), ['@busy:x', '@late:x']);
  assert.deepEqual(store.changedSince(late), ['@late:x']);
  assert.deepEqual(store.changedSince(store.position), []);
});
