import type { PushRuleset } from './rules.ts';

/**
 * The predefined push rules of the specification (client-server §Push, "Predefined Rules"),
 * transcribed from its definitions; `[the user's Matrix ID]` is the user the rules are for.
 * Content rules are gone from the current specification, so that list is empty.
 */
export function defaultPushRules(userId: string): { global: PushRuleset } {
  const rules: Pick<PushRuleset, 'override' | 'underride'> = {
    override: [
      {
        rule_id: '.m.rule.master',
        default: true,
        enabled: false,
        conditions: [],
        actions: [],
      },
      {
        rule_id: '.m.rule.suppress_notices',
        default: true,
        enabled: true,
        conditions: [
          {
            kind: 'event_match',
            key: 'content.msgtype',
            pattern: 'm.notice',
          },
        ],
        actions: [],
      },
      {
        rule_id: '.m.rule.invite_for_me',
        default: true,
        enabled: true,
        conditions: [
          {
            key: 'type',
            kind: 'event_match',
            pattern: 'm.room.member',
          },
          {
            key: 'content.membership',
            kind: 'event_match',
            pattern: 'invite',
          },
          {
            key: 'state_key',
            kind: 'event_match',
            pattern: userId,
          },
        ],
        actions: [
          'notify',
          {
            set_tweak: 'sound',
            value: 'default',
          },
        ],
      },
      {
        rule_id: '.m.rule.member_event',
        default: true,
        enabled: true,
        conditions: [
          {
            key: 'type',
            kind: 'event_match',
            pattern: 'm.room.member',
          },
        ],
        actions: [],
      },
      {
        rule_id: '.m.rule.is_user_mention',
        default: true,
        enabled: true,
        conditions: [
          {
            kind: 'event_property_contains',
            key: 'content.m\\.mentions.user_ids',
            value: userId,
          },
        ],
        actions: [
          'notify',
          {
            set_tweak: 'sound',
            value: 'default',
          },
          {
            set_tweak: 'highlight',
          },
        ],
      },
      {
        rule_id: '.m.rule.is_room_mention',
        default: true,
        enabled: true,
        conditions: [
          {
            kind: 'event_property_is',
            key: 'content.m\\.mentions.room',
            value: true,
          },
          {
            kind: 'sender_notification_permission',
            key: 'room',
          },
        ],
        actions: [
          'notify',
          {
            set_tweak: 'highlight',
          },
        ],
      },
      {
        rule_id: '.m.rule.tombstone',
        default: true,
        enabled: true,
        conditions: [
          {
            kind: 'event_match',
            key: 'type',
            pattern: 'm.room.tombstone',
          },
          {
            kind: 'event_match',
            key: 'state_key',
            pattern: '',
          },
        ],
        actions: [
          'notify',
          {
            set_tweak: 'highlight',
          },
        ],
      },
      {
        rule_id: '.m.rule.reaction',
        default: true,
        enabled: true,
        conditions: [
          {
            kind: 'event_match',
            key: 'type',
            pattern: 'm.reaction',
          },
        ],
        actions: [],
      },
      {
        rule_id: '.m.rule.room.server_acl',
        default: true,
        enabled: true,
        conditions: [
          {
            kind: 'event_match',
            key: 'type',
            pattern: 'm.room.server_acl',
          },
          {
            kind: 'event_match',
            key: 'state_key',
            pattern: '',
          },
        ],
        actions: [],
      },
      {
        rule_id: '.m.rule.suppress_edits',
        default: true,
        enabled: true,
        conditions: [
          {
            kind: 'event_property_is',
            key: 'content.m\\.relates_to.rel_type',
            value: 'm.replace',
          },
        ],
        actions: [],
      },
    ],
    underride: [
      {
        rule_id: '.m.rule.call',
        default: true,
        enabled: true,
        conditions: [
          {
            key: 'type',
            kind: 'event_match',
            pattern: 'm.call.invite',
          },
        ],
        actions: [
          'notify',
          {
            set_tweak: 'sound',
            value: 'ring',
          },
        ],
      },
      {
        rule_id: '.m.rule.encrypted_room_one_to_one',
        default: true,
        enabled: true,
        conditions: [
          {
            kind: 'room_member_count',
            is: '2',
          },
          {
            kind: 'event_match',
            key: 'type',
            pattern: 'm.room.encrypted',
          },
        ],
        actions: [
          'notify',
          {
            set_tweak: 'sound',
            value: 'default',
          },
        ],
      },
      {
        rule_id: '.m.rule.room_one_to_one',
        default: true,
        enabled: true,
        conditions: [
          {
            kind: 'room_member_count',
            is: '2',
          },
          {
            kind: 'event_match',
            key: 'type',
            pattern: 'm.room.message',
          },
        ],
        actions: [
          'notify',
          {
            set_tweak: 'sound',
            value: 'default',
          },
        ],
      },
      {
        rule_id: '.m.rule.message',
        default: true,
        enabled: true,
        conditions: [
          {
            kind: 'event_match',
            key: 'type',
            pattern: 'm.room.message',
          },
        ],
        actions: ['notify'],
      },
      {
        rule_id: '.m.rule.encrypted',
        default: true,
        enabled: true,
        conditions: [
          {
            kind: 'event_match',
            key: 'type',
            pattern: 'm.room.encrypted',
          },
        ],
        actions: ['notify'],
      },
    ],
  };
  return { global: { override: rules.override, content: [], room: [], sender: [], underride: rules.underride } };
}
