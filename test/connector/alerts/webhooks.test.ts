/**
 * Alert webhooks end to end: the operator registers an endpoint, link events are queued in the
 * database and delivered signed per Standard Webhooks, retried with back-off, logged per endpoint,
 * and delivered once when two replicas share PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import type { LinkEvent } from '../../../contract';
import { runCli } from '../../../connector/src/cli';
import { displayUrl } from '../../../connector/src/alerts/webhook-url';
import { SQLITE_FILE_NAME } from '../../../connector/src/storage';
import { startTestConnector, type TestConnector } from '../../helpers/connector-app';
import { dumpDatabase } from '../../helpers/postgres';
import { startReceiver } from './receiver';

const ENV = { CONNECTOR_ALLOWED_HOSTS: '127.0.0.1' };
const FAST = { webhooks: { retryScheduleMs: [0, 0, 0] } };

function failingEvent(linkId: string, since = '2026-01-02T03:04:05.000Z'): LinkEvent {
  return {
    type: 'link.failing',
    timestamp: since,
    data: { linkId, linkName: 'Jira DC', remoteKind: 'jira', applicationUrl: 'https://jira.example.com', stage: 'tcp', code: 'CONNECTION_REFUSED', hint: 'Nothing listens on that port.', since, expiry: null },
  };
}

/** A Slack-style receiver path: its credential is in the path and in the query. */
const TOKEN_PATH = '/T000/B000/XXXXsecretXXXX?token=abc';
const TOKEN_PARTS = ['XXXXsecretXXXX', 'token=abc', 'T000/B000'];

/** The SQLite database's raw bytes (main file and write-ahead log), as they sit on disk. */
function sqliteBytes(dataDir: string): string {
  const file = path.join(dataDir, SQLITE_FILE_NAME);
  return [file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('utf8')).join('\n');
}

async function drain(connectors: TestConnector[], rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await Promise.all(connectors.map((c) => c.app.connector.alerts.dispatcher.runOnce()));
}

