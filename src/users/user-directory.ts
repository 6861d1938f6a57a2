import { route } from '@forge/api';
import { z } from 'zod';
import { errorFields, type Logger } from '../logger';
import type { JiraRequester } from '../permissions/jira-admin-check';

/** Display names of Atlassian accounts, for showing people instead of account IDs. */
export interface UserDirectory {
  /** The display name of each account Jira knows; accounts it does not know (or cannot tell) are absent. */
  displayNames(accountIds: readonly string[]): Promise<Map<string, string>>;
}

/** How long a name is kept: people rename themselves rarely, and the audit log is read in bursts. */
export const NAME_TTL_MS = 15 * 60_000;
/** Accounts per Jira call (the bulk endpoint pages at 200; an audit page has at most 50 entries). */
const BATCH = 50;
/** The most names kept in memory; the oldest go first. */
const MAX_CACHED = 2_000;

const BulkUsersSchema = z.object({
  values: z.array(z.object({ accountId: z.string(), displayName: z.string().optional() })),
});

/**
 * Jira's user API (`GET /rest/api/3/user/bulk?accountId=…`, scope `read:jira-user`) asked as the
 * invoking administrator, with the answers kept in memory for {@link NAME_TTL_MS} (a warm Forge
 * function reuses them; a cold one asks once per page). Accounts Jira did not return are kept as
 * unknown for as long, so a deleted account is not asked for on every page. Names are a
 * convenience: when Jira fails, the answer is what is cached and the page shows account IDs.
 */
export function jiraUserDirectory(requestJira: JiraRequester, deps: { now: () => Date; logger: Logger }): UserDirectory {
  const cache = new Map<string, { name: string | null; until: number }>();

  async function ask(ids: string[]): Promise<Map<string, string> | undefined> {
    const params = new URLSearchParams({ maxResults: String(ids.length) });
    for (const id of ids) params.append('accountId', id);
    try {
      const response = await requestJira(route`/rest/api/3/user/bulk?${params}`);
      const parsed = BulkUsersSchema.safeParse(response.status === 200 ? await response.json() : undefined);
      if (!parsed.success) {
        deps.logger.warn('Jira did not give the display names of audit log actors', { status: response.status });
        return undefined;
      }
      return new Map(parsed.data.values.flatMap((user) => (user.displayName ? [[user.accountId, user.displayName] as const] : [])));
    } catch (error) {
      deps.logger.warn('Could not ask Jira for display names', { failure: errorFields(error) });
      return undefined;
    }
  }

  return {
    async displayNames(accountIds) {
      const now = deps.now().getTime();
      const names = new Map<string, string>();
      const missing: string[] = [];
      for (const id of new Set(accountIds)) {
        const hit = cache.get(id);
        if (hit !== undefined && hit.until > now) {
          if (hit.name !== null) names.set(id, hit.name);
        } else {
          missing.push(id);
        }
      }
      for (let i = 0; i < missing.length; i += BATCH) {
        const batch = missing.slice(i, i + BATCH);
        const found = await ask(batch);
        if (found === undefined) continue;
        for (const id of batch) {
          const name = found.get(id) ?? null;
          cache.delete(id);
          cache.set(id, { name, until: now + NAME_TTL_MS });
          if (name !== null) names.set(id, name);
        }
      }
      while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
      return names;
    },
  };
}
