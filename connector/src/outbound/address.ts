import { BlockList, isIP } from 'node:net';

/**
 * Addresses the connector must not call unless an operator allowed the host: loopback, private,
 * link-local (the cloud metadata service lives at 169.254.169.254), carrier-grade NAT, unique
 * local IPv6, unspecified and multicast. Calling them on behalf of a link would let whoever can
 * create links probe the connector's own network.
 */
const internal = new BlockList();
internal.addSubnet('0.0.0.0', 8, 'ipv4');
internal.addSubnet('10.0.0.0', 8, 'ipv4');
internal.addSubnet('100.64.0.0', 10, 'ipv4');
internal.addSubnet('127.0.0.0', 8, 'ipv4');
internal.addSubnet('169.254.0.0', 16, 'ipv4');
internal.addSubnet('172.16.0.0', 12, 'ipv4');
internal.addSubnet('192.0.0.0', 24, 'ipv4');
internal.addSubnet('192.168.0.0', 16, 'ipv4');
internal.addSubnet('198.18.0.0', 15, 'ipv4');
internal.addSubnet('224.0.0.0', 3, 'ipv4');
internal.addAddress('::', 'ipv6');
internal.addAddress('::1', 'ipv6');
internal.addSubnet('fc00::', 7, 'ipv6');
internal.addSubnet('fe80::', 10, 'ipv6');
internal.addSubnet('ff00::', 8, 'ipv6');

/** True for an IP literal in an internal range (IPv4-mapped IPv6 included). */
export function isInternalAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped?.[1] !== undefined) return internal.check(mapped[1], 'ipv4');
  const family = isIP(bare);
  if (family === 4) return internal.check(bare, 'ipv4');
  if (family === 6) return internal.check(bare, 'ipv6');
  return false;
}

export function isIpLiteral(host: string): boolean {
  return isIP(host.replace(/^\[|\]$/g, '')) !== 0;
}
