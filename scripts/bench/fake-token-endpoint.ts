import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

/**
 * A token endpoint for load tests: answers refresh_token grants after a fixed latency, with
 * rotating single-use refresh tokens as Data Center has them, and counts what a refresh storm
 * must never do: present the same refresh token twice (a duplicate refresh), or refresh a token
 * after it expired.
 */
export interface FakeTokenEndpoint {
  url: string;
  /** Registers a refresh token whose access token expires at `expiresAt` (ms). */
  issue(expiresAt: number): string;
  stats(): { requests: number; duplicates: number; late: number; unknown: number };
  close(): Promise<void>;
}

export async function startFakeTokenEndpoint(options: { latencyMs: number; accessSeconds: number }): Promise<FakeTokenEndpoint> {
  const live = new Map<string, number>();
  const spent = new Set<string>();
  const stats = { requests: 0, duplicates: 0, late: 0, unknown: 0 };
  const issue = (expiresAt: number): string => {
    const token = randomBytes(24).toString('base64url');
    live.set(token, expiresAt);
    return token;
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      stats.requests += 1;
      const form = new URLSearchParams(body);
      const presented = form.get('refresh_token') ?? '';
      const arrived = Date.now();
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        const expiresAt = live.get(presented);
        if (expiresAt === undefined) {
          if (spent.has(presented)) stats.duplicates += 1;
          else stats.unknown += 1;
          res.statusCode = 400;
          res.end(JSON.stringify({ error: 'invalid_grant' }));
          return;
        }
        if (arrived > expiresAt) stats.late += 1;
        live.delete(presented);
        spent.add(presented);
        res.end(
          JSON.stringify({
            access_token: randomBytes(24).toString('base64url'),
            token_type: 'Bearer',
            expires_in: options.accessSeconds,
            refresh_token: issue(Date.now() + options.accessSeconds * 1000),
          }),
        );
      }, options.latencyMs);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/rest/oauth2/latest/token`,
    issue,
    stats: () => ({ ...stats }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
