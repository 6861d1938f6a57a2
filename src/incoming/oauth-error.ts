/**
 * The error codes of RFC 6749 section 5.2, which a token endpoint answers with. The description is
 * for the developer of the client and never contains a secret or a token.
 */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

export class OAuthEndpointError extends Error {
  override readonly name = 'OAuthEndpointError';
  /** 401 for client authentication failures (section 5.2), 400 for everything else. */
  readonly status: number;
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
  ) {
    super(`${code}: ${description}`);
    this.status = code === 'invalid_client' ? 401 : 400;
  }
}
