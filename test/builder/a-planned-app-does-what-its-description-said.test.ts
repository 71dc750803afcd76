/**
 * Planned apps run on the real engine and behave as their descriptions said: who may file,
 * who takes which step, who is told, and a limit that holds.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OfflinePlanner } from '../../src/builder/index.ts';
import { refusal, value } from './builder-subnet.ts';
import { type Engine, openEngine } from './engine-fixture.ts';

const planner = new OfflinePlanner();
let e: Engine;
let owner: string;
before(async () => {
  e = await openEngine();
  owner = await e.builder('planned-owner');
});
after(() => e.close());

const deploy = async (description: string) => {
  const { spec } = planner.planNow({ description });
  value(await e.deploy(spec, owner));
  return spec.slug;
};
const member = async (app: string, localpart: string, role: string) => {
  const user = await e.verified(localpart);
  value(await e.run('member_assign_role', { app, user_id: user, role }, owner));
  return user;
};
const step = (app: string, entity: string, id: string, transition: string, as: string) =>
  e.run('record_transition', { app, entity, id, transition }, as);

test('"citizens file a complaint with a photo, staff assign and resolve it, the citizen is told when it is resolved"', async () => {
  const app = await deploy(
    'complaint tracking for a municipal office: citizens file a complaint with a photo, staff assign and resolve it, the citizen is told when it is resolved',
  );
  const staff = await member(app, 'planned-staff', 'staff');
  const citizen = await e.verified('planned-citizen');
  const other = await e.verified('planned-neighbour');
  const id = e.record(await e.create(app, 'complaint', { details: 'The street light is out', location: 'Street 4' }, citizen)).id;
  // Only staff take the steps; the citizen sees their own complaint and not another's.
  assert.equal(refusal(await step(app, 'complaint', id, 'assign', citizen)).code, 'FORBIDDEN');
  assert.throws(() => e.ask('record_get', { app, entity: 'complaint', id }, other), { code: 'NOT_FOUND' });
  const before = e.ask<unknown[]>('notifications_pending', { limit: 500 }, owner).length;
  value(await e.run('record_update', { app, entity: 'complaint', id, fields: { assigned_to: staff } }, staff));
  value(await step(app, 'complaint', id, 'assign', staff));
  value(await step(app, 'complaint', id, 'resolve', staff));
  const told = e.ask<{ recipient: string; body: { en: string } }[]>('notifications_pending', { limit: 500 }, owner).slice(before);
  assert.deepEqual(
    told.map((n) => [n.recipient, n.body.en]),
    [[citizen, 'Your complaint is now resolved.']],
  );
});

test('"appointments for the passport office with 2 slots per day": a full slot refuses the next booking', async () => {
  const app = await deploy('appointments for the passport office with 2 slots per day; citizens book and staff confirm');
  const staff = await member(app, 'slot-staff', 'staff');
  const slot = e.record(await e.create(app, 'slot', { date: '2027-01-04', time: '09:00' }, staff)).id;
  const people = [await e.verified('booker-1'), await e.verified('booker-2'), await e.verified('booker-3')];
  const book = (who: string) => e.create(app, 'appointment', { slot, full_name: 'A. Khan', phone: '0300 1234567' }, who);
  const first = e.record(await book(people[0] as string)).id;
  value(await book(people[1] as string));
  assert.equal(refusal(await book(people[2] as string)).code, 'CAPACITY_REACHED');
  value(await step(app, 'appointment', first, 'confirm', staff));
  // Booking is the citizen's; confirming is staff's.
  assert.equal(refusal(await e.create(app, 'slot', { date: '2027-01-05', time: '10:00' }, people[0] as string)).code, 'FORBIDDEN');
});

test('"chutti ki darkhwast, manager manzoor ya mustarad kare aur mulazim ko bataya jaye": the employee hears the decision', async () => {
  const app = await deploy('daftar ke mulazmeen ki chutti ki darkhwast, manager manzoor ya mustarad kare aur mulazim ko bataya jaye');
  const manager = await member(app, 'leave-manager', 'manager');
  const employee = await e.verified('leave-employee');
  const id = e.record(
    await e.create(app, 'leave_request', { first_day: '2027-02-01', last_day: '2027-02-03', reason: 'Family wedding' }, employee),
  ).id;
  assert.equal(refusal(await step(app, 'leave_request', id, 'approve', employee)).code, 'FORBIDDEN');
  const before = e.ask<unknown[]>('notifications_pending', { limit: 500 }, owner).length;
  value(await step(app, 'leave_request', id, 'approve', manager));
  const told = e.ask<{ recipient: string; body: { ur: string } }[]>('notifications_pending', { limit: 500 }, owner).slice(before);
  assert.deepEqual(
    told.map((n) => [n.recipient, n.body.ur]),
    [[employee, 'آپ کا اندراج (رخصت کی درخواست): منظور']],
  );
});
