import { randomBytes } from 'node:crypto';

export type PresenceState = 'online' | 'unavailable' | 'offline';

/** An m.presence event's content, as GET /presence/{userId}/status also answers it. */
export interface PresenceContent {
  presence: PresenceState;
  last_active_ago?: number;
  currently_active?: boolean;
  status_msg?: string;
}

interface DevicePresence {
  state: 'online' | 'unavailable';
  /** Syncs of this device in progress; while there is one, it does not go offline. */
  syncing: number;
}

interface UserPresence {
  /** The devices that keep the user present; a device that went offline is not here. */
  devices: Map<string, DevicePresence>;
  /** What others were last told: the most present of the devices. */
  state: PresenceState;
  statusMsg: string | undefined;
  /** When the user last did something: an active sync or setting their presence. */
  lastActive: number;
  /** The serial of the last change others should hear of. */
  changed: number;
}

export interface PresenceOptions {
  /** A monotonic clock in milliseconds. */
  now?: () => number;
  /** How long after its last sync ended a device that stopped syncing counts as gone. */
  offlineAfterMs?: number;
}

/**
 * Who is online. Presence is ephemeral and node-local, like typing: it lives in this node's
 * memory and never enters the log, so each replica knows the users who sync with it. Each of
 * a user's devices is online or unavailable while it syncs and for `offlineAfterMs` after;
 * the user is as present as their most present device (so an idle laptop does not hide an
 * active phone). Going offline is noticed lazily, whenever presence is read or written, from
 * a queue ordered by when devices stopped syncing: no timer per user. Each change others
 * should hear of — coming online, going idle or offline, a new status — takes the next serial,
 * which a sync token carries; a sync that merely keeps a user online changes nothing.
 */
export class PresenceStore {
  /** Names this store's serials: a token from another node or an earlier run is not compared with them. */
  readonly instance = randomBytes(6).toString('hex');
  private serial = 0;
  private readonly users = new Map<string, UserPresence>();
  /**
   * Who changed at which serial, oldest first, so that a sync finds what changed since its
   * token without looking at every user. Superseded entries are dropped now and then.
   */
  private changes: { serial: number; userId: string }[] = [];
  /** Devices that stopped syncing, by `user\0device`, oldest first (the clock is monotonic). */
  private readonly idle = new Map<string, { userId: string; deviceId: string; since: number }>();
  private readonly listeners = new Set<(userIds: readonly string[]) => void>();
  private readonly now: () => number;
  private readonly offlineAfterMs: number;

  constructor(options: PresenceOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.offlineAfterMs = options.offlineAfterMs ?? 30_000;
  }

  get position(): number {
    this.settle();
    return this.serial;
  }

