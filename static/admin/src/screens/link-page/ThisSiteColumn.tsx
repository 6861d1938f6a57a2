import type { ForgeLinkView } from '../../../../../contract';
import { CopyValue } from '../../components/CopyValue';
import { formatTime } from '../../format';
import { ExchangeValue } from './ExchangeValue';
import { IncomingClientsPanel } from './IncomingClientsPanel';
import { IncomingValues } from './IncomingValues';

/** This site's side of the exchange: the outgoing values the connector holds, then the incoming ones this site issues. */
export function ThisSiteColumn({ link, onLink, remote }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; remote: string }) {
  const incomingApplies = link.exchange.steps.some((s) => s.id === 'incoming-credentials');
  const fp = link.outgoing.clientSecretFingerprint;
  return (
    <section className="column" aria-labelledby="this-site-title">
      <h3 id="this-site-title">This site (Jira Cloud and its connector)</h3>
      <ExchangeValue label="Redirect URL (the connector's callback)" from="the connector" to={`${remote}'s incoming link`} testId="redirect-url">
        {link.outgoing.redirectUri === null ? <span className="subtle">unknown</span> : <CopyValue label="Redirect URL to register" value={link.outgoing.redirectUri} />}
      </ExchangeValue>
      <ExchangeValue label="Outgoing client ID" from={`${remote}'s incoming link`} to="the connector" testId="outgoing-client-id">
        {link.outgoing.clientId === null ? <span className="subtle">not entered</span> : <code>{link.outgoing.clientId}</code>}
      </ExchangeValue>
      <ExchangeValue label="Outgoing client secret" from={`${remote}'s incoming link`} to="the connector (encrypted; write-only)" testId="outgoing-secret">
        {link.outgoing.hasClientSecret ? (
          <span>
            set {fp?.last4 !== null && fp?.last4 !== undefined ? <>(ends in <code>{fp.last4}</code>)</> : ''} {formatTime(fp?.setAt)}
          </span>
        ) : (
          <span className="subtle">not entered</span>
        )}
      </ExchangeValue>
      <ExchangeValue label="Scopes requested" from="this site" to={remote}>
        {link.outgoing.scopes.length === 0 ? '—' : link.outgoing.scopes.join(', ')}
      </ExchangeValue>
      {incomingApplies && <IncomingValues link={link} onLink={onLink} remote={remote} />}
      {incomingApplies && <IncomingClientsPanel link={link} onLink={onLink} remote={remote} />}
    </section>
  );
}