describe('alert webhooks on SQLite', () => {
  let connector: TestConnector;
  const masterKey = randomBytes(32);
  beforeAll(async () => {
    connector = await startTestConnector({ env: ENV, alerts: FAST, masterKey });
  });
  afterAll(async () => connector.close());

  it('delivers a signed event once to a receiver that fails twice, and logs each attempt without the secret', async () => {
    const receiver = await startReceiver([500, 503]);
    try {
      const created = await connector.request({ method: 'POST', url: '/v1/webhooks', payload: { url: receiver.url, events: ['link.failing', 'link.recovered'], description: 'pager' } });
      expect(created.statusCode).toBe(201);
      const { id, signingSecret } = created.json() as { id: string; signingSecret: string };
      expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      connector.watch.secret(signingSecret, (text) => text.startsWith('201 '));
      const listed = await connector.request({ method: 'GET', url: '/v1/webhooks' });
      expect(listed.json()).toEqual({ items: [{ id, url: receiver.url, description: 'pager', events: ['link.failing', 'link.recovered'], createdAt: expect.any(String) }] });

      const event = failingEvent('5f0e0cde-1111-4c4c-8888-000000000001');
      // A field outside the contract (a token, say) never reaches the receiver.
      await connector.app.connector.alerts.sink.publish({ ...event, data: { ...event.data, accessToken: 'tok-never-sent' } } as LinkEvent);
      await connector.app.connector.alerts.sink.publish(event);
      // Not subscribed: queued for nobody.
      await connector.app.connector.alerts.sink.publish({ ...event, type: 'link.expiring' });
      await drain([connector]);

      expect(receiver.received.map((r) => r.answered)).toEqual([500, 503, 204]);
      const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(1);
      const accepted = receiver.received[2]!;
      // The spec's reference verifier accepts the signature; a changed body does not verify.
      expect(new Webhook(signingSecret).verify(accepted.body, accepted.headers as Record<string, string>)).toEqual(event);
      expect(() => new Webhook(signingSecret).verify(accepted.body.replace('Jira DC', 'Jira XX'), accepted.headers as Record<string, string>)).toThrow();
      expect(accepted.headers['content-type']).toBe('application/json');
      expect(accepted.body).not.toContain('tok-never-sent');
      expect(accepted.body).not.toContain(signingSecret.slice(6));

      const log = await connector.request({ method: 'GET', url: `/v1/webhooks/${id}/deliveries` });
      expect(log.json()).toEqual({
        items: [expect.objectContaining({ eventType: 'link.failing', linkId: event.data.linkId, status: 'delivered', attempts: 3, lastStatusCode: 204, lastErrorCode: null, nextAttemptAt: null })],
      });
      expect(log.body).not.toContain('Jira DC');

      expect((await connector.request({ method: 'DELETE', url: `/v1/webhooks/${id}` })).statusCode).toBe(204);
      expect((await connector.request({ method: 'GET', url: `/v1/webhooks/${id}/deliveries` })).json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
      expect(connector.watch.leaks()).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('delivers on its own once started: a queued event nudges the delivery loop', async () => {
    const receiver = await startReceiver();
    const alerts = connector.app.connector.alerts;
    try {
      const { id } = (await connector.request({ method: 'POST', url: '/v1/webhooks', payload: { url: receiver.url } })).json() as { id: string };
      alerts.start();
      await alerts.sink.publish(failingEvent('5f0e0cde-1111-4c4c-8888-000000000004'));
      for (let i = 0; i < 100 && receiver.received.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(receiver.received.map((r) => r.answered)).toEqual([204]);
      await connector.request({ method: 'DELETE', url: `/v1/webhooks/${id}` });
    } finally {
      await alerts.stop();
      await receiver.close();
    }
  });

  it('gives up after the retry schedule, recording the last error code', async () => {
    const receiver = await startReceiver([500, 500, 500, 500]);
    try {
      const { id } = (await connector.request({ method: 'POST', url: '/v1/webhooks', payload: { url: receiver.url } })).json() as { id: string };
      await connector.app.connector.alerts.sink.publish(failingEvent('5f0e0cde-1111-4c4c-8888-000000000002'));
      await drain([connector]);
      expect(receiver.received).toHaveLength(4);
      const log = (await connector.request({ method: 'GET', url: `/v1/webhooks/${id}/deliveries` })).json() as { items: { status: string; attempts: number; lastErrorCode: string }[] };
      expect(log.items[0]).toMatchObject({ status: 'failed', attempts: 4, lastErrorCode: 'HTTP_500' });
      await connector.request({ method: 'DELETE', url: `/v1/webhooks/${id}` });
    } finally {
      await receiver.close();
    }
  });

  it('refuses a plain-http or internal URL the outbound policy does not allow, and unknown ids', async () => {
    const insecure = await connector.request({ method: 'POST', url: '/v1/webhooks', payload: { url: 'http://hooks.example.com/x' } });
    expect(insecure.json()).toMatchObject({ error: { code: 'INSECURE_URL' } });
    const internal = await connector.request({ method: 'POST', url: '/v1/webhooks', payload: { url: 'https://169.254.169.254/x' } });
    expect(internal.json()).toMatchObject({ error: { code: 'HOST_NOT_ALLOWED' } });
    expect((await connector.request({ method: 'DELETE', url: '/v1/webhooks/wh_unknown_id_0123456789' })).statusCode).toBe(404);
    expect((await connector.request({ method: 'GET', url: '/v1/webhooks', token: null })).statusCode).toBe(401);
  });

  it('delivers to the full URL with its token, which never appears in the database, the API answers or the logs', async () => {
    const receiver = await startReceiver();
    try {
      const full = `${receiver.url}${TOKEN_PATH}`;
      for (const part of TOKEN_PARTS) connector.watch.secret(part);
      const created = await connector.request({ method: 'POST', url: '/v1/webhooks', payload: { url: full } });
      expect(created.statusCode).toBe(201);
      const { id, url } = created.json() as { id: string; url: string };
      expect(url).toBe(`${receiver.url}/…`);
      expect((await connector.request({ method: 'GET', url: '/v1/webhooks' })).json()).toMatchObject({ items: [{ id, url: `${receiver.url}/…` }] });

      await connector.app.connector.alerts.sink.publish(failingEvent('5f0e0cde-1111-4c4c-8888-000000000005'));
      await drain([connector]);
      expect(receiver.received.map((r) => [r.path, r.answered])).toEqual([[`/hooks${TOKEN_PATH}`, 204]]);
      await connector.request({ method: 'GET', url: `/v1/webhooks/${id}/deliveries` });

      const bytes = sqliteBytes(connector.dataDir);
      expect(bytes).toContain(`${receiver.url}/…`);
      for (const part of TOKEN_PARTS) expect(bytes).not.toContain(part);
      expect(connector.watch.leaks()).toEqual([]);
      await connector.request({ method: 'DELETE', url: `/v1/webhooks/${id}` });
    } finally {
      await receiver.close();
    }
  });

  it('still delivers for a row written before URLs were sealed, and lists it in display form', async () => {
    const receiver = await startReceiver();
    try {
      // The legacy state: the full URL in the row, no sealed URL beside the signing secret.
      const id = 'wh_legacy_row_0123456789abcdef';
      const sealed = await connector.vault.seal(`webhook:${id}`, 'signingSecret', `whsec_${randomBytes(32).toString('base64')}`);
      await connector.store.webhooks.createEndpoint({ id, url: `${receiver.url}${TOKEN_PATH}`, description: null, events: ['link.failing'], createdAt: '2026-01-01T00:00:00.000Z' }, sealed);
      const listed = await connector.request({ method: 'GET', url: '/v1/webhooks' });
      expect(listed.json()).toMatchObject({ items: [{ id, url: `${receiver.url}/…` }] });
      for (const part of TOKEN_PARTS) expect(listed.body).not.toContain(part);
      await connector.app.connector.alerts.sink.publish(failingEvent('5f0e0cde-1111-4c4c-8888-000000000006'));
      await drain([connector]);
      expect(receiver.received.map((r) => [r.path, r.answered])).toEqual([[`/hooks${TOKEN_PATH}`, 204]]);
      await connector.request({ method: 'DELETE', url: `/v1/webhooks/${id}` });
    } finally {
      await receiver.close();
    }
  });

  it('shows a URL as origin plus a plain first word, masking every token-like part', () => {
    expect(displayUrl('https://hooks.slack.com/services/T000/B000/XXXX')).toBe('https://hooks.slack.com/services/…');
    expect(displayUrl('https://u:p@example.com:8443/abc123def456?x=1#f')).toBe('https://example.com:8443/…');
    expect(displayUrl('https://example.com/hooks')).toBe('https://example.com/hooks');
    expect(displayUrl('https://example.com/?token=abc')).toBe('https://example.com/…');
    expect(displayUrl('https://example.com')).toBe('https://example.com/');
    expect(displayUrl(displayUrl('https://example.com/hooks/x'))).toBe('https://example.com/hooks/…');
  });

  it('manages endpoints from the CLI: add prints the secret once, list and deliveries never do', async () => {
    await connector.app.close();
    const env = { CONNECTOR_DATA_DIR: connector.dataDir, CONNECTOR_ALLOWED_HOSTS: '127.0.0.1', CONNECTOR_MASTER_KEY: masterKey.toString('base64') };
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(argv, { env, cwd: connector.dataDir, out: (l) => out.push(l), err: (l) => err.push(l) });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const added = await run(['webhooks', 'add', 'http://127.0.0.1:9/x', '--events', 'link.expiring', '--description', 'ops']);
    expect(added).toMatchObject({ code: 0, err: '' });
    const secret = /signing secret \(shown once\): (whsec_\S+)/.exec(added.out)?.[1];
    expect(secret).toBeDefined();
    const id = added.out.split('\t')[0]!;
    const listed = await run(['webhooks', 'list']);
    expect(listed.out).toContain(`${id}\thttp://127.0.0.1:9/x\tlink.expiring\tops`);
    expect(listed.out).not.toContain(secret!);
    expect((await run(['webhooks', 'deliveries', id])).out).toBe('No deliveries yet.');
    // A URL carrying a token is shown in display form by add and list alike.
    const withToken = await run(['webhooks', 'add', `http://127.0.0.1:9/hooks${TOKEN_PATH}`]);
    expect(withToken.out).toContain('\thttp://127.0.0.1:9/hooks/…\t');
    const tokenId = withToken.out.split('\t')[0]!;
    const listedAgain = await run(['webhooks', 'list']);
    expect(listedAgain.out).toContain(`${tokenId}\thttp://127.0.0.1:9/hooks/…\t`);
    for (const part of TOKEN_PARTS) expect(`${withToken.out}${listedAgain.out}${listedAgain.err}`).not.toContain(part);
    expect(await run(['webhooks', 'remove', tokenId])).toMatchObject({ code: 0 });
    expect((await run(['webhooks', 'add', 'http://hooks.example.com/x'])).code).toBe(1);
    expect(await run(['webhooks', 'remove', id])).toMatchObject({ code: 0, out: `removed ${id}` });
    expect(await run(['webhooks', 'remove', id])).toMatchObject({ code: 1, err: expect.stringContaining('No webhook') });
  });
});

describe('alert webhooks on two replicas sharing PostgreSQL', () => {
  let a: TestConnector;
  let b: TestConnector;
  beforeAll(async () => {
    const masterKey = randomBytes(32);
    a = await startTestConnector({ dialect: 'postgres', env: ENV, masterKey, alerts: FAST });
    b = await startTestConnector({ databaseUrl: a.config.databaseUrl, env: ENV, masterKey, alerts: FAST });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('delivers to the full URL with its token, which never appears in the database, the other replica or the logs', async () => {
    const receiver = await startReceiver();
    try {
      for (const part of TOKEN_PARTS) [a, b].forEach((c) => c.watch.secret(part));
      const { id, url } = (await a.request({ method: 'POST', url: '/v1/webhooks', payload: { url: `${receiver.url}${TOKEN_PATH}` } })).json() as { id: string; url: string };
      expect(url).toBe(`${receiver.url}/…`);
      expect((await b.request({ method: 'GET', url: '/v1/webhooks' })).json()).toMatchObject({ items: [{ id, url: `${receiver.url}/…` }] });
      await a.app.connector.alerts.sink.publish(failingEvent('5f0e0cde-1111-4c4c-8888-000000000007'));
      await drain([b]);
      expect(receiver.received.map((r) => [r.path, r.answered])).toEqual([[`/hooks${TOKEN_PATH}`, 204]]);
      await b.request({ method: 'GET', url: `/v1/webhooks/${id}/deliveries` });

      const dump = await dumpDatabase(a.config.databaseUrl!);
      expect(dump).toContain(`${receiver.url}/…`);
      for (const part of TOKEN_PARTS) expect(dump).not.toContain(part);
      expect([...a.watch.leaks(), ...b.watch.leaks()]).toEqual([]);
      await a.request({ method: 'DELETE', url: `/v1/webhooks/${id}` });
    } finally {
      await receiver.close();
    }
  });

  it('delivers an event both replicas announce once, and one queued before a restart after it', async () => {
    const receiver = await startReceiver([502]);
    try {
      const { signingSecret } = (await a.request({ method: 'POST', url: '/v1/webhooks', payload: { url: receiver.url } })).json() as { signingSecret: string };
      const event = failingEvent('5f0e0cde-1111-4c4c-8888-000000000003');
      await Promise.all([a.app.connector.alerts.sink.publish(event), b.app.connector.alerts.sink.publish(event)]);
      await drain([a, b]);
      expect(receiver.received.map((r) => r.answered)).toEqual([502, 204]);

      // Queued by one replica, which then stops before sending: the other delivers it.
      const later = { ...failingEvent('5f0e0cde-1111-4c4c-8888-000000000003', '2026-01-03T00:00:00.000Z'), type: 'link.recovered' as const };
      await a.app.connector.alerts.sink.publish(later);
      await a.app.close();
      await drain([b], 2);
      expect(receiver.received).toHaveLength(3);
      const last = receiver.received[2]!;
      expect(new Webhook(signingSecret).verify(last.body, last.headers as Record<string, string>)).toEqual(later);
    } finally {
      await receiver.close();
    }
  });
});
