import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { INVOKE_BODY_LIMIT_BYTES } from '../../preview/request-guard';
import { startPreview, type Preview } from '../../preview/server';
import type { LinkPage } from '../../contract';

/** A raw HTTP request, so that tests set exactly the headers a browser (or an attacker's page) would. */
function post(url: string, headers: Record<string, string>, body: string | Buffer, options: { chunked?: boolean } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: options.chunked ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const CREATE = JSON.stringify({ functionKey: 'createLink', payload: { name: 'From elsewhere', remoteKind: 'jira', applicationUrl: 'https://jira.example.com', authKind: 'none' } });

describe('the preview refuses cross-site invocations', () => {
  let dataDir: string;
  let preview: Preview;
  let invokeUrl: string;
  let origin: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'preview-guard-'));
    preview = await startPreview({ dataDir, port: 0, logLevel: 'error', logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    origin = preview.url;
    invokeUrl = `${preview.url}/__preview/invoke`;
  });
  afterAll(async () => {
    await preview.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function linkCount(): Promise<number> {
    const page = await preview.invoke<LinkPage>('listLinks', {});
    if (!page.success) throw new Error(JSON.stringify(page.errors));
    return page.data.total;
  }

  it('refuses a text/plain POST (a form any page can send) with 415, and creates nothing', async () => {
    const answer = await post(invokeUrl, { 'content-type': 'text/plain', origin: 'https://evil.example' }, CREATE);
    expect(answer.status).toBe(415);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    expect(await linkCount()).toBe(0);
  });

  it('refuses JSON from a foreign Origin with 403, and creates nothing', async () => {
    const answer = await post(invokeUrl, { 'content-type': 'application/json', origin: 'https://evil.example' }, CREATE);
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'CROSS_SITE_REQUEST' } });
    expect(await linkCount()).toBe(0);
  });

  it.each(['cross-site', 'same-site', 'none'])('refuses Sec-Fetch-Site: %s with 403', async (site) => {
    const answer = await post(invokeUrl, { 'content-type': 'application/json', 'sec-fetch-site': site }, CREATE);
    expect(answer.status).toBe(403);
    expect(await linkCount()).toBe(0);
  });

  it('refuses a request to another host name (DNS rebinding to 127.0.0.1) with 403', async () => {
    const answer = await post(invokeUrl, { 'content-type': 'application/json', host: `rebound.example:${new URL(origin).port}`, origin: `http://rebound.example:${new URL(origin).port}` }, CREATE);
    expect(answer.status).toBe(403);
    expect(await linkCount()).toBe(0);
  });

  it('refuses a body over the limit with 413, whether declared or streamed', async () => {
    const big = JSON.stringify({ functionKey: 'listLinks', payload: { pad: 'x'.repeat(INVOKE_BODY_LIMIT_BYTES) } });
    const headers = { 'content-type': 'application/json', origin, 'sec-fetch-site': 'same-origin' };
    expect((await post(invokeUrl, headers, big)).status).toBe(413);
    expect((await post(invokeUrl, { ...headers, 'transfer-encoding': 'chunked' }, big, { chunked: true })).status).toBe(413);
  });

  it('answers malformed JSON with 400', async () => {
    const answer = await post(invokeUrl, { 'content-type': 'application/json', origin }, '{"functionKey":');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'MALFORMED_JSON' } });
  });

  it("serves its own page's request: JSON, same origin (by address or by localhost)", async () => {
    const headers = { 'content-type': 'application/json; charset=utf-8', origin, 'sec-fetch-site': 'same-origin' };
    const answer = await post(invokeUrl, headers, CREATE);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ success: true });
    const port = new URL(origin).port;
    const byName = await post(`http://localhost:${port}/__preview/invoke`, { ...headers, origin: `http://localhost:${port}` }, JSON.stringify({ functionKey: 'listLinks', payload: {} }));
    expect(JSON.parse(byName.body)).toMatchObject({ success: true, data: { total: 1 } });
  });
});
