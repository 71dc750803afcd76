/** Upgrades: the classified, explained diff between two specs and how a record moves across it. */
export { type ArchivedValues, diffSpecs, type InstalledData, needsConfirmation, type Safety, type SpecChange } from './diff.ts';
export { convertValue, entitySources, type Fields, fieldSources, migrateFields } from './migrate.ts';
