/** The app builder: the spec, the engine that runs every spec on the subnet, upgrades, and the surface. */

export { builderApp, DISPATCHER } from './app.ts';
export type { ListPage, ListRequest } from './engine/lists.ts';
export type { PendingNotification } from './engine/notifications.ts';
export type { AppRecord } from './engine/records.ts';
export { openApiOf } from './http/openapi.ts';
export { decisionBytes } from './licences/index.ts';
export { createBuilder } from './part.ts';
export * from './spec/index.ts';
export * from './upgrade/index.ts';
