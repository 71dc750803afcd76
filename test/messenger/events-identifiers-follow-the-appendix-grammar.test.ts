import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Parsed,
  parseEventId,
  parseHistoricalUserId,
  parseRoomAlias,
  parseRoomId,
  parseServerName,
  parseUserId,
} from '../../src/messenger/events/index.ts';

// Appendices §Identifier Grammar.

function value<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) assert.fail(parsed.error);
  return parsed.value;
}

function error<T>(parsed: Parsed<T>): string {
  if (parsed.ok) assert.fail(`expected a refusal, got ${JSON.stringify(parsed.value)}`);
  return parsed.error;
}

test('every valid server name the appendix lists parses into host, kind and port', () => {
  assert.deepEqual(value(parseServerName('matrix.org')), { host: 'matrix.org', hostKind: 'dns' });
  assert.deepEqual(value(parseServerName('matrix.org:8888')), { host: 'matrix.org', hostKind: 'dns', port: 8888 });
  assert.deepEqual(value(parseServerName('1.2.3.4')), { host: '1.2.3.4', hostKind: 'ipv4' });
  assert.deepEqual(value(parseServerName('1.2.3.4:1234')), { host: '1.2.3.4', hostKind: 'ipv4', port: 1234 });
  assert.deepEqual(value(parseServerName('[1234:5678::abcd]')), { host: '[1234:5678::abcd]', hostKind: 'ipv6' });
  assert.deepEqual(value(parseServerName('[1234:5678::abcd]:5678')), { host: '[1234:5678::abcd]', hostKind: 'ipv6', port: 5678 });
});

test('server names accept upper case, hyphens, single labels and IPv4-mapped IPv6 literals', () => {
  assert.equal(value(parseServerName('MATRIX.ORG')).host, 'MATRIX.ORG', 'case is kept: server names are case-sensitive');
  assert.equal(value(parseServerName('my-server.example')).hostKind, 'dns');
  assert.equal(value(parseServerName('localhost:8008')).port, 8008);
  assert.equal(value(parseServerName('[::ffff:1.2.3.4]:8448')).hostKind, 'ipv6');
  assert.equal(value(parseServerName('1.2.3')).hostKind, 'dns', 'three numbers are a DNS name, not an IPv4 literal');
});

test('server names that break the grammar are refused with the reason', () => {
  const refusals: [string, RegExp][] = [
    ['', /empty/],
    ['matrix.org:', /port "" must be 1 to 5 decimal digits/],
    ['matrix.org:http', /port "http"/],
    ['matrix.org:123456', /1 to 5 decimal digits/],
    ['matrix.org:0', /between 1 and 65535/],
    ['matrix.org:65536', /between 1 and 65535/],
    [':8448', /hostname before the port is empty/],
    ['256.1.1.1', /0 to 255/],
    ['[1234:5678::abcd', /closed with "]"/],
    ['[1234:5678::abcd]x', /only ":port" may follow/],
    ['[1234:5678::abcd]:', /port ""/],
    ['[not:an:address]', /not an IPv6 address/],
    ['[fe80::1%eth0]', /not an IPv6 address/],
    ['[]', /not an IPv6 address/],
    ['1234:5678::abcd', /port/],
    ['exa mple.org', /contains " "/],
    ['ex_ample.org', /contains "_"/],
    ['example..org', /empty label/],
    ['.example.org', /empty label/],
    ['example.org.', /empty label/],
    [`${'a'.repeat(256)}`, /256 characters long/],
  ];
  for (const [text, reason] of refusals) assert.match(error(parseServerName(text)), reason, text);
});

test('user ids from the appendix and edge cases of the current grammar are accepted', () => {
  assert.deepEqual(value(parseUserId('@user:matrix.org')), {
    localpart: 'user',
    serverName: 'matrix.org',
    server: { host: 'matrix.org', hostKind: 'dns' },
    compliant: true,
  });
  assert.equal(value(parseUserId('@john.doe:example.com')).localpart, 'john.doe');
  assert.equal(value(parseUserId('@a.b_c=d-e/f+g09:example.org')).localpart, 'a.b_c=d-e/f+g09');
  assert.deepEqual(value(parseUserId('@alice:[1234:5678::abcd]:5678')).server, { host: '[1234:5678::abcd]', hostKind: 'ipv6', port: 5678 });
  assert.equal(value(parseUserId('@0:1.2.3.4:1234')).server.port, 1234);
});

test('a user id may be 255 bytes long, sigil and server name included, and not one more', () => {
  const server = ':example.org';
  const longest = `@${'a'.repeat(255 - 1 - server.length)}${server}`;
  assert.equal(Buffer.byteLength(longest), 255);
  assert.equal(parseUserId(longest).ok, true);
  assert.match(error(parseUserId(`@a${longest.slice(1)}`)), /256 bytes long, over the limit of 255/);
});

