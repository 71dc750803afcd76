import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AppChange } from '../../src/builder/people/index.ts';
import { type BuilderSubnet, openBuilderSubnet, refusal, value } from './builder-subnet.ts';

let s: BuilderSubnet;
let owner: string;
let cobuilder: string;
let citizen: string;
const APP = 'complaints';

interface Facts {
  person: { verified: boolean; organisation: { ministry: string } | null };
  roles: string[];
  quota: { records: number; storageBytes: number };
}

before(async () => {
  s = await openBuilderSubnet();
  const admin = await s.verified('admin');
  const approvals = s.approvals({ action: 'appoint_admin', user_id: admin }, s.governance.slice(0, 2));
  value(await s.run('licence_appoint_admin', { user_id: admin, approvals }, 'anyone'));
  owner = await s.verified('owner', { ministry: 'Ministry of Interior' });
  cobuilder = await s.verified('cobuilder');
  citizen = await s.unverified('citizen');
  value(await s.run('licence_assign', { user_id: owner, sector: 'government' }, admin));
  value(await s.run('licence_assign', { user_id: cobuilder, sector: 'academia' }, admin));
  value(await s.run('test_create', { app: APP }, owner));
  value(await s.run('test_install_roles', { app: APP, roles: ['citizen', 'officer', 'supervisor'] }, owner));
});
after(() => s.close());

test('the owner adds a licensed co-builder, who then deploys; every change records who made it', async () => {
  assert.equal(refusal(await s.run('test_deploy', { app: APP, what: 'added a field' }, cobuilder)).code, 'NOT_A_BUILDER');
  assert.equal(refusal(await s.run('builder_add', { app: APP, user_id: cobuilder }, cobuilder)).code, 'FORBIDDEN');
  value(await s.run('builder_add', { app: APP, user_id: cobuilder }, owner));
  value(await s.run('test_deploy', { app: APP, what: 'added the field "district" to Complaint' }, cobuilder));
  value(await s.run('test_deploy', { app: APP, what: 'added the view "Open complaints"' }, owner));
  const changes = s.ask<AppChange[]>('builder_changes', { app: APP }, cobuilder);
  assert.deepEqual(
    changes.map((c) => [c.userId, c.kind, c.what]),
    [
      [owner, 'app', 'created the app'],
      [owner, 'builders', `added ${cobuilder} as a builder`],
      [cobuilder, 'spec', 'added the field "district" to Complaint'],
      [owner, 'spec', 'added the view "Open complaints"'],
    ],
  );
  assert.ok(changes.every((c, i) => c.seq === i + 1 && c.at > 0));
  const builders = s.ask<{ userId: string; owner: boolean }[]>('builder_list', { app: APP }, owner);
  assert.deepEqual(
    builders.map((b) => [b.userId, b.owner]),
    [
      [owner, true],
      [cobuilder, false],
    ],
  );
});

test('only licensed, verified people become co-builders', async () => {
  const unlicensed = await s.verified('unlicensed');
  assert.equal(refusal(await s.run('builder_add', { app: APP, user_id: unlicensed }, owner)).code, 'NOT_LICENSED');
  assert.equal(refusal(await s.run('builder_add', { app: APP, user_id: citizen }, owner)).code, 'NOT_LICENSED');
  assert.throws(() => s.ask('builder_changes', { app: APP }, unlicensed), /only builders of "complaints"/);
});

test('a removed co-builder can no longer deploy, and the owner cannot be removed', async () => {
  const helper = await s.verified('helper');
  const admin = '@admin:localhost';
  value(await s.run('licence_assign', { user_id: helper, sector: 'private_sector' }, admin));
  value(await s.run('builder_add', { app: APP, user_id: helper }, owner));
  value(await s.run('test_deploy', { app: APP, what: 'renamed a label' }, helper));
  value(await s.run('builder_remove', { app: APP, user_id: helper }, owner));
  assert.equal(refusal(await s.run('test_deploy', { app: APP, what: 'again' }, helper)).code, 'NOT_A_BUILDER');
  assert.equal(refusal(await s.run('builder_remove', { app: APP, user_id: owner }, owner)).code, 'FORBIDDEN');
  assert.equal(refusal(await s.run('builder_remove', { app: APP, user_id: owner }, cobuilder)).code, 'FORBIDDEN');
});

