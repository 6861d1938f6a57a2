import { route, type APIResponse, type Route } from '@forge/api';
import { z } from 'zod';
import { AppError } from '../errors';

/** `asUser().requestJira` in Forge: calls Jira as the user who invoked the resolver. */
export type JiraRequester = (path: Route) => Promise<Pick<APIResponse, 'status' | 'json'>>;

export interface AdminCheck {
  /** True when the invoking user holds Jira's Administer global permission. */
  isJiraAdministrator(): Promise<boolean>;
}

const MyPermissionsSchema = z.object({
  permissions: z.object({ ADMINISTER: z.object({ havePermission: z.boolean() }) }),
});

/**
 * Asks Jira, as the invoking user, whether they hold the Administer global permission
 * (`GET /rest/api/3/mypermissions?permissions=ADMINISTER`, scope `read:jira-work`). Anything but a
 * clear answer is an error, so the resolver refuses rather than guesses.
 */
export function jiraAdminCheck(requestJira: JiraRequester): AdminCheck {
  return {
    async isJiraAdministrator() {
      let status: number;
      let body: unknown;
      try {
        const response = await requestJira(route`/rest/api/3/mypermissions?permissions=ADMINISTER`);
        status = response.status;
        body = status === 200 ? await response.json() : undefined;
      } catch (error) {
        throw new AppError('ADMIN_CHECK_FAILED', undefined, [], { cause: error });
      }
      // Anonymous or deactivated callers get 401/403 from Jira: they are not administrators.
      if (status === 401 || status === 403) return false;
      const parsed = MyPermissionsSchema.safeParse(body);
      if (status !== 200 || !parsed.success) throw new AppError('ADMIN_CHECK_FAILED', undefined, [], { cause: new Error(`mypermissions answered HTTP ${status}`) });
      return parsed.data.permissions.ADMINISTER.havePermission;
    },
  };
}
