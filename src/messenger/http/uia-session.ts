import { randomBytes } from 'node:crypto';
import type { NodeContext } from '../../node/index.ts';
import { canonicalJsonBytes, isMember, verifySignature } from '../../subnet/index.ts';

/**
 * User-interactive auth sessions that any replica of the subnet recognises: the session id a
 * client gets is the session itself — what it is for, whose it is and until when — signed by
 * the node key of the replica that opened it. A client behind a load balancer may send its
 * next step to another replica, which checks the signature against the registry's members
 * instead of looking the id up in its own memory. Nothing secret is in it (it goes back to
 * the client that asked), and it proves nothing by itself: each stage still has to be passed.
 */
export interface UiaClaims {
  /** What the session is for: `register`, or the request binding of a protected call. */
  purpose: string;
  /** The user it belongs to, for calls made by a signed-in user. */
  user?: string;
  /** In words, for the m.login.sso fallback page. */
  words?: string;
}

interface SignedClaims extends UiaClaims {
  node: string;
  expires: number;
  /** Makes every session id distinct, so one can be forgotten once used. */
  nonce: string;
}

const DOMAIN = Buffer.from('watan/uia-session/v1\n', 'utf8');
/** How long a user-interactive auth session stays open. */
export const UIA_SESSION_MS = 10 * 60 * 1000;
/** The longest session id this server hands out (clients send it back). */
export const MAX_UIA_SESSION_LENGTH = 1024;

export function openUiaSession(node: NodeContext, claims: UiaClaims): string {
  const signed: SignedClaims = {
    ...claims,
    node: node.subnet.nodeKey.id,
    expires: Date.now() + UIA_SESSION_MS,
    nonce: randomBytes(12).toString('base64url'),
  };
  const bytes = canonicalJsonBytes({ ...signed });
  const signature = node.subnet.nodeKey.sign(Buffer.concat([DOMAIN, bytes]));
  return `${bytes.toString('base64url')}.${signature.toString('base64url')}`;
}

/** The session's claims when a member replica signed it and it has not run out; undefined otherwise. */
export function readUiaSession(node: NodeContext, id: string): (UiaClaims & { expires: number }) | undefined {
  if (id.length > MAX_UIA_SESSION_LENGTH) return undefined;
  const [payload, signature, extra] = id.split('.');
  if (!payload || !signature || extra !== undefined) return undefined;
  const bytes = Buffer.from(payload, 'base64url');
  let claims: SignedClaims;
  try {
    claims = JSON.parse(bytes.toString('utf8')) as SignedClaims;
  } catch {
    return undefined;
  }
  if (typeof claims?.node !== 'string' || typeof claims.purpose !== 'string' || !Number.isSafeInteger(claims.expires)) return undefined;
  if (claims.expires < Date.now()) return undefined;
  if (!verifySignature(claims.node, Buffer.concat([DOMAIN, bytes]), Buffer.from(signature, 'base64url'))) return undefined;
  if (!isMember(node.subnet, claims.node)) return undefined;
  const { purpose, user, words, expires } = claims;
  return { purpose, expires, ...(typeof user === 'string' ? { user } : {}), ...(typeof words === 'string' ? { words } : {}) };
}
