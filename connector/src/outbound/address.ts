import { isIP } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';

/**
 * Which addresses the connector must not call unless an operator listed the host: everything that
 * reaches the connector's own network rather than a remote on the internet. Calling them on behalf
 * of a link would let whoever can create or edit links probe that network (the cloud metadata
 * service lives at 169.254.169.254).
 *
 * Addresses are parsed here, not matched with patterns: `net.isIP` validates the text, then the
 * address is turned into its number (32 or 128 bits) and compared with each range under its mask.
 * IPv6 forms that carry an IPv4 address are unwrapped and the IPv4 address judged as well.
 */

/** The connector host's own addresses, read when a check runs (interfaces come and go). */
export type LocalAddresses = () => Iterable<string>;

interface Range {
  bits: 32 | 128;
  base: bigint;
  prefix: number;
  cidr: string;
  name: string;
}

function range(cidr: string, name: string): Range {
  // Equivalent mutants (Stryker): the defaults and the TypeError below are never reached, since every
  // range in the constant tables parses; a broken table entry fails the module's load in every test.
  const [address = '', prefixText = ''] = cidr.split('/');
  const parsed = parseAddress(address);
  if (parsed === undefined) throw new TypeError(`not an address range: ${cidr}`);
  const prefix = Number(prefixText);
  return { bits: parsed.bits, base: parsed.value & mask(parsed.bits, prefix), prefix, cidr, name };
}

/** IANA's special-purpose IPv4 registry, minus what is routable on the internet. */
const IPV4_RANGES: readonly Range[] = [
  range('255.255.255.255/32', 'broadcast'),
  range('0.0.0.0/8', '"this network"'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'carrier-grade NAT'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'IETF protocol assignments'),
  range('192.0.2.0/24', 'documentation'),
  range('192.88.99.0/24', '6to4 relay anycast'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmarking'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved'),
];

/**
 * IANA's special-purpose IPv6 registry, minus what is routable. 6to4 and IPv4-compatible are
 * refused whole: both are deprecated (RFC 7526, RFC 4291 section 2.5.5.1), no remote has a reason
 * to use them, and where they lead depends on relays of the connector's own network. The
 * local-use NAT64 prefix is the connector network's own translator, with a layout only that
 * network knows.
 */
const IPV6_RANGES: readonly Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('::/96', 'IPv4-compatible (deprecated)'),
  range('64:ff9b:1::/48', 'local-use NAT64'),
  range('100::/64', 'discard-only'),
  range('2001:2::/48', 'benchmarking'),
  range('2001:db8::/32', 'documentation'),
  range('3fff::/20', 'documentation'),
  range('2002::/16', '6to4'),
  range('fc00::/7', 'unique local'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local (deprecated)'),
  range('ff00::/8', 'multicast'),
];

/**
 * IPv6 forms whose packets end at the IPv4 address inside them: translators deliver to it. They
 * are judged by that IPv4 address: a public one is a public host (on an IPv6-only network, DNS64
 * answers every public IPv4 host with a 64:ff9b::/96 address, so refusing the whole prefix would
 * cut such a connector off from everything), an internal one is internal.
 */
function embeddedIpv4(value: bigint): { form: string; addresses: bigint[] } | undefined {
  const hextet = (i: number) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn);
  const low32 = value & 0xffffffffn;
  const zeros = (from: number, to: number) => [...Array(to - from).keys()].every((k) => hextet(from + k) === 0);
  if (zeros(0, 5) && hextet(5) === 0xffff) return { form: 'IPv4-mapped', addresses: [low32] };
  if (zeros(0, 4) && hextet(4) === 0xffff && hextet(5) === 0) return { form: 'IPv4-translated (SIIT)', addresses: [low32] };
  if (hextet(0) === 0x64 && hextet(1) === 0xff9b && zeros(2, 6)) return { form: 'NAT64', addresses: [low32] };
  if (hextet(0) === 0x2001 && hextet(1) === 0) {
    // Teredo (RFC 4380): the server's IPv4 address, and the client's with every bit flipped.
    return { form: 'Teredo', addresses: [(value >> 64n) & 0xffffffffn, low32 ^ 0xffffffffn] };
  }
  return undefined;
}

/** Why an address is internal (its range and name), or undefined when it is a public address. */
// Equivalent mutant (Stryker): a default holding a non-address is the same as an empty one (skipped below).
export function internalAddressReason(address: string, local: LocalAddresses = () => []): string | undefined {
  const parsed = parseAddress(address);
  if (parsed === undefined) return undefined;
  const own = new Set<string>();
  for (const entry of local()) {
    const mine = parseAddress(entry);
    if (mine !== undefined) own.add(`${mine.bits}:${mine.value}`);
  }
  return reasonFor(parsed, own);
}

