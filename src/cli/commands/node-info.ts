import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { dataFiles, inspectDataDir, loadOrCreateSigningKey } from '../../subnet/index.ts';
import { parseOptions } from '../usage.ts';

/** `watan node info`: who this node is and where it stands, read from its data folder. */
export function runNodeInfo(args: string[]): number {
  const options = parseOptions(args, { data: { type: 'string', default: './data' }, json: { type: 'boolean', default: false } });
  const dir = resolve(options.data);
  const info = { ...inspectDataDir(dir), dataDir: dir, keyFile: dataFiles(dir).nodeKey };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
  } else {
    process.stdout.write(
      `node     ${info.node}\nsubnet   ${info.subnet}\ndata     ${info.dataDir}\nkey      ${info.keyFile}\nposition block ${info.block}, height ${info.height}\n`,
    );
  }
  return 0;
}

/** `watan node key`: creates this node's key (0600) if it has none, and prints its id for the genesis. */
export function runNodeKey(args: string[]): number {
  const options = parseOptions(args, { data: { type: 'string', default: './data' } });
  const dir = resolve(options.data);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.stdout.write(`${loadOrCreateSigningKey(dataFiles(dir).nodeKey).id}\n`);
  return 0;
}
