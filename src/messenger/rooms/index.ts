/** Rooms: the authorisation rules of room version 11 and what they read. */
export { type AuthEvent, isUserId, membershipIn, type RoomState, serverNameOf, stateEvent, stateMapKey } from './auth-event.ts';
export { authEventSlots, authEventsFor, type EventDraft, type StateSlot } from './auth-events.ts';
export { authorize, SUPPORTED_ROOM_VERSIONS } from './auth-rules.ts';
export { joinRuleOf } from './membership-rules.ts';
export {
  CREATOR_LEVEL_WITHOUT_POWER_LEVELS,
  isPowerLevel,
  NOTIFICATION_LEVEL_DEFAULT,
  notificationLevel,
  POWER_LEVEL_DEFAULTS,
  POWER_LEVEL_NAMES,
  type PowerLevelName,
  type PowerLevels,
  powerLevelsContentProblem,
  readPowerLevels,
  requiredLevel,
  userLevel,
} from './power-levels.ts';
export { ALLOWED, type AuthVerdict, refused } from './verdict.ts';