function reasonFor(parsed: ParsedAddress, own: ReadonlySet<string>): string | undefined {
  const shown = formatAddress(parsed);
  const ranges = parsed.bits === 32 ? IPV4_RANGES : IPV6_RANGES;
  // Unspecified and loopback before the IPv4-compatible range that contains them, for a clearer name.
  const hit = ranges.find((r) => (parsed.value & mask(r.bits, r.prefix)) === r.base);
  if (hit !== undefined) return `${shown} (${hit.name}, ${hit.cidr})`;
  // After the ranges: 127.0.0.1 is better named loopback than "an address of this host".
  if (own.has(`${parsed.bits}:${parsed.value}`)) return `${shown} (an address of the connector's own host)`;
  // Equivalent mutant (Stryker): `true` here changes nothing, since no prefix of embeddedIpv4 matches a 32-bit value.
  if (parsed.bits === 128) {
    const embedded = embeddedIpv4(parsed.value);
    for (const inner of embedded?.addresses ?? []) {
      const reason = reasonFor({ bits: 32, value: inner }, own);
      if (reason !== undefined) return `${shown} (${embedded?.form} address of ${reason})`;
    }
  }
  return undefined;
}

/** True for an IP literal (in any spelling {@link parseAddress} takes) that is internal. */
export function isInternalAddress(address: string, local?: LocalAddresses): boolean {
  return internalAddressReason(address, local) !== undefined;
}

/** Host names that mean this machine whatever DNS says (RFC 6761 section 6.3). */
export function isLocalhostName(hostname: string): boolean {
  const host = stripTrailingDot(hostname.toLowerCase());
  return host === 'localhost' || host.endsWith('.localhost');
}

export function isIpLiteral(host: string): boolean {
  return parseAddress(host) !== undefined;
}

/** Every address of the connector host's interfaces, from `os.networkInterfaces()`. */
export function interfaceAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  return Object.values(interfaces).flatMap((list) => (list ?? []).map((i) => i.address));
}

export interface ParsedAddress {
  bits: 32 | 128;
  value: bigint;
}

/**
 * Parses an IP literal the way the connector may meet it: bare or in brackets, with an IPv6 zone
 * id (`fe80::1%eth0`), with a trailing dot, and IPv4 in the numeric spellings the WHATWG URL
 * parser and `getaddrinfo` accept (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`). Anything else,
 * host names included, is undefined.
 */
export function parseAddress(text: string): ParsedAddress | undefined {
  let host = text.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  // Equivalent mutant (Stryker): `zone >= 0` is the same test, since isIP('') is 0.
  const zone = host.indexOf('%');
  if (zone > 0 && zone < host.length - 1 && isIP(host.slice(0, zone)) === 6) host = host.slice(0, zone);
  const family = isIP(host);
  // Equivalent mutant (Stryker): without this line a dotted quad takes the WHATWG path below, to the same value.
  if (family === 4) return { bits: 32, value: ipv4Value(host) };
  if (family === 6) return { bits: 128, value: ipv6Value(host) };
  // Numeric IPv4 spellings, a trailing dot included: let the WHATWG parser (what `new URL` does to
  // every link URL) say what they mean, and only for text made of the characters such a spelling
  // can have.
  if (!/^[0-9a-fx.]+$/.test(host)) return undefined;
  let canonical: string;
  try {
    canonical = new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
  return isIP(canonical) === 4 ? { bits: 32, value: ipv4Value(canonical) } : undefined;
}

/** The canonical text of an address: dotted IPv4, or IPv6 as the URL parser writes it (RFC 5952). */
export function formatAddress(parsed: ParsedAddress): string {
  if (parsed.bits === 32) return [24, 16, 8, 0].map((shift) => Number((parsed.value >> BigInt(shift)) & 0xffn)).join('.');
  const hextets = [...Array(8).keys()].map((i) => ((parsed.value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return new URL(`http://[${hextets.join(':')}]/`).hostname.slice(1, -1);
}

function stripTrailingDot(host: string): string {
  // Equivalent mutant (Stryker): `startsWith('..')`. A name ending in `..` that loses one dot still ends
  // in `.`, so isLocalhostName refuses it either way.
  return host.endsWith('.') && !host.endsWith('..') ? host.slice(0, -1) : host;
}

/** A dotted quad already validated by `isIP`. */
function ipv4Value(dotted: string): bigint {
  return dotted.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

/** An IPv6 address already validated by `isIP`, with an optional dotted-quad tail. */
function ipv6Value(text: string): bigint {
  let body = text;
  const lastColon = body.lastIndexOf(':');
  const tail = body.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4Value(tail);
    body = `${body.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  // Equivalent mutant (Stryker): the `''` default, since split always returns a first element.
  const [left = '', right] = body.split('::');
  const head = left === '' ? [] : left.split(':');
  const rest = right === undefined || right === '' ? [] : right.split(':');
  // Equivalent mutant (Stryker): with no `::` there are eight hextets and nothing to fill, so both branches agree.
  const hextets = right === undefined ? head : [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  return hextets.reduce((acc, h) => (acc << 16n) | BigInt(parseInt(h, 16)), 0n);
}

function mask(bits: 32 | 128, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
}
