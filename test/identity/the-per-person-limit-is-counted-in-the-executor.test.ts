import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { messengerApp } from '../../src/messenger/index.ts';
import { coreApps, newCommandId, Subnet } from '../../src/subnet/index.ts';

let dir: string;
let subnet: Subnet;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'watan-bindings-'));
  subnet = await Subnet.open({ dataDir: dir, apps: [...coreApps, messengerApp] });
});

after(async () => {
  await subnet.close();
  await rm(dir, { recursive: true, force: true });
});

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');

function bind(person: string, options: { limit: number; existing?: 'sign_in' | 'refuse' }) {
  return subnet.submit({
    id: newCommandId(),
    app: 'messenger',
    method: 'register_verified',
    args: {
      person_hash: hashOf(person),
      server_name: 'localhost',
      via: 'oidc',
      minimum_age: 18,
      accounts_per_person: options.limit,
      existing: options.existing ?? 'refuse',
    },
    caller: 'anonymous',
  });
}

test('a limit of two lets a person hold two accounts and refuses the third, saying the limit', async () => {
  const first = await bind('person-a', { limit: 2 });
  const second = await bind('person-a', { limit: 2 });
  assert.ok(first.ok && second.ok);
  assert.notEqual((first.value as { user_id: string }).user_id, (second.value as { user_id: string }).user_id);
  const third = await bind('person-a', { limit: 2 });
  assert.equal(third.ok, false);
  assert.match(third.ok ? '' : third.error.message, /already has 2 verified accounts and the policy allows 2 per person/);
});

test('signing in finds the person’s first account instead of making another', async () => {
  const made = await bind('person-b', { limit: 1 });
  const again = await bind('person-b', { limit: 1, existing: 'sign_in' });
  assert.ok(made.ok && again.ok);
  assert.deepEqual(again.value, { user_id: (made.value as { user_id: string }).user_id, created: false });
});

test('a revoked binding no longer counts, and the person binds a new account', async () => {
  const made = await bind('person-c', { limit: 1 });
  assert.ok(made.ok);
  const userId = (made.value as { user_id: string }).user_id;
  const revoked = await subnet.submit({
    id: newCommandId(),
    app: 'messenger',
    method: 'revoke_binding',
    args: { user_id: userId },
    caller: '@admin:localhost',
  });
  assert.ok(revoked.ok);
  assert.equal(subnet.query('messenger', 'verified_attestation', { user_id: userId }, 'test'), null);
  const rebound = await bind('person-c', { limit: 1, existing: 'sign_in' });
  assert.ok(rebound.ok);
  assert.notEqual((rebound.value as { user_id: string }).user_id, userId);
});

test('a person hash that is not a hash is refused: nothing else can stand for a person', async () => {
  const refused = await subnet.submit({
    id: newCommandId(),
    app: 'messenger',
    method: 'register_verified',
    args: {
      person_hash: '42101-0000001-1',
      server_name: 'localhost',
      via: 'oidc',
      minimum_age: 18,
      accounts_per_person: 1,
      existing: 'refuse',
    },
    caller: 'anonymous',
  });
  assert.equal(refused.ok, false);
});
