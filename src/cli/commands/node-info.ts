import { resolve } from 'node:path';
import { dataFiles, inspectDataDir } from '../../subnet/index.ts';
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
