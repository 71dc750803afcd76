import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient, type MatrixClient, type MatrixError } from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { errcodeOf } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

const dir = mkdtempSync(join(tmpdir(), 'watan-accounts-'));
const PASSWORD = 'correct horse battery staple';
const secrets: string[] = [PASSWORD];
let node: RunningWatan;

before(async () => {
  node = await startWatan(['--dev', '--data', dir, '--port', '0']);
});
after(async () => {
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** Registration as Element and matrix-js-sdk do it: ask, get the flows, complete the dummy stage. */
async function register(username: string): Promise<{ user_id: string; access_token: string; device_id: string }> {
  const client = createClient({ baseUrl: node.url });
  const flows = await client.registerRequest({ username, password: PASSWORD }).then(
    () => assert.fail('the first request should ask for user-interactive auth'),
    (error: MatrixError) => {
      assert.equal(error.httpStatus, 401);
      return error.data as { session: string; flows: { stages: string[] }[] };
    },
  );
  assert.deepEqual(flows.flows, [{ stages: ['m.login.dummy'] }]);
  const response = await client.registerRequest({ username, password: PASSWORD, auth: { type: 'm.login.dummy', session: flows.session } });
  assert.ok(response.access_token && response.device_id);
  secrets.push(response.access_token);
  return response as { user_id: string; access_token: string; device_id: string };
}

function clientFor(session: { user_id: string; access_token: string; device_id: string }): MatrixClient {
  return createClient({ baseUrl: node.url, userId: session.user_id, accessToken: session.access_token, deviceId: session.device_id });
}

test('matrix-js-sdk finds the server and registers an account through user-interactive auth', async () => {
  const versions = await createClient({ baseUrl: node.url }).getVersions();
  assert.ok(versions.versions.includes('v1.1'));
  const alice = await register('Alice');
  assert.match(alice.user_id, /^@alice:localhost$/, 'usernames map to lower-case localparts');
  const whoami = await clientFor(alice).whoami();
  assert.equal(whoami.user_id, alice.user_id);
  assert.equal(whoami.device_id, alice.device_id);
});

test('a taken username is refused, and availability says so', async () => {
  await register('bob');
  const anonymous = createClient({ baseUrl: node.url });
  assert.equal(await anonymous.isUsernameAvailable('bob'), false, 'the SDK reads M_USER_IN_USE as "not available"');
  assert.equal(await anonymous.isUsernameAvailable('carol'), true);
  const again = (await anonymous.registerRequest({ username: 'bob', password: PASSWORD }).catch((e: MatrixError) => e.data)) as {
    session: string;
  };
  assert.equal(
    await errcodeOf(
      anonymous.registerRequest({ username: 'bob', password: PASSWORD, auth: { type: 'm.login.dummy', session: again.session } }),
    ),
    'M_USER_IN_USE',
  );
});

test('signing in with a password opens a new device; a wrong password or unknown user is refused alike', async () => {
  await register('dana');
  const client = createClient({ baseUrl: node.url });
  const login = await client.loginWithPassword('dana', PASSWORD);
  secrets.push(login.access_token);
  assert.equal(login.user_id, '@dana:localhost');
  const whoami = await clientFor(login).whoami();
  assert.equal(whoami.device_id, login.device_id);
  assert.equal(await errcodeOf(createClient({ baseUrl: node.url }).loginWithPassword('dana', 'wrong password!')), 'M_FORBIDDEN');
  assert.equal(await errcodeOf(createClient({ baseUrl: node.url }).loginWithPassword('nobody', PASSWORD)), 'M_FORBIDDEN');
});

test('logging out ends the session: its token is refused afterwards', async () => {
  const erin = await register('erin');
  const client = clientFor(erin);
  await client.logout();
  assert.equal(await errcodeOf(clientFor(erin).whoami()), 'M_UNKNOWN_TOKEN');
  assert.equal(await errcodeOf(createClient({ baseUrl: node.url }).whoami()), 'M_MISSING_TOKEN');
});

test('accounts and sessions survive a restart of the node', async () => {
  const frank = await register('frank');
  await node.stop('SIGTERM');
  node = await startWatan(['--dev', '--data', dir, '--port', '0']);
  assert.equal((await clientFor(frank).whoami()).user_id, frank.user_id);
  const login = await createClient({ baseUrl: node.url }).loginWithPassword('frank', PASSWORD);
  secrets.push(login.access_token);
});

test('no password or access token is stored anywhere in the data folder', async () => {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const name = join(entry.parentPath, entry.name);
    const bytes = readFileSync(name);
    for (const secret of secrets) assert.equal(bytes.includes(secret), false, `${name} holds a secret`);
  }
});
