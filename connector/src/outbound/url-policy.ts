import { isInternalAddress } from './address';

export type UrlVerdict =
  | { ok: true; url: URL }
  | { ok: false; code: 'INSECURE_URL' | 'HOST_NOT_ALLOWED' | 'URL_INVALID'; reason: string };

/**
 * Decides whether the connector may be configured to call a URL. Operators list hosts in
 * CONNECTOR_ALLOWED_HOSTS as `name`, `name:port` or `*.domain`; a listed host may use plain http
 * and internal addresses, because it is the operator who said so. Everything else must be https
 * to a host that is not an internal IP literal. (Names that resolve to internal addresses are
 * checked again at connect time, where the resolution is known.)
 */
export class UrlPolicy {
  private readonly allowed: string[];

  constructor(allowedHosts: readonly string[]) {
    this.allowed = allowedHosts.map((h) => h.toLowerCase());
  }

  isHostAllowed(url: URL): boolean {
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
    return this.allowed.some((entry) => {
      const [pattern, entryPort] = splitHostPort(entry);
      if (entryPort !== undefined && entryPort !== port) return false;
      if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
      return host === pattern;
    });
  }

  /** Whether a host name is listed at all, whatever the port (the connect-time address check). */
  isHostNameAllowed(hostname: string): boolean {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
    return this.allowed.some((entry) => {
      const [pattern] = splitHostPort(entry);
      if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
      return host === pattern;
    });
  }

  check(value: string): UrlVerdict {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return { ok: false, code: 'URL_INVALID', reason: 'is not an absolute URL' };
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, code: 'URL_INVALID', reason: 'must use https' };
    if (this.isHostAllowed(url)) return { ok: true, url };
    if (url.protocol !== 'https:') {
      return { ok: false, code: 'INSECURE_URL', reason: `must use https (http is allowed only for hosts in CONNECTOR_ALLOWED_HOSTS, and ${url.host} is not there)` };
    }
    if (isInternalAddress(url.hostname) || url.hostname === 'localhost' || url.hostname.endsWith('.localhost')) {
      return { ok: false, code: 'HOST_NOT_ALLOWED', reason: `points at an internal address; add ${url.host} to CONNECTOR_ALLOWED_HOSTS if the connector should call it` };
    }
    return { ok: true, url };
  }
}

function splitHostPort(entry: string): [string, string | undefined] {
  if (entry.startsWith('[')) {
    const end = entry.indexOf(']');
    const host = entry.slice(1, end);
    const rest = entry.slice(end + 1);
    return [host, rest.startsWith(':') ? rest.slice(1) : undefined];
  }
  const i = entry.lastIndexOf(':');
  return i === -1 ? [entry, undefined] : [entry.slice(0, i), entry.slice(i + 1)];
}
