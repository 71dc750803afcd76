import { resolve } from 'node:path';
import { startNode } from '../../node/index.ts';
import { parseOptions, parsePort } from '../usage.ts';

/** `watan start`: runs a node until SIGINT or SIGTERM, then shuts down cleanly. */
export async function runStart(args: string[]): Promise<number> {
  const options = parseOptions(args, {
    data: { type: 'string', default: './data' },
    port: { type: 'string' },
    host: { type: 'string', default: 'localhost' },
    'server-name': { type: 'string', default: 'localhost' },
    dev: { type: 'boolean', default: false },
    subnet: { type: 'string' },
    operator: { type: 'string', default: 'development' },
    'data-centre': { type: 'string', default: 'local' },
    province: { type: 'string', default: 'Islamabad Capital Territory' },
    jurisdiction: { type: 'string', default: 'PK' },
  });
  const node = await startNode({
    dataDir: resolve(options.data),
    port: parsePort(options.port, 8008),
    host: options.host,
    serverName: options['server-name'],
    dev: options.dev,
    subnetId: options.subnet,
    facts: {
      operator: options.operator,
      dataCentre: options['data-centre'],
      province: options.province,
      jurisdiction: options.jurisdiction,
    },
  });
  process.stdout.write(`watan: node ${node.subnet.nodeKey.id} of subnet ${node.subnet.subnetId} listening on ${node.url}\n`);
  return new Promise((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`watan: second ${signal}, exiting without waiting\n`);
        process.exit(1);
      }
      stopping = true;
      node.close().then(
        () => done(0),
        (error: Error) => {
          process.stderr.write(`watan: shutdown failed: ${error.message}\n`);
          done(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
