import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebTriggerHandler, WebTriggerRequest } from '../../../src/webtriggers/web-trigger';

export interface WebTriggerServer {
  /** Base URL; each handler answers at `/<name>`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves web trigger handlers over real HTTP on 127.0.0.1, translating each request into Forge's
 * web trigger shape (headers and query parameters as lists of values, the body as a string) and the
 * handler's `{statusCode, headers, body}` back into an HTTP response, as Forge's gateway does.
 */
export async function serveWebTriggers(handlers: Record<string, WebTriggerHandler>): Promise<WebTriggerServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const handler = handlers[url.pathname.slice(1)];
      if (handler === undefined) {
        res.writeHead(404).end();
        return;
      }
      const request: WebTriggerRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        headers: headersOf(req),
        queryParameters: Object.fromEntries([...new Set(url.searchParams.keys())].map((key) => [key, url.searchParams.getAll(key)])),
        body: await bodyOf(req),
      };
      const response = await handler(request, { installContext: 'ari:cloud:jira::site/cloud-1' });
      for (const [name, values] of Object.entries(response.headers)) res.setHeader(name, values);
      res.writeHead(response.statusCode).end(response.body);
    })().catch((error: unknown) => {
      res.writeHead(502).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

function headersOf(req: IncomingMessage): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    (headers[name] ??= []).push(req.rawHeaders[i + 1] ?? '');
  }
  return headers;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
