import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { allApps } from '../../src/cli/composition.ts';
import {
  type Certificate,
  dataFiles,
  loadOrCreateSigningKey,
  snapshotRequestHeaders,
  verifySnapshot,
  verifySubnet,
} from '../../src/subnet/index.ts';
import { startMessengerNode } from '../fixtures/messenger-node.ts';

const keys = mkdtempSync(join(tmpdir(), 'watan-snapshot-keys-'));
after(() => rmSync(keys, { recursive: true, force: true }));

test('a member replica fetches a peer’s state and accepts it only as the quorum certified it', { timeout: 120_000 }, async () => {
  const { node, close } = await startMessengerNode('snapshot');
  const dir = node.subnet.dataDir;
  try {
    for (let i = 0; i < 5; i++) await node.subnet.submit({ app: 'kv', method: 'put', args: { key: `k${i}`, value: `v${i}` }, caller: 't' });
    const member = loadOrCreateSigningKey(dataFiles(dir).nodeKey);
    const stranger = loadOrCreateSigningKey(join(keys, 'stranger.key'));
    const url = `${node.url}/_watan/v1/snapshot`;

    assert.equal((await fetch(url)).status, 401, 'an unsigned request gets nothing');
    const strangers = await fetch(url, { headers: snapshotRequestHeaders(stranger, node.subnet.subnetId) });
    assert.equal(strangers.status, 403, 'a node outside the registry gets nothing');
    const stale = await fetch(url, { headers: snapshotRequestHeaders(member, node.subnet.subnetId, Date.now() - 10 * 60_000) });
    assert.equal(stale.status, 401, 'an old signed request is not replayed');

    const response = await fetch(url, { headers: snapshotRequestHeaders(member, node.subnet.subnetId) });
    assert.equal(response.status, 200);
    const block = Number(response.headers.get('x-watan-block'));
    const image = Buffer.from(await response.arrayBuffer());
    const certificate = (await (await fetch(`${node.url}/_watan/v1/checkpoint?block=${block}`)).json()) as Certificate;

    const check = verifySnapshot(image, certificate, node.subnet.subnetId, allApps);
    assert.deepEqual(check.problems, []);
    assert.ok(check.registry);
    const governance = loadOrCreateSigningKey(dataFiles(dir).governanceKey).id;
    assert.equal(verifySubnet({ certificate, registry: check.registry, pinnedGovernanceKeys: [governance] }).ok, true);

    // One edited row, or one dropped command id, and the image is refused.
    const edits = [
      "UPDATE app_kv__entries SET value = 'forged' WHERE key = 'k1'",
      'DELETE FROM watan_command_ids WHERE id = (SELECT id FROM watan_command_ids ORDER BY id LIMIT 1)',
    ];
    for (const edit of edits) {
      const db = new Database(image);
      db.exec(edit);
      const forged = db.serialize();
      db.close();
      const refused = verifySnapshot(forged, certificate, node.subnet.subnetId, allApps);
      assert.equal(refused.ok, false, edit);
      assert.ok(
        refused.problems.some((p) => /digest .* is not the certified/.test(p)),
        refused.problems.join('\n'),
      );
    }
    const older = (await (await fetch(`${node.url}/_watan/v1/checkpoint?block=${block - 1}`)).json()) as Certificate;
    assert.equal(verifySnapshot(image, older, node.subnet.subnetId, allApps).ok, false, 'nor against another block’s certificate');
  } finally {
    await close();
  }
});
