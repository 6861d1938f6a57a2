import { useEffect, useState } from 'react';
import { REMOTE_PRESETS, type AuthKind, type ForgeLinkView } from '../../../../contract';
import { call } from '../api';

/**
 * Why OAuth 2.0 cannot be chosen for an existing link, if it cannot: asked of the remote (the
 * connector probes it) only when an edit turns authentication on for a kind with a minimum
 * version. Null while unknown or allowed; a probe that fails blocks nothing (the test checks later).
 */
export function useVersionBlock(link: ForgeLinkView, authKind: AuthKind): string | null {
  const [blocked, setBlocked] = useState<string | null>(null);
  const preset = REMOTE_PRESETS[link.remoteKind];
  const asks = authKind !== 'none' && link.authKind === 'none' && preset.minimumVersion !== undefined;
  useEffect(() => {
    if (!asks) return setBlocked(null);
    let current = true;
    call('probeRemote', { url: link.applicationUrl, kind: link.remoteKind }).then(
      (probe) => {
        if (current) setBlocked(probe.oauth2.supported === false ? `${preset.label} ${probe.version ?? ''} has no OAuth 2.0 application links: they need ${preset.minimumVersion} or later.` : null);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [asks, link.applicationUrl, link.remoteKind, preset.label, preset.minimumVersion]);
  return blocked;
}
