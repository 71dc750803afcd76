import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { refusal, value } from './builder-subnet.ts';
import { type Engine, example, openEngine } from './engine-fixture.ts';

let e: Engine;
let owner: string;
/** Who deployed each example (a licence allows five apps, so a second builder deploys the sixth). */
const owners = new Map<string, string>();
before(async () => {
  e = await openEngine();
  owner = await e.builder('examples-owner');
});
after(() => e.close());

const member = async (app: string, localpart: string, role: string, ministry?: string) => {
  const user = await e.verified(localpart, ministry ? { ministry } : undefined);
  value(await e.run('member_assign_role', { app, user_id: user, role }, owners.get(app) as string));
  return user;
};

test('there are six example specs and each deploys', async () => {
  const names = readdirSync(new URL('../../examples/apps/', import.meta.url)).filter((f) => f.endsWith('.json'));
  assert.equal(names.length, 6);
  const second = await e.builder('examples-second-owner');
  for (const [i, name] of names.entries()) {
    const spec = example(name.replace(/\.json$/, ''));
    const by = i < 5 ? owner : second;
    owners.set(spec.slug, by);
    assert.equal(value<{ version: number }>(await e.deploy(spec, by)).version, 1, name);
  }
  const listed = e.ask<{ app: string }[]>('app_list', {}, owner).map((a) => a.app);
  assert.equal(listed.length, 6);
});

test('course registration: seats cap registrations, and a full course refuses the next student', async () => {
  const app = 'course-registration';
  const registrar = await member(app, 'registrar', 'registrar');
  const course = e.record(await e.create(app, 'course', { code: 'CS101', title: 'Programming', seats: 2 }, registrar)).id;
  assert.equal(refusal(await e.create(app, 'course', { code: 'CS101', title: 'Again', seats: 3 }, registrar)).code, 'CONFLICT');
  const students = [await member(app, 's1', 'student'), await member(app, 's2', 'student'), await member(app, 's3', 'student')];
  value(await e.create(app, 'registration', { course, semester: 'fall' }, students[0] as string));
  value(await e.create(app, 'registration', { course, semester: 'fall' }, students[1] as string));
  const full = refusal(await e.create(app, 'registration', { course, semester: 'fall' }, students[2] as string));
  assert.equal(full.code, 'CAPACITY_REACHED');
  assert.match(full.message, /2 of 2 seats taken/);
});

test('complaint tracking: a citizen’s complaint moves through the workflow and each step is queued for the citizen', async () => {
  const app = 'complaint-tracking';
  const staff = await member(app, 'municipal-staff', 'staff');
  const citizen = await e.verified('resident');
  const id = e.record(
    await e.create(app, 'complaint', { category: 'water', description: 'No water since Monday', location: 'Block 5, Gulshan' }, citizen),
  ).id;
  const before = e.ask<{ recipient: string }[]>('notifications_pending', { limit: 500 }, owner).length;
  value(await e.run('record_transition', { app, entity: 'complaint', id, transition: 'start' }, staff));
  value(await e.run('record_transition', { app, entity: 'complaint', id, transition: 'resolve' }, staff));
  const queued = e
    .ask<{ recipient: string; body: { en: string; ur: string } }[]>('notifications_pending', { limit: 500 }, owner)
    .slice(before);
  assert.deepEqual(
    queued.map((n) => [n.recipient, n.body.en]),
    [
      [citizen, 'Work has started on your complaint at Block 5, Gulshan.'],
      [citizen, 'Your complaint at Block 5, Gulshan is resolved.'],
    ],
  );
  assert.equal(queued[1]?.body.ur, 'Block 5, Gulshan پر آپ کی شکایت حل ہو گئی ہے۔');
  const found = e.list(app, 'complaint', { search: 'gulshan', filters: { status: 'resolved' } }, staff);
  assert.deepEqual(
    found.records.map((r) => r.id),
    [id],
  );
});

test('school attendance: teachers mark the register, the principal keeps the roll, a roll number is unique', async () => {
  const app = 'school-attendance';
  const principal = await member(app, 'principal', 'principal');
  const teacher = await member(app, 'teacher', 'teacher');
  const student = e.record(await e.create(app, 'student', { roll_number: '7-A-01', full_name: 'Zainab', class_name: '7-A' }, principal)).id;
  assert.equal(
    refusal(await e.create(app, 'student', { roll_number: '7-A-02', full_name: 'X', class_name: '7-A' }, teacher)).code,
    'FORBIDDEN',
  );
  for (const day of ['2026-11-30', '2026-12-01', '2026-12-02']) {
    value(await e.create(app, 'attendance', { student, day, present: day !== '2026-12-01' }, teacher));
  }
  const absent = e.list(app, 'attendance', { filters: { present: false } }, principal);
  assert.deepEqual(
    absent.records.map((r) => r.fields.day),
    ['2026-12-01'],
  );
});

test('startup inventory: staff update stock but cannot add products, and a list finds low stock in order', async () => {
  const app = 'startup-inventory';
  const manager = await member(app, 'inventory-manager', 'manager');
  const staff = await member(app, 'shop-staff', 'staff');
  const supplier = e.record(await e.create(app, 'supplier', { company: 'Sialkot Sports', email: 'orders@sialkot.example' }, manager)).id;
  const stock = [
    ['BALL-1', 'Football', 3],
    ['BAT-1', 'Cricket bat', 40],
    ['GLV-1', 'Gloves', 0],
  ] as const;
  const ids: string[] = [];
  for (const [sku, title, quantity] of stock)
    ids.push(e.record(await e.create(app, 'product', { sku, title, quantity, price: 250000, supplier }, manager)).id);
  assert.equal(refusal(await e.create(app, 'product', { sku: 'NEW', title: 'New' }, staff)).code, 'FORBIDDEN');
  value(await e.run('record_update', { app, entity: 'product', id: ids[0], fields: { quantity: 2 } }, staff));
  assert.match(
    refusal(await e.run('record_update', { app, entity: 'product', id: ids[0], fields: { quantity: -1 } }, staff)).message,
    /at least 0/,
  );
  const low = e.list(app, 'product', { filters: { quantity: { max: 5 } }, sort: { field: 'quantity' } }, staff);
  assert.deepEqual(
    low.records.map((r) => r.fields.sku),
    ['GLV-1', 'BALL-1'],
  );
});

test('leave requests: a manager of the same ministry decides (passport appointments run in their own tests)', async () => {
  const app = 'leave-requests';
  const manager = await member(app, 'health-manager', 'manager', 'Ministry of Health');
  const employee = await e.verified('health-employee', { ministry: 'Ministry of Health' });
  const fields = { kind: 'medical', first_day: '2026-12-10', last_day: '2026-12-12', ministry: 'Ministry of Health' };
  const id = e.record(await e.create(app, 'leave_request', fields, employee)).id;
  const rejected = e.record(await e.run('record_transition', { app, entity: 'leave_request', id, transition: 'reject' }, manager));
  assert.equal(rejected.fields.status, 'rejected');
  const queued = e.ask<{ recipient: string; body: { en: string } }[]>('notifications_pending', { limit: 500 }, owner);
  assert.ok(queued.some((n) => n.recipient === manager && /medical leave request from 2026-12-10/.test(n.body.en)));
  assert.ok(queued.some((n) => n.recipient === employee && /rejected/.test(n.body.en)));
});
