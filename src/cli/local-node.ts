import { createLogger, type NodeConfig } from '../node/index.ts';

/**
 * A development node only this process talks to — the start-up warm-up's throwaway node, a
 * benchmark's node: on loopback at a free port, logging nothing, and taking any number of
 * connections from its one client address. Its parts are the caller's to give.
 */
export function localNodeConfig(dataDir: string, operator: string): NodeConfig {
  return {
    dataDir,
    port: 0,
    host: '127.0.0.1',
    serverName: 'localhost',
    dev: true,
    facts: { operator, dataCentre: 'local', province: 'Islamabad Capital Territory', jurisdiction: 'PK' },
    logger: createLogger({ level: 'silent' }),
    connectionLimits: { perAddress: 1e9 },
  };
}
