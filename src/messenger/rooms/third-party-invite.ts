/**
 * Room version 11 auth rule 4.4.1: an invite that completes a third-party invite (one sent to
 * an email address or phone number). The identity server that owns the address signs
 * `{ mxid, token }`; the room's `m.room.third_party_invite` event, keyed by the token, holds
 * the identity server's public keys. Checking the signature is pure computation: ed25519 over
 * the canonical JSON of `signed`, as appendices §Signing JSON describes.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { canonicalJsonBytes } from '../../subnet/index.ts';
import { type AuthEvent, membershipIn, type RoomState, stateEvent } from './auth-event.ts';
import { ALLOWED, type AuthVerdict, refused } from './verdict.ts';

/** Rule 4.4.1 for an `invite` whose content has `third_party_invite`; `state_key` is present. */
export function thirdPartyInviteVerdict(event: AuthEvent, target: string, state: RoomState): AuthVerdict {
  if (membershipIn(state, target) === 'ban') return refused(`${target} is banned from the room`);
  const invite = event.content.third_party_invite;
  const signed = isObject(invite) ? invite.signed : undefined;
  if (!isObject(signed)) return refused('the third-party invite has no part signed by the identity server');
  const { mxid, token } = signed;
  if (typeof mxid !== 'string' || typeof token !== 'string') {
    return refused('the signed part of the third-party invite needs both an mxid and a token');
  }
  if (mxid !== target) return refused(`the third-party invite was signed for ${mxid}, not ${target}`);
  const thirdPartyInvite = stateEvent(state, 'm.room.third_party_invite', token);
  if (thirdPartyInvite === undefined) {
    return refused('the room has no third-party invite with this token; it may have been revoked');
  }
  if (event.sender !== thirdPartyInvite.sender) {
    return refused(`only ${thirdPartyInvite.sender}, who sent the third-party invite, can complete it`);
  }
  if (signedByAnyKey(signed, publicKeysOf(thirdPartyInvite.content))) return ALLOWED;
  return refused('the third-party invite is not signed by any identity server key that the room holds for it');
}

/** `public_key` and every `public_keys[].public_key` of an `m.room.third_party_invite`. */
function publicKeysOf(content: Readonly<Record<string, unknown>>): string[] {
  const keys: string[] = [];
  if (typeof content.public_key === 'string') keys.push(content.public_key);
  if (Array.isArray(content.public_keys)) {
    for (const entry of content.public_keys) {
      if (isObject(entry) && typeof entry.public_key === 'string') keys.push(entry.public_key);
    }
  }
  return keys;
}

/** Whether any ed25519 signature in `signed.signatures` verifies under any of the keys. */
function signedByAnyKey(signed: Record<string, unknown>, publicKeys: readonly string[]): boolean {
  const signatures = signed.signatures;
  if (!isObject(signatures)) return false;
  const keys = publicKeys.map(ed25519PublicKey).filter((key) => key !== undefined);
  const payload = Object.fromEntries(Object.entries(signed).filter(([name]) => name !== 'signatures' && name !== 'unsigned'));
  let message: Buffer;
  try {
    message = canonicalJsonBytes(payload);
  } catch {
    return false;
  }
  for (const byKeyId of Object.values(signatures)) {
    if (!isObject(byKeyId)) continue;
    for (const [keyId, signature] of Object.entries(byKeyId)) {
      if (!keyId.startsWith('ed25519:') || typeof signature !== 'string') continue;
      const signatureBytes = Buffer.from(signature, 'base64');
      if (keys.some((key) => verifies(message, key, signatureBytes))) return true;
    }
  }
  return false;
}

/** An ed25519 public key from (unpadded, standard or URL-safe) base64, if it is one. */
function ed25519PublicKey(encoded: string): KeyObject | undefined {
  const raw = Buffer.from(encoded, 'base64');
  if (raw.length !== 32) return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

function verifies(message: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
