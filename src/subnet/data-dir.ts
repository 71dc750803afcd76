import { accessSync, constants, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirError extends Error {
  override name = 'DataDirError';
}

/** Where a node keeps its files; one place that knows their names. */
export function dataFiles(dir: string) {
  return {
    dir,
    subnet: join(dir, 'subnet.json'),
    log: join(dir, 'log.sqlite'),
    state: join(dir, 'state.sqlite'),
    nodeKey: join(dir, 'node.key'),
    governanceKey: join(dir, 'governance.key'),
  };
}

/** Creates the folder if needed and checks the node can write there, with an actionable message. */
export function prepareDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!statSync(dir).isDirectory()) throw new DataDirError(`${dir} is not a folder`);
    accessSync(dir, constants.W_OK | constants.R_OK);
  } catch (error) {
    if (error instanceof DataDirError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'is not writable by this user'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? 'is a file, or lies under a file, not a folder'
          : `cannot be used (${code ?? (error as Error).message})`;
    throw new DataDirError(`data folder ${dir} ${reason}; choose another with --data DIR`);
  }
}

/**
 * The subnet a data folder belongs to. A folder is never silently reused for another subnet:
 * its log and state would mix two histories.
 */
/** The subnet a data folder belongs to, without creating anything. */
export function readSubnetId(dir: string): string {
  const path = dataFiles(dir).subnet;
  try {
    const { subnet } = JSON.parse(readFileSync(path, 'utf8')) as { subnet?: unknown };
    if (typeof subnet === 'string') return subnet;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DataDirError(`${dir} is not a Watan data folder (no subnet.json)`);
  }
  throw new DataDirError(`${path} is unreadable or does not name a subnet`);
}

export function claimSubnetId(dir: string, requested: string | undefined, fallback: string): string {
  const path = dataFiles(dir).subnet;
  let stored: string | undefined;
  try {
    stored = (JSON.parse(readFileSync(path, 'utf8')) as { subnet?: string }).subnet;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new DataDirError(`${path} is unreadable or not JSON`);
  }
  if (stored !== undefined) {
    if (requested !== undefined && requested !== stored) {
      throw new DataDirError(`data folder ${dir} belongs to subnet "${stored}", not "${requested}"; use another --data folder`);
    }
    return stored;
  }
  const subnet = requested ?? fallback;
  writeFileSync(path, `${JSON.stringify({ subnet }, null, 2)}\n`, { mode: 0o644 });
  return subnet;
}
