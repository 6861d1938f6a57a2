import { LinkViewSchema, TestConnectionResultSchema, type DiagnosticResult, type TestConnectionResult } from '../../../contract';
import { startTestConnector, type TestConnector, type TestConnectorOptions } from '../../helpers/connector-app';
import type { SandboxDc } from '../../helpers/sandbox-dc';

/** The connector's public URL in these tests; its callback is the sandbox clients' default redirect URI. */
export const PUBLIC_URL = 'http://127.0.0.1:8787';

export async function startConnector(options: TestConnectorOptions = {}): Promise<TestConnector> {
  return startTestConnector({
    ...options,
    env: { CONNECTOR_PUBLIC_URL: PUBLIC_URL, CONNECTOR_ALLOWED_HOSTS: '127.0.0.1', ...options.env },
    credentials: { providerTimeoutMs: 2_000, ...options.credentials },
    discovery: { testTimeouts: { connectMs: 1_000, stageMs: 2_000, totalMs: 10_000 }, ...options.discovery },
  });
}

/** Creates a Jira link to the sandbox with one of its clients (or made-up credentials). */
export async function createLink(
  c: TestConnector,
  dc: Pick<SandboxDc, 'baseUrl' | 'clients'> | { baseUrl: string; clients?: undefined },
  clientName: string | null,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const client = clientName === null ? undefined : dc.clients?.[clientName];
  if (client !== undefined) c.watch.secret(client.clientSecret);
  const res = await c.request({
    method: 'POST',
    url: '/v1/links',
    payload: {
      name: `Sandbox (${clientName ?? 'no client'})`,
      remoteKind: 'jira',
      applicationUrl: dc.baseUrl,
      outgoing: client === undefined ? { scopes: ['READ'] } : { clientId: client.clientId, clientSecret: client.clientSecret, scopes: ['READ'] },
      ...overrides,
    },
  });
  if (res.statusCode !== 201) throw new Error(`link not created: ${res.statusCode} ${res.body}`);
  return LinkViewSchema.parse(res.json()).id;
}

/** Authorizes a link as a person would: Authorize, sign in and consent at the sandbox, the callback. */
export async function authorize(c: TestConnector, dc: SandboxDc, linkId: string): Promise<void> {
  const start = await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} });
  if (start.statusCode !== 200) throw new Error(`authorize: ${start.statusCode} ${start.body}`);
  const { code, state } = await dc.authorize((start.json() as { authorizationUrl: string }).authorizationUrl);
  c.watch.secret(code);
  const callback = await c.request({ method: 'GET', url: `/oauth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state ?? '')}`, token: null });
  if (callback.statusCode !== 200) throw new Error(`callback: ${callback.statusCode} ${callback.body}`);
}

export async function testLink(c: TestConnector, linkId: string): Promise<TestConnectionResult & { elapsedMs: number }> {
  const started = performance.now();
  const res = await c.request({ method: 'POST', url: `/v1/links/${linkId}/test` });
  const elapsedMs = performance.now() - started;
  if (res.statusCode !== 200) throw new Error(`test: ${res.statusCode} ${res.body}`);
  return { ...TestConnectionResultSchema.parse(res.json()), elapsedMs };
}

export function stageOf(result: TestConnectionResult, stage: DiagnosticResult['stage']): DiagnosticResult {
  const found = result.stages.find((s) => s.stage === stage);
  if (found === undefined) throw new Error(`no stage ${stage}`);
  return found;
}

/** `stage: status CODE` for every stage, compact enough to compare in one expectation. */
export function summary(result: TestConnectionResult): string[] {
  return result.stages.map((s) => `${s.stage}: ${s.status} ${s.code}`);
}
