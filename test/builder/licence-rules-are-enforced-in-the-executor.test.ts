import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type AuditEntry, type GovernanceDecision, type Licence, verifyAuditChain } from '../../src/builder/licences/index.ts';
import { loadOrCreateSigningKey } from '../../src/subnet/index.ts';
import { type BuilderSubnet, openBuilderSubnet, refusal, value } from './builder-subnet.ts';

let s: BuilderSubnet;
let admin: string;

const TERMS = { apps_per_licence: 5, records_per_app: 1000, storage_bytes_per_app: 1_000_000 };

async function govern(decision: GovernanceDecision, method: string, args: Record<string, unknown>) {
  return s.run(method, { ...args, approvals: s.approvals(decision, s.governance.slice(0, 2)) }, 'anyone');
}

before(async () => {
  s = await openBuilderSubnet();
  admin = await s.verified('admin');
  value(await govern({ action: 'appoint_admin', user_id: admin }, 'licence_appoint_admin', { user_id: admin }));
});
after(() => s.close());

test('the pool starts at 1,500 licences across the four sectors', () => {
  const pool = s.ask<{ sectors: { sector: string; size: number; available: number }[] }>('licence_pool', {}, admin);
  assert.deepEqual(
    pool.sectors.map((x) => x.sector),
    ['government', 'academia', 'private_sector', 'startups'],
  );
  assert.equal(
    pool.sectors.reduce((sum, x) => sum + x.size, 0),
    1500,
  );
});