test('user ids that break the current grammar are refused with a reason a person can act on', () => {
  assert.match(error(parseUserId('@USER:matrix.org')), /upper-case "U".*use "user"/);
  assert.match(error(parseUserId('@:matrix.org')), /localpart between "@" and ":" is empty/);
  assert.match(error(parseUserId('@alice')), /no ":" and server name.*looks like @alice:example.org/);
  assert.match(error(parseUserId('@alice:')), /server name is wrong/);
  assert.match(error(parseUserId('alice:matrix.org')), /must start with "@"/);
  assert.match(error(parseUserId('@al ice:example.org')), /contains " "/);
  assert.match(error(parseUserId('@alice*:example.org')), /contains "\*"/);
  assert.match(error(parseUserId('@josé:example.org')), /contains "é"/);
  assert.match(error(parseUserId('@alice:exa mple.org')), /server name is wrong/);
  assert.match(error(parseUserId('@alice:matrix.org:99999999')), /port/);
});

test('historical user ids accept any localpart but ":" and NUL, and say which are non-compliant', () => {
  assert.equal(value(parseHistoricalUserId('@alice:example.org')).compliant, true);
  assert.equal(value(parseHistoricalUserId('@Alice:example.org')).compliant, true, 'U+0021 to U+007E, upper case included, is compliant');
  assert.equal(value(parseHistoricalUserId('@:example.org')).compliant, false, 'an empty localpart is accepted but non-compliant');
  assert.equal(value(parseHistoricalUserId('@josé:example.org')).compliant, false);
  assert.equal(value(parseHistoricalUserId('@a b:example.org')).compliant, false);
  assert.equal(value(parseHistoricalUserId('@\u0001:example.org')).compliant, false, 'control characters other than NUL are accepted');
  assert.match(error(parseHistoricalUserId('@a\0b:example.org')), /NUL/);
  assert.match(error(parseHistoricalUserId('@\uD800:example.org')), /unpaired UTF-16 surrogate/);
  assert.match(error(parseHistoricalUserId('@alice')), /no ":"/);
});

test('the 255 limit counts UTF-8 bytes, not characters', () => {
  const text = `@${'é'.repeat(122)}:example.org`;
  assert.equal(text.length, 135);
  assert.match(error(parseHistoricalUserId(text)), /257 bytes/);
  assert.equal(parseHistoricalUserId(`@${'é'.repeat(121)}:example.org`).ok, true);
});

test('room ids of the room version 11 form parse into opaque id and server name', () => {
  assert.deepEqual(value(parseRoomId('!x:domain')), { opaqueId: 'x', serverName: 'domain', server: { host: 'domain', hostKind: 'dns' } });
  assert.equal(value(parseRoomId('!19Mp0U9hjajeIiw1:localhost')).opaqueId, '19Mp0U9hjajeIiw1');
  assert.equal(value(parseRoomId('!AbC:[::1]:8448')).server.port, 8448);
  assert.match(error(parseRoomId('x:domain')), /must start with "!"/);
  assert.match(error(parseRoomId('!:domain')), /opaque id before ":" is empty/);
  assert.match(error(parseRoomId('!abcdef')), /no ":"/);
  assert.match(error(parseRoomId('!a\0b:domain')), /NUL/);
  assert.match(error(parseRoomId(`!${'a'.repeat(250)}:domain`)), /over the limit of 255/);
});

test('room aliases take any localpart but ":" and NUL, and need a server name', () => {
  assert.equal(value(parseRoomAlias('#room_alias:domain')).localpart, 'room_alias');
  assert.equal(value(parseRoomAlias('#日本:example.org:8448')).localpart, '日本');
  assert.match(error(parseRoomAlias('#:example.org')), /alias before ":" is empty/);
  assert.match(error(parseRoomAlias('#lobby')), /no ":".*looks like #lobby:example.org/);
  assert.match(error(parseRoomAlias('!lobby:example.org')), /must start with "#"/);
  assert.match(error(parseRoomAlias('#lob\0by:example.org')), /NUL/);
});

test('event ids of room version 11 are "$" and 43 URL-safe Base64 characters, like the specification example', () => {
  assert.deepEqual(value(parseEventId('$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg')), {
    referenceHash: 'Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg',
  });
  assert.match(error(parseEventId('$0:domain')), /room versions 1 and 2/);
  assert.match(error(parseEventId('$Rqnc+F/dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg')), /contains "\+".*become - and _/);
  assert.match(error(parseEventId('Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg')), /must start with "\$"/);
  assert.match(error(parseEventId('$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Z')), /42 characters/);
  assert.match(error(parseEventId('$')), /0 characters/);
});
