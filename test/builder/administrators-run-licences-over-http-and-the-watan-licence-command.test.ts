import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MatrixClient } from 'matrix-js-sdk';
import { setUpIdentity } from '../../src/cli/commands/identity-setup.ts';
import { nodeParts } from '../../src/cli/composition.ts';
import { createLogger, type RunningNode, startNode } from '../../src/node/index.ts';
import { dataFiles, newCommandId } from '../../src/subnet/index.ts';
import { runWatan } from '../cli/run-watan.ts';
import { quietSdkLogs, registeredClient } from '../fixtures/matrix-clients.ts';
import { signedInClient, ssoSignIn } from '../identity/sso.ts';

const AYESHA = { cnic: '42101-0000001-1', pin: '1111' };
const BILAL = { cnic: '42101-0000002-2', pin: '2222' };
const SANA_OFFICIAL = { cnic: '61101-0000005-5', pin: '5555' };

/** A small spec with the roles applicant and officer. */
function passportOffice() {
  const label = { en: 'Passport Office', ur: 'پاسپورٹ دفتر' };
  return {
    specVersion: 1,
    slug: 'passport-office',
    name: label,
    roles: [
      { name: 'applicant', label },
      { name: 'officer', label },
    ],
    entities: [{ name: 'visit', label, fields: [{ name: 'day', label, type: 'date' }] }],
    permissions: [{ role: 'applicant', entity: 'visit', actions: ['create', 'read'] }],
  };
}

async function signIn(baseUrl: string, person: { cnic: string; pin: string }): Promise<MatrixClient> {
  const outcome = await ssoSignIn(baseUrl, person);
  assert.ok('loginToken' in outcome, JSON.stringify(outcome));
  return signedInClient(baseUrl, outcome.loginToken);
}

