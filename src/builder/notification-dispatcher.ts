import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { CommandResult, JsonValue, Subnet } from '../subnet/index.ts';
import type { PendingNotification } from './app/notifications.ts';
import { DISPATCHER } from './app.ts';

/** The messenger account generated apps speak through. */
export function botOf(serverName: string): string {
  return `@watan-apps:${serverName}`;
}

/**
 * Sends the builder's outbox through the National Messenger, outside the executor: each
 * notification becomes messenger commands from the apps' bot account — a direct room with the
 * recipient (made once), the message, then the outbox row marked sent. Every command id is
 * derived from what it does, so replicas that all dispatch the same row run each command once.
 */
export class NotificationDispatcher {
  private readonly subnet: Subnet;
  private readonly serverName: string;
  private readonly log: Logger;
  private readonly unsubscribe: () => void;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(subnet: Subnet, serverName: string, log: Logger) {
    this.subnet = subnet;
    this.serverName = serverName;
    this.log = log;
    this.unsubscribe = subnet.onApplied(() => this.wake());
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    await this.running;
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: Error) => this.log.warn({ err: error }, 'notification dispatch failed; it is retried on the next write'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const pending = this.subnet.query('builder', 'notifications_pending', { limit: 50 }, DISPATCHER) as PendingNotification[];
      if (pending.length === 0 || this.stopped) return;
      await this.ensureBot();
      for (const notification of pending) await this.send(notification);
      await this.submit(
        `builder-sent-${pending.map((n) => n.seq).join('.')}`.slice(0, 200),
        'builder',
        'notifications_sent',
        { seqs: pending.map((n) => n.seq) },
        DISPATCHER,
      );
    }
  }

  private async ensureBot(): Promise<void> {
    const bot = botOf(this.serverName);
    if (this.subnet.query('messenger', 'user_exists', { user_id: bot }, DISPATCHER) === true) return;
    await this.submit(
      `builder-bot-${this.serverName}`,
      'messenger',
      'register',
      { localpart: 'watan-apps', server_name: this.serverName, device_id: 'WATANAPPS' },
      'anonymous',
    );
  }

  private async send(notification: PendingNotification): Promise<void> {
    const bot = botOf(this.serverName);
    let room = notification.recipient;
    if (room.startsWith('@')) {
      const key = createHash('sha256').update(`${bot}\n${room}`).digest('hex').slice(0, 40);
      const made = await this.submit(
        `builder-dm-${key}`,
        'messenger',
        'create_room',
        { server_name: this.serverName, preset: 'trusted_private_chat', is_direct: true, invite: [room], name: 'Watan apps' },
        bot,
      );
      if (!made.ok) return this.refused(notification, made);
      room = (made.value as { room_id: string }).room_id;
    }
    const { en, ur } = notification.body;
    const content = { msgtype: 'm.notice', body: `${en}\n${ur}`, 'org.watan.app': notification.app };
    const message = { room_id: room, type: 'm.room.message', content_json: JSON.stringify(content) };
    let sent = await this.submit(`builder-notify-${notification.seq}`, 'messenger', 'send_event', message, bot);
    // A spec's room the bot is not yet in: it joins (the room is public, or its people invited
    // the bot) and sends once more. A room that will not have it is a refusal.
    if (!sent.ok && sent.error.code === 'M_FORBIDDEN' && !notification.recipient.startsWith('@')) {
      const joined = await this.submit(
        `builder-join-${notification.seq}`,
        'messenger',
        'membership',
        { room_id: room, target: bot, membership: 'join' },
        bot,
      );
      if (joined.ok) sent = await this.submit(`builder-notify-${notification.seq}-joined`, 'messenger', 'send_event', message, bot);
    }
    if (!sent.ok) this.refused(notification, sent);
  }

  /** A notification the messenger refuses (a room that will not have the bot) is logged and not retried. */
  private refused(notification: PendingNotification, result: CommandResult): void {
    if (!result.ok)
      this.log.warn(
        { seq: notification.seq, app: notification.app, code: result.error.code },
        'the messenger refused a builder notification',
      );
  }

  private submit(id: string, app: string, method: string, args: Record<string, unknown>, caller: string): Promise<CommandResult> {
    return this.subnet.submit({ id, app, method, args: args as JsonValue, caller });
  }
}
