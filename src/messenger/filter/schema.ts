import Type, { type Static } from 'typebox';

/**
 * The filter definitions of the client-server API (definitions/event_filter.yaml,
 * room_event_filter.yaml, sync_filter.yaml). Fields the specification does not name are
 * allowed and ignored, as clients send newer fields to older servers.
 */
const Ids = Type.Array(Type.String({ maxLength: 255 }), { maxItems: 1000 });
const Limit = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });

export const EventFilter = Type.Object({
  limit: Type.Optional(Limit),
  types: Type.Optional(Ids),
  not_types: Type.Optional(Ids),
  senders: Type.Optional(Ids),
  not_senders: Type.Optional(Ids),
});

export const RoomEventFilter = Type.Object({
  limit: Type.Optional(Limit),
  types: Type.Optional(Ids),
  not_types: Type.Optional(Ids),
  senders: Type.Optional(Ids),
  not_senders: Type.Optional(Ids),
  rooms: Type.Optional(Ids),
  not_rooms: Type.Optional(Ids),
  contains_url: Type.Optional(Type.Boolean()),
  lazy_load_members: Type.Optional(Type.Boolean()),
  include_redundant_members: Type.Optional(Type.Boolean()),
  unread_thread_notifications: Type.Optional(Type.Boolean()),
});

export const Filter = Type.Object({
  event_fields: Type.Optional(Type.Array(Type.String({ maxLength: 255 }), { maxItems: 100 })),
  event_format: Type.Optional(Type.Union([Type.Literal('client'), Type.Literal('federation')])),
  presence: Type.Optional(EventFilter),
  account_data: Type.Optional(EventFilter),
  room: Type.Optional(
    Type.Object({
      rooms: Type.Optional(Ids),
      not_rooms: Type.Optional(Ids),
      include_leave: Type.Optional(Type.Boolean()),
      timeline: Type.Optional(RoomEventFilter),
      state: Type.Optional(RoomEventFilter),
      ephemeral: Type.Optional(RoomEventFilter),
      account_data: Type.Optional(RoomEventFilter),
    }),
  ),
});

export type EventFilter = Static<typeof EventFilter>;
export type RoomEventFilter = Static<typeof RoomEventFilter>;
export type Filter = Static<typeof Filter>;
