/**
 * Room version 11 auth rules 9.5–9.9: what a user may change when replacing the room's
 * power levels event. "Added, changed or removed" compares the two events' contents as
 * written, not with defaults filled in: writing `"ban": 50` where `ban` was absent is an
 * addition even though the default is also 50.
 */
import { integerEntries, isPowerLevel, ownValue, POWER_LEVEL_NAMES } from './power-levels.ts';

type Content = Readonly<Record<string, unknown>>;

/**
 * Why `sender`, whose current level is `senderLevel`, may not replace the power levels
 * `previous` with `next`, or undefined when they may. `next` has passed rules 9.1–9.3.
 */
export function powerLevelsChangeProblem(previous: Content, next: Content, sender: string, senderLevel: number): string | undefined {
  const who = `${sender} has power level ${senderLevel}`;

  // 9.5: the named levels.
  for (const name of POWER_LEVEL_NAMES) {
    const before = integerOrUndefined(ownValue(previous, name));
    const after = integerOrUndefined(ownValue(next, name));
    if (before === after) continue;
    if (before !== undefined && before > senderLevel) return `${who} and cannot change ${name}, which is ${before}`;
    if (after !== undefined && after > senderLevel) return `${who} and cannot set ${name} to ${after}`;
  }

  for (const property of ['events', 'notifications'] as const) {
    const before = integerEntries(ownValue(previous, property));
    const after = integerEntries(ownValue(next, property));
    const keys = unionSorted(before, after);
    // 9.6: entries changed or removed.
    for (const key of keys) {
      const old = before.get(key);
      if (old !== undefined && old !== after.get(key) && old > senderLevel) {
        return `${who} and cannot change ${property}.${key}, which is ${old}`;
      }
    }
    // 9.7: entries added or changed.
    for (const key of keys) {
      const value = after.get(key);
      if (value !== undefined && value !== before.get(key) && value > senderLevel) {
        return `${who} and cannot set ${property}.${key} to ${value}`;
      }
    }
  }

  const before = integerEntries(ownValue(previous, 'users'));
  const after = integerEntries(ownValue(next, 'users'));
  const users = unionSorted(before, after);
  // 9.8: users changed or removed, other than the sender: only those below the sender.
  for (const userId of users) {
    const old = before.get(userId);
    if (userId !== sender && old !== undefined && old !== after.get(userId) && old >= senderLevel) {
      return `${who} and cannot change the power level of ${userId}, who has ${old}`;
    }
  }
  // 9.9: users added or changed: never above the sender.
  for (const userId of users) {
    const value = after.get(userId);
    if (value !== undefined && value !== before.get(userId) && value > senderLevel) {
      return `${who} and cannot give ${userId} power level ${value}`;
    }
  }
  return undefined;
}

function integerOrUndefined(value: unknown): number | undefined {
  return isPowerLevel(value) ? value : undefined;
}

/** Every key of either map, sorted, so the first problem reported never depends on key order. */
function unionSorted(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort();
}
