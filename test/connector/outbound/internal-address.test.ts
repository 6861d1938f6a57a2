import { formatAddress, interfaceAddresses, internalAddressReason, isInternalAddress, isIpLiteral, isLocalhostName, parseAddress } from '../../../connector/src/outbound/address';

/**
 * The internal-address check, one row per range: an address inside the range and the addresses
 * just outside it on both sides, so that deleting the range, or moving its bounds, fails a row.
 * Public neighbours come first (what must stay callable), then what must be refused.
 */

describe('public addresses stay callable', () => {
  it.each([
    ['9.255.255.255', 'just below 10/8'],
    ['11.0.0.0', 'just above 10/8'],
    ['100.63.255.255', 'just below CGNAT 100.64/10'],
    ['100.128.0.0', 'just above CGNAT'],
    ['126.255.255.255', 'just below loopback'],
    ['128.0.0.0', 'just above loopback'],
    ['169.253.255.255', 'just below link-local'],
    ['169.255.0.0', 'just above link-local'],
    ['172.15.255.255', 'just below 172.16/12'],
    ['172.32.0.0', 'just above 172.16/12'],
    ['192.0.1.0', 'between 192.0.0/24 and 192.0.2/24'],
    ['192.0.3.0', 'just above TEST-NET-1'],
    ['192.88.98.255', 'just below the 6to4 relay anycast'],
    ['192.88.100.0', 'just above the 6to4 relay anycast'],
    ['192.167.255.255', 'just below 192.168/16'],
    ['192.169.0.0', 'just above 192.168/16'],
    ['198.17.255.255', 'just below benchmarking 198.18/15'],
    ['198.20.0.0', 'just above benchmarking'],
    ['198.51.99.255', 'just below TEST-NET-2'],
    ['198.51.101.0', 'just above TEST-NET-2'],
    ['203.0.112.255', 'just below TEST-NET-3'],
    ['203.0.114.0', 'just above TEST-NET-3'],
    ['223.255.255.255', 'just below multicast'],
    ['1.0.0.0', 'just above 0/8'],
    ['8.8.8.8', 'a public resolver'],
    ['2606:4700::1111', 'public IPv6'],
    ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', 'just below 2001:db8::/32'],
    ['2001:db9::', 'just above 2001:db8::/32'],
    ['2001:3::1', 'just above benchmarking 2001:2::/48'],
    ['2003::1', 'just above 6to4 2002::/16'],
    ['2001:ffff::1', 'just above Teredo'],
    ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'just below unique local fc00::/7'],
    ['fe00::1', 'between unique local and link-local'],
    ['::1:0:0:0', 'above IPv4-compatible ::/96 and SIIT'],
    ['::fffe:7f00:1', 'next to IPv4-mapped, not mapped'],
    ['::ffff:1:7f00:1', 'next to SIIT (::ffff:0:0:0/96), not SIIT'],
    ['1::ffff:7f00:1', 'IPv4-mapped bits behind a non-zero prefix, not mapped'],
    ['64:ff9b:0:0:1:0:7f00:1', 'NAT64 prefix with a non-zero middle, not NAT64'],
    ['64:ff9b::1:7f00:1', 'next to NAT64, outside /96'],
    ['64:ff9b:2::1', 'just above local-use NAT64'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public'],
    ['::ffff:0:8.8.8.8', 'SIIT public'],
    ['64:ff9b::8.8.8.8', 'NAT64 public (DNS64 answers every public host this way)'],
    ['2001:0:808:808::f7f7:f7f7', 'Teredo with public server and client'],
    ['example.com', 'a host name (judged after it resolves)'],
    ['', 'empty'],
    ['256.0.0.1', 'not an address'],
  ])('%s (%s) is not internal', (address) => {
    expect(internalAddressReason(address)).toBeUndefined();
  });
});

