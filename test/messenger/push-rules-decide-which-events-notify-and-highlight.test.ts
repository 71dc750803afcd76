import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defaultPushRules,
  notificationOf,
  type PushContext,
  type PushEvent,
  type PushRuleset,
  pushActions,
} from '../../src/messenger/push/index.ts';

const alice = '@alice:localhost';
const defaults = defaultPushRules(alice).global;
const room = '!room:localhost';

function context(overrides: Partial<PushContext> = {}): PushContext {
  return { userId: alice, displayName: () => 'Alice Khan', memberCount: () => 10, senderMayNotify: () => true, ...overrides };
}

function message(content: Record<string, unknown>, extra: Partial<PushEvent> = {}): PushEvent {
  return {
    type: 'm.room.message',
    sender: '@bob:localhost',
    room_id: room,
    content: { msgtype: 'm.text', ...content },
    ...extra,
  } as PushEvent;
}

const outcome = (event: PushEvent, ctx = context(), rules: PushRuleset = defaults) => notificationOf(pushActions(rules, event, ctx));

/** A ruleset holding one override rule and the defaults after it. */
function withOverride(conditions: Record<string, unknown>[]): PushRuleset {
  return {
    ...defaults,
    override: [{ rule_id: 'test', default: false, enabled: true, conditions: conditions as never, actions: ['notify'] }],
  };
}

test('with the default rules, a message in a group room notifies without highlighting', () => {
  assert.deepEqual(outcome(message({ body: 'hello' })), { notify: true, highlight: false });
});

test('one’s own events never notify', () => {
  assert.deepEqual(outcome(message({ body: 'hello' }, { sender: alice })), { notify: false, highlight: false });
});

test('notices are suppressed by .m.rule.suppress_notices', () => {
  assert.deepEqual(outcome(message({ body: 'bot says', msgtype: 'm.notice' })), { notify: false, highlight: false });
});

test('a mention in m.mentions highlights; an @room mention highlights only a sender with the power to notify the room', () => {
  assert.deepEqual(outcome(message({ body: 'hey', 'm.mentions': { user_ids: [alice] } })), { notify: true, highlight: true });
  assert.deepEqual(outcome(message({ body: 'hey', 'm.mentions': { user_ids: ['@carol:localhost'] } })), { notify: true, highlight: false });
  const everyone = message({ body: 'all', 'm.mentions': { room: true } });
  assert.deepEqual(outcome(everyone), { notify: true, highlight: true });
  assert.deepEqual(outcome(everyone, context({ senderMayNotify: () => false })), { notify: true, highlight: false });
});

test('an invite for the reader notifies; someone else’s invite does not', () => {
  const invite = (target: string): PushEvent => ({
    type: 'm.room.member',
    sender: '@bob:localhost',
    room_id: room,
    state_key: target,
    content: { membership: 'invite' },
  });
  assert.equal(outcome(invite(alice)).notify, true);
  assert.equal(outcome(invite('@carol:localhost')).notify, false);
});

test('event_match: the specification’s content.topic example, case-insensitive over the whole value', () => {
  const rules = withOverride([{ kind: 'event_match', key: 'content.topic', pattern: 'lunc?*' }]);
  const topic = (value: unknown) =>
    outcome(
      { type: 'm.room.topic', sender: '@bob:localhost', room_id: room, state_key: '', content: { topic: value } } as PushEvent,
      context(),
      rules,
    );
  assert.equal(topic('Lunch plans').notify, true);
  assert.equal(topic('LUNCH').notify, true);
  assert.equal(topic(' lunch').notify, false, 'a leading space is not matched');
  assert.equal(topic('lunc').notify, false, '? must match a character');
  assert.equal(topic(null).notify, false, 'a value that is not a string never matches');
});

test('event_match on content.body matches at word boundaries: the specification’s ex*ple example', () => {
  const rules = { ...withOverride([{ kind: 'event_match', key: 'content.body', pattern: 'ex*ple' }]), underride: [] };
  const body = (text: string) => outcome(message({ body: text }), context(), rules).notify;
  assert.equal(body('An example event.'), true);
  assert.equal(body('exple'), true);
  assert.equal(body('An exciting triple-whammy'), true);
  assert.equal(body('Anexample'), false, 'must start at a word boundary');
  assert.equal(body('examples'), false, 'must end at a word boundary');
});