  /** Calls `listener` with the users whose presence changed; returns the unsubscribe function. */
  subscribe(listener: (userIds: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A sync of the device begins; call the answer when it ends. With `online` (a sync's
   * default) or `unavailable` the device is that while it syncs; with `offline` the sync
   * leaves presence alone (such a client "is not marked as being online").
   */
  syncStarted(userId: string, deviceId: string, setPresence: PresenceState = 'online'): () => void {
    this.settle();
    if (setPresence === 'offline') return () => {};
    const user = this.user(userId);
    const device = user.devices.get(deviceId) ?? { state: setPresence, syncing: 0 };
    device.state = setPresence;
    device.syncing += 1;
    user.devices.set(deviceId, device);
    this.idle.delete(idleKey(userId, deviceId));
    if (setPresence === 'online') user.lastActive = this.now();
    if (recompute(user, user.statusMsg)) this.announce([[userId, user]]);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      device.syncing -= 1;
      // A device that set itself offline meanwhile is already gone.
      if (device.syncing === 0 && user.devices.get(deviceId) === device)
        this.idle.set(idleKey(userId, deviceId), { userId, deviceId, since: this.now() });
    };
  }

  /** The user says what their presence is from one device (PUT .../status); an absent status clears it. */
  set(userId: string, deviceId: string, state: PresenceState, statusMsg: string | undefined): void {
    this.settle();
    const user = this.user(userId);
    user.lastActive = this.now();
    const key = idleKey(userId, deviceId);
    this.idle.delete(key);
    if (state === 'offline') {
      user.devices.delete(deviceId);
    } else {
      const device = user.devices.get(deviceId) ?? { state, syncing: 0 };
      device.state = state;
      user.devices.set(deviceId, device);
      if (device.syncing === 0) this.idle.set(key, { userId, deviceId, since: this.now() });
    }
    if (recompute(user, statusMsg)) this.announce([[userId, user]]);
  }

  /** What others see of `userId` now; a user this node has not seen is offline. */
  contentOf(userId: string): PresenceContent {
    this.settle();
    const user = this.users.get(userId);
    if (!user) return { presence: 'offline' };
    return {
      presence: user.state,
      last_active_ago: Math.max(0, Math.round(this.now() - user.lastActive)),
      ...(user.state === 'online' ? { currently_active: true } : {}),
      ...(user.statusMsg !== undefined ? { status_msg: user.statusMsg } : {}),
    };
  }

  /** Users whose presence changed after `serial`; with no serial, those worth telling a new client about. */
  changedSince(serial: number | undefined): string[] {
    this.settle();
    if (serial === undefined) return [...this.users].filter(([, user]) => worthTelling(user)).map(([userId]) => userId);
    const users = new Set<string>();
    for (let i = firstAfter(this.changes, serial); i < this.changes.length; i++) users.add((this.changes[i] as { userId: string }).userId);
    return [...users];
  }

  /** How many changes were announced after `serial` (at least as many as the users who changed). */
  changesAfter(serial: number): number {
    this.settle();
    return this.changes.length - firstAfter(this.changes, serial);
  }

  /** Whether what others see of `userId` changed after `serial`. */
  changedAfter(userId: string, serial: number): boolean {
    return (this.users.get(userId)?.changed ?? 0) > serial;
  }

  /** Whether this node knows something of `userId` worth telling: present, or a status. */
  isKnown(userId: string): boolean {
    const user = this.users.get(userId);
    return user !== undefined && worthTelling(user);
  }

  private user(userId: string): UserPresence {
    let user = this.users.get(userId);
    if (!user) {
      user = { devices: new Map(), state: 'offline', statusMsg: undefined, lastActive: this.now(), changed: 0 };
      this.users.set(userId, user);
    }
    return user;
  }

  /** Takes offline every device whose last sync ended long enough ago. */
  private settle(): void {
    const cutoff = this.now() - this.offlineAfterMs;
    const changed: [string, UserPresence][] = [];
    for (const [key, { userId, deviceId, since }] of this.idle) {
      if (since > cutoff) break;
      this.idle.delete(key);
      const user = this.users.get(userId);
      if (!user) continue;
      user.devices.delete(deviceId);
      if (recompute(user, user.statusMsg)) changed.push([userId, user]);
    }
    if (changed.length > 0) this.announce(changed);
  }

  private announce(changed: readonly [string, UserPresence][]): void {
    this.serial += 1;
    for (const [userId, user] of changed) {
      user.changed = this.serial;
      this.changes.push({ serial: this.serial, userId });
    }
    // Each user's latest entry is all any token needs; keep the journal within twice the users.
    if (this.changes.length > 2 * this.users.size + 1024)
      this.changes = this.changes.filter(({ serial, userId }) => this.users.get(userId)?.changed === serial);
    const userIds = changed.map(([userId]) => userId);
    for (const listener of this.listeners) listener(userIds);
  }
}

/** The index of the first change after `serial` (the journal is in serial order). */
function firstAfter(changes: readonly { serial: number }[], serial: number): number {
  let low = 0;
  let high = changes.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((changes[middle] as { serial: number }).serial > serial) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Sets the user's presence from their devices and the status; true if either changed. */
function recompute(user: UserPresence, statusMsg: string | undefined): boolean {
  let state: PresenceState = 'offline';
  for (const device of user.devices.values()) {
    if (device.state === 'online') {
      state = 'online';
      break;
    }
    state = 'unavailable';
  }
  if (state === user.state && statusMsg === user.statusMsg) return false;
  user.state = state;
  user.statusMsg = statusMsg;
  return true;
}

function idleKey(userId: string, deviceId: string): string {
  return `${userId}\u0000${deviceId}`;
}

function worthTelling(user: UserPresence): boolean {
  return user.state !== 'offline' || user.statusMsg !== undefined;
}
