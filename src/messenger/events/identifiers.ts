/**
 * Identifier grammar (appendices §Identifier Grammar): server names, user ids, room ids,
 * room aliases and the event ids of room version 11. Each parser returns the parts or an
 * error message that says what is wrong and what a valid identifier looks like.
 */
import { isIPv6 } from 'node:net';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export type ServerName = {
  /** The hostname as written: a DNS name, a dotted-quad IPv4 literal, or an IPv6 literal with its brackets. */
  host: string;
  hostKind: 'dns' | 'ipv4' | 'ipv6';
  /** The explicit port, when the name has one. */
  port?: number;
};

/** `@localpart:server_name`. */
export type UserId = {
  localpart: string;
  /** The server name as written, port included. */
  serverName: string;
  server: ServerName;
  /**
   * False for a historical user id whose localpart is empty or has characters outside
   * U+0021–U+007E. Servers accept such ids in events but SHOULD NOT pass them to clients
   * outside an event (appendices §Historical User IDs).
   */
  compliant: boolean;
};

/** `!opaque_id:server_name`, the room id form of room version 11. */
export type RoomId = { opaqueId: string; serverName: string; server: ServerName };

/** `#alias:server_name`. */
export type RoomAlias = { localpart: string; serverName: string; server: ServerName };

/** `$` and the URL-safe unpadded Base64 of a SHA-256 reference hash (room versions 4 and later). */
export type EventId = { referenceHash: string };

/** An identifier, sigil and server name included, is at most this many UTF-8 bytes. */
export const MAX_IDENTIFIER_BYTES = 255;

const USER_LOCALPART = /^[a-z0-9._=\-/+]+$/;
const USER_LOCALPART_CHAR = /[a-z0-9._=\-/+]/;
const COMPLIANT_HISTORICAL_LOCALPART = /^[\x21-\x7e]+$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const DNS_NAME = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*$/;
const IPV6_CHARS = /^[0-9A-Fa-f:.]{2,45}$/;
const PORT = /^\d{1,5}$/;
/** A SHA-256 hash is 32 bytes: 43 characters of unpadded Base64. */
const V4_EVENT_ID = /^\$[A-Za-z0-9_-]{43}$/;

/** `hostname [":" port]`, where hostname is a DNS name, an IPv4 literal or a bracketed IPv6 literal. */
export function parseServerName(text: string): Parsed<ServerName> {
  const fail = (reason: string): Parsed<ServerName> => failure(`${quote(text)} is not a valid server name: ${reason}`);
  if (text === '') return fail('it is empty; a server name looks like example.org, example.org:8448, 1.2.3.4 or [1234:5678::abcd]');
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return fail('an IPv6 literal opened with "[" must be closed with "]"');
    host = text.slice(0, close + 1);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return fail(`after the IPv6 literal only ":port" may follow, not ${quote(rest)}`);
    if (rest !== '') portText = rest.slice(1);
  } else {
    const colon = text.indexOf(':');
    host = colon === -1 ? text : text.slice(0, colon);
    if (colon !== -1) portText = text.slice(colon + 1);
  }
  const hostKind = checkHost(host);
  if (typeof hostKind === 'object') return fail(hostKind.error);
  const server: ServerName = { host, hostKind };
  if (portText !== undefined) {
    if (!PORT.test(portText)) return fail(`the port ${quote(portText)} must be 1 to 5 decimal digits`);
    const port = Number(portText);
    if (port < 1 || port > 65535) return fail(`the port ${port} is not between 1 and 65535`);
    server.port = port;
  }
  return { ok: true, value: server };
}

/**
 * A user id under the current grammar (specification v1.8 and later): a non-empty localpart
 * of a-z, 0-9 and `. _ = - / +`, and at most 255 bytes in all. Use it for ids this server
 * creates or accepts from clients.
 */
export function parseUserId(text: string): Parsed<UserId> {
  const parts = splitIdentifier(text, '@', 'user ID', '@alice:example.org');
  if (!parts.ok) return parts;
  const { localpart, serverName, server } = parts.value;
  if (!USER_LOCALPART.test(localpart)) {
    return failure(`${quote(text)} is not a valid user ID: ${localpartProblem(localpart)}`);
  }
  return { ok: true, value: { localpart, serverName, server, compliant: true } };
}

/**
 * A user id as events may still carry it (appendices §Historical User IDs): the localpart
 * may be any Unicode except `:` and NUL, even empty. Use it for senders and state keys of
 * events received over federation; `compliant` says whether the id may be shown to clients
 * outside an event.
 */
export function parseHistoricalUserId(text: string): Parsed<UserId> {
  const parts = splitIdentifier(text, '@', 'user ID', '@alice:example.org');
  if (!parts.ok) return parts;
  const { localpart, serverName, server } = parts.value;
  if (localpart.includes('\0')) return failure(`${quote(text)} is not a valid user ID: its localpart contains NUL (U+0000)`);
  return { ok: true, value: { localpart, serverName, server, compliant: COMPLIANT_HISTORICAL_LOCALPART.test(localpart) } };
}

