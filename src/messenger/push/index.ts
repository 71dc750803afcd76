/** Push rules: their shape and checks, the specification's defaults, a user's effective ruleset, and what an event's rules decide. */
export { defaultPushRules } from './default-rules.ts';
export { type Notification, notificationOf, type PushContext, type PushEvent, pushActions } from './evaluate.ts';
export type { PushAction, PushRule, PushRuleset } from './rules.ts';
export { effectiveRuleset } from './ruleset.ts';
