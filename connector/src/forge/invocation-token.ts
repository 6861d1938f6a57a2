import { jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { JwksUnavailableError, type KeyGetter } from './jwks';

/**
 * Verification of the Forge invocation token (FIT) that Forge sends as `Authorization: Bearer`
 * on every call to a Forge remote (`invokeRemote`).
 *
 * The claim shape comes from Atlassian's "Forge Remote essentials" page, section "The Forge
 * Invocation Token (FIT)" (https://developer.atlassian.com/platform/forge/remote/essentials/):
 *
 *   { app: { id, installationId, apiBaseUrl, appVersion, version (deprecated),
 *            environment: { type, id }, module: { type, key }, license?, installation?: { id, contexts } },
 *     context?: { cloudId?, workspaceId?, siteUrl?, moduleKey?, localId?, extension? },
 *     principal?: "<accountId>",
 *     aud: "<app ARI>", iss: "forge/invocation-token", iat, nbf, exp, jti }
 *
 * `context` is absent when the remote is invoked from a backend function (our resolvers), so the
 * cloud id then comes from `app.apiBaseUrl` (`https://api.atlassian.com/ex/jira/<cloudId>`).
 * `principal` is present for UI invocations only. Only what the connector relies on is required;
 * the rest is read when present and type-checked.
 */

export const FORGE_TOKEN_ISSUER = 'forge/invocation-token';
/** Forge's FITs are about 1.5 KiB; anything far larger is refused before it is parsed. */
export const MAX_TOKEN_BYTES = 8 * 1024;
export const CLOCK_TOLERANCE_SECONDS = 30;
/**
 * The longest lifetime (`exp` minus the earlier of `iat` and `nbf`) accepted. Forge issues FITs
 * that live about 25 s (Atlassian's example has `exp - iat` = 25). Five minutes is twelve times
 * that: room for the platform to lengthen them without breaking the connector, while a token
 * signed to last for years (a leaked signing key's favourite) or copied from a log is refused.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 300;

/** Three base64url segments: the only shape a compact JWS can have. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** True when a bearer looks like a JWT (so it is the Forge channel's to judge, not the operator's). */
export function looksLikeJwt(bearer: string): boolean {
  return bearer.length <= 64 * 1024 && JWT_SHAPE.test(bearer);
}

const Ari = (kind: string) =>
  z
    .string()
    .max(256)
    // Equivalent mutant (Stryker): the message; a CLAIM_INVALID names only the claim's path, never zod's text.
    .regex(new RegExp(`^ari:cloud:ecosystem::${kind}/[A-Za-z0-9._/-]+$`), `must be an ${kind} ARI`);

const ShortText = z.string().min(1).max(256);

const ForgeClaimsSchema = z.object({
  iss: z.literal(FORGE_TOKEN_ISSUER),
  // Forge sends one audience, the app ARI. An array is legal JWT but not what Forge sends: refused.
  aud: z.string(),
  exp: z.number(),
  nbf: z.number(),
  iat: z.number().optional(),
  jti: ShortText.optional(),
  app: z.object({
    id: Ari('app'),
    installationId: Ari('installation'),
    apiBaseUrl: z.string().max(2048).url().optional(),
    appVersion: ShortText.optional(),
    version: z.union([ShortText, z.number()]).optional(),
    environment: z.object({ type: ShortText, id: ShortText }).optional(),
    module: z.object({ type: ShortText, key: ShortText }).optional(),
    installation: z.object({ id: ShortText }).optional(),
  }),
  context: z
    .object({
      cloudId: ShortText.optional(),
      siteUrl: z.string().max(2048).optional(),
      moduleKey: ShortText.optional(),
    })
    .optional(),
  principal: ShortText.optional(),
});

/** What the connector takes from a verified FIT. */
export interface ForgeInvocation {
  appId: string;
  installationId: string;
  cloudId: string | null;
  siteUrl: string | null;
  /** The Atlassian account that caused the invocation (UI invocations only). */
  accountId: string | null;
  environmentType: string | null;
  moduleKey: string | null;
  tokenId: string | null;
  expiresAt: Date;
}

export type InvocationTokenErrorCode =
  | 'TOO_LARGE'
  | 'MALFORMED'
  | 'ALG_NOT_ALLOWED'
  | 'UNKNOWN_KEY'
  | 'BAD_SIGNATURE'
  | 'EXPIRED'
  | 'CLAIM_INVALID'
  /** `exp` is further from `iat`/`nbf` than Forge ever issues. */
  | 'LIFETIME_TOO_LONG'
  /** `iat` is later than now plus the clock tolerance. */
  | 'ISSUED_IN_FUTURE'
  | 'KEY_REJECTED'
  | 'UNSUPPORTED';

/** Why a token was refused: safe to log (no token content), never sent to the caller in detail. */
export class InvocationTokenError extends Error {
  override readonly name = 'InvocationTokenError';
  constructor(
    readonly code: InvocationTokenErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface InvocationTokenVerifierOptions {
  /** The app ARI, FORGE_APP_ID: the only audience accepted. */
  appId: string;
  keys: KeyGetter;
  now: () => Date;
  clockToleranceSeconds?: number;
  maxTokenBytes?: number;
  maxLifetimeSeconds?: number;
}

export interface InvocationTokenVerifier {
  /** Resolves to the invocation, or throws `InvocationTokenError` (or `JwksUnavailableError` when no key can be had). */
  verify(token: string): Promise<ForgeInvocation>;
}

export function createInvocationTokenVerifier(options: InvocationTokenVerifierOptions): InvocationTokenVerifier {
  const maxBytes = options.maxTokenBytes ?? MAX_TOKEN_BYTES;
  const tolerance = options.clockToleranceSeconds ?? CLOCK_TOLERANCE_SECONDS;
  const maxLifetime = options.maxLifetimeSeconds ?? MAX_TOKEN_LIFETIME_SECONDS;
  return {
    async verify(token) {
      // Bounded before anything parses it: a huge token costs nothing but this comparison.
      if (token.length > maxBytes) throw new InvocationTokenError('TOO_LARGE', `the token is longer than ${maxBytes} bytes`);
      if (!JWT_SHAPE.test(token)) throw new InvocationTokenError('MALFORMED', 'the token is not a compact JWS');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, options.keys, {
          // RS256 only: `none`, HMAC (e.g. HS256 "signed" with the public key) and every other
          // algorithm are refused before any key is looked up.
          algorithms: ['RS256'],
          issuer: FORGE_TOKEN_ISSUER,
          audience: options.appId,
          requiredClaims: ['exp', 'nbf'],
          clockTolerance: tolerance,
          currentDate: options.now(),
        }));
      } catch (error) {
        if (error instanceof JwksUnavailableError) throw error;
        throw classify(error);
      }
      const claims = ForgeClaimsSchema.safeParse(payload);
      if (!claims.success) {
        // Equivalent mutant (Stryker): '(root)'; jose hands over an object payload only, so every issue has a path.
        const where = claims.error.issues.slice(0, 3).map((i) => i.path.join('.') || '(root)');
        throw new InvocationTokenError('CLAIM_INVALID', `unexpected claims: ${where.join(', ')}`);
      }
      const c = claims.data;
      // jose checks `iat` only for its type: a token "issued" an hour from now passed.
      const nowSeconds = options.now().getTime() / 1000;
      if (c.iat !== undefined && c.iat > nowSeconds + tolerance) {
        throw new InvocationTokenError('ISSUED_IN_FUTURE', `iat is ${Math.round(c.iat - nowSeconds)} s in the future (tolerance ${tolerance} s)`);
      }
      const lifetime = c.exp - Math.min(c.iat ?? c.nbf, c.nbf);
      if (lifetime > maxLifetime) throw new InvocationTokenError('LIFETIME_TOO_LONG', `the token lives ${lifetime} s; Forge issues tokens of at most ${maxLifetime} s`);
      // Defence in depth: the audience was checked by jose; the app named inside must agree.
      // Equivalent mutant (Stryker): dropping `c.aud !==`, since jose has already refused another audience.
      if (c.aud !== options.appId || c.app.id !== options.appId) throw new InvocationTokenError('CLAIM_INVALID', 'app.id does not match the audience');
      if (c.app.installation !== undefined && c.app.installation.id !== c.app.installationId) {
        throw new InvocationTokenError('CLAIM_INVALID', 'app.installation.id does not match app.installationId');
      }
      return {
        appId: c.app.id,
        installationId: c.app.installationId,
        cloudId: c.context?.cloudId ?? cloudIdFromApiBaseUrl(c.app.apiBaseUrl),
        siteUrl: c.context?.siteUrl ?? null,
        accountId: c.principal ?? null,
        environmentType: c.app.environment?.type ?? null,
        moduleKey: c.app.module?.key ?? c.context?.moduleKey ?? null,
        tokenId: c.jti ?? null,
        expiresAt: new Date(c.exp * 1000),
      };
    },
  };
}

