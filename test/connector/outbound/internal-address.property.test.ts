import fc from 'fast-check';
import { isInternalAddress } from '../../../connector/src/outbound/address';
import { SafeHttp, OutboundError } from '../../../connector/src/outbound/safe-http';
import { UrlPolicy } from '../../../connector/src/outbound/url-policy';

/**
 * Property-based: whatever spelling an attacker picks for an internal IPv4 address (IPv4-mapped,
 * -compatible, -translated, NAT64, 6to4, decimal, octal, hex, short forms, brackets, zone ids,
 * trailing dots, upper case), the address check and the URL policy refuse it; and the same
 * spellings of public addresses stay callable where the form is one a remote can really have.
 */

const octets = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const inRange = (base: string, prefix: number) => {
  const start = base.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return fc.integer({ min: 0, max: 2 ** (32 - prefix) - 1 }).map((offset) => start + offset);
};

/** A uint32 inside one of the internal IPv4 ranges. */
const internalV4 = fc.oneof(
  inRange('0.0.0.0', 8),
  inRange('10.0.0.0', 8),
  inRange('100.64.0.0', 10),
  inRange('127.0.0.0', 8),
  inRange('169.254.0.0', 16),
  inRange('172.16.0.0', 12),
  inRange('192.0.0.0', 24),
  inRange('192.0.2.0', 24),
  inRange('192.168.0.0', 16),
  inRange('198.18.0.0', 15),
  inRange('198.51.100.0', 24),
  inRange('203.0.113.0', 24),
  inRange('224.0.0.0', 4),
  inRange('240.0.0.0', 4),
);

/** A uint32 in plain public unicast space (1.0.0.0-9.255.255.255 and 11.0.0.0-99.255.255.255). */
const publicV4 = fc.oneof(inRange('1.0.0.0', 8), inRange('8.0.0.0', 7), inRange('11.0.0.0', 8), inRange('64.0.0.0', 3));

const hex16 = (n: number) => n.toString(16);
const hi = (n: number) => hex16(n >>> 16);
const lo = (n: number) => hex16(n & 0xffff);
const dotted = (n: number) => octets(n).join('.');

/** IPv4 spellings the WHATWG URL parser (and getaddrinfo) accept for one address. */
const v4Spellings = (n: number): fc.Arbitrary<string> =>
  fc.constantFrom(
    dotted(n),
    String(n),
    `0x${n.toString(16)}`,
    `0${n.toString(8)}`,
    octets(n).map((o) => `0${o.toString(8)}`).join('.'),
    octets(n).map((o) => `0x${o.toString(16)}`).join('.'),
    `${octets(n)[0]}.${n & 0xffffff}`,
    `${octets(n)[0]}.${octets(n)[1]}.${n & 0xffff}`,
    `${dotted(n)}.`,
  );

/** IPv6 forms that carry the IPv4 address (each reaches it, or is internal whatever it carries). */
const v6Carriers = (n: number): fc.Arbitrary<string> =>
  fc.constantFrom(
    `::ffff:${dotted(n)}`,
    `::ffff:${hi(n)}:${lo(n)}`,
    `0:0:0:0:0:ffff:${hi(n)}:${lo(n)}`,
    `::ffff:0:${dotted(n)}`,
    `::ffff:0:${hi(n)}:${lo(n)}`,
    `64:ff9b::${dotted(n)}`,
    `64:ff9b::${hi(n)}:${lo(n)}`,
    `2001:0:${hi(n)}:${lo(n)}::1`,
    `2001:0:808:808::${hex16((~n >>> 16) & 0xffff)}:${hex16(~n & 0xffff)}`,
    `::${dotted(n)}`,
    `2002:${hi(n)}:${lo(n)}::1`,
  );

const decorate = (address: string): fc.Arbitrary<string> =>
  fc.record({ upper: fc.boolean(), brackets: fc.boolean(), zone: fc.constantFrom('', '%eth0', '%25en0', '%1') }).map(({ upper, brackets, zone }) => {
    const text = upper ? address.toUpperCase() : address;
    const zoned = address.includes(':') && zone !== '' ? `${text}${zone}` : text;
    return brackets && address.includes(':') ? `[${zoned}]` : zoned;
  });

const internalSpelling = internalV4.chain((n) => fc.oneof(v4Spellings(n), v6Carriers(n).chain(decorate)));

describe('property: spellings of internal addresses', () => {
  it('are internal, in every form', () => {
    fc.assert(fc.property(internalSpelling, (text) => isInternalAddress(text)), { numRuns: 2000 });
  });

  it('are refused by the URL policy when written into a link URL', () => {
    const policy = new UrlPolicy([]);
    const urlSpelling = internalV4.chain((n) =>
      fc.oneof(
        v4Spellings(n).map((s) => `https://${s}/rest/oauth2/latest/token`),
        v6Carriers(n).map((s) => `https://[${s}]:8443/`),
        v6Carriers(n).map((s) => `https://[${s.toUpperCase()}]/`),
      ),
    );
    fc.assert(
      fc.property(urlSpelling, (url) => {
        const verdict = policy.check(url);
        return !verdict.ok && verdict.code === 'HOST_NOT_ALLOWED';
      }),
      { numRuns: 2000 },
    );
  });

  it('are refused by the outbound client before any connection, whatever the scheme', () => {
    const http = new SafeHttp({ policy: new UrlPolicy([]), resolve: () => Promise.reject(new Error('no lookup may happen')) });
    const urlSpelling = internalV4.chain((n) => fc.oneof(v4Spellings(n).map((s) => `http://${s}/`), v6Carriers(n).map((s) => `https://[${s}]/`)));
    fc.assert(
      fc.property(urlSpelling, (url) => {
        try {
          http.checkUrl(url);
          return false;
        } catch (error) {
          return error instanceof OutboundError && error.code === 'HOST_NOT_ALLOWED';
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('property: spellings of public addresses', () => {
  it('stay public in the IPv4 spellings and the forms that translate to them', () => {
    const publicSpelling = publicV4.chain((n) =>
      fc.oneof(
        v4Spellings(n),
        fc.constantFrom(`::ffff:${dotted(n)}`, `::ffff:0:${hi(n)}:${lo(n)}`, `64:ff9b::${dotted(n)}`, `2001:0:${hi(n)}:${lo(n)}::${hex16((~n >>> 16) & 0xffff)}:${hex16(~n & 0xffff)}`).chain(decorate),
      ),
    );
    fc.assert(fc.property(publicSpelling, (text) => !isInternalAddress(text)), { numRuns: 2000 });
  });
});
