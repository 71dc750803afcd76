import { hash, randomBytes } from 'node:crypto';

/**
 * Access tokens: 256 random bits made at ingress, handed to the client once. Only their
 * SHA-256 is ever stored or logged as a command argument, so neither the log nor a copy of
 * the database lets anyone act as a user.
 */
export function newAccessToken(): string {
  return `wat_${randomBytes(32).toString('base64url')}`;
}

export function tokenHash(token: string): string {
  return hash('sha256', token, 'hex');
}

/** A device id for a client that did not choose one: not secret, just unique. */
export function newDeviceId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return Array.from(randomBytes(10), (byte) => alphabet[byte % alphabet.length]).join('');
}
