/**
 * Determinism of the builder's engine on a real history: a node runs a generated app's life
 * (deploy, records, workflow, a confirmed destructive upgrade, a restore, notifications sent
 * through the messenger), stops, and a fresh replica replaying its log reaches the same result
 * and digest after every command; `watan audit`'s check recomputes the same state digest.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { allApps } from '../../src/cli/composition.ts';
import { auditDataDir } from '../../src/subnet/index.ts';
import { until } from '../fixtures/matrix-clients.ts';
import { assertReplayReproduces } from '../fixtures/replay-data-folder.ts';
import { startBuilderNode } from './builder-node.ts';

const spec = JSON.parse(readFileSync(new URL('../../examples/apps/course-registration.json', import.meta.url), 'utf8'));

test('every command of a generated app replays to the same results and digests, and the data folder audits', async () => {
  const n = await startBuilderNode('builder-replay');
  const dataDir = n.m.node.subnet.dataDir;
  try {
    const app = spec.slug as string;
    const ok = async (reply: Promise<{ status: number; body: Record<string, unknown> }>) => {
      const { status, body } = await reply;
      assert.equal(status, 200, JSON.stringify(body));
      return body;
    };
    await ok(n.api('POST', '', n.builder.token, { spec }));
    const registrar = await n.verifiedAccount('registrar');
    const student = await n.verifiedAccount('student');
    const grants: [string, string][] = [
      [registrar.userId, 'registrar'],
      [student.userId, 'student'],
    ];
    for (const [user, role] of grants) {
      const assigned = await n.m.node.subnet.submit({
        app: 'builder',
        method: 'member_assign_role',
        args: { app, user_id: user, role },
        caller: n.builder.userId,
      });
      assert.ok(assigned.ok);
    }
    const course = await ok(
      n.api('POST', `/${app}/records/course`, registrar.token, { fields: { code: 'MTH201', title: 'Linear Algebra', seats: 30 } }),
    );
    const registration = await ok(
      n.api('POST', `/${app}/records/registration`, student.token, { fields: { course: course.id, semester: 'spring' } }),
    );
    await ok(n.api('POST', `/${app}/records/registration/${registration.id}/transitions/approve`, registrar.token));
    const next = structuredClone(spec);
    next.entities[0].fields = next.entities[0].fields.filter((f: { name: string }) => f.name !== 'credit_hours');
    next.entities[1].fields[1].choices.pop();
    await ok(n.api('POST', '', n.builder.token, { spec: next, confirm: true }));
    await ok(n.api('POST', `/${app}/restore`, n.builder.token, { version: 1, confirm: true }));
    const withNotice = structuredClone(spec);
    withNotice.notifications = [
      { entity: 'registration', on: 'create', to: [{ role: 'registrar' }], message: { en: 'New registration', ur: 'نیا اندراج' } },
    ];
    await ok(n.api('POST', '', n.builder.token, { spec: withNotice }));
    await ok(n.api('POST', `/${app}/records/registration`, student.token, { fields: { course: course.id, semester: 'fall' } }));
    await until(
      'the notification sent',
      () => (n.m.node.subnet.query('builder', 'notifications_pending', { limit: 10 }, 'test') as unknown[]).length === 0,
    );
  } finally {
    await n.m.node.close();
  }
  try {
    assertReplayReproduces(dataDir);
    const audit = auditDataDir(dataDir, allApps);
    assert.deepEqual(audit.findings, []);
    assert.ok(audit.ok);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
