import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A synthetic person the development provider knows: a citizen, or an official of an organisation. */
export interface Person {
  /** The provider's own account id; never shown to a relying party (subjects are pairwise). */
  id: string;
  cnic: string;
  pin: string;
  name: string;
  /** YYYY-MM-DD, as OpenID Connect's `birthdate` claim. */
  birthdate: string;
  kind: 'citizen' | 'official';
  organisation?: { ministry: string; department?: string };
}

/** The CNIC's printed form: five digits, seven digits, one check digit. */
export const CNIC_FORMAT = /^\d{5}-\d{7}-\d$/;

const DEFAULT_SEED = new URL('./people.json', import.meta.url);

/** The people in a seed file (by default the synthetic ones beside this module). */
export function loadPeople(path: string | URL = DEFAULT_SEED): Person[] {
  const seed = JSON.parse(readFileSync(path, 'utf8')) as { people?: unknown };
  if (!Array.isArray(seed.people)) throw new Error(`${path}: a seed file holds {"people": [...]}`);
  const people = seed.people as Person[];
  for (const person of people) {
    if (
      typeof person.id !== 'string' ||
      !CNIC_FORMAT.test(person.cnic) ||
      typeof person.pin !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}$/.test(person.birthdate)
    )
      throw new Error(`${path}: each person needs an id, a CNIC as 00000-0000000-0, a PIN and a birthdate as YYYY-MM-DD`);
  }
  return people;
}

/** The person with this CNIC and PIN, compared in constant time; undefined otherwise. */
export function findPerson(people: readonly Person[], cnic: string, pin: string): Person | undefined {
  const person = people.find((candidate) => candidate.cnic === cnic);
  const expected = Buffer.from(person?.pin ?? '\u0000'.repeat(pin.length || 1));
  const given = Buffer.from(pin);
  const same = expected.length === given.length && timingSafeEqual(expected, given);
  return person && same ? person : undefined;
}
