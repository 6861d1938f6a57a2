import { Webhook } from 'standardwebhooks';
import { LinkEventSchema, LinkHealthSchema } from '../../../contract';
import type { TestConnector } from '../../helpers/connector-app';
import { startSandboxDc, type SandboxDc } from '../../helpers/sandbox-dc';
import { startSwitchablePort, type SwitchablePort } from '../../helpers/switchable-port';
import { startReceiver } from '../alerts/receiver';
import { authorize, createLink, startConnector } from '../discovery/fixtures';

/**
 * Issue 15's promise end to end, with nothing stubbed between the parts: scheduled checks see the
 * remote go down and come back, the link goes failing then connected, and the operator's webhook
 * receives exactly one signed event for each transition, which the Standard Webhooks reference
 * verifier accepts; meanwhile /metrics and the health view say the same, with the secret's
 * expiry as a forecast.
 */
const MINUTE = 60_000;
const DAY = 86_400_000;
const clock = { t: Date.now() };

let dc: SandboxDc;
let remote: SwitchablePort;
let c: TestConnector;
let linkId: string;

beforeAll(async () => {
  dc = await startSandboxDc({ clients: { dc: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'] } } });
  remote = await startSwitchablePort({ host: '127.0.0.1', port: Number(new URL(dc.baseUrl).port) });
  c = await startConnector({ monitoring: { scheduler: { now: () => clock.t, random: () => 0 } }, alerts: { webhooks: { retryScheduleMs: [0, 0, 0] } } });
  const client = dc.clients.dc!;
  const expires = new Date(Date.now() + 20 * DAY).toISOString().slice(0, 10);
  linkId = await createLink(c, { ...dc, baseUrl: `http://127.0.0.1:${remote.port}` }, 'dc', {
    outgoing: { clientId: client.clientId, clientSecret: client.clientSecret, scopes: ['READ'], authorizationEndpoint: dc.authorizationEndpoint, tokenEndpoint: dc.tokenEndpoint, secretExpiresAt: expires },
  });
  await authorize(c, dc, linkId);
});

afterAll(async () => {
  expect(c.watch.leaks()).toEqual([]);
  await c.close();
  await remote.close();
  await dc.stop();
});

const scan = () => c.app.connector.monitoring.scheduler.runOnce();
const deliver = async () => {
  for (let i = 0; i < 3; i += 1) await c.app.connector.alerts.dispatcher.runOnce();
};
const later = (minutes: number) => (clock.t += minutes * MINUTE);
const failingGauge = async () => {
  const text = (await c.request({ method: 'GET', url: '/metrics' })).body;
  const line = text.split('\n').find((l) => l.startsWith('applinks_link_failing{') && l.includes(linkId));
  return line === undefined ? undefined : Number(line.split(' ').pop());
};

it('announces a remote that goes down and comes back with one verified webhook per transition, and metrics that agree', async () => {
  const receiver = await startReceiver();
  try {
    const created = await c.request({ method: 'POST', url: '/v1/webhooks', payload: { url: receiver.url, events: ['link.failing', 'link.recovered'] } });
    expect(created.statusCode).toBe(201);
    const { signingSecret } = created.json() as { signingSecret: string };
    const verify = (i: number) => LinkEventSchema.parse(new Webhook(signingSecret).verify(receiver.received[i]!.body, receiver.received[i]!.headers as Record<string, string>));

    expect(await scan()).toBe(1);
    await deliver();
    expect(receiver.received).toHaveLength(0);
    expect(await failingGauge()).toBe(0);

    await remote.down();
    later(15);
    await scan();
    later(15);
    await scan();
    later(15);
    await scan(); // still down: no second event
    await deliver();
    expect(receiver.received).toHaveLength(1);
    const failing = verify(0);
    expect(failing).toMatchObject({ type: 'link.failing', data: { linkId, stage: 'tcp', code: 'CONNECTION_REFUSED' } });
    expect(await failingGauge()).toBe(1);

    await remote.up();
    later(15);
    await scan();
    await deliver();
    expect(receiver.received).toHaveLength(2);
    expect(verify(1)).toMatchObject({ type: 'link.recovered', data: { linkId } });
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(2);
    expect(await failingGauge()).toBe(0);

    // The health view carries the alerts' forecasts: the secret's expiry, 20 days ahead.
    const health = LinkHealthSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${linkId}/health` })).json());
    expect(health.state).toBe('up');
    expect(health.forecasts.map((f) => f.kind)).toContain('client-secret');
  } finally {
    await receiver.close();
  }
});
