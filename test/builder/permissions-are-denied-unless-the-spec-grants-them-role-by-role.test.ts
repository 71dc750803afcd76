/**
 * Permission matrices for two example apps: every role × action × own/other record, each cell
 * expected from reading the spec by hand, each checked by running the command in the executor.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CommandResult } from '../../src/subnet/index.ts';
import { value } from './builder-subnet.ts';
import { type Engine, example, openEngine } from './engine-fixture.ts';

let e: Engine;
before(async () => {
  e = await openEngine();
});
after(() => e.close());

type Action = 'create' | 'read' | 'update' | 'delete';
type Cell = [actor: string, action: Action, whose: 'own' | 'other', allowed: boolean];

const outcome = (result: CommandResult) => (result.ok ? 'allowed' : result.error.code);

/** Runs one action on a fresh record (`own`: made by the actor; `other`: by `otherAuthor`). */
async function attempt(
  app: string,
  entity: string,
  actor: string,
  action: Action,
  recordBy: string | null,
  fields: Record<string, unknown>,
  change: Record<string, unknown>,
): Promise<string> {
  if (action === 'create') return outcome(await e.create(app, entity, fields, actor));
  const id = e.record(await e.create(app, entity, fields, recordBy as string)).id;
  if (action === 'read') {
    try {
      e.ask('record_get', { app, entity, id }, actor);
      return 'allowed';
    } catch (error) {
      return (error as { code: string }).code;
    }
  }
  if (action === 'update') return outcome(await e.run('record_update', { app, entity, id, fields: change }, actor));
  return outcome(await e.run('record_delete', { app, entity, id }, actor));
}

async function check(
  app: string,
  entity: string,
  people: Record<string, string>,
  cells: Cell[],
  fields: (actor: string) => Record<string, unknown>,
  change: Record<string, unknown>,
  otherAuthor: string,
) {
  const wrong: string[] = [];
  for (const [actor, action, whose, allowed] of cells) {
    const by = whose === 'own' ? (people[actor] as string) : (people[otherAuthor] as string);
    const got = await attempt(app, entity, people[actor] as string, action, action === 'create' ? null : by, fields(actor), change);
    if ((got === 'allowed') !== allowed) wrong.push(`${actor} ${action} ${whose}: expected ${allowed ? 'allowed' : 'refused'}, got ${got}`);
    if (!allowed && got === 'allowed') continue;
    if (!allowed) assert.ok(['FORBIDDEN', 'NOT_FOUND'].includes(got), `${actor} ${action} ${whose} refused with ${got}`);
  }
  assert.deepEqual(wrong, []);
}

test('passport appointments: citizens act on their own requested appointments, officers read and update all, owners only as citizens, strangers nothing', async () => {
  const app = 'passport-appointments';
  const owner = await e.builder('passport-owner');
  value(await e.deploy(example(app), owner));
  const officer = await e.verified('officer');
  value(await e.run('member_assign_role', { app, user_id: officer, role: 'officer' }, owner));
  const people = {
    owner,
    officer,
    citizen: await e.verified('citizen'),
    neighbour: await e.verified('neighbour'),
    stranger: await e.unverified('stranger'),
  };
  const office = e.record(await e.create(app, 'office', { city: 'Multan', address: 'Cantt' }, owner)).id;
  const fields = () => ({ applicant_name: 'Imran', phone: '+92 321 0000000', office, day: '2026-12-24' });
  // Officers and owners are verified people too, so they also hold "citizen" (and act on their own appointments).
  const cells: Cell[] = [
    ['citizen', 'create', 'own', true],
    ['citizen', 'read', 'own', true],
    ['citizen', 'read', 'other', false],
    ['citizen', 'update', 'own', true],
    ['citizen', 'update', 'other', false],
    ['citizen', 'delete', 'own', true],
    ['citizen', 'delete', 'other', false],
    ['officer', 'read', 'other', true],
    ['officer', 'update', 'other', true],
    ['officer', 'delete', 'other', false],
    ['owner', 'create', 'own', true],
    ['owner', 'read', 'other', false],
    ['owner', 'update', 'other', false],
    ['owner', 'delete', 'other', false],
    ['stranger', 'create', 'own', false],
    ['stranger', 'read', 'other', false],
    ['stranger', 'update', 'other', false],
    ['stranger', 'delete', 'other', false],
  ];
  await check(app, 'appointment', people, cells, fields, { officer_note: 'bring two photos' }, 'neighbour');
});

test('leave requests: employees see their own, managers read their own ministry’s only, and nobody edits a decided request', async () => {
  const app = 'leave-requests';
  const owner = await e.builder('leave-owner');
  value(await e.deploy(example(app), owner));
  const manager = await e.verified('manager', { ministry: 'Ministry of Health' });
  const foreignManager = await e.verified('foreign-manager', { ministry: 'Ministry of Education' });
  for (const user of [manager, foreignManager]) value(await e.run('member_assign_role', { app, user_id: user, role: 'manager' }, owner));
  const people = {
    employee: await e.verified('employee', { ministry: 'Ministry of Health' }),
    colleague: await e.verified('colleague', { ministry: 'Ministry of Health' }),
    manager,
    foreignManager,
    stranger: await e.unverified('plain'),
  };
  const fields = () => ({ kind: 'casual', first_day: '2026-12-28', last_day: '2026-12-30', ministry: 'Ministry of Health' });
  const cells: Cell[] = [
    ['employee', 'create', 'own', true],
    ['employee', 'read', 'own', true],
    ['employee', 'read', 'other', false],
    ['employee', 'update', 'own', true],
    ['employee', 'update', 'other', false],
    ['employee', 'delete', 'own', true],
    ['employee', 'delete', 'other', false],
    ['manager', 'read', 'other', true],
    ['manager', 'update', 'other', false],
    ['manager', 'delete', 'other', false],
    ['foreignManager', 'read', 'other', false],
    ['foreignManager', 'update', 'other', false],
    ['foreignManager', 'delete', 'other', false],
    ['stranger', 'create', 'own', false],
    ['stranger', 'read', 'other', false],
  ];
  await check(app, 'leave_request', people, cells, fields, { reason: 'family wedding' }, 'colleague');
  const elsewhere = await e.create(app, 'leave_request', { ...fields(), ministry: 'Ministry of Education' }, people.employee);
  assert.equal(elsewhere.ok, false, 'an employee files leave only in their own ministry');
  const id = e.record(await e.create(app, 'leave_request', fields(), people.employee)).id;
  const approve = (as: string) => e.run('record_transition', { app, entity: 'leave_request', id, transition: 'approve' }, as);
  assert.equal(outcome(await approve(foreignManager)), 'NOT_FOUND');
  assert.equal(e.record(await approve(manager)).fields.status, 'approved');
  assert.equal(
    outcome(await e.run('record_update', { app, entity: 'leave_request', id, fields: { reason: 'x' } }, people.employee)),
    'FORBIDDEN',
  );
});