/** A room id of room version 11: `!opaque_id:server_name`, at most 255 bytes. */
export function parseRoomId(text: string): Parsed<RoomId> {
  const parts = splitIdentifier(text, '!', 'room ID', '!aBcDeF:example.org');
  if (!parts.ok) return parts;
  const { localpart, serverName, server } = parts.value;
  const problem = opaqueLocalpartProblem(localpart, 'opaque id');
  if (problem) return failure(`${quote(text)} is not a valid room ID: ${problem}`);
  return { ok: true, value: { opaqueId: localpart, serverName, server } };
}

/** A room alias: `#alias:server_name`, at most 255 bytes. */
export function parseRoomAlias(text: string): Parsed<RoomAlias> {
  const parts = splitIdentifier(text, '#', 'room alias', '#lobby:example.org');
  if (!parts.ok) return parts;
  const { localpart, serverName, server } = parts.value;
  const problem = opaqueLocalpartProblem(localpart, 'alias');
  if (problem) return failure(`${quote(text)} is not a valid room alias: ${problem}`);
  return { ok: true, value: { localpart, serverName, server } };
}

/** An event id of room version 11 (the format of versions 4 and later): `$` and 43 URL-safe Base64 characters. */
export function parseEventId(text: string): Parsed<EventId> {
  if (V4_EVENT_ID.test(text)) return { ok: true, value: { referenceHash: text.slice(1) } };
  const fail = (reason: string): Parsed<EventId> =>
    failure(
      `${quote(text)} is not a valid event ID: ${reason}; an event ID is "$" and 43 URL-safe Base64 characters, like $Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg`,
    );
  if (!text.startsWith('$')) return fail('it must start with "$"');
  if (text.includes(':')) return fail('it has a ":server" part, which only room versions 1 and 2 used');
  const hash = text.slice(1);
  const bad = /[^A-Za-z0-9_-]/u.exec(hash);
  if (bad) return fail(`it contains ${quote(bad[0])}, which URL-safe Base64 does not use (standard Base64's + and / become - and _)`);
  return fail(`it has ${hash.length} characters after "$", not 43`);
}

/** The sigil, the localpart up to the first ":", and a valid server name after it; the whole within 255 bytes. */
function splitIdentifier(
  text: string,
  sigil: string,
  kind: string,
  example: string,
): Parsed<{ localpart: string; serverName: string; server: ServerName }> {
  const fail = (reason: string) => failure(`${quote(text)} is not a valid ${kind}: ${reason}; a ${kind} looks like ${example}`);
  if (!text.startsWith(sigil)) return fail(`it must start with "${sigil}"`);
  if (!text.isWellFormed()) return fail('it contains an unpaired UTF-16 surrogate, which is not a Unicode character');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES)
    return fail(`it is ${bytes} bytes long, over the limit of ${MAX_IDENTIFIER_BYTES} (sigil and server name included)`);
  const colon = text.indexOf(':');
  if (colon === -1) return fail('it has no ":" and server name');
  const serverName = text.slice(colon + 1);
  const server = parseServerName(serverName);
  if (!server.ok) return fail(`its server name is wrong: ${server.error}`);
  return { ok: true, value: { localpart: text.slice(sigil.length, colon), serverName, server: server.value } };
}

function checkHost(host: string): ServerName['hostKind'] | { error: string } {
  if (host.startsWith('[')) {
    const address = host.slice(1, -1);
    if (!IPV6_CHARS.test(address) || !isIPv6(address)) {
      return { error: `${quote(host)} is not an IPv6 address in brackets (RFC 3513 §2.2), like [1234:5678::abcd]` };
    }
    return 'ipv6';
  }
  if (host === '') return { error: 'the hostname before the port is empty' };
  const quad = IPV4.exec(host);
  if (quad) {
    const octet = quad.slice(1).find((part) => Number(part) > 255);
    return octet === undefined ? 'ipv4' : { error: `the IPv4 literal has ${octet}, but each of its four numbers must be 0 to 255` };
  }
  if (host.length > 255) return { error: `the DNS name is ${host.length} characters long, over the limit of 255` };
  if (!DNS_NAME.test(host)) {
    const bad = /[^A-Za-z0-9.-]/u.exec(host);
    return {
      error: bad
        ? `the hostname contains ${quote(bad[0])}; a DNS name has only letters, digits, "-" and "."`
        : 'the hostname has an empty label; a DNS name is labels of letters, digits and "-" separated by single dots',
    };
  }
  return 'dns';
}

function localpartProblem(localpart: string): string {
  if (localpart === '') return 'the localpart between "@" and ":" is empty';
  for (const char of localpart) {
    if (USER_LOCALPART_CHAR.test(char)) continue;
    if (char >= 'A' && char <= 'Z') {
      return `the localpart contains the upper-case ${quote(char)}; user IDs are lower-case, so use ${quote(localpart.toLowerCase())}`;
    }
    return `the localpart contains ${quote(char)}; a localpart may only contain a-z, 0-9 and . _ = - / +`;
  }
  return 'the localpart is not valid';
}

function opaqueLocalpartProblem(localpart: string, name: string): string | undefined {
  if (localpart === '') return `the ${name} before ":" is empty`;
  if (localpart.includes('\0')) return `the ${name} contains NUL (U+0000)`;
  return undefined;
}

function failure(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

/** A value quoted for a message, with control characters escaped so the message stays readable. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
