import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundError, SafeHttp, type ResolvedAddress } from '../../../connector/src/outbound/safe-http';
import { UrlPolicy } from '../../../connector/src/outbound/url-policy';

/** The outbound policy at connect time: what SafeHttp refuses, and that it calls what it checked. */
let server: http.Server;
let port: number;
const seen: { host: string | undefined; url: string | undefined }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ host: req.headers.host, url: req.url });
    if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    } else if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(10_000));
    } else if (req.url === '/slow') {
      setTimeout(() => res.writeHead(200).end('late'), 2_000).unref();
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const refusal = async (promise: Promise<unknown>): Promise<{ code: string; phase: string }> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OutboundError) return { code: error.code, phase: error.phase };
    throw error;
  }
  throw new Error('expected a refusal');
};

const to = (address: string): (() => Promise<ResolvedAddress[]>) => async () => [{ address, family: 4 }];

it('refuses the metadata address, private and loopback literals, and localhost, unless allowed', async () => {
  const safe = new SafeHttp({ policy: new UrlPolicy([]) });
  expect(await refusal(safe.request('http://169.254.169.254/latest/meta-data/'))).toEqual({ code: 'HOST_NOT_ALLOWED', phase: 'url' });
  expect(await refusal(safe.request('https://[::ffff:127.0.0.1]/'))).toEqual({ code: 'HOST_NOT_ALLOWED', phase: 'url' });
  expect(await refusal(safe.request('https://192.168.1.10/'))).toEqual({ code: 'HOST_NOT_ALLOWED', phase: 'url' });
  expect(await refusal(safe.request(`https://localhost:${port}/`))).toEqual({ code: 'HOST_NOT_ALLOWED', phase: 'url' });
  expect(await refusal(safe.request('http://jira.example.test/'))).toEqual({ code: 'URL_INSECURE', phase: 'url' });
  expect(await refusal(safe.request('https://user:pw@jira.example.test/'))).toEqual({ code: 'URL_INVALID', phase: 'url' });
});

it('refuses a public name when any of its addresses is internal (checked after resolving)', async () => {
  const rebinding = new SafeHttp({ policy: new UrlPolicy([]), resolve: async () => [{ address: '93.184.215.14', family: 4 }, { address: '127.0.0.1', family: 4 }] });
  expect(await refusal(rebinding.request(`https://jira.example.test:${port}/`))).toEqual({ code: 'HOST_NOT_ALLOWED', phase: 'dns' });
  const metadata = new SafeHttp({ policy: new UrlPolicy([]), resolve: to('169.254.169.254') });
  expect(await refusal(metadata.request('https://metadata.example.test/'))).toEqual({ code: 'HOST_NOT_ALLOWED', phase: 'dns' });
});

it('connects to the address it checked, sending the name in the Host header', async () => {
  let lookups = 0;
  const safe = new SafeHttp({
    policy: new UrlPolicy(['jira.sandbox.test']),
    resolve: async () => {
      lookups += 1;
      return [{ address: '127.0.0.1', family: 4 }];
    },
  });
  const answer = await safe.request(`http://jira.sandbox.test:${port}/hello`);
  expect(answer).toMatchObject({ status: 200, body: 'hello', address: '127.0.0.1' });
  expect(seen.at(-1)).toEqual({ host: `jira.sandbox.test:${port}`, url: '/hello' });
  // One resolution, made by SafeHttp; the socket used its answer (no second lookup to rebind).
  expect(lookups).toBe(1);
});

it('never follows a redirect, even to an address it would refuse', async () => {
  const safe = new SafeHttp({ policy: new UrlPolicy(['127.0.0.1']) });
  const answer = await safe.request(`http://127.0.0.1:${port}/redirect`);
  expect(answer.status).toBe(302);
  expect(answer.headers.location).toBe('http://169.254.169.254/latest/meta-data/');
});

it('caps the size of an answer and the time of a call', async () => {
  const safe = new SafeHttp({ policy: new UrlPolicy(['127.0.0.1']) });
  expect(await refusal(safe.request(`http://127.0.0.1:${port}/big`, { maxBytes: 1_000 }))).toEqual({ code: 'RESPONSE_TOO_LARGE', phase: 'http' });
  const started = Date.now();
  // /slow answers after 2 s: a TIMEOUT instead of its answer shows that our 300 ms limit ended the call.
  expect(await refusal(safe.request(`http://127.0.0.1:${port}/slow`, { timeoutMs: 300 }))).toEqual({ code: 'TIMEOUT', phase: 'http' });
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
});

it('names DNS failures', async () => {
  const safe = new SafeHttp({ policy: new UrlPolicy([]) });
  expect(await refusal(safe.request('https://jira.sandbox.invalid/'))).toEqual({ code: 'DNS_FAILED', phase: 'dns' });
});
