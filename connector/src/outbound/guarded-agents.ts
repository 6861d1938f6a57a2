import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { isIpLiteral } from './address';
import type { ResolveAll } from './safe-http';
import type { UrlPolicy } from './url-policy';

export interface GuardedAgents {
  http: http.Agent;
  https: https.Agent;
  /** Wreck (under simple-oauth2) wants this one too; it verifies certificates like the other. */
  httpsAllowUnauthorized: https.Agent;
}

/** The error a refused connection fails with; tokens/errors.ts maps its code to HOST_NOT_ALLOWED. */
export function hostNotAllowed(message: string): NodeJS.ErrnoException {
  const refused: NodeJS.ErrnoException = new Error(message);
  refused.code = 'EHOSTNOTALLOWED';
  return refused;
}

type CreateConnection = (options: http.ClientRequestArgs & { lookup?: LookupFunction }, callback: (error: Error | null, socket?: Socket) => void) => Socket | undefined;

/**
 * HTTP agents for the token requests that go through simple-oauth2, applying the outbound policy
 * to every connection they open, whatever was checked when the link was saved (the allow-list may
 * have been narrowed since):
 * - a host listed with a port is allowed at that port only;
 * - plain http only to a listed host and port;
 * - an IP literal is judged as it is (no name lookup happens for it);
 * - a name is judged by the addresses it resolves to, inside the connection's own lookup, so the
 *   address checked is the address connected to (a public name that resolves, or later
 *   re-resolves, to 127.0.0.1 or 169.254.169.254 is refused).
 */
export function createGuardedAgents(policy: UrlPolicy, resolve?: ResolveAll): GuardedAgents {
  const guard = (agent: http.Agent, secure: boolean): void => {
    const original = (agent.createConnection as unknown as CreateConnection).bind(agent);
    const createConnection: CreateConnection = (options, callback) => {
      const host = String(options.host ?? options.hostname ?? '');
      const port = Number(options.port ?? (secure ? 443 : 80));
      const refusal = connectionRefusal(policy, host, port, secure);
      if (refusal !== undefined) {
        // Node's agent turns this into the request's 'error' event; no socket is ever opened.
        callback(hostNotAllowed(refusal));
        return undefined;
      }
      return original({ ...options, lookup: guardedLookup(policy, port, resolve) }, callback);
    };
    (agent as unknown as { createConnection: CreateConnection }).createConnection = createConnection;
  };
  const plain = new http.Agent();
  const secure = new https.Agent();
  guard(plain, false);
  guard(secure, true);
  return { http: plain, https: secure, httpsAllowUnauthorized: secure };
}

/** Why a connection to `host:port` is refused before any lookup, or undefined. */
function connectionRefusal(policy: UrlPolicy, host: string, port: number, secure: boolean): string | undefined {
  if (policy.allows(host, port)) return undefined;
  if (!secure) return `${host}:${port} is reached over plain http and CONNECTOR_ALLOWED_HOSTS does not list it`;
  const internal = isIpLiteral(host) ? policy.internalReason(host) : undefined;
  if (internal !== undefined) return `${host} is an internal address: ${internal}; add ${host}:${port} to CONNECTOR_ALLOWED_HOSTS if the connector should call it`;
  return undefined;
}

/** A lookup that refuses internal addresses for a name not listed at this port. */
function guardedLookup(policy: UrlPolicy, port: number, resolve: ResolveAll | undefined): LookupFunction {
  return (hostname, options, callback) => {
    const done = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]): void => {
      if (error !== null) {
        callback(error, '', 0);
        return;
      }
      const listed = policy.allows(hostname, port);
      const internal = listed ? undefined : addresses.map((a) => policy.internalReason(a.address)).find((reason) => reason !== undefined);
      if (internal !== undefined) {
        callback(hostNotAllowed(`${hostname} resolves to an internal address: ${internal}; add ${hostname}:${port} to CONNECTOR_ALLOWED_HOSTS if the connector should call it`), '', 0);
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
}
