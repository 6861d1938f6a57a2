import type { KeyValueStore } from '../storage/key-value-store';
import { KEYS } from '../storage/keys';

/**
 * Gateway calls per client per minute, counted in kvs (web triggers share no memory between
 * invocations). kvs has no atomic increment for plain keys, so concurrent calls can undercount a
 * little; the limit is a brake on a runaway remote, not an exact quota (Forge's own limits on
 * product API calls still apply behind it).
 */
export class GatewayRateLimit {
  constructor(private readonly deps: { store: KeyValueStore; now: () => Date; perMinute?: number }) {}

  get limit(): number {
    return this.deps.perMinute ?? 120;
  }

  async take(clientId: string): Promise<{ allowed: true } | { allowed: false; limit: number; retryAfterSeconds: number }> {
    const now = this.deps.now().getTime();
    const minute = Math.floor(now / 60_000);
    const key = KEYS.gatewayWindow(clientId, minute);
    const used = Number((await this.deps.store.get(key)) ?? 0);
    if (used >= this.limit) return { allowed: false, limit: this.limit, retryAfterSeconds: Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000)) };
    await this.deps.store.set(key, used + 1, { ttlSeconds: 120 });
    return { allowed: true };
  }
}
