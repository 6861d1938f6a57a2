import { useState } from 'react';
import type { AuditEntryView } from '../../../../../contract';
import { call } from '../../api';
import type { Navigate } from '../../navigation';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useAction } from '../../hooks/useAction';
import { useLoad } from '../../hooks/useLoad';
import { AuditTable } from './AuditTable';

/** The audit log, newest first, a page at a time: the whole site's, or one link's (its page's History). */
export function AuditLogPage({ navigate, linkId }: { navigate?: Navigate; linkId?: string }) {
  const [items, setItems] = useState<AuditEntryView[]>([]);
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
