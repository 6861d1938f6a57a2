import { useState } from 'react';
import { REMOTE_PRESETS, type ForgeLinkView, type IssuedIncomingCredentials } from '../../../../../contract';
import { IncomingCredentialsForm } from '../../link/IncomingCredentialsForm';
import { IssuedIncomingValues } from './IssuedIncomingValues';

/** Incoming: this site issues a client ID and secret to the remote, shown once, to copy into the remote's outgoing link. */
export function IncomingStep({ link, onLink, onNext }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; onNext: () => void }) {
  const remote = REMOTE_PRESETS[link.remoteKind].label;
  const [issued, setIssued] = useState<IssuedIncomingCredentials | undefined>(undefined);
  return (
    <div>
      <h2>Incoming: credentials this site issues to {remote}</h2>
      <p>
        {remote} calls this site with a client ID and secret that this site issues. Choose what it may do, then copy the values into {remote}'s outgoing link
        (Administration &gt; Application links &gt; the link &gt; Configure outgoing).
      </p>
      {issued === undefined ? (
        <IncomingCredentialsForm link={link} legend="Scopes granted to the remote (a higher scope includes the lower ones)" askRedirectUri onIssued={setIssued} />
      ) : (
        <IssuedIncomingValues link={link} issued={issued} onLink={onLink} onNext={onNext} />
      )}
    </div>
  );
}
