import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient, type MatrixClient, type MatrixError } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { errcodeOf, registeredClient } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const dir = mkdtempSync(join(tmpdir(), 'watan-devices-'));
const PASSWORD = 'long enough password';
let node: RunningWatan;

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0']);
});
after(async () => {
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function secondDevice(username: string): Promise<MatrixClient> {
  const login = await createClient({ baseUrl: node.url }).loginWithPassword(username, PASSWORD);
  return createClient({ baseUrl: node.url, userId: login.user_id, accessToken: login.access_token, deviceId: login.device_id });
}

/** Completes the m.login.password stage the way matrix-js-sdk's interactive auth does. */
async function withPassword<T>(call: (auth?: Record<string, unknown>) => Promise<T>, user: string, password = PASSWORD): Promise<T> {
  const challenge = await call().then(
    () => assert.fail('the first request should ask for the password'),
    (error: MatrixError) => {
      assert.equal(error.httpStatus, 401);
      return error.data as { session: string; flows: { stages: string[] }[] };
    },
  );
  assert.deepEqual(challenge.flows, [{ stages: ['m.login.password'] }]);
  return call({ type: 'm.login.password', identifier: { type: 'm.id.user', user }, password, session: challenge.session });
}

test('a user lists, renames and, with the password, deletes their devices', async () => {
  const phone = await registeredClient(node.url, 'farah', PASSWORD);
  const laptop = await secondDevice('farah');
  const { devices } = await phone.getDevices();
  assert.deepEqual(devices.map((d) => d.device_id).sort(), [phone.getDeviceId(), laptop.getDeviceId()].sort());
  await phone.setDeviceDetails(laptop.getDeviceId() as string, { display_name: 'Office laptop' });
  assert.equal((await phone.getDevice(laptop.getDeviceId() as string)).display_name, 'Office laptop');
  const wrong = await phone.deleteDevice(laptop.getDeviceId() as string).catch((e: MatrixError) => e.data as { session: string });
  const refused = await phone
    .deleteDevice(
      laptop.getDeviceId() as string,
      {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: 'farah' },
        password: 'not it at all',
        session: wrong.session,
      } as never,
    )
    .catch((e: MatrixError) => e);
  assert.equal((refused as MatrixError).httpStatus, 401, 'a wrong password repeats the stage');
  await withPassword((auth) => phone.deleteDevice(laptop.getDeviceId() as string, auth as never), 'farah');
  assert.equal(await errcodeOf(laptop.whoami()), 'M_UNKNOWN_TOKEN', 'the deleted device is signed out');
});

test('a new password signs out the other devices and replaces the old one', async () => {
  const phone = await registeredClient(node.url, 'ghazala', PASSWORD);
  const laptop = await secondDevice('ghazala');
  await withPassword((auth) => phone.setPassword(auth as never, 'a brand new password'), 'ghazala');
  assert.equal((await phone.whoami()).user_id, phone.getUserId(), 'this device stays signed in');
  assert.equal(await errcodeOf(laptop.whoami()), 'M_UNKNOWN_TOKEN');
  assert.equal(await errcodeOf(createClient({ baseUrl: node.url }).loginWithPassword('ghazala', PASSWORD)), 'M_FORBIDDEN');
  assert.ok((await createClient({ baseUrl: node.url }).loginWithPassword('ghazala', 'a brand new password')).access_token);
});

test('a deactivated account cannot sign in again, and its name is never given out again', async () => {
  const client = await registeredClient(node.url, 'hina', PASSWORD);
  await withPassword((auth) => client.deactivateAccount(auth as never), 'hina');
  assert.equal(await errcodeOf(client.whoami()), 'M_UNKNOWN_TOKEN');
  assert.equal(await errcodeOf(createClient({ baseUrl: node.url }).loginWithPassword('hina', PASSWORD)), 'M_FORBIDDEN');
  assert.equal(await createClient({ baseUrl: node.url }).isUsernameAvailable('hina'), false);
});

test('a known path asked with the wrong method is 405, an unknown one 404', async () => {
  const wrongMethod = await fetch(`${node.url}/_matrix/client/v3/account/whoami`, { method: 'POST' });
  assert.equal(wrongMethod.status, 405);
  assert.equal(((await wrongMethod.json()) as { errcode: string }).errcode, 'M_UNRECOGNIZED');
  assert.match(wrongMethod.headers.get('allow') ?? '', /GET/);
  assert.equal((await fetch(`${node.url}/_matrix/client/v3/no/such/thing`)).status, 404);
});
