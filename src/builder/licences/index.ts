/**
 * Licences of the app builder: the pool across sectors (sized by governance), licence
 * administrators, assignment to verified people, quotas and the audit trail. The engine
 * composes these tables, methods and queries into the `builder` app.
 */
export { type AuditEntry, appendAudit, type LicenceAction, verifyAuditChain } from './app/audit-trail.ts';
export { decisionBytes, type GovernanceDecision } from './app/governance.ts';
export { activeLicenceOf, isAdministrator, type Licence, type LicenceRow } from './app/holders.ts';
export { licenceMethods } from './app/licence-methods.ts';
export { licenceQueries, type PoolSector } from './app/licence-queries.ts';
export { type Organisation, type Person, personOf } from './app/person.ts';
export { DEFAULT_TERMS, SECTORS, type Sector, type SectorTerms, termsOf } from './app/sectors.ts';
export { licenceTables } from './app/tables.ts';
export { registerLicenceRoutes } from './http/routes.ts';
export { signedInUser } from './http/signed-in-user.ts';
