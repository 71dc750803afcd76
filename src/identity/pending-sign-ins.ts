/** How long a person has to finish signing in at the provider. */
export const SIGN_IN_TTL_MS = 10 * 60 * 1000;
/** Bound on sign-ins in flight, so a flood of started ones cannot exhaust memory. */
const MAX_PENDING = 10_000;

/**
 * Sign-ins started and not yet finished (PKCE verifier, nonce, where to return), in this
 * node's memory: the callback must reach the node that started the flow, and a restart
 * forgets them (the person starts again). Each is used once.
 */
export class PendingSignIns<T> {
  private readonly flows = new Map<string, { value: T; expires: number }>();

  add(state: string, value: T): void {
    const now = Date.now();
    for (const [key, flow] of this.flows) {
      if (flow.expires > now && this.flows.size < MAX_PENDING) break;
      this.flows.delete(key);
    }
    this.flows.set(state, { value, expires: now + SIGN_IN_TTL_MS });
  }

  take(state: string): T | undefined {
    const flow = this.flows.get(state);
    this.flows.delete(state);
    return flow && flow.expires > Date.now() ? flow.value : undefined;
  }
}
