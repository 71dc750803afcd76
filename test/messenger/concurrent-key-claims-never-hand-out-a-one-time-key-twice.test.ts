/**
 * One-time keys uploaded by matrix-js-sdk's Rust crypto, claimed by 20 requests at once
 * against `watan start`: every claim gets a different key. Once none are left, claims get
 * the device's fallback key, and the device's sync says its fallback key was used.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registeredClient, startSyncing, until, withRustCrypto } from '../fixtures/matrix-clients.ts';
import { watanForClients } from '../fixtures/watan-for-clients.ts';

const watan = watanForClients('claims');
const { clients } = watan;

async function post(path: string, token: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${watan.node.url}/_matrix/client/v3${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

type Claimed = { one_time_keys: Record<string, Record<string, Record<string, { key: string; fallback?: boolean }>>> };

test('20 concurrent claims for one device get 20 different one-time keys, then the fallback key', async () => {
  const alice = await withRustCrypto(await registeredClient(watan.node.url, 'alice'));
  clients.push(alice);
  await startSyncing(alice);
  const aliceToken = alice.getAccessToken() as string;
  const uploaded = await until('alice’s one-time keys on the server', async () => {
    const counts = (await post('/keys/upload', aliceToken, {})).body.one_time_key_counts as Record<string, number>;
    return (counts.signed_curve25519 ?? 0) >= 20 ? (counts.signed_curve25519 as number) : undefined;
  });
  // Stopped, alice's client will not upload more keys while they are claimed.
  alice.stopClient();

  const bob = await registeredClient(watan.node.url, 'bob');
  const bobToken = bob.getAccessToken() as string;
  const userId = alice.getSafeUserId();
  const deviceId = alice.getDeviceId() as string;
  const claim = () => post('/keys/claim', bobToken, { one_time_keys: { [userId]: { [deviceId]: 'signed_curve25519' } } });
  const keysOf = (answers: { body: Record<string, unknown> }[]) =>
    answers.map((answer) => Object.entries((answer.body as Claimed).one_time_keys[userId]?.[deviceId] ?? {})[0]);

  const first = keysOf(await Promise.all(Array.from({ length: 20 }, claim)));
  assert.equal(first.length, 20);
  assert.ok(
    first.every((entry) => entry !== undefined && !entry[1].fallback),
    'each claim got a one-time key',
  );
  assert.equal(new Set(first.map((entry) => entry?.[0])).size, 20, 'no key id was handed out twice');
  assert.equal(new Set(first.map((entry) => entry?.[1].key)).size, 20, 'no key was handed out twice');

  // The rest, and more: each remaining one-time key once, then the fallback key for everyone else.
  const rest = keysOf(await Promise.all(Array.from({ length: uploaded - 20 + 5 }, claim)));
  const oneTime = rest.filter((entry) => entry !== undefined && !entry[1].fallback);
  const fallback = rest.filter((entry) => entry?.[1].fallback === true);
  assert.equal(oneTime.length, uploaded - 20);
  assert.equal(new Set([...first, ...oneTime].map((entry) => entry?.[0])).size, uploaded, 'every one-time key given out exactly once');
  assert.equal(fallback.length, 5);
  assert.equal(new Set(fallback.map((entry) => entry?.[0])).size, 1, 'the fallback key is not consumed');

  const sync = await fetch(`${watan.node.url}/_matrix/client/v3/sync`, { headers: { authorization: `Bearer ${aliceToken}` } });
  const synced = (await sync.json()) as { device_one_time_keys_count: Record<string, number>; device_unused_fallback_key_types: string[] };
  assert.equal(synced.device_one_time_keys_count.signed_curve25519 ?? 0, 0);
  assert.deepEqual(synced.device_unused_fallback_key_types, [], 'the device learns its fallback key was used');
});