describe('licence administrators work over HTTP and with `watan licence`; owners manage members', { timeout: 300_000 }, () => {
  let dir: string;
  let node: RunningNode;
  let closeProvider: (() => Promise<void>) | undefined;
  let governanceKey: string;
  let admin: MatrixClient;
  let official: MatrixClient;
  let citizen: MatrixClient;
  let plain: MatrixClient;
  let adminTokenFile: string;

  const call = async (method: string, path: string, client?: MatrixClient, body?: unknown) => {
    const response = await fetch(`${node.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(client ? { authorization: `Bearer ${client.getAccessToken()}` } : {}),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const watan = (...args: string[]) => runWatan(['licence', ...args, '--url', node.url]);
  const idOf = (client: MatrixClient) => client.getUserId() as string;

  before(async () => {
    quietSdkLogs();
    dir = await mkdtemp(join(tmpdir(), 'watan-licence-http-'));
    const identity = await setUpIdentity({}, { dataDir: dir, host: '127.0.0.1', port: 0, dev: true });
    closeProvider = identity.provider ? () => identity.provider?.close() as Promise<void> : undefined;
    node = await startNode({
      dataDir: dir,
      port: identity.port,
      host: '127.0.0.1',
      serverName: 'localhost',
      dev: true,
      facts: { operator: 'test', dataCentre: 'test', province: 'Punjab', jurisdiction: 'PK' },
      logger: createLogger({ level: 'silent' }),
      parts: [
        ...nodeParts({
          openRegistration: true,
          rateLimits: { authPerMinute: 10_000, sendsPer10Seconds: 10_000 },
          ...(identity.config ? { identity: identity.config } : {}),
        }),
      ],
    });
    governanceKey = dataFiles(dir).governanceKey;
    admin = await signIn(node.url, AYESHA);
    official = await signIn(node.url, SANA_OFFICIAL);
    citizen = await signIn(node.url, BILAL);
    plain = await registeredClient(node.url, 'password-person');
    adminTokenFile = join(dir, 'admin.token');
    await writeFile(adminTokenFile, admin.getAccessToken() as string, { mode: 0o600 });
  });

  after(async () => {
    await node?.close();
    await closeProvider?.();
    await rm(dir, { recursive: true, force: true });
  });

  test('governance appoints an administrator with `watan licence admin`; approvals signed elsewhere count, forged ones do not', async () => {
    const forgedFile = join(dir, 'forged.json');
    const signed = await watan('admin', '--appoint', idOf(admin), '--governance-key-file', governanceKey, '--sign-only');
    assert.equal(signed.code, 0, signed.stderr);
    const approvals = JSON.parse(signed.stdout) as { key: string; signature: string }[];
    assert.equal(approvals.length, 1);
    // The holder's signature, presented for another person, proves nothing.
    await writeFile(forgedFile, JSON.stringify(approvals));
    const forged = await watan('admin', '--appoint', idOf(citizen), '--approvals', forgedFile);
    assert.equal(forged.code, 1);
    assert.match(forged.stderr, /403 APPROVALS_INSUFFICIENT/);

    const approvalsFile = join(dir, 'approvals.json');
    await writeFile(approvalsFile, signed.stdout);
    const appointed = await watan('admin', '--appoint', idOf(admin), '--approvals', approvalsFile);
    assert.equal(appointed.code, 0, appointed.stderr);
    const admins = await call('GET', '/_watan/v1/licences/admins', citizen);
    assert.deepEqual(
      (admins.body.admins as { userId: string }[]).map((a) => a.userId),
      [idOf(admin)],
    );
  });

  test('`watan licence pool` shows 1,500 licences and governance resizes a sector', async () => {
    const shown = await watan('pool');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /total 1500 licences/);
    const resized = await watan(
      'pool',
      '--sector',
      'startups',
      '--size',
      '1',
      '--apps-per-licence',
      '2',
      '--governance-key-file',
      governanceKey,
    );
    assert.equal(resized.code, 0, resized.stderr);
    const pool = await call('GET', '/_watan/v1/licences/pool');
    const startups = (pool.body.sectors as { sector: string; size: number; appsPerLicence: number }[]).find((s) => s.sector === 'startups');
    assert.deepEqual([startups?.size, startups?.appsPerLicence], [1, 2]);
  });

  test('the licence routes check who asks and answer bad input with the node’s own errors', async () => {
    assert.equal(
      (await call('POST', '/_watan/v1/licences', undefined, { user_id: idOf(official), sector: 'government' })).body.errcode,
      'UNAUTHENTICATED',
    );
    const byCitizen = await call('POST', '/_watan/v1/licences', citizen, { user_id: idOf(official), sector: 'government' });
    assert.deepEqual([byCitizen.status, byCitizen.body.errcode], [403, 'FORBIDDEN']);
    const toUnverified = await call('POST', '/_watan/v1/licences', admin, { user_id: idOf(plain), sector: 'government' });
    assert.deepEqual([toUnverified.status, toUnverified.body.errcode], [403, 'NOT_VERIFIED']);
    const badSector = await call('POST', '/_watan/v1/licences', admin, { user_id: idOf(official), sector: 'military' });
    assert.deepEqual([badSector.status, badSector.body.errcode], [400, 'INVALID_ARGS']);
    const notJson = await call('POST', '/_watan/v1/licences', admin, '{"user_id":');
    assert.deepEqual([notJson.status, notJson.body.errcode], [400, 'NOT_JSON']);
    const extra = await call('POST', '/_watan/v1/licences/1/revoke', admin, { reason: 'x', also: 1 });
    assert.deepEqual([extra.status, extra.body.errcode], [400, 'INVALID_ARGS']);
    assert.equal((await call('GET', '/_watan/v1/licences', citizen)).body.errcode, 'FORBIDDEN');
  });

  test('an administrator assigns with `watan licence assign`; the startups sector runs out', async () => {
    const assigned = await watan('assign', '--user', idOf(official), '--sector', 'government', '--token-file', adminTokenFile);
    assert.equal(assigned.code, 0, assigned.stderr);
    assert.match(assigned.stdout, /licence 1 \(government\) assigned to/);
    const founder = await watan('assign', '--user', idOf(citizen), '--sector', 'startups', '--token-file', adminTokenFile);
    assert.equal(founder.code, 0, founder.stderr);
    const exhausted = await call('POST', '/_watan/v1/licences', admin, { user_id: idOf(admin), sector: 'startups' });
    assert.deepEqual([exhausted.status, exhausted.body.errcode], [409, 'POOL_EXHAUSTED']);
    const own = await call('GET', `/_watan/v1/licences/holders/${encodeURIComponent(idOf(official))}`, official);
    assert.equal((own.body.licences as { sector: string }[])[0]?.sector, 'government');
    const others = await call('GET', `/_watan/v1/licences/holders/${encodeURIComponent(idOf(official))}`, citizen);
    assert.equal(others.body.errcode, 'FORBIDDEN');
  });

  test('the owner manages co-builders and members of an app over HTTP', async () => {
    // The engine installs the official's app and records its spec's roles.
    const result = await node.subnet.submit({
      id: newCommandId(),
      app: 'builder',
      method: 'app_deploy',
      args: { spec: passportOffice() },
      caller: idOf(official),
    });
    assert.ok(result.ok, JSON.stringify(result));
    const base = '/_watan/v1/apps/passport-office';
    const plainRole = `${base}/members/${encodeURIComponent(idOf(plain))}/roles/applicant`;
    assert.equal((await call('PUT', plainRole, citizen)).body.errcode, 'FORBIDDEN');
    assert.equal((await call('PUT', plainRole, official)).status, 200);
    assert.equal(
      (await call('PUT', `${base}/members/${encodeURIComponent(idOf(plain))}/roles/chief`, official)).body.errcode,
      'UNKNOWN_ROLE',
    );
    assert.deepEqual((await call('GET', `${base}/members/me`, plain)).body.roles, ['applicant']);
    const listed = await call('GET', `${base}/members`, official);
    assert.deepEqual(listed.body.roles, ['applicant', 'officer']);
    assert.deepEqual(
      (listed.body.members as { userId: string; roles: string[] }[]).map((m) => [m.userId, m.roles]),
      [[idOf(plain), ['applicant']]],
    );
    assert.equal((await call('GET', `${base}/members`, plain)).body.errcode, 'FORBIDDEN');

    const cobuilder = `${base}/builders/${encodeURIComponent(idOf(citizen))}`;
    assert.equal((await call('PUT', cobuilder, citizen)).body.errcode, 'FORBIDDEN');
    assert.equal((await call('PUT', cobuilder, official)).status, 200);
    const changes = await call('GET', `${base}/changes`, citizen);
    assert.deepEqual(
      (changes.body.changes as { userId: string; what: string }[]).map((c) => [c.userId, c.what]),
      [
        [idOf(official), 'created the app'],
        [idOf(official), 'version 1: installed the app'],
        [idOf(official), `gave ${idOf(plain)} the role applicant`],
        [idOf(official), `added ${idOf(citizen)} as a builder`],
      ],
    );
    assert.equal((await call('DELETE', `${base}/members/${encodeURIComponent(idOf(plain))}`, official)).status, 200);
    assert.deepEqual((await call('GET', `${base}/members/me`, plain)).body.roles, []);
    assert.equal((await call('GET', '/_watan/v1/apps/no-such-app/members', official)).body.errcode, 'NOT_FOUND');
  });

  test('`watan licence revoke` stops the holder deploying, and `watan licence audit` shows an intact trail', async () => {
    const revoked = await watan('revoke', '--licence', '1', '--reason', 'transferred to another ministry', '--token-file', adminTokenFile);
    assert.equal(revoked.code, 0, revoked.stderr);
    const deploy = await node.subnet.submit({
      id: newCommandId(),
      app: 'builder',
      method: 'app_deploy',
      args: { spec: { ...passportOffice(), name: { en: 'Passport Office 2', ur: 'پاسپورٹ دفتر ۲' } } },
      caller: idOf(official),
    });
    assert.equal(!deploy.ok && deploy.error.code, 'NOT_LICENSED');
    const audit = await watan('audit', '--token-file', adminTokenFile);
    assert.equal(audit.code, 0, audit.stderr);
    assert.match(audit.stderr, /audit trail intact: 6 entries/);
    const lines = audit.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));
    assert.deepEqual(
      lines.map((fields) => [fields[2], fields[3]]),
      [
        ['governance', 'admin_appointed'],
        ['governance', 'pool_set'],
        [idOf(admin), 'licence_assigned'],
        [idOf(admin), 'licence_assigned'],
        [idOf(official), 'app_created'],
        [idOf(admin), 'licence_revoked'],
      ],
    );
    const list = await watan('list', '--token-file', adminTokenFile);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^1\tgovernment\t.*revoked .* transferred to another ministry$/m);
  });

  test('governance dismisses the administrator with `watan licence admin --dismiss`, who can then assign no more', async () => {
    const dismissed = await watan('admin', '--dismiss', idOf(admin), '--governance-key-file', governanceKey);
    assert.equal(dismissed.code, 0, dismissed.stderr);
    const refused = await call('POST', '/_watan/v1/licences', admin, { user_id: idOf(admin), sector: 'academia' });
    assert.deepEqual([refused.status, refused.body.errcode], [403, 'FORBIDDEN']);
    const admins = await call('GET', '/_watan/v1/licences/admins', admin);
    assert.deepEqual(admins.body.admins, []);
  });
});
