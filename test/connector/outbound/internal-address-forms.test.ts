import { formatAddress, internalAddressReason, isInternalAddress, isIpLiteral, isLocalhostName, parseAddress } from '../../../connector/src/outbound/address';
import { UrlPolicy } from '../../../connector/src/outbound/url-policy';

/**
 * The IPv6 forms that carry an IPv4 address are recognised by their exact prefix only, and the
 * spellings the parser takes (and refuses) are exactly those written down: each row is a
 * behaviour a mutant of address.ts showed no test pinned down.
 */

describe('IPv6 forms carrying an IPv4 address are judged by it only under their exact prefix', () => {
  it.each([
    ['::ffff:1:7f00:1', 'SIIT needs a zero hextet after ffff'],
    ['64:1::7f00:1', 'NAT64 needs 64:ff9b, not just 64'],
    ['65:ff9b::7f00:1', 'NAT64 needs 64 before ff9b'],
    ['64:ff9b:0:0:0:1:7f00:1', 'NAT64 needs zeros up to the IPv4 address'],
    ['2001:1:7f00:1::', 'Teredo is 2001:0::/32 only'],
  ])('%s is public (%s)', (address) => {
    expect(internalAddressReason(address)).toBeUndefined();
  });

  it.each([
    ['::ffff:0:7f00:1', '::ffff:0:7f00:1 (IPv4-translated (SIIT) address of 127.0.0.1 (loopback, 127.0.0.0/8))'],
    ['64:ff9b::7f00:1', '64:ff9b::7f00:1 (NAT64 address of 127.0.0.1 (loopback, 127.0.0.0/8))'],
    ['2001:0:a00:1::', '2001:0:a00:1:: (Teredo address of 10.0.0.1 (private, 10.0.0.0/8))'],
  ])('%s is internal through the IPv4 address it carries', (address, reason) => {
    expect(internalAddressReason(address)).toBe(reason);
  });
});

describe('IP literal spellings', () => {
  it.each([['10.0.0.1'], ['::1'], ['[fe80::1]'], ['2130706433'], [' 10.0.0.1 ']])('%s is an IP literal', (text) => {
    expect(isIpLiteral(text)).toBe(true);
  });

  it('reads an address with whitespace around it', () => {
    expect(formatAddress(parseAddress(' 10.0.0.1\t')!)).toBe('10.0.0.1');
    expect(isInternalAddress(' [::1] ')).toBe(true);
  });

  it.each([['10.0.0.1]'], ['[10.0.0.1'], ['10.0.0.1%eth0'], ['[::1]]']])('%s is not one (brackets must pair; IPv4 has no zone id)', (text) => {
    expect(parseAddress(text)).toBeUndefined();
  });

  it('drops any zone id text after an IPv6 address, however odd', () => {
    expect(formatAddress(parseAddress('fe80::1%eth 0')!)).toBe('fe80::1');
    expect(isInternalAddress('fe80::1%/x')).toBe(true);
  });
});

describe('names that mean this machine, with trailing dots', () => {
  it.each(['localhost.', 'a.localhost.'])('%s is one (one trailing dot is the same DNS name)', (name) => {
    expect(new UrlPolicy([]).internalReason(name)).toBe(`${name} (a name for this machine)`);
  });
  it.each(['localhost..', 'localhost.x.', 'xlocalhost.'])('%s is not one by itself (two trailing dots are not a DNS name)', (name) => {
    expect(isLocalhostName(name)).toBe(false);
  });
});
