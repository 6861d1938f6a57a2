import { validate } from '@forge/manifest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigureError, configureManifest, main, normalizeAppId, normalizeConnectorUrl } from '../../scripts/forge-configure';

const ROOT = path.resolve(__dirname, '../..');
const MANIFEST_TEXT = readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8');
const APP_UUID = '3f5c0b1e-8a4d-4c2b-9e7f-1a2b3c4d5e6f';

/** A copy of the app's layout (manifest, handler file, resource folder) where validation can run. */
function sandbox(): { dir: string; manifest: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'forge-configure-'));
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src/index.ts'), 'export {};\n');
  mkdirSync(path.join(dir, 'static/admin/build'), { recursive: true });
  writeFileSync(path.join(dir, 'static/admin/build/index.html'), '<!doctype html><title>x</title>\n');
  const manifest = path.join(dir, 'manifest.yml');
  writeFileSync(manifest, MANIFEST_TEXT);
  return { dir, manifest, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('npm run forge:configure', () => {
  it("writes the customer's app id and connector URL, keeps the rest, and the result still validates", async () => {
    const box = sandbox();
    try {
      const lines: string[] = [];
      const code = main(['--app-id', APP_UUID, '--connector-url', 'https://connector.acme.example/', '--manifest', box.manifest], (line) => lines.push(line));
      expect(code).toBe(0);
      const text = readFileSync(box.manifest, 'utf8');
      const result = await validate(false, box.manifest);
      expect(result.errors ?? []).toEqual([]);
      const content = result.manifestObject?.typedContent as unknown as { app: { id: string }; remotes: { key: string; baseUrl: string }[] };
      expect(content.app.id).toBe(`ari:cloud:ecosystem::app/${APP_UUID}`);
      expect(content.remotes.find((r) => r.key === 'connector')?.baseUrl).toBe('https://connector.acme.example');
      // Only the two lines changed: comments and layout survive.
      const changed = text.split('\n').filter((line, i) => line !== MANIFEST_TEXT.split('\n')[i]);
      expect(changed).toEqual(['    baseUrl: https://connector.acme.example', `  id: ari:cloud:ecosystem::app/${APP_UUID}`]);
      expect(lines.join('\n')).toMatch(/forge deploy/);
    } finally {
      box.cleanup();
    }
  });

  it('is idempotent and takes --flag=value', () => {
    const once = configureManifest(MANIFEST_TEXT, { appId: `ari:cloud:ecosystem::app/${APP_UUID}`, connectorUrl: 'https://c.example' });
    expect(configureManifest(once, { appId: APP_UUID, connectorUrl: 'https://c.example' })).toBe(once);
    const box = sandbox();
    try {
      expect(main([`--app-id=${APP_UUID}`, '--connector-url=https://c.example/base/', `--manifest=${box.manifest}`], () => undefined)).toBe(0);
      expect(readFileSync(box.manifest, 'utf8')).toContain('    baseUrl: https://c.example/base\n');
    } finally {
      box.cleanup();
    }
  });

  it('refuses an app id that is not an app ARI or UUID', () => {
    expect(() => normalizeAppId('my-app')).toThrow(ConfigureError);
    expect(() => normalizeAppId('ari:cloud:ecosystem::app/not-a-uuid')).toThrow(/app's id/);
    expect(normalizeAppId(APP_UUID.toUpperCase())).toBe(`ari:cloud:ecosystem::app/${APP_UUID}`);
  });

  it('refuses a connector URL Forge could not call: plain http, credentials, query, or not a URL', () => {
    expect(() => normalizeConnectorUrl('http://connector.example')).toThrow(/https/);
    expect(() => normalizeConnectorUrl('https://user:pw@connector.example')).toThrow(/credentials/);
    expect(() => normalizeConnectorUrl('https://connector.example/?x=1')).toThrow(/query/);
    expect(() => normalizeConnectorUrl('connector.example')).toThrow(/absolute/);
  });

  it('exits 2 with the usage on bad arguments, and leaves the manifest alone', () => {
    const box = sandbox();
    try {
      const lines: string[] = [];
      expect(main(['--app-id', APP_UUID, '--manifest', box.manifest], (line) => lines.push(line))).toBe(2);
      expect(main(['--app-id', APP_UUID, '--connector-url', 'http://x.example', '--manifest', box.manifest], (line) => lines.push(line))).toBe(2);
      expect(main(['--bogus'], (line) => lines.push(line))).toBe(2);
      expect(main(['--app-id', APP_UUID, '--connector-url', 'https://x.example', '--manifest', path.join(box.dir, 'none.yml')], (line) => lines.push(line))).toBe(2);
      expect(lines.join('\n')).toMatch(/Usage: npm run forge:configure/);
      expect(readFileSync(box.manifest, 'utf8')).toBe(MANIFEST_TEXT);
    } finally {
      box.cleanup();
    }
  });

  it('says which part of the manifest it cannot find', () => {
    expect(() => configureManifest('modules: {}\n', { appId: APP_UUID, connectorUrl: 'https://c.example' })).toThrow(/no top-level "app:"/);
    expect(() => configureManifest(MANIFEST_TEXT.replace('- key: connector', '- key: other'), { appId: APP_UUID, connectorUrl: 'https://c.example' })).toThrow(/key "connector"/);
  });
});
