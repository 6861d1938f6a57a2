import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { DiagnosticCode } from '../../../contract';
import { TRANSPORT_CODES, findSystemErrorCode } from '../oauth/errors';
import { formatAddress, isIpLiteral, parseAddress } from './address';
import { portOf, type UrlPolicy } from './url-policy';

/** Where an outbound call failed: the first stages of test connection. */
export type OutboundPhase = 'url' | 'dns' | 'tcp' | 'tls' | 'http';

export type OutboundErrorCode =
  | Extract<
      DiagnosticCode,
      | 'URL_INVALID'
      | 'URL_INSECURE'
      | 'HOST_NOT_ALLOWED'
      | 'DNS_FAILED'
      | 'CONNECTION_REFUSED'
      | 'CONNECT_TIMEOUT'
      | 'TLS_CERT_EXPIRED'
      | 'TLS_CERT_UNTRUSTED'
      | 'TLS_HOSTNAME_MISMATCH'
      | 'TLS_FAILED'
      | 'TIMEOUT'
    >
  /** The answer was larger than the call allows. */
  | 'RESPONSE_TOO_LARGE'
  /** The connection broke after it was made (reset, closed mid-answer). */
  | 'HTTP_FAILED';

/** A refused or failed outbound call. The message names the host, never a header or body. */
export class OutboundError extends Error {
  override readonly name = 'OutboundError';
  constructor(
    readonly code: OutboundErrorCode,
    readonly phase: OutboundPhase,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves every address of a host name (dns.lookup with `all: true` by default). */
export type ResolveAll = (hostname: string) => Promise<ResolvedAddress[]>;

export interface SafeHttpDeps {
  policy: UrlPolicy;
  /** Injected in tests to map a public-looking name to an internal address. */
  resolve?: ResolveAll;
  /** Extra trusted CA certificates (PEM), on top of Node's. */
  ca?: string[];
}

export interface SafeRequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The whole call, end to end. Default 10 s. */
  timeoutMs?: number;
  /** Until the TCP connection (and TLS handshake) is up. Default 5 s. */
  connectTimeoutMs?: number;
  /** The most the body may have. Default 256 KiB. */
  maxBytes?: number;
  /** An address already resolved and checked by `resolve` (test connection resolves once). */
  address?: ResolvedAddress;
}

export interface SafeResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The address the connection went to. */
  address: string;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BYTES = 256 * 1024;

const defaultResolve: ResolveAll = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/**
 * The connector's outbound HTTP for probes and test connection. It calls a URL only when the
 * {@link UrlPolicy} allows it, resolves the host itself and refuses internal addresses (loopback,
 * private, link-local: the cloud metadata service) unless the host is in CONNECTOR_ALLOWED_HOSTS,
 * then connects to exactly the address it checked: the address is handed to the socket through a
 * custom `lookup`, so a DNS answer that changes between the check and the connection (DNS
 * rebinding) cannot redirect the call. It never follows redirects, bounds every call in time and
 * every answer in size, and uses a fresh connection per call (no pooled socket to another address).
 */
export class SafeHttp {
  private readonly resolveAll: ResolveAll;

  constructor(private readonly deps: SafeHttpDeps) {
    this.resolveAll = deps.resolve ?? defaultResolve;
  }

