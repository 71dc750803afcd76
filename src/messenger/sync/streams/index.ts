import { accountDataStream } from './account-data.ts';
import { deviceListStream } from './device-lists.ts';
import { membershipStream } from './memberships.ts';
import { receiptStream } from './receipts.ts';
import { roomEventStream } from './room-events.ts';
import { stateStream } from './state.ts';
import type { StateStream } from './stream.ts';
import { toDeviceStream } from './to-device.ts';
import { unreadCountStream } from './unread-counts.ts';

export { accountDataStream } from './account-data.ts';
export { deviceListStream } from './device-lists.ts';
export { membershipStream } from './memberships.ts';
export { newlyMet, presenceStream } from './presence.ts';
export { receiptStream } from './receipts.ts';
export { roomEventStream } from './room-events.ts';
export type { StateStream, StreamChanges, SyncStream } from './stream.ts';
export { toDeviceStream } from './to-device.ts';
export { addTypingSection, typingStream } from './typing.ts';

/** The streams the log orders, read from the replica's state. */
export const stateStreams: readonly StateStream[] = [
  roomEventStream,
  stateStream,
  membershipStream,
  receiptStream,
  accountDataStream,
  toDeviceStream,
  deviceListStream,
  unreadCountStream,
];
