/** The app builder: the spec, the engine that runs every spec on the subnet, upgrades, and the surface. */
export * from './spec/index.ts';
