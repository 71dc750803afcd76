/** The app builder: the spec, the engine that runs every spec on the subnet, upgrades, and the surface. */

export type { ListPage, ListRequest } from './app/lists.ts';
export type { PendingNotification } from './app/notifications.ts';
export type { AppRecord } from './app/records.ts';
export { builderApp, DISPATCHER } from './app.ts';
export { openApiOf } from './http/openapi.ts';
export { type AuditEntry, decisionBytes, type Licence, type PoolSector } from './licences/index.ts';
export { createBuilder } from './part.ts';
export * from './planner/index.ts';
export * from './spec/index.ts';
export * from './upgrade/index.ts';
