import { REMOTE_PRESETS, type ExchangeStepId, type ForgeLinkView, type IncomingView } from '../../../../../contract';
import { formatTime } from '../../format';

/** Whether this site saw the remote's outgoing link work: a token obtained with the current secret (not a tick). */
function SeenWorking({ incoming, done }: { incoming: IncomingView; done: boolean }) {
  const token = incoming.activity?.lastToken ?? null;
  // The step is done only for a token of the current secret's generation (src/links/exchange-steps.ts).
  const seen = done && token !== null;
  return (
    <p className={seen ? 'status-ok' : 'subtle'} data-value="remote-outgoing-seen" data-status={seen ? 'done' : 'pending'}>
      {seen ? `Seen working: it obtained a token ${formatTime(token.at)}` : 'Not seen working yet: no token obtained with the current secret'}
    </p>
  );
}

/**
 * The remote's side of the exchange. This site cannot see the remote's incoming link, so that one is
 * a checkbox the admin ticks when the remote's administrator reports it done; the outgoing link is
 * done when this site saw it work.
 */
export function RemoteColumn({ link, remote, onMark, busy }: { link: ForgeLinkView; remote: string; onMark: (step: ExchangeStepId, done: boolean) => void; busy: boolean }) {
  const steps = new Map(link.exchange.steps.map((s) => [s.id, s]));
  const incomingStep = steps.get('remote-incoming-link');
  const outgoingStep = steps.get('remote-outgoing-link');
  const preset = REMOTE_PRESETS[link.remoteKind];
  const check = (id: ExchangeStepId, label: string, status: 'pending' | 'done') => (
    <div className="choice">
      <input type="checkbox" id={`mark-${id}`} checked={status === 'done'} disabled={busy} onChange={(e) => onMark(id, e.target.checked)} />
      <label htmlFor={`mark-${id}`}>{label}</label>
    </div>
  );
  return (
    <section className="column" aria-labelledby="remote-title">
      <h3 id="remote-title">The remote ({remote})</h3>
      {incomingStep !== undefined && (
        <div className="value">
          <div className="label">Incoming link (OAuth client) for this site</div>
          <p className="subtle">{preset.registrationHint}</p>
          <ul>
            <li>Holds the redirect URL ← from this site</li>
            <li>Issues a client ID and secret → to this site's outgoing client ID and secret</li>
          </ul>
          {check('remote-incoming-link', `Done in ${remote}`, incomingStep.status)}
        </div>
      )}
      {outgoingStep !== undefined && (
        <div className="value">
          <div className="label">Outgoing link to this site</div>
          <ul>
            <li>Holds this site's client ID, client secret and token endpoint ← from this site</li>
            <li>Shows a redirect URI → to this site ({remote}'s redirect URI)</li>
          </ul>
          {link.incoming !== null ? <SeenWorking incoming={link.incoming} done={outgoingStep.status === 'done'} /> : <p className="subtle">Issue this site's credentials first.</p>}
        </div>
      )}
      {incomingStep === undefined && outgoingStep === undefined && <p className="subtle">Nothing to configure in {remote}.</p>}
    </section>
  );
}
