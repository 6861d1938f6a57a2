import { validate } from '@forge/manifest';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as entry from '../../src/index';
import { ENTITIES } from '../../src/storage/entities';

/**
 * `forge lint` needs a login; `@forge/manifest`'s `validate(false, file)` runs the same full
 * validation offline (JSON schema, module cross-references, handler files, resources, remotes,
 * permissions). It resolves resources and handlers next to the manifest, so it needs
 * `static/admin/build/index.html`: the admin page's build output, which git ignores. When no build
 * is there, this test puts a placeholder page in and removes it afterwards.
 */

const ROOT = path.resolve(__dirname, '../..');
const MANIFEST = path.join(ROOT, 'manifest.yml');
const BUILD_DIR = path.join(ROOT, 'static/admin/build');
const PLACEHOLDER = path.join(BUILD_DIR, 'index.html');

let createdPlaceholder = false;
/** The topmost folder this test created, removed again afterwards. */
let createdDir: string | undefined;

let result: Awaited<ReturnType<typeof validate>>;

beforeAll(async () => {
  if (!existsSync(BUILD_DIR)) createdDir = mkdirSync(BUILD_DIR, { recursive: true });
  if (!existsSync(PLACEHOLDER)) {
    writeFileSync(PLACEHOLDER, '<!doctype html><html><head><meta charset="utf-8"><title>OAuth 2.0 application links</title></head><body><div id="root"></div></body></html>\n');
    createdPlaceholder = true;
  }
  result = await validate(false, MANIFEST);
});

afterAll(() => {
  if (createdPlaceholder) rmSync(PLACEHOLDER);
  if (createdDir !== undefined) rmSync(createdDir, { recursive: true, force: true });
});

/** The manifest as @forge/manifest parsed it (its YAML reader, not ours). */
const manifest = () => result.manifestObject?.typedContent as unknown as {
  app: { id: string; runtime: { name: string }; storage?: { entities?: unknown[] } };
  modules: Record<string, { key: string; function?: string; handler?: string; resource?: string; resolver?: { function: string }; title?: string }[]>;
  resources: { key: string; path: string }[];
  remotes: { key: string; baseUrl: string; auth?: unknown }[];
  permissions: { scopes: string[]; external: { fetch: { backend: unknown[] } } };
};

describe('manifest.yml', () => {
  it("passes @forge/manifest's full validation with no errors and no warnings", async () => {
    const problems = (result.errors ?? []).map((e) => `${e.level} at line ${e.line ?? '?'}: ${e.message} (${e.reference})`);
    expect(problems).toEqual([]);
    expect(result.success).toBe(true);
    expect(result.manifestObject?.typedContent).toBeDefined();
  });

  it('declares exactly the custom entities and indexes the code and its in-memory double use', () => {
    expect(manifest().app.storage?.entities).toEqual(Object.values(ENTITIES));
  });

  it('fails validation when a handler it names has no file (the check is real)', async () => {
    // Next to the real one: validation resolves handlers and resources relative to the manifest.
    const broken = path.join(ROOT, `manifest.broken-${process.pid}.yml`);
    writeFileSync(broken, readFileSync(MANIFEST, 'utf8').replace('handler: index.pingApi', 'handler: missing.pingApi'));
    try {
      const brokenResult = await validate(false, broken);
      expect(brokenResult.success).toBe(false);
      expect(brokenResult.errors?.map((e) => e.message).join('\n')).toMatch(/missing/);
    } finally {
      rmSync(broken);
    }
  });

  it('has the Jira admin page as Custom UI on static/admin/build, with the resolver function', () => {
    const m = manifest();
    const page = m.modules['jira:adminPage']?.[0];
    expect(page).toMatchObject({ title: 'OAuth 2.0 application links', resolver: { function: 'resolver' } });
    expect(m.resources).toContainEqual({ key: page?.resource, path: 'static/admin/build' });
    expect(m.app.runtime.name).toBe('nodejs22.x');
  });

  it('names only handlers that src/index.ts exports as functions (@forge/manifest checks the file, not the export)', () => {
    const m = manifest();
    const exported: Record<string, unknown> = { ...entry };
    const handlers = (m.modules.function ?? []).map((f) => f.handler ?? '');
    expect(handlers.length).toBeGreaterThan(0);
    for (const handler of handlers) {
      const [file, name] = handler.split('.');
      expect(file).toBe('index');
      expect(typeof exported[name ?? '']).toBe('function');
    }
    // src/index.ts exports handlers and nothing else.
    expect(Object.keys(exported).sort()).toEqual(handlers.map((h) => h.split('.')[1]).sort());
  });

  it('has web triggers for the token endpoint and the ping API with dynamic responses, on functions that exist', () => {
    const m = manifest();
    const functions = new Set((m.modules.function ?? []).map((f) => f.key));
    const triggers = m.modules.webtrigger ?? [];
    expect(triggers.map((t) => t.key)).toEqual(expect.arrayContaining(['oauth-ping', 'oauth-token']));
    expect(triggers.map((t) => t.key).sort()).toEqual(['jira-gateway', 'oauth-authorize', 'oauth-metadata', 'oauth-ping', 'oauth-revoke', 'oauth-token']);
    for (const trigger of triggers) {
      expect(functions.has(trigger.function ?? '')).toBe(true);
      expect(trigger).toMatchObject({ response: { type: 'dynamic' } });
    }
  });

  it('declares the connector as a remote the backend may fetch, with no Atlassian API tokens for it, and the scopes the app uses', () => {
    const m = manifest();
    const connector = m.remotes.find((r) => r.key === 'connector');
    expect(connector?.baseUrl).toMatch(/^https:\/\//);
    expect(connector?.auth).toEqual({ appSystemToken: { enabled: false }, appUserToken: { enabled: false } });
    expect(m.permissions.external.fetch.backend).toContainEqual({ remote: 'connector' });
    expect(m.permissions.scopes).toEqual(expect.arrayContaining(['read:jira-work', 'storage:app']));
    // The gateway's calls as the app (issue 12): WRITE edits issues, ADMIN reaches configuration and users.
    expect(m.permissions.scopes.sort()).toEqual(['manage:jira-configuration', 'read:jira-user', 'read:jira-work', 'storage:app', 'write:jira-work']);
  });
});
