import { canonicalJsonBytes, type SigningKey, verifySignature } from '../../subnet/index.ts';

const DOMAIN = 'watan/peer-request/v1\n';
/** How old a signed peer request may be: room for clock skew, too short for a replay to matter. */
export const PEER_REQUEST_WINDOW_MS = 60_000;

/** What a replica signs to ask another: the subnet, the replica asked, the request and the time (so it is good for nothing else). */
function requestBytes(subnet: string, to: string, method: string, path: string, time: number): Buffer {
  return Buffer.concat([Buffer.from(DOMAIN, 'utf8'), canonicalJsonBytes({ subnet, to, method, path, time })]);
}

/** Headers that say which replica asks, signed by its node key for this one request to the replica `to`. */
export function peerRequestHeaders(
  key: SigningKey,
  subnet: string,
  to: string,
  request: { method: string; path: string },
  now = Date.now(),
): Record<string, string> {
  return {
    'x-watan-node': key.id,
    'x-watan-time': String(now),
    'x-watan-signature': key.sign(requestBytes(subnet, to, request.method, request.path, now)).toString('base64url'),
  };
}

/** The asking node when the headers are its fresh signature of this request to `self`; what is wrong otherwise. */
export function checkPeerRequest(
  headers: Record<string, string | string[] | undefined>,
  subnet: string,
  self: string,
  request: { method: string; path: string },
  now = Date.now(),
): { node: string } | { problem: string } {
  const [node, time, signature] = ['x-watan-node', 'x-watan-time', 'x-watan-signature'].map((name) => headers[name]);
  if (typeof node !== 'string' || typeof time !== 'string' || typeof signature !== 'string') {
    return { problem: "this endpoint is for the subnet's replicas: sign the request (x-watan-node, x-watan-time, x-watan-signature)" };
  }
  const at = Number(time);
  if (!Number.isSafeInteger(at) || Math.abs(now - at) > PEER_REQUEST_WINDOW_MS) {
    return { problem: "x-watan-time is not within a minute of this replica's clock" };
  }
  if (!verifySignature(node, requestBytes(subnet, self, request.method, request.path, at), Buffer.from(signature, 'base64url'))) {
    return { problem: 'x-watan-signature does not verify for x-watan-node and this request' };
  }
  return { node };
}
