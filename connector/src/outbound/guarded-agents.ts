import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isInternalAddress } from './address';
import type { ResolveAll } from './safe-http';
import type { UrlPolicy } from './url-policy';

export interface GuardedAgents {
  http: http.Agent;
  https: https.Agent;
  /** Wreck (under simple-oauth2) wants this one too; it verifies certificates like the other. */
  httpsAllowUnauthorized: https.Agent;
}

/**
 * HTTP agents whose name resolution refuses internal addresses for hosts the operator did not
 * list, for the token requests that go through simple-oauth2. A link's URLs are checked when it
 * is saved; this catches a public name that resolves (or later re-resolves) to 127.0.0.1,
 * 169.254.169.254 or a private range. The check happens inside the connection's own lookup, so
 * the address checked is the address connected to.
 */
export function createGuardedAgents(policy: UrlPolicy, resolve?: ResolveAll): GuardedAgents {
  const lookup: LookupFunction = (hostname, options, callback) => {
    const done = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]): void => {
      if (error !== null) {
        callback(error, '', 0);
        return;
      }
      const internal = policy.isHostNameAllowed(hostname) ? undefined : addresses.find((a) => isInternalAddress(a.address));
      if (internal !== undefined) {
        const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to an internal address (${internal.address}); add it to CONNECTOR_ALLOWED_HOSTS if the connector should call it`);
        refused.code = 'EHOSTNOTALLOWED';
        callback(refused, '', 0);
        return;
      }
      const first = addresses[0];
      if (first === undefined) {
        const none: NodeJS.ErrnoException = new Error(`${hostname} has no address`);
        none.code = 'ENOTFOUND';
        callback(none, '', 0);
        return;
      }
      if ((options as { all?: boolean }).all === true) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else callback(null, first.address, first.family);
    };
    if (resolve !== undefined) {
      resolve(hostname).then(
        (addresses) => done(null, addresses),
        (error: NodeJS.ErrnoException) => done(error, []),
      );
    } else {
      dnsLookup(hostname, { all: true, family: (options as { family?: number }).family ?? 0 }, (error, addresses) => done(error, addresses ?? []));
    }
  };
  const secure = new https.Agent({ lookup });
  return { http: new http.Agent({ lookup }), https: secure, httpsAllowUnauthorized: secure };
}
