import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FORGE_ERROR_CODES, FORGE_ERRORS, ResolverFailureSchema, type ForgeErrorCode, type ResolverKey } from '../../contract';
import type { LinkRecord } from '../../src/links/link-record';
import { jiraAdminCheck } from '../../src/permissions/jira-admin-check';
import { LinkRepository, MAX_LINKS } from '../../src/storage/link-repository';
import { NOT_ADMIN, startForgeApp, type ForgeAppHarness } from '../forge/helpers/forge-app';

/**
 * In the style of Fastify's error registry test: the registry, the documentation and the code agree.
 * Every code in `FORGE_ERRORS` is in README's table with its status, and every code is reached
 * through the real resolver handler by a scenario below (a new code without one fails to compile).
 */

const SOME_ID = '7d7e2a8c-1f0b-4c53-9a3e-2b1f4f7c9d10';
const JIRA_LINK = { name: 'Jira DC', remoteKind: 'jira', applicationUrl: 'https://jira.example.com' };
const envelope = (code: string, message: string) => ({ error: { code, message } });

async function createdLinkId(app: ForgeAppHarness, input: Record<string, unknown> = JIRA_LINK): Promise<string> {
  return (await app.call<{ id: string }>('createLink', input)).id;
}

function storedRecord(id: string, name: string): LinkRecord {
  const at = '2026-03-01T10:00:00.000Z';
  return {
    schemaVersion: 1,
    id,
    name,
    remoteKind: 'jira',
    applicationUrl: 'https://jira.example.com',
    displayUrl: null,
    authKind: 'oauth2',
    status: 'needs-configuration',
    statusReason: null,
    outgoing: { clientId: null, clientSecretFingerprint: null, scopes: ['READ'], grantType: 'authorization_code', redirectUri: null },
    incoming: null,
    manualSteps: {},
    lastTest: null,
    createdAt: at,
    createdBy: 'admin',
    updatedAt: at,
    updatedBy: 'admin',
    version: 1,
  };
}

/** One way to reach each code through the resolver handler. */
const SCENARIOS = {
  FORBIDDEN: (app) => app.invoke('listLinks', {}, NOT_ADMIN),
  ADMIN_CHECK_FAILED: async (app) => {
    // The error the real Jira check raises when Jira answers 500, put where the harness's check runs.
    app.adminCheckError = (await jiraAdminCheck(async () => ({ status: 500, json: async () => ({}) })).isJiraAdministrator().catch((e: unknown) => e)) as Error;
    return app.invoke('listLinks', {});
  },
  UNKNOWN_RESOLVER: (app) => app.invoke('constructor' as ResolverKey, {}),
  VALIDATION_FAILED: (app) => app.invoke('createLink', { name: '' }),
  NOT_FOUND: (app) => app.invoke('getLink', { id: SOME_ID }),
  CONFLICT: async (app) => {
    const id = await createdLinkId(app);
    await app.call('updateLink', { id, changes: { name: 'Renamed once' } });
    return app.invoke('updateLink', { id, expectedVersion: 1, changes: { name: 'Renamed from a stale page' } });
  },
  LIMIT_REACHED: async (app) => {
    const repository = new LinkRepository(app.store);
    for (let i = 0; i < MAX_LINKS; i += 1) await repository.save(storedRecord(randomUUID(), `L${i}`));
    return app.invoke('createLink', JIRA_LINK);
  },
  STEP_NOT_MANUAL: async (app) => app.invoke('updateExchangeStep', { id: await createdLinkId(app), step: 'authorize', status: 'done' }),
  INCOMING_NOT_AVAILABLE: async (app) =>
    app.invoke('issueIncomingCredentials', { id: await createdLinkId(app, { name: 'Google', remoteKind: 'google', applicationUrl: 'https://accounts.google.com' }), scopes: ['READ'] }),
  INCOMING_NOT_ISSUED: async (app) => app.invoke('updateIncomingCredentials', { id: await createdLinkId(app), scopes: ['READ'] }),
  CONNECTOR_UNREACHABLE: (app) => {
    app.connector.unreachable = true;
    return app.invoke('createLink', JIRA_LINK);
  },
  CONNECTOR_UNAUTHENTICATED: (app) => {
    app.connector.failNext('POST', /^\/v1\/links$/, { status: 401, body: envelope('UNAUTHENTICATED', 'Authentication is required.') });
    return app.invoke('createLink', JIRA_LINK);
  },
  CONNECTOR_FORBIDDEN: (app) => {
    app.connector.failNext('POST', /^\/v1\/links$/, { status: 403, body: envelope('FORBIDDEN', 'This connector is paired with another site.') });
    return app.invoke('createLink', JIRA_LINK);
  },
  CONNECTOR_REJECTED: (app) => {
    app.connector.failNext('POST', /^\/v1\/links$/, { status: 400, body: envelope('INSECURE_URL', 'The URL must use https.') });
    return app.invoke('createLink', JIRA_LINK);
  },
  CONNECTOR_LINK_MISSING: async (app) => {
    const id = await createdLinkId(app);
    app.connector.links.delete(id);
    return app.invoke('testConnection', { id });
  },
  CONNECTOR_ERROR: (app) => {
    app.connector.failNext('POST', /^\/v1\/links$/, { status: 500, body: envelope('INTERNAL', 'Something went wrong on our side.') });
    return app.invoke('createLink', JIRA_LINK);
  },
  INTERNAL: async (app) => {
    const id = await createdLinkId(app);
    jest.spyOn(app.store, 'getEntity').mockRejectedValue(new Error('the store failed (test)'));
    return app.invoke('getLink', { id });
  },
} satisfies Record<ForgeErrorCode, (app: ForgeAppHarness) => Promise<unknown>>;

describe('the Forge error registry', () => {
  it('has a scenario for exactly the registered codes', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual([...FORGE_ERROR_CODES].sort());
  });

  it("is README's resolver error table, code for code and status for status", () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Resolver errors'), readme.indexOf('### The admin page'));
    const documented = Object.fromEntries([...section.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]));
    expect(documented).toEqual(Object.fromEntries(FORGE_ERROR_CODES.map((code) => [code, FORGE_ERRORS[code].status])));
  });

  it('gives every code an actionable message of its own', () => {
    const messages = FORGE_ERROR_CODES.map((code) => FORGE_ERRORS[code].message);
    expect(new Set(messages).size).toBe(messages.length);
    for (const message of messages) expect(message).toMatch(/^[A-Z].{15,}[.:)]$/s);
  });

  it.each(FORGE_ERROR_CODES)('%s is reachable through the resolver handler, with its registered status', async (code) => {
    const app = startForgeApp();
    const failure = ResolverFailureSchema.parse(await SCENARIOS[code](app));
    expect(failure.errors[0]?.code).toBe(code);
    expect(failure.status).toBe(FORGE_ERRORS[code].status);
  });
});