test('a pool change with a forged approval, or with fewer approvals than the threshold, is refused', async () => {
  const sectors = [{ sector: 'startups', size: 2, ...TERMS }];
  const decision: GovernanceDecision = { action: 'set_pool', sectors };
  const one = s.approvals(decision, s.governance.slice(0, 1));
  const below = await s.run('licence_set_pool', { sectors, approvals: one }, 'anyone');
  assert.equal(refusal(below).code, 'APPROVALS_INSUFFICIENT');
  assert.match(refusal(below).message, /needs valid signatures from 2 governance key\(s\).*1 verified/);

  // The second "approval" is a real governance key's id with a signature over other content.
  const forged = [...one, { key: (s.governance[1] as { id: string }).id, signature: (one[0] as { signature: string }).signature }];
  const forgedResult = await s.run('licence_set_pool', { sectors, approvals: forged }, 'anyone');
  assert.equal(refusal(forgedResult).code, 'APPROVALS_INSUFFICIENT');
  assert.match(refusal(forgedResult).message, /1 did not \(forged/);

  // Approvals for different sizes do not carry over to these.
  const other = s.approvals({ action: 'set_pool', sectors: [{ sector: 'startups', size: 900, ...TERMS }] }, s.governance);
  assert.equal(refusal(await s.run('licence_set_pool', { sectors, approvals: other }, 'anyone')).code, 'APPROVALS_INSUFFICIENT');

  const pool = s.ask<{ sectors: { sector: string; size: number }[] }>('licence_pool', {}, admin);
  assert.equal(pool.sectors.find((x) => x.sector === 'startups')?.size, 200);
});

test('an approved pool change applies once: the same approvals replayed are refused', async () => {
  const sectors = [{ sector: 'startups', size: 1, ...TERMS }];
  const approvals = s.approvals({ action: 'set_pool', sectors }, s.governance.slice(1, 3));
  value(await s.run('licence_set_pool', { sectors, approvals }, 'anyone'));
  const replay = await s.run('licence_set_pool', { sectors, approvals }, 'anyone');
  assert.equal(refusal(replay).code, 'APPROVALS_INSUFFICIENT');
});

test('only an administrator assigns, and only to a verified person', async () => {
  const citizen = await s.verified('citizen-a');
  const stranger = await s.verified('stranger');
  const notAdmin = await s.run('licence_assign', { user_id: citizen, sector: 'academia' }, stranger);
  assert.equal(refusal(notAdmin).code, 'FORBIDDEN');
  const plain = await s.unverified('plain-person');
  const unverified = await s.run('licence_assign', { user_id: plain, sector: 'academia' }, admin);
  assert.equal(refusal(unverified).code, 'NOT_VERIFIED');
  assert.deepEqual(s.ask('licence_of', { user_id: plain }, admin), []);
  const assigned = value<{ licence: number }>(await s.run('licence_assign', { user_id: citizen, sector: 'academia' }, admin));
  assert.ok(assigned.licence > 0);
  const twice = await s.run('licence_assign', { user_id: citizen, sector: 'government' }, admin);
  assert.equal(refusal(twice).code, 'ALREADY_LICENSED');
});

test('a person holds one licence, whichever of their accounts asks', async () => {
  const first = await s.verified('two-accounts-1', { person: 'one person' });
  const second = await s.verified('two-accounts-2', { person: 'one person' });
  value(await s.run('licence_assign', { user_id: first, sector: 'academia' }, admin));
  const again = await s.run('licence_assign', { user_id: second, sector: 'government' }, admin);
  assert.equal(refusal(again).code, 'ALREADY_LICENSED');
  assert.match(refusal(again).message, /through another account; one licence per person/);
  const listed = s.ask<Licence[]>('licence_of', { user_id: first }, admin);
  assert.ok(!JSON.stringify(listed).includes('person'), 'the person hash is never answered');
});

test('a sector whose licences are all assigned refuses the next, while other sectors still assign', async () => {
  // The startups sector was set to one licence above.
  value(await s.run('licence_assign', { user_id: await s.verified('founder-1'), sector: 'startups' }, admin));
  const exhausted = await s.run('licence_assign', { user_id: await s.verified('founder-2'), sector: 'startups' }, admin);
  assert.equal(refusal(exhausted).code, 'POOL_EXHAUSTED');
  assert.match(refusal(exhausted).message, /all 1 startups licences are assigned/);
  value(await s.run('licence_assign', { user_id: await s.verified('founder-3'), sector: 'private_sector' }, admin));
});

test('only a licensed person creates an app, within the licence’s app quota', async () => {
  const builder = await s.verified('quota-builder');
  assert.equal(refusal(await s.run('test_create', { app: 'before-licence' }, builder)).code, 'NOT_LICENSED');
  const sectors = [{ sector: 'government', size: 600, apps_per_licence: 2, records_per_app: 500, storage_bytes_per_app: 4096 }];
  value(await govern({ action: 'set_pool', sectors }, 'licence_set_pool', { sectors }));
  value(await s.run('licence_assign', { user_id: builder, sector: 'government' }, admin));
  value(await s.run('test_create', { app: 'first-app' }, builder));
  value(await s.run('test_create', { app: 'second-app' }, builder));
  const third = await s.run('test_create', { app: 'third-app' }, builder);
  assert.equal(refusal(third).code, 'QUOTA_REACHED');
  assert.match(refusal(third).message, /allows 2 app\(s\).*owns 2 \(first-app, second-app\)/);
  // Removing an app frees its place under the licence.
  value(await s.run('test_remove', { app: 'second-app' }, builder));
  value(await s.run('test_create', { app: 'third-app' }, builder));
});

test('a revoked licence can no longer create or deploy', async () => {
  const builder = await s.verified('revoked-builder');
  const { licence } = value<{ licence: number }>(await s.run('licence_assign', { user_id: builder, sector: 'academia' }, admin));
  value(await s.run('test_create', { app: 'course-reg' }, builder));
  value(await s.run('test_deploy', { app: 'course-reg', what: 'version 1' }, builder));
  assert.equal(refusal(await s.run('licence_revoke', { licence, reason: 'left the university' }, builder)).code, 'FORBIDDEN');
  value(await s.run('licence_revoke', { licence, reason: 'left the university' }, admin));
  assert.equal(refusal(await s.run('test_deploy', { app: 'course-reg', what: 'version 2' }, builder)).code, 'NOT_LICENSED');
  assert.equal(refusal(await s.run('test_create', { app: 'another' }, builder)).code, 'NOT_LICENSED');
  assert.equal(refusal(await s.run('licence_revoke', { licence, reason: 'again' }, admin)).code, 'ALREADY_REVOKED');
});

test('a pool cannot shrink below the licences its sector holds', async () => {
  const sectors = [{ sector: 'startups', size: 0, ...TERMS }];
  const result = await govern({ action: 'set_pool', sectors }, 'licence_set_pool', { sectors });
  assert.equal(refusal(result).code, 'POOL_BELOW_ASSIGNED');
});

test('a dismissed administrator can no longer assign', async () => {
  const second = await s.verified('second-admin');
  value(await govern({ action: 'appoint_admin', user_id: second }, 'licence_appoint_admin', { user_id: second }));
  value(await s.run('licence_assign', { user_id: await s.verified('by-second'), sector: 'academia' }, second));
  value(await govern({ action: 'dismiss_admin', user_id: second }, 'licence_dismiss_admin', { user_id: second }));
  const refused = await s.run('licence_assign', { user_id: await s.verified('after-dismissal'), sector: 'academia' }, second);
  assert.equal(refusal(refused).code, 'FORBIDDEN');
});

test('the audit trail names every licence action in order, with who and when, and is append-only', async () => {
  const trail = s.ask<AuditEntry[]>('licence_audit', {}, admin);
  assert.equal(verifyAuditChain(trail), null);
  const actions = trail.map((entry) => entry.action);
  assert.deepEqual(actions, [
    'admin_appointed',
    'pool_set',
    'licence_assigned',
    'licence_assigned',
    'licence_assigned',
    'licence_assigned',
    'pool_set',
    'licence_assigned',
    'app_created',
    'app_created',
    'app_removed',
    'app_created',
    'licence_assigned',
    'app_created',
    'licence_revoked',
    'admin_appointed',
    'licence_assigned',
    'admin_dismissed',
  ]);
  for (const entry of trail) {
    assert.ok(entry.at > 0, `entry ${entry.seq} has its time`);
    assert.ok(entry.actor.length > 0, `entry ${entry.seq} names who acted`);
  }
  const revocation = trail.find((entry) => entry.action === 'licence_revoked') as AuditEntry;
  assert.equal(revocation.actor, admin);
  assert.equal(revocation.details.reason, 'left the university');
  assert.deepEqual((trail[1] as AuditEntry).details.approvers, [s.governance[1]?.id, s.governance[2]?.id].sort());

  // Later actions leave earlier entries exactly as they were.
  value(await s.run('licence_assign', { user_id: await s.verified('late-comer'), sector: 'academia' }, admin));
  const later = s.ask<AuditEntry[]>('licence_audit', {}, admin);
  assert.deepEqual(later.slice(0, trail.length), trail);
  assert.equal(later.length, trail.length + 1);
  assert.equal(verifyAuditChain(later), null);

  // An altered or missing entry is found.
  const altered = later.map((entry) => (entry.action === 'licence_revoked' ? { ...entry, actor: '@someone-else:localhost' } : entry));
  assert.match(verifyAuditChain(altered) ?? '', /was altered/);
  assert.match(verifyAuditChain([...later.slice(0, 3), ...later.slice(4)]) ?? '', /missing/);
});

test('the full trail is for administrators; a person reads the entries about themselves', async () => {
  const person = await s.verified('reader');
  value(await s.run('licence_assign', { user_id: person, sector: 'academia' }, admin));
  const own = s.ask<AuditEntry[]>('licence_audit', {}, person);
  assert.deepEqual(
    own.map((entry) => [entry.action, entry.subject]),
    [['licence_assigned', person]],
  );
  assert.throws(() => s.ask('licence_list', {}, person), /only licence administrators/);
});

test('a key outside the registry, or one governance key counted twice, does not make the threshold', async () => {
  const sectors = [{ sector: 'academia', size: 10, ...TERMS }];
  const keysDir = await mkdtemp(join(tmpdir(), 'watan-outsider-'));
  try {
    const outsider = loadOrCreateSigningKey(join(keysDir, 'outsider.key'));
    const real = s.approvals({ action: 'set_pool', sectors }, s.governance.slice(0, 1));
    const withOutsider = [...real, ...s.approvals({ action: 'set_pool', sectors }, [outsider])];
    assert.equal(refusal(await s.run('licence_set_pool', { sectors, approvals: withOutsider }, 'anyone')).code, 'APPROVALS_INSUFFICIENT');
    const twice = [...real, ...real];
    assert.equal(refusal(await s.run('licence_set_pool', { sectors, approvals: twice }, 'anyone')).code, 'APPROVALS_INSUFFICIENT');
  } finally {
    await rm(keysDir, { recursive: true, force: true });
  }
});

test('administrators list licences, all or one sector’s, held or revoked too', () => {
  const all = s.ask<Licence[]>('licence_list', {}, admin);
  assert.ok(all.length >= 8);
  assert.deepEqual(
    all.map((l) => l.licence),
    [...all.map((l) => l.licence)].sort((a, b) => b - a),
  );
  const academia = s.ask<Licence[]>('licence_list', { sector: 'academia' }, admin);
  assert.ok(academia.length > 0 && academia.every((l) => l.sector === 'academia'));
  assert.ok(academia.some((l) => l.revoked !== null));
  const held = s.ask<Licence[]>('licence_list', { sector: 'academia', held_only: true }, admin);
  assert.equal(held.length, academia.filter((l) => l.revoked === null).length);
  assert.throws(() => s.ask('licence_list', { sector: 'military' }, admin), /not a sector/);
});

test('a licence holder whose identity binding is revoked can no longer build', async () => {
  const holder = await s.verified('stolen-identity');
  value(await s.run('licence_assign', { user_id: holder, sector: 'academia' }, admin));
  value(await s.run('test_create', { app: 'before-revocation' }, holder));
  const revoked = await s.subnet.submit({ app: 'messenger', method: 'revoke_binding', args: { user_id: holder }, caller: admin });
  assert.ok(revoked.ok, JSON.stringify(revoked));
  const deploy = await s.run('test_deploy', { app: 'before-revocation', what: 'version 2' }, holder);
  assert.equal(refusal(deploy).code, 'NOT_VERIFIED');
});

test('replaying the log of every licence command above reproduces each result and digest', async () => {
  await s.stopAndReplay();
});
