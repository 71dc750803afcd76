/**
 * A node with the messenger and the builder in this process, with a licensed, verified builder
 * signed in over HTTP: for tests of the builder's HTTP API and CLI.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { decisionBytes } from '../../src/builder/licences/index.ts';
import { approve, type JsonValue, loadOrCreateSigningKey, newCommandId } from '../../src/subnet/index.ts';
import { type MessengerNode, startMessengerNode } from '../fixtures/messenger-node.ts';

export interface SignedIn {
  token: string;
  userId: string;
}

export interface BuilderNode {
  m: MessengerNode;
  builder: SignedIn;
  /** The licence administrator governance appointed (who licensed `builder`). */
  admin: SignedIn;
  /** A verified person's account, as the SSO callback makes it (a login token), signed in over HTTP with m.login.token. */
  verifiedAccount(localpart: string): Promise<SignedIn>;
  /** A verified person's account as the SSO callback makes it, with the login token not yet used (what SSO hands a client). */
  verifiedLoginToken(localpart: string): Promise<string>;
  api(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> & { errcode?: string; error?: string } }>;
  close(): Promise<void>;
}

export async function startBuilderNode(name: string): Promise<BuilderNode> {
  const m = await startMessengerNode(name);
  const submit = (app: string, method: string, args: Record<string, unknown>, caller: string) =>
    m.node.subnet.submit({ id: newCommandId(), app, method, args: args as JsonValue, caller });
  const verifiedLoginToken = async (localpart: string): Promise<string> => {
    const loginToken = randomBytes(24).toString('base64url');
    const person = createHash('sha256').update(localpart).digest('hex');
    const login = { login_hash: createHash('sha256').update(loginToken).digest('hex'), lifetime_ms: 60_000 };
    const args = {
      person_hash: person,
      server_name: 'localhost',
      localpart,
      via: 'oidc',
      minimum_age: 18,
      accounts_per_person: 1,
      existing: 'refuse',
      login,
    };
    const made = await submit('messenger', 'register_verified', args, 'anonymous');
    assert.ok(made.ok, JSON.stringify(made));
    return loginToken;
  };
  const verifiedAccount = async (localpart: string): Promise<SignedIn> => {
    const loginToken = await verifiedLoginToken(localpart);
    const signedIn = await m.call('POST', '/login', undefined, { type: 'm.login.token', token: loginToken });
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    return { token: signedIn.body.access_token as string, userId: signedIn.body.user_id as string };
  };
  const builder = await verifiedAccount('builder');
  // The development registry's governance key appoints a licence administrator, who licenses the builder.
  const governance = loadOrCreateSigningKey(join(m.node.subnet.dataDir, 'governance.key'));
  const admin = await verifiedAccount('licence-admin');
  const { epoch } = m.node.subnet.query('builder', 'licence_pool', {}, 'test') as { epoch: number };
  const decision = { action: 'appoint_admin', user_id: admin.userId } as const;
  const approvals = [approve(governance, decisionBytes(m.node.subnet.subnetId, epoch, decision))];
  const appointed = await submit('builder', 'licence_appoint_admin', { user_id: admin.userId, approvals }, 'anyone');
  assert.ok(appointed.ok, JSON.stringify(appointed));
  const assigned = await submit('builder', 'licence_assign', { user_id: builder.userId, sector: 'government' }, admin.userId);
  assert.ok(assigned.ok, JSON.stringify(assigned));
  return {
    m,
    builder,
    admin,
    verifiedAccount,
    verifiedLoginToken,
    async api(method, path, token, body) {
      const response = await fetch(`${m.node.url}/_watan/v1/apps${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    close: () => m.close(),
  };
}
