import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Store } from '../storage/store';

export interface CredentialMetrics {
  refreshes: Counter<'outcome'>;
  authorizations: Counter<'result'>;
  /** From the provider's refresh answer to the commit of the new tokens (issue 11.14). */
  persistWindow: Histogram;
}

export function createCredentialMetrics(registry: Registry, store: Store): CredentialMetrics {
  new Gauge({
    name: 'applinks_credentials',
    help: 'Stored credentials by state; needs-reauthorization means a person must authorize the link again.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = await store.tokens.countByState();
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  return {
    refreshes: new Counter({
      name: 'applinks_token_refreshes_total',
      help: 'Token refresh attempts by outcome (refreshed, fresh, skipped-locked, failed, needs-reauthorization, ...).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    persistWindow: new Histogram({
      name: 'applinks_token_persist_seconds',
      help: 'Time from the provider\'s refresh answer to the commit of the new tokens: a crash inside it loses a rotated refresh token.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    authorizations: new Counter({
      name: 'applinks_authorizations_total',
      help: 'Completed browser authorizations by result.',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
}