/** `https://api.atlassian.com/ex/jira/<cloudId>` -> `<cloudId>`. */
function cloudIdFromApiBaseUrl(apiBaseUrl: string | undefined): string | null {
  if (apiBaseUrl === undefined) return null;
  const match = /\/ex\/[a-z-]+\/([0-9a-fA-F-]{36})\/?$/.exec(new URL(apiBaseUrl).pathname);
  return match?.[1] ?? null;
}

function classify(error: unknown): InvocationTokenError {
  // Equivalent mutants (Stryker): on these two lines, the type test and both fallbacks. An error without a
  // string code maps to no entry either way, and jose throws only Error instances.
  const code = typeof (error as { code?: unknown } | null)?.code === 'string' ? (error as { code: string }).code : '';
  const reason = error instanceof Error ? error.message : 'verification failed';
  const mapped: InvocationTokenErrorCode = (
    {
      ERR_JOSE_ALG_NOT_ALLOWED: 'ALG_NOT_ALLOWED',
      ERR_JOSE_NOT_SUPPORTED: 'UNSUPPORTED',
      ERR_JWKS_NO_MATCHING_KEY: 'UNKNOWN_KEY',
      ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'UNKNOWN_KEY',
      ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'BAD_SIGNATURE',
      ERR_JWT_EXPIRED: 'EXPIRED',
      ERR_JWT_CLAIM_VALIDATION_FAILED: 'CLAIM_INVALID',
      ERR_JWS_INVALID: 'MALFORMED',
      ERR_JWT_INVALID: 'MALFORMED',
    } as Record<string, InvocationTokenErrorCode>
  )[code] ?? (error instanceof TypeError ? 'KEY_REJECTED' : 'MALFORMED');
  // jose's messages name the check ("\"aud\" claim check failed"), never the token's content.
  return new InvocationTokenError(mapped, reason, { cause: error });
}