test('event_property_is compares exactly, without casting: the specification’s m.federate example', () => {
  const rules = { ...withOverride([{ kind: 'event_property_is', key: 'content.m\\.federate', value: true }]), underride: [] };
  const create = (federate: unknown) =>
    outcome(
      { type: 'm.room.create', sender: '@bob:localhost', room_id: room, state_key: '', content: { 'm.federate': federate } } as PushEvent,
      context(),
      rules,
    ).notify;
  assert.equal(create(true), true);
  assert.equal(create('true'), false);
  assert.equal(create(1), false);
});

test('event_property_contains needs the exact value in an array: the specification’s alt_aliases example', () => {
  const rules = {
    ...withOverride([{ kind: 'event_property_contains', key: 'content.alt_aliases', value: '#myroom:example.com' }]),
    underride: [],
  };
  const aliases = (value: unknown) =>
    outcome(
      {
        type: 'm.room.canonical_alias',
        sender: '@bob:localhost',
        room_id: room,
        state_key: '',
        content: { alt_aliases: value },
      } as PushEvent,
      context(),
      rules,
    ).notify;
  assert.equal(aliases(['#somewhere:example.org', '#myroom:example.com']), true);
  assert.equal(aliases([':example.com']), false);
  assert.equal(aliases('#myroom:example.com'), false, 'not an array');
});

test('room_member_count reads ==, <, >, <=, >= and a bare number; the default one-to-one rule uses it', () => {
  const count = (is: string, members: number) =>
    outcome(message({ body: 'x' }), context({ memberCount: () => members }), {
      ...withOverride([{ kind: 'room_member_count', is }]),
      underride: [],
    }).notify;
  assert.equal(count('2', 2), true);
  assert.equal(count('==2', 3), false);
  assert.equal(count('<3', 2), true);
  assert.equal(count('>3', 3), false);
  assert.equal(count('>=3', 3), true);
  assert.equal(count('<=1', 2), false);
  assert.equal(count('two', 2), false, 'an unreadable count never matches');
  const oneToOne = pushActions(defaults, message({ body: 'hi' }), context({ memberCount: () => 2 }));
  assert.ok(
    oneToOne?.some((action) => typeof action === 'object' && action.set_tweak === 'sound'),
    'direct messages ring',
  );
});

test('contains_display_name matches the reader’s name as words in the body', () => {
  const rules = { ...withOverride([{ kind: 'contains_display_name' }]), underride: [] };
  assert.equal(outcome(message({ body: 'ask alice khan about it' }), context(), rules).notify, true);
  assert.equal(outcome(message({ body: 'ask AliceKhan about it' }), context(), rules).notify, false);
  assert.equal(outcome(message({ body: 'anything' }), context({ displayName: () => undefined }), rules).notify, false);
});

test('an unknown condition never matches, and a disabled rule is passed over', () => {
  assert.equal(
    outcome(message({ body: 'x' }), context(), { ...withOverride([{ kind: 'org.example.unknown' }]), underride: [] }).notify,
    false,
  );
  const disabledMaster = pushActions(defaults, message({ body: 'x' }), context());
  assert.ok(disabledMaster?.includes('notify'), '.m.rule.master is disabled by default');
  const master = {
    ...defaults,
    override: defaults.override.map((rule) => (rule.rule_id === '.m.rule.master' ? { ...rule, enabled: true } : rule)),
  };
  assert.equal(outcome(message({ body: 'x' }), context(), master).notify, false, 'an enabled master rule silences everything');
});

test('room and sender rules apply by their rule id; content rules by their pattern', () => {
  const rules: PushRuleset = {
    ...defaults,
    room: [{ rule_id: room, default: false, enabled: true, actions: [] }],
    sender: [{ rule_id: '@bob:localhost', default: false, enabled: true, actions: ['notify', { set_tweak: 'highlight' }] }],
  };
  assert.equal(outcome(message({ body: 'x' }), context(), rules).notify, false, 'the room rule comes before the sender rule');
  assert.equal(outcome(message({ body: 'x' }, { room_id: '!other:localhost' }), context(), rules).highlight, true);
  const content: PushRuleset = {
    ...defaults,
    content: [
      { rule_id: 'tea', default: false, enabled: true, pattern: 'tea', actions: ['notify', { set_tweak: 'highlight', value: true }] },
    ],
  };
  assert.equal(outcome(message({ body: "It's time for tea" }), context(), content).highlight, true);
  assert.equal(outcome(message({ body: 'steady' }), context(), content).highlight, false);
});
