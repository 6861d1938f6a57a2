import type { CloudIncomingScope } from '../../contract';

/**
 * Which scope a gateway call needs (issue 12 item 2): READ reads, WRITE adds creating and editing
 * content, ADMIN the rest. Decided from the method and the Jira REST path alone, before Jira is
 * called. Unknown writes fall to ADMIN: a path this table does not name as content is treated as
 * configuration, so a new Jira endpoint is never opened wider than ADMIN.
 */

/** The Jira REST APIs the gateway reaches (platform v2 and v3, Jira Software's agile API). */
const API_ROOT = /^\/rest\/(api\/[23]|agile\/1\.0)\//;

/** Configuration and user administration: ADMIN whatever the method, reads included. */
const ADMIN_ONLY = [
  /^\/rest\/api\/[23]\/(application-properties|configuration|auditing|settings|webhook|permissionscheme|notificationscheme|issuesecurityschemes|workflowscheme|workflow|screens|screenscheme|fieldconfiguration|fieldconfigurationscheme|role|group|groups|user\/bulk\/migration|mypreferences\/locale\/admin|license|instance|jql\/pdcleaner|app\/field)(\/|$)/,
];

/** POSTs that only read (search with a body, JQL parsing). */
const READ_POSTS = [/^\/rest\/api\/[23]\/(search|search\/jql|search\/approximate-count|jql\/parse|jql\/match|issue\/bulkfetch|expression\/eval)$/, /^\/rest\/agile\/1\.0\/board\/\d+\/issue$/];

/** Creating and editing content: issues and what hangs off them, issue links, versions, components, sprints. */
const CONTENT_WRITES: { methods: readonly string[]; path: RegExp }[] = [
  { methods: ['POST'], path: /^\/rest\/api\/[23]\/issue(\/bulk)?$/ },
  { methods: ['PUT'], path: /^\/rest\/api\/[23]\/issue\/[A-Za-z0-9-]+$/ },
  { methods: ['POST', 'PUT'], path: /^\/rest\/api\/[23]\/issue\/[A-Za-z0-9-]+\/(comment|worklog|remotelink)(\/\d+)?$/ },
  { methods: ['POST'], path: /^\/rest\/api\/[23]\/issue\/[A-Za-z0-9-]+\/(transitions|watchers|votes)$/ },
  { methods: ['PUT'], path: /^\/rest\/api\/[23]\/issue\/[A-Za-z0-9-]+\/(assignee|properties\/[A-Za-z0-9._-]+)$/ },
  { methods: ['POST'], path: /^\/rest\/api\/[23]\/issueLink$/ },
  { methods: ['POST', 'PUT'], path: /^\/rest\/api\/[23]\/(version|component)(\/\d+)?$/ },
  { methods: ['POST', 'PUT'], path: /^\/rest\/agile\/1\.0\/(sprint(\/\d+)?|sprint\/\d+\/issue|backlog\/issue)$/ },
];

export type PathCheck = { ok: true } | { ok: false; reason: string };

/**
 * The path must be a plain Jira REST path: no dot segments, no encoded slashes or dots, no
 * backslashes or empty segments, so what the policy judged is exactly what Jira serves.
 */
export function checkGatewayPath(path: string): PathCheck {
  if (path.length > 2000) return { ok: false, reason: 'The path is too long.' };
  // No `;` (a servlet container drops `;params` after the policy judged the path) and no `?` or `#`.
  if (!/^\/[A-Za-z0-9\-._~/:@!$&'()*+,=%]*$/.test(path)) return { ok: false, reason: 'The path has characters Jira REST paths do not use.' };
  if (/\/\.{1,2}(\/|$)/.test(path) || path.includes('//')) return { ok: false, reason: 'Dot segments and empty segments are refused.' };
  // Jira decodes the path before routing: an escape that decodes to a letter, digit, separator or
  // control character would let `%61pplication-properties` pass the table below as something else.
  for (const escape of path.matchAll(/%(..)?/g)) {
    const code = /^[0-9a-f]{2}$/i.test(escape[1] ?? '') ? parseInt(escape[1]!, 16) : -1;
    if (code < 0x20 || code === 0x7f || /[A-Za-z0-9\-._~/\\;?#%]/.test(String.fromCharCode(code))) {
      return { ok: false, reason: 'Percent-escapes of letters, digits, separators or control characters are refused: send those characters as they are.' };
    }
  }
  if (!API_ROOT.test(path)) return { ok: false, reason: 'The gateway serves Jira REST paths under /rest/api/3/, /rest/api/2/ and /rest/agile/1.0/ only.' };
  return { ok: true };
}

export function requiredScope(method: string, path: string): CloudIncomingScope {
  const m = method.toUpperCase();
  if (ADMIN_ONLY.some((pattern) => pattern.test(path))) return 'ADMIN';
  if (m === 'GET' || m === 'HEAD') return 'READ';
  if (m === 'POST' && READ_POSTS.some((pattern) => pattern.test(path))) return 'READ';
  if (CONTENT_WRITES.some((rule) => rule.methods.includes(m) && rule.path.test(path))) return 'WRITE';
  return 'ADMIN';
}

/** Methods the gateway passes on; anything else is refused before the scope check. */
export const GATEWAY_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']);