test('the owner assigns and removes the spec’s roles; nobody else may, and unknown roles are refused', async () => {
  value(await s.run('member_assign_role', { app: APP, user_id: citizen, role: 'citizen' }, owner));
  value(await s.run('member_assign_role', { app: APP, user_id: cobuilder, role: 'officer' }, owner));
  value(await s.run('member_assign_role', { app: APP, user_id: cobuilder, role: 'supervisor' }, owner));
  const unknown = await s.run('member_assign_role', { app: APP, user_id: citizen, role: 'admin' }, owner);
  assert.equal(refusal(unknown).code, 'UNKNOWN_ROLE');
  assert.match(refusal(unknown).message, /its roles are citizen, officer, supervisor/);
  assert.equal(refusal(await s.run('member_assign_role', { app: APP, user_id: citizen, role: 'officer' }, cobuilder)).code, 'FORBIDDEN');
  assert.equal(
    refusal(await s.run('member_assign_role', { app: APP, user_id: '@nobody:localhost', role: 'citizen' }, owner)).code,
    'NOT_FOUND',
  );
  assert.deepEqual(value<Facts>(await s.run('test_facts', { app: APP, user_id: cobuilder }, owner)).roles, ['officer', 'supervisor']);
  value(await s.run('member_unassign_role', { app: APP, user_id: cobuilder, role: 'supervisor' }, owner));
  assert.deepEqual(value<Facts>(await s.run('test_facts', { app: APP, user_id: cobuilder }, owner)).roles, ['officer']);
  assert.deepEqual(s.ask('member_roles', { app: APP }, citizen), { app: APP, userId: citizen, roles: ['citizen'] });
  assert.throws(() => s.ask('member_list', { app: APP }, citizen), /only builders/);
});

test('the owner removes a member entirely, and a member may leave', async () => {
  const other = await s.unverified('other-citizen');
  value(await s.run('member_assign_role', { app: APP, user_id: other, role: 'citizen' }, owner));
  assert.equal(refusal(await s.run('member_remove', { app: APP, user_id: other }, citizen)).code, 'FORBIDDEN');
  const removed = value<{ roles_removed: string[] }>(await s.run('member_remove', { app: APP, user_id: other }, owner));
  assert.deepEqual(removed.roles_removed, ['citizen']);
  assert.deepEqual(value<Facts>(await s.run('test_facts', { app: APP, user_id: other }, owner)).roles, []);
  const list = s.ask<{ members: { userId: string }[] }>('member_list', { app: APP }, owner);
  assert.ok(!list.members.some((m) => m.userId === other));
  value(await s.run('member_assign_role', { app: APP, user_id: other, role: 'citizen' }, owner));
  value(await s.run('member_remove', { app: APP, user_id: other }, other));
  const changes = s.ask<AppChange[]>('builder_changes', { app: APP }, owner);
  assert.deepEqual(changes.at(-1), { ...(changes.at(-1) as AppChange), userId: other, kind: 'members', what: 'left the app' });
});

test('a role an upgrade drops stops counting, and comes back with the role', async () => {
  const before = value<Facts>(await s.run('test_facts', { app: APP, user_id: citizen }, owner));
  assert.deepEqual(before.roles, ['citizen']);
  value(await s.run('test_install_roles', { app: APP, roles: ['officer', 'supervisor'] }, owner));
  assert.deepEqual(value<Facts>(await s.run('test_facts', { app: APP, user_id: citizen }, owner)).roles, []);
  value(await s.run('test_install_roles', { app: APP, roles: ['citizen', 'officer', 'supervisor'] }, owner));
  assert.deepEqual(value<Facts>(await s.run('test_facts', { app: APP, user_id: citizen }, owner)).roles, ['citizen']);
});

test('the engine learns a person’s verification and an official’s organisation, and the app’s quotas', async () => {
  const official = value<Facts>(await s.run('test_facts', { app: APP, user_id: owner }, owner));
  assert.deepEqual(official.person, { userId: owner, verified: true, organisation: { ministry: 'Ministry of Interior' } });
  assert.deepEqual(official.quota, { records: 1_000_000, storageBytes: 1024 * 1024 * 1024 });
  const plain = value<Facts>(await s.run('test_facts', { app: APP, user_id: citizen }, owner));
  assert.deepEqual(plain.person, { userId: citizen, verified: false, organisation: null });
});

test('replaying the log of every co-building and member command above reproduces each result and digest', async () => {
  await s.stopAndReplay();
});
