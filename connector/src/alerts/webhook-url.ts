/**
 * The display form of a webhook endpoint's URL: what is stored in clear and shown (API, CLI,
 * logs). Receivers such as Slack put their credential in the URL (`/services/T…/B…/<secret>`, or
 * `?token=…`), so the full URL is sealed by the vault and only the dispatcher opens it.
 *
 * Rule "origin + first word": scheme, host and port (`URL.origin`, which never holds user info),
 * then the path's first segment only when it reads as a plain word (letters, `.`, `_`, `-`; no
 * digits, at most 24 characters: `hooks`, `services`, `webhook`), then `/…` when anything else
 * followed (further segments, a query or a fragment). Enough for an operator to tell receivers
 * apart, never a token. Applying it to a display form gives the same display form.
 */
const PLAIN_WORD = /^[A-Za-z._-]{1,24}$/;

export function displayUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '…';
  }
  const segments = parsed.pathname.split('/').filter((s) => s !== '');
  const first = segments[0];
  const kept = first !== undefined && PLAIN_WORD.test(first) ? `/${first}` : '';
  const hidden = segments.length > (kept === '' ? 0 : 1) || parsed.search !== '' || parsed.hash !== '';
  const path = `${kept}${hidden ? '/…' : ''}`;
  return `${parsed.origin}${path === '' ? '/' : path}`;
}
