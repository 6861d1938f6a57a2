import { Counter, type Registry } from 'prom-client';

export interface DiscoveryMetrics {
  tests: Counter<'result' | 'code'>;
}

export function createDiscoveryMetrics(registry: Registry): DiscoveryMetrics {
  return {
    tests: new Counter({
      name: 'applinks_connection_tests_total',
      help: 'Test-connection runs by result (ok, failed) and the code of the first failing stage (OK when none failed).',
      labelNames: ['result', 'code'] as const,
      registers: [registry],
    }),
  };
}
