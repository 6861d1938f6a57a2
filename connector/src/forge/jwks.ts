import { createLocalJWKSet, errors, type FlattenedJWSInput, type JSONWebKeySet, type JWK, type JWSHeaderParameters } from 'jose';
import { z } from 'zod';

/** The key getter jose's `jwtVerify` takes. */
export type KeyGetter = (header: JWSHeaderParameters, token: FlattenedJWSInput) => ReturnType<ReturnType<typeof createLocalJWKSet>>;

export interface RemoteJwksOptions {
  url: URL;
  now: () => Date;
  fetch?: typeof fetch;
  /** Keys older than this are refetched on the next verification (kept if the refetch fails). */
  maxAgeMs?: number;
  /** At most one fetch per this window, whatever the traffic: a flood of unknown kids cannot hammer the JWKS host. */
  cooldownMs?: number;
  timeoutMs?: number;
  maxBytes?: number;
  onWarning?: (message: string, detail: Record<string, unknown>) => void;
}

/** No key could be had at all (never fetched successfully): the connector cannot verify anyone. */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

const JwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())).max(100) });

/** RS256 needs an RSA key of 2048 bits or more; a 2048-bit modulus is 342 base64url characters. */
const MIN_MODULUS_B64_CHARS = 342;

/**
 * The Forge signing keys, fetched from the JWKS URL and cached. Like jose's `createRemoteJWKSet`,
 * but on the injected clock (so the cache and the cooldown are testable) and with these rules:
 * - an unknown `kid` triggers one refetch, unless a fetch happened within the cooldown;
 * - concurrent verifications share one in-flight fetch;
 * - when the cache is stale and the refetch fails, the old keys keep serving (logged);
 * - only RSA signing keys of 2048+ bits are kept, so a weak or foreign key in the document is never used.
 */
export class RemoteJwks {
  private readonly fetchImpl: typeof fetch;
  private readonly maxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private keys: { select: ReturnType<typeof createLocalJWKSet>; fetchedAt: number } | undefined;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: RemoteJwksOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60 * 1000;
    this.cooldownMs = options.cooldownMs ?? 30 * 1000;
    this.timeoutMs = options.timeoutMs ?? 5 * 1000;
    this.maxBytes = options.maxBytes ?? 64 * 1024;
  }

  readonly getKey: KeyGetter = async (header, token) => {
    const now = this.options.now().getTime();
    if (this.keys === undefined) {
      if (!this.mayFetch(now)) throw new JwksUnavailableError('The Forge signing keys could not be fetched; retrying after the cooldown.');
      await this.refresh().catch((cause: unknown) => {
        throw new JwksUnavailableError(`The Forge signing keys could not be fetched from ${this.options.url.origin}.`, { cause });
      });
    } else if (now - this.keys.fetchedAt >= this.maxAgeMs && this.mayFetch(now)) {
      await this.refresh().catch((cause: unknown) => this.warn('keeping the cached Forge signing keys: refetch failed', cause));
    }
    const keys = this.keys;
    if (keys === undefined) throw new JwksUnavailableError('The Forge signing keys could not be fetched.');
    try {
      return await keys.select(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || !this.mayFetch(this.options.now().getTime())) throw error;
      // A key id we have not seen: Forge may have rotated its keys. One refetch, then decide.
      await this.refresh().catch((cause: unknown) => {
        this.warn('refetching the Forge signing keys for an unknown key id failed', cause);
        throw error;
      });
      return (this.keys ?? keys).select(header, token);
    }
  };

  private mayFetch(now: number): boolean {
    return this.inFlight !== undefined || now - this.lastAttemptAt >= this.cooldownMs;
  }

  private refresh(): Promise<void> {
    if (this.inFlight !== undefined) return this.inFlight;
    this.lastAttemptAt = this.options.now().getTime();
    this.inFlight = this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async load(): Promise<void> {
    const response = await this.fetchImpl(this.options.url, {
      headers: { accept: 'application/json' },
      // A redirect could lead anywhere, including to plain http: the configured URL is the one trusted.
      redirect: 'error',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`the JWKS URL answered HTTP ${response.status}`);
    }
    const text = await readBounded(response, this.maxBytes);
    const document = JwksSchema.parse(JSON.parse(text));
    const usable = document.keys.filter(isUsableSigningKey) as JWK[];
    const dropped = document.keys.length - usable.length;
    if (dropped > 0) this.warn(`ignored ${dropped} key(s) in the Forge JWKS that are not RSA signing keys of 2048 bits or more`);
    const jwks: JSONWebKeySet = { keys: usable };
    this.keys = { select: createLocalJWKSet(jwks), fetchedAt: this.options.now().getTime() };
  }

  private warn(message: string, cause?: unknown): void {
    const reason = cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause);
    this.options.onWarning?.(message, { jwksUrl: this.options.url.origin + this.options.url.pathname, reason });
  }
}

function isUsableSigningKey(key: Record<string, unknown>): boolean {
  if (key.kty !== 'RSA' || typeof key.n !== 'string' || typeof key.e !== 'string') return false;
  if (key.use !== undefined && key.use !== 'sig') return false;
  if (key.alg !== undefined && key.alg !== 'RS256') return false;
  // Private parts have no business in a public key set; refuse to hold them.
  if ('d' in key) return false;
  return key.n.replace(/=+$/, '').length >= MIN_MODULUS_B64_CHARS;
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`the JWKS document is larger than ${maxBytes} bytes`);
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`the JWKS document is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
