import { REMOTE_PRESETS, type ExchangeStepId, type ForgeLinkView } from '../../../../../contract';
import { ExchangeSteps } from './ExchangeSteps';
import { RemoteColumn } from './RemoteColumn';
import { ThisSiteColumn } from './ThisSiteColumn';

/** Every value each side holds, in two columns, then the exchange's steps in order. */
export function CredentialExchange({ link, onLink, onMark, marking }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; onMark: (step: ExchangeStepId, done: boolean) => void; marking: boolean }) {
  const remote = REMOTE_PRESETS[link.remoteKind].label;
  return (
    <>
      <h2>Credential exchange</h2>
      <p className="subtle">
        Every value each side holds, where it comes from and where it goes. The incoming link in {remote} is where this site cannot look: mark it when it is done. Its outgoing link is done when this site sees it obtain a token.
      </p>
      <div className="exchange">
        <ThisSiteColumn link={link} onLink={onLink} remote={remote} />
        <RemoteColumn link={link} remote={remote} onMark={onMark} busy={marking} />
      </div>
      <h3>Steps</h3>
      <ExchangeSteps link={link} remote={remote} />
    </>
  );
}
