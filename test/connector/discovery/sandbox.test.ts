import { execFile } from 'node:child_process';
import path from 'node:path';
import { startSandboxDc, type SandboxDc } from '../../helpers/sandbox-dc';

/** The sandbox Data Center's own surface: manifest formats, the protected API, the start script. */
let dc: SandboxDc;
beforeAll(async () => {
  dc = await startSandboxDc({ contextPath: '/jira' });
});
afterAll(async () => {
  await dc.stop();
});

it('serves the manifest as XML by default and as JSON on request', async () => {
  const xml = await fetch(`${dc.baseUrl}/rest/applinks/1.0/manifest`);
  expect(xml.headers.get('content-type')).toContain('xml');
  const text = await xml.text();
  expect(text).toContain('<typeId>jira</typeId>');
  expect(text).toContain(`<url>${dc.baseUrl}</url>`);
  const json = (await (await fetch(`${dc.baseUrl}/rest/applinks/1.0/manifest`, { headers: { accept: 'application/json' } })).json()) as Record<string, unknown>;
  expect(json).toMatchObject({ typeId: 'jira', version: '11.2.0', url: dc.baseUrl, publicSignup: false });
});

it('protects its API: 401 without a valid token', async () => {
  const none = await fetch(`${dc.baseUrl}/rest/api/2/myself`);
  expect(none.status).toBe(401);
  const bogus = await fetch(`${dc.baseUrl}/rest/api/2/myself`, { headers: { authorization: 'Bearer not-a-token' } });
  expect(bogus.status).toBe(401);
});

it('skews its Date header on request', async () => {
  await dc.configure({ dateSkewMs: 5 * 60_000 });
  try {
    const res = await fetch(`${dc.baseUrl}/rest/applinks/1.0/manifest`);
    const skew = Date.parse(res.headers.get('date') ?? '') - Date.now();
    expect(skew).toBeGreaterThan(4 * 60_000);
  } finally {
    await dc.configure({ dateSkewMs: 0 });
  }
});

it('starts on its own with `node sandbox/start.mjs` and prints its URL', async () => {
  const script = path.join(__dirname, '../../../sandbox/start.mjs');
  const child = execFile(process.execPath, [script, '--kind', 'bitbucket', '--context', '/bitbucket']);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const match = /listening on (\S+)/.exec(out);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${String(code)}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/bitbucket$/);
    const manifest = (await (await fetch(`${url}/rest/applinks/1.0/manifest`, { headers: { accept: 'application/json' } })).json()) as Record<string, unknown>;
    expect(manifest.typeId).toBe('stash');
  } finally {
    child.kill('SIGTERM');
  }
});
