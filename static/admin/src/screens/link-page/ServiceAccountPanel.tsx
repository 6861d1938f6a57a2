import { useId, useState } from 'react';
import { REMOTE_PRESETS, type ForgeLinkView } from '../../../../../contract';
import { call } from '../../api';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useAction } from '../../hooks/useAction';

/**
 * A Data Center service account's credential on the link page: when it expires, as the remote's
 * administrator set it. Editable here because a new secret entered without its date clears the
 * old one (it described the old secret).
 */
export function ServiceAccountPanel({ link, onLink }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void }) {
  const id = useId();
  const current = link.outgoing.secretExpiresAt?.slice(0, 10) ?? '';
  const [date, setDate] = useState(current);
  const save = useAction(async () =>
    onLink(await call('updateLink', { id: link.id, expectedVersion: link.version, changes: { outgoing: { secretExpiresAt: date === '' ? null : date } } })),
  );
  const expired = current !== '' && Date.parse(`${current}T23:59:59Z`) < Date.now();
  return (
    <section aria-labelledby={`${id}-title`} data-testid="service-account">
      <h2 id={`${id}-title`}>Service account</h2>
      <p>
        The link connects as a {REMOTE_PRESETS[link.remoteKind].label} service account (client credentials, no sign-in).{' '}
        {current === '' ? 'Its credential has no expiry date here.' : expired ? `Its credential expired on ${current}: issue a new one and enter it.` : `Its credential expires on ${current}.`}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <div className="field">
          <label htmlFor={id}>Credential expires on</label>
          <input id={id} type="date" value={date} onChange={(e) => setDate(e.target.value)} />
        </div>
        <ErrorBanner error={save.error} />
        <div className="actions">
          <button type="submit" className="btn" disabled={save.busy || date === current}>
            {save.busy ? 'Saving…' : 'Save expiry date'}
          </button>
        </div>
      </form>
    </section>
  );
}
