import {
  accessSync,
  closeSync,
  constants,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

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
    /** A state-synced replica's base: the verified snapshot its log begins after, with its quorum certificate. */
    base: join(dir, 'base.sqlite'),
    nodeKey: join(dir, 'node.key'),
    governanceKey: join(dir, 'governance.key'),
    lock: join(dir, 'watan.lock'),
    seal: join(dir, 'seal.json'),
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
  assertSubnetId(subnet);
  writeFileDurably(path, `${JSON.stringify({ subnet }, null, 2)}\n`, 0o644);
  return subnet;
}

const SUBNET_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function assertSubnetId(subnet: string): void {
  if (!SUBNET_ID.test(subnet)) {
    throw new DataDirError(`subnet id "${subnet}" must be 1-63 lower-case letters, digits and hyphens, starting with a letter or digit`);
  }
}

/**
 * Writes a file so that a crash leaves either the old file or the whole new one: a temporary
 * file, fsynced, renamed into place, and the folder fsynced.
 */
export function writeFileDurably(path: string, data: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, data, { mode, flag: 'w' });
  const file = openSync(temporary, 'r');
  try {
    fsyncSync(file);
  } finally {
    closeSync(file);
  }
  renameSync(temporary, path);
  const folder = openSync(dirname(path), 'r');
  try {
    fsyncSync(folder);
  } finally {
    closeSync(folder);
  }
}

/**
 * Claims the data folder for this process, so two nodes never share one log. A lock left by
 * a process that no longer runs (a crash, kill -9) is taken over. Returns the release.
 */
export function lockDataDir(dir: string): () => void {
  const path = dataFiles(dir).lock;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { mode: 0o600, flag: 'wx' });
      return () => {
        if (readLockOwner(path) === process.pid) unlinkSync(path);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readLockOwner(path);
      if (owner !== undefined && isRunning(owner)) {
        throw new DataDirError(
          `data folder ${dir} is in use by process ${owner}; stop that node first (or delete ${path} if no watan is running)`,
        );
      }
      unlinkSync(path);
    }
  }
  throw new DataDirError(`could not lock data folder ${dir}`);
}

function readLockOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
