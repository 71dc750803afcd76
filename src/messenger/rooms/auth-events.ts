/**
 * Auth events selection (server-server API §Auth events selection, Matrix 1.16 wording): the
 * state events an event's `auth_events` must name, because they are what gives the sender
 * permission to send it.
 */
import { type AuthEvent, type RoomState, stateEvent, stateMapKey } from './auth-event.ts';

/** The part of an event that decides its auth events; an event still being built has it. */
export type EventDraft = Pick<AuthEvent, 'type' | 'state_key' | 'sender' | 'content'>;

export type StateSlot = { readonly type: string; readonly state_key: string };

/**
 * The (type, state key) pairs whose current state events authorise `event`, in a fixed
 * order and without repeats. `m.room.create` has none; room version 11 selects the create
 * event for every other event.
 */
export function authEventSlots(event: EventDraft): StateSlot[] {
  if (event.type === 'm.room.create') return [];
  const slots: StateSlot[] = [
    { type: 'm.room.create', state_key: '' },
    { type: 'm.room.power_levels', state_key: '' },
    { type: 'm.room.member', state_key: event.sender },
  ];
  if (event.type === 'm.room.member' && event.state_key !== undefined) {
    slots.push({ type: 'm.room.member', state_key: event.state_key });
    const membership = event.content.membership;
    if (membership === 'join' || membership === 'invite' || membership === 'knock') {
      slots.push({ type: 'm.room.join_rules', state_key: '' });
    }
    const token = thirdPartyInviteToken(event.content);
    if (membership === 'invite' && token !== undefined) {
      slots.push({ type: 'm.room.third_party_invite', state_key: token });
    }
    const authoriser = event.content.join_authorised_via_users_server;
    if (membership === 'join' && typeof authoriser === 'string') {
      slots.push({ type: 'm.room.member', state_key: authoriser });
    }
  }
  return withoutRepeats(slots);
}

/**
 * The current state events `event` must name in its `auth_events`, in the order of
 * `authEventSlots`: those slots the room has an event in. Put their ids in `auth_events`.
 */
export function authEventsFor(event: EventDraft, state: RoomState): AuthEvent[] {
  const events: AuthEvent[] = [];
  for (const slot of authEventSlots(event)) {
    const found = stateEvent(state, slot.type, slot.state_key);
    if (found !== undefined) events.push(found);
  }
  return events;
}

/** `content.third_party_invite.signed.token` of a membership event, when it is a string. */
export function thirdPartyInviteToken(content: Readonly<Record<string, unknown>>): string | undefined {
  const invite = content.third_party_invite;
  if (typeof invite !== 'object' || invite === null) return undefined;
  const signed = (invite as Record<string, unknown>).signed;
  if (typeof signed !== 'object' || signed === null) return undefined;
  const token = (signed as Record<string, unknown>).token;
  return typeof token === 'string' ? token : undefined;
}

function withoutRepeats(slots: StateSlot[]): StateSlot[] {
  const seen = new Set<string>();
  return slots.filter((slot) => {
    const key = stateMapKey(slot.type, slot.state_key);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