  /** Parses a URL and applies the policy to it (scheme, IP literals, allowed hosts). */
  checkUrl(value: string | URL): URL {
    let url: URL;
    try {
      url = typeof value === 'string' ? new URL(value) : value;
    } catch {
      throw new OutboundError('URL_INVALID', 'url', 'The URL is not an absolute URL.');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundError('URL_INVALID', 'url', 'The URL must use https.');
    if (url.username !== '' || url.password !== '') throw new OutboundError('URL_INVALID', 'url', 'The URL must not contain a user name or password.');
    if (this.deps.policy.isHostAllowed(url)) return url;
    // An internal address is refused whatever the scheme: that is the more important reason.
    const internal = this.deps.policy.internalReason(url.hostname);
    if (internal !== undefined) {
      throw new OutboundError('HOST_NOT_ALLOWED', 'url', `${url.host} is an internal address: ${internal}; the connector calls it only when CONNECTOR_ALLOWED_HOSTS lists it.`);
    }
    if (url.protocol !== 'https:') throw new OutboundError('URL_INSECURE', 'url', `${url.host} is reached over plain http; use https, or list the host in CONNECTOR_ALLOWED_HOSTS.`);
    return url;
  }

  /**
   * Resolves the host (every address) and refuses the call when any address is internal and the
   * host is not allowed: a public name may point at 127.0.0.1 or 169.254.169.254.
   */
  async resolve(url: URL, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<ResolvedAddress> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: ResolvedAddress[];
    const literal = parseAddress(host);
    if (literal !== undefined) {
      // Connect to the address as the check read it (`127.0.0.1.` is 127.0.0.1), not to a name.
      addresses = [{ address: formatAddress(literal), family: literal.bits === 128 ? 6 : 4 }];
    } else {
      try {
        addresses = await withTimeout(this.resolveAll(host), timeoutMs, () => new OutboundError('DNS_FAILED', 'dns', `${host} did not resolve within ${timeoutMs} ms.`));
      } catch (error) {
        if (error instanceof OutboundError) throw error;
        throw new OutboundError('DNS_FAILED', 'dns', `${host} does not resolve (${findSystemErrorCode(error) ?? 'no address'}).`, { cause: error });
      }
    }
    const first = addresses[0];
    if (first === undefined) throw new OutboundError('DNS_FAILED', 'dns', `${host} resolves to no address.`);
    if (!this.deps.policy.isHostAllowed(url)) {
      const internal = addresses.map((a) => this.deps.policy.internalReason(a.address)).find((reason) => reason !== undefined);
      if (internal !== undefined) {
        throw new OutboundError('HOST_NOT_ALLOWED', 'dns', `${host} resolves to the internal address ${internal}; the connector calls it only when CONNECTOR_ALLOWED_HOSTS lists ${url.host}.`);
      }
    }
    return first;
  }

  /** Opens a TCP connection to the checked address and closes it again. */
  async connectTcp(url: URL, address: ResolvedAddress, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<void> {
    const socket = net.connect({ host: address.address, port: portOf(url), family: address.family });
    try {
      await settleSocket(socket, 'connect', timeoutMs, url, 'tcp');
    } finally {
      socket.destroy();
    }
  }

  /** Completes a TLS handshake with the checked address, verifying the certificate for the host name. */
  async handshakeTls(url: URL, address: ResolvedAddress, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<{ validTo: string | undefined }> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = tls.connect({
      host: address.address,
      port: portOf(url),
      ...(isIpLiteral(host) ? {} : { servername: host }),
      // Verified against the name in the URL, not the address we connect to.
      checkServerIdentity: (_name, cert) => tls.checkServerIdentity(host, cert),
      ...(this.deps.ca === undefined ? {} : { ca: [...tls.rootCertificates, ...this.deps.ca] }),
      ALPNProtocols: ['http/1.1'],
    });
    try {
      await settleSocket(socket, 'secureConnect', timeoutMs, url, 'tls');
      return { validTo: socket.getPeerCertificate().valid_to };
    } finally {
      socket.destroy();
    }
  }

  /** One HTTP request, no redirect followed; a 3xx comes back as it is. */
  async request(value: string | URL, options: SafeRequestOptions = {}): Promise<SafeResponse> {
    const url = this.checkUrl(value);
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const started = Date.now();
    const address = options.address ?? (await this.resolve(url, Math.min(connectTimeoutMs, timeoutMs)));
    const remaining = Math.max(1, timeoutMs - (Date.now() - started));
    const pinned = pinnedLookup(address);
    const secure = url.protocol === 'https:';
    const transport = secure ? https : http;

    return new Promise<SafeResponse>((resolve, reject) => {
      let settled = false;
      const finish = (error: OutboundError | null, response?: SafeResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        clearTimeout(connectTimer);
        if (error !== null) {
          request.destroy();
          reject(error);
        } else if (response !== undefined) {
          resolve(response);
        }
      };
      const request = transport.request(
        url,
        {
          method: options.method ?? 'GET',
          headers: { 'user-agent': 'applinks-connector', ...options.headers },
          agent: false,
          lookup: pinned,
          ...(secure && this.deps.ca !== undefined ? { ca: [...tls.rootCertificates, ...this.deps.ca] } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              finish(new OutboundError('RESPONSE_TOO_LARGE', 'http', `${url.host} answered with more than ${maxBytes} bytes.`));
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () =>
            finish(null, { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8'), address: address.address }),
          );
          response.on('error', (error) => finish(transportFailure(error, url, 'http')));
        },
      );
      const deadline = setTimeout(() => finish(new OutboundError('TIMEOUT', 'http', `${url.host} did not answer within ${timeoutMs} ms.`)), remaining);
      let connectTimer: NodeJS.Timeout | undefined = setTimeout(
        () => finish(new OutboundError('CONNECT_TIMEOUT', 'tcp', `${url.host} could not be reached within ${connectTimeoutMs} ms.`)),
        Math.min(connectTimeoutMs, remaining),
      );
      request.on('socket', (socket) => {
        socket.once(secure ? 'secureConnect' : 'connect', () => {
          clearTimeout(connectTimer);
          connectTimer = undefined;
        });
      });
      request.on('error', (error) => finish(transportFailure(error, url, connectTimer === undefined ? 'http' : undefined)));
      if (options.body !== undefined) request.write(options.body);
      request.end();
    });
  }
}

/** A `lookup` for http(s).request that answers with the address already checked, and nothing else. */
function pinnedLookup(address: ResolvedAddress): net.LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  }) as unknown as net.LookupFunction;
}

function phaseFor(code: OutboundErrorCode): OutboundPhase {
  if (code === 'DNS_FAILED') return 'dns';
  if (code === 'CONNECTION_REFUSED' || code === 'CONNECT_TIMEOUT') return 'tcp';
  if (code.startsWith('TLS_')) return 'tls';
  return 'http';
}

const MESSAGES: Partial<Record<OutboundErrorCode, string>> = {
  DNS_FAILED: 'the host name does not resolve',
  CONNECTION_REFUSED: 'the connection was refused',
  CONNECT_TIMEOUT: 'the host could not be reached',
  TLS_CERT_EXPIRED: 'its TLS certificate has expired',
  TLS_CERT_UNTRUSTED: 'its TLS certificate is not trusted',
  TLS_HOSTNAME_MISMATCH: 'its TLS certificate does not name this host',
  TLS_FAILED: 'the TLS handshake failed',
  HTTP_FAILED: 'the connection failed',
};

/** Maps a Node system error (ECONNREFUSED, CERT_HAS_EXPIRED...) to an outbound code. */
export function transportFailure(error: unknown, url: URL, phase?: OutboundPhase): OutboundError {
  const systemCode = findSystemErrorCode(error);
  let code: OutboundErrorCode = 'HTTP_FAILED';
  if (systemCode !== undefined) {
    const mapped = TRANSPORT_CODES[systemCode];
    if (mapped !== undefined && mapped !== 'TOKEN_ENDPOINT_ERROR') code = mapped as OutboundErrorCode;
    else if (systemCode.startsWith('ERR_SSL_')) code = 'TLS_FAILED';
  }
  const what = MESSAGES[code] ?? 'the connection failed';
  return new OutboundError(code, phase ?? phaseFor(code), `Could not reach ${url.host}: ${what}${systemCode ? ` (${systemCode})` : ''}.`, { cause: error });
}

async function settleSocket(socket: net.Socket, event: 'connect' | 'secureConnect', timeoutMs: number, url: URL, phase: 'tcp' | 'tls'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        phase === 'tcp'
          ? new OutboundError('CONNECT_TIMEOUT', 'tcp', `${url.host} could not be reached within ${timeoutMs} ms.`)
          : new OutboundError('TIMEOUT', 'tls', `${url.host} did not complete the TLS handshake within ${timeoutMs} ms.`),
      );
    }, timeoutMs);
    socket.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(transportFailure(error, url, phase));
    });
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
