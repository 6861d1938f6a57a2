import type { CallbackResult } from './authorize';

/**
 * The page a person sees back from the provider: a title and a sentence, escaped, with no script
 * (the route sends it with a CSP that allows inline styles only).
 */
export function callbackPage(result: CallbackResult): string {
  const colour = result.ok ? '#1f845a' : '#c9372c';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(result.title)} - Application links connector</title>
<style>body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f7f8f9;color:#172b4d}
main{max-width:34rem;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #091e4240}h1{font-size:1.25rem;margin:0 0 .5rem;color:${colour}}</style></head>
<body><main role="main"><h1>${escapeHtml(result.title)}</h1><p>${escapeHtml(result.message)}</p></main></body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
