import { useEffect, useState } from 'react';
import type { ConsentDecision, ConsentRequestView } from '../../../../contract';
import { Banner } from '../components/Banner';
import { formatTime } from '../format';
import { consentCall, requestIdFromRoute } from './consent-api';

type State =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'asking'; requestId: string; request: ConsentRequestView }
  | { kind: 'decided'; decision: ConsentDecision };

/**
 * Where a signed-in Jira user approves or denies a remote's request for access (the authorization
 * code grant's consent). It says, before anyone consents, what the remote asks for and that its
 * calls act as the app, not as the user. Custom UI cannot navigate the top window, so the way back
 * to the remote is a link the user follows (a new tab, as Forge opens external links).
 */
export function ConsentPage() {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void (async () => {
      const requestId = await requestIdFromRoute();
      if (requestId === undefined) return setState({ kind: 'error', message: 'This page answers a remote application\'s request for access; open it from that application.' });
      try {
        setState({ kind: 'asking', requestId, request: await consentCall('getConsentRequest', { requestId }) });
      } catch (error) {
        setState({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    })();
  }, []);
  const decide = async (requestId: string, decision: 'approve' | 'deny') => {
    setBusy(true);
    try {
      setState({ kind: 'decided', decision: await consentCall('decideConsent', { requestId, decision }) });
    } catch (error) {
      setState({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="page consent" aria-labelledby="consent-title">
      <h1 id="consent-title">Approve application access</h1>
      {state.kind === 'loading' && <p>Loading the request…</p>}
      {state.kind === 'error' && <Banner tone="error" title="This request cannot be answered">{state.message}</Banner>}
      {state.kind === 'asking' && (
        <>
          <p>
            <strong>{state.request.linkName}</strong> ({state.request.remoteLabel} at <code>{state.request.applicationUrl}</code>) asks to use this Jira site.
          </p>
          <h2>It asks for</h2>
          <ul aria-label="Requested scopes">
            {state.request.scopes.map((scope) => (
              <li key={scope.name}>
                <strong>{scope.name}</strong>: {scope.description}
              </li>
            ))}
          </ul>
          <Banner tone="warning" title="Its calls act as the app, not as you">
            {state.request.actsAsText}
          </Banner>
          <p>
            After you answer, your browser goes back to <code>{state.request.redirectUri}</code>. This request expires {formatTime(state.request.expiresAt)}.
          </p>
          <div className="actions">
            <button type="button" className="btn primary" disabled={busy} onClick={() => void decide(state.requestId, 'approve')}>
              Approve
            </button>
            <button type="button" className="btn" disabled={busy} onClick={() => void decide(state.requestId, 'deny')}>
              Deny
            </button>
          </div>
        </>
      )}
      {state.kind === 'decided' && (
        <Banner tone={state.decision.decision === 'approve' ? 'success' : 'info'} title={state.decision.decision === 'approve' ? 'Access approved' : 'Access denied'}>
          <p>Go back to the remote application to finish:</p>
          <p>
            <a href={state.decision.redirectUrl} target="_blank" rel="noopener noreferrer">
              Return to the remote application
            </a>
          </p>
        </Banner>
      )}
    </main>
  );
}
