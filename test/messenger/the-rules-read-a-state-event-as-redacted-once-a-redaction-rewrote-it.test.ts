/**
 * Commands parse each state event the authorisation rules read once and keep it
 * (app/room-state.ts). A redaction rewrites a stored event, so what was kept must go with it:
 * a third-party invite whose content was redacted can no longer be read with its public key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { applyRedaction } from '../../src/messenger/app/room-events.ts';
import { StoredRoomState } from '../../src/messenger/app/room-state.ts';
import { messengerApp } from '../../src/messenger/index.ts';
import { stateEvent } from '../../src/messenger/rooms/index.ts';
import { type AppContext, AppStore, canonicalJson } from '../../src/subnet/index.ts';
import { tableDdl } from '../../src/subnet/table.ts';

const ROOM = '!room:localhost';
const INVITE = '$invite';

test('a state event kept for the rules is read again, redacted, once a redaction rewrote it', () => {
  const db = new Database(':memory:');
  for (const spec of messengerApp.tables) for (const ddl of tableDdl('messenger', spec)) db.exec(ddl);
  const store = new AppStore(db, 'messenger', messengerApp.tables, { add() {}, remove() {} });
  const pdu = {
    type: 'm.room.third_party_invite',
    state_key: 'token',
    sender: '@alice:localhost',
    room_id: ROOM,
    content: { display_name: 'bob…', key_validity_url: 'https://id.example/isvalid', public_key: 'AAAA' },
    auth_events: [],
    prev_events: [],
    depth: 2,
    origin_server_ts: 1,
    hashes: { sha256: 'x' },
    signatures: {},
  };
  store.insert('events', {
    event_id: INVITE,
    room_id: ROOM,
    stream: 1,
    type: pdu.type,
    state_key: pdu.state_key,
    sender: pdu.sender,
    pdu: canonicalJson(pdu),
    txn_device: null,
    txn_id: null,
    redacted_by: null,
    visibility: 'shared',
  });
  store.put('room_state', { room_id: ROOM, type: pdu.type, state_key: pdu.state_key, event_id: INVITE });
  const invite = () => stateEvent(new StoredRoomState(store, ROOM), 'm.room.third_party_invite', 'token');

  assert.equal(invite()?.content.public_key, 'AAAA');
  assert.equal(invite()?.content.public_key, 'AAAA', 'read twice, the same');
  applyRedaction({ store } as unknown as AppContext, ROOM, '$redaction', INVITE);
  assert.deepEqual(invite()?.content, {}, 'the redacted content, not the kept one');
  assert.equal(invite()?.event_id, INVITE);
});
