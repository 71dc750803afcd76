import { closeSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';

/** A secret file must be private to its owner; one that others can read is refused, not repaired. */
export function readPrivateFile(path: string): string {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    throw new Error(`${path} is missing or unreadable`);
  }
  if ((mode & 0o077) !== 0) throw new Error(`${path} is readable by others (mode ${mode.toString(8)}); run: chmod 600 ${path}`);
  return readFileSync(path, 'utf8');
}

/** Creates a secret file (0600), durably; 'wx' so that two processes racing cannot both write a different one. */
export function writePrivateFile(path: string, text: string): void {
  const file = openSync(path, 'wx', 0o600);
  try {
    writeSync(file, text);
    fsyncSync(file);
  } finally {
    closeSync(file);
  }
}
