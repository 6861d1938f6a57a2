/**
 * Forge reaches the connector only over public HTTPS, and the OAuth 2.0 callback registered in
 * every remote is built from the public URL: a plain-http public URL works on a laptop and nowhere
 * else. The connector still starts (local use, tests), but says so once at start-up.
 */
export function publicUrlWarning(publicUrl: string): string | undefined {
  if (new URL(publicUrl).protocol === 'https:') return undefined;
  return `public URL ${publicUrl} is not https: Forge cannot reach it and remotes will refuse its OAuth callback; put a TLS-terminating proxy in front and set CONNECTOR_PUBLIC_URL to its https:// address`;
}
