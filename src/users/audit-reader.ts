import type { AuditPage } from '../../contract';
import type { AuditLog } from '../storage/audit-log';
import type { UserDirectory } from './user-directory';

/**
 * The audit log as the admin page reads it: each entry with its actor's display name, asked of
 * Jira once per page for the accounts on it (names are not stored in the log: people rename
 * themselves, and an entry must not keep personal data longer than Jira does).
 */
export class AuditReader {
  constructor(
    private readonly audit: AuditLog,
    /** Absent: names are not resolved, and the page shows account IDs. */
    private readonly users: UserDirectory | undefined,
  ) {}

  async page(options: { linkId?: string | undefined; limit: number; cursor?: string | undefined }): Promise<AuditPage> {
    const stored = await this.audit.page(options);
    const names = this.users === undefined ? new Map<string, string>() : await this.users.displayNames(stored.items.map((entry) => entry.actorAccountId));
    return { ...stored, items: stored.items.map((entry) => ({ ...entry, actorDisplayName: names.get(entry.actorAccountId) ?? null })) };
  }
}
