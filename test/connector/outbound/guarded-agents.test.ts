import * as http from 'node:http';
import * as https from 'node:https';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createGuardedAgents, type GuardedAgents } from '../../../connector/src/outbound/guarded-agents';
import { UrlPolicy } from '../../../connector/src/outbound/url-policy';

/**
 * The agents under the token requests apply the outbound policy to every connection they open:
 * port included, IP literals included (no lookup happens for them), names by what they resolve to.
 * A counting TCP server on 127.0.0.1 says whether a connection was ever made.
 */

let server: Server;
let port: number;
let connections = 0;
const sockets = new Set<import('node:net').Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  connections = 0;
});

const toLoopback = async () => [{ address: '127.0.0.1', family: 4 as const }];

/** One request through the agents: the status, or the error code and message. */
function call(agents: GuardedAgents, url: string): Promise<{ status?: number; code?: string; message?: string }> {
  const secure = url.startsWith('https:');
  return new Promise((resolve) => {
    const request = (secure ? https : http).request(url, { agent: secure ? agents.https : agents.http, timeout: 5000 }, (response) => {
      response.resume();
      resolve({ status: response.statusCode });
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code, message: error.message }));
    request.end();
  });
}

describe('connections the agents refuse before opening a socket', () => {
  it.each([
    ['an https IP literal in an internal range, not listed', [] as string[], () => `https://127.0.0.1:${port}/token`, '127.0.0.1 (loopback, 127.0.0.0/8)'],
    ['an https IP literal listed at another port', () => ['127.0.0.1:1'], () => `https://127.0.0.1:${port}/token`, '127.0.0.1 (loopback, 127.0.0.0/8)'],
    ['an IPv4-mapped literal of loopback', [], () => `https://[::ffff:7f00:1]:${port}/token`, 'IPv4-mapped address of 127.0.0.1'],
    ['a name resolving to loopback, listed at another port', () => ['rebind.example.com:1'], () => `https://rebind.example.com:${port}/token`, 'rebind.example.com resolves to an internal address: 127.0.0.1'],
    ['a name resolving to loopback, not listed', [], () => `https://rebind.example.com:${port}/token`, 'rebind.example.com resolves to an internal address: 127.0.0.1'],
    ['plain http to a name not listed', [], () => `http://rebind.example.com:${port}/token`, 'plain http'],
    ['plain http to a name listed at another port', () => ['rebind.example.com:1'], () => `http://rebind.example.com:${port}/token`, 'plain http'],
  ])('%s', async (_what, entries, url, message) => {
    const list = typeof entries === 'function' ? entries() : entries;
    const agents = createGuardedAgents(new UrlPolicy(list), toLoopback);
    const result = await call(agents, url());
    expect(result).toEqual({ code: 'EHOSTNOTALLOWED', message: expect.stringContaining(message) });
    expect(connections).toBe(0);
  });

  it('refuses an address of the connector host itself, read from its interfaces', async () => {
    const agents = createGuardedAgents(new UrlPolicy([], { localAddresses: () => ['203.0.114.7'] }), async () => [{ address: '203.0.114.7', family: 4 }]);
    expect(await call(agents, `https://dc.example.com:${port}/`)).toEqual({ code: 'EHOSTNOTALLOWED', message: expect.stringContaining("203.0.114.7 (an address of the connector's own host)") });
  });
});

describe('connections the agents let through', () => {
  it.each([
    ['an IP literal listed at its port', () => [`127.0.0.1:${port}`], () => `http://127.0.0.1:${port}/token`],
    ['an IP literal listed without a port', () => ['127.0.0.1'], () => `http://127.0.0.1:${port}/token`],
    ['a name listed at its port', () => [`rebind.example.com:${port}`], () => `http://rebind.example.com:${port}/token`],
    ['a name listed without a port', () => ['rebind.example.com'], () => `http://rebind.example.com:${port}/token`],
    ['a name under a listed wildcard', () => ['*.example.com'], () => `http://rebind.example.com:${port}/token`],
  ])('%s', async (_what, entries, url) => {
    const agents = createGuardedAgents(new UrlPolicy(entries()), toLoopback);
    expect(await call(agents, url())).toEqual({ status: 204 });
    expect(connections).toBe(1);
  });
});
