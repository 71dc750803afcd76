import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globMatches, globMatchesWords } from '../../src/messenger/events/index.ts';
import { eventMatcher } from '../../src/messenger/filter/index.ts';
import { defaultPushRules, notificationOf, type PushRuleset, pushActions } from '../../src/messenger/push/index.ts';

const PUSH = { questionMark: true, ignoreCase: true };
const FILTER = { questionMark: false, ignoreCase: false };

test('* matches any run, ? exactly one character (a whole one, even outside the BMP), over the whole value', () => {
  assert.equal(globMatches('lunc?*', 'Lunch plans', PUSH), true);
  assert.equal(globMatches('lunc?*', 'lunc', PUSH), false);
  assert.equal(globMatches('a?c', 'a😀c', PUSH), true, 'one character, not one code unit');
  assert.equal(globMatches('*', '', PUSH), true);
  assert.equal(globMatches('a*b*c', 'abc', PUSH), true);
  assert.equal(globMatches('a*b*c', 'acb', PUSH), false);
  assert.equal(globMatches('*.message', 'm.room.message', FILTER), true);
  assert.equal(globMatches('m.room.?', 'm.room.x', FILTER), false, 'in filters ? is itself');
  assert.equal(globMatches('M.ROOM.*', 'm.room.message', FILTER), false, 'filters are case-sensitive');
});

test('word-bounded matching finds the pattern anywhere it starts and ends at a word boundary', () => {
  assert.equal(globMatchesWords('ex*ple', 'An example event.', PUSH), true);
  assert.equal(globMatchesWords('ex*ple', 'An exciting triple-whammy', PUSH), true);
  assert.equal(globMatchesWords('ex*ple', 'examples', PUSH), false);
  assert.equal(globMatchesWords('tea', 'steady tea', PUSH), true, 'a later occurrence counts when an earlier one is inside a word');
  assert.equal(globMatchesWords('*ple', 'sample text', PUSH), true);
  assert.equal(globMatchesWords('ex*', 'next', PUSH), false);
});

test('many stars against a long value are decided without backtracking, so a rule cannot stall the server', { timeout: 10_000 }, () => {
  const body = 'a'.repeat(60_000);
  assert.equal(globMatchesWords('*a*a*a*a*a*a*a*a*a*a*b', body, PUSH), false);
  assert.equal(globMatches('*a*a*a*a*a*a*a*a*a*a*b', body, PUSH), false);
  assert.equal(globMatches('*a*a*a*b', `${'a'.repeat(5000)}b`, PUSH), true);
  const alice = '@alice:localhost';
  const rules: PushRuleset = {
    ...defaultPushRules(alice).global,
    content: [
      { rule_id: 'stall', default: false, enabled: true, pattern: '*a*a*a*a*a*b', actions: ['notify', { set_tweak: 'highlight' }] },
    ],
  };
  const event = {
    type: 'm.room.message',
    sender: '@bob:localhost',
    room_id: '!r:localhost',
    content: { msgtype: 'm.text', body: 'a'.repeat(3000) },
  };
  const context = { userId: alice, displayName: () => undefined, memberCount: () => 3, senderMayNotify: () => true };
  assert.equal(notificationOf(pushActions(rules, event, context)).highlight, false);
  const types = eventMatcher({ types: ['*a*a*a*a*a*a*a*a*a*a*b'] });
  assert.equal(types({ type: 'a'.repeat(255) }), false);
});

test('a pattern without wildcards (most push rules) matches exactly at word boundaries, astral characters and case included', () => {
  const values = [
    'Call @room now',
    '@roomy is not @room',
    'hi ALICE!',
    'alice_b',
    'ålice',
    '😀alice😀',
    'x😀alice',
    'malice',
    'alice',
    '',
    'm.room.message',
  ];
  for (const pattern of ['@room', 'alice', 'ALICE', 'm.room.message', 'm.notice']) {
    for (const value of values) {
      assert.equal(
        globMatchesWords(pattern, value, PUSH),
        new RegExp(`(?:^|[^A-Za-z0-9_])${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:$|[^A-Za-z0-9_])`, 'iu').test(value),
        `${pattern} in ${JSON.stringify(value)}`,
      );
      assert.equal(globMatches(pattern, value, PUSH), value.toLowerCase() === pattern.toLowerCase());
    }
  }
  assert.equal(globMatches('m.room.message', 'M.Room.Message', FILTER), false, 'case counts where the options say so');
});
