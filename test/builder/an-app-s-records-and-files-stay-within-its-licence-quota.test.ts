import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { refusal, value } from './builder-subnet.ts';
import { type Engine, example, openEngine } from './engine-fixture.ts';

let e: Engine;
let owner: string;
const app = 'startup-inventory';
before(async () => {
  e = await openEngine();
  // Governance gives start-ups small quotas: 3 records and 100 bytes of files per app.
  const sectors = [{ sector: 'startups', size: 200, apps_per_licence: 5, records_per_app: 3, storage_bytes_per_app: 100 }];
  value(
    await e.run(
      'licence_set_pool',
      { sectors, approvals: e.approvals({ action: 'set_pool', sectors }, e.governance.slice(0, 2)) },
      'anyone',
    ),
  );
  const admin = await e.verified('startup-admin');
  const approvals = e.approvals({ action: 'appoint_admin', user_id: admin }, e.governance.slice(0, 2));
  value(await e.run('licence_appoint_admin', { user_id: admin, approvals }, 'anyone'));
  owner = await e.verified('founder');
  value(await e.run('licence_assign', { user_id: owner, sector: 'startups' }, admin));
  value(await e.deploy(example(app), owner));
  value(await e.run('member_assign_role', { app, user_id: owner, role: 'manager' }, owner));
});
after(() => e.close());

test('the fourth record is refused at a quota of three, and a deletion makes room', async () => {
  const ids: string[] = [];
  for (let i = 1; i <= 3; i++) ids.push(e.record(await e.create(app, 'supplier', { company: `Supplier ${i}` }, owner)).id);
  const fourth = refusal(await e.create(app, 'supplier', { company: 'Supplier 4' }, owner));
  assert.equal(fourth.code, 'QUOTA_REACHED');
  value(await e.run('record_delete', { app, entity: 'supplier', id: ids[0] }, owner));
  value(await e.create(app, 'supplier', { company: 'Supplier 4' }, owner));
});

test('files beyond the storage quota are refused', async () => {
  const file = (n: number) => ({ app, hash: String(n).repeat(64).slice(0, 64), size: 60, content_type: 'image/png' });
  value(await e.run('file_register', file(1), owner));
  assert.equal(refusal(await e.run('file_register', file(2), owner)).code, 'QUOTA_REACHED');
});
