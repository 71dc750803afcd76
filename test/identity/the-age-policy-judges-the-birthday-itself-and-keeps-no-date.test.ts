import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdmissionError, admit } from '../../src/identity/index.ts';

const POLICY = { accountsPerPerson: 1, minimumAge: 18 };
const at = (day: string) => new Date(`${day}T12:00:00Z`);

test('a person is admitted on their 18th birthday, not the day before', () => {
  assert.throws(() => admit({ birthdate: '2008-06-15' }, POLICY, at('2026-06-14')), /aged 18 or over/);
  assert.deepEqual(admit({ birthdate: '2008-06-15' }, POLICY, at('2026-06-15')), { minimumAge: 18 });
});

test('someone born on 29 February comes of age on 1 March in a common year', () => {
  assert.throws(() => admit({ birthdate: '2008-02-29' }, POLICY, at('2026-02-28')), AdmissionError);
  assert.deepEqual(admit({ birthdate: '2008-02-29' }, POLICY, at('2026-03-01')), { minimumAge: 18 });
});

test('a birth year alone is read as its last day, the safe side', () => {
  assert.throws(() => admit({ birthdate: '2008' }, POLICY, at('2026-12-30')), AdmissionError);
  assert.deepEqual(admit({ birthdate: '2008' }, POLICY, at('2026-12-31')), { minimumAge: 18 });
});

test('a missing or unreadable birth date is refused with a reason; a policy of 0 needs none', () => {
  assert.throws(() => admit({}, POLICY, at('2026-01-01')), /did not state a verified birth date/);
  assert.throws(() => admit({ birthdate: '15/06/2008' }, POLICY, at('2026-01-01')), /form this server does not read/);
  assert.throws(() => admit({ birthdate: '2008-13-01' }, POLICY, at('2026-01-01')), /impossible birth date/);
  assert.deepEqual(admit({}, { accountsPerPerson: 1, minimumAge: 0 }, at('2026-01-01')), { minimumAge: 0 });
});

test('what admission keeps is the threshold and an organisation of plain strings: never the date', () => {
  const admitted = admit(
    { birthdate: '1978-01-20', organisation: { ministry: 'Ministry of Interior', department: 'Passports', extra: 'dropped' } },
    POLICY,
    at('2026-01-01'),
  );
  assert.deepEqual(admitted, { minimumAge: 18, organisation: { ministry: 'Ministry of Interior', department: 'Passports' } });
  assert.ok(!JSON.stringify(admitted).includes('1978'));
  assert.deepEqual(admit({ birthdate: '1978-01-20', organisation: { ministry: 42 } }, POLICY, at('2026-01-01')), { minimumAge: 18 });
});
