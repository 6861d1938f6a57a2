import type { IncomingMessage } from 'node:http';

/**
 * Why the preview guards `/__preview/invoke`: it runs the real resolvers as an administrator, on
 * 127.0.0.1, while the developer browses other sites. Any page could POST to it (a `text/plain`
 * form post needs no CORS preflight) and create links and ADMIN credentials. So the invoke route
 * takes only what its own page sends: JSON (which a cross-site form cannot send without a
 * preflight the preview never answers), from its own origin, to its own host name (a rebound DNS
 * name is another host), and bodies of bounded size.
 */

/** Resolver payloads are a few KiB; Forge itself caps an invocation's payload far below this. */
export const INVOKE_BODY_LIMIT_BYTES = 256 * 1024;
/** Forge's web trigger payload limit (5 MB). */
export const WEB_TRIGGER_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

export interface Refusal {
  status: number;
  code: 'UNSUPPORTED_MEDIA_TYPE' | 'CROSS_SITE_REQUEST' | 'BODY_TOO_LARGE' | 'MALFORMED_JSON';
  message: string;
}

export class RefusedRequest extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

/** The origins the preview's own page has: the port it listens on, by loopback address or by name. */
export function ownOrigins(port: number): { origins: ReadonlySet<string>; hosts: ReadonlySet<string> } {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  return { hosts: new Set(hosts), origins: new Set(hosts.map((h) => `http://${h}`)) };
}

/**
 * Refuses an invoke request that did not come from the preview's own page. A browser always sends
 * `Origin` on a POST and `Sec-Fetch-Site` on every request, so a cross-site page cannot omit
 * them; a request with neither comes from a local program, which could reach the preview anyway.
 */
export function checkInvokeRequest(req: IncomingMessage, own: ReturnType<typeof ownOrigins>): Refusal | undefined {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the invocation as application/json.' };
  }
  const host = (req.headers.host ?? '').toLowerCase();
  if (!own.hosts.has(host)) return crossSite(`the Host ${JSON.stringify(host)} is not this preview`);
  const origin = req.headers.origin;
  if (origin !== undefined && !own.origins.has(origin.toLowerCase())) return crossSite(`the Origin ${JSON.stringify(origin)} is not this preview`);
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return crossSite(`Sec-Fetch-Site is ${JSON.stringify(site)}`);
  return undefined;
}

function crossSite(why: string): Refusal {
  return { status: 403, code: 'CROSS_SITE_REQUEST', message: `Only the preview's own page may invoke resolvers: ${why}.` };
}

/** Reads a body up to `limit` bytes; a longer one is refused as soon as it is known, without buffering the rest. */
export async function readLimitedBody(req: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = new RefusedRequest({ status: 413, code: 'BODY_TOO_LARGE', message: `The request body is larger than ${limit} bytes.` });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text === '' ? '{}' : text);
  } catch {
    throw new RefusedRequest({ status: 400, code: 'MALFORMED_JSON', message: 'The request body is not valid JSON.' });
  }
}
