import type { FastifyBaseLogger } from 'fastify';
import { MAX_JSON_DEPTH, nestsWithin } from '../subnet/index.ts';
import { ApiError } from './api-error.ts';

/**
 * The deepest reply the node serialises. JSON.stringify recurses and overflows the stack
 * near 4,500 levels; a reply carries stored JSON, accepted when the node bounded nothing
 * (or written by anyone with the data folder), so it is measured before it is encoded.
 */
const MAX_REPLY_DEPTH = 256;

/** A reply that cannot be encoded: a typed failure with a reason, instead of a stack overflow. */
export class ReplyTooDeepError extends ApiError {
  override name = 'ReplyTooDeepError';
  constructor() {
    super(
      500,
      'M_UNKNOWN',
      `the answer holds a stored value nesting deeper than ${MAX_REPLY_DEPTH} levels, which this server does not serve; the node logged it`,
    );
  }
}

/**
 * Makes `payload` safe to encode. An event's `content` that nests deeper than MAX_JSON_DEPTH
 * (what ingress accepts today) is withheld: served as `{}`, with a warning naming the event,
 * so the one poisoned event cannot take down the syncs, pages and state of everyone who can
 * see it. Anything else nesting deeper than MAX_REPLY_DEPTH makes the reply a
 * ReplyTooDeepError. `contentAtRoot` says the whole reply is one stored content (GET of a
 * state event or of account data). Walks without recursion.
 */
export function withholdTooDeepContent(payload: unknown, log: FastifyBaseLogger, contentAtRoot = false): unknown {
  if (payload === null || typeof payload !== 'object') return payload;
  // Nearly every reply: no part of it, content or not, can nest too deep.
  if (nestsWithin(payload, MAX_JSON_DEPTH)) return payload;
  if (contentAtRoot) {
    const root = { content: payload };
    withholdTooDeepContent(root, log);
    return root.content;
  }
  const withheld = new Set<Record<string, unknown>>();
  // Four parallel stacks rather than an object per value: this runs over every reply.
  const values: object[] = [payload];
  const depths: number[] = [1];
  /** The event (or account data, or to-device message) whose `content` the value is inside. */
  const holders: (Record<string, unknown> | undefined)[] = [undefined];
  /** The depth of that `content` (its level 1). */
  const contentDepths: number[] = [0];
  while (values.length > 0) {
    const value = values.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    const holder = holders.pop();
    const contentDepth = contentDepths.pop() as number;
    if (holder !== undefined) {
      if (depth - contentDepth + 1 > MAX_JSON_DEPTH) {
        withheld.add(holder);
        continue;
      }
      if (withheld.has(holder)) continue;
    } else if (depth > MAX_REPLY_DEPTH) {
      throw new ReplyTooDeepError();
    }
    if (Array.isArray(value)) {
      for (const child of value) {
        if (child === null || typeof child !== 'object') continue;
        values.push(child);
        depths.push(depth + 1);
        holders.push(holder);
        contentDepths.push(contentDepth);
      }
      continue;
    }
    for (const key in value) {
      const child = value[key];
      if (child === null || typeof child !== 'object') continue;
      values.push(child);
      depths.push(depth + 1);
      // The outermost `content` decides: a key named so inside content is just content.
      const opensContent = holder === undefined && key === 'content';
      holders.push(opensContent ? value : holder);
      contentDepths.push(opensContent ? depth + 1 : contentDepth);
    }
  }
  for (const holder of withheld) {
    holder.content = {};
    log.warn(
      { event_id: holder.event_id, type: holder.type, sender: holder.sender },
      `withheld content nesting deeper than ${MAX_JSON_DEPTH} levels; served as {}`,
    );
  }
  return payload;
}
