/**
 * A node with the messenger and the builder in this process, with a licensed, verified builder
 * signed in over HTTP: for tests of the builder's HTTP API and CLI.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadOrCreateSigningKey } from '../../src/subnet/index.ts';
import { licenseBuilder, registerVerifiedPerson } from '../fixtures/licensed-builder.ts';
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
  const subnet = m.node.subnet;
  const verifiedLoginToken = async (localpart: string): Promise<string> =>
    (await registerVerifiedPerson(subnet, localpart, { signIn: true })).loginToken as string;
  const verifiedAccount = async (localpart: string): Promise<SignedIn> => {
    const loginToken = await verifiedLoginToken(localpart);
    const signedIn = await m.call('POST', '/login', undefined, { type: 'm.login.token', token: loginToken });
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    return { token: signedIn.body.access_token as string, userId: signedIn.body.user_id as string };
  };
  const builder = await verifiedAccount('builder');
  // The development registry's governance key appoints a licence administrator, who licenses the builder.
  const admin = await verifiedAccount('licence-admin');
  await licenseBuilder(subnet, loadOrCreateSigningKey(join(subnet.dataDir, 'governance.key')), admin.userId, builder.userId, 'government');
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
