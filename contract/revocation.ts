import { z } from 'zod';

/**
 * Revoking a link's tokens at the remote (RFC 7009), as the connector reports it: when a link is
 * deleted (every credential of the link) and when one user disconnects (one credential). The
 * tokens are deleted on the connector whatever the remote answered; these say what the remote did.
 */

/** What happened to one token at the remote's revocation endpoint. */
export const TokenRevocationOutcomeSchema = z.enum([
  /** The remote accepted the revocation (any 2xx, RFC 7009 section 2.2). */
  'revoked',
  /** The link has no revocation endpoint, or the remote does not revoke this kind of token (`unsupported_token_type`). */
  'not-supported',
  /** The remote could not be asked, or refused: `code` says why. */
  'failed',
]);
export type TokenRevocationOutcome = z.infer<typeof TokenRevocationOutcomeSchema>;

export const TokenRevocationSchema = z.object({
  token: z.enum(['access_token', 'refresh_token']),
  outcome: TokenRevocationOutcomeSchema,
  /** Null when revoked; otherwise a stable code (`NO_REVOCATION_ENDPOINT`, `UNSUPPORTED_TOKEN_TYPE`, `TIMEOUT`, `INVALID_CLIENT`, `HOST_NOT_ALLOWED`...). */
  code: z.string().nullable(),
  /** For a person: why it was not revoked. Never contains a token or a secret. */
  message: z.string().nullable(),
});
export type TokenRevocation = z.infer<typeof TokenRevocationSchema>;

/** One credential (the link's own, subject `''`, or one user's), its tokens each with an outcome; no tokens when none were stored. */
export const CredentialRevocationSchema = z.object({
  subject: z.string(),
  tokens: z.array(TokenRevocationSchema),
});
export type CredentialRevocation = z.infer<typeof CredentialRevocationSchema>;

/** A whole link's revocation, as `DELETE /v1/links/:id` answers it when asked to (`Prefer: return=representation`). */
export const LinkRevocationReportSchema = z.object({
  /** Where the tokens were revoked (without query string), or null when the link has no revocation endpoint. */
  endpoint: z.string().nullable(),
  /** The link's own credential (subject ''), when it held one. */
  own: CredentialRevocationSchema.nullable(),
  /** Users' credentials (impersonating links): how many there were and how their tokens fared. */
  users: z.object({
    credentials: z.number().int().nonnegative(),
    /** Credentials every token of which was revoked. */
    revoked: z.number().int().nonnegative(),
    /** Credentials with a token that was not revoked, and the codes seen (each once). */
    notRevoked: z.number().int().nonnegative(),
    codes: z.array(z.string()),
  }),
});
export type LinkRevocationReport = z.infer<typeof LinkRevocationReportSchema>;

/** The header value that asks `DELETE /v1/links/:id` for its report instead of an empty 204 (RFC 7240). */
export const PREFER_REPORT = 'return=representation';

/** `DELETE /v1/links/:id` with `Prefer: return=representation`: 200 and this, instead of an empty 204. */
export const DeleteLinkAnswerSchema = z.object({
  deleted: z.literal(true),
  /** Null when this connector does not revoke (a build without the revocation service). */
  revocation: LinkRevocationReportSchema.nullable(),
});
export type DeleteLinkAnswer = z.infer<typeof DeleteLinkAnswerSchema>;
