import type { WebTriggerResponse } from './web-trigger';

/**
 * A small HTML page answered by a web trigger that a browser opens (the authorization endpoint).
 * Every value is escaped; the page loads nothing and runs no script, and the headers forbid
 * framing and caching. Forge has not documented HTML bodies from web triggers either way, so
 * pages stay plain enough to read as text too.
 */
export function htmlPage(statusCode: number, page: { title: string; paragraphs: string[]; link?: { href: string; text: string } }, extra: Record<string, string> = {}): WebTriggerResponse {
  const link = page.link === undefined ? '' : `\n<p><a href="${escapeHtml(page.link.href)}">${escapeHtml(page.link.text)}</a></p>`;
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>${escapeHtml(page.title)}</title></head>
<body><h1>${escapeHtml(page.title)}</h1>
${page.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}${link}
</body></html>`;
  return {
    statusCode,
    headers: {
      'Content-Type': ['text/html;charset=UTF-8'],
      'Cache-Control': ['no-store'],
      // No framing (clickjacking), no scripts or sub-resources, no referrer carrying the query on.
      'Content-Security-Policy': ["default-src 'none'; frame-ancestors 'none'"],
      'X-Frame-Options': ['DENY'],
      'Referrer-Policy': ['no-referrer'],
      ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, [v]])),
    },
    body,
  };
}

export function escapeHtml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' })[c] ?? c);
}

/** A redirect a browser follows, with the same target as a link in the body for hosts that drop the Location header. */
export function redirectPage(location: string, title: string, text: string): WebTriggerResponse {
  return htmlPage(302, { title, paragraphs: [text], link: { href: location, text: 'Continue' } }, { Location: location });
}
