/**
 * The fake token endpoint in a process of its own, so that the per-user benchmark's CPU figure is
 * the connector's alone. Driven over IPC: `{issue: number[]}` -> `{tokens}`, `{stats: true}` -> stats.
 */
import { startFakeTokenEndpoint } from './fake-token-endpoint';

void (async () => {
  const endpoint = await startFakeTokenEndpoint({ latencyMs: Number(process.argv[2] ?? 20), accessSeconds: 3600 });
  process.on('message', (message: { issue?: number[]; stats?: boolean }) => {
    if (message.issue !== undefined) process.send?.({ tokens: message.issue.map((expiresAt) => endpoint.issue(expiresAt)) });
    else if (message.stats === true) process.send?.({ stats: endpoint.stats() });
  });
  process.send?.({ url: endpoint.url });
})();
