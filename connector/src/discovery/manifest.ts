import { RemoteManifestSchema, type RemoteManifest } from '../../../contract';
import type { ResolvedAddress, SafeHttp } from '../outbound/safe-http';

export const MANIFEST_PATH = '/rest/applinks/1.0/manifest';
const MANIFEST_MAX_BYTES = 64 * 1024;

/** What asking `{base}/rest/applinks/1.0/manifest` gave. Transport failures throw OutboundError. */
export type ManifestOutcome =
  | { kind: 'manifest'; manifest: RemoteManifest; date: string | undefined }
  | { kind: 'redirect'; status: number; location: string | null; date: string | undefined }
  | { kind: 'not-atlassian'; status: number; date: string | undefined };

/** The base URL as links keep it: no trailing slash, no query or fragment. */
export function normalizeBase(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Fetches the applinks manifest, asking for JSON and reading XML when that is what comes back
 * (older versions and some proxies ignore `Accept`). Redirects are reported, never followed.
 */
export async function fetchManifest(
  http: SafeHttp,
  base: string,
  options: { timeoutMs: number; connectTimeoutMs: number; address?: ResolvedAddress },
): Promise<ManifestOutcome> {
  const response = await http.request(`${base}${MANIFEST_PATH}`, {
    headers: { accept: 'application/json, application/xml;q=0.9' },
    timeoutMs: options.timeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
    maxBytes: MANIFEST_MAX_BYTES,
    ...(options.address === undefined ? {} : { address: options.address }),
  });
  const date = typeof response.headers.date === 'string' ? response.headers.date : undefined;
  if (response.status >= 300 && response.status < 400) {
    const location = typeof response.headers.location === 'string' ? resolveLocation(response.headers.location, `${base}${MANIFEST_PATH}`) : null;
    return { kind: 'redirect', status: response.status, location, date };
  }
  if (response.status !== 200) return { kind: 'not-atlassian', status: response.status, date };
  const manifest = parseManifest(response.body, String(response.headers['content-type'] ?? ''));
  return manifest === undefined ? { kind: 'not-atlassian', status: response.status, date } : { kind: 'manifest', manifest, date };
}

/** The base URL a manifest redirect points to (the location without the manifest path). */
export function redirectBase(location: string): string {
  const url = new URL(location);
  const path = url.pathname.endsWith(MANIFEST_PATH) ? url.pathname.slice(0, -MANIFEST_PATH.length) : url.pathname;
  return `${url.origin}${path.replace(/\/+$/, '')}`;
}

function resolveLocation(location: string, requested: string): string | null {
  try {
    return new URL(location, requested).toString();
  } catch {
    return null;
  }
}

/** Reads a manifest in JSON or XML; undefined when the body is neither or lacks typeId and url. */
export function parseManifest(body: string, contentType: string): RemoteManifest | undefined {
  const trimmed = body.trim();
  let fields: Record<string, unknown> | undefined;
  if (trimmed.startsWith('{') || contentType.includes('json')) fields = parseJsonObject(trimmed);
  if (fields === undefined && trimmed.startsWith('<')) fields = parseManifestXml(trimmed);
  if (fields === undefined) return undefined;
  const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null);
  const bool = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : value === 'true' ? true : value === 'false' ? false : null);
  const parsed = RemoteManifestSchema.safeParse({
    id: str(fields.id),
    name: str(fields.name),
    typeId: str(fields.typeId),
    version: str(fields.version),
    buildNumber: str(fields.buildNumber),
    applinksVersion: str(fields.applinksVersion),
    url: str(fields.url),
    publicSignup: bool(fields.publicSignup),
  });
  return parsed.success ? parsed.data : undefined;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const XML_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * A deliberately tiny reader for the manifest's flat XML: `<manifest><name>x</name>...</manifest>`.
 * It reads the first text-only child element of each name and decodes the five predefined
 * entities and numeric references. Documents with a DOCTYPE are refused, so no entity expansion
 * (billion laughs, external entities) can happen; nothing else of XML is needed here.
 */
export function parseManifestXml(text: string): Record<string, string> | undefined {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return undefined;
  const root = /<manifest(?:\s[^>]*)?>([\s\S]*)<\/manifest>/.exec(text);
  if (root?.[1] === undefined) return undefined;
  const fields: Record<string, string> = {};
  for (const match of root[1].matchAll(/<([A-Za-z][\w.-]*)(?:\s[^>]*)?>([^<]*)<\/\1>/g)) {
    const [, name, value] = match;
    if (name === undefined || value === undefined || name in fields) continue;
    fields[name] = decodeXml(value.trim());
  }
  return fields;
}

function decodeXml(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, ref: string) => {
    const point = /^#x/i.test(ref) ? Number.parseInt(ref.slice(2), 16) : ref.startsWith('#') ? Number.parseInt(ref.slice(1), 10) : undefined;
    if (point === undefined) return XML_ENTITIES[ref] ?? whole;
    return Number.isInteger(point) && point >= 0 && point <= 0x10ffff ? String.fromCodePoint(point) : whole;
  });
}
