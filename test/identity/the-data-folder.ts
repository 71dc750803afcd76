import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPeople } from '../../src/identity/index.ts';

/**
 * Every identifying value of the test people, in the forms they could be written: CNICs with
 * and without dashes, names, birth dates (also without dashes).
 */
export function identifyingValues(): string[] {
  return loadPeople().flatMap((person) => [
    person.cnic,
    person.cnic.replaceAll('-', ''),
    person.name,
    person.birthdate,
    person.birthdate.replaceAll('-', ''),
  ]);
}

/** The identifying values found in any file under `dir` (bytes searched as UTF-8 and UTF-16), with where. */
export function identifyingValuesIn(dir: string, extra = ''): string[] {
  const found: string[] = [];
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  const contents = files.map((entry) => ({
    path: join(entry.parentPath, entry.name),
    bytes: readFileSync(join(entry.parentPath, entry.name)),
  }));
  contents.push({ path: '(process output)', bytes: Buffer.from(extra, 'utf8') });
  for (const value of identifyingValues()) {
    for (const { path, bytes } of contents) {
      if (bytes.includes(Buffer.from(value, 'utf8')) || bytes.includes(Buffer.from(value, 'utf16le'))) found.push(`${value} in ${path}`);
    }
  }
  return found;
}
