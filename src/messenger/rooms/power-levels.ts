/**
 * Reading `m.room.power_levels` with the specification's defaults (event schema
 * `m.room.power_levels`), and the shape checks of room version 11 auth rules 9.1–9.3: from
 * room version 10 on, every level is a JSON integer, never a string or a float.
 */
import { type AuthEvent, isUserId } from './auth-event.ts';

/** The single-number levels a power levels event holds, by their names in `content`. */
export type PowerLevelName = 'users_default' | 'events_default' | 'state_default' | 'ban' | 'kick' | 'redact' | 'invite';

/** In the order rule 9.5 names them, which is also the order problems are reported in. */
export const POWER_LEVEL_NAMES: readonly PowerLevelName[] = [
  'users_default',
  'events_default',
  'state_default',
  'ban',
  'redact',
  'kick',
  'invite',
];

/** The value of each level when the power levels event leaves it out, or the room has none. */
export const POWER_LEVEL_DEFAULTS: Readonly<Record<PowerLevelName, number>> = {
  users_default: 0,
  events_default: 0,
  state_default: 50,
  ban: 50,
  kick: 50,
  redact: 50,
  invite: 0,
};

/**
 * The notification level when `notifications` leaves a key out. The specification defines
 * one key, `room` (for `@room`), and gives it 50; other keys get the same.
 */
export const NOTIFICATION_LEVEL_DEFAULT = 50;

/** Room versions 1–11: while a room has no power levels event, its creator has this level. */
export const CREATOR_LEVEL_WITHOUT_POWER_LEVELS = 100;

/** A room's power levels with every default filled in. */
export type PowerLevels = Readonly<Record<PowerLevelName, number>> & {
  readonly users: ReadonlyMap<string, number>;
  readonly events: ReadonlyMap<string, number>;
  readonly notifications: ReadonlyMap<string, number>;
};

/**
 * A power level: a JSON integer in canonical JSON's range, -(2^53)+1 to 2^53-1. Strings such
 * as `"50"`, which older room versions accepted, are not.
 */
export function isPowerLevel(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

/**
 * The room's power levels, from its `m.room.power_levels` event (if any) and its
 * `m.room.create` event (whose sender is the room creator in room version 11). A value that
 * is not an integer is read as absent; such an event cannot have passed rule 9, so this only
 * matters for state that never went through the rules.
 */
export function readPowerLevels(powerLevels: AuthEvent | undefined, create: AuthEvent | undefined): PowerLevels {
  if (powerLevels === undefined) {
    const users = new Map<string, number>();
    if (create !== undefined) users.set(create.sender, CREATOR_LEVEL_WITHOUT_POWER_LEVELS);
    return { ...POWER_LEVEL_DEFAULTS, users, events: new Map(), notifications: new Map() };
  }
  const content = powerLevels.content;
  const named = { ...POWER_LEVEL_DEFAULTS };
  for (const name of POWER_LEVEL_NAMES) {
    const value = ownValue(content, name);
    if (isPowerLevel(value)) named[name] = value;
  }
  return {
    ...named,
    users: integerEntries(ownValue(content, 'users')),
    events: integerEntries(ownValue(content, 'events')),
    notifications: integerEntries(ownValue(content, 'notifications')),
  };
}

/** A user's power level: their entry in `users`, else `users_default`. */
export function userLevel(levels: PowerLevels, userId: string): number {
  return levels.users.get(userId) ?? levels.users_default;
}

/**
 * The level needed to send an event of this type: its entry in `events`, else
 * `state_default` for a state event (one with a state key) or `events_default` for any other.
 */
export function requiredLevel(levels: PowerLevels, eventType: string, isStateEvent: boolean): number {
  return levels.events.get(eventType) ?? (isStateEvent ? levels.state_default : levels.events_default);
}

/** The level needed to trigger a notification of this key (`room` for `@room`). */
export function notificationLevel(levels: PowerLevels, key: string): number {
  return levels.notifications.get(key) ?? NOTIFICATION_LEVEL_DEFAULT;
}

/**
 * Why a power levels event's content breaks rules 9.1–9.3, or undefined when it does not.
 * A missing `users` is allowed: the rule constrains the property's shape when present.
 */
export function powerLevelsContentProblem(content: Readonly<Record<string, unknown>>): string | undefined {
  for (const name of POWER_LEVEL_NAMES) {
    if (!Object.hasOwn(content, name)) continue;
    const value = content[name];
    if (!isPowerLevel(value)) return `the power level ${name} must be an integer, but it is ${describe(value)}`;
  }
  for (const property of ['events', 'notifications'] as const) {
    if (!Object.hasOwn(content, property)) continue;
    const value = content[property];
    if (!isPlainObject(value)) return `${property} in the power levels must be an object of integers, but it is ${describe(value)}`;
    for (const key of Object.keys(value).sort()) {
      if (!isPowerLevel(value[key])) return `${property}.${key} in the power levels must be an integer, but it is ${describe(value[key])}`;
    }
  }
  if (Object.hasOwn(content, 'users')) {
    const users = content.users;
    if (!isPlainObject(users)) return `users in the power levels must be an object of user IDs to integers, but it is ${describe(users)}`;
    for (const userId of Object.keys(users).sort()) {
      if (!isUserId(userId)) return `users in the power levels lists ${JSON.stringify(userId)}, which is not a valid user ID`;
      if (!isPowerLevel(users[userId])) return `the power level of ${userId} must be an integer, but it is ${describe(users[userId])}`;
    }
  }
  return undefined;
}

/** The integer-valued entries of an object; anything else reads as no entries. */
export function integerEntries(value: unknown): Map<string, number> {
  const entries = new Map<string, number>();
  if (!isPlainObject(value)) return entries;
  for (const [key, level] of Object.entries(value)) {
    if (isPowerLevel(level)) entries.set(key, level);
  }
  return entries;
}

/** A property the content itself holds, never one inherited from Object.prototype. */
export function ownValue(content: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(content, key) ? content[key] : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : String(value);
}
