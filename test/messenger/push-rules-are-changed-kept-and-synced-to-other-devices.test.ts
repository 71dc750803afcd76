import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  ConditionKind,
  createClient,
  type IEventMatchCondition,
  type IPushRules,
  type MatrixClient,
  PushRuleActionName,
  PushRuleKind,
} from 'matrix-js-sdk';
import { type RunningWatan, startWatan } from '../cli/run-watan.ts';
import { errcodeOf, registeredClient, startSyncing, unrefSdkSyncTimers, until } from '../fixtures/matrix-clients.ts';
import { checkResponsesAgainstSpec } from '../fixtures/spec-conformance.ts';

checkResponsesAgainstSpec();

unrefSdkSyncTimers();
const dir = mkdtempSync(join(tmpdir(), 'watan-push-rules-'));
const START = ['--dev', '--data', dir, '--port', '0', '--auth-rate-limit', '1000'];
let node: RunningWatan;
const running: MatrixClient[] = [];

before(async () => {
  node = await startWatan(START);
});
after(async () => {
  for (const client of running) client.stopClient();
  await node.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** The user's second device: signed in with the same password, as another phone would. */
async function secondDevice(username: string): Promise<MatrixClient> {
  const login = await createClient({ baseUrl: node.url }).loginWithPassword(username, 'long enough password');
  const client = createClient({ baseUrl: node.url, userId: login.user_id, accessToken: login.access_token, deviceId: login.device_id });
  running.push(client);
  return client;
}

const ids = (rules: { rule_id: string }[] | undefined) => (rules ?? []).map((rule) => rule.rule_id);

test('a keyword rule added, disabled and given new actions on one device is read back and reaches the other through sync', async () => {
  const phone = await registeredClient(node.url, 'amna');
  const laptop = await secondDevice('amna');
  await startSyncing(laptop);
  assert.ok(
    ids(laptop.pushRules?.global.override).includes('.m.rule.master'),
    'the initial sync carries the default ruleset as m.push_rules',
  );

  await phone.addPushRule('global', PushRuleKind.ContentSpecific, 'cricket', { pattern: 'cricket', actions: [PushRuleActionName.Notify] });
  const added = (await phone.getPushRules()).global.content?.find((rule) => rule.rule_id === 'cricket');
  assert.deepEqual(added, { rule_id: 'cricket', default: false, enabled: true, pattern: 'cricket', actions: [PushRuleActionName.Notify] });

  await phone.setPushRuleEnabled('global', PushRuleKind.ContentSpecific, 'cricket', false);
  await phone.setPushRuleActions('global', PushRuleKind.ContentSpecific, 'cricket', [
    PushRuleActionName.Notify,
    { set_tweak: 'highlight' } as never,
  ]);
  const path = '/pushrules/global/content/cricket';
  assert.deepEqual(await phone.http.authedRequest('GET' as never, `${path}/enabled`), { enabled: false });
  assert.deepEqual(await phone.http.authedRequest('GET' as never, `${path}/actions`), { actions: ['notify', { set_tweak: 'highlight' }] });

  const seen = await until('the changed rule on the laptop', () => {
    const rule = laptop.pushRules?.global.content?.find((candidate) => candidate.rule_id === 'cricket');
    return rule && !rule.enabled && rule.actions.length === 2 ? rule : undefined;
  });
  assert.deepEqual(seen.actions, ['notify', { set_tweak: 'highlight' }]);
  assert.equal(
    (laptop.getAccountData('m.push_rules' as never)?.getContent() as IPushRules | undefined)?.global.content?.[0]?.rule_id,
    'cricket',
    'the laptop learned it as m.push_rules account data',
  );

  await phone.deletePushRule('global', PushRuleKind.ContentSpecific, 'cricket');
  await until('the deletion on the laptop', () => !ids(laptop.pushRules?.global.content).includes('cricket'));
  assert.equal(await errcodeOf(phone.http.authedRequest('GET' as never, path)), 'M_NOT_FOUND');
});

test('rules keep the order before and after ask for, behind the master rule and ahead of the defaults', async () => {
  const client = await registeredClient(node.url, 'bilal');
  const conditions = (type: string): IEventMatchCondition[] => [{ kind: ConditionKind.EventMatch, key: 'type', pattern: type }];
  await client.addPushRule('global', PushRuleKind.Override, 'one', {
    actions: [PushRuleActionName.Notify],
    conditions: conditions('org.one'),
  });
  await client.addPushRule('global', PushRuleKind.Override, 'two', {
    actions: [PushRuleActionName.Notify],
    conditions: conditions('org.two'),
  });
  await client.http.authedRequest('PUT' as never, '/pushrules/global/override/three', { after: 'two' }, { actions: [], conditions: [] });
  await client.http.authedRequest('PUT' as never, '/pushrules/global/override/four', { before: 'one' }, { actions: [] });
  const override = ids((await client.getPushRules()).global.override);
  assert.deepEqual(override.slice(0, 5), ['.m.rule.master', 'two', 'three', 'four', 'one']);
  assert.equal(override[5], '.m.rule.suppress_notices');

  // Replacing a rule keeps its place and its enabled flag; placing it moves it.
  await client.setPushRuleEnabled('global', PushRuleKind.Override, 'three', false);
  await client.http.authedRequest('PUT' as never, '/pushrules/global/override/three', undefined, {
    actions: [PushRuleActionName.Notify],
    conditions: [],
  });
  const three = (await client.http.authedRequest('GET' as never, '/pushrules/global/override/three')) as { enabled: boolean };
  assert.equal(three.enabled, false);
  await client.http.authedRequest('PUT' as never, '/pushrules/global/override/three', { after: 'one' }, { actions: [] });
  assert.deepEqual(ids((await client.getPushRules()).global.override).slice(1, 5), ['two', 'four', 'one', 'three']);
});

test('bad kinds, reserved ids and malformed rules are refused with the Matrix errors the specification names', async () => {
  const client = await registeredClient(node.url, 'chand');
  const put = (path: string, body: unknown, query?: Record<string, string>) =>
    errcodeOf(client.http.authedRequest('PUT' as never, path, query, body as never));
  const get = (path: string) => errcodeOf(client.http.authedRequest('GET' as never, path));
  const del = (path: string) => errcodeOf(client.http.authedRequest('DELETE' as never, path));
  assert.equal(await get('/pushrules/global/sideways/x'), 'M_INVALID_PARAM', 'an unknown kind');
  assert.equal(await get('/pushrules/global/override/nothing-here'), 'M_NOT_FOUND');
  assert.equal(await get('/pushrules/global/override/.m.rule.message'), 'M_NOT_FOUND', 'a default rule of another kind');
  assert.equal(await put('/pushrules/global/override/.m.rule.mine', { actions: [] }), 'M_INVALID_PARAM', 'ids with a dot are the server’s');
  assert.equal(await put('/pushrules/global/override/a%2Fb', { actions: [] }), 'M_INVALID_PARAM', 'a slash in the id');
  assert.equal(await put('/pushrules/global/room/not-a-room', { actions: [] }), 'M_INVALID_PARAM', 'a room rule names its room');
  assert.equal(
    await put('/pushrules/global/content/nopattern', { actions: [PushRuleActionName.Notify] }),
    'M_BAD_JSON',
    'a content rule needs a pattern',
  );
  assert.equal(await put('/pushrules/global/override/x', { actions: ['ring_the_bell'] }), 'M_BAD_JSON', 'an unknown action');
  assert.equal(await put('/pushrules/global/override/x', { actions: [{ value: 1 }] }), 'M_BAD_JSON', 'an action object without set_tweak');
  assert.equal(
    await put('/pushrules/global/override/x', { actions: [], conditions: [{ kind: 'event_match', key: 'type' }] }),
    'M_BAD_JSON',
    'event_match without a pattern',
  );
  assert.equal(
    await put('/pushrules/global/override/x', { actions: [], conditions: [{ kind: 'room_member_count', is: 'many' }] }),
    'M_BAD_JSON',
  );
  assert.equal(await put('/pushrules/global/override/x', { conditions: [] }), 'M_BAD_JSON', 'actions are required');
  assert.equal(await put('/pushrules/global/override/x', { actions: [] }, { before: 'missing' }), 'M_INVALID_PARAM');
  assert.equal(await put('/pushrules/global/override/x', { actions: [] }, { after: '.m.rule.master' }), 'M_INVALID_PARAM');
  assert.equal(await del('/pushrules/global/override/.m.rule.master'), 'M_INVALID_PARAM', 'a default rule cannot be deleted');
  assert.equal(await del('/pushrules/global/override/.m.rule.nonexistent'), 'M_NOT_FOUND');
  assert.equal(await del('/pushrules/global/override/never-made'), 'M_NOT_FOUND');
  assert.equal(await put('/pushrules/global/override/never-made/enabled', { enabled: true }), 'M_NOT_FOUND');
  assert.equal(await put('/pushrules/global/override/.m.rule.master/enabled', { enabled: 'yes' }), 'M_BAD_JSON');
  assert.equal(await put('/pushrules/global/underride/.m.rule.message/actions', { actions: 'notify' }), 'M_BAD_JSON');
  // Unknown condition kinds are kept: the specification has them never match.
  assert.equal(await put('/pushrules/global/override/future', { actions: [], conditions: [{ kind: 'org.example.someday' }] }), undefined);
  // Read without the SDK, which adds default rules of its own to what it is given.
  const stored = (await client.http.authedRequest('GET' as never, '/pushrules/global/')) as IPushRules['global'];
  assert.deepEqual(ids(stored.override).slice(0, 2), ['.m.rule.master', 'future'], 'nothing refused was stored');
  assert.equal(stored.override?.length, 11);
});

test('a disabled default rule and its new actions survive a restart', async () => {
  const client = await registeredClient(node.url, 'dua');
  await client.setPushRuleEnabled('global', PushRuleKind.Underride, '.m.rule.message', false);
  await client.setPushRuleActions('global', PushRuleKind.Override, '.m.rule.invite_for_me', [PushRuleActionName.Notify]);
  await node.stop('SIGTERM');
  node = await startWatan(START);
  const again = createClient({ baseUrl: node.url, userId: client.getUserId() as string, accessToken: client.getAccessToken() as string });
  const rules = (await again.getPushRules()).global;
  const message = rules.underride?.find((rule) => rule.rule_id === '.m.rule.message');
  assert.deepEqual(message && { enabled: message.enabled, default: message.default }, { enabled: false, default: true });
  assert.deepEqual(rules.override?.find((rule) => rule.rule_id === '.m.rule.invite_for_me')?.actions, ['notify']);
  assert.equal(
    ids(rules.underride).indexOf('.m.rule.message'),
    ids(rules.underride).length - 2,
    'a changed default keeps its place among the defaults',
  );
  // The same ruleset is the user's m.push_rules account data.
  const accountData = (await again.getAccountDataFromServer('m.push_rules' as never)) as unknown as IPushRules;
  assert.equal(accountData.global.underride?.find((rule) => rule.rule_id === '.m.rule.message')?.enabled, false);
});
