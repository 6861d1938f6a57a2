import { z } from 'zod';

import { OAuthError, providerError, type OAuthOperation } from './errors';

/** The tokens the connector keeps, whatever the provider's response looked like. */
export interface TokenSet {
  accessToken: string;
  /** Always `Bearer`: other types (RFC 6749 section 7.1) are refused. */
  tokenType: 'Bearer';
  expiresAt: Date;
  /** Null when the provider issued none (client credentials, or a provider without refresh). */
  refreshToken: string | null;
  /** What was granted: the response's `scope`, or what was requested when it has none. */
  scopes: string[];
  /**
   * When the refresh token issued in this answer expires, where the provider says so
   * (`refresh_token_expires_in`, sent by GitHub, Entra and others); absent when it does not, or
   * when the answer issued no new refresh token.
   */
  refreshTokenExpiresAt?: Date;
}

/** Null and absent mean the same for optional fields: some providers send `"scope": null`. */
const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

/**
 * A successful access-token response, RFC 6749 section 5.1. Unknown members are ignored
 * (`id_token`, Atlassian's `jti`...), every member used is checked.
 */
export const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  // Required by RFC 6749, yet some providers leave it out; they all mean Bearer.
  token_type: z
    .string()
    .nullish()
    .transform((type) => type ?? 'Bearer')
    .refine((type) => type.toLowerCase() === 'bearer', { message: 'token_type must be Bearer' }),
  // A number per the RFC; a digit string from some older providers is accepted.
  expires_in: optional(z.union([z.number().nonnegative(), z.string().regex(/^\d+$/).transform(Number)])),
  refresh_token: optional(z.string().min(1)),
  // Not in RFC 6749; a malformed value is ignored rather than failing an otherwise good answer.
  refresh_token_expires_in: optional(z.union([z.number().positive(), z.string().regex(/^\d+$/).transform(Number)])).catch(undefined),
  scope: optional(z.string()),
});
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

/** The error members of a response, RFC 6749 section 5.2; anything else is ignored. */
const ErrorResponseSchema = z.object({
  error: z.string().min(1),
  error_description: z.string().optional().catch(undefined),
});

export interface ProcessTokenResponseInput {
  operation: OAuthOperation;
  /** For messages: the endpoint without query string. */
  endpoint: string;
  /** The parsed JSON body of an HTTP 2xx answer. */
  body: unknown;
  httpStatus: number;
  /** When the request was sent: `expires_in` counts from then, so `expiresAt` is never late. */
  sentAt: number;
  requestedScopes: readonly string[];
  defaultAccessTokenSeconds: number;
  /** The refresh token that was sent (refresh only): kept when the answer has none (section 6). */
  previousRefreshToken?: string | null | undefined;
  /** Values that must not show in an error message. */
  secrets: readonly (string | null | undefined)[];
}

/**
 * Turns a successful token-endpoint answer into a {@link TokenSet}, or throws an
 * {@link OAuthError}. An HTTP 200 that carries `error` is an error answer (RFC 6749 section 5.2
 * says errors come with 400, but some proxies and providers send 200).
 */
export function processTokenResponse(input: ProcessTokenResponseInput): TokenSet {
  const { body } = input;
  const asError = ErrorResponseSchema.safeParse(body);
  if (asError.success) {
    throw providerError(
      input.operation,
      input.endpoint,
      { httpStatus: input.httpStatus, error: asError.data.error, errorDescription: asError.data.error_description },
      input.secrets,
    );
  }

  const parsed = TokenResponseSchema.safeParse(body);
  if (!parsed.success) {
    // Paths and issue codes only: zod messages can quote the values, and these are tokens.
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'} ${issue.code}`).join(', ');
    throw new OAuthError('TOKEN_ENDPOINT_ERROR', `${input.endpoint} answered HTTP ${input.httpStatus} with a token response that is not valid (${problems}).`, {
      operation: input.operation,
      httpStatus: input.httpStatus,
    });
  }
  const response = parsed.data;

  const lifetimeSeconds = response.expires_in ?? input.defaultAccessTokenSeconds;
  return {
    accessToken: response.access_token,
    tokenType: 'Bearer',
    expiresAt: new Date(input.sentAt + lifetimeSeconds * 1000),
    refreshToken: response.refresh_token ?? input.previousRefreshToken ?? null,
    // An empty `scope` is not a scope value (RFC 6749 section 3.3); read it as absent.
    scopes: response.scope === undefined || response.scope.trim() === '' ? [...input.requestedScopes] : splitScope(response.scope),
    ...(response.refresh_token !== undefined && response.refresh_token_expires_in !== undefined
      ? { refreshTokenExpiresAt: new Date(input.sentAt + response.refresh_token_expires_in * 1000) }
      : {}),
  };
}

/** A `scope` value (RFC 6749 section 3.3): space-delimited, case-sensitive. */
export function splitScope(scope: string): string[] {
  return scope.split(' ').filter((s) => s !== '');
}
