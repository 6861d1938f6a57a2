import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { ErrorEnvelopeSchema, LinkViewSchema } from '../../../contract';
import { startTestConnector, type TestConnector } from '../../helpers/connector-app';
import { startOidcServer, type OidcServer } from '../../helpers/oidc-server';

/**
 * Token requests go through agents whose name resolution refuses internal addresses: a link saved
 * with a public-looking host that resolves to 127.0.0.1 must not reach it, unless the operator
 * listed the host.
 */
describe('token requests and internal addresses', () => {
  let oidc: OidcServer;
  const connectors: TestConnector[] = [];
  const toLoopback = async () => [{ address: '127.0.0.1', family: 4 as const }];

  beforeAll(async () => {
    oidc = await startOidcServer({ clients: { service: { authMethod: 'client_secret_basic', grantTypes: ['client_credentials'], scope: 'READ' } } });
  });
  afterAll(async () => {
    for (const c of connectors) {
      expect(c.watch.leaks()).toEqual([]);
      await c.close();
    }
    await oidc.stop();
  });

  async function linkTo(c: TestConnector, tokenEndpoint: string): Promise<string> {
    const client = oidc.clients.service!;
    c.watch.secret(client.clientSecret);
    const res = await c.request({
      method: 'POST',
      url: '/v1/links',
      payload: {
        name: 'Rebinding',
        remoteKind: 'custom',
        applicationUrl: new URL(tokenEndpoint).origin,
        outgoing: { clientId: client.clientId, clientSecret: client.clientSecret, grantType: 'client_credentials', scopes: ['READ'], tokenEndpoint },
      },
    });
    expect(res.statusCode).toBe(201);
    return LinkViewSchema.parse(res.json()).id;
  }

  it('refuses a token endpoint whose public name resolves to a loopback address', async () => {
    const c = await startTestConnector({ discovery: { resolve: toLoopback } });
    connectors.push(c);
    const port = new URL(oidc.tokenEndpoint).port;
    const linkId = await linkTo(c, `https://rebind.example.com:${port}/rest/oauth2/latest/token`);
    await oidc.resetCounts();
    const res = await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} });
    expect(res.statusCode).toBe(502);
    const body = ErrorEnvelopeSchema.parse(res.json());
    expect(body.error.message).toMatch(/^HOST_NOT_ALLOWED: .*internal address/);
    expect(await oidc.counts()).toEqual({});
    // The operator's log line names the address and its range.
    expect(c.watch.lines.some((line) => line.includes('rebind.example.com resolves to an internal address: 127.0.0.1 (loopback, 127.0.0.0/8)'))).toBe(true);
  });

  it('refuses a token endpoint whose name is listed only at another port (host:port allows that port alone)', async () => {
    const port = new URL(oidc.tokenEndpoint).port;
    const c = await startTestConnector({ discovery: { resolve: toLoopback }, env: { CONNECTOR_ALLOWED_HOSTS: 'rebind.example.com:1' } });
    connectors.push(c);
    const linkId = await linkTo(c, `https://rebind.example.com:${port}/rest/oauth2/latest/token`);
    await oidc.resetCounts();
    const res = await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} });
    expect(res.statusCode).toBe(502);
    expect(ErrorEnvelopeSchema.parse(res.json()).error.message).toMatch(/^HOST_NOT_ALLOWED: /);
    expect(await oidc.counts()).toEqual({});
  });

  it('calls it when the operator listed the host in CONNECTOR_ALLOWED_HOSTS', async () => {
    const c = await startTestConnector({ discovery: { resolve: toLoopback }, env: { CONNECTOR_ALLOWED_HOSTS: 'rebind.example.com' } });
    connectors.push(c);
    const port = new URL(oidc.tokenEndpoint).port;
    const linkId = await linkTo(c, `http://rebind.example.com:${port}/rest/oauth2/latest/token`);
    await oidc.resetCounts();
    const res = await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} });
    expect(res.statusCode).toBe(200);
    expect(await oidc.counts()).toEqual({ client_credentials: 1 });
  });

  describe('a link saved while its IP literal was allowed, on a connector started later with a narrower list', () => {
    let listener: Server;
    let listenerPort: number;
    let connections = 0;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      // Stands in for an https token endpoint: whether a connection arrives is all that matters.
      listener = createServer((socket) => {
        connections += 1;
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.destroy();
      });
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      listenerPort = (listener.address() as AddressInfo).port;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    });

    it('is refused at call time, without a connection: no lookup happens for a literal, so the agents check it', async () => {
      const masterKey = randomBytes(32);
      const before = await startTestConnector({ dialect: 'postgres', masterKey, env: { CONNECTOR_ALLOWED_HOSTS: `127.0.0.1:${listenerPort}` } });
      connectors.push(before);
      const linkId = await linkTo(before, `https://127.0.0.1:${listenerPort}/rest/oauth2/latest/token`);
      // While allowed, the call does go out (and fails on this listener, which is no TLS server).
      expect((await before.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} })).statusCode).toBe(502);
      expect(connections).toBeGreaterThan(0);

      connections = 0;
      const after = await startTestConnector({ databaseUrl: before.config.databaseUrl!, masterKey, env: { CONNECTOR_ALLOWED_HOSTS: 'jira.example.com' } });
      connectors.push(after);
      const res = await after.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} });
      expect(res.statusCode).toBe(502);
      expect(ErrorEnvelopeSchema.parse(res.json()).error.message).toMatch(/^HOST_NOT_ALLOWED: /);
      expect(connections).toBe(0);
    });
  });
});
