import { formatAddress, internalAddressReason, isLocalhostName, parseAddress, type LocalAddresses } from './address';

export type UrlVerdict =
  | { ok: true; url: URL }
  | { ok: false; code: 'INSECURE_URL' | 'HOST_NOT_ALLOWED' | 'URL_INVALID'; reason: string };

export interface UrlPolicyOptions {
  /** The connector host's own addresses (from `os.networkInterfaces()`), internal like loopback. */
  localAddresses?: LocalAddresses;
}

/** One CONNECTOR_ALLOWED_HOSTS entry, parsed once. */
type AllowEntry =
  | { kind: 'name'; name: string; port: string | undefined }
  | { kind: 'suffix'; suffix: string; port: string | undefined }
  | { kind: 'address'; address: string; port: string | undefined };

/**
 * Decides whether the connector may call a URL. Operators list hosts in CONNECTOR_ALLOWED_HOSTS as
 * `name`, `name:port`, `*.domain` or an IP literal (`10.0.0.5`, `[fd00::5]:8443`); a listed host
 * may use plain http and internal addresses, because it is the operator who said so, and a listed
 * port limits that permission to the port. Everything else must be https to a host that is not
 * internal. The same policy is applied when a link is saved and again on every call (names that
 * resolve to internal addresses are caught there, where the resolution is known).
 */
export class UrlPolicy {
  private readonly entries: AllowEntry[];
  private readonly localAddresses: LocalAddresses;

  constructor(allowedHosts: readonly string[], options: UrlPolicyOptions = {}) {
    this.entries = allowedHosts.map(parseEntry);
    // Equivalent mutant (Stryker): a default holding a non-address is the same as an empty one (address.ts skips it).
    this.localAddresses = options.localAddresses ?? (() => []);
  }

  /** Whether the operator listed this URL's host, at this URL's port (or with no port). */
  isHostAllowed(url: URL): boolean {
    return this.allows(url.hostname, portOf(url));
  }

  /** Whether the operator listed `hostname` for `port` (a host listed without a port: any port). */
  allows(hostname: string, port: number | string): boolean {
    const host = canonicalHost(hostname);
    const isAddress = parseAddress(host) !== undefined;
    const wanted = String(port);
    return this.entries.some((entry) => {
      if (entry.port !== undefined && entry.port !== wanted) return false;
      switch (entry.kind) {
        // Canonical texts: an address entry never equals a name, nor a name entry an address.
        case 'address':
          return entry.address === host;
        case 'name':
          return entry.name === host;
        case 'suffix':
          // Both conditions: a proper subdomain, never the bare domain or `evil<domain>`.
          return !isAddress && host.endsWith(entry.suffix) && host.length > entry.suffix.length;
      }
    });
  }

  /**
   * Why a host is internal (an internal IP literal, an address of this host, or a localhost name),
   * with the address shown; undefined for a public address or a name DNS has yet to resolve.
   */
  internalReason(hostname: string): string | undefined {
    if (isLocalhostName(canonicalHost(hostname))) return `${hostname} (a name for this machine)`;
    return internalAddressReason(hostname, this.localAddresses);
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
    const internal = this.internalReason(url.hostname);
    if (internal !== undefined) {
      return { ok: false, code: 'HOST_NOT_ALLOWED', reason: `points at an internal address: ${internal}; add ${url.host} to CONNECTOR_ALLOWED_HOSTS if the connector should call it` };
    }
    return { ok: true, url };
  }
}

export function portOf(url: URL): number {
  return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
}

/**
 * A host as compared with the allow-list: lower case, no brackets, no trailing dot (the same DNS
 * name), and an IP literal in its canonical text so that `::ffff:10.0.0.1` and `[::ffff:a00:1]`
 * are one entry.
 */
function canonicalHost(hostname: string): string {
  // Equivalent mutants (Stryker): trim() (no URL or socket host has whitespace), toUpperCase here (entries go through this function too, so both sides
  // change alike), and the bracket pattern's anchors and `.*` (parseAddress strips an IP literal's brackets
  // itself; no URL or socket gives a bracketed name).
  const lower = hostname.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const address = parseAddress(lower);
  if (address !== undefined) return formatAddress(address);
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function parseEntry(entry: string): AllowEntry {
  // Equivalent mutant (Stryker): toUpperCase here, since canonicalHost and parseAddress lower-case the host.
  const [host, port] = splitHostPort(entry.trim().toLowerCase());
  if (host.startsWith('*.')) return { kind: 'suffix', suffix: canonicalHost(host.slice(1)), port };
  const address = parseAddress(host);
  if (address !== undefined) return { kind: 'address', address: formatAddress(address), port };
  return { kind: 'name', name: canonicalHost(host), port };
}

function splitHostPort(entry: string): [string, string | undefined] {
  // Equivalent mutants (Stryker): without this branch `[v6]:port` and `[v6]` split the same way below
  // (parseAddress and canonicalHost drop the brackets); it is kept to say what the form means.
  if (entry.startsWith('[')) {
    const end = entry.indexOf(']');
    const host = entry.slice(1, end);
    const rest = entry.slice(end + 1);
    return [host, rest.startsWith(':') ? rest.slice(1) : undefined];
  }
  // A bare IPv6 literal has colons and no port.
  if (parseAddress(entry) !== undefined) return [entry, undefined];
  const i = entry.lastIndexOf(':');
  return i === -1 ? [entry, undefined] : [entry.slice(0, i), entry.slice(i + 1)];
}