describe('internal ranges are refused, the address and range named', () => {
  it.each([
    ['0.0.0.0', '"this network", 0.0.0.0/8'],
    ['0.255.255.255', '"this network", 0.0.0.0/8'],
    ['10.0.0.0', 'private, 10.0.0.0/8'],
    ['10.255.255.255', 'private, 10.0.0.0/8'],
    ['100.64.0.0', 'carrier-grade NAT, 100.64.0.0/10'],
    ['100.127.255.255', 'carrier-grade NAT, 100.64.0.0/10'],
    ['127.0.0.1', 'loopback, 127.0.0.0/8'],
    ['127.255.255.254', 'loopback, 127.0.0.0/8'],
    ['169.254.169.254', 'link-local, 169.254.0.0/16'],
    ['172.16.0.1', 'private, 172.16.0.0/12'],
    ['172.31.255.255', 'private, 172.16.0.0/12'],
    ['192.0.0.170', 'IETF protocol assignments, 192.0.0.0/24'],
    ['192.0.2.1', 'documentation, 192.0.2.0/24'],
    ['192.88.99.1', '6to4 relay anycast, 192.88.99.0/24'],
    ['192.168.1.10', 'private, 192.168.0.0/16'],
    ['198.18.0.1', 'benchmarking, 198.18.0.0/15'],
    ['198.19.255.255', 'benchmarking, 198.18.0.0/15'],
    ['198.51.100.7', 'documentation, 198.51.100.0/24'],
    ['203.0.113.9', 'documentation, 203.0.113.0/24'],
    ['224.0.0.1', 'multicast, 224.0.0.0/4'],
    ['239.255.255.255', 'multicast, 224.0.0.0/4'],
    ['240.0.0.1', 'reserved, 240.0.0.0/4'],
    ['255.255.255.254', 'reserved, 240.0.0.0/4'],
    ['255.255.255.255', 'broadcast, 255.255.255.255/32'],
    ['::', 'unspecified, ::/128'],
    ['::1', 'loopback, ::1/128'],
    ['::7f00:1', 'IPv4-compatible (deprecated), ::/96'],
    ['::8.8.8.8', 'IPv4-compatible (deprecated), ::/96'],
    ['64:ff9b:1::1', 'local-use NAT64, 64:ff9b:1::/48'],
    ['100::1', 'discard-only, 100::/64'],
    ['2001:2::1', 'benchmarking, 2001:2::/48'],
    ['2001:db8::1', 'documentation, 2001:db8::/32'],
    ['3fff::1', 'documentation, 3fff::/20'],
    ['2002:808:808::1', '6to4, 2002::/16'],
    ['2002:7f00:1::', '6to4, 2002::/16'],
    ['fc00::1', 'unique local, fc00::/7'],
    ['fd12:3456::1', 'unique local, fc00::/7'],
    ['fe80::1', 'link-local, fe80::/10'],
    ['febf::1', 'link-local, fe80::/10'],
    ['fec0::1', 'site-local (deprecated), fec0::/10'],
    ['ff02::1', 'multicast, ff00::/8'],
  ])('%s is internal (%s)', (address, why) => {
    expect(internalAddressReason(address)).toBe(`${formatAddress(parseAddress(address)!)} (${why})`);
  });

  it.each([
    ['::ffff:127.0.0.1', 'IPv4-mapped', '127.0.0.1 (loopback, 127.0.0.0/8)'],
    ['::ffff:7f00:1', 'IPv4-mapped', '127.0.0.1 (loopback, 127.0.0.0/8)'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped', '169.254.169.254 (link-local, 169.254.0.0/16)'],
    ['::ffff:0:127.0.0.1', 'IPv4-translated (SIIT)', '127.0.0.1 (loopback, 127.0.0.0/8)'],
    ['::ffff:0:a00:1', 'IPv4-translated (SIIT)', '10.0.0.1 (private, 10.0.0.0/8)'],
    ['64:ff9b::127.0.0.1', 'NAT64', '127.0.0.1 (loopback, 127.0.0.0/8)'],
    ['64:ff9b::a9fe:a9fe', 'NAT64', '169.254.169.254 (link-local, 169.254.0.0/16)'],
    // Teredo: the server's address in bits 32-63, the client's (inverted) in the last 32.
    ['2001:0:7f00:1::', 'Teredo', '127.0.0.1 (loopback, 127.0.0.0/8)'],
    ['2001:0:808:808::f5ff:fffe', 'Teredo', '10.0.0.1 (private, 10.0.0.0/8)'],
  ])('%s is internal: %s form of %s', (address, form, inner) => {
    expect(internalAddressReason(address)).toBe(`${formatAddress(parseAddress(address)!)} (${form} address of ${inner})`);
  });
});

describe('the connector host\'s own addresses', () => {
  const interfaces = {
    eth0: [
      { address: '203.0.114.7', netmask: '255.255.255.0', family: 'IPv4' as const, mac: '00:00:00:00:00:00', internal: false, cidr: '203.0.114.7/24' },
      { address: '2a00:1450::7', netmask: 'ffff:ffff::', family: 'IPv6' as const, mac: '00:00:00:00:00:00', internal: false, cidr: '2a00:1450::7/32', scopeid: 0 },
    ],
  };
  const own = () => interfaceAddresses(interfaces);

  it('are public to a policy that was not told about them', () => {
    expect(isInternalAddress('203.0.114.7')).toBe(false);
    expect(isInternalAddress('2a00:1450::7')).toBe(false);
  });

  it.each([
    ['203.0.114.7', '203.0.114.7'],
    ['2a00:1450::7', '2a00:1450::7'],
    ['2a00:1450:0:0::0007', '2a00:1450::7'],
    ['::ffff:203.0.114.7', '203.0.114.7'],
    ['64:ff9b::cb00:7207', '203.0.114.7'],
  ])('%s is refused as an address of this host', (address, shown) => {
    expect(internalAddressReason(address, own)).toContain(`${shown} (an address of the connector's own host)`);
  });

  it('names an address by its range first when the host also has it (127.0.0.1 is loopback)', () => {
    expect(internalAddressReason('127.0.0.1', () => ['127.0.0.1', '203.0.114.7'])).toBe('127.0.0.1 (loopback, 127.0.0.0/8)');
  });

  it('does not refuse the neighbours of the host\'s address', () => {
    expect(isInternalAddress('203.0.114.8', own)).toBe(false);
    expect(isInternalAddress('2a00:1450::8', own)).toBe(false);
  });

  it('reads the interfaces at each check, so an address added later is refused too', () => {
    const current: string[] = [];
    expect(isInternalAddress('203.0.114.9', () => current)).toBe(false);
    current.push('203.0.114.9');
    expect(isInternalAddress('203.0.114.9', () => current)).toBe(true);
  });
});

describe('address spellings', () => {
  it.each([
    ['example.com'],
    ['deadbeef'],
    ['cafe.face'],
    ['1.2.3.4.5'],
    ['::ffff:1.2.3'],
    ['[::1'],
    ['fe80::1%'],
  ])('%s is not an IP literal', (text) => {
    expect(isIpLiteral(text)).toBe(false);
  });

  it.each([
    ['[::1]', '::1'],
    ['[fe80::1%eth0]', 'fe80::1'],
    ['fe80::1%25eth0', 'fe80::1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['0XA9.0XFE.0xa9.0xfe', '169.254.169.254'],
    ['::FFFF:127.0.0.1', '::ffff:7f00:1'],
    ['0:0:0:0:0:0:0:1', '::1'],
  ])('%s reads as %s', (text, canonical) => {
    expect(formatAddress(parseAddress(text)!)).toBe(canonical);
    expect(isInternalAddress(text)).toBe(true);
  });
});

describe('names that mean this machine (RFC 6761 section 6.3)', () => {
  it.each(['notlocalhost', 'localhost.example.com', 'localhostx', 'example.com', 'local'])('%s is not one', (name) => {
    expect(isLocalhostName(name)).toBe(false);
  });
  it.each(['localhost', 'LOCALHOST', 'localhost.', 'api.localhost', 'API.LocalHost.', 'a.b.localhost'])('%s is one', (name) => {
    expect(isLocalhostName(name)).toBe(true);
  });
});
