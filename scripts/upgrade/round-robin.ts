import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A load balancer as small as it gets: each request goes to the next backend in rotation. Backends
 * are added when they are ready and removed before they are stopped, as a Kubernetes Service does
 * with readiness and a preStop pause. It never retries: a request that fails on its backend fails
 * for the caller, so a failed read during the upgrade is counted, not hidden.
 */
export interface RoundRobin {
  url: string;
  add(name: string, port: number): void;
  remove(name: string): void;
  /** Requests answered per backend name. */
  served(): Record<string, number>;
  close(): Promise<void>;
}

export async function startRoundRobin(): Promise<RoundRobin> {
  const backends: { name: string; port: number }[] = [];
  const served: Record<string, number> = {};
  let next = 0;

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    if (backends.length === 0) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"NO_BACKEND","message":"no backend in rotation"}}');
      return;
    }
    const backend = backends[next++ % backends.length]!;
    const upstream = request(
      { host: '127.0.0.1', port: backend.port, method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' } },
      (answer) => {
        served[backend.name] = (served[backend.name] ?? 0) + 1;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'BAD_GATEWAY', message: `${backend.name}: ${error.message}` } }));
    });
    req.pipe(upstream);
  };

  const server: Server = createServer(forward);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    add: (name, backendPort) => void backends.push({ name, port: backendPort }),
    remove: (name) => {
      const i = backends.findIndex((b) => b.name === name);
      if (i >= 0) backends.splice(i, 1);
    },
    served: () => ({ ...served }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
