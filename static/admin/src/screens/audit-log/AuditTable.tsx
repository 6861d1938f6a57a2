import type { AuditEntryView } from '../../../../../contract';
import { formatTime } from '../../format';
import type { Navigate } from '../../navigation';

const show = (value: unknown): string => (value === null ? '—' : Array.isArray(value) ? value.join(', ') : String(value));

/** Audit entries as a table: who changed which fields of which link, and when; link names open the link when `navigate` is given. */
export function AuditTable({ items, navigate }: { items: AuditEntryView[]; navigate?: Navigate }) {
  if (items.length === 0) return <p className="subtle">Nothing recorded yet.</p>;
  return (
    <table aria-label="Audit log entries">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">What</th>
          <th scope="col">Link</th>
          <th scope="col">Changes</th>
        </tr>
      </thead>
      <tbody>
        {items.map((entry) => (
          <tr key={entry.id}>
            <td>{formatTime(entry.at)}</td>
            <td data-account-id={entry.actorAccountId}>
              {/* The name Jira gives the account; its ID when Jira could not say (a deleted account, Jira unreachable). */}
              {entry.actorDisplayName === null ? <code>{entry.actorAccountId}</code> : <span title={entry.actorAccountId}>{entry.actorDisplayName}</span>}
            </td>
            <td>{entry.action}</td>
            <td>
              {entry.linkId !== null && navigate !== undefined ? (
                <button type="button" className="btn link" onClick={() => navigate({ screen: 'link', id: entry.linkId! })}>
                  {entry.linkName ?? entry.linkId}
                </button>
              ) : (
                (entry.linkName ?? '—')
              )}
            </td>
            <td>
              <ul style={{ margin: 0, paddingLeft: 16 }}>
                {entry.changes.map((change, i) => (
                  <li key={i}>
                    <code>{change.field}</code>: {show(change.from)} → {show(change.to)}
                  </li>
                ))}
              </ul>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
