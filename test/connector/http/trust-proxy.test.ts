import { ConfigError, loadConfig } from '../../../connector/src/config';
import { startTestConnector, type TestConnector } from '../../helpers/connector-app';

/**
 * CONNECTOR_TRUST_PROXY: the client address the connector sees (request.ip, written in every
 * request's log line) comes from X-Forwarded-For only when the request arrives from a proxy it was
 * told to trust.
 */
function trustProxyProblem(value: string): string {
  try {
    loadConfig({ CONNECTOR_TRUST_PROXY: value }, '/srv/connector');
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('CONNECTOR_TRUST_PROXY in the configuration', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['TRUE', true],
    ['2', 2],
    ['127.0.0.1', ['127.0.0.1']],
    [' 10.0.0.0/8, ::1 ,fd00::/8,loopback ', ['10.0.0.0/8', '::1', 'fd00::/8', 'loopback']],
  ])('reads %p as %p', (value, expected) => {
    expect(loadConfig(value === undefined ? {} : { CONNECTOR_TRUST_PROXY: value }, '/srv/connector').trustProxy).toEqual(expected);
  });

  it.each([['nginx'], ['10.0.0.0/33'], ['10.0.0.1/8/8'], ['0'], ['1000'], ['10.0.0.1, proxy.internal'], [',']])('refuses %p, naming the variable', (value) => {
    const message = trustProxyProblem(value);
    expect(message).toContain('CONNECTOR_TRUST_PROXY');
    expect(message).toMatch(/number of proxy hops|comma-separated list of proxy addresses/);
  });
});

describe('the client address behind a reverse proxy', () => {
  const connectors = new Map<string, TestConnector>();
  beforeAll(async () => {
    for (const [name, value] of [['off', ''], ['list', '10.0.0.0/8, 127.0.0.1'], ['hops', '1']] as const) {
      connectors.set(name, await startTestConnector({ env: { CONNECTOR_TRUST_PROXY: value } }));
    }
  });
  afterAll(async () => {
    for (const c of connectors.values()) await c.close();
  });

  /** The clientIp of the request's log line, for a request from `peer` carrying `forwardedFor`. */
  async function clientIp(name: string, peer: string, forwardedFor?: string): Promise<string> {
    const c = connectors.get(name)!;
    const before = c.watch.lines.length;
    const res = await c.request({ method: 'GET', url: '/healthz', remoteAddress: peer, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });
    expect(res.statusCode).toBe(200);
    const logLines = c.watch.lines.slice(before).filter((l) => l.startsWith('{"level"'));
    const line = logLines.map((l) => JSON.parse(l) as { msg: string; clientIp?: string }).find((l) => l.msg === 'request completed');
    return line?.clientIp ?? 'no request line';
  }

  it('ignores X-Forwarded-For when no proxy is trusted (the default)', async () => {
    expect(await clientIp('off', '10.1.2.3', '203.0.113.7')).toBe('10.1.2.3');
    expect(await clientIp('off', '192.0.2.9')).toBe('192.0.2.9');
  });

  it('honours X-Forwarded-For from a trusted proxy address only, hop by hop', async () => {
    expect(await clientIp('list', '10.1.2.3', '203.0.113.7')).toBe('203.0.113.7');
    expect(await clientIp('list', '127.0.0.1', '203.0.113.7')).toBe('203.0.113.7');
    // A client that reaches the connector directly cannot name its own address.
    expect(await clientIp('list', '192.0.2.9', '203.0.113.7')).toBe('192.0.2.9');
    // Through two trusted proxies: the first untrusted address from the right is the client.
    expect(await clientIp('list', '10.1.2.3', '198.51.100.1, 203.0.113.7, 10.9.9.9')).toBe('203.0.113.7');
  });

  it('with a hop count, trusts that many proxies in front and no more', async () => {
    expect(await clientIp('hops', '10.1.2.3', '198.51.100.1, 203.0.113.7')).toBe('203.0.113.7');
    expect(await clientIp('hops', '10.1.2.3')).toBe('10.1.2.3');
  });
});
