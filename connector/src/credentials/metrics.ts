import { Counter, Gauge, type Registry } from 'prom-client';
import type { Store } from '../storage/store';

export interface CredentialMetrics {
  refreshes: Counter<'outcome'>;
  authorizations: Counter<'result'>;
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
    authorizations: new Counter({
      name: 'applinks_authorizations_total',
      help: 'Completed browser authorizations by result.',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
}
