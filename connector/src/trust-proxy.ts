import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Which reverse proxies may tell the connector the client's address (`X-Forwarded-For`,
 * `X-Forwarded-Proto`, `X-Forwarded-Host`): Fastify's `trustProxy`. Off by default, because a
 * client that reaches the connector directly could otherwise name any address it likes, and
 * `request.ip` (logged with every request) would believe it.
 *
 * - `false`: forwarded headers are ignored; `request.ip` is the TCP peer.
 * - a list of addresses and CIDR ranges (or proxy-addr's `loopback`, `linklocal`, `uniquelocal`):
 *   the headers are believed only when they come from one of these, hop by hop. The safe choice.
 * - a number of hops: trust that many proxies in front, whoever they are.
 * - `true`: trust any sender. Only when nothing but the proxy can reach the connector.
 */
export type TrustProxy = boolean | number | string[];

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, prefix, extra] = entry.split('/');
  if (address === undefined || extra !== undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const EXPECTED = 'must be true, false, a number of proxy hops, or a comma-separated list of proxy addresses or CIDR ranges (such as 127.0.0.1 or 10.0.0.0/8)';

/** `CONNECTOR_TRUST_PROXY`, from the text of the variable (trimmed, undefined when unset or empty). */
export const TrustProxySchema = z
  .string()
  .optional()
  .transform((value, ctx): TrustProxy => {
    if (value === undefined || value.toLowerCase() === 'false') return false;
    if (value.toLowerCase() === 'true') return true;
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (hops >= 1 && hops <= 100) return hops;
      ctx.addIssue({ code: 'custom', message: `${EXPECTED}; a number of hops is from 1 to 100` });
      return z.NEVER;
    }
    const entries = value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
    const bad = entries.find((entry) => !isAddressOrRange(entry));
    if (entries.length === 0 || bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `${EXPECTED} ("${bad ?? value}" is none of these)` });
      return z.NEVER;
    }
    return entries;
  });

/**
 * The setting as Fastify takes it. Fastify 5 treats a bare number as "trust nobody" (a hop count
 * cannot tell a proxy from a client that connects directly and sends its own X-Forwarded-For), so
 * a hop count is given as the function proxy-addr calls per hop, from the socket outwards: the
 * operator who sets one states that nothing but those proxies can reach the connector.
 */
export function fastifyTrustProxy(setting: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}
