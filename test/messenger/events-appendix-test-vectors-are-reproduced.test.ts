import assert from 'node:assert/strict';
import { createPrivateKey, hash, type KeyObject, sign } from 'node:crypto';
import { test } from 'node:test';
import {
  contentHash,
  decodeBase64,
  encodeUnpaddedBase64,
  encodeUnpaddedBase64Url,
  redact,
  verifyContentHash,
} from '../../src/messenger/events/index.ts';
import { canonicalJson, canonicalJsonBytes } from '../../src/subnet/index.ts';

// Appendices §Cryptographic Test Vectors. The events there predate room version 11: they
// carry `origin`, which v11 no longer protects from redaction. Content hashes do not depend on
// the room version and are reproduced exactly; the event signatures are reproduced once
// `origin` is put back into our v11 redaction, which shows every other kept key is the same.

const SIGNING_KEY_SEED = 'YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1';

function signingKey(): KeyObject {
  // An Ed25519 PKCS#8 document is this fixed prefix followed by the 32-byte seed.
  const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({ key: Buffer.concat([pkcs8Prefix, decodeBase64(SIGNING_KEY_SEED)]), format: 'der', type: 'pkcs8' });
}

/** Appendices §Signing Details: sign the canonical JSON without `signatures` and `unsigned`. */
function signature(object: Record<string, unknown>): string {
  const { signatures: _signatures, unsigned: _unsigned, ...signed } = object;
  return encodeUnpaddedBase64(sign(null, canonicalJsonBytes(signed), signingKey()));
}

const MINIMAL_EVENT = {
  room_id: '!x:domain',
  sender: '@a:domain',
  origin: 'domain',
  origin_server_ts: 1000000,
  signatures: {},
  hashes: {},
  type: 'X',
  content: {},
  prev_events: [],
  auth_events: [],
  depth: 3,
  unsigned: { age_ts: 1000000 },
};

const MESSAGE_EVENT = {
  content: { body: 'Here is the message content' },
  event_id: '$0:domain',
  origin: 'domain',
  origin_server_ts: 1000000,
  type: 'm.room.message',
  room_id: '!r:domain',
  sender: '@u:domain',
  signatures: {},
  unsigned: { age_ts: 1000000 },
};

test('the signing key seed of the appendix decodes from unpadded Base64 to 32 bytes', () => {
  assert.equal(decodeBase64(SIGNING_KEY_SEED).length, 32);
});

test('signing the appendix JSON objects reproduces their signatures byte for byte', () => {
  assert.equal(signature({}), 'K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ');
  assert.equal(signature({ one: 1, two: 'Two' }), 'KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw');
});

test('the content hash of the minimal appendix event is the one the appendix gives', () => {
  assert.equal(contentHash(MINIMAL_EVENT), '5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos');
  assert.equal(verifyContentHash({ ...MINIMAL_EVENT, hashes: { sha256: '5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos' } }), true);
});

test('the content hash of the appendix message event is the one the appendix gives', () => {
  assert.equal(contentHash(MESSAGE_EVENT), 'onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g');
});

test('the appendix event signatures are reproduced from our redaction once the pre-v11 origin key is restored', () => {
  const cases = [
    [MINIMAL_EVENT, 'KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg'],
    [MESSAGE_EVENT, 'Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA'],
  ] as const;
  for (const [event, expected] of cases) {
    const hashed = { ...event, hashes: { sha256: contentHash(event) } };
    const redacted = redact(hashed);
    assert.equal('origin' in redacted, false, 'room version 11 redaction drops origin');
    assert.notEqual(signature(redacted), expected, 'a v11 signature differs: origin is no longer covered');
    assert.equal(signature({ ...redacted, origin: event.origin }), expected);
  }
});

test('a real room version 4 event id from gomatrixserverlib is reproduced once the pre-v11 redaction rules are applied', () => {
  // gomatrixserverlib eventversion_test.go, TestEventIDForRoomVersionV4. Versions 4 to 10
  // also keep origin and prev_state, and keep only `creator` of a create event's content.
  const event = JSON.parse(
    '{"auth_events": [], "prev_events": [], "type": "m.room.create", "room_id": "!uXDCzlYgCTHtiWCkEx:jki.re", "sender": "@erikj:jki.re", "content": {"room_version": "5", "predecessor": {"room_id": "!gdRMqOrTFdOCYHNwOo:half-shot.uk", "event_id": "$LP7ROBc4b+cMc1UE9haIz8q5AK2AIW4eJ90FfKLvyZI"}, "creator": "@erikj:jki.re"}, "depth": 1, "prev_state": [], "state_key": "", "origin": "jki.re", "origin_server_ts": 1560284621137, "hashes": {"sha256": "IX6zuNiJpJPNf70BLleL3HSCpjKeq9Uhu7uUpyDjBmc"}, "signatures": {"jki.re": {"ed25519:auto": "O4IyFfF2PPtGp5uaDm8t57dZbdh8vc8Q64LgCwvzYRVItAMI0uisfiAFaxkVT7MRpzh6N2QNN5NMRXZKmgPYDA"}}, "unsigned": {"age": 1321650}}',
  );
  const { signatures: _signatures, ...redacted } = redact(event);
  const preV11 = { ...redacted, content: { creator: event.content.creator }, origin: event.origin, prev_state: event.prev_state };
  const eventId = `$${encodeUnpaddedBase64Url(hash('sha256', canonicalJsonBytes(preV11), 'buffer'))}`;
  assert.equal(eventId, '$RrGxF28UrHLmoASHndYb9Jb_1SFww2ptmtur9INS438');
});

test('canonical JSON of the appendix event is what gets hashed: sorted keys, no whitespace', () => {
  const { unsigned: _unsigned, signatures: _signatures, hashes: _hashes, ...hashed } = MINIMAL_EVENT;
  assert.equal(
    canonicalJson(hashed),
    '{"auth_events":[],"content":{},"depth":3,"origin":"domain","origin_server_ts":1000000,"prev_events":[],"room_id":"!x:domain","sender":"@a:domain","type":"X"}',
  );
});
