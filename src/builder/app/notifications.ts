import type { AppContext, QueryContext } from '../../subnet/index.ts';
import { type AppSpec, type EntitySpec, OWNER_ROLE, type RecipientSpec } from '../spec/index.ts';
import type { Fields } from '../upgrade/index.ts';

/** A message waiting in the outbox for the node's dispatcher. */
export interface PendingNotification {
  seq: number;
  app: string;
  recipient: string;
  body: { en: string; ur: string };
}

/**
 * Writes the spec's notifications for this event to the outbox: certified state like all
 * else, so every replica holds the same messages; the node's dispatcher sends them.
 */
export function notify(
  ctx: AppContext,
  spec: AppSpec,
  entity: EntitySpec,
  on: string,
  record: { id: number; created_by: string },
  fields: Fields,
): void {
  for (const notification of spec.notifications ?? []) {
    if (notification.entity !== entity.name || notification.on !== on) continue;
    const body = { en: fill(notification.message.en, fields), ur: fill(notification.message.ur, fields) };
    const recipients = new Set<string>();
    for (const to of notification.to) for (const user of recipientsOf(ctx, spec.slug, to, record.created_by, fields)) recipients.add(user);
    for (const recipient of [...recipients].sort()) {
      const last = ctx.store.selectOne<{ seq: number | null }>('SELECT max(seq) AS seq FROM {notification_outbox}');
      ctx.store.insert('notification_outbox', {
        seq: (last?.seq ?? 0) + 1,
        app_slug: spec.slug,
        recipient,
        body: JSON.stringify({ ...body, record: record.id, entity: entity.name }),
        created_at: ctx.time,
        sent_at: null,
      });
    }
  }
}

function fill(template: string, fields: Fields): string {
  return template.replace(/\{([a-z][a-z0-9_]*)\}/g, (_, name: string) => String(fields[name] ?? ''));
}

/**
 * A role's holders are the people the owner gave it (owner: the app's builders); roles held by
 * everyone or by every verified person name no one in particular, so they are not messaged.
 * The people part owns these tables; the engine only reads them, in the same app.
 */
function recipientsOf(ctx: AppContext, slug: string, to: RecipientSpec, creator: string, fields: Fields): string[] {
  if (to.room !== undefined) return [to.room];
  if (to.creator) return [creator];
  if (to.field !== undefined) return typeof fields[to.field] === 'string' ? [fields[to.field] as string] : [];
  if (to.role === OWNER_ROLE) {
    return ctx.store
      .select<{ user_id: string }>('SELECT user_id FROM {people_builders} WHERE app_slug = ? ORDER BY user_id', slug)
      .map((r) => r.user_id);
  }
  return ctx.store
    .select<{ user_id: string }>(
      'SELECT user_id FROM {people_member_roles} WHERE app_slug = ? AND role = ? ORDER BY user_id',
      slug,
      to.role,
    )
    .map((r) => r.user_id);
}

/**
 * Notifications not yet sent, oldest first. The dispatcher asks after every block the node
 * applies, whatever app it served: remembered until the outbox is written, the answer is
 * then no read at all.
 */
export function pendingNotifications(ctx: QueryContext, limit: number): readonly PendingNotification[] {
  return ctx.store.remembered('notifications_pending', String(limit), ['notification_outbox'], () =>
    ctx.store
      .select<{ seq: number; app_slug: string; recipient: string; body: string }>(
        'SELECT seq, app_slug, recipient, body FROM {notification_outbox} WHERE sent_at IS NULL ORDER BY seq LIMIT ?',
        limit,
      )
      .map((row) => ({ seq: row.seq, app: row.app_slug, recipient: row.recipient, body: JSON.parse(row.body) })),
  );
}
