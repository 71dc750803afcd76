/**
 * Who builds and who uses each generated app: its owner and co-builders (with who changed
 * what), and its members with the spec's roles. The engine composes these tables, methods and
 * queries into the `builder` app and calls the functions below inside its own methods.
 */
export { personOf } from '../licences/index.ts';
export { claimApp, quotaOf, releaseApp } from './app/apps.ts';
export { assertMayBuild } from './app/build-rights.ts';
export { type AppChange, type ChangeKind, recordBuilderChange } from './app/changes.ts';
export { isBuilder, ownerOf } from './app/owned-apps.ts';
export { peopleMethods } from './app/people-methods.ts';
export { peopleQueries } from './app/people-queries.ts';
export { membersHoldingRole, recordAppRoles, rolesOf } from './app/roles.ts';
export { peopleTables } from './app/tables.ts';
export { registerPeopleRoutes } from './http/routes.ts';
