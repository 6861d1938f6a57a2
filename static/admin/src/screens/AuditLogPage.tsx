import { useState } from 'react';
import type { AuditEntry } from '../../../../contract';
import { call } from '../api';
import type { Navigate } from '../navigation';
import { ErrorBanner } from '../components/ErrorBanner';
import { formatTime } from '../format';
import { useAction } from '../hooks/useAction';
import { useLoad } from '../hooks/useLoad';

const show = (value: unknown): string => (value === null ? '—' : Array.isArray(value) ? value.join(', ') : String(value));

export function AuditTable({ items, navigate }: { items: AuditEntry[]; navigate?: Navigate }) {
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
            <td>
              <code>{entry.actorAccountId}</code>
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

export function AuditLogPage({ navigate, linkId }: { navigate?: Navigate; linkId?: string }) {
  const [items, setItems] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const first = useLoad(async () => {
    const page = await call('listAuditLog', linkId === undefined ? {} : { linkId });
    setItems(page.items);
    setCursor(page.nextCursor);
    return page;
  }, [linkId]);
  const more = useAction(async () => {
    if (cursor === null) return;
    const page = await call('listAuditLog', { ...(linkId === undefined ? {} : { linkId }), cursor });
    setItems((current) => [...current, ...page.items]);
    setCursor(page.nextCursor);
  });
  return (
    <section aria-labelledby={linkId === undefined ? 'audit-title' : undefined}>
      {linkId === undefined && (
        <>
          <h1 id="audit-title">Audit log</h1>
          <p className="subtle">Who changed which link, and when. Secret values are never recorded, only that they changed.</p>
        </>
      )}
      <ErrorBanner error={first.error ?? more.error} />
      {first.loading ? <p role="status">Loading…</p> : <AuditTable items={items} navigate={navigate} />}
      {cursor !== null && (
        <div className="actions">
          <button type="button" className="btn" onClick={() => void more.run()} disabled={more.busy}>
            {more.busy ? 'Loading…' : 'Load older entries'}
          </button>
        </div>
      )}
    </section>
  );
}
