import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { refusal, value } from './builder-subnet.ts';
import { type Engine, example, openEngine } from './engine-fixture.ts';

let e: Engine;
let owner: string;
let officer: string;
let citizen: string;
let office: string;
const app = 'passport-appointments';

before(async () => {
  e = await openEngine();
  owner = await e.builder('owner');
  officer = await e.verified('officer');
  citizen = await e.verified('citizen');
  value(await e.deploy(example(app), owner));
  value(await e.run('member_assign_role', { app, user_id: officer, role: 'officer' }, owner));
  office = e.record(await e.create(app, 'office', { city: 'Lahore', address: 'Garden Town' }, owner)).id;
});
after(() => e.close());

const booking = () => ({ applicant_name: 'Ayesha Khan', phone: '+92 300 1234567', office, day: '2026-12-20' });

test('a record gets its defaults and the workflow’s first state, and bad values are refused naming the field', async () => {
  const made = e.record(await e.create(app, 'appointment', booking(), citizen));
  assert.equal(made.fields.service, 'new');
  assert.equal(made.fields.status, 'requested');
  assert.equal(made.created_by, citizen);
  const badDay = refusal(await e.create(app, 'appointment', { ...booking(), day: '20-12-2026' }, citizen));
  assert.equal(badDay.code, 'INVALID');
  assert.match(badDay.message, /appointment\.day: expected a date/);
  assert.match(refusal(await e.create(app, 'appointment', { ...booking(), office: '999' }, citizen)).message, /no office record 999/);
  assert.match(refusal(await e.create(app, 'appointment', { ...booking(), colour: 'red' }, citizen)).message, /no field "colour"/);
  assert.match(
    refusal(await e.create(app, 'appointment', { phone: '+92 300 1234567', office, day: '2026-12-20' }, citizen)).message,
    /applicant_name is required/,
  );
  assert.match(
    refusal(await e.create(app, 'appointment', { ...booking(), status: 'completed' }, citizen)).message,
    /changes only through its transitions/,
  );
});

test('an unverified account holds no role and is denied by default', async () => {
  const stranger = await e.unverified('stranger');
  assert.equal(refusal(await e.create(app, 'appointment', booking(), stranger)).code, 'FORBIDDEN');
  assert.throws(() => e.list(app, 'appointment', {}, stranger), /may not read appointment records/);
});

test('the workflow moves only along its transitions, by the roles each names', async () => {
  const id = e.record(await e.create(app, 'appointment', booking(), citizen)).id;
  const move = (transition: string, as: string) => e.run('record_transition', { app, entity: 'appointment', id, transition }, as);
  assert.equal(refusal(await move('confirm', citizen)).code, 'FORBIDDEN');
  assert.equal(refusal(await move('complete', officer)).code, 'INVALID_TRANSITION');
  assert.equal(e.record(await move('confirm', officer)).fields.status, 'confirmed');
  const edit = await e.run('record_update', { app, entity: 'appointment', id, fields: { phone: '+92 301 7654321' } }, citizen);
  assert.equal(refusal(edit).code, 'FORBIDDEN', 'a citizen edits only while the appointment is requested');
  assert.equal(e.record(await move('cancel', citizen)).fields.status, 'cancelled', 'the creator may cancel');
});

test('lists filter, sort, search and page, showing each caller only what they may read', async () => {
  const other = await e.verified('other-citizen');
  for (let day = 1; day <= 12; day++) {
    const fields = {
      ...booking(),
      applicant_name: day % 2 ? `Bilal Ahmed ${day}` : `Sana Malik ${day}`,
      day: `2027-01-${String(day).padStart(2, '0')}`,
    };
    value(await e.create(app, 'appointment', fields, day <= 9 ? other : citizen));
  }
  const mine = e.list(app, 'appointment', { limit: 200 }, other);
  assert.equal(mine.records.length, 9);
  assert.ok(mine.records.every((r) => r.created_by === other));
  const sorted = e.list(
    app,
    'appointment',
    { sort: { field: 'day', direction: 'desc' }, filters: { day: { min: '2027-01-01' } }, limit: 5 },
    officer,
  );
  assert.deepEqual(
    sorted.records.map((r) => r.fields.day),
    ['2027-01-12', '2027-01-11', '2027-01-10', '2027-01-09', '2027-01-08'],
  );
  const rest = e.list(
    app,
    'appointment',
    { sort: { field: 'day', direction: 'desc' }, filters: { day: { min: '2027-01-01' } }, limit: 5, after: sorted.next },
    officer,
  );
  assert.deepEqual(
    rest.records.map((r) => r.fields.day),
    ['2027-01-07', '2027-01-06', '2027-01-05', '2027-01-04', '2027-01-03'],
  );
  const found = e.list(app, 'appointment', { search: 'sana', filters: { day: { min: '2027-01-01' } } }, officer);
  assert.equal(found.records.length, 6);
  assert.ok(found.records.every((r) => String(r.fields.applicant_name).startsWith('Sana')));
  assert.throws(() => e.list(app, 'appointment', { filters: { officer_note: 'x' } }, officer), /cannot be filtered on "officer_note"/);
});
